/*
Fault: it neither ignores SIGPIPE nor uses MSG_NOSIGNAL, so a write to a client that has vanished kills the whole process with SIGPIPE.
Launch: build/faults/dies_on_sigpipe
Build: mkdir -p build/faults && gcc -std=c11 -O2 -Wall -pthread -o build/faults/dies_on_sigpipe tests/faults/dies_on_sigpipe.c
Must fail: robust.peer-gone
May fail: nothing
Cause: SERVER_DIED
*/
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MODEL "multi-threaded"
#define CHUNK (32 * 1024)
#define LINGER_MS 2000

static int opt_port = 8888;
static const char *opt_bind = "127.0.0.1";
static const char *opt_prefix = "server echo# ";
static size_t prefix_len;
static int opt_raw = 0;
static long opt_max_line = 65536;
static long opt_max_clients = 256;
static long long idle_ms = 0;
static int opt_short_lived = 0;
static int opt_quiet = 0;

static atomic_long nclients;
static atomic_ullong next_id = 1;
static int exit_efd = -1;          /* a thread that ends writes here, waking the acceptor */

static void logf_(const char *fmt, ...) {
    if (opt_quiet) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "[dies_on_sigpipe] %s\n", line);
}

static long long mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct {
    int fd;
    unsigned long long id;
    char peer[80];
    char *in;                      /* pending bytes of the current line(s) */
    size_t in_len, in_cap;
    unsigned long long bytes_in, bytes_out;
} client_t;

/* Write all of it. Blocking socket: a client that does not read holds this thread here. */
static int write_all(client_t *c, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(c->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
        c->bytes_out += (unsigned long long)w;
    }
    return 0;
}

/* One reply: PREFIX + line in one writev(), finishing a partial write with write_all(). */
static int emit_line(client_t *c, const char *p, size_t n) {
    struct iovec iov[2] = { { (void *)opt_prefix, prefix_len }, { (void *)p, n } };
    ssize_t w;
    do w = writev(c->fd, iov, 2); while (w < 0 && errno == EINTR);
    if (w < 0) return -1;
    c->bytes_out += (unsigned long long)w;
    size_t done = (size_t)w;
    if (done < prefix_len)
        return write_all(c, opt_prefix + done, prefix_len - done) < 0 ? -1 : write_all(c, p, n);
    return write_all(c, p + (done - prefix_len), n - (done - prefix_len));
}

/* Wait for input; 0 on timeout. */
static int wait_readable(int fd, long long ms) {
    if (ms <= 0) return 1;
    struct pollfd pf = { .fd = fd, .events = POLLIN };
    for (;;) {
        int r = poll(&pf, 1, ms > 1 << 30 ? 1 << 30 : (int)ms);
        if (r < 0 && errno == EINTR) continue;
        return r != 0;
    }
}

/* Our reply is out: send FIN, discard what the client still sends, for a while, then close. */
static void linger_close(client_t *c) {
    shutdown(c->fd, SHUT_WR);
    long long end = mono_ms() + LINGER_MS;
    char junk[4096];
    for (;;) {
        long long left = end - mono_ms();
        if (left <= 0 || !wait_readable(c->fd, left)) break;
        ssize_t n = read(c->fd, junk, sizeof junk);
        if (n == 0 || (n < 0 && errno != EINTR)) break;
    }
}

static const char *serve(client_t *c) {
    char *rbuf = opt_raw ? malloc(CHUNK) : NULL;
    if (opt_raw && !rbuf) return "out of memory";
    for (;;) {
        if (idle_ms > 0 && !wait_readable(c->fd, idle_ms)) { free(rbuf); return "idle timeout"; }
        char *dst;
        if (opt_raw) {
            dst = rbuf;
        } else {
            if (c->in_cap - c->in_len < CHUNK) {
                size_t nc = c->in_len + CHUNK;
                char *np = realloc(c->in, nc);
                if (!np) return "out of memory";
                c->in = np;
                c->in_cap = nc;
            }
            dst = c->in + c->in_len;
        }
        ssize_t n = read(c->fd, dst, CHUNK);
        if (n < 0) {
            if (errno == EINTR) continue;
            free(rbuf);
            return strerror(errno);
        }
        if (n == 0) {                            /* end of input */
            if (opt_raw) { free(rbuf); return "end of input"; }
            if (c->in_len > 0 && emit_line(c, c->in, c->in_len) < 0) return strerror(errno);
            return "end of input, all replies written";
        }
        c->bytes_in += (unsigned long long)n;
        if (opt_raw) {
            if (write_all(c, rbuf, (size_t)n) < 0) { free(rbuf); return strerror(errno); }
            continue;
        }
        size_t old = c->in_len;
        c->in_len += (size_t)n;
        size_t start = 0, i = old;
        while (i < c->in_len) {
            char *lf = memchr(c->in + i, '\n', c->in_len - i);
            if (!lf) break;
            size_t end = (size_t)(lf - c->in) + 1;
            if (emit_line(c, c->in + start, end - start) < 0) return strerror(errno);
            start = i = end;
            if (opt_short_lived) {
                linger_close(c);
                return "short-lived reply written";
            }
        }
        memmove(c->in, c->in + start, c->in_len - start);
        c->in_len -= start;
        if (c->in_len > (size_t)opt_max_line) {
            char msg[128];
            int m = snprintf(msg, sizeof msg,
                             "server error# line too long (more than %ld bytes)\n", opt_max_line);
            if (write_all(c, msg, (size_t)m) < 0) return strerror(errno);
            linger_close(c);
            return "line too long";
        }
        if (c->in_cap > 4 * CHUNK && c->in_len < CHUNK) {   /* give back a big line's memory */
            char *np = realloc(c->in, CHUNK);
            if (np) { c->in = np; c->in_cap = CHUNK; }
        }
    }
}

