/* stdin_cat.c: read stdin as ARG says ("read", "poll" or "tty") and report what came and how it ended. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "read";
    char buf[1000];
    unsigned long total = 0, lines = 0, sum = 0;
    long n;

    setvbuf(stdout, NULL, _IOLBF, 0);
    struct termios t;
    printf("isatty(0) %d tcgetattr %d\n", isatty(0), tcgetattr(0, &t) == 0 ? 0 : errno);
    if (strcmp(mode, "tty") == 0)
        return 0;
    printf("reading\n");
    for (;;) {
        if (strcmp(mode, "poll") == 0) {
            struct pollfd p = { .fd = 0, .events = POLLIN };
            int r = poll(&p, 1, 10000);
            if (r != 1 || !(p.revents & POLLIN)) {
                printf("poll %d revents %d\n", r, p.revents);
                return 1;
            }
        }
        n = read(0, buf, sizeof buf);
        if (n <= 0)
            break;
        for (long i = 0; i < n; i++) {
            lines += buf[i] == '\n';
            sum = sum * 31 + (unsigned char)buf[i];
        }
        total += (unsigned long)n;
        if (total == (unsigned long)n && n > 0)
            printf("first: %.*s", (int)(n < 20 ? n : 20), buf);
    }
    printf("\nend %ld errno %d: %lu bytes, %lu lines, sum %lu\n", n, n < 0 ? errno : 0,
           total, lines, sum);
    /* End of file stays, but for a terminal, where ^D ends one read. */
    if (!isatty(0))
        printf("after end, read %ld\n", (long)read(0, buf, sizeof buf));
    return 0;
}
