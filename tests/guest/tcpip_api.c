/* tcpip_api.c: test guest: the socket calls' POSIX behaviour as a client of Linux peers (HTTP, UDP echo, a closed port). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* SIGPIPEs received: writes to a shut connection raise one, as on Linux. */
static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
    (void)sig;
    sigpipes++;
}

/*
 * usage: tcpip_api HOST HTTP_PORT UDP_ECHO_PORT CLOSED_PORT
 * The host runs an HTTP server (examples/httpd, natively) and a UDP echo
 * server; CLOSED_PORT has no listener.  Prints "ok NAME" per check and
 * "tcpip_api: N failed" at the end; exits 1 if any failed.
 */

static int failures;
static struct sockaddr_in host;

#define CHECK(name, cond)                                                    \
    do {                                                                     \
        if (cond) {                                                          \
            printf("ok %s\n", name);                                         \
        } else {                                                             \
            printf("FAIL %s (line %d, errno %d %s)\n", name, __LINE__, errno, \
                   strerror(errno));                                         \
            failures++;                                                      \
        }                                                                    \
    } while (0)

static struct sockaddr_in at(int port)
{
    struct sockaddr_in a = host;
    a.sin_port = htons((uint16_t)port);
    return a;
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int tcp_to(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = at(port);
    if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
        close(s);
        return -1;
    }
    return s;
}

/* Read until EOF (or `max`), returning the length. */
static size_t read_all(int s, char *buf, size_t max)
{
    size_t got = 0;
    ssize_t n;
    while (got < max && (n = read(s, buf + got, max - got)) > 0)
        got += (size_t)n;
    return got;
}

static void check_creation(void)
{
    errno = 0;
    CHECK("socket AF_INET6 is EAFNOSUPPORT",
          socket(AF_INET6, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT);
    CHECK("socket AF_UNIX is EAFNOSUPPORT",
          socket(AF_UNIX, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT);
    CHECK("socket SOCK_RAW is refused",
          socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) < 0 &&
              errno == ESOCKTNOSUPPORT);
    CHECK("socket TCP with UDP protocol is EPROTONOSUPPORT",
          socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) < 0 &&
              errno == EPROTONOSUPPORT);

    int a = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    CHECK("SOCK_NONBLOCK sets O_NONBLOCK",
          a >= 0 && (fcntl(a, F_GETFL) & O_NONBLOCK));
    CHECK("SOCK_CLOEXEC sets FD_CLOEXEC", fcntl(a, F_GETFD) == FD_CLOEXEC);
    int t = 0;
    socklen_t tl = sizeof t;
    CHECK("SO_TYPE is SOCK_STREAM",
          getsockopt(a, SOL_SOCKET, SO_TYPE, &t, &tl) == 0 &&
              t == SOCK_STREAM && tl == sizeof t);
    int one = 1;
    CHECK("an unsupported option is ENOPROTOOPT",
          setsockopt(a, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 &&
              errno == ENOPROTOOPT);
    CHECK("TCP_NODELAY set and read back",
          setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0 &&
              getsockopt(a, IPPROTO_TCP, TCP_NODELAY, &t, &tl) == 0 && t == 1);
    struct sockaddr_in far = at(80);
    far.sin_addr.s_addr = htonl(0x08080808);
    CHECK("bind to an address not ours is EADDRNOTAVAIL",
          bind(a, (struct sockaddr *)&far, sizeof far) < 0 &&
              errno == EADDRNOTAVAIL);
    struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(4000) };
    CHECK("bind to any", bind(a, (struct sockaddr *)&any, sizeof any) == 0);
    CHECK("bind twice is EINVAL",
          bind(a, (struct sockaddr *)&any, sizeof any) < 0 && errno == EINVAL);
    int b = socket(AF_INET, SOCK_STREAM, 0);
    CHECK("bind to a port in use is EADDRINUSE",
          bind(b, (struct sockaddr *)&any, sizeof any) < 0 &&
              errno == EADDRINUSE);
    CHECK("accept on a socket not listening is EINVAL",
          accept(a, NULL, NULL) < 0 && errno == EINVAL);
    CHECK("listen", listen(a, 4) == 0);
    CHECK("accept on a quiet non-blocking listener is EAGAIN",
          accept(a, NULL, NULL) < 0 && errno == EAGAIN);
    struct sockaddr_in me;
    socklen_t ml = sizeof me;
    CHECK("getsockname of the listener",
          getsockname(a, (struct sockaddr *)&me, &ml) == 0 &&
              ntohs(me.sin_port) == 4000);
    CHECK("getpeername of a listener is ENOTCONN",
          getpeername(a, (struct sockaddr *)&me, &ml) < 0 && errno == ENOTCONN);
    close(b);
    close(a);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK("the lowest free descriptor is reused", c == a);
    close(c);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK("listen on UDP is EOPNOTSUPP", listen(u, 1) < 0 && errno == EOPNOTSUPP);
    CHECK("send on an unconnected UDP socket is EDESTADDRREQ",
          send(u, "x", 1, 0) < 0 && errno == EDESTADDRREQ);
    close(u);
    CHECK("a closed descriptor is EBADF", close(u) < 0 && errno == EBADF);

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    poll(NULL, 0, 50);
    long ms = ms_since(&t0);
    CHECK("poll(NULL, 0, 50) sleeps", ms >= 45 && ms < 2000);
    static struct epoll_event many[5000];
    int ep = epoll_create1(0);
    CHECK("epoll_wait takes more events than descriptors",
          epoll_wait(ep, many, 5000, 0) == 0);
    close(ep);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    CHECK("listen, then again smaller and larger",
          listen(l, 100) == 0 && listen(l, 10) == 0 && listen(l, 50) == 0);
    struct linger lg = { 1, 1 };
    socklen_t lgl = sizeof lg;
    CHECK("SO_LINGER reads back off",
          getsockopt(l, SOL_SOCKET, SO_LINGER, &lg, &lgl) == 0 &&
              lg.l_onoff == 0 && lgl == sizeof lg);
    close(l);
    CHECK("a socket call on the console is ENOTSOCK",
          listen(1, 1) < 0 && errno == ENOTSOCK);
}

