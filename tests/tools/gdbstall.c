/* gdbstall.c: a test client for uhvt --gdb: a peer that asks for memory and never reads the answers. */
/*
 * usage: gdbstall PORT ADDR
 *   Connects to 127.0.0.1:PORT with a tiny receive buffer, and sends gdb
 *   packets (an `m` for 2040 bytes at ADDR, then 4 KB of an unknown packet)
 *   without reading, until uhvt takes no more of them for 2 s: it is then
 *   stuck sending answers nobody reads.  Prints "stalled" and holds the
 *   connection open until killed.  Exits 1 when uhvt never stalls.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* `data` framed as a gdb packet into out: its length. */
static size_t frame(const char *data, char *out)
{
    unsigned sum = 0;
    size_t n = strlen(data);
    for (size_t i = 0; i < n; i++)
        sum += (unsigned char)data[i];
    return (size_t)sprintf(out, "$%s#%02x", data, sum & 0xff);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gdbstall PORT ADDR\n");
        return 2;
    }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) < 0 ||
        connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        perror("gdbstall: connect");
        return 1;
    }
    static char chunk[2 * 4200], junk[4001];
    char req[64];
    snprintf(req, sizeof(req), "m%s,7f8", argv[2]);
    memset(junk, 'x', sizeof(junk) - 1);
    size_t len = frame(req, chunk);
    len += frame(junk, chunk + len);
    size_t off = 0;
    for (long sent = 0; sent < (1L << 30);) {
        ssize_t n = send(s, chunk + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            sent += n;
            off = (off + (size_t)n) % len;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            perror("gdbstall: send");
            return 1;
        }
        struct pollfd p = {.fd = s, .events = POLLOUT};
        if (poll(&p, 1, 2000) == 0) {
            printf("stalled\n");
            fflush(stdout);
            for (;;)
                pause();
        }
    }
    printf("gdbstall: uhvt took 1 GiB of requests and never stalled\n");
    return 1;
}
