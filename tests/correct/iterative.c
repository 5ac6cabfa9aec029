/*
 * Correct: model single-threaded in C (one thread, blocking sockets): accept one client, serve it until it leaves, then accept the next.
 * Launch: build/correct/iterative
 * Build: mkdir -p build/correct && gcc -std=c11 -O2 -Wall -o build/correct/iterative tests/correct/iterative.c
 *
 * An iterative server: the only thread blocks in accept(), then serves that one client with
 * blocking reads and writes until it leaves (or is closed), then accepts the next one.
 * Clients that connect meanwhile wait in the kernel's listen backlog. --workers, --queue and
 * --max-clients are accepted and ignored: there is never more than one client.
 * SIGINT/SIGTERM: the handler shuts the listening and the current socket down (shutdown() is
 * async-signal-safe), which wakes any blocked call; the loop then closes them and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MODEL "single-threaded"
#define OUTCAP 65536
#define RAWCAP 65536
#define PEERLEN 96

/* ---------------------------------------------------------------- options */

static struct {
    long port;
    const char *bind;
    const char *prefix;
    size_t prefix_len;
    int raw;
    long max_line;
    long workers;
    long queue;
    long max_clients;
    double idle_timeout; /* 0 = off */
    int short_lived;
    int quiet;
} opt = {8888, "127.0.0.1", "server echo# ", 13, 0, 65536, 16, 64, 256, 0.0, 0, 0};

static const char *progname = "iterative";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [--port 8888] [--bind 127.0.0.1] [--prefix 'server echo# ']\n"
            "       [--raw] [--max-line 65536] [--workers 16] [--queue 64] [--max-clients 256]\n"
            "       [--idle-timeout SECONDS] [--short-lived] [--quiet]\n",
            progname);
}

static void usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    usage(stderr);
    exit(2);
}

static long parse_long(const char *name, const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
        usage_error("%s wants an integer from %ld to %ld, not '%s'", name, lo, hi, s);
    return v;
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        char name[64];
        const char *eq = strchr(a, '=');
        if (strncmp(a, "--", 2) == 0 && eq != NULL) {
            size_t n = (size_t)(eq - a);
            if (n >= sizeof name)
                usage_error("unknown option '%s'", a);
            memcpy(name, a, n);
            name[n] = '\0';
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
        }
        if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        int is_flag = !strcmp(name, "--raw") || !strcmp(name, "--short-lived") || !strcmp(name, "--quiet");
        int is_valued = !strcmp(name, "--port") || !strcmp(name, "--bind") || !strcmp(name, "--prefix") ||
                        !strcmp(name, "--max-line") || !strcmp(name, "--workers") || !strcmp(name, "--queue") ||
                        !strcmp(name, "--max-clients") || !strcmp(name, "--idle-timeout");
        if (is_flag) {
            if (val != NULL)
                usage_error("%s takes no value", name);
            if (!strcmp(name, "--raw")) opt.raw = 1;
            else if (!strcmp(name, "--short-lived")) opt.short_lived = 1;
            else opt.quiet = 1;
            continue;
        }
        if (!is_valued)
            usage_error("unknown argument '%s'", a);
        if (val == NULL) {
            if (i + 1 >= argc)
                usage_error("%s needs a value", name);
            val = argv[++i];
        }
        if (!strcmp(name, "--port")) opt.port = parse_long(name, val, 0, 65535);
        else if (!strcmp(name, "--bind")) {
            if (*val == '\0') usage_error("--bind needs an address");
            opt.bind = val;
        } else if (!strcmp(name, "--prefix")) { opt.prefix = val; opt.prefix_len = strlen(val); }
        else if (!strcmp(name, "--max-line")) opt.max_line = parse_long(name, val, 1, 1L << 30);
        else if (!strcmp(name, "--workers")) opt.workers = parse_long(name, val, 1, 10000);
        else if (!strcmp(name, "--queue")) opt.queue = parse_long(name, val, 0, 1000000);
        else if (!strcmp(name, "--max-clients")) opt.max_clients = parse_long(name, val, 1, 1000000);
        else {
            char *end;
            errno = 0;
            double d = strtod(val, &end);
            if (*val == '\0' || *end != '\0' || errno != 0 || !(d >= 0.0) || d > 1e7)
                usage_error("--idle-timeout wants a number of seconds, not '%s'", val);
            opt.idle_timeout = d;
        }
    }
    if (opt.short_lived && opt.raw)
        usage_error("--short-lived applies to line mode only; it cannot be used with --raw");
}

/* ---------------------------------------------------------------- logging */

/* Only addresses, counts and fixed words are ever logged; no client byte reaches the log. */
static void logf_(const char *fmt, ...)
{
    if (opt.quiet)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* escape anything that is not printable ASCII, just in case */
    char safe[2048];
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)line; *p && o + 5 < sizeof safe; p++) {
        if (*p >= 0x20 && *p < 0x7f && *p != '\\') safe[o++] = (char)*p;
        else o += (size_t)snprintf(safe + o, sizeof safe - o, "\\x%02x", *p);
    }
    safe[o] = '\0';
    fprintf(stderr, "[%s pid=%ld] %s\n", MODEL, (long)getpid(), safe);
}