static void check_connect(int http, int closed)
{
    struct sockaddr_in a = at(closed);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK("connect to a closed port is ECONNREFUSED",
          connect(s, (struct sockaddr *)&a, sizeof a) < 0 &&
              errno == ECONNREFUSED);
    close(s);

    s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    a = at(http);
    CHECK("non-blocking connect is EINPROGRESS",
          connect(s, (struct sockaddr *)&a, sizeof a) < 0 &&
              errno == EINPROGRESS);
    struct pollfd p = { .fd = s, .events = POLLOUT };
    CHECK("poll says writable once connected",
          poll(&p, 1, 5000) == 1 && (p.revents & POLLOUT));
    int err = -1;
    socklen_t el = sizeof err;
    CHECK("SO_ERROR is 0",
          getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0);
    CHECK("connect again is EISCONN",
          connect(s, (struct sockaddr *)&a, sizeof a) < 0 && errno == EISCONN);
    struct sockaddr_in peer, me;
    socklen_t pl = sizeof peer, ml = sizeof me;
    CHECK("getpeername is the server",
          getpeername(s, (struct sockaddr *)&peer, &pl) == 0 &&
              peer.sin_addr.s_addr == host.sin_addr.s_addr &&
              ntohs(peer.sin_port) == http);
    CHECK("getsockname has an ephemeral port",
          getsockname(s, (struct sockaddr *)&me, &ml) == 0 &&
              ntohs(me.sin_port) >= 1024);
    /* A short sockaddr buffer is filled as far as it goes. */
    char small[4];
    socklen_t sl = sizeof small;
    CHECK("getsockname truncates and says the full size",
          getsockname(s, (struct sockaddr *)small, &sl) == 0 &&
              sl == sizeof(struct sockaddr_in));
    CHECK("a non-blocking read with nothing there is EAGAIN",
          read(s, small, 1) < 0 && errno == EAGAIN);
    close(s);

    /* Refused without blocking: the error arrives through poll and SO_ERROR. */
    s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    a = at(closed);
    connect(s, (struct sockaddr *)&a, sizeof a);
    p = (struct pollfd){ .fd = s, .events = POLLOUT };
    CHECK("a refused non-blocking connect polls POLLERR",
          poll(&p, 1, 5000) == 1 && (p.revents & (POLLERR | POLLHUP)));
    CHECK("and SO_ERROR says ECONNREFUSED",
          getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el) == 0 &&
              err == ECONNREFUSED);
    close(s);
}

