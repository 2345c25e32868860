/* eventfd.c: eventfd counters: read takes the count (or one), write adds to it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/uio.h>

#include "runtime.h"

/*
 * As on Linux: reads and writes move exactly 8 bytes (a shorter buffer is
 * EINVAL); a read of zero waits (EAGAIN if non-blocking), else returns the
 * count and zeroes it, or in semaphore mode returns 1 and decrements it; a
 * write that would take the count past UINT64_MAX - 1 waits (EAGAIN), and
 * UINT64_MAX itself is EINVAL.  The counters are a fixed table: there are
 * never more than descriptors.
 */

#define EVENTFD_MAX_COUNT (UINT64_MAX - 1)

struct eventfd {
    uint64_t count;
    int used, semaphore;
    uint32_t gen; /* bumped on every change, for epoll */
};

static struct eventfd efds[FD_MAX];

static long eventfd_readv(void *obj, const struct iovec *iov, int n, int flags)
{
    struct eventfd *e = obj;
    struct iov_cursor c = { .iov = iov, .n = n };

    if (fd_iov_check(iov, n) < (long)sizeof e->count)
        return -EINVAL;
    while (e->count == 0) {
        if (flags & O_NONBLOCK)
            return -EAGAIN;
        long r = fd_wait();
        if (r < 0)
            return r;
    }
    uint64_t v = e->semaphore ? 1 : e->count;
    e->count -= v;
    e->gen++;
    fd_iov_out(&c, &v, sizeof v);
    return sizeof v;
}

static long eventfd_writev(void *obj, const struct iovec *iov, int n, int flags)
{
    struct eventfd *e = obj;
    struct iov_cursor c = { .iov = iov, .n = n };
    uint64_t v;

    if (fd_iov_check(iov, n) < (long)sizeof v)
        return -EINVAL;
    fd_iov_in(&c, &v, sizeof v);
    if (v == UINT64_MAX)
        return -EINVAL;
    while (EVENTFD_MAX_COUNT - e->count < v) {
        if (flags & O_NONBLOCK)
            return -EAGAIN;
        long r = fd_wait();
        if (r < 0)
            return r;
    }
    e->count += v;
    e->gen++;
    return sizeof v;
}

static unsigned eventfd_poll(void *obj, uint32_t *gen)
{
    struct eventfd *e = obj;

    *gen = e->gen;
    /* Linux's answer has no POLLRDNORM or POLLWRNORM. */
    return (e->count > 0 ? POLLIN : 0) |
           (e->count < EVENTFD_MAX_COUNT ? POLLOUT : 0);
}

static void eventfd_close(void *obj)
{
    struct eventfd *e = obj;

    e->used = 0;
}

static const struct fd_ops eventfd_ops = {
    .mode = 0600, /* an anonymous inode, as on Linux */
    .access = O_RDWR,
    .readv = eventfd_readv,
    .writev = eventfd_writev,
    .poll = eventfd_poll,
    .close = eventfd_close,
};

long sys_eventfd2(const long a[6])
{
    int flags = (int)a[1];

    if (flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
        return -EINVAL;
    for (int i = 0; i < FD_MAX; i++) {
        struct eventfd *e = &efds[i];
        if (e->used)
            continue;
        int fd = fd_alloc(&eventfd_ops, e, flags & (EFD_CLOEXEC | EFD_NONBLOCK));
        if (fd >= 0)
            *e = (struct eventfd){ .count = (unsigned)a[0], .used = 1,
                                   .semaphore = (flags & EFD_SEMAPHORE) != 0 };
        return fd;
    }
    return -ENFILE;
}

long sys_eventfd(const long a[6])
{
    return sys_eventfd2((const long[6]){ a[0], 0 });
}
