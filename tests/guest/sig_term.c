/* sig_term.c: host signals forwarded to a guest with a handler: ARG "pause", "spin", "stubborn" (handles, keeps running), "none" (no handler) or "raise" (SIGTERM to itself, no handler). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_term(int sig)
{
    got = sig;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "pause";
    struct sigaction sa = { .sa_handler = on_term };

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(mode, "raise") == 0) {
        printf("raising SIGTERM\n");
        raise(SIGTERM);
        printf("survived SIGTERM\n");
        return 1;
    }
    if (strcmp(mode, "none") != 0) {
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
    }
    printf("ready\n");
    if (strcmp(mode, "spin") == 0) {
        /* No system call: only the grace period can end this. */
        for (volatile unsigned long i = 0;; i++)
            ;
    }
    for (;;) {
        pause();
        if (got != 0) {
            printf("handler ran for signal %d\n", (int)got);
            if (strcmp(mode, "stubborn") != 0)
                return 0;
            got = 0;
        }
    }
}