static void check_http(int http)
{
    static char buf[1 << 21];
    const char req[] = "GET /health HTTP/1.0\r\n\r\n";
    int s = tcp_to(http);

    CHECK("write a request", write(s, req, sizeof req - 1) == sizeof req - 1);
    size_t n = read_all(s, buf, sizeof buf - 1);
    buf[n] = '\0';
    CHECK("read the response to EOF", strstr(buf, " 200 ") && strstr(buf, "ok"));
    CHECK("then read returns 0 again", read(s, buf, 1) == 0);
    close(s);

    /* writev and readv, MSG_PEEK, FIONREAD, recv with MSG_WAITALL. */
    s = tcp_to(http);
    struct iovec v[3] = { { "GET /bytes/", 11 }, { "100000", 6 },
                          { " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                            41 } };
    CHECK("writev", writev(s, v, 3) == 58);
    char head[8];
    CHECK("MSG_PEEK leaves the data",
          recv(s, head, 8, MSG_PEEK | MSG_WAITALL) == 8 &&
              memcmp(head, "HTTP/1.1", 8) == 0);
    int avail = 0;
    CHECK("FIONREAD counts it", ioctl(s, FIONREAD, &avail) == 0 && avail >= 8);
    n = read_all(s, buf, sizeof buf);
    char *body = strstr(buf, "\r\n\r\n");
    CHECK("a 100000-byte body arrives whole",
          body != NULL && n - (size_t)(body + 4 - buf) == 100000);
    if (body == NULL || n - (size_t)(body + 4 - buf) != 100000)
        printf("    got %zu bytes: %.80s\n", n, buf);
    close(s);

    /* A timeout on a quiet connection. */
    s = tcp_to(http);
    struct timeval tv = { 0, 200000 };
    struct timespec t0;
    CHECK("SO_RCVTIMEO set",
          setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ssize_t r = read(s, buf, 1);
    long ms = ms_since(&t0);
    CHECK("a read past SO_RCVTIMEO is EAGAIN after the timeout",
          r < 0 && errno == EAGAIN && ms >= 190 && ms < 3000);

    /* Edge-triggered epoll: one report per arrival. */
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u64 = 77 };
    CHECK("epoll_ctl ADD", epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == 0);
    CHECK("epoll_ctl ADD twice is EEXIST",
          epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) < 0 && errno == EEXIST);
    struct epoll_event out[4];
    CHECK("nothing to report yet", epoll_wait(ep, out, 4, 50) == 0);
    const char req2[] = "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";
    write(s, req2, sizeof req2 - 1);
    CHECK("EPOLLIN when the response arrives",
          epoll_wait(ep, out, 4, 5000) == 1 && out[0].data.u64 == 77 &&
              (out[0].events & EPOLLIN));
    CHECK("edge-triggered: not again without new data",
          epoll_wait(ep, out, 4, 100) == 0);
    ev.events = EPOLLIN;
    CHECK("epoll_ctl MOD to level-triggered",
          epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev) == 0 &&
              epoll_wait(ep, out, 4, 0) == 1 && epoll_wait(ep, out, 4, 0) == 1);
    CHECK("read the second response", read(s, buf, sizeof buf) > 0);
    /* It may come in more than one segment: drain what follows it. */
    while (poll(&(struct pollfd){ .fd = s, .events = POLLIN }, 1, 200) == 1 &&
           recv(s, buf, sizeof buf, MSG_DONTWAIT) > 0)
        ;
    CHECK("level-triggered and drained: nothing",
          epoll_wait(ep, out, 4, 50) == 0);

    /* select, and shutdown(SHUT_WR) ends the keep-alive connection. */
    CHECK("shutdown SHUT_WR", shutdown(s, SHUT_WR) == 0);
    CHECK("send MSG_NOSIGNAL after SHUT_WR is EPIPE, no SIGPIPE",
          send(s, "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE && sigpipes == 0);
    CHECK("write after SHUT_WR is EPIPE, with SIGPIPE",
          write(s, "x", 1) < 0 && errno == EPIPE && sigpipes == 1);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(s, &rd);
    struct timeval five = { 5, 0 };
    CHECK("select: readable when the server closes",
          select(s + 1, &rd, NULL, NULL, &five) == 1 && FD_ISSET(s, &rd));
    CHECK("and read sees EOF", read(s, buf, 1) == 0);
    CHECK("closing drops it from epoll",
          close(s) == 0 &&
              epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL) < 0 && errno == EBADF);
    close(ep);
}

/*
 * Sockets share the descriptor table with pipes and eventfds: dup'd
 * sockets share one connection and its flags, which ends with the last
 * descriptor; poll and epoll watch all kinds at once.
 */
static void check_shared(int http)
{
    static char buf[1 << 16];
    const char req[] = "GET /health HTTP/1.0\r\n\r\n";
    int s = tcp_to(http), p[2], e = eventfd(0, EFD_NONBLOCK);

    CHECK("pipe beside sockets", pipe(p) == 0 && e >= 0);
    int d = dup(s);
    CHECK("dup of a socket", d >= 0 && (fcntl(d, F_GETFL) & O_ACCMODE) == O_RDWR);
    CHECK("O_NONBLOCK is shared",
          fcntl(s, F_SETFL, O_NONBLOCK) == 0 && (fcntl(d, F_GETFL) & O_NONBLOCK) &&
              fcntl(d, F_SETFL, 0) == 0 && !(fcntl(s, F_GETFL) & O_NONBLOCK));
    struct sockaddr_in me;
    socklen_t ml = sizeof me;
    CHECK("closing one leaves the connection open",
          close(s) == 0 && getpeername(d, (struct sockaddr *)&me, &ml) == 0 &&
              write(d, req, sizeof req - 1) == sizeof req - 1);
    CHECK("dup2 of a socket", dup2(d, 100) == 100);
    struct pollfd pf[3] = { { p[0], POLLIN, 0 }, { e, POLLIN, 0 }, { 100, POLLIN, 0 } };
    CHECK("poll over a pipe, an eventfd and a socket",
          poll(pf, 3, 5000) == 1 && pf[0].revents == 0 && pf[1].revents == 0 &&
              (pf[2].revents & POLLIN));
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 }, out[4];
    epoll_ctl(ep, EPOLL_CTL_ADD, 100, &ev);
    ev.data.u64 = 2;
    epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev);
    eventfd_write(e, 1);
    CHECK("epoll over an eventfd and a socket", epoll_wait(ep, out, 4, 0) == 2);
    close(ep);
    CHECK("a pipe is not a socket",
          send(p[1], "x", 1, 0) < 0 && errno == ENOTSOCK);
    CHECK("nor an eventfd",
          getsockopt(e, SOL_SOCKET, SO_TYPE, buf, &ml) < 0 && errno == ENOTSOCK);
    close(d);
    size_t n = read_all(100, buf, sizeof buf - 1);
    buf[n] = '\0';
    CHECK("the response through the last descriptor", strstr(buf, " 200 ") != NULL);
    CHECK("then the last close", close(100) == 0 && close(p[0]) == 0 &&
                                     close(p[1]) == 0 && close(e) == 0);
}

