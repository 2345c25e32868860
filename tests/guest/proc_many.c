/* proc_many.c: test guest, also built for Linux: a full descriptor table of pipes, eventfds and dups, three times over (nothing leaks); argv[1] "pipes" makes pipes until they fail. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>

#include "probe.h"

static int fill(const char *what)
{
    int n = 0, p[2];

    for (;;) {
        int r = strcmp(what, "pipes") == 0 ? pipe(p)
                : strcmp(what, "eventfds") == 0 ? eventfd(0, 0)
                                                : dup(0);
        if (r < 0)
            break;
        n++;
    }
    return n;
}

static void empty(void)
{
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
}

int main(int argc, char **argv)
{
    struct rlimit lim;

    probe_start();
    if (argc > 1 && strcmp(argv[1], "pipes") == 0) {
        int n = fill("pipes");
        printf("%d pipes, then %s\n", n, probe_errno(errno));
        return 0;
    }
    CALL(getrlimit(RLIMIT_NOFILE, &lim));
    lim.rlim_cur = 1024;
    CALL(setrlimit(RLIMIT_NOFILE, &lim));
    for (int round = 1; round <= 3; round++) {
        static const char *const kinds[] = { "pipes", "eventfds", "dups" };
        for (int k = 0; k < 3; k++) {
            int n = fill(kinds[k]);
            printf("round %d: %d %s, then %s\n", round, n, kinds[k],
                   probe_errno(errno));
            empty();
        }
    }
    CALL(dup(0));
    puts("done");
    return 0;
}
