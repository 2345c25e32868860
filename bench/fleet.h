/* fleet.h: what bench/fleet's parts share: one instance's state, the run's, what it measured; the prober's and the report's entry points. */
#ifndef BENCH_FLEET_H
#define BENCH_FLEET_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/types.h>

enum fleet_state { FLEET_WAITING, FLEET_READY, FLEET_FAILED };

/* One started instance.  Times are CLOCK_MONOTONIC nanoseconds. */
struct fleet_inst {
    pid_t pid;              /* 0 once reaped */
    int out;                /* read end of its stdout and stderr; -1 after EOF */
    int sock;               /* the HTTP attempt in flight, or -1 */
    enum fleet_state state;
    int sent;               /* the request is written; the answer is awaited */
    int kicked;             /* it printed --kick's line: ask it now */
    int cpu_known;          /* cpu_ns holds its CPU time at the start of --hold */
    uint64_t cpu_ns;
    unsigned attempts;      /* HTTP connections tried so far */
    uint64_t t_exec;        /* just before its posix_spawn */
    uint64_t t_ready;       /* its ready line, or the first bytes of its answer */
    uint64_t next_try;      /* no attempt in flight: when the next may start */
    uint64_t deadline;      /* an attempt in flight: when it is given up */
    struct sockaddr_in addr; /* where it serves HTTP (--http) */
    unsigned line_len;
    char line[128];         /* the output line being read */
    char why[128];          /* why it failed: its first "uhvt: " line, or ours */
};

/* The run. */
struct fleet {
    struct fleet_inst *inst;
    int started;            /* inst[0..started) exist */
    int waiting;            /* how many of them are FLEET_WAITING */
    int failed;             /* how many ended or failed, ready or not */
    int epfd;
    int inflight;           /* HTTP attempts open */
    int max_inflight;       /* --inflight */
    uint64_t retry_ns;      /* --retry-us: the first attempt's patience */
    uint64_t retry_max_ns;  /* it doubles per attempt up to this */
    uint64_t kick_wait_ns;  /* --kick: ask one not kicked only this long after its exec */
    int cursor;             /* where the next scan for due attempts begins */
};

/* Move an instance from FLEET_WAITING to s (at most once); ready at `now`. */
static inline void fleet_settle(struct fleet *f, struct fleet_inst *in, enum fleet_state s,
                                uint64_t now)
{
    if (in->state != FLEET_WAITING)
        return;
    f->waiting--;
    in->state = s;
    if (s == FLEET_READY)
        in->t_ready = now;
    else
        f->failed++;
}

/* The host's memory counters in a report: MemAvailable first, then what grows. */
#define FLEET_MEMINFO_N 7

/* What a run measured, for fleet_report_print.  Times in ns. */
struct fleet_result {
    const char *name;       /* the result's name */
    int asked;              /* instances asked for */
    int http;               /* ready by HTTP: report the connections tried */
    int hold_s;             /* --hold */
    uint64_t t0, t_last_exec, stop_ns;
    double idle_cpu_us;     /* per second and instance over --hold; < 0: none */
    long before[FLEET_MEMINFO_N], after[FLEET_MEMINFO_N]; /* KiB, at start and end */
    long rss, pss;          /* KiB, summed over `measured` instances */
    int measured;
    long tasks;             /* threads of one instance */
    const char *stopped_by; /* why no more were started */
};

/* epoll's data of an instance's output pipe and of its HTTP socket. */
#define FLEET_EV_OUT(i) ((uint64_t)(i) << 1)
#define FLEET_EV_SOCK(i) ((uint64_t)(i) << 1 | 1)

/* fleet_http.c: ADDR:PORT into *sa; -1 if it is not one. */
int fleet_http_parse(const char *s, struct sockaddr_in *sa);
/* Open connections to the waiting instances that are due, while slots are free. */
void fleet_http_start(struct fleet *f, uint64_t now);
/* An event on inst[i]'s socket: connected, answered, refused. */
void fleet_http_event(struct fleet *f, int i, uint32_t events, uint64_t now);
/* Give up attempts past their deadline; the next time something is due. */
uint64_t fleet_http_expire(struct fleet *f, uint64_t now);
/* Close inst[i]'s attempt, if any. */
void fleet_http_close(struct fleet *f, int i);

/* fleet_report.c: the host's memory counters (KiB; -1 where absent). */
void fleet_report_meminfo(long v[FLEET_MEMINFO_N]);
/* What stopped a process from starting with EAGAIN: the host's task count against its limits. */
void fleet_report_tasks(char *why, size_t len);
/* Threads (tasks) of the first live ready instance; 0 if none. */
long fleet_report_threads(const struct fleet *f);
/*
 * --hold's CPU time: at its start (start != 0) note every live ready
 * instance's; at its end, the ns those still running used since, summed,
 * and how many in *n.
 */
uint64_t fleet_report_cpu(struct fleet *f, int start, int *n);
/* Rss and Pss of every live ready instance, summed, in KiB; how many. */
int fleet_report_memory(const struct fleet *f, long *rss, long *pss);
/* One JSON line on stdout. */
void fleet_report_print(const struct fleet *f, const struct fleet_result *r);

#endif