static void *client_thread(void *arg) {
    client_t *c = arg;
    const char *why = serve(c);
    close(c->fd);
    long left = atomic_fetch_sub(&nclients, 1) - 1;
    logf_("conn %llu closed: %s, peer %s, in=%llu out=%llu bytes, clients %ld/%ld", c->id, why,
          c->peer, c->bytes_in, c->bytes_out, left, opt_max_clients);
    free(c->in);
    free(c);
    uint64_t one = 1;
    ssize_t r = write(exit_efd, &one, sizeof one);
    (void)r;
    return NULL;
}

/* ---------- command line ---------- */
static void usage(FILE *f) {
    fprintf(f,
            "usage: dies_on_sigpipe [--port 8888] [--bind 127.0.0.1] [--prefix 'server echo# ']\n"
            "                       [--raw] [--max-line 65536] [--workers N] [--queue N]\n"
            "                       [--max-clients 256] [--idle-timeout SECONDS] [--short-lived]\n"
            "                       [--quiet]\n");
}

static void bad(const char *fmt, const char *arg) {
    fprintf(stderr, "dies_on_sigpipe: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    usage(stderr);
    exit(2);
}

static long parse_long(const char *opt, const char *s, long min, long max) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno || v < min || v > max) {
        char msg[160];
        snprintf(msg, sizeof msg, "bad value for %s: '%%s' (want %ld..%ld)", opt, min, max);
        bad(msg, s);
    }
    return v;
}

static void parse_args(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { usage(stdout); exit(0); }
        if (strncmp(a, "--", 2) != 0) bad("unexpected argument '%s'", a);
        char name[64];
        const char *val = NULL;
        char *eq = strchr(a, '=');
        if (eq) {
            size_t n = (size_t)(eq - a);
            if (n >= sizeof name) bad("unknown option '%s'", a);
            memcpy(name, a, n);
            name[n] = '\0';
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
        }
        int flag = strcmp(name, "--raw") == 0 || strcmp(name, "--short-lived") == 0 ||
                   strcmp(name, "--quiet") == 0;
        int known = flag || strcmp(name, "--port") == 0 || strcmp(name, "--bind") == 0 ||
                    strcmp(name, "--prefix") == 0 || strcmp(name, "--max-line") == 0 ||
                    strcmp(name, "--workers") == 0 || strcmp(name, "--queue") == 0 ||
                    strcmp(name, "--max-clients") == 0 || strcmp(name, "--idle-timeout") == 0;
        if (!known) bad("unknown option '%s'", a);
        if (flag) {
            if (val) bad("option '%s' takes no value", name);
        } else if (!val) {
            if (i + 1 >= argc) bad("option '%s' needs a value", name);
            val = argv[++i];
        }
        if (strcmp(name, "--raw") == 0) opt_raw = 1;
        else if (strcmp(name, "--short-lived") == 0) opt_short_lived = 1;
        else if (strcmp(name, "--quiet") == 0) opt_quiet = 1;
        else if (strcmp(name, "--port") == 0) opt_port = (int)parse_long(name, val, 0, 65535);
        else if (strcmp(name, "--bind") == 0) {
            if (!*val) bad("empty value for %s", name);
            opt_bind = val;
        } else if (strcmp(name, "--prefix") == 0) opt_prefix = val;
        else if (strcmp(name, "--max-line") == 0)
            opt_max_line = parse_long(name, val, 1, 1L << 30);
        else if (strcmp(name, "--workers") == 0) parse_long(name, val, 1, 1000000);
        else if (strcmp(name, "--queue") == 0) parse_long(name, val, 0, 1000000000);
        else if (strcmp(name, "--max-clients") == 0)
            opt_max_clients = parse_long(name, val, 1, 100000);
        else if (strcmp(name, "--idle-timeout") == 0) {
            char *end;
            errno = 0;
            double d = strtod(val, &end);
            if (!*val || *end || errno || !(d >= 0) || d > 1e7)
                bad("bad value for --idle-timeout: '%s' (seconds, 0 = off)", val);
            idle_ms = (long long)(d * 1000.0 + 0.5);
            if (d > 0 && idle_ms == 0) idle_ms = 1;
        }
    }
    if (opt_raw && opt_short_lived) bad("%s cannot be used with --raw", "--short-lived");
    prefix_len = strlen(opt_prefix);
}

