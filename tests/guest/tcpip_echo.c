/* tcpip_echo.c: test guest: TCP echo on port 7 with blocking calls, one connection at a time. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7) };
    static char buf[65536];

    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 ||
        listen(l, 16) < 0) {
        perror("tcpip_echo: listen");
        return 1;
    }
    printf("tcpip_echo: ready\n");
    for (;;) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        int c = accept(l, (struct sockaddr *)&peer, &len);
        if (c < 0) {
            perror("tcpip_echo: accept");
            return 1;
        }
        ssize_t n;
        while ((n = read(c, buf, sizeof buf)) > 0)
            if (write(c, buf, (size_t)n) != n)
                break;
        close(c);
    }
}
