/* Correct: fork() per connection, in C: the child closes the listener and serves; the parent closes its
 * copy, reaps children from SIGCHLD with waitpid(-1, WNOHANG), caps them at --max-clients (default 32),
 * and on SIGTERM ends them all.
 * Build: gcc -O2 -Wall -Wextra -o build/correct/ForkServer tests/correct/ForkServer.c
 * Launch: build/correct/ForkServer
 * Written from SPEC §2 and §3 alone, without the kit's code, to try the suite on a server it was not built with.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MODEL "multi-process"
#define DEFAULT_MAX_CLIENTS 32
#define CHUNK 65536

static const char *prog = "ForkServer";
static int opt_port = 8888;
static const char *opt_bind = "127.0.0.1";
static const char *opt_prefix = "server echo# ";
static size_t prefix_len;
static int opt_raw = 0;
static long long opt_max_line = 65536;
static int opt_quiet = 0;
static int opt_short_lived = 0;
#ifndef DEFAULT_MAX_CLIENTS
#define DEFAULT_MAX_CLIENTS 256
#endif
static long long opt_max_clients = DEFAULT_MAX_CLIENTS;

static volatile sig_atomic_t stop_flag = 0;
static volatile int listen_fd = -1;
static volatile int client_fd = -1;

static void usage(const char *msg) {
    fprintf(stderr, "error: %s\n", msg);
    fprintf(stderr, "usage: %s [--port N] [--bind ADDR] [--prefix TEXT] [--raw] [--max-line N]\n"
                    "       [--workers N] [--queue N] [--max-clients N] [--idle-timeout S] [--short-lived] [--quiet]\n", prog);
    exit(2);
}

static long long parse_num(const char *name, const char *v, long long lo, long long hi) {
    char *end; errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s needs an integer between %lld and %lld, got '%s'", name, lo, hi, v);
        usage(buf);
    }
    return x;
}

static void parse_args(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        char name[64]; const char *val = NULL; const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("usage: %s [--port N] [--bind ADDR] [--prefix TEXT] [--raw] [--max-line N]\n"
                   "       [--workers N] [--queue N] [--max-clients N] [--idle-timeout S] [--short-lived] [--quiet]\n", prog);
            exit(0);
        }
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        if (eq) {
            size_t n = (size_t)(eq - a);
            if (n >= sizeof name) usage("unknown argument");
            memcpy(name, a, n); name[n] = 0; val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
            if (strlen(a) >= sizeof name) usage("unknown argument");
        }
        if (!strcmp(name, "--raw") || !strcmp(name, "--short-lived") || !strcmp(name, "--quiet")) {
            if (val) usage("flag takes no value");
            if (!strcmp(name, "--raw")) opt_raw = 1;
            else if (!strcmp(name, "--short-lived")) opt_short_lived = 1;
            else opt_quiet = 1;
            continue;
        }
        int known = !strcmp(name, "--port") || !strcmp(name, "--bind") || !strcmp(name, "--prefix") ||
                    !strcmp(name, "--max-line") || !strcmp(name, "--workers") || !strcmp(name, "--queue") ||
                    !strcmp(name, "--max-clients") || !strcmp(name, "--idle-timeout");
        if (!known) {
            char buf[300]; snprintf(buf, sizeof buf, "unknown argument '%.200s'", a); usage(buf);
        }
        if (!val) {
            if (i + 1 >= argc) { char buf[100]; snprintf(buf, sizeof buf, "%s needs a value", name); usage(buf); }
            val = argv[++i];
        }
        if (!strcmp(name, "--port")) opt_port = (int)parse_num(name, val, 0, 65535);
        else if (!strcmp(name, "--bind")) opt_bind = val;
        else if (!strcmp(name, "--prefix")) opt_prefix = val;
        else if (!strcmp(name, "--max-line")) opt_max_line = parse_num(name, val, 1, 1LL << 40);
        else if (!strcmp(name, "--workers")) parse_num(name, val, 1, 100000);
        else if (!strcmp(name, "--queue")) parse_num(name, val, 1, 10000000);
        else if (!strcmp(name, "--max-clients")) opt_max_clients = parse_num(name, val, 1, 100000);
        else if (!strcmp(name, "--idle-timeout")) {
            char *end; double d = strtod(val, &end);
            if (end == val || *end || d < 0) usage("--idle-timeout needs a non-negative number");
        }
    }
    if (opt_short_lived && opt_raw) usage("--short-lived applies to line mode only; it cannot be used with --raw");
    prefix_len = strlen(opt_prefix);
}

static void logmsg(const char *fmt, const char *peer, const char *why) {
    if (opt_quiet) return;
    fprintf(stderr, "[" MODEL " %d] ", (int)getpid());
    fprintf(stderr, fmt, peer, why);
    fputc('\n', stderr);
    fflush(stderr);
}

/* Write everything, coping with partial writes and EINTR. Returns 0 or -1. */
static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) { if (stop_flag) return -1; continue; }
            return -1;
        }
        p += w; n -= (size_t)w;
    }
    return 0;
}