static int open_listener(char *shown, size_t shown_len, int *port_out) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", opt_port);
    int rc = getaddrinfo(opt_bind, portstr, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "dies_on_sigpipe: cannot resolve bind address '%s': %s\n", opt_bind,
                gai_strerror(rc));
        usage(stderr);
        exit(2);
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "dies_on_sigpipe: socket: %s\n", strerror(errno));
        exit(1);
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
        if (errno == EADDRINUSE)
            fprintf(stderr, "dies_on_sigpipe: cannot listen on %s:%d: port %d is already in use\n",
                    opt_bind, opt_port, opt_port);
        else
            fprintf(stderr, "dies_on_sigpipe: cannot bind %s:%d: %s\n", opt_bind, opt_port,
                    strerror(errno));
        exit(1);
    }
    freeaddrinfo(res);
    if (listen(fd, SOMAXCONN) < 0) {
        fprintf(stderr, "dies_on_sigpipe: listen: %s\n", strerror(errno));
        exit(1);
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    char host[INET6_ADDRSTRLEN] = "?";
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        *port_out = ntohs(a->sin6_port);
        snprintf(shown, shown_len, "[%s]", host);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        *port_out = ntohs(a->sin_port);
        snprintf(shown, shown_len, "%s", host);
    }
    return fd;
}

static void peer_name(const struct sockaddr_storage *ss, char *out, size_t len) {
    char host[INET6_ADDRSTRLEN] = "?";
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        snprintf(out, len, "%s:%d", host, ntohs(a->sin_port));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        snprintf(out, len, "[%s]:%d", host, ntohs(a->sin6_port));
    } else {
        snprintf(out, len, "?");
    }
}

int main(int argc, char **argv) {
    parse_args(argc, argv);

    /* SIGINT/SIGTERM are taken by the acceptor through a signalfd; every thread inherits the
       blocked mask. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &mask, NULL);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    exit_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (sfd < 0 || exit_efd < 0) {
        fprintf(stderr, "dies_on_sigpipe: signalfd/eventfd: %s\n", strerror(errno));
        return 1;
    }

    char host[INET6_ADDRSTRLEN + 2];
    int port = 0;
    int lfd = open_listener(host, sizeof host, &port);

    printf("listening on %s:%d model=%s pid=%ld max-clients=%ld mode=%s", host, port, MODEL,
           (long)getpid(), opt_max_clients, opt_raw ? "raw" : "line");
    if (!opt_raw) printf(" max-line=%ld", opt_max_line);
    if (idle_ms > 0) printf(" idle-timeout=%g", (double)idle_ms / 1000.0);
    if (opt_short_lived) printf(" short-lived=true");
    printf("\n");
    fflush(stdout);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);

    for (;;) {
        int below_cap = atomic_load(&nclients) < opt_max_clients;
        struct pollfd pf[3] = {
            { .fd = sfd, .events = POLLIN },
            { .fd = exit_efd, .events = POLLIN },
            { .fd = lfd, .events = POLLIN },
        };
        int r = poll(pf, below_cap ? 3 : 2, -1);
        if (r < 0) {
            if (errno == EINTR) continue;
            logf_("poll: %s", strerror(errno));
            break;
        }
        if (pf[0].revents) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                logf_("signal %d: shutting down", (int)si.ssi_signo);
            break;
        }
        if (pf[1].revents) {
            uint64_t v;
            ssize_t rr = read(exit_efd, &v, sizeof v);
            (void)rr;
        }
        if (!below_cap || !pf[2].revents) continue;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                logf_("accept: %s; pausing accepts for 200 ms", strerror(errno));
                poll(NULL, 0, 200);
            }
            continue;                       /* EAGAIN, ECONNABORTED, EINTR, ... */
        }
        client_t *c = calloc(1, sizeof *c);
        if (!c) { close(fd); continue; }
        c->fd = fd;
        c->id = atomic_fetch_add(&next_id, 1);
        peer_name(&ss, c->peer, sizeof c->peer);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        long now_clients = atomic_fetch_add(&nclients, 1) + 1;
        logf_("conn %llu opened: peer %s, clients %ld/%ld", c->id, c->peer, now_clients,
              opt_max_clients);
        pthread_t th;
        int e = pthread_create(&th, &attr, client_thread, c);
        if (e != 0) {
            atomic_fetch_sub(&nclients, 1);
            logf_("conn %llu closed: cannot start a thread: %s", c->id, strerror(e));
            close(fd);
            free(c);
        }
    }

    /* Stop accepting; process exit closes every client socket and ends every thread. */
    close(lfd);
    fflush(stdout);
    _exit(0);
}
