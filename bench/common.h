/* common.h: helpers of the host-side bench tools (boot, tcp, udp): a monotonic clock in nanoseconds, sorting samples, commands taking turns. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* qsort's comparison for uint64_t samples, ascending. */
static inline int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* One command of an interleaved run: its name, argv (NULL-terminated) and samples. */
struct job {
    const char *name;
    char **argv;
    uint64_t *t;
};
#define JOBS_MAX 8

/*
 * Several commands measured side by side take turns, one run each per
 * round, so a shared machine's changing load falls on all of them alike.
 * Split "NAME CMD ARGS... --and NAME CMD ARGS..." into jobs, in place (each
 * --and becomes its command's terminating NULL); the number of jobs.
 */
static inline int jobs_parse(int argc, char **argv, int runs, struct job *jobs)
{
    int n = 0;
    for (int i = 0; i < argc;) {
        if (n == JOBS_MAX || i + 1 >= argc || strcmp(argv[i + 1], "--and") == 0)
            errx(2, "each of at most %d commands needs a NAME and a COMMAND", JOBS_MAX);
        jobs[n] = (struct job){argv[i], argv + i + 1, calloc((size_t)runs, sizeof(uint64_t))};
        for (i++; i < argc && strcmp(argv[i], "--and") != 0; i++)
            ;
        if (i < argc) {
            argv[i++] = NULL; /* the --and */
            if (i == argc)
                errx(2, "nothing after the last --and");
        }
        n++;
    }
    return n;
}

#endif
