/* pipe.c: pipes: a ring of page-sized slots, written and read as Linux does. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "runtime.h"
#include "thread.h"

/*
 * Linux keeps a pipe's data in a ring of slots, one page each (16 by
 * default, F_SETPIPE_SZ changes it); so does this file, to give the same
 * answers byte for byte.  A write first tops up the last slot with its
 * odd part (`len % PAGE_SIZE`) if it all fits there, then fills fresh
 * slots a page at a time.  So a write of at most PIPE_BUF (a page) lands
 * whole or, when it neither fits the last slot nor finds a free one,
 * not at all: the atomicity POSIX asks for.  A full pipe is one with
 * every slot taken, however little some of them hold.  Packet mode
 * (O_DIRECT on the write end) gives each write its own slots, and a read
 * takes at most one slot, dropping what it does not take.
 *
 * The header and the data are separate allocations of guest memory, so
 * F_SETPIPE_SZ can replace the data; they are returned when both ends
 * are closed.
 *
 * Writing with no reader is EPIPE and raises SIGPIPE, as on Linux (even
 * after part of the data went in).  A blocking call loops on fd_wait; with no
 * other thread (fd_wait lets them run), a read of an empty pipe whose write end is open in this
 * program waits forever, as the same program would on Linux.
 */

#define PIPE_PAGE 4096u
#define PIPE_SLOTS 16u            /* Linux's default: 64 KiB */
#define PIPE_SLOTS_MAX 256u       /* /proc/sys/fs/pipe-max-size: 1 MiB */

struct pipe_slot {
    uint16_t off, len; /* the unread bytes of the slot's page */
    uint16_t packet;   /* written in packet mode: never merged, read whole */
};

struct pipe {
    char *data;           /* nslots pages; slot i owns page i */
    unsigned nslots;      /* a power of two */
    unsigned head, tail;  /* free-running: slots [tail, head) hold data */
    int readers, writers; /* open descriptions of each end */
    uint32_t gen;         /* bumped on every change, for epoll */
    struct pipe_slot slot[PIPE_SLOTS_MAX];
};

_Static_assert(sizeof(struct pipe) <= PIPE_PAGE, "a pipe's header is one page");

static struct pipe_slot *pipe_slot(struct pipe *p, unsigned i)
{
    return &p->slot[i & (p->nslots - 1)];
}

static char *pipe_page(struct pipe *p, unsigned i)
{
    return p->data + (size_t)(i & (p->nslots - 1)) * PIPE_PAGE;
}

static int pipe_full(const struct pipe *p)
{
    return p->head - p->tail >= p->nslots;
}

/* One pass over what is there; -EAGAIN if nothing was and a writer is open. */
static long pipe_read_some(struct pipe *p, struct iov_cursor *c, size_t want)
{
    size_t got = 0;

    while (want > 0 && p->head != p->tail) {
        struct pipe_slot *s = pipe_slot(p, p->tail);
        size_t n = s->len < want ? s->len : want;

        fd_iov_out(c, pipe_page(p, p->tail) + s->off, n);
        got += n;
        s->off = (uint16_t)(s->off + n);
        s->len = (uint16_t)(s->len - n);
        if (s->packet) {
            want = n;
            s->len = 0;
        }
        if (s->len == 0)
            p->tail++;
        want -= n;
    }
    if (got > 0) {
        p->gen++;
        return (long)got;
    }
    return p->writers == 0 ? 0 : -EAGAIN;
}

long pipe_readv(void *obj, const struct iovec *iov, int n, int flags)
{
    struct pipe *p = obj;
    struct iov_cursor c = { .iov = iov, .n = n };
    size_t want = (size_t)fd_iov_check(iov, n); /* checked by fd.c */

    if (want == 0)
        return 0;
    for (;;) {
        long r = pipe_read_some(p, &c, want);
        if (r != -EAGAIN || (flags & O_NONBLOCK))
            return r;
        if ((r = fd_wait()) < 0)
            return r;
    }
}

long pipe_writev(void *obj, const struct iovec *iov, int n, int flags)
{
    struct pipe *p = obj;
    struct iov_cursor c = { .iov = iov, .n = n };
    size_t left = (size_t)fd_iov_check(iov, n), done = 0, told = 0;
    size_t odd = left % PIPE_PAGE;
    int packet = (flags & O_DIRECT) != 0;

    if (left == 0)
        return 0;
    if (p->readers == 0) {
        signal_pipe();
        return -EPIPE;
    }
    if (odd != 0 && p->head != p->tail) {
        struct pipe_slot *s = pipe_slot(p, p->head - 1);
        if (!s->packet && s->off + s->len + odd <= PIPE_PAGE) {
            fd_iov_in(&c, pipe_page(p, p->head - 1) + s->off + s->len, odd);
            s->len = (uint16_t)(s->len + odd);
            done = odd;
            left -= odd;
            p->gen++;
        }
    }
    while (left > 0) {
        if (p->readers == 0) {
            signal_pipe();
            return done > 0 ? (long)done : -EPIPE;
        }
        if (!pipe_full(p)) {
            size_t k = left < PIPE_PAGE ? left : PIPE_PAGE;
            fd_iov_in(&c, pipe_page(p, p->head), k);
            *pipe_slot(p, p->head) = (struct pipe_slot){
                .len = (uint16_t)k, .packet = (uint16_t)packet };
            p->head++;
            p->gen++;
            done += k;
            left -= k;
            continue;
        }
        if (flags & O_NONBLOCK)
            return done > 0 ? (long)done : -EAGAIN;
        if (done != told) { /* a reader waiting may take this part now */
            thread_changed();
            told = done;
        }
        long r = fd_wait();
        if (r < 0)
            return done > 0 ? (long)done : r;
    }
    return (long)done;
}

