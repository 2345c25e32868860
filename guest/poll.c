/* poll.c: poll, ppoll, select and pselect6 over every kind of descriptor. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include "runtime.h"
#include "sigstate.h"
#include "thread.h"

#define NSEC_PER_MSEC 1000000ULL

uint64_t poll_deadline_ms(long timeout_ms)
{
    if (timeout_ms < 0)
        return UINT64_MAX;
    return clock_monotonic() + (uint64_t)timeout_ms * NSEC_PER_MSEC;
}

/* A relative timeout (NULL: none) as a monotonic deadline, or -errno. */
static long poll_deadline_ts(const struct timespec *ts, uint64_t *deadline)
{
    uint64_t ns, now = clock_monotonic();
    long r;

    if (ts == NULL) {
        *deadline = UINT64_MAX;
        return 0;
    }
    if ((r = clock_ns(ts, &ns)) < 0)
        return r;
    *deadline = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
    return 0;
}

/*
 * Other threads run while this one waits (thread.c); an expired deadline
 * gets its round of network progress and lets them run once, so a loop of
 * zero-timeout polls does not starve them.  A wait ended by thread_kick
 * (a signal) is -EINTR.
 */
long poll_until(long (*try)(void *ctx), void *ctx, long again, uint64_t deadline)
{
    for (int last = 0;;) {
        long r = try(ctx);
        if (r != again || last)
            return r;
        last = clock_monotonic() >= deadline;
        if (last) {
            tcpip_wait(0);
            (void)thread_yield();
        } else {
            (void)thread_wait(THREAD_POLL, deadline);
        }
        if (signal_interrupting())
            return signal_eintr();
    }
}

struct poll_set {
    struct pollfd *p;
    unsigned long n;
};

/* One scan of a poll set: how many descriptors are ready. */
static long poll_scan(void *ctx)
{
    struct poll_set *set = ctx;
    long ready = 0;

    for (unsigned long i = 0; i < set->n; i++) {
        struct pollfd *p = &set->p[i];
        uint32_t gen;
        unsigned r;

        if (p->fd < 0) {
            p->revents = 0;
            continue;
        }
        r = fd_poll(p->fd, &gen);
        r &= (unsigned)(unsigned short)p->events | POLLERR | POLLHUP | POLLNVAL;
        p->revents = (short)r;
        ready += r != 0;
    }
    return ready;
}

/* Scan until something is ready or the deadline passes. */
static long poll_fds(struct pollfd *p, unsigned long n, uint64_t deadline)
{
    struct poll_set set = { p, n };

    return poll_until(poll_scan, &set, 0, deadline);
}

static long poll_checked(struct pollfd *p, unsigned long n, uint64_t deadline)
{
    if (n > FD_MAX)
        return -EINVAL;
    /* poll(NULL, 0, ms) is a common way to sleep. */
    if (n > 0 && !mem_check(p, n * sizeof *p))
        return -EFAULT;
    return poll_fds(p, n, deadline);
}

long sys_poll(const long a[6])
{
    return poll_checked((struct pollfd *)a[0], (unsigned long)a[1],
                        poll_deadline_ms((int)a[2]));
}

long sys_ppoll(const long a[6])
{
    uint64_t deadline;
    long r = poll_deadline_ts((const struct timespec *)a[2], &deadline);

    if (r == 0)
        r = signal_mask_during((const void *)a[3], (unsigned long)a[4]);
    return r < 0 ? r : poll_checked((struct pollfd *)a[0],
                                    (unsigned long)a[1], deadline);
}

struct select_set {
    int n;
    fd_set in[3], out[3]; /* read, write, exceptional */
};

/*
 * One scan of a select set, in terms of readiness: readable on input, end
 * of file, error or hang-up, as Linux reports them; writable on space or
 * error.  How many are ready, or -EBADF.
 */
static long select_scan(void *ctx)
{
    struct select_set *set = ctx;
    const fd_set *in = set->in;
    fd_set *out = set->out;
    long ready = 0;

    memset(out, 0, sizeof set->out);
    for (int fd = 0; fd < set->n; fd++) {
        int want = FD_ISSET(fd, &in[0]) || FD_ISSET(fd, &in[1]) ||
                   FD_ISSET(fd, &in[2]);
        uint32_t gen;

        if (!want)
            continue;
        unsigned r = fd_poll(fd, &gen);
        if (r & POLLNVAL)
            return -EBADF;
        if (FD_ISSET(fd, &in[0]) && (r & (POLLIN | POLLHUP | POLLERR))) {
            FD_SET(fd, &out[0]);
            ready++;
        }
        if (FD_ISSET(fd, &in[1]) && (r & (POLLOUT | POLLERR))) {
            FD_SET(fd, &out[1]);
            ready++;
        }
        if (FD_ISSET(fd, &in[2]) && (r & POLLPRI)) {
            FD_SET(fd, &out[2]);
            ready++;
        }
    }
    return ready;
}

/* Scan until something is ready or the deadline passes; then the sets
 * say what is. */
static long select_fds(int n, fd_set *rd, fd_set *wr, fd_set *ex,
                       uint64_t deadline)
{
    struct select_set set;
    fd_set *sets[3] = { rd, wr, ex };

    if (n < 0 || n > FD_SETSIZE)
        return -EINVAL;
    set.n = n;
    for (int k = 0; k < 3; k++) {
        if (sets[k] != NULL && !mem_check(sets[k], sizeof(fd_set)))
            return -EFAULT;
        if (sets[k] != NULL)
            memcpy(&set.in[k], sets[k], sizeof(fd_set));
        else
            memset(&set.in[k], 0, sizeof(fd_set));
    }
    long ready = poll_until(select_scan, &set, 0, deadline);
    if (ready >= 0)
        for (int k = 0; k < 3; k++)
            if (sets[k] != NULL)
                memcpy(sets[k], &set.out[k], sizeof(fd_set));
    return ready;
}

long sys_select(const long a[6])
{
    const struct timeval *tv = (const struct timeval *)a[4];
    uint64_t deadline = UINT64_MAX;

    if (tv != NULL) {
        if (!mem_check(tv, sizeof *tv))
            return -EFAULT;
        if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
            return -EINVAL;
        struct timespec ts = { tv->tv_sec, tv->tv_usec * 1000 };
        long r = poll_deadline_ts(&ts, &deadline);
        if (r < 0)
            return r;
    }
    return select_fds((int)a[0], (fd_set *)a[1], (fd_set *)a[2],
                      (fd_set *)a[3], deadline);
}

long sys_pselect6(const long a[6])
{
    uint64_t deadline;
    long r = poll_deadline_ts((const struct timespec *)a[4], &deadline);
    /* The mask comes as {const sigset_t *, size_t}, which may be NULL. */
    const unsigned long *m = (const unsigned long *)a[5];

    if (r == 0 && m != NULL)
        r = mem_check(m, 2 * sizeof *m) ? signal_mask_during((const void *)m[0], m[1])
                                        : -EFAULT;
    return r < 0 ? r : select_fds((int)a[0], (fd_set *)a[1], (fd_set *)a[2],
                                  (fd_set *)a[3], deadline);
}
