/* tcp.c: the host side of the TCP benchmarks: bulk throughput each way, and boot to first HTTP response. */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static struct sockaddr_in target;

/* A connection, or -1 when none is answered within `ms`. */
static int dial(int ms)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    int e = 0;
    socklen_t el = sizeof e;

    if (fd < 0)
        err(1, "socket");
    if ((connect(fd, (struct sockaddr *)&target, sizeof target) == 0 ||
         errno == EINPROGRESS) &&
        poll(&p, 1, ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 &&
        e == 0) {
        fcntl(fd, F_SETFL, 0);
        struct timeval tv = { 30, 0 };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        return fd;
    }
    close(fd);
    return -1;
}

/* get PATH BYTES: download from httpd; the rate from request to last byte. */
static int get(const char *path, long long bytes)
{
    static char buf[1 << 20];
    int fd = dial(5000);
    long long got = 0;
    ssize_t n;

    if (fd < 0)
        errx(1, "get: cannot connect");
    uint64_t t0 = now_ns();
    dprintf(fd, "GET %s HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n", path);
    while ((n = read(fd, buf, sizeof buf)) > 0)
        got += n;
    uint64_t t = now_ns() - t0;
    if (got < bytes)
        errx(1, "get: %lld bytes of %lld", got, bytes);
    printf("{\"name\": \"tcp_guest_to_host\", \"bytes\": %lld, \"seconds\": %.3f, "
           "\"mbit_per_s\": %.1f}\n", bytes, t / 1e9, bytes * 8 / (t / 1e3));
    return 0;
}

/* put BYTES: send to tcp_sink, which answers with the count it read. */
static int put(long long bytes)
{
    static char buf[1 << 20];
    char answer[64] = "";
    int fd = dial(5000);

    if (fd < 0)
        errx(1, "put: cannot connect");
    uint64_t t0 = now_ns();
    for (long long sent = 0; sent < bytes;) {
        size_t chunk = bytes - sent < (long long)sizeof buf ? (size_t)(bytes - sent) : sizeof buf;
        ssize_t n = write(fd, buf, chunk);
        if (n <= 0)
            err(1, "put: write");
        sent += n;
    }
    shutdown(fd, SHUT_WR);
    if (read(fd, answer, sizeof answer - 1) <= 0 || atoll(answer) != bytes)
        errx(1, "put: the guest counted '%s', not %lld", answer, bytes);
    uint64_t t = now_ns() - t0;
    printf("{\"name\": \"tcp_host_to_guest\", \"bytes\": %lld, \"seconds\": %.3f, "
           "\"mbit_per_s\": %.1f}\n", bytes, t / 1e9, bytes * 8 / (t / 1e3));
    return 0;
}

/*
 * first RUNS CMD...: RUNS times, start CMD (a unikernel serving HTTP) and
 * ask for / every few milliseconds until it answers; the time from fork to
 * the first byte of the answer, as percentiles.  The host must already know
 * the guest's MAC (a static neighbour entry), or ARP's one-second retries
 * would be measured instead.
 */
static int first(int runs, char **cmd)
{
    uint64_t *t = calloc((size_t)runs, sizeof *t);

    for (int i = 0; i < runs; i++) {
        uint64_t t0 = now_ns();
        pid_t pid = fork();
        if (pid == 0) {
            int null = open("/dev/null", O_WRONLY);
            dup2(null, 1);
            dup2(null, 2);
            execv(cmd[0], cmd);
            _exit(127);
        }
        for (;;) {
            int fd = dial(5);
            char c;
            if (fd >= 0) {
                dprintf(fd, "GET / HTTP/1.1\r\nHost: bench\r\n\r\n");
                if (read(fd, &c, 1) == 1) {
                    t[i] = now_ns() - t0;
                    close(fd);
                    break;
                }
                close(fd);
            }
            if (now_ns() - t0 > 30000000000ULL || waitpid(pid, NULL, WNOHANG) == pid)
                errx(1, "first: no answer from run %d", i);
            nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
        }
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_u64);
    printf("{\"name\": \"boot_to_first_response\", \"runs\": %d, \"unit\": \"us\", "
           "\"min\": %llu, \"p50\": %llu, \"p90\": %llu, \"max\": %llu}\n", runs,
           (unsigned long long)t[0] / 1000, (unsigned long long)t[(runs - 1) / 2] / 1000,
           (unsigned long long)t[(runs * 9 - 1) / 10] / 1000,
           (unsigned long long)t[runs - 1] / 1000);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: tcp get HOST PORT PATH BYTES | put HOST PORT BYTES | "
                        "first HOST PORT RUNS CMD...\n");
        return 2;
    }
    target.sin_family = AF_INET;
    target.sin_port = htons((uint16_t)atoi(argv[3]));
    if (inet_pton(AF_INET, argv[2], &target.sin_addr) != 1)
        errx(2, "bad address %s", argv[2]);
    if (strcmp(argv[1], "get") == 0 && argc == 6)
        return get(argv[4], atoll(argv[5]));
    if (strcmp(argv[1], "put") == 0 && argc == 5)
        return put(atoll(argv[4]));
    if (strcmp(argv[1], "first") == 0 && argc >= 6)
        return first(atoi(argv[4]), argv + 5);
    fprintf(stderr, "tcp: bad arguments\n");
    return 2;
}
