/* proc_pipe.c: test guest, also built for Linux: pipes and pipe2 — capacity, atomicity, EOF, EPIPE, flags, packet mode, F_SETPIPE_SZ, poll, select, epoll. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "probe.h"

static char buf[1 << 22], in[1 << 22];
static volatile int minus_one = -1;

static void show_poll(const char *what, int rd, int wr, int ms)
{
    struct pollfd p[2] = { { rd, POLLIN, 0 }, { wr, POLLOUT, 0 } };
    int n = poll(p, 2, ms);

    printf("poll %s: %d read=%#x write=%#x\n", what, n, p[0].revents,
           p[1].revents);
}

/* Read until EAGAIN or EOF; the bytes must be the pattern from `from`. */
static void drain(int fd, size_t from)
{
    size_t total = 0;
    long r;

    while ((r = read(fd, in + total, 100000)) > 0)
        total += (size_t)r;
    int same = memcmp(in, buf + from, total) == 0;
    printf("drained %zu bytes, %s, then %s\n", total,
           same ? "in order" : "NOT IN ORDER", r == 0 ? "EOF" : probe_errno(errno));
}

static void fill_one_byte_at_a_time(int wr)
{
    long n = 0;

    while (write(wr, buf + n, 1) == 1)
        n++;
    printf("1-byte writes until full: %ld, then %s\n", n, probe_errno(errno));
}

