/* udp.c: the host side of the UDP benchmark: count what the guest sends, or flood it. */
#include <arpa/inet.h>
#include <err.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

/*
 * sink ADDR SINGLE_PORT BATCHED_PORT: count datagrams on both ports until
 * none came for 2 s after the batched port's first (or 120 s in all);
 * report each port's count and its rate from first to last datagram.
 */
static int sink(const char *addr, int ports[2])
{
    struct pollfd p[2];
    long count[2] = {0, 0};
    uint64_t first[2] = {0, 0}, last[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        int big = 8 << 20;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)ports[i])};
        if (fd < 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
            bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
            err(1, "bind %s:%d", addr, ports[i]);
        p[i] = (struct pollfd){.fd = fd, .events = POLLIN};
    }
    printf("sink ready\n");
    fflush(stdout);
    uint64_t end = now_ns() + 120000000000ULL;
    while (now_ns() < end) {
        int idle = count[1] > 0 ? 2000 : 1000;
        int n = poll(p, 2, idle);
        if (n == 0 && count[1] > 0)
            break;
        char buf[2048];
        for (int i = 0; i < 2; i++)
            while ((p[i].revents & POLLIN) && recv(p[i].fd, buf, sizeof(buf), MSG_DONTWAIT) > 0) {
                last[i] = now_ns();
                if (count[i]++ == 0)
                    first[i] = last[i];
            }
    }
    double pps[2];
    for (int i = 0; i < 2; i++)
        pps[i] = count[i] > 1 ? (count[i] - 1) * 1e9 / (double)(last[i] - first[i]) : 0;
    printf("{\"name\": \"net_udp_tx\", \"single_received\": %ld, \"single_pps\": %.0f, "
           "\"batched_received\": %ld, \"batched_pps\": %.0f}\n",
           count[0], pps[0], count[1], pps[1]);
    return 0;
}

/* flood ADDR PORT N: N datagrams of 64 bytes as fast as sendto goes. */
static int flood(const char *addr, int port, long n)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (fd < 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
        err(1, "socket %s", addr);
    char payload[64];
    memset(payload, 'f', sizeof(payload));
    long sent = 0;
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++)
        sent += sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&sa, sizeof(sa)) > 0;
    fprintf(stderr, "flood: %ld of %ld sent at %.0f/s\n", sent, n,
            sent * 1e9 / (double)(now_ns() - t0));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "sink") == 0) {
        int ports[2] = {atoi(argv[3]), atoi(argv[4])};
        return sink(argv[2], ports);
    }
    if (argc == 5 && strcmp(argv[1], "flood") == 0)
        return flood(argv[2], atoi(argv[3]), atol(argv[4]));
    errx(2, "usage: udp sink ADDR SINGLE_PORT BATCHED_PORT | flood ADDR PORT N");
}
