/* udp-echo.c: a UDP echo server (RFC 862) on poll(), for Linux and for uhvt alike. */
/*
 *   cc -std=c11 -D_GNU_SOURCE -O2 -o udp-echo udp-echo.c && ./udp-echo --port=7007
 *   uhvt-cc --net=net0 --tcpip -o udp-echo.hvt udp-echo.c
 *   uhvt --net=tap0 udp-echo.hvt --ipv4=10.0.0.2/24
 *
 * Options: --port=N (default 7).  Each datagram goes back, unchanged, to
 * the address and port it came from.  UDP promises no delivery, so an
 * echo the socket cannot take at once is dropped rather than queued: a
 * flood costs the sender its echoes, never this server its memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define DGRAM_MAX 65535 /* the largest UDP payload over IPv4 is less */

static void usage(void)
{
    fprintf(stderr, "usage: udp-echo [--port=N]\n");
    exit(2);
}

static int parse_port(int argc, char **argv)
{
    int port = 7;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (strncmp(argv[i], "--port=", 7) != 0)
            usage();
        errno = 0;
        long v = strtol(argv[i] + 7, &end, 10);
        if (errno != 0 || end == argv[i] + 7 || *end != '\0' || v < 1 || v > 65535)
            usage();
        port = (int)v;
    }
    return port;
}

static int bind_udp(int port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_ANY) };
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* echo_all: answer every datagram waiting, then return to poll. */
static void echo_all(int fd, char *buf)
{
    for (;;) {
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(fd, buf, DGRAM_MAX, 0, (struct sockaddr *)&from, &flen);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* EAGAIN: drained.  Anything else (an ICMP error queued for
             * an earlier echo, say) concerns a datagram already gone. */
            return;
        }
        if (flen != sizeof from || from.sin_family != AF_INET)
            continue;
        sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
    }
}

int main(int argc, char **argv)
{
    int port = parse_port(argc, argv);
    char *buf = malloc(DGRAM_MAX);
    int fd = bind_udp(port);
    if (buf == NULL || fd < 0) {
        fprintf(stderr, "udp-echo: port %d: %s\n", port, strerror(errno));
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("udp-echo: listening on port %d, ready\n", port);

    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    for (;;) {
        int r = poll(&pfd, 1, -1);
        if (r < 0 && errno != EINTR) {
            perror("udp-echo: poll");
            return 1;
        }
        if (r > 0)
            echo_all(fd, buf);
    }
}
