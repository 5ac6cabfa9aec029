/*
Fault: as soon as read() returns 0 (the client's end of input) it closes the connection, dropping the replies still pending in its output buffer and the last partial line.
Launch: build/faults/epoll_drops_owed
Build: mkdir -p build/faults && gcc -std=c11 -O2 -Wall -o build/faults/epoll_drops_owed tests/faults/epoll_drops_owed.c
Must fail: framing.partial-at-eof stream.half-close
May fail: nothing
Cause: OWED_NOT_WRITTEN
*/
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MODEL "event-loop"
#define CHUNK (32 * 1024)          /* bytes asked for by one read() */
#define OUT_HIGH (128 * 1024)      /* stop reading a client while this much output is owed */
#define SNDBUF (64 * 1024)         /* SO_SNDBUF of a client socket (the kernel doubles it) */
#define LINGER_MS 2000             /* after our FIN: discard input this long at most */
#define ACCEPT_BURST 64            /* accepts per wake-up, for fairness */
#define MAX_EVENTS 128

/* ---------- options ---------- */
static int opt_port = 8888;
static const char *opt_bind = "127.0.0.1";
static const char *opt_prefix = "server echo# ";
static size_t prefix_len;
static int opt_raw = 0;
static long opt_max_line = 65536;
static long opt_max_clients = 256;
static long long idle_ms = 0;      /* 0: no idle timeout */
static int opt_short_lived = 0;
static int opt_quiet = 0;

/* ---------- buffers ---------- */
typedef struct {
    char *p;
    size_t off, len, cap;          /* live bytes are p[off .. off+len) */
} buf_t;

static int buf_reserve(buf_t *b, size_t extra) {
    if (b->off + b->len + extra <= b->cap) return 0;
    if (b->off > 0) {
        memmove(b->p, b->p + b->off, b->len);
        b->off = 0;
    }
    if (b->len + extra <= b->cap) return 0;
    size_t nc = b->cap ? b->cap : 4096;
    while (nc < b->len + extra) nc *= 2;
    char *np = realloc(b->p, nc);
    if (!np) return -1;
    b->p = np;
    b->cap = nc;
    return 0;
}

static int buf_append(buf_t *b, const void *src, size_t n) {
    if (n == 0) return 0;
    if (buf_reserve(b, n) < 0) return -1;
    memcpy(b->p + b->off + b->len, src, n);
    b->len += n;
    return 0;
}

static void buf_consume(buf_t *b, size_t n) {
    b->off += n;
    b->len -= n;
    if (b->len == 0) b->off = 0;
}

static void buf_trim(buf_t *b) {     /* give back memory of an empty, large buffer */
    if (b->len == 0 && b->cap > 4 * CHUNK) {
        free(b->p);
        b->p = NULL;
        b->cap = b->off = 0;
    }
}

static void buf_free(buf_t *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---------- connections ---------- */
enum after { AFTER_NONE, AFTER_CLOSE, AFTER_LINGER };

typedef struct conn {
    int fd;
    unsigned long long id;
    char peer[80];
    buf_t in, out;
    size_t scanned;                /* bytes at the start of `in` known to hold no LF */
    int eof;                       /* read() returned 0 */
    int stalled;                   /* complete lines wait in `in` for output to drain */
    enum after after;              /* what to do once `out` is empty */
    int lingering;                 /* FIN sent; discarding input until EOF or deadline */
    uint32_t events;               /* current epoll interest */
    long long last_ms;             /* last progress (idle timer) or linger start */
    unsigned long long bytes_in, bytes_out;
    struct conn *prev, *next;
    struct list *list;
} conn_t;

typedef struct list { conn_t *head, *tail; } list_t;

static list_t active_list;         /* ordered by last_ms: oldest first */
static list_t linger_list;         /* ordered by linger start */

static void list_remove(conn_t *c) {
    list_t *l = c->list;
    if (!l) return;
    if (c->prev) c->prev->next = c->next; else l->head = c->next;
    if (c->next) c->next->prev = c->prev; else l->tail = c->prev;
    c->prev = c->next = NULL;
    c->list = NULL;
}

static void list_push_tail(list_t *l, conn_t *c) {
    c->prev = l->tail;
    c->next = NULL;
    if (l->tail) l->tail->next = c; else l->head = c;
    l->tail = c;
    c->list = l;
}

/* ---------- globals ---------- */
static int ep = -1, lfd = -1, sfd = -1;
static long nclients = 0;
static unsigned long long next_id = 1;
static int listen_registered = 0;
static long long accept_pause_until = 0;
static int stopping = 0;
static long long now;              /* ms, CLOCK_MONOTONIC, refreshed each loop turn */
static char listen_tag, signal_tag; /* epoll data.ptr markers */
static char scratch[CHUNK];

static long long mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void logf_(const char *fmt, ...) {
    if (opt_quiet) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "[epoll_server] %s\n", line);
}