static void format_peer(const struct sockaddr_storage *ss, socklen_t len, char *out, size_t outlen)
{
    char host[64], serv[16];
    if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(out, outlen, "?");
        return;
    }
    if (ss->ss_family == AF_INET6) snprintf(out, outlen, "[%s]:%s", host, serv);
    else snprintf(out, outlen, "%s:%s", host, serv);
}

/* ---------------------------------------------------------------- one client */

enum reason { R_EOF, R_RESET, R_TIMEOUT, R_TOOLONG, R_SHORT, R_WRITE, R_SHUTDOWN };
static const char *reason_text[] = {
    "client closed", "connection reset", "idle timeout", "line too long",
    "short-lived: one reply sent", "write failed (client gone)", "server shutting down"};

static volatile sig_atomic_t sig_stop = 0;
static volatile int listen_fd = -1;
static volatile int client_fd = -1;

typedef struct {
    char *in;       /* the partial line: at most max_line + 1 bytes */
    size_t incap;
    char *out;      /* replies gathered between two reads */
    size_t outlen;
    unsigned long long nin, nout;
    int err;        /* enum reason when a send failed */
} conn_t;

static int send_all(int fd, conn_t *c, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR && !sig_stop) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) c->err = R_TIMEOUT;
            else c->err = sig_stop ? R_SHUTDOWN : R_WRITE;
            return -1;
        }
        p += w;
        n -= (size_t)w;
        c->nout += (unsigned long long)w;
    }
    return 0;
}

static int out_flush(int fd, conn_t *c)
{
    if (c->outlen == 0) return 0;
    int r = send_all(fd, c, c->out, c->outlen);
    c->outlen = 0;
    return r;
}

static int out_add(int fd, conn_t *c, const char *p, size_t n)
{
    if (c->outlen + n > OUTCAP && out_flush(fd, c) < 0) return -1;
    if (n >= OUTCAP) return send_all(fd, c, p, n);
    memcpy(c->out + c->outlen, p, n);
    c->outlen += n;
    return 0;
}

/* recv, mapping errors: >0 bytes, 0 end of input, -1 with *why set */
static ssize_t recv_some(int fd, char *buf, size_t cap, int *why)
{
    for (;;) {
        ssize_t n = recv(fd, buf, cap, 0);
        if (n >= 0) return n;
        if (errno == EINTR && !sig_stop) continue;
        if (sig_stop) *why = R_SHUTDOWN;
        else if (errno == EAGAIN || errno == EWOULDBLOCK) *why = R_TIMEOUT;
        else *why = R_RESET;
        return -1;
    }
}

/* After our last byte: send FIN, read (and drop) what the client still sends for a little
 * while, so that closing does not turn into a reset that could destroy our last reply. */
static void linger_close(int fd)
{
    shutdown(fd, SHUT_WR);
    char scratch[4096];
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t dropped = 0;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        long ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        if (ms >= 500 || dropped > (4u << 20)) break;
        struct pollfd pf = {fd, POLLIN, 0};
        int r = poll(&pf, 1, (int)(500 - ms));
        if (r <= 0) break;
        ssize_t n = recv(fd, scratch, sizeof scratch, MSG_DONTWAIT);
        if (n <= 0) break;
        dropped += (size_t)n;
    }
}

static enum reason serve_line(int fd, conn_t *c)
{
    size_t used = 0;
    const size_t max = (size_t)opt.max_line;
    for (;;) {
        int why = R_EOF;
        ssize_t n = recv_some(fd, c->in + used, c->incap - used, &why);
        if (n < 0) return (enum reason)why;
        if (n == 0) {
            if (used > 0) {
                if (out_add(fd, c, opt.prefix, opt.prefix_len) < 0 || out_add(fd, c, c->in, used) < 0)
                    return (enum reason)c->err;
            }
            if (out_flush(fd, c) < 0) return (enum reason)c->err;
            return R_EOF;
        }
        c->nin += (unsigned long long)n;
        size_t start = 0, scan = used;
        used += (size_t)n;
        char *lf;
        while ((lf = memchr(c->in + scan, '\n', used - scan)) != NULL) {
            size_t len = (size_t)(lf - (c->in + start)) + 1;
            if (out_add(fd, c, opt.prefix, opt.prefix_len) < 0 || out_add(fd, c, c->in + start, len) < 0)
                return (enum reason)c->err;
            start += len;
            scan = start;
            if (opt.short_lived) {
                if (out_flush(fd, c) < 0) return (enum reason)c->err;
                return R_SHORT;
            }
        }
        if (start > 0) {
            memmove(c->in, c->in + start, used - start);
            used -= start;
        }
        if (out_flush(fd, c) < 0) return (enum reason)c->err;
        if (used > max) {
            char msg[128];
            int m = snprintf(msg, sizeof msg, "server error# line longer than %zu bytes\n", max);
            send_all(fd, c, msg, (size_t)m);
            return R_TOOLONG;
        }
    }
}