static ssize_t read_some(int fd, char *buf, size_t n) {
    for (;;) {
        ssize_t r = recv(fd, buf, n, 0);
        if (r < 0 && errno == EINTR) { if (stop_flag) return -1; continue; }
        return r;
    }
}

/* After the error line or the short-lived reply: half-close, then discard input briefly so close()
 * does not send RST (which could destroy the reply before the client reads it). */
static void close_after_error(int fd) {
    shutdown(fd, SHUT_WR);
    struct timeval tv = {0, 500000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[CHUNK];
    time_t start = time(NULL);
    while (!stop_flag && time(NULL) - start < 2) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r <= 0) break;
    }
}

static const char *serve_raw(int fd) {
    static char buf[CHUNK];
    for (;;) {
        ssize_t r = read_some(fd, buf, sizeof buf);
        if (r == 0) return "eof";
        if (r < 0) return stop_flag ? "server stopping" : strerror(errno);
        if (write_all(fd, buf, (size_t)r) < 0) return stop_flag ? "server stopping" : strerror(errno);
    }
}

/* out buffer: replies for one recv() */
static char *out; static size_t out_len, out_cap;
static void out_add(const char *p, size_t n) {
    if (out_len + n > out_cap) {
        size_t c = out_cap ? out_cap : 4096;
        while (c < out_len + n) c *= 2;
        char *q = realloc(out, c);
        if (!q) { perror("realloc"); exit(1); }
        out = q; out_cap = c;
    }
    memcpy(out + out_len, p, n); out_len += n;
}

static const char *serve_line(int fd) {
    static char buf[CHUNK];
    static char *line; static size_t line_cap;
    size_t llen = 0;
    if (!line) {
        line_cap = (size_t)opt_max_line;
        line = malloc(line_cap ? line_cap : 1);
        if (!line) { perror("malloc"); exit(1); }
    }
    for (;;) {
        ssize_t r = read_some(fd, buf, sizeof buf);
        if (r < 0) return stop_flag ? "server stopping" : strerror(errno);
        if (r == 0) {
            if (llen > 0) {
                out_len = 0;
                out_add(opt_prefix, prefix_len);
                out_add(line, llen);
                if (write_all(fd, out, out_len) < 0) return stop_flag ? "server stopping" : strerror(errno);
            }
            return "eof";
        }
        out_len = 0;
        const char *p = buf, *end = buf + r;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *seg_end = nl ? nl + 1 : end;
            size_t seg = (size_t)(seg_end - p);
            if ((long long)(llen + seg) > opt_max_line) {
                char msg[100];
                int m = snprintf(msg, sizeof msg, "server error# line longer than %lld bytes\n", opt_max_line);
                out_add(msg, (size_t)m);
                write_all(fd, out, out_len);
                close_after_error(fd);
                return "line too long";
            }
            memcpy(line + llen, p, seg); llen += seg;
            if (nl) {
                out_add(opt_prefix, prefix_len);
                out_add(line, llen);
                llen = 0;
                if (opt_short_lived) {      /* one reply, whatever follows the line is dropped */
                    if (write_all(fd, out, out_len) < 0) return stop_flag ? "server stopping" : strerror(errno);
                    close_after_error(fd);
                    return "short-lived: one reply sent";
                }
            }
            p = seg_end;
        }
        if (out_len && write_all(fd, out, out_len) < 0) return stop_flag ? "server stopping" : strerror(errno);
    }
}

static void on_stop(int sig) {
    (void)sig;
    int saved = errno;
    stop_flag = 1;
    if (listen_fd >= 0) shutdown(listen_fd, SHUT_RDWR);   /* wakes accept() */
    if (client_fd >= 0) shutdown(client_fd, SHUT_RDWR);   /* wakes recv()/send() */
    errno = saved;
}

static int open_listener(char *host_out, size_t host_len, int *port_out) {
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC; hints.ai_socktype = SOCK_STREAM; hints.ai_flags = AI_PASSIVE;
    char portstr[16]; snprintf(portstr, sizeof portstr, "%d", opt_port);
    int rc = getaddrinfo(opt_bind, portstr, &hints, &res);
    if (rc != 0) {
        char buf[300]; snprintf(buf, sizeof buf, "bad --bind address '%.100s': %s", opt_bind, gai_strerror(rc));
        usage(buf);
    }
    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0) { fprintf(stderr, "error: socket: %s\n", strerror(errno)); exit(1); }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 128) < 0) {
        if (errno == EADDRINUSE)
            fprintf(stderr, "error: port %d on %s is already in use\n", opt_port, opt_bind);
        else
            fprintf(stderr, "error: cannot listen on %s:%d: %s\n", opt_bind, opt_port, strerror(errno));
        exit(1);
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss; socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    char serv[16];
    getnameinfo((struct sockaddr *)&ss, sl, host_out, (socklen_t)host_len, serv, sizeof serv,
                NI_NUMERICHOST | NI_NUMERICSERV);
    *port_out = atoi(serv);
    return fd;
}

