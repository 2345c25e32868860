/* pipe_block.c: a blocking call only this program could satisfy: without threads it waits forever, as on Linux (read, write, eventfd, poll). */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static char buf[1 << 17];

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "read";
    int p[2];

    if (pipe(p) != 0) {
        perror("pipe");
        return 1;
    }
    if (strcmp(what, "read") == 0) {
        puts("reading an empty pipe whose write end is open");
        fflush(stdout);
        (void)read(p[0], buf, 1);
    } else if (strcmp(what, "write") == 0) {
        puts("writing 128 KiB to a pipe nobody reads");
        fflush(stdout);
        (void)write(p[1], buf, sizeof buf);
    } else if (strcmp(what, "eventfd") == 0) {
        uint64_t v;
        int fd = eventfd(0, 0);
        puts("reading an eventfd at zero");
        fflush(stdout);
        (void)read(fd, &v, sizeof v);
    } else {
        struct pollfd pf = { p[0], POLLIN, 0 };
        puts("polling an empty pipe with no timeout");
        fflush(stdout);
        (void)poll(&pf, 1, -1);
    }
    puts("returned");
    return 1;
}