static void touch(conn_t *c) {     /* progress: restart the idle timer */
    c->last_ms = now;
    if (c->list == &active_list && active_list.tail != c) {
        list_remove(c);
        list_push_tail(&active_list, c);
    }
}

static void update_listen(void) {
    int want = !stopping && nclients < opt_max_clients && now >= accept_pause_until;
    if (want == listen_registered) return;
    if (want) {
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &listen_tag };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == 0) listen_registered = 1;
    } else {
        if (epoll_ctl(ep, EPOLL_CTL_DEL, lfd, NULL) == 0) listen_registered = 0;
    }
}

static void close_conn(conn_t *c, const char *reason) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    list_remove(c);
    nclients--;
    logf_("conn %llu closed: %s, peer %s, in=%llu out=%llu bytes, clients %ld/%ld",
          c->id, reason, c->peer, c->bytes_in, c->bytes_out, nclients, opt_max_clients);
    buf_free(&c->in);
    buf_free(&c->out);
    free(c);
    update_listen();
}

static int want_read(const conn_t *c) {
    if (c->lingering) return 1;
    if (c->eof || c->after != AFTER_NONE || c->stalled) return 0;
    return c->out.len < OUT_HIGH;
}

static void update_interest(conn_t *c) {
    uint32_t want = 0;
    if (want_read(c)) want |= EPOLLIN;
    if (c->out.len > 0) want |= EPOLLOUT;
    if (want == c->events) return;
    struct epoll_event ev = { .events = want, .data.ptr = c };
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->events = want;
}

/* Owe PREFIX + line. */
static int owe_line(conn_t *c, const char *line, size_t n) {
    if (buf_append(&c->out, opt_prefix, prefix_len) < 0) return -1;
    return buf_append(&c->out, line, n);
}

/* Line mode: turn complete lines in `in` into owed replies, as far as the output bound allows. */
static int pump_lines(conn_t *c) {
    while (c->after == AFTER_NONE) {
        if (c->out.len >= OUT_HIGH) { c->stalled = 1; return 0; }
        char *start = c->in.p + c->in.off;
        char *lf = c->in.len > c->scanned
                       ? memchr(start + c->scanned, '\n', c->in.len - c->scanned) : NULL;
        if (!lf) break;
        size_t n = (size_t)(lf - start) + 1;
        if (owe_line(c, start, n) < 0) return -1;
        buf_consume(&c->in, n);
        c->scanned = 0;
        if (opt_short_lived) {               /* one reply, drop the rest, close */
            buf_consume(&c->in, c->in.len);
            c->after = AFTER_LINGER;
        }
    }
    c->stalled = 0;
    if (c->after != AFTER_NONE) return 0;
    c->scanned = c->in.len;                  /* what is left holds no LF */
    if (c->in.len > (size_t)opt_max_line) {
        char msg[128];
        int m = snprintf(msg, sizeof msg,
                         "server error# line too long (more than %ld bytes)\n", opt_max_line);
        if (buf_append(&c->out, msg, (size_t)m) < 0) return -1;
        buf_consume(&c->in, c->in.len);
        c->scanned = 0;
        c->after = AFTER_LINGER;
        logf_("conn %llu: line longer than %ld bytes, closing", c->id, opt_max_line);
        return 0;
    }
    if (c->eof) {                            /* end of input: answer the last partial line */
        if (c->in.len > 0 && owe_line(c, c->in.p + c->in.off, c->in.len) < 0) return -1;
        buf_consume(&c->in, c->in.len);
        c->scanned = 0;
        c->after = AFTER_CLOSE;
    }
    return 0;
}

