/* tcp_sink.c: bench guest: TCP on port 9000; reads each connection to its end and answers with the byte count. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    static char buf[256 * 1024];
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9000) };

    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 4) < 0) {
        perror("tcp_sink");
        return 1;
    }
    printf("tcp_sink: ready\n");
    fflush(stdout);
    for (;;) {
        int c = accept(l, NULL, NULL);
        long long total = 0;
        ssize_t n;

        if (c < 0)
            return 1;
        while ((n = read(c, buf, sizeof buf)) > 0)
            total += n;
        dprintf(c, "%lld\n", total);
        close(c);
    }
}
