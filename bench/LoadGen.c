/* An independent closed-loop echo load generator, in C with epoll: the referee of the kit's own
 * generator (tests/Bench.java). C connections each send SIZE bytes and wait for all of them back
 * before sending again; after WARMUP seconds, round trips are counted for SECONDS seconds.
 *
 * Build: gcc -O2 -Wall -Wextra -o build/bench/LoadGen bench/LoadGen.c
 * Run:   build/bench/LoadGen HOST PORT CONNECTIONS SIZE SECONDS WARMUP
 * Prints: messages_per_second=N connections_served=N
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
    int fd;
    size_t sent, received;
    long rounds;
};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s HOST PORT CONNECTIONS SIZE SECONDS WARMUP\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]), n = atoi(argv[3]);
    size_t size = (size_t) atol(argv[4]);
    double seconds = atof(argv[5]), warmup = atof(argv[6]);
    char *out = malloc(size), *in = malloc(size);
    memset(out, 'x', size);
    struct conn *conns = calloc((size_t) n, sizeof *conns);
    int ep = epoll_create1(0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short) port)};
    inet_pton(AF_INET, host, &addr.sin_addr);
    for (int i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *) &addr, sizeof addr) < 0) {
            perror("connect");
            return 1;
        }
        fcntl(fd, F_SETFL, O_NONBLOCK);
        conns[i].fd = fd;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (unsigned) i};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    struct epoll_event events[1024];
    double start = now(), from = start + warmup, until = from + seconds;
    long counted = 0;
    int measuring = 0;
    while (1) {
        double t = now();
        if (t >= until) {
            break;
        }
        if (!measuring && t >= from) {
            measuring = 1;
            for (int i = 0; i < n; i++) {
                conns[i].rounds = 0;
            }
        }
        int k = epoll_wait(ep, events, 1024, 10);
        for (int e = 0; e < k; e++) {
            struct conn *c = &conns[events[e].data.u32];
            if (c->sent < size && (events[e].events & EPOLLOUT)) {
                ssize_t w = write(c->fd, out + c->sent, size - c->sent);
                if (w > 0) {
                    c->sent += (size_t) w;
                }
            }
            if (events[e].events & EPOLLIN) {
                ssize_t r;
                while ((r = read(c->fd, in, size - c->received)) > 0) {
                    c->received += (size_t) r;
                    if (c->received == size) {
                        c->received = 0;
                        c->sent = 0;
                        if (measuring) {
                            counted++;
                            c->rounds++;
                        }
                        ssize_t w = write(c->fd, out, size);
                        if (w > 0) {
                            c->sent = (size_t) w;
                        }
                    }
                }
                if (r == 0) {
                    fprintf(stderr, "the server closed a connection\n");
                    return 1;
                }
            }
        }
    }
    int served = 0;
    for (int i = 0; i < n; i++) {
        served += conns[i].rounds > 0;
        close(conns[i].fd);
    }
    printf("messages_per_second=%.0f connections_served=%d\n", counted / seconds, served);
    return 0;
}