/* Write what is owed until the kernel says EAGAIN. Returns -1 if the connection was closed. */
static int flush_out(conn_t *c) {
    while (c->out.len > 0) {
        ssize_t n = send(c->fd, c->out.p + c->out.off, c->out.len, MSG_NOSIGNAL);
        if (n > 0) {
            buf_consume(&c->out, (size_t)n);
            c->bytes_out += (unsigned long long)n;
            touch(c);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        close_conn(c, n < 0 ? strerror(errno) : "send returned 0");
        return -1;
    }
    buf_trim(&c->out);
    return 0;
}

/* Move a connection forward as far as it can go without blocking. -1: it was closed. */
static int progress(conn_t *c) {
    for (int guard = 0; guard < 1000000; guard++) {
        if (!opt_raw && !c->lingering) {
            if (pump_lines(c) < 0) { close_conn(c, "out of memory"); return -1; }
        } else if (opt_raw && c->eof && c->after == AFTER_NONE) {
            c->after = AFTER_CLOSE;
        }
        if (flush_out(c) < 0) return -1;
        if (c->out.len == 0 && c->after == AFTER_CLOSE) {
            close_conn(c, "end of input, all replies written");
            return -1;
        }
        if (c->out.len == 0 && c->after == AFTER_LINGER && !c->lingering) {
            shutdown(c->fd, SHUT_WR);
            c->lingering = 1;
            buf_free(&c->in);
            list_remove(c);
            c->last_ms = now;
            list_push_tail(&linger_list, c);
        }
        if (c->stalled && c->out.len < OUT_HIGH) continue;   /* room again: more lines */
        break;
    }
    update_interest(c);
    return 0;
}

static void on_readable(conn_t *c) {
    if (c->lingering) {
        ssize_t n = read(c->fd, scratch, sizeof scratch);
        if (n == 0) { close_conn(c, "final reply written, peer closed"); return; }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        if (n < 0) close_conn(c, strerror(errno));
        return;
    }
    buf_t *dst = opt_raw ? &c->out : &c->in;
    if (buf_reserve(dst, CHUNK) < 0) { close_conn(c, "out of memory"); return; }
    ssize_t n = read(c->fd, dst->p + dst->off + dst->len, CHUNK);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        close_conn(c, strerror(errno));
        return;
    }
    if (n == 0) {
        close_conn(c, "end of input");   /* DEFECT: owed replies and the partial line are lost */
        return;
    } else {
        dst->len += (size_t)n;
        c->bytes_in += (unsigned long long)n;
        touch(c);
    }
    progress(c);
}

static void on_event(conn_t *c, uint32_t evs) {
    if (evs & EPOLLERR) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        close_conn(c, err ? strerror(err) : "socket error");
        return;
    }
    if ((evs & EPOLLOUT) && c->out.len > 0) {
        if (progress(c) < 0) return;
    }
    if ((evs & (EPOLLIN | EPOLLHUP)) && (c->events & EPOLLIN)) {
        on_readable(c);
        return;
    }
    if (evs & EPOLLHUP) {           /* peer gone while we were not reading */
        if (progress(c) < 0) return;
        close_conn(c, "peer hung up");
    }
}

static void do_accept(void) {
    for (int i = 0; i < ACCEPT_BURST && nclients < opt_max_clients; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                logf_("accept: %s; pausing accepts for 200 ms", strerror(errno));
                accept_pause_until = now + 200;
                break;
            }
            logf_("accept: %s", strerror(errno));
            break;
        }
        conn_t *c = calloc(1, sizeof *c);
        if (!c) { close(fd); continue; }
        c->fd = fd;
        c->id = next_id++;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int sndbuf = SNDBUF;         /* fixed kernel send buffer: bounded memory per client */
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
        char host[INET6_ADDRSTRLEN] = "?";
        int port = 0;
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
            port = ntohs(a->sin_port);
            snprintf(c->peer, sizeof c->peer, "%s:%d", host, port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
            port = ntohs(a->sin6_port);
            snprintf(c->peer, sizeof c->peer, "[%s]:%d", host, port);
        }
        c->events = EPOLLIN;
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
            logf_("epoll_ctl: %s", strerror(errno));
            close(fd);
            free(c);
            continue;
        }
        c->last_ms = now;
        list_push_tail(&active_list, c);
        nclients++;
        logf_("conn %llu opened: peer %s, clients %ld/%ld", c->id, c->peer, nclients,
              opt_max_clients);
    }
    update_listen();
}

static void expire_timers(void) {
    if (idle_ms > 0) {
        while (active_list.head && now - active_list.head->last_ms >= idle_ms)
            close_conn(active_list.head, "idle timeout");
    }
    while (linger_list.head && now - linger_list.head->last_ms >= LINGER_MS)
        close_conn(linger_list.head, "linger time over");
}

