/* itimer.c: alarm, setitimer/getitimer and the POSIX timers: deadlines that generate signals. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "runtime.h"
#include "sigstate.h"

/*
 * Each timer counts on the monotonic clock (real time: ITIMER_REAL, and the
 * REALTIME, MONOTONIC, BOOTTIME and TAI POSIX clocks) or on the CPU clock
 * (ITIMER_VIRTUAL and ITIMER_PROF, which are the same here: the runtime's
 * work is the process's, and the CPU-time POSIX clocks).  An absolute
 * REALTIME expiry becomes a monotonic one when it is set, so it does not
 * follow a later change of the host's clock.
 *
 * A timer fires where the runtime has control (signal.c): at system-call
 * return, and in blocking waits, which the real-time timers cut short
 * (itimer_deadline).  A CPU-time timer cannot expire during a wait.
 * Expiries missed in between count as overruns, as on Linux.
 */

#define NSEC_PER_SEC 1000000000ULL
#define TIMERS_MAX 32        /* POSIX timers; timer_create fails with EAGAIN */
#define SLOT_ITIMER TIMERS_MAX /* then ITIMER_REAL, _VIRTUAL, _PROF */
#define SLOTS (TIMERS_MAX + 3)

struct itimer {
    int used;
    int cpu;          /* counts on clock_cpu() */
    long clock;       /* the POSIX clock it was created on */
    uint64_t expiry;  /* on its clock, ns; 0: disarmed */
    uint64_t interval;
    int notify, sig;
    union sigval value;
    int overrun;      /* expiries since its signal was generated */
    int last_overrun; /* of the last one delivered: timer_getoverrun */
    int queued;       /* its signal is pending */
};

static struct itimer timers[SLOTS];
/* The earliest monotonic expiry, and whether any CPU-time timer is armed. */
static uint64_t next_mono = UINT64_MAX;
static int cpu_armed;

/* The kernel's struct sigevent, as musl passes it. */
struct ksigevent {
    union sigval value;
    int signo;
    int notify;
    int tid;
};

static uint64_t itimer_now(const struct itimer *t)
{
    return t->cpu ? clock_cpu() : clock_monotonic();
}

static void itimer_update(void)
{
    next_mono = UINT64_MAX;
    cpu_armed = 0;
    for (int i = 0; i < SLOTS; i++) {
        const struct itimer *t = &timers[i];
        if (!t->used || t->expiry == 0)
            continue;
        if (t->cpu)
            cpu_armed = 1;
        else if (t->expiry < next_mono)
            next_mono = t->expiry;
    }
}

static void itimer_expire(int i, struct itimer *t, uint64_t now)
{
    uint64_t n = 1;

    if (t->interval != 0) {
        n += (now - t->expiry) / t->interval;
        t->expiry += n * t->interval;
    } else {
        t->expiry = 0;
    }
    if (n > INT32_MAX)
        n = INT32_MAX;
    if (i >= SLOT_ITIMER) {
        /* The kernel sends these itself (SI_KERNEL), without overruns. */
        siginfo_t si = { .si_code = SI_KERNEL };
        signal_send(t->sig, &si, 0);
        return;
    }
    if (t->notify == SIGEV_NONE)
        return;
    if (t->queued) {
        t->overrun = t->overrun + (int)n < 0 ? INT32_MAX : t->overrun + (int)n;
        return;
    }
    t->overrun = (int)n - 1;
    siginfo_t si = { .si_code = SI_TIMER };
    si.si_timerid = i;
    si.si_value = t->value;
    t->queued = 1;
    signal_send(t->sig, &si, t->notify == SIGEV_THREAD_ID);
}

void itimer_fire(void)
{
    if (next_mono == UINT64_MAX && !cpu_armed)
        return;
    uint64_t mono = clock_monotonic();
    if (mono < next_mono && !cpu_armed)
        return;
    uint64_t cpu = cpu_armed ? clock_cpu() : 0;
    for (int i = 0; i < SLOTS; i++) {
        struct itimer *t = &timers[i];
        if (t->used && t->expiry != 0 && (t->cpu ? cpu : mono) >= t->expiry)
            itimer_expire(i, t, t->cpu ? cpu : mono);
    }
    itimer_update();
}

