/* epoll.c: epoll instances: interest lists scanned for readiness, level- and edge-triggered. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include "runtime.h"
#include "sigstate.h"

/*
 * An instance keeps an item per watched descriptor, indexed by number, and
 * a dense list of the watched numbers to scan.  Readiness is computed when
 * asked, never queued, so nothing can go stale: edge-triggered items report
 * only when the object's change counter has moved since their last report.
 * A few instances are enough for one process; their tables are BSS, so an
 * unused one costs nothing.
 */
#define EPOLL_INSTANCES 8
#define EPOLL_ALWAYS (EPOLLERR | EPOLLHUP)
#define EPOLL_FLAGS (EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP)

struct epoll_item {
    uint32_t events; /* EPOLLIN... plus EPOLL_FLAGS; 0 when disarmed */
    uint32_t gen;    /* the object's counter at the last report (EPOLLET) */
    uint64_t data;
    int on;
    int fresh; /* not reported since added or modified */
};

static struct epoll {
    int used;
    int n, next;         /* watched count; where the next scan starts */
    int list[FD_MAX];    /* watched descriptors */
    struct epoll_item item[FD_MAX];
} eps[EPOLL_INSTANCES];

static const struct fd_ops epoll_ops;

/* The events item `it` of descriptor `fd` has to report now, or 0. */
static uint32_t epoll_check(struct epoll_item *it, int fd, uint32_t *gen)
{
    uint32_t want = (it->events & ~(uint32_t)EPOLL_FLAGS) | EPOLL_ALWAYS;
    uint32_t r;

    if (it->events == 0)
        return 0; /* EPOLLONESHOT, already reported */
    r = fd_poll(fd, gen) & want;
    if (r == 0)
        return 0;
    if ((it->events & EPOLLET) && !it->fresh && *gen == it->gen)
        return 0;
    return r;
}

static int epoll_scan(struct epoll *ep, struct epoll_event *out, int max)
{
    int got = 0;

    for (int k = 0; k < ep->n && got < max; k++) {
        int i = (ep->next + k) % ep->n;
        int fd = ep->list[i];
        struct epoll_item *it = &ep->item[fd];
        uint32_t gen, r = epoll_check(it, fd, &gen);

        if (r == 0)
            continue;
        if (out == NULL)
            return 1;
        out[got].events = r;
        out[got].data.u64 = it->data;
        got++;
        it->gen = gen;
        it->fresh = 0;
        if (it->events & EPOLLONESHOT)
            it->events = 0;
        /* Start after this one next time, so no descriptor starves. */
        ep->next = (i + 1) % ep->n;
    }
    return got;
}

static void epoll_remove(struct epoll *ep, int fd)
{
    ep->item[fd].on = 0;
    for (int i = 0; i < ep->n; i++) {
        if (ep->list[i] == fd) {
            ep->list[i] = ep->list[--ep->n];
            break;
        }
    }
    if (ep->next >= ep->n)
        ep->next = 0;
}

void epoll_forget(int fd)
{
    for (int e = 0; e < EPOLL_INSTANCES; e++)
        if (eps[e].used && eps[e].item[fd].on)
            epoll_remove(&eps[e], fd);
}

static unsigned epoll_poll(void *obj, uint32_t *gen)
{
    (void)gen;
    return epoll_scan(obj, NULL, 1) > 0 ? POLLIN : 0;
}

static long epoll_rw(void *obj, const struct iovec *iov, int n, int flags)
{
    (void)obj;
    (void)iov;
    (void)n;
    (void)flags;
    return -EINVAL;
}

static void epoll_close(void *obj)
{
    struct epoll *ep = obj;

    ep->used = 0;
    for (int i = 0; i < ep->n; i++)
        ep->item[ep->list[i]].on = 0;
    ep->n = ep->next = 0;
}