static void peer_str(struct sockaddr_storage *ss, socklen_t sl, char *out_s, size_t n) {
    char h[NI_MAXHOST], s[NI_MAXSERV];
    if (getnameinfo((struct sockaddr *)ss, sl, h, sizeof h, s, sizeof s, NI_NUMERICHOST | NI_NUMERICSERV) == 0)
        snprintf(out_s, n, "%s:%s", h, s);
    else
        snprintf(out_s, n, "?");
}

/* ---- children bookkeeping (touched by the SIGCHLD handler; main blocks SIGCHLD around edits) ---- */
static pid_t *kids;
static volatile int live = 0;

static void kid_add(pid_t pid) {
    for (long long i = 0; i < opt_max_clients; i++)
        if (kids[i] == 0) { kids[i] = pid; live++; return; }
}

static void kid_remove(pid_t pid) {
    for (long long i = 0; i < opt_max_clients; i++)
        if (kids[i] == pid) { kids[i] = 0; live--; return; }
}

static void on_chld(int sig) {
    (void)sig;
    int saved = errno;
    pid_t pid; int st;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) kid_remove(pid);
    errno = saved;
}

static void child_main(int lfd, int fd, const char *peer) {
    close(lfd);                        /* the child never accepts */
    const char *why = opt_raw ? serve_raw(fd) : serve_line(fd);
    close(fd);
    logmsg("close %s (%s)", peer, why);
    _exit(0);
}

int main(int argc, char **argv) {
    const char *slash = strrchr(argv[0], '/');
    prog = slash ? slash + 1 : argv[0];
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    kids = calloc((size_t)opt_max_clients, sizeof *kids);
    if (!kids) { perror("calloc"); return 1; }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sa.sa_flags = 0;                   /* no SA_RESTART: blocking calls return EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);

    sigset_t chld, all3;
    sigemptyset(&chld); sigaddset(&chld, SIGCHLD);
    sigemptyset(&all3); sigaddset(&all3, SIGCHLD); sigaddset(&all3, SIGTERM); sigaddset(&all3, SIGINT);

    char host[NI_MAXHOST]; int port;
    int lfd = open_listener(host, sizeof host, &port);
    listen_fd = lfd;
    printf("listening on %s:%d model=%s pid=%d mode=%s max-clients=%lld%s\n", host, port, MODEL,
           (int)getpid(), opt_raw ? "raw" : "line", opt_max_clients, opt_short_lived ? " short-lived=true" : "");
    fflush(stdout);

    while (!stop_flag) {
        /* do not accept past --max-clients live children */
        sigset_t old;
        sigprocmask(SIG_BLOCK, &all3, &old);
        while (!stop_flag && live >= opt_max_clients) sigsuspend(&old);
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (stop_flag) break;

        struct sockaddr_storage ss; socklen_t sl = sizeof ss;
        int fd = accept(lfd, (struct sockaddr *)&ss, &sl);
        if (fd < 0) {
            if (stop_flag) break;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) usleep(50000);
            continue;
        }
        char peer[NI_MAXHOST + NI_MAXSERV + 2];
        peer_str(&ss, sl, peer, sizeof peer);
        logmsg("open %s%s", peer, "");

        sigprocmask(SIG_BLOCK, &all3, &old);
        pid_t pid = fork();
        if (pid == 0) {
            signal(SIGTERM, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            signal(SIGCHLD, SIG_DFL);
            sigprocmask(SIG_SETMASK, &old, NULL);
            child_main(lfd, fd, peer);
        }
        if (pid < 0) {
            sigprocmask(SIG_SETMASK, &old, NULL);
            close(fd);
            logmsg("close %s (fork failed: %s)", peer, strerror(errno));
            usleep(50000);
            continue;
        }
        kid_add(pid);
        sigprocmask(SIG_SETMASK, &old, NULL);
        close(fd);                     /* the parent keeps no copy of the connection */
    }

    /* shutdown: stop accepting, end every child, reap them, exit 0 */
    close(lfd);
    listen_fd = -1;
    sigset_t old;
    sigprocmask(SIG_BLOCK, &chld, &old);
    for (long long i = 0; i < opt_max_clients; i++)
        if (kids[i] > 0) kill(kids[i], SIGTERM);
    sigprocmask(SIG_SETMASK, &old, NULL);
    for (int t = 0; t < 200 && live > 0; t++) {          /* up to 2 s */
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    sigprocmask(SIG_BLOCK, &chld, &old);
    for (long long i = 0; i < opt_max_clients; i++)
        if (kids[i] > 0) { kill(kids[i], SIGKILL); waitpid(kids[i], NULL, 0); kids[i] = 0; }
    live = 0;
    sigprocmask(SIG_SETMASK, &old, NULL);
    logmsg("stopped%s%s", "", "");
    return 0;
}