uint64_t itimer_deadline(void)
{
    return next_mono;
}

int itimer_overrun(int id)
{
    if (id < 0 || id >= TIMERS_MAX)
        return 0;
    struct itimer *t = &timers[id];
    t->last_overrun = t->overrun;
    t->overrun = 0;
    t->queued = 0;
    return t->last_overrun;
}

/* Arm (value != 0) or disarm timer `t`, `value` ns from now on its clock. */
static void itimer_arm(struct itimer *t, uint64_t value, uint64_t interval)
{
    uint64_t now = itimer_now(t);

    t->interval = interval;
    t->expiry = value == 0 ? 0 : value > UINT64_MAX - now ? UINT64_MAX : now + value;
    itimer_update();
}

/* What is left of `t`: 0 when disarmed, at least 1 ns when armed. */
static uint64_t itimer_left(const struct itimer *t)
{
    uint64_t now = itimer_now(t);

    if (t->expiry == 0)
        return 0;
    return t->expiry > now ? t->expiry - now : 1;
}

static uint64_t itimer_tv_ns(const struct timeval *tv)
{
    return (uint64_t)tv->tv_sec * NSEC_PER_SEC + (uint64_t)tv->tv_usec * 1000;
}

static struct timeval itimer_ns_tv(uint64_t ns)
{
    /* Up to the next microsecond, so that an armed timer never reads 0. */
    ns += 999;
    return (struct timeval){ .tv_sec = (time_t)(ns / NSEC_PER_SEC),
                             .tv_usec = (suseconds_t)(ns % NSEC_PER_SEC / 1000) };
}

static int itimer_tv_valid(const struct timeval *tv)
{
    return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000 &&
           (uint64_t)tv->tv_sec < UINT64_MAX / NSEC_PER_SEC / 2;
}

static struct itimer *itimer_which(long which)
{
    static const int sigs[] = { SIGALRM, SIGVTALRM, SIGPROF };

    if (which < ITIMER_REAL || which > ITIMER_PROF)
        return NULL;
    struct itimer *t = &timers[SLOT_ITIMER + which];
    t->used = 1;
    t->cpu = which != ITIMER_REAL;
    t->sig = sigs[which];
    return t;
}

static void itimer_get(const struct itimer *t, struct itimerval *out)
{
    out->it_value = itimer_ns_tv(itimer_left(t));
    out->it_interval = t->interval == 0 ? (struct timeval){0, 0}
                                        : itimer_ns_tv(t->interval - 999);
}

long sys_getitimer(const long a[6])
{
    struct itimerval *out = (struct itimerval *)a[1];
    struct itimer *t = itimer_which(a[0]);

    if (t == NULL)
        return -EINVAL;
    if (!mem_check(out, sizeof *out))
        return -EFAULT;
    itimer_get(t, out);
    return 0;
}

/* A NULL new value disarms, as Linux still accepts. */
long sys_setitimer(const long a[6])
{
    const struct itimerval *in = (const struct itimerval *)a[1];
    struct itimerval *old = (struct itimerval *)a[2], want = {0};
    struct itimer *t = itimer_which(a[0]);

    if (t == NULL)
        return -EINVAL;
    if (in != NULL) {
        if (!mem_check(in, sizeof *in))
            return -EFAULT;
        want = *in;
        if (!itimer_tv_valid(&want.it_value) || !itimer_tv_valid(&want.it_interval))
            return -EINVAL;
    }
    if (old != NULL) {
        if (!mem_check(old, sizeof *old))
            return -EFAULT;
        itimer_get(t, old);
    }
    itimer_arm(t, itimer_tv_ns(&want.it_value), itimer_tv_ns(&want.it_interval));
    return 0;
}

/* Linux rounds what was left to the nearest second, and never to 0. */
long sys_alarm(const long a[6])
{
    struct itimer *t = itimer_which(ITIMER_REAL);
    struct itimerval old;
    unsigned secs = (unsigned)a[0];

    itimer_get(t, &old);
    itimer_arm(t, (uint64_t)secs * NSEC_PER_SEC, 0);
    if ((old.it_value.tv_sec == 0 && old.it_value.tv_usec != 0) ||
        old.it_value.tv_usec >= 500000)
        old.it_value.tv_sec++;
    return old.it_value.tv_sec;
}