static int next_timeout(void) {
    long long deadline = -1;
    if (idle_ms > 0 && active_list.head) deadline = active_list.head->last_ms + idle_ms;
    if (linger_list.head) {
        long long d = linger_list.head->last_ms + LINGER_MS;
        if (deadline < 0 || d < deadline) deadline = d;
    }
    if (!listen_registered && accept_pause_until > now && nclients < opt_max_clients) {
        if (deadline < 0 || accept_pause_until < deadline) deadline = accept_pause_until;
    }
    if (deadline < 0) return -1;
    long long t = deadline - now;
    if (t < 0) t = 0;
    if (t > 60000) t = 60000;
    return (int)t + 1;               /* +1: never wake a hair early and spin */
}

/* ---------- command line ---------- */
static void usage(FILE *f) {
    fprintf(f,
            "usage: epoll_server [--port 8888] [--bind 127.0.0.1] [--prefix 'server echo# ']\n"
            "                    [--raw] [--max-line 65536] [--workers N] [--queue N]\n"
            "                    [--max-clients 256] [--idle-timeout SECONDS] [--short-lived]\n"
            "                    [--quiet]\n");
}

static void bad(const char *fmt, const char *arg) {
    fprintf(stderr, "epoll_server: ");
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
            opt_max_clients = parse_long(name, val, 1, 1000000);
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
        fprintf(stderr, "epoll_server: cannot resolve bind address '%s': %s\n", opt_bind,
                gai_strerror(rc));
        usage(stderr);
        exit(2);
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "epoll_server: socket: %s\n", strerror(errno));
        exit(1);
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
        if (errno == EADDRINUSE)
            fprintf(stderr, "epoll_server: cannot listen on %s:%d: port %d is already in use\n",
                    opt_bind, opt_port, opt_port);
        else
            fprintf(stderr, "epoll_server: cannot bind %s:%d: %s\n", opt_bind, opt_port,
                    strerror(errno));
        exit(1);
    }
    freeaddrinfo(res);
    if (listen(fd, SOMAXCONN) < 0) {
        fprintf(stderr, "epoll_server: listen: %s\n", strerror(errno));
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

int main(int argc, char **argv) {
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);                 /* and every send() has MSG_NOSIGNAL */

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0) { fprintf(stderr, "epoll_server: signalfd: %s\n", strerror(errno)); return 1; }

    char host[INET6_ADDRSTRLEN + 2];
    int port = 0;
    lfd = open_listener(host, sizeof host, &port);

    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) { fprintf(stderr, "epoll_server: epoll_create1: %s\n", strerror(errno)); return 1; }
    struct epoll_event sev = { .events = EPOLLIN, .data.ptr = &signal_tag };
    epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &sev);
    now = mono_ms();
    update_listen();

    printf("listening on %s:%d model=%s pid=%ld max-clients=%ld mode=%s", host, port, MODEL,
           (long)getpid(), opt_max_clients, opt_raw ? "raw" : "line");
    if (!opt_raw) printf(" max-line=%ld", opt_max_line);
    if (idle_ms > 0) printf(" idle-timeout=%g", (double)idle_ms / 1000.0);
    if (opt_short_lived) printf(" short-lived=true");
    printf("\n");
    fflush(stdout);

    struct epoll_event evs[MAX_EVENTS];
    while (!stopping) {
        int n = epoll_wait(ep, evs, MAX_EVENTS, next_timeout());
        now = mono_ms();
        if (n < 0) {
            if (errno == EINTR) continue;
            logf_("epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            void *tag = evs[i].data.ptr;
            if (tag == &signal_tag) {
                struct signalfd_siginfo si;
                while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                    logf_("signal %d: shutting down", (int)si.ssi_signo);
                    stopping = 1;
                }
            } else if (tag == &listen_tag) {
                if (listen_registered) do_accept();
            } else {
                on_event((conn_t *)tag, evs[i].events);
            }
        }
        if (stopping) break;
        expire_timers();
        update_listen();
    }

    /* stop accepting, close every socket, exit 0 */
    stopping = 1;
    update_listen();
    close(lfd);
    while (active_list.head) close_conn(active_list.head, "server shutting down");
    while (linger_list.head) close_conn(linger_list.head, "server shutting down");
    close(ep);
    close(sfd);
    return 0;
}
