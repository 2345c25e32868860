/* boot.c: boot latency: run a command N times, report wall-time percentiles as JSON. */
#include <err.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The p-th percentile (nearest rank) of sorted samples, in microseconds. */
static double pct(const uint64_t *s, int n, int p)
{
    int i = (p * n + 99) / 100 - 1;
    return s[i < 0 ? 0 : i] / 1000.0;
}

int main(int argc, char **argv)
{
    if (argc < 4)
        errx(2, "usage: boot NAME RUNS COMMAND [ARGS...]");
    int runs = atoi(argv[2]);
    if (runs < 1)
        errx(2, "RUNS must be positive");
    uint64_t *t = calloc((size_t)runs, sizeof(*t));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    for (int i = 0; i < runs; i++) {
        pid_t pid;
        int status;
        uint64_t t0 = now_ns();
        if (posix_spawn(&pid, argv[3], &fa, NULL, argv + 3, environ) != 0)
            err(1, "%s", argv[3]);
        if (waitpid(pid, &status, 0) < 0)
            err(1, "waitpid");
        t[i] = now_ns() - t0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            errx(1, "%s: run %d failed (status 0x%x)", argv[3], i, status);
    }
    qsort(t, (size_t)runs, sizeof(*t), cmp_u64);
    printf("{\"name\": \"%s\", \"runs\": %d, \"unit\": \"us\", \"min\": %.1f, "
           "\"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f, \"max\": %.1f}\n",
           argv[1], runs, pct(t, runs, 0), pct(t, runs, 50), pct(t, runs, 90),
           pct(t, runs, 99), t[runs - 1] / 1000.0);
    return 0;
}