static void check_udp(int echo)
{
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = at(echo), from;
    socklen_t fl = sizeof from;
    static char msg[1400], back[70000];

    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (char)(i * 7);
    struct timeval tv = { 5, 0 };
    setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    CHECK("sendto", sendto(u, msg, sizeof msg, 0, (struct sockaddr *)&a,
                           sizeof a) == sizeof msg);
    ssize_t n = recvfrom(u, back, sizeof back, 0, (struct sockaddr *)&from, &fl);
    CHECK("recvfrom gets the echo from the server",
          n == sizeof msg && memcmp(msg, back, sizeof msg) == 0 &&
              from.sin_addr.s_addr == host.sin_addr.s_addr &&
              ntohs(from.sin_port) == echo);
    CHECK("connect a UDP socket", connect(u, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK("send on it", send(u, msg, 100, 0) == 100);
    char small[10];
    struct iovec iv = { small, sizeof small };
    struct msghdr m = { .msg_iov = &iv, .msg_iovlen = 1 };
    CHECK("recvmsg truncates and says MSG_TRUNC",
          recvmsg(u, &m, 0) == 10 && (m.msg_flags & MSG_TRUNC));
    send(u, msg, 50, 0);
    CHECK("MSG_TRUNC returns the datagram's real length",
          recv(u, small, sizeof small, MSG_TRUNC) == 50);
    CHECK("a datagram too large is EMSGSIZE",
          send(u, back, 70000, 0) < 0 && errno == EMSGSIZE);
    close(u);
}

int main(int argc, char **argv)
{
    struct sigaction pipe_sa = { .sa_handler = on_sigpipe };
    sigaction(SIGPIPE, &pipe_sa, NULL);

    if (argc != 5) {
        fprintf(stderr, "usage: tcpip_api HOST HTTP_PORT UDP_PORT CLOSED_PORT "
                        "(argc %d: the stack's arguments must be gone)\n",
                argc);
        return 2;
    }
    host.sin_family = AF_INET;
    if (inet_pton(AF_INET, argv[1], &host.sin_addr) != 1)
        return 2;
    check_creation();
    check_connect(atoi(argv[2]), atoi(argv[4]));
    check_http(atoi(argv[2]));
    check_shared(atoi(argv[2]));
    check_udp(atoi(argv[3]));
    printf("tcpip_api: %d failed\n", failures);
    return failures != 0;
}
