/* tcpip_exitopen.c: test guest: accept one connection on PORT, read all of the request ("all") or 4 bytes ("part"), answer with BYTES of body, and exit with the connection still open. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    static char buf[64 * 1024];
    struct sockaddr_in a = { .sin_family = AF_INET };
    int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

    if (argc != 4) {
        fprintf(stderr, "usage: tcpip_exitopen PORT all|part BYTES\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    a.sin_port = htons((uint16_t)atoi(argv[1]));
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 4) < 0) {
        perror("tcpip_exitopen: listen");
        return 1;
    }
    printf("listening\n");
    int c = accept(l, NULL, NULL);
    if (c < 0) {
        perror("tcpip_exitopen: accept");
        return 1;
    }
    size_t got = 0;
    if (strcmp(argv[2], "part") == 0) {
        got = (size_t)read(c, buf, 4);
    } else {
        while (got < sizeof buf - 1) {
            ssize_t n = read(c, buf + got, sizeof buf - 1 - got);
            if (n <= 0)
                break;
            got += (size_t)n;
            buf[got] = '\0';
            if (strstr(buf, "\r\n\r\n") != NULL)
                break;
        }
    }
    long body = atol(argv[3]);
    int h = snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nContent-Length: %ld\r\n\r\n", body);
    if (write(c, buf, (size_t)h) != h)
        return 1;
    memset(buf, 'x', sizeof buf);
    for (long left = body; left > 0;) {
        ssize_t w = write(c, buf, left < (long)sizeof buf ? (size_t)left : sizeof buf);
        if (w <= 0)
            return 1;
        left -= w;
    }
    printf("read %zu bytes, exiting with the connection open\n", got);
    return 0;
}
