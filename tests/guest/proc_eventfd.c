/* proc_eventfd.c: test guest, also built for Linux: eventfd and eventfd2 — counter and semaphore modes, limits, flags, poll, select, epoll, dup. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "probe.h"

static uint64_t v;

static void show_poll(int fd)
{
    struct pollfd p = { fd, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM, 0 };

    int n = poll(&p, 1, 0);

    printf("poll: %d revents=%#x\n", n, p.revents);
}

static void put(int fd, uint64_t x)
{
    v = x;
    printf("write %#llx: ", (unsigned long long)x);
    CALL(write(fd, &v, sizeof v));
}

static void get(int fd)
{
    v = 0;
    printf("read: ");
    if (CALL(read(fd, &v, sizeof v)) == 8)
        printf("value %#llx\n", (unsigned long long)v);
}

int main(void)
{
    struct stat st;
    char big[16];
    int fd, d;

    probe_start();
    puts("== a counter");
    fd = CALL(eventfd(0, 0));
    CALL(fcntl(fd, F_GETFL));
    CALL(fcntl(fd, F_GETFD));
    CALL(fstat(fd, &st));
    printf("mode %o\n", st.st_mode);
    CALL(read(fd, &v, 4));
    CALL(write(fd, &v, 7));
    put(fd, 5);
    put(fd, 7);
    show_poll(fd);
    get(fd);
    show_poll(fd);
    put(fd, 1);
    CALL(read(fd, big, sizeof big));
    CALL(write(fd, BAD, 8));
    put(fd, 3);
    struct iovec iv[2] = { { big, 3 }, { big + 3, 5 } };
    CALL(readv(fd, iv, 2));
    printf("value %#x\n", big[0]);

    puts("== limits");
    put(fd, UINT64_MAX);
    put(fd, UINT64_MAX - 1);
    show_poll(fd);
    CALL(fcntl(fd, F_SETFL, O_NONBLOCK));
    put(fd, 1);
    get(fd);
    get(fd);
    CALL(close(fd));

    puts("== flags");
    fd = CALL(eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC));
    CALL(fcntl(fd, F_GETFL));
    CALL(fcntl(fd, F_GETFD));
    get(fd);
    get(fd);
    get(fd);
    get(fd);
    put(fd, 2);
    get(fd);
    CALL(eventfd(0, O_APPEND));
    CALL(eventfd(0, -1));
    CALL(syscall(SYS_eventfd, 9));
    CALL(fcntl(fd, F_SETFL, O_DIRECT));
    CALL(ioctl(fd, 0x541B /* FIONREAD */, big));

    puts("== dup shares the counter");
    d = CALL(dup(fd));
    put(d, 4);
    get(fd);
    CALL(close(fd));
    get(d);

    puts("== select and epoll");
    fd_set rs, ws;
    struct timeval tv = { 0, 0 };
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_SET(d, &rs);
    FD_SET(d, &ws);
    CALL(select(d + 1, &rs, &ws, NULL, &tv));
    printf("readable %d writable %d\n", FD_ISSET(d, &rs), FD_ISSET(d, &ws));
    int ep = CALL(epoll_create1(0));
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u64 = 9 }, out[2];
    CALL(epoll_ctl(ep, EPOLL_CTL_ADD, d, &ev));
    CALL(epoll_wait(ep, out, 2, 0));
    put(d, 1);
    CALL(epoll_wait(ep, out, 2, 0));
    printf("event %#x data %llu\n", out[0].events, (unsigned long long)out[0].data.u64);
    CALL(epoll_wait(ep, out, 2, 0));
    put(d, 1);
    CALL(epoll_wait(ep, out, 2, 0));
    ev.events = EPOLLOUT;
    CALL(epoll_ctl(ep, EPOLL_CTL_MOD, d, &ev));
    CALL(epoll_wait(ep, out, 2, 0));
    printf("event %#x\n", out[0].events);
    CALL(close(ep));
    CALL(eventfd_write(d, 6));
    eventfd_t got = 0;
    CALL(eventfd_read(d, &got));
    printf("eventfd_read %llu\n", (unsigned long long)got);
    CALL(close(d));
    puts("done");
    return 0;
}
