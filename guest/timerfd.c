/* timerfd.c: timerfd_create, timerfd_settime and timerfd_gettime: timers read as descriptors. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>

#include "runtime.h"
#include "thread.h"

/*
 * As on Linux: a read returns the expirations since the last read as 8
 * bytes (a shorter buffer is EINVAL) and waits while there are none
 * (EAGAIN if non-blocking); poll says POLLIN when there are some; a write
 * is EINVAL.  Each timer keeps its next expiry on the monotonic clock: a
 * CLOCK_REALTIME timer is converted when it is set (the guest's wall clock
 * never jumps, so TFD_TIMER_CANCEL_ON_SET is accepted and never cancels).
 *
 * Expirations are counted when someone looks: a read, a poll, or the
 * scheduler (timerfd_expire), which also wakes the threads polling when a
 * timer fires and sleeps no longer than the next expiry.
 */

#define TFD_SETTIME_FLAGS (TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)

struct timerfd {
    int used, clock;
    uint64_t next;     /* monotonic ns of the next expiry; 0: disarmed */
    uint64_t interval; /* ns; 0: one-shot */
    uint64_t ticks;    /* expirations not yet read */
    uint32_t gen;      /* bumped on every change, for epoll */
};

static struct timerfd tfds[FD_MAX];
static int tfd_high; /* entries [0, tfd_high) may be in use */

/* Count t's expirations up to `now`; whether there were any. */
static int timerfd_update(struct timerfd *t, uint64_t now)
{
    if (t->next == 0 || now < t->next)
        return 0;
    if (t->interval == 0) {
        t->ticks++;
        t->next = 0;
    } else {
        uint64_t n = 1 + (now - t->next) / t->interval;
        t->ticks += n;
        t->next += n * t->interval;
    }
    t->gen++;
    return 1;
}

uint64_t timerfd_expire(uint64_t now)
{
    uint64_t earliest = UINT64_MAX;

    for (int i = 0; i < tfd_high; i++) {
        struct timerfd *t = &tfds[i];
        if (!t->used)
            continue;
        if (timerfd_update(t, now))
            thread_changed();
        if (t->next != 0 && t->next < earliest)
            earliest = t->next;
    }
    return earliest;
}

static long timerfd_readv(void *obj, const struct iovec *iov, int n, int flags)
{
    struct timerfd *t = obj;
    struct iov_cursor c = { .iov = iov, .n = n };

    if (fd_iov_check(iov, n) < (long)sizeof t->ticks)
        return -EINVAL;
    for (;;) {
        (void)timerfd_update(t, clock_monotonic());
        if (t->ticks > 0)
            break;
        if (flags & O_NONBLOCK)
            return -EAGAIN;
        uint64_t until = t->next != 0 ? t->next : UINT64_MAX;
        if (thread_wait(THREAD_POLL, until) == -EINTR)
            return -EINTR;
    }
    fd_iov_out(&c, &t->ticks, sizeof t->ticks);
    t->ticks = 0;
    t->gen++;
    return sizeof t->ticks;
}

static long timerfd_writev(void *obj, const struct iovec *iov, int n, int flags)
{
    (void)obj;
    (void)iov;
    (void)n;
    (void)flags;
    return -EINVAL;
}

static unsigned timerfd_poll(void *obj, uint32_t *gen)
{
    struct timerfd *t = obj;

    (void)timerfd_update(t, clock_monotonic());
    *gen = t->gen;
    return t->ticks > 0 ? POLLIN : 0;
}

static void timerfd_close(void *obj)
{
    struct timerfd *t = obj;

    t->used = 0;
}

static const struct fd_ops timerfd_ops = {
    .mode = 0600, /* an anonymous inode, as on Linux */
    .access = O_RDWR,
    .readv = timerfd_readv,
    .writev = timerfd_writev,
    .poll = timerfd_poll,
    .close = timerfd_close,
};

long sys_timerfd_create(const long a[6])
{
    int clock = (int)a[0], flags = (int)a[1];

    if ((flags & ~(TFD_CLOEXEC | TFD_NONBLOCK)) ||
        (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME &&
         clock != CLOCK_REALTIME_ALARM && clock != CLOCK_BOOTTIME &&
         clock != CLOCK_BOOTTIME_ALARM))
        return -EINVAL;
    /* The alarm clocks need CAP_WAKE_ALARM, which the guest does not have. */
    if (clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM)
        return -EPERM;
    for (int i = 0; i < FD_MAX; i++) {
        struct timerfd *t = &tfds[i];
        if (t->used)
            continue;
        int fd = fd_alloc(&timerfd_ops, t, flags & (TFD_CLOEXEC | TFD_NONBLOCK));
        if (fd >= 0) {
            *t = (struct timerfd){ .used = 1, .clock = clock };
            if (i >= tfd_high)
                tfd_high = i + 1;
        }
        return fd;
    }
    return -ENFILE;
}

/* The timer's setting as timerfd_gettime reports it. */
static struct itimerspec timerfd_get(struct timerfd *t)
{
    uint64_t now = clock_monotonic();

    (void)timerfd_update(t, now);
    return (struct itimerspec){
        .it_interval = clock_timespec(t->interval),
        .it_value = clock_timespec(t->next == 0 ? 0 : t->next - now),
    };
}

/* Linux's order: the new value (EFAULT), flags and value (EINVAL), the
 * descriptor (EBADF, EINVAL if not a timerfd), then the old value. */
long sys_timerfd_settime(const long a[6])
{
    int flags = (int)a[1];
    const struct itimerspec *in = (const struct itimerspec *)a[2];
    struct itimerspec *old = (struct itimerspec *)a[3];
    uint64_t value, interval;
    long r;

    if (!mem_check(in, sizeof *in))
        return -EFAULT;
    struct itimerspec v = *in;
    if (flags & ~TFD_SETTIME_FLAGS)
        return -EINVAL;
    if ((r = clock_ns(&v.it_value, &value)) < 0 ||
        (r = clock_ns(&v.it_interval, &interval)) < 0)
        return r;
    if (fd_kind(a[0]) == NULL)
        return -EBADF;
    struct timerfd *t = fd_obj(a[0], &timerfd_ops, NULL);
    if (t == NULL)
        return -EINVAL;
    struct itimerspec was = timerfd_get(t);
    uint64_t now = clock_monotonic();
    t->ticks = 0;
    t->interval = interval;
    t->next = 0;
    if (value != 0) {
        if (!(flags & TFD_TIMER_ABSTIME)) {
            t->next = value > UINT64_MAX - now ? UINT64_MAX : now + value;
        } else if (t->clock == CLOCK_REALTIME) {
            uint64_t wall = clock_realtime();
            t->next = value <= wall ? now : now + (value - wall);
        } else {
            t->next = value;
        }
        if (t->next == 0)
            t->next = 1; /* 0 means disarmed; the epoch is long past */
    }
    t->gen++;
    thread_changed();
    if (old != NULL) {
        if (!mem_check(old, sizeof *old))
            return -EFAULT;
        *old = was;
    }
    return 0;
}

long sys_timerfd_gettime(const long a[6])
{
    struct itimerspec *out = (struct itimerspec *)a[1];

    if (fd_kind(a[0]) == NULL)
        return -EBADF;
    struct timerfd *t = fd_obj(a[0], &timerfd_ops, NULL);
    if (t == NULL)
        return -EINVAL;
    if (!mem_check(out, sizeof *out))
        return -EFAULT;
    *out = timerfd_get(t);
    return 0;
}
