/* tcp.c: the host side of the TCP benchmarks: bulk throughput each way, and exec to the first HTTP response. */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

extern char **environ;

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
 * Exec to the first HTTP response, with a resolution of about one attempt
 * interval (a tick) rather than one round of a poll loop.  A tick is
 * FIRST_TICK_NS (0.1 ms), or 1/FIRST_TICK_SHARE of the time since the
 * spawn if that is longer: 1.5% of the result at worst, and where
 * everything is slow (the nested VM, whose one vCPU the client shares with
 * the monitor it times) the client's dialling stays a small share of it.
 * A SYN sent before the monitor has attached the tap is dropped (TCP would
 * send it again only a second later), so a new non-blocking connect starts
 * every tick and several stay in flight, the oldest abandoned when
 * FIRST_INFLIGHT are.  Once the guest refuses one (its stack is up, the
 * server not listening yet), every SYN gets an answer within a round trip:
 * from then on a refused attempt is replaced at once and one alone is kept
 * in flight, so the client neither waits for a tick nor floods the guest
 * it is timing.  epoll reports the first connection established, which
 * alone sends the GET; the others are left alone until its answer's first
 * byte (closing them would hand the guest FINs while it serves the request
 * being timed).  Every socket is closed with a zero linger: a reset, no
 * FIN retransmitted into the next run's instance at the same address.
 */
#define FIRST_TICK_NS 100000ULL
#define FIRST_TICK_SHARE 64
#define FIRST_INFLIGHT 16
#define FIRST_STALE_NS 1000000ULL /* answering, but no reply this long: dial again */
#define FIRST_LIMIT_NS 30000000000ULL

static struct {
    int fd;         /* -1: free */
    uint32_t seq;   /* which attempt holds the slot (stale epoll events) */
    uint64_t start; /* when its connect was issued */
} tries[FIRST_INFLIGHT];
static uint32_t tries_seq;
static int tries_live;

