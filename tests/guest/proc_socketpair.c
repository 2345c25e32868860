/* proc_socketpair.c: test guest, also built for Linux: socketpair(AF_UNIX) — both directions, shutdown, close, poll, non-blocking, message boundaries, socket calls, two threads talking through a pair. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "probe.h"

static void show_poll(const char *what, int fd)
{
    struct pollfd p = { fd, POLLIN | POLLOUT | POLLRDHUP, 0 };

    poll(&p, 1, 0);
    printf("poll %s: %#x\n", what, p.revents);
}

static int echo_fd;

static void *echo(void *arg)
{
    char buf[256];
    long n, total = 0;

    (void)arg;
    while ((n = read(echo_fd, buf, sizeof buf)) > 0) {
        if (write(echo_fd, buf, (size_t)n) != n)
            break;
        total += n;
    }
    return (void *)total;
}

int main(void)
{
    int sv[2], d[2];
    char buf[64];
    struct stat st;

    probe_start();
    signal(SIGPIPE, SIG_IGN); /* the guest raises none; Linux would kill */

    puts("== errors");
    CALL(socketpair(AF_INET, SOCK_STREAM, 0, sv));
    CALL(socketpair(12345, SOCK_STREAM, 0, sv));
    CALL(socketpair(AF_UNIX, 12, 0, sv));
    CALL(socketpair(AF_UNIX, SOCK_RDM, 0, sv));
    CALL(socketpair(AF_UNIX, SOCK_STREAM | 0x100000, 0, sv));
    CALL(socketpair(AF_UNIX, SOCK_STREAM, 6, sv));
    CALL(socketpair(AF_UNIX, SOCK_STREAM, 0, BAD));

    puts("== a stream pair");
    CALL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
    printf("descriptors %d %d\n", sv[0], sv[1]);
    CALL(fcntl(sv[0], F_GETFD));
    CALL(fcntl(sv[1], F_GETFL) & O_ACCMODE);
    fstat(sv[0], &st);
    printf("a socket: %d\n", S_ISSOCK(st.st_mode));
    int v;
    socklen_t len = sizeof v;
    CALL(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len));
    printf("SO_TYPE %d len %u\n", v, len);
    len = sizeof v;
    CALL(getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &len));
    printf("SO_DOMAIN %d\n", v);
    struct sockaddr_un sa;
    len = sizeof sa;
    CALL(getsockname(sv[0], (struct sockaddr *)&sa, &len));
    printf("name: family %d len %u\n", sa.sun_family, len);
    len = sizeof sa;
    CALL(getpeername(sv[1], (struct sockaddr *)&sa, &len));
    printf("peer: family %d len %u\n", sa.sun_family, len);
    show_poll("fresh", sv[0]);
    CALL(write(sv[0], "hello", 5));
    CALL(send(sv[1], "world!", 6, MSG_NOSIGNAL));
    show_poll("with data", sv[1]);
    CALL(read(sv[1], buf, sizeof buf));
    CALL(recv(sv[0], buf, 3, 0));
    CALL(recv(sv[0], buf + 3, sizeof buf, 0));
    printf("got %.6s\n", buf);
    CALL(recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
    CALL(write(sv[0], "abc", 3));
    CALL(write(sv[0], "def", 3));
    int avail = -1;
    CALL(ioctl(sv[1], FIONREAD, &avail));
    printf("FIONREAD %d\n", avail);
    CALL(read(sv[1], buf, sizeof buf));
    struct iovec io[2] = { { buf, 2 }, { buf + 2, 10 } };
    struct msghdr m = { .msg_iov = io, .msg_iovlen = 2 };
    CALL(sendmsg(sv[0], &m, 0));
    CALL(recvmsg(sv[1], &m, 0));
    printf("msg_flags %d\n", m.msg_flags);

    puts("== shutdown");
    CALL(shutdown(sv[0], 7));
    CALL(shutdown(sv[0], SHUT_WR));
    CALL(write(sv[0], "x", 1));
    CALL(read(sv[1], buf, sizeof buf));
    show_poll("after the peer's SHUT_WR", sv[1]);
    show_poll("after its own SHUT_WR", sv[0]);
    CALL(write(sv[1], "back", 4));
    CALL(read(sv[0], buf, sizeof buf));
    CALL(shutdown(sv[1], SHUT_RD));
    show_poll("after its own SHUT_RD and the peer's SHUT_WR", sv[1]);
    CALL(write(sv[0], "y", 1));
    close(sv[0]);
    close(sv[1]);

    puts("== close");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    CALL(write(sv[0], "last", 4));
    close(sv[0]);
    show_poll("after the peer closed", sv[1]);
    CALL(read(sv[1], buf, sizeof buf));
    CALL(read(sv[1], buf, sizeof buf));
    CALL(write(sv[1], "z", 1));
    close(sv[1]);

    puts("== non-blocking");
    CALL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
    CALL(read(sv[0], buf, sizeof buf));
    CALL(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
    close(sv[0]);
    close(sv[1]);

    puts("== datagrams");
    CALL(socketpair(AF_UNIX, SOCK_DGRAM, 0, d));
    CALL(send(d[0], "abc", 3, 0));
    CALL(send(d[0], "defgh", 5, 0));
    CALL(send(d[0], "hello", 5, 0));
    CALL(recv(d[1], buf, sizeof buf, 0));
    CALL(recv(d[1], buf, sizeof buf, 0));
    CALL(recv(d[1], buf, 2, 0));
    printf("truncated to %.2s\n", buf);
    CALL(recv(d[1], buf, sizeof buf, MSG_DONTWAIT));
    len = sizeof v;
    getsockopt(d[0], SOL_SOCKET, SO_TYPE, &v, &len);
    printf("SO_TYPE %d\n", v);
    close(d[0]);
    close(d[1]);

    puts("== two threads through a pair");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    echo_fd = sv[1];
    pthread_t t;
    pthread_create(&t, NULL, echo, NULL);
    int wrong = 0;
    for (int i = 0; i < 500; i++) {
        int n = snprintf(buf, sizeof buf, "message %d", i);
        char back[64];
        write(sv[0], buf, (size_t)n);
        int got = 0;
        while (got < n) {
            long k = read(sv[0], back + got, (size_t)(n - got));
            if (k <= 0)
                break;
            got += (int)k;
        }
        wrong += memcmp(back, buf, (size_t)n) != 0;
    }
    shutdown(sv[0], SHUT_WR);
    void *r;
    pthread_join(t, &r);
    printf("echoed %ld bytes, %d wrong\n", (long)r, wrong);
    puts("done");
    return 0;
}
