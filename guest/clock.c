/* clock.c: clocks from the TSC, the wall clock, and sleeping. */
#include <errno.h>
#include <sys/time.h>
#include <time.h>

#include "cpu.h"
#include "hypercall.h"
#include "runtime.h"
#include "sigstate.h"
#include "thread.h"
#include "uhvt.h"

#define NSEC_PER_SEC 1000000000ULL

/*
 * Monotonic time is TSC ticks since boot scaled by the frequency the monitor
 * measured.  Wall time is the host's clock, read once at boot, advanced by
 * the monotonic clock: it never jumps, and it drifts as the TSC does.
 */
static struct {
    uint64_t tsc0;    /* TSC at boot, or at the restore */
    uint64_t freq;    /* ticks per second */
    uint64_t wall0;   /* wall-clock ns at monotonic 0 */
    uint64_t idle;    /* TSC ticks since tsc0 spent waiting in UHVT_HC_POLL */
    uint64_t base;    /* monotonic ns at tsc0: 0, or where a restore resumed */
    uint64_t cpu_base; /* CPU time ns at tsc0 */
} clk;

/* a * b / c with a 128-bit product; saturates if the quotient needs more. */
static uint64_t clock_muldiv(uint64_t a, uint64_t b, uint64_t c)
{
    unsigned __int128 p = (unsigned __int128)a * b;
    uint64_t hi = (uint64_t)(p >> 64), q, r;

    if (hi >= c)
        return UINT64_MAX; /* divq would raise #DE */
    /* divq, not __udivti3: libgcc is not ours to keep off vector registers. */
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"((uint64_t)p), "d"(hi), "rm"(c));
    return q;
}

void clock_init(const struct uhvt_boot_info *bi)
{
    if (bi->tsc_freq == 0)
        hypercall_abort("uhvt: the monitor gave no TSC frequency");
    clk.freq = bi->tsc_freq;
    clk.tsc0 = cpu_rdtsc();

    struct uhvt_hc_walltime w = { 0 };
    hypercall(UHVT_HC_WALLTIME, &w);
    clk.wall0 = w.nsecs - clock_monotonic();
}

uint64_t clock_monotonic(void)
{
    return clk.base + clock_muldiv(cpu_rdtsc() - clk.tsc0, NSEC_PER_SEC, clk.freq);
}

/*
 * A restored snapshot runs on another vCPU, whose TSC (and perhaps its
 * frequency) has nothing to do with the old one's: start counting again
 * from here.  Monotonic time resumes where the snapshot stopped plus the
 * wall-clock time that passed since (a snapshot is a suspended machine
 * whose clock kept running: timers that fell due meanwhile fire at once);
 * wall time is the host's again.
 */
void clock_restore(uint64_t tsc_freq, uint64_t mono_then, uint64_t cpu_then)
{
    uint64_t wall_then = clk.wall0 + mono_then;
    struct uhvt_hc_walltime w = { 0 };

    clk.freq = tsc_freq;
    clk.tsc0 = cpu_rdtsc();
    hypercall(UHVT_HC_WALLTIME, &w);
    clk.base = mono_then + (w.nsecs > wall_then ? w.nsecs - wall_then : 0);
    clk.cpu_base = cpu_then;
    clk.idle = 0;
    clk.wall0 = w.nsecs - clk.base;
}

uint64_t clock_realtime(void)
{
    return clk.wall0 + clock_monotonic();
}

PUBLIC uint64_t uhvt_clock_monotonic(void)
{
    return clock_monotonic();
}

/*
 * The vCPU runs nothing but this guest, so its CPU time is the time since
 * boot less the time it spent halted in the monitor waiting for input or
 * a deadline.  (The monitor's work on the guest's behalf, such as console
 * output, counts as the guest's, much as Linux counts system time.)
 */
uint64_t clock_cpu(void)
{
    return clk.cpu_base + clock_muldiv(cpu_rdtsc() - clk.tsc0 - clk.idle,
                                       NSEC_PER_SEC, clk.freq);
}

/* A real-time timer's signal (itimer.c) ends every wait in time. */
void clock_poll(struct uhvt_hc_poll *p)
{
    uint64_t t0 = cpu_rdtsc();
    uint64_t timer = itimer_deadline();

    if (timer != UINT64_MAX) {
        uint64_t now = clock_monotonic();
        uint64_t left = timer > now ? timer - now : 0;
        if (left < p->timeout_ns)
            p->timeout_ns = left;
    }
    p->flags |= console_poll_flags();

    hypercall(UHVT_HC_POLL, p);
    clk.idle += cpu_rdtsc() - t0;
    console_polled(p->ready);
}

void clock_sleep_until(uint64_t deadline_ns)
{
    /* tcpip_wait's sleep without a network: a --snapshot-idle ready point. */
    if (clock_monotonic() < deadline_ns && snapshot_idle())
        return;
    for (;;) {
        uint64_t now = clock_monotonic();
        if (now >= deadline_ns || signal_interrupting())
            return;
        /* Returns early when a device has input; just wait again. */
        struct uhvt_hc_poll p = { .timeout_ns = deadline_ns - now };
        clock_poll(&p);
        if (p.ready & UHVT_POLL_READY_STDIN)
            return;
    }
}