unsigned pipe_read_poll(void *obj, uint32_t *gen)
{
    struct pipe *p = obj;

    *gen = p->gen;
    return (p->head != p->tail ? POLLIN | POLLRDNORM : 0) |
           (p->writers == 0 ? POLLHUP : 0);
}

unsigned pipe_write_poll(void *obj, uint32_t *gen)
{
    struct pipe *p = obj;

    *gen = p->gen;
    return (!pipe_full(p) ? POLLOUT | POLLWRNORM : 0) |
           (p->readers == 0 ? POLLERR : 0);
}

long pipe_ioctl(void *obj, unsigned long req, void *arg)
{
    struct pipe *p = obj;
    int *v = arg;
    unsigned count = 0;

    if (req != FIONREAD)
        return -ENOTTY;
    if (!mem_check(v, sizeof *v))
        return -EFAULT;
    for (unsigned i = p->tail; i != p->head; i++)
        count += pipe_slot(p, i)->len;
    *v = (int)count;
    return 0;
}

void pipe_free(struct pipe *p)
{
    mem_release(p->data, (size_t)p->nslots * PIPE_PAGE);
    mem_release(p, sizeof *p);
}

/* An end closed: waiters see the change; the last end frees the pipe. */
static void pipe_end_closed(struct pipe *p)
{
    p->gen++;
    if (p->readers == 0 && p->writers == 0)
        pipe_free(p);
}

static void pipe_read_close(void *obj)
{
    struct pipe *p = obj;

    p->readers--;
    pipe_end_closed(p);
}

static void pipe_write_close(void *obj)
{
    struct pipe *p = obj;

    p->writers--;
    pipe_end_closed(p);
}

const struct fd_ops pipe_read_ops = {
    .mode = S_IFIFO | 0600,
    .access = O_RDONLY,
    .readv = pipe_readv,
    .writev = pipe_writev,
    .poll = pipe_read_poll,
    .ioctl = pipe_ioctl,
    .close = pipe_read_close,
};

const struct fd_ops pipe_write_ops = {
    .mode = S_IFIFO | 0600,
    .access = O_WRONLY,
    .readv = pipe_readv,
    .writev = pipe_writev,
    .poll = pipe_write_poll,
    .ioctl = pipe_ioctl,
    .close = pipe_write_close,
};

/*
 * Linux's rounding: at least a page, a power of two of pages, at most
 * pipe-max-size (EPERM above, as for a process without CAP_SYS_RESOURCE);
 * shrinking below the slots in use is EBUSY.
 */
static long pipe_resize(struct pipe *p, unsigned arg)
{
    unsigned size = PIPE_PAGE, used = p->head - p->tail;

    if (arg > 1u << 31)
        return -EINVAL;
    while (size < arg)
        size <<= 1;
    unsigned nslots = size / PIPE_PAGE;
    if (nslots > p->nslots && nslots > PIPE_SLOTS_MAX)
        return -EPERM;
    if (nslots < used)
        return -EBUSY;
    if (nslots == p->nslots)
        return size;
    char *data = mem_alloc((size_t)nslots * PIPE_PAGE);
    if (data == NULL)
        return -ENOMEM;
    struct pipe_slot slot[PIPE_SLOTS_MAX];
    for (unsigned i = 0; i < used; i++) {
        slot[i] = *pipe_slot(p, p->tail + i);
        memcpy(data + (size_t)i * PIPE_PAGE, pipe_page(p, p->tail + i),
               PIPE_PAGE);
    }
    mem_release(p->data, (size_t)p->nslots * PIPE_PAGE);
    p->data = data;
    p->nslots = nslots;
    p->tail = 0;
    p->head = used;
    memcpy(p->slot, slot, used * sizeof slot[0]);
    p->gen++;
    return size;
}

long pipe_fcntl(void *obj, long cmd, unsigned arg)
{
    struct pipe *p = obj;

    if (cmd == F_GETPIPE_SZ)
        return (long)p->nslots * PIPE_PAGE;
    return pipe_resize(p, arg);
}

struct pipe *pipe_new(void)
{
    struct pipe *p = mem_alloc(sizeof *p);

    if (p == NULL)
        return NULL;
    p->nslots = PIPE_SLOTS;
    if ((p->data = mem_alloc(PIPE_SLOTS * PIPE_PAGE)) == NULL) {
        mem_release(p, sizeof *p);
        return NULL;
    }
    p->readers = p->writers = 1;
    return p;
}

void pipe_set_ends(struct pipe *p, int readers, int writers)
{
    p->readers = readers;
    p->writers = writers;
    p->gen++;
    thread_changed();
}

int pipe_empty(const struct pipe *p)
{
    return p->head == p->tail;
}

/* Both descriptors or neither; the array is checked before anything is made. */
long sys_pipe2(const long a[6])
{
    int *out = (int *)a[0];
    int flags = (int)a[1];
    int rd, wr;

    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
        return -EINVAL;
    if (!mem_check(out, 2 * sizeof *out))
        return -EFAULT;
    struct pipe *p = pipe_new();
    if (p == NULL)
        return -ENFILE;
    if ((rd = fd_alloc(&pipe_read_ops, p, flags & (O_CLOEXEC | O_NONBLOCK))) < 0) {
        pipe_free(p);
        return rd;
    }
    if ((wr = fd_alloc(&pipe_write_ops, p, flags)) < 0) {
        p->writers = 0;
        (void)sys_close((const long[6]){ rd });
        return wr;
    }
    out[0] = rd;
    out[1] = wr;
    return 0;
}

long sys_pipe(const long a[6])
{
    return sys_pipe2((const long[6]){ a[0], 0 });
}