int main(void)
{
    int p[2], q[2], n;
    struct stat st;

    probe_start();
    signal(SIGPIPE, SIG_IGN); /* EPIPE is what is probed here */
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (char)(i % 251);

    puts("== a pipe");
    CALL(pipe(p));
    printf("fds %d %d\n", p[0], p[1]);
    CALL(fcntl(p[0], F_GETFL));
    CALL(fcntl(p[1], F_GETFL));
    CALL(fcntl(p[0], F_GETFD));
    CALL(fstat(p[0], &st));
    printf("fifo %d mode %o\n", S_ISFIFO(st.st_mode), st.st_mode & 07777);
    CALL(lseek(p[0], 0, SEEK_CUR));
    CALL(read(p[1], in, 1));
    CALL(write(p[0], "x", 1));
    CALL(write(p[1], "hello", 5));
    CALL(ioctl(p[0], FIONREAD, &n));
    printf("FIONREAD %d\n", n);
    CALL(read(p[0], in, 0));
    CALL(read(p[0], in, 100));
    printf("read \"%.5s\"\n", in);
    CALL(write(p[1], "", 0));
    show_poll("empty", p[0], p[1], 0);
    show_poll("empty, 50 ms", p[0], p[1], 50);

    puts("== non-blocking, filled and drained");
    CALL(fcntl(p[0], F_SETFL, O_NONBLOCK));
    CALL(fcntl(p[0], F_GETFL));
    CALL(read(p[0], in, 100));
    CALL(fcntl(p[1], F_SETFL, O_NONBLOCK | O_RDWR));
    CALL(fcntl(p[1], F_GETFL));
    fill_one_byte_at_a_time(p[1]);
    CALL(write(p[1], buf, 4096));
    show_poll("full", p[0], p[1], 0);
    /* A slot frees only when all of it is read. */
    CALL(read(p[0], in, 1));
    CALL(write(p[1], buf, 1));
    show_poll("full less a byte", p[0], p[1], 0);
    CALL(read(p[0], in, 4095));
    show_poll("a slot free", p[0], p[1], 0);
    CALL(write(p[1], buf + 65536, 5000));
    CALL(ioctl(p[0], FIONREAD, &n));
    printf("FIONREAD %d\n", n);
    drain(p[0], 4096);

    puts("== atomicity of writes up to PIPE_BUF");
    CALL(write(p[1], buf, 4096 * 15 + 4000));
    CALL(write(p[1], buf + 65440, 200));
    CALL(write(p[1], buf + 65440, 96));
    CALL(write(p[1], buf + 65536, 1));
    drain(p[0], 0);
    CALL(write(p[1], buf, 100));
    CALL(write(p[1], buf + 100, 4000));
    CALL(write(p[1], buf + 4100, 5000));
    CALL(ioctl(p[0], FIONREAD, &n));
    printf("FIONREAD %d\n", n);
    drain(p[0], 0);

    puts("== F_GETPIPE_SZ, F_SETPIPE_SZ");
    CALL(fcntl(p[1], F_GETPIPE_SZ));
    CALL(fcntl(p[0], F_GETPIPE_SZ));
    CALL(fcntl(1, F_GETPIPE_SZ));
    CALL(fcntl(p[1], F_SETPIPE_SZ, 0));
    CALL(fcntl(p[0], F_GETPIPE_SZ));
    CALL(write(p[1], buf, 10000));
    CALL(fcntl(p[1], F_SETPIPE_SZ, 12288));
    CALL(write(p[1], buf + 4096, 20000));
    CALL(fcntl(p[1], F_SETPIPE_SZ, 8192));
    CALL(fcntl(p[1], F_SETPIPE_SZ, (1 << 20) + 1));
    CALL(fcntl(p[1], F_SETPIPE_SZ, 1 << 20));
    CALL(write(p[1], buf + 16384, 1 << 21));
    CALL(fcntl(p[1], F_SETPIPE_SZ, 4096));
    drain(p[0], 0);
    CALL(fcntl(p[1], F_SETPIPE_SZ, 65536));

    puts("== readv, writev");
    struct iovec w[3] = { { "ab", 2 }, { "", 0 }, { "cde", 3 } };
    char r1[2], r2[10];
    struct iovec r[2] = { { r1, 2 }, { r2, 10 } };
    CALL(writev(p[1], w, 3));
    CALL(readv(p[0], r, 2));
    printf("readv \"%.2s\" \"%.3s\"\n", r1, r2);
    CALL(writev(p[1], w, minus_one));
    CALL(write(p[1], BAD, 1));
    CALL(read(p[0], in, 1));

    puts("== end of file, and no reader");
    CALL(write(p[1], "abc", 3));
    CALL(close(p[1]));
    show_poll("data, no writer", p[0], -1, 0);
    CALL(read(p[0], in, 2));
    CALL(read(p[0], in, 2));
    CALL(read(p[0], in, 2));
    show_poll("no writer", p[0], -1, 0);
    CALL(close(p[0]));
    CALL(close(p[0]));
    CALL(pipe(q));
    CALL(close(q[0]));
    CALL(write(q[1], "x", 1));
    CALL(write(q[1], "", 0));
    show_poll("no reader", -1, q[1], 0);
    CALL(close(q[1]));

    puts("== pipe2");
    CALL(pipe2(q, O_CLOEXEC | O_NONBLOCK));
    CALL(fcntl(q[0], F_GETFD));
    CALL(fcntl(q[1], F_GETFD));
    CALL(fcntl(q[0], F_GETFL));
    CALL(fcntl(q[1], F_GETFL));
    CALL(read(q[0], in, 1));
    CALL(close(q[0]));
    CALL(close(q[1]));
    CALL(pipe2(q, O_APPEND));
    CALL(pipe2(q, O_RDWR));
    CALL(pipe(BAD));
    CALL(pipe2(BAD, O_CLOEXEC));
    CALL(dup(0)); /* nothing leaked: the lowest free descriptor is 3 */
    CALL(close(3));

    puts("== packet mode (O_DIRECT)");
    CALL(pipe2(q, O_DIRECT | O_NONBLOCK));
    CALL(fcntl(q[0], F_GETFL));
    CALL(fcntl(q[1], F_GETFL));
    CALL(write(q[1], "abc", 3));
    CALL(write(q[1], "defg", 4));
    CALL(read(q[0], in, 100));
    printf("read \"%.3s\"\n", in);
    CALL(read(q[0], in, 2));
    printf("read \"%.2s\"\n", in);
    CALL(read(q[0], in, 100));
    CALL(fcntl(q[1], F_SETFL, O_NONBLOCK));
    CALL(write(q[1], "abc", 3));
    CALL(write(q[1], "defg", 4));
    CALL(read(q[0], in, 100));
    CALL(fcntl(q[1], F_SETFL, O_DIRECT));
    CALL(fcntl(q[1], F_GETFL));
    CALL(close(q[0]));
    CALL(close(q[1]));

    puts("== EMFILE");
    struct rlimit old, lim;
    CALL(getrlimit(RLIMIT_NOFILE, &old));
    lim = (struct rlimit){ 8, old.rlim_max };
    CALL(setrlimit(RLIMIT_NOFILE, &lim));
    CALL(pipe(q));
    CALL(pipe(p));
    printf("fds %d %d %d %d\n", q[0], q[1], p[0], p[1]);
    CALL(pipe(p));
    CALL(dup(0));
    CALL(dup(0));
    CALL(close(7));
    CALL(close(6));
    CALL(close(5));
    CALL(close(4));
    CALL(close(3));
    CALL(setrlimit(RLIMIT_NOFILE, &old));

    puts("== select and epoll");
    CALL(pipe(p));
    fd_set rs, ws;
    struct timeval tv = { 0, 0 };
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_SET(p[0], &rs);
    FD_SET(p[1], &ws);
    CALL(select(p[1] + 1, &rs, &ws, NULL, &tv));
    printf("readable %d writable %d\n", FD_ISSET(p[0], &rs), FD_ISSET(p[1], &ws));
    FD_SET(p[1], &rs);
    CALL(select(p[1] + 1, &rs, NULL, NULL, &tv));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u64 = 7 }, out[4];
    CALL(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    CALL(epoll_wait(ep, out, 4, 0));
    CALL(write(p[1], "a", 1));
    CALL(epoll_wait(ep, out, 4, 0));
    printf("event %#x data %llu\n", out[0].events, (unsigned long long)out[0].data.u64);
    CALL(epoll_wait(ep, out, 4, 0));
    CALL(write(p[1], "b", 1));
    CALL(epoll_wait(ep, out, 4, 0));
    ev = (struct epoll_event){ .events = EPOLLOUT, .data.u64 = 8 };
    CALL(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    CALL(epoll_wait(ep, out, 4, 0));
    CALL(close(p[0]));
    CALL(epoll_wait(ep, out, 4, 0));
    printf("event %#x data %llu\n", out[0].events, (unsigned long long)out[0].data.u64);
    CALL(close(p[1]));
    CALL(close(ep));
    puts("done");
    return 0;
}