/* The time on clock `id` (runtime.h). */
long clock_read(long id, uint64_t *ns)
{
    switch (id) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_TAI:
        *ns = clk.wall0 + clock_monotonic();
        return 0;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
        *ns = clock_monotonic();
        return 0;
    case CLOCK_PROCESS_CPUTIME_ID:
        *ns = clock_cpu();
        return 0;
    case CLOCK_THREAD_CPUTIME_ID:
        *ns = thread_cpu();
        return 0;
    default:
        return -EINVAL;
    }
}

struct timespec clock_timespec(uint64_t ns)
{
    return (struct timespec){ .tv_sec = (time_t)(ns / NSEC_PER_SEC),
                              .tv_nsec = (long)(ns % NSEC_PER_SEC) };
}

/* A valid timespec as ns (saturating), or -EINVAL. */
long clock_ns(const struct timespec *ts, uint64_t *ns)
{
    if (!mem_check(ts, sizeof *ts))
        return -EFAULT;
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long)NSEC_PER_SEC)
        return -EINVAL;
    uint64_t sec = (uint64_t)ts->tv_sec;
    if (sec > (UINT64_MAX - NSEC_PER_SEC) / NSEC_PER_SEC)
        *ns = UINT64_MAX;
    else
        *ns = sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
    return 0;
}

long sys_clock_gettime(const long a[6])
{
    struct timespec *ts = (struct timespec *)a[1];
    uint64_t ns;
    long r = clock_read(a[0], &ns);

    if (r < 0)
        return r;
    if (!mem_check(ts, sizeof *ts))
        return -EFAULT;
    *ts = clock_timespec(ns);
    return 0;
}

long sys_clock_getres(const long a[6])
{
    struct timespec *res = (struct timespec *)a[1];
    uint64_t ns;
    long r = clock_read(a[0], &ns);

    if (r < 0)
        return r;
    if (res != NULL) {
        if (!mem_check(res, sizeof *res))
            return -EFAULT;
        *res = (struct timespec){ .tv_sec = 0, .tv_nsec = 1 };
    }
    return 0;
}

long sys_gettimeofday(const long a[6])
{
    struct timeval *tv = (struct timeval *)a[0];
    struct timezone *tz = (struct timezone *)a[1];
    uint64_t ns = clk.wall0 + clock_monotonic();

    if (tv != NULL) {
        if (!mem_check(tv, sizeof *tv))
            return -EFAULT;
        tv->tv_sec = (time_t)(ns / NSEC_PER_SEC);
        tv->tv_usec = (suseconds_t)(ns % NSEC_PER_SEC / 1000);
    }
    if (tz != NULL) {
        if (!mem_check(tz, sizeof *tz))
            return -EFAULT;
        *tz = (struct timezone){ 0 };
    }
    return 0;
}

long sys_time(const long a[6])
{
    time_t *t = (time_t *)a[0];
    time_t now = (time_t)((clk.wall0 + clock_monotonic()) / NSEC_PER_SEC);

    if (t != NULL) {
        if (!mem_check(t, sizeof *t))
            return -EFAULT;
        *t = now;
    }
    return now;
}

/*
 * A sleep blocks only its thread.  A signal to handle ends a sleep with EINTR and, for a relative one, the
 * time left in `rem` (Linux's restart_syscall is not used: SA_RESTART does
 * not resume a sleep, as for Linux's nanosleep with a handler).
 * An absolute sleep converts its deadline to the monotonic clock once; a
 * wall deadline therefore does not follow host clock changes.
 */
static long clock_sleep(long id, int abstime, const struct timespec *req,
                        struct timespec *rem)
{
    uint64_t want, now;
    long r;

    switch (id) {
    case CLOCK_REALTIME:
    case CLOCK_TAI:
    case CLOCK_MONOTONIC:
    case CLOCK_BOOTTIME:
    case CLOCK_PROCESS_CPUTIME_ID:
        break;
    case CLOCK_THREAD_CPUTIME_ID:
        return -EINVAL;
    default:
        return clock_read(id, &now) < 0 ? -EINVAL : -ENOTSUP;
    }
    if ((r = clock_ns(req, &want)) < 0)
        return r;
    (void)clock_read(id, &now);
    uint64_t mono = clock_monotonic();
    if (abstime)
        want = want > now ? want - now : 0;
    /* The network stack, if any, keeps running while the program sleeps. */
    uint64_t until = want > UINT64_MAX - mono ? UINT64_MAX : mono + want;
    while ((mono = clock_monotonic()) < until) {
        /* A polling wait: it looks for a signal after every idle round. */
        (void)thread_wait(THREAD_POLL, until);
        if (signal_interrupting()) {
            mono = clock_monotonic();
            if (rem != NULL && !abstime && mem_check(rem, sizeof *rem))
                *rem = clock_timespec(until > mono ? until - mono : 0);
            return signal_eintr();
        }
    }
    return 0;
}

long sys_nanosleep(const long a[6])
{
    return clock_sleep(CLOCK_MONOTONIC, 0, (const struct timespec *)a[0],
                       (struct timespec *)a[1]);
}

long sys_clock_nanosleep(const long a[6])
{
    return clock_sleep(a[0], (int)(a[1] & TIMER_ABSTIME),
                       (const struct timespec *)a[2], (struct timespec *)a[3]);
}

/* Other threads first; alone, a round trip to the monitor as before. */
long sys_sched_yield(const long a[6])
{
    (void)a;
    if (thread_yield())
        return 0;
    struct uhvt_hc_poll p = { .timeout_ns = 0 };
    clock_poll(&p);
    return 0;
}