long sys_timer_create(const long a[6])
{
    long clock = a[0];
    const struct ksigevent *ev = (const struct ksigevent *)a[1];
    int *id = (int *)a[2];
    struct ksigevent e = { .signo = SIGALRM, .notify = SIGEV_SIGNAL };
    int i;

    switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_BOOTTIME:
    case CLOCK_TAI:
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
        break;
    default:
        return -EINVAL;
    }
    if (ev != NULL) {
        if (!mem_check(ev, sizeof *ev))
            return -EFAULT;
        e = *ev;
        if (e.notify != SIGEV_SIGNAL && e.notify != SIGEV_NONE &&
            e.notify != SIGEV_THREAD_ID)
            return -EINVAL;
        if (e.notify == SIGEV_THREAD_ID && e.tid != 1)
            return -EINVAL;
        if (e.notify != SIGEV_NONE && (e.signo < 1 || e.signo > SIGNAL_MAX))
            return -EINVAL;
    }
    if (!mem_check(id, sizeof *id))
        return -EFAULT;
    for (i = 0; i < TIMERS_MAX && timers[i].used; i++)
        ;
    if (i == TIMERS_MAX)
        return -EAGAIN;
    if (ev == NULL)
        e.value.sival_int = i;
    timers[i] = (struct itimer){
        .used = 1,
        .cpu = clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID,
        .clock = clock,
        .notify = e.notify,
        .sig = e.signo,
        .value = e.value,
    };
    *id = i;
    return 0;
}

static struct itimer *itimer_posix(long id)
{
    if (id < 0 || id >= TIMERS_MAX || !timers[id].used)
        return NULL;
    return &timers[id];
}

static void itimer_spec(const struct itimer *t, struct itimerspec *out)
{
    uint64_t left = itimer_left(t);

    out->it_value = (struct timespec){ (time_t)(left / NSEC_PER_SEC),
                                       (long)(left % NSEC_PER_SEC) };
    out->it_interval = (struct timespec){ (time_t)(t->interval / NSEC_PER_SEC),
                                          (long)(t->interval % NSEC_PER_SEC) };
}

long sys_timer_settime(const long a[6])
{
    struct itimer *t = itimer_posix(a[0]);
    const struct itimerspec *in = (const struct itimerspec *)a[2];
    struct itimerspec *old = (struct itimerspec *)a[3];
    uint64_t value, interval, now;
    long r;

    if (t == NULL || in == NULL)
        return -EINVAL;
    if ((r = clock_ns(&in->it_value, &value)) < 0 ||
        (r = clock_ns(&in->it_interval, &interval)) < 0)
        return r;
    if (old != NULL) {
        if (!mem_check(old, sizeof *old))
            return -EFAULT;
        itimer_spec(t, old);
    }
    t->last_overrun = 0; /* as Linux, which counts afresh */
    if (value != 0 && (a[1] & TIMER_ABSTIME)) {
        (void)clock_read(t->clock, &now);
        value = value > now ? value - now : 1;
    }
    itimer_arm(t, value, interval);
    return 0;
}

long sys_timer_gettime(const long a[6])
{
    struct itimer *t = itimer_posix(a[0]);
    struct itimerspec *out = (struct itimerspec *)a[1];

    if (t == NULL)
        return -EINVAL;
    if (!mem_check(out, sizeof *out))
        return -EFAULT;
    itimer_spec(t, out);
    return 0;
}

long sys_timer_getoverrun(const long a[6])
{
    struct itimer *t = itimer_posix(a[0]);

    return t == NULL ? -EINVAL : t->last_overrun;
}

long sys_timer_delete(const long a[6])
{
    struct itimer *t = itimer_posix(a[0]);

    if (t == NULL)
        return -EINVAL;
    *t = (struct itimer){0};
    itimer_update();
    return 0;
}