static const struct fd_ops epoll_ops = {
    .mode = 0600, /* an anonymous inode, as on Linux */
    .access = O_RDWR,
    .readv = epoll_rw,
    .writev = epoll_rw,
    .poll = epoll_poll,
    .close = epoll_close,
};

long sys_epoll_create1(const long a[6])
{
    if (a[0] & ~(long)EPOLL_CLOEXEC)
        return -EINVAL;
    for (int e = 0; e < EPOLL_INSTANCES; e++) {
        if (!eps[e].used) {
            int fd = fd_alloc(&epoll_ops, &eps[e], (int)a[0]);
            if (fd >= 0)
                eps[e].used = 1;
            return fd;
        }
    }
    return -ENFILE;
}

long sys_epoll_create(const long a[6])
{
    const long none[6] = { 0 };

    return a[0] <= 0 ? -EINVAL : sys_epoll_create1(none);
}

long sys_epoll_ctl(const long a[6])
{
    struct epoll *ep = fd_obj(a[0], &epoll_ops, NULL);
    int op = (int)a[1];
    long fd = a[2];
    const struct epoll_event *ev = (const struct epoll_event *)a[3];
    const struct fd_ops *kind = fd_kind(fd);

    if (fd_kind(a[0]) == NULL || kind == NULL)
        return -EBADF;
    if (ep == NULL || fd == a[0])
        return -EINVAL;
    /* Nesting instances could loop; nothing here needs it. */
    if (kind == &epoll_ops)
        return -EINVAL;
    if (kind->poll == NULL)
        return -EPERM; /* a regular file or directory, as Linux */
    struct epoll_item *it = &ep->item[fd];
    struct epoll_event e = { 0 };
    if (op != EPOLL_CTL_DEL) {
        if (!mem_check(ev, sizeof *ev))
            return -EFAULT;
        memcpy(&e, ev, sizeof e);
    }
    switch (op) {
    case EPOLL_CTL_ADD:
        if (it->on)
            return -EEXIST;
        ep->list[ep->n++] = (int)fd;
        break;
    case EPOLL_CTL_MOD:
        if (!it->on)
            return -ENOENT;
        if (e.events & EPOLLEXCLUSIVE)
            return -EINVAL;
        break;
    case EPOLL_CTL_DEL:
        if (!it->on)
            return -ENOENT;
        epoll_remove(ep, (int)fd);
        return 0;
    default:
        return -EINVAL;
    }
    *it = (struct epoll_item){ .events = e.events, .data = e.data.u64,
                               .on = 1, .fresh = 1 };
    return 0;
}

struct epoll_wait {
    struct epoll *ep;
    struct epoll_event *out;
    int max;
};

/* One scan for poll_until: how many events are in out. */
static long epoll_wait_scan(void *ctx)
{
    struct epoll_wait *w = ctx;

    return epoll_scan(w->ep, w->out, w->max);
}

static long epoll_wait_until(long epfd, struct epoll_event *out, long max,
                             uint64_t deadline)
{
    struct epoll *ep = fd_obj(epfd, &epoll_ops, NULL);

    if (fd_kind(epfd) == NULL)
        return -EBADF;
    if (ep == NULL || max <= 0 || max > INT32_MAX / (long)sizeof *out)
        return -EINVAL;
    if (!mem_check(out, (size_t)max * sizeof *out))
        return -EFAULT;
    /* As many as can be ready: one per descriptor. */
    if (max > FD_MAX)
        max = FD_MAX;
    struct epoll_wait w = { ep, out, (int)max };
    return poll_until(epoll_wait_scan, &w, 0, deadline);
}

long sys_epoll_wait(const long a[6])
{
    return epoll_wait_until(a[0], (struct epoll_event *)a[1], a[2],
                            poll_deadline_ms((int)a[3]));
}

long sys_epoll_pwait(const long a[6])
{
    long r = signal_mask_during((const void *)a[4], (unsigned long)a[5]);

    return r < 0 ? r : sys_epoll_wait(a);
}