static enum reason serve_raw(int fd, conn_t *c)
{
    for (;;) {
        int why = R_EOF;
        ssize_t n = recv_some(fd, c->in, c->incap, &why);
        if (n < 0) return (enum reason)why;
        if (n == 0) return R_EOF;
        c->nin += (unsigned long long)n;
        /* write it all before reading more: the client's backpressure is ours */
        if (send_all(fd, c, c->in, (size_t)n) < 0) return (enum reason)c->err;
    }
}

static void set_timeouts(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (opt.idle_timeout > 0) {
        struct timeval tv;
        tv.tv_sec = (time_t)opt.idle_timeout;
        tv.tv_usec = (suseconds_t)((opt.idle_timeout - (double)tv.tv_sec) * 1e6);
        if (tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1000;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
}

/* Serves one client to its end; does not close fd. */
static enum reason serve_client(int fd, conn_t *c)
{
    c->nin = c->nout = 0;
    c->outlen = 0;
    c->err = R_WRITE;
    set_timeouts(fd);
    enum reason r = opt.raw ? serve_raw(fd, c) : serve_line(fd, c);
    if (sig_stop && r != R_SHORT && r != R_TOOLONG) r = R_SHUTDOWN;
    if (r == R_SHORT || r == R_TOOLONG) linger_close(fd);
    return r;
}

/* ---------------------------------------------------------------- main */

static void on_signal(int sig)
{
    (void)sig;
    sig_stop = 1;
    int fd = listen_fd;
    if (fd >= 0) shutdown(fd, SHUT_RDWR); /* wakes the blocked accept() */
    fd = client_fd;
    if (fd >= 0) shutdown(fd, SHUT_RDWR); /* wakes a blocked recv() or send() */
}

static int open_listener(char *hostport, size_t hplen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%ld", opt.port);
    int e = getaddrinfo(opt.bind, portstr, &hints, &res);
    if (e != 0 || res == NULL) {
        fprintf(stderr, "%s: cannot use bind address '%s': %s\n", progname, opt.bind, gai_strerror(e));
        usage(stderr);
        exit(2);
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    if (fd < 0) {
        fprintf(stderr, "%s: socket: %s\n", progname, strerror(errno));
        exit(1);
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
        int err = errno;
        if (err == EADDRINUSE)
            fprintf(stderr, "%s: port %ld is already in use on %s\n", progname, opt.port, opt.bind);
        else
            fprintf(stderr, "%s: cannot bind %s:%ld: %s\n", progname, opt.bind, opt.port, strerror(err));
        exit(1);
    }
    if (listen(fd, SOMAXCONN) < 0) {
        fprintf(stderr, "%s: listen on %s:%ld: %s\n", progname, opt.bind, opt.port, strerror(errno));
        exit(1);
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    format_peer(&ss, len, hostport, hplen);
    return fd;
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    conn_t c;
    memset(&c, 0, sizeof c);
    c.incap = opt.raw ? RAWCAP : (size_t)opt.max_line + 1;
    c.in = malloc(c.incap);
    c.out = malloc(OUTCAP);
    if (c.in == NULL || c.out == NULL) {
        fprintf(stderr, "%s: out of memory\n", progname);
        return 1;
    }

    char hostport[PEERLEN];
    int lfd = open_listener(hostport, sizeof hostport);
    listen_fd = lfd;
    printf("listening on %s model=%s pid=%ld max-clients=1 mode=%s max-line=%ld%s",
           hostport, MODEL, (long)getpid(), opt.raw ? "raw" : "line",
           opt.max_line, opt.short_lived ? " short-lived=true" : "");
    if (opt.idle_timeout > 0) printf(" idle-timeout=%g", opt.idle_timeout);
    printf("\n");
    fflush(stdout);
    if (sig_stop) shutdown(lfd, SHUT_RDWR);

    while (!sig_stop) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int cfd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
        if (cfd < 0) {
            int err = errno;
            if (sig_stop) break;
            if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
            if (err == EINVAL) break;
            logf_("accept failed: %s", strerror(err));
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        client_fd = cfd;
        char peer[PEERLEN];
        format_peer(&ss, len, peer, sizeof peer);
        if (sig_stop) { /* the signal came between accept() and client_fd = cfd */
            client_fd = -1;
            close(cfd);
            logf_("closed %s at once: server shutting down", peer);
            break;
        }
        logf_("opened %s", peer);
        enum reason r = serve_client(cfd, &c);
        client_fd = -1;
        close(cfd);
        logf_("closed %s: %s (in %llu B, out %llu B)", peer, reason_text[r], c.nin, c.nout);
    }

    listen_fd = -1;
    close(lfd);
    logf_("stopped");
    free(c.in);
    free(c.out);
    return 0;
}