/* Close try i with a reset. */
static void first_drop(int i)
{
    struct linger l = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(tries[i].fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(tries[i].fd);
    tries[i].fd = -1;
    tries_live--;
}

/* Start a connect in a free slot, or in the oldest one's place. */
static void first_dial(int ep)
{
    int slot = 0;
    for (int i = 0; i < FIRST_INFLIGHT; i++) {
        if (tries[i].fd < 0) {
            slot = i;
            break;
        }
        if (tries[i].start < tries[slot].start)
            slot = i;
    }
    if (tries[slot].fd >= 0)
        first_drop(slot);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        err(1, "socket");
    tries[slot].fd = fd;
    tries[slot].seq = ++tries_seq;
    tries[slot].start = now_ns();
    tries_live++;
    if (connect(fd, (struct sockaddr *)&target, sizeof target) < 0 && errno != EINPROGRESS) {
        first_drop(slot); /* e.g. no route yet: the next tick tries again */
        return;
    }
    struct epoll_event ev = {
        .events = EPOLLOUT, .data.u64 = (uint64_t)tries[slot].seq << 32 | (uint32_t)slot
    };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
        err(1, "epoll_ctl");
}

/* The most recent attempt's start, 0 with none in flight. */
static uint64_t first_youngest(void)
{
    uint64_t y = 0;
    for (int i = 0; i < FIRST_INFLIGHT; i++)
        if (tries[i].fd >= 0 && tries[i].start > y)
            y = tries[i].start;
    return y;
}

/* Arm the one-shot tick: FIRST_TICK_NS, or the share of the time since t0. */
static void first_tick(int tick, uint64_t t0)
{
    uint64_t ns = (now_ns() - t0) / FIRST_TICK_SHARE;
    if (ns < FIRST_TICK_NS)
        ns = FIRST_TICK_NS;
    struct itimerspec once = { { 0, 0 }, { (time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL) } };
    if (timerfd_settime(tick, 0, &once, NULL) < 0)
        err(1, "timerfd_settime");
}

/*
 * One run: nanoseconds from t0 to the first byte of an answer to a GET on
 * whichever connection is established first; 0 if none within the limit
 * or the command ended.
 */
static uint64_t first_run(int ep, int tick, uint64_t t0, pid_t pid)
{
    static const char get[] = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";
    int asked = -1;         /* the slot that sent the GET */
    bool answering = false; /* the guest has refused a connection */
    uint64_t t = 0;

    first_dial(ep);
    first_tick(tick, t0);
    while (t == 0 && now_ns() - t0 < FIRST_LIMIT_NS && waitpid(pid, NULL, WNOHANG) == 0) {
        struct epoll_event evs[FIRST_INFLIGHT + 1];
        int n = epoll_wait(ep, evs, FIRST_INFLIGHT + 1, 1000);
        if (n < 0 && errno != EINTR)
            err(1, "epoll_wait");
        for (int k = 0; k < n && t == 0; k++) {
            uint32_t i = (uint32_t)evs[k].data.u64;
            if (i == FIRST_INFLIGHT) { /* the tick */
                uint64_t ticks;
                if (read(tick, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
                    err(1, "timerfd");
                first_tick(tick, t0);
                if (asked < 0 && (!answering || tries_live == 0 ||
                                  now_ns() - first_youngest() > FIRST_STALE_NS))
                    first_dial(ep);
                continue;
            }
            if (tries[i].fd < 0 || tries[i].seq != (uint32_t)(evs[k].data.u64 >> 32))
                continue; /* dropped earlier in this batch */
            if ((int)i == asked) {
                char c;
                ssize_t r = read(tries[i].fd, &c, 1);
                if (r == 1) {
                    t = now_ns() - t0;
                    break;
                }
                if (r < 0 && errno == EAGAIN)
                    continue;
                first_drop((int)i); /* reset before an answer: start over */
                asked = -1;
                first_dial(ep);
                continue;
            }
            int e = 0;
            socklen_t el = sizeof e;
            if (getsockopt(tries[i].fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e != 0 ||
                (evs[k].events & (EPOLLERR | EPOLLHUP))) {
                first_drop((int)i);
                if (e == ECONNREFUSED) {
                    answering = true;
                    if (asked < 0 && tries_live == 0)
                        first_dial(ep); /* up, not listening yet: at once */
                }
                continue;
            }
            if (asked >= 0) { /* established too late: leave it be */
                epoll_ctl(ep, EPOLL_CTL_DEL, tries[i].fd, NULL);
                continue;
            }
            if (write(tries[i].fd, get, sizeof get - 1) != (ssize_t)(sizeof get - 1)) {
                first_drop((int)i);
                continue;
            }
            struct epoll_event ev = { .events = EPOLLIN, .data.u64 = evs[k].data.u64 };
            epoll_ctl(ep, EPOLL_CTL_MOD, tries[i].fd, &ev);
            asked = (int)i;
        }
    }
    for (int i = 0; i < FIRST_INFLIGHT; i++)
        if (tries[i].fd >= 0)
            first_drop(i);
    return t;
}

/* Per mark of uhvt --boot-trace (first --trace): its time from the spawn, per run. */
#define MARKS_MAX 16
static char mark_name[MARKS_MAX][32];
static uint64_t *mark_ns[MARKS_MAX];
static int nmarks;

/* Fold one run's "uhvt-boot: NAME NS" lines into the marks, as times since t0. */
static void first_marks(int fd, int run, int runs, uint64_t t0)
{
    char text[4096], name[32];
    unsigned long long ns;
    ssize_t n = read(fd, text, sizeof text - 1);
    text[n > 0 ? n : 0] = '\0';
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (sscanf(line, "uhvt-boot: %31s %llu", name, &ns) != 2)
            continue;
        int m = 0;
        while (m < nmarks && strcmp(mark_name[m], name) != 0)
            m++;
        if (m == nmarks) {
            if (run > 0 || nmarks == MARKS_MAX)
                errx(1, "first: run %d: unexpected mark %s", run, name);
            snprintf(mark_name[m], sizeof mark_name[m], "%s", name);
            mark_ns[m] = calloc((size_t)runs, sizeof(uint64_t));
            nmarks++;
        }
        mark_ns[m][run] = ns - t0;
    }
    if (nmarks == 0)
        errx(1, "first --trace: no uhvt-boot lines (uhvt --boot-trace?)");
}

/* The median of n samples, in microseconds (sorts them). */
static unsigned long long first_p50(uint64_t *s, int n)
{
    qsort(s, (size_t)n, sizeof *s, cmp_u64);
    return (unsigned long long)s[(n - 1) / 2] / 1000;
}

/*
 * first [--trace] [--name NAME] RUNS CMD... [--and NAME CMD...]...: RUNS
 * times, spawn CMD (a unikernel serving HTTP) and time from the spawn to
 * the first byte of an answer to GET /, as percentiles in microseconds,
 * named NAME (boot_to_first_response by default).  Commands joined by
 * --and take turns run by run.  The host must already know the guest's MAC
 * (a static neighbour entry), or ARP's one-second retries would be measured
 * instead.  With --trace (one command, uhvt --boot-trace), a second line
 * gives the median of each of the monitor's marks from the same spawns
 * beside the first byte's: a check of what the client adds.
 */
static int first(int runs, bool trace, int argc, char **argv)
{
    struct job jobs[JOBS_MAX];
    int njobs = jobs_parse(argc, argv, runs, jobs);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int tick = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct epoll_event tev = { .events = EPOLLIN, .data.u64 = FIRST_INFLIGHT };
    int pipefd[2] = { -1, -1 };
    posix_spawn_file_actions_t fa;

    if (trace && njobs > 1)
        errx(2, "first: --trace takes one command");
    if (ep < 0 || tick < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, tick, &tev) < 0 ||
        (trace && pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0))
        err(1, "first: setup");
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    if (trace)
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
    else
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    for (int i = 0; i < FIRST_INFLIGHT; i++)
        tries[i].fd = -1;
    for (int i = 0; i < runs; i++) {
        for (int j = 0; j < njobs; j++) {
            pid_t pid;
            char **cmd = jobs[j].argv;
            uint64_t t0 = now_ns();
            if (posix_spawn(&pid, cmd[0], &fa, NULL, cmd, environ) != 0)
                err(1, "%s", cmd[0]);
            uint64_t t = first_run(ep, tick, t0, pid);
            kill(pid, SIGTERM);
            waitpid(pid, NULL, 0);
            if (t == 0)
                errx(1, "first: %s: no answer from run %d", jobs[j].name, i);
            jobs[j].t[i] = t;
            if (trace)
                first_marks(pipefd[0], i, runs, t0);
        }
    }
    if (trace) {
        uint64_t *copy = calloc((size_t)runs, sizeof *copy);
        memcpy(copy, jobs[0].t, (size_t)runs * sizeof *copy);
        printf("{\"name\": \"first_response_trace\", \"runs\": %d, \"unit\": \"us\", "
               "\"p50\": {", runs);
        for (int m = 0; m < nmarks; m++)
            printf("\"%s\": %llu, ", mark_name[m], first_p50(mark_ns[m], runs));
        printf("\"first_byte\": %llu}}\n", first_p50(copy, runs));
    }
    for (int j = 0; j < njobs; j++) {
        uint64_t *t = jobs[j].t;
        qsort(t, (size_t)runs, sizeof *t, cmp_u64);
        printf("{\"name\": \"%s\", \"runs\": %d, \"unit\": \"us\", "
               "\"min\": %llu, \"p50\": %llu, \"p90\": %llu, \"max\": %llu}\n",
               jobs[j].name, runs, (unsigned long long)t[0] / 1000,
               (unsigned long long)t[(runs - 1) / 2] / 1000,
               (unsigned long long)t[(runs * 9 - 1) / 10] / 1000,
               (unsigned long long)t[runs - 1] / 1000);
    }
    return 0;
}

int main(int argc, char **argv)
{
    bool trace = false;
    const char *name = "boot_to_first_response";
    if (argc > 1 && strcmp(argv[1], "first") == 0) {
        for (;;) {
            if (argc > 2 && strcmp(argv[2], "--trace") == 0) {
                trace = true;
            } else if (argc > 3 && strcmp(argv[2], "--name") == 0) {
                name = argv[3];
                argv[2] = argv[1];
                argv++;
                argc--;
            } else {
                break;
            }
            argv[2] = argv[1];
            argv++;
            argc--;
        }
    }
    if (argc < 4) {
        fprintf(stderr, "usage: tcp get HOST PORT PATH BYTES | put HOST PORT BYTES | "
                        "first [--trace] [--name NAME] HOST PORT RUNS CMD... "
                        "[--and NAME CMD...]...\n");
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
    if (strcmp(argv[1], "first") == 0 && argc >= 6) {
        int runs = atoi(argv[4]);
        if (runs < 1)
            errx(2, "RUNS must be positive");
        argv[4] = (char *)name; /* NAME CMD..., the shape jobs_parse takes */
        return first(runs, trace, argc - 4, argv + 4);
    }
    fprintf(stderr, "tcp: bad arguments\n");
    return 2;
}
