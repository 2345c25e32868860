/* fleet_report.c: what bench/fleet measures of its instances (memory, CPU time, the host's counters) and its JSON report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "fleet.h"

/* The host's memory counters fleet reports the growth of; [0] is MemAvailable. */
static const char *const meminfo_key[FLEET_MEMINFO_N] = {
    "MemAvailable", "AnonPages", "PageTables", "KernelStack", "Slab", "VmallocUsed", "Percpu",
};

void fleet_report_meminfo(long v[FLEET_MEMINFO_N])
{
    FILE *fp = fopen("/proc/meminfo", "r");
    char line[128], key[32];
    long kib;

    for (int k = 0; k < FLEET_MEMINFO_N; k++)
        v[k] = -1;
    while (fp && fgets(line, sizeof line, fp)) {
        if (sscanf(line, "%31[^:]: %ld", key, &kib) != 2)
            continue;
        for (int k = 0; k < FLEET_MEMINFO_N; k++)
            if (strcmp(key, meminfo_key[k]) == 0)
                v[k] = kib;
    }
    if (fp)
        fclose(fp);
}

void fleet_report_tasks(char *why, size_t len)
{
    FILE *fp = fopen("/proc/loadavg", "r");
    long tasks = -1, pid_max = -1, threads_max = -1;

    if (fp) {
        if (fscanf(fp, "%*s %*s %*s %*d/%ld", &tasks) != 1)
            tasks = -1;
        fclose(fp);
    }
    fp = fopen("/proc/sys/kernel/pid_max", "r");
    if (fp) {
        if (fscanf(fp, "%ld", &pid_max) != 1)
            pid_max = -1;
        fclose(fp);
    }
    fp = fopen("/proc/sys/kernel/threads-max", "r");
    if (fp) {
        if (fscanf(fp, "%ld", &threads_max) != 1)
            threads_max = -1;
        fclose(fp);
    }
    /* Linux keeps the lowest 300 pids for after a wrap: pid_max is reached short of it. */
    const char *limit = tasks >= 0 && pid_max > 0 && tasks + 400 >= pid_max ? "kernel.pid_max"
                        : tasks >= 0 && threads_max > 0 && tasks + 100 >= threads_max
                            ? "kernel.threads-max"
                            : "RLIMIT_NPROC or a pids cgroup, it seems";
    snprintf(why, len, "%s: %ld tasks on the host, kernel.pid_max %ld, kernel.threads-max %ld",
             limit, tasks, pid_max, threads_max);
}

long fleet_report_threads(const struct fleet *f)
{
    for (int i = 0; i < f->started; i++) {
        char path[64], line[128];
        long n = 0;
        if (f->inst[i].state != FLEET_READY || f->inst[i].pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%d/status", (int)f->inst[i].pid);
        FILE *fp = fopen(path, "r");
        while (fp && fgets(line, sizeof line, fp))
            if (sscanf(line, "Threads: %ld", &n) == 1)
                break;
        if (fp)
            fclose(fp);
        return n;
    }
    return 0;
}

uint64_t fleet_report_cpu(struct fleet *f, int start, int *n)
{
    uint64_t sum = 0;

    *n = 0;
    for (int i = 0; i < f->started; i++) {
        struct fleet_inst *in = &f->inst[i];
        char path[64];
        unsigned long long ns;
        if (in->state != FLEET_READY || in->pid <= 0 || (!start && !in->cpu_known))
            continue;
        snprintf(path, sizeof path, "/proc/%d/schedstat", (int)in->pid);
        FILE *fp = fopen(path, "r");
        if (fp && fscanf(fp, "%llu", &ns) == 1) {
            if (start) {
                in->cpu_ns = ns;
                in->cpu_known = 1;
            } else if (ns >= in->cpu_ns) {
                sum += ns - in->cpu_ns;
                (*n)++;
            }
        }
        if (fp)
            fclose(fp);
    }
    return sum;
}

int fleet_report_memory(const struct fleet *f, long *rss, long *pss)
{
    int n = 0;

    *rss = *pss = 0;
    for (int i = 0; i < f->started; i++) {
        const struct fleet_inst *in = &f->inst[i];
        char path[64], line[128];
        long r = -1, p = -1;
        if (in->state != FLEET_READY || in->pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)in->pid);
        FILE *fp = fopen(path, "r");
        while (fp && fgets(line, sizeof line, fp)) {
            sscanf(line, "Rss: %ld kB", &r);
            sscanf(line, "Pss: %ld kB", &p);
        }
        if (fp)
            fclose(fp);
        if (r >= 0 && p >= 0) {
            *rss += r;
            *pss += p;
            n++;
        }
    }
    return n;
}

