/* boot.c: boot latency: run a command N times, report wall-time percentiles (or phases) as JSON. */
/* With --samples FILE, every run's time (us, sorted) also goes to FILE, one a line, for plots;
   with --and, several commands take turns run by run and each gets its line. */
#include <err.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

extern char **environ;

/* The p-th percentile (nearest rank) of sorted samples, in microseconds. */
static double pct(const uint64_t *s, int n, int p)
{
    int i = (p * n + 99) / 100 - 1;
    return s[i < 0 ? 0 : i] / 1000.0;
}

#define PHASES_MAX 16
static const char *phase_name[PHASES_MAX + 1];
static uint64_t *phase_ns[PHASES_MAX + 1];
static int nphases;

/*
 * Fold one run's "uhvt-boot: NAME NS" lines (uhvt --boot-trace) into
 * per-phase durations: each mark minus the one before, the first minus the
 * spawn time (process start), and the exit minus the last mark.
 */
static void phases_add(int run, int runs, char *text, uint64_t t0, uint64_t t1)
{
    uint64_t prev = t0;
    int i = 0;
    char name[32];
    unsigned long long ns;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (sscanf(line, "uhvt-boot: %31s %llu", name, &ns) != 2 || i == PHASES_MAX)
            continue;
        if (run == 0) {
            phase_name[i] = strdup(name);
            phase_ns[i] = calloc((size_t)runs, sizeof(uint64_t));
        } else if (i >= nphases || strcmp(phase_name[i], name) != 0) {
            errx(1, "run %d: phase %s out of order", run, name);
        }
        phase_ns[i++][run] = ns - prev;
        prev = ns;
    }
    if (run == 0) {
        phase_name[i] = "process_exit";
        phase_ns[i] = calloc((size_t)runs, sizeof(uint64_t));
        nphases = i + 1;
    }
    if (i != nphases - 1)
        errx(1, "run %d: %d phases, expected %d (uhvt --boot-trace?)", run, i,
             nphases - 1);
    phase_ns[i][run] = t1 - prev;
}

int main(int argc, char **argv)
{
    int phases = argc > 1 && strcmp(argv[1], "--phases") == 0;
    argv += phases;
    argc -= phases;
    const char *samples = NULL;
    if (argc > 2 && strcmp(argv[1], "--samples") == 0) {
        samples = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc < 4)
        errx(2, "usage: boot [--phases] [--samples FILE] NAME RUNS COMMAND [ARGS...] "
                "[--and NAME COMMAND [ARGS...]]...");
    int runs = atoi(argv[2]);
    if (runs < 1)
        errx(2, "RUNS must be positive");
    struct job jobs[JOBS_MAX];
    argv[2] = argv[1]; /* NAME, then the command: one shape for every job */
    int njobs = jobs_parse(argc - 2, argv + 2, runs, jobs);
    if (njobs > 1 && (phases || samples != NULL))
        errx(2, "--phases and --samples take one command");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    int pipefd[2] = {-1, -1};
    if (phases) {
        if (pipe(pipefd) < 0)
            err(1, "pipe");
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
        posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    }
    for (int i = 0; i < runs; i++) {
        for (int j = 0; j < njobs; j++) {
            pid_t pid;
            int status;
            char **cmd = jobs[j].argv;
            uint64_t t0 = now_ns();
            if (posix_spawn(&pid, cmd[0], &fa, NULL, cmd, environ) != 0)
                err(1, "%s", cmd[0]);
            if (waitpid(pid, &status, 0) < 0)
                err(1, "waitpid");
            uint64_t t1 = now_ns();
            jobs[j].t[i] = t1 - t0;
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                errx(1, "%s: run %d failed (status 0x%x)", cmd[0], i, status);
            if (phases) {
                /* The trace is a few hundred bytes: it fits the pipe's buffer. */
                char text[4096];
                ssize_t n = read(pipefd[0], text, sizeof(text) - 1);
                text[n > 0 ? n : 0] = '\0';
                phases_add(i, runs, text, t0, t1);
            }
        }
    }
    if (phases) {
        printf("{\"name\": \"%s\", \"runs\": %d, \"unit\": \"us\", \"p50\": {",
               jobs[0].name, runs);
        for (int p = 0; p < nphases; p++) {
            qsort(phase_ns[p], (size_t)runs, sizeof(uint64_t), cmp_u64);
            printf("%s\"%s\": %.1f", p ? ", " : "", phase_name[p],
                   pct(phase_ns[p], runs, 50));
        }
        printf("}}\n");
        return 0;
    }
    for (int j = 0; j < njobs; j++) {
        uint64_t *t = jobs[j].t;
        qsort(t, (size_t)runs, sizeof(*t), cmp_u64);
        if (samples != NULL) {
            FILE *f = fopen(samples, "w");
            if (f == NULL)
                err(1, "%s", samples);
            for (int i = 0; i < runs; i++)
                fprintf(f, "%.1f\n", t[i] / 1000.0);
            fclose(f);
        }
        printf("{\"name\": \"%s\", \"runs\": %d, \"unit\": \"us\", \"min\": %.1f, "
               "\"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f, \"max\": %.1f}\n",
               jobs[j].name, runs, pct(t, runs, 0), pct(t, runs, 50), pct(t, runs, 90),
               pct(t, runs, 99), t[runs - 1] / 1000.0);
    }
    return 0;
}
