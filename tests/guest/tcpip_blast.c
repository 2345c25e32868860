/* tcpip_blast.c: test guest: connect, send BYTES, close and exit at once; the runtime must deliver every byte before the guest ends. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    static char buf[64 * 1024];
    struct sockaddr_in a = { .sin_family = AF_INET };
    int s = socket(AF_INET, SOCK_STREAM, 0);

    if (argc != 4 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
        fprintf(stderr, "usage: tcpip_blast HOST PORT BYTES\n");
        return 2;
    }
    a.sin_port = htons((uint16_t)atoi(argv[2]));
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("tcpip_blast: connect");
        return 1;
    }
    for (long long left = atoll(argv[3]); left > 0;) {
        size_t n = left < (long long)sizeof buf ? (size_t)left : sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)('a' + (left - (long long)i) % 26);
        ssize_t w = write(s, buf, n);
        if (w <= 0) {
            perror("tcpip_blast: write");
            return 1;
        }
        left -= w;
    }
    close(s);
    return 0; /* with data still in flight: exit must wait for it */
}