/* s as a JSON string's contents. */
static void json_str(const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
}

/* The distinct reasons instances failed, with counts, most frequent first. */
static void print_failures(const struct fleet *f)
{
    enum { MAX = 16 };
    const char *why[MAX];
    int count[MAX], n = 0;

    for (int i = 0; i < f->started; i++) {
        const struct fleet_inst *in = &f->inst[i];
        const char *w = in->state == FLEET_FAILED ? in->why
                        : in->state == FLEET_WAITING ? "fleet: no answer before --timeout"
                                                     : NULL;
        int k = 0;
        if (!w)
            continue;
        while (k < n && strcmp(why[k], w) != 0)
            k++;
        if (k == n && n == MAX)
            k = MAX - 1, w = "(other reasons)";
        if (k == n) {
            why[n] = w;
            count[n++] = 0;
        }
        count[k]++;
    }
    printf("[");
    for (int done = 0; done < n; done++) {
        int best = 0;
        for (int k = 1; k < n; k++)
            if (count[k] > count[best])
                best = k;
        printf("%s{\"count\": %d, \"why\": \"", done ? ", " : "", count[best]);
        json_str(why[best]);
        printf("\"}");
        count[best] = -1;
    }
    printf("]");
}

static int cmp_u64_ptr(const void *a, const void *b)
{
    return cmp_u64(a, b);
}

void fleet_report_print(const struct fleet *f, const struct fleet_result *r)
{
    uint64_t *t = calloc((size_t)f->started + 1, sizeof *t);
    uint64_t last = r->t0, attempts = 0;
    int ready = 0;

    for (int i = 0; i < f->started; i++) {
        const struct fleet_inst *in = &f->inst[i];
        attempts += in->attempts;
        if (in->t_ready) {
            t[ready++] = in->t_ready - in->t_exec;
            if (in->t_ready > last)
                last = in->t_ready;
        }
    }
    qsort(t, (size_t)ready, sizeof *t, cmp_u64_ptr);
    int div = r->measured ? r->measured : 1;
    printf("{\"name\": \"");
    json_str(r->name);
    printf("\", \"instances\": %d, \"started\": %d, \"ready\": %d, "
           "\"failed\": %d, \"unit\": \"ms\", \"last_exec\": %.1f, \"all_ready\": %.1f, "
           "\"exec_to_ready_p50\": %.1f, \"exec_to_ready_p90\": %.1f, "
           "\"exec_to_ready_max\": %.1f, \"rss_kib_per_instance\": %ld, "
           "\"pss_kib_per_instance\": %ld, \"host_kib_per_instance\": %ld, "
           "\"stop_all\": %.1f, ",
           r->asked, f->started, ready, f->started - ready,
           (r->t_last_exec - r->t0) / 1e6, (last - r->t0) / 1e6,
           ready ? t[(ready - 1) / 2] / 1e6 : 0.0, ready ? t[(ready * 9 - 1) / 10] / 1e6 : 0.0,
           ready ? t[ready - 1] / 1e6 : 0.0, r->rss / div, r->pss / div,
           ready ? (r->before[0] - r->after[0]) / ready : 0, r->stop_ns / 1e6);
    /* Where the host's memory went, per ready instance: the kernel's share. */
    printf("\"host_growth_kib_per_instance\": {");
    for (int k = 1; k < FLEET_MEMINFO_N; k++)
        printf("%s\"%s\": %ld", k > 1 ? ", " : "", meminfo_key[k],
               ready ? (r->after[k] - r->before[k]) / ready : 0);
    /* When each tenth of them had been started: the start rate's trend. */
    printf("}, \"exec_by_tenth\": [");
    for (int k = 1; k <= 10; k++)
        printf("%s%.0f", k > 1 ? ", " : "",
               f->started ? (f->inst[(f->started * k - 1) / 10].t_exec - r->t0) / 1e6 : 0.0);
    printf("], ");
    if (r->idle_cpu_us >= 0)
        printf("\"hold_s\": %d, \"idle_cpu_us_per_s_per_instance\": %.1f, ", r->hold_s,
               r->idle_cpu_us);
    if (r->http)
        printf("\"http_connects_per_instance\": %.1f, ",
               f->started ? (double)attempts / f->started : 0.0);
    printf("\"tasks_per_instance\": %ld, \"stopped_by\": \"", r->tasks);
    json_str(r->stopped_by);
    printf("\", \"failures\": ");
    print_failures(f);
    printf("}\n");
    free(t);
}

