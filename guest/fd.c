/* fd.c: the descriptor table, open file descriptions, and the calls every kind of descriptor shares. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "runtime.h"
#include "sigstate.h"
#include "thread.h"

/*
 * As on Linux, a descriptor names an open file description, and dup and its
 * kin make more descriptors name the same one: they share its object and
 * status flags (O_NONBLOCK...), and the object is closed when the last
 * descriptor naming it is.  Only FD_CLOEXEC belongs to the descriptor.
 * A call that may wait holds a reference of its own (fd_rw), as Linux's
 * fdget does, so another thread closing the descriptor meanwhile cannot
 * free what the call is using; the description ends when both are gone.
 * Both tables have FD_MAX entries: a description outlives its last
 * descriptor only while such a call is under way.
 */
struct file {
    const struct fd_ops *ops;
    void *obj;
    int flags; /* status flags: FD_SETFL */
    int refs;  /* descriptors naming it, and calls using it; 0 when free */
    int owner; /* F_SETOWN's pid: kept, as no SIGIO is ever sent */
};

struct fd {
    struct file *file; /* NULL when the descriptor is not open */
    int cloexec;       /* kept for F_GETFD; nothing ever execs */
};

/*
 * The status flags F_SETFL may change (Linux's SETFL_MASK).  Only
 * O_NONBLOCK, and O_DIRECT on a pipe's write end (packet mode), change
 * anything here; O_ASYNC is kept but no SIGIO is ever sent.
 */
#define FD_SETFL (O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | O_ASYNC)

static struct file files[FD_MAX];
static struct fd fds[FD_MAX];

/* Descriptors at or above RLIMIT_NOFILE's soft limit are not handed out. */
static int fd_limit(void)
{
    uint64_t lim = proc_rlimit(RLIMIT_NOFILE);

    return lim < FD_MAX ? (int)lim : FD_MAX;
}

static struct fd *fd_get(long fd)
{
    if (fd < 0 || fd >= FD_MAX || fds[fd].file == NULL)
        return NULL;
    return &fds[fd];
}

/* The lowest free descriptor at or above `from`, or -EMFILE. */
static int fd_free_slot(long from)
{
    for (long i = from < 0 ? 0 : from; i < fd_limit(); i++)
        if (fds[i].file == NULL)
            return (int)i;
    return -EMFILE;
}

/* The lowest free descriptor, as POSIX requires, or -EMFILE. */
int fd_alloc(const struct fd_ops *ops, void *obj, int flags)
{
    int fd = fd_free_slot(0);

    if (fd < 0)
        return fd;
    for (int i = 0; i < FD_MAX; i++) {
        if (files[i].refs == 0) {
            files[i] = (struct file){ .ops = ops, .obj = obj, .refs = 1,
                                      .flags = flags & FD_SETFL };
            fds[fd] = (struct fd){ .file = &files[i],
                                   .cloexec = (flags & O_CLOEXEC) != 0 };
            return fd;
        }
    }
    return -ENFILE; /* cannot happen: a description per descriptor at most */
}

void *fd_obj(long fd, const struct fd_ops *ops, int *flags)
{
    struct fd *f = fd_get(fd);

    if (f == NULL || f->file->ops != ops)
        return NULL;
    if (flags != NULL)
        *flags = f->file->flags;
    return f->file->obj;
}

const struct fd_ops *fd_kind(long fd)
{
    struct fd *f = fd_get(fd);

    return f == NULL ? NULL : f->file->ops;
}

unsigned fd_poll(long fd, uint32_t *gen)
{
    struct fd *f = fd_get(fd);

    *gen = 0;
    if (f != NULL && f->file->ops->poll == NULL) /* Linux's DEFAULT_POLLMASK */
        return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
    return f == NULL ? POLLNVAL : f->file->ops->poll(f->file->obj, gen);
}

/*
 * The one place a read or write waits for another party: other threads
 * run meanwhile, and when none can, the network stack and the clock
 * (thread.c).  With no other thread, a wait on the program's own pipe or
 * eventfd lasts forever, as it would on Linux.
 */
long fd_wait(void)
{
    long r = thread_wait(THREAD_POLL, UINT64_MAX);

    if (r == -EINTR || signal_interrupting())
        return signal_eintr();
    return 0;
}

/*
 * Checks an iovec array and every buffer in it, so that a bad vector moves
 * no data (as on Linux); returns the total length or -errno.
 */
long fd_iov_check(const struct iovec *iov, long n)
{
    size_t total = 0;

    if (n < 0 || n > IOV_MAX)
        return -EINVAL;
    if (n > 0 && !mem_check(iov, (size_t)n * sizeof *iov))
        return -EFAULT;
    for (long i = 0; i < n; i++) {
        if (iov[i].iov_len > SSIZE_MAX - total)
            return -EINVAL;
        total += iov[i].iov_len;
        /* musl's unbuffered stderr ends with an empty {NULL, 0} entry. */
        if (iov[i].iov_len != 0 && !mem_check(iov[i].iov_base, iov[i].iov_len))
            return -EFAULT;
    }
    return (long)total;
}

/* Copy between a checked iovec array, from where *c stands, and `buf`. */
static size_t fd_iov_copy(struct iov_cursor *c, void *buf, size_t len, int out)
{
    size_t done = 0;

    while (done < len && c->i < c->n) {
        const struct iovec *v = &c->iov[c->i];
        size_t n = v->iov_len - c->off;
        if (n > len - done)
            n = len - done;
        char *p = (char *)v->iov_base + c->off;
        if (out)
            memcpy(p, (char *)buf + done, n);
        else
            memcpy((char *)buf + done, p, n);
        done += n;
        c->off += n;
        if (c->off == v->iov_len) {
            c->i++;
            c->off = 0;
        }
    }
    return done;
}

size_t fd_iov_out(struct iov_cursor *c, const void *src, size_t len)
{
    return fd_iov_copy(c, (void *)src, len, 1);
}

size_t fd_iov_in(struct iov_cursor *c, void *dst, size_t len)
{
    return fd_iov_copy(c, dst, len, 0);
}

/* Drop a reference to a description; the last one closes it. */
static void fd_put(struct file *file)
{
    if (--file->refs > 0)
        return;
    struct file gone = *file;
    *file = (struct file){ 0 };
    if (gone.ops->close != NULL)
        gone.ops->close(gone.obj);
}

/*
 * Linux checks the descriptor, then its access mode, then the buffers.  The
 * call holds the description while it may wait.
 */
static long fd_rw(long fd, const struct iovec *iov, long n, int out)
{
    struct fd *f = fd_get(fd);
    long r;

    if (f == NULL)
        return -EBADF;
    struct file *file = f->file;
    if (file->ops->access == (out ? O_RDONLY : O_WRONLY))
        return -EBADF;
    if ((r = fd_iov_check(iov, n)) < 0)
        return r;
    file->refs++;
    if (out)
        r = file->ops->writev(file->obj, iov, (int)n, file->flags);
    else
        r = file->ops->readv(file->obj, iov, (int)n, file->flags);
    fd_put(file);
    return r;
}

long fd_held(unsigned long nr, const long a[6],
             long (*call)(unsigned long nr, const long a[6]))
{
    struct fd *f = fd_get(a[0]);

    if (f == NULL)
        return call(nr, a);
    struct file *file = f->file;
    file->refs++;
    long r = call(nr, a);
    fd_put(file);
    return r;
}

long sys_read(const long a[6])
{
    struct iovec v = { (void *)a[1], (size_t)a[2] };
    return fd_rw(a[0], &v, 1, 0);
}

long sys_write(const long a[6])
{
    struct iovec v = { (void *)a[1], (size_t)a[2] };
    return fd_rw(a[0], &v, 1, 1);
}

long sys_readv(const long a[6])
{
    return fd_rw(a[0], (const struct iovec *)a[1], a[2], 0);
}

long sys_writev(const long a[6])
{
    return fd_rw(a[0], (const struct iovec *)a[1], a[2], 1);
}

/* Drop descriptor `fd`; its description is closed with its last one. */
static void fd_drop(long fd)
{
    struct file *file = fds[fd].file;

    /* Free the slot first: closing may wait, and epoll must not find it. */
    fds[fd] = (struct fd){ 0 };
    epoll_forget((int)fd);
    fd_put(file);
}

long sys_close(const long a[6])
{
    if (fd_get(a[0]) == NULL)
        return -EBADF;
    fd_drop(a[0]);
    return 0;
}

/* Make `newfd` name `oldfd`'s description; newfd is closed first if open. */
static long fd_dup_to(long oldfd, long newfd, int cloexec)
{
    struct file *file = fds[oldfd].file;

    file->refs++; /* before newfd's close, which may be its last other name */
    if (fds[newfd].file != NULL)
        fd_drop(newfd);
    fds[newfd] = (struct fd){ .file = file, .cloexec = cloexec };
    return newfd;
}

static long fd_dup_from(long oldfd, long from, int cloexec)
{
    long fd = fd_free_slot(from);

    return fd < 0 ? fd : fd_dup_to(oldfd, fd, cloexec);
}

long sys_dup(const long a[6])
{
    if (fd_get(a[0]) == NULL)
        return -EBADF;
    return fd_dup_from(a[0], 0, 0);
}

/* In Linux's order: flags, same descriptor, range, then the old one. */
long sys_dup3(const long a[6])
{
    long oldfd = (int)a[0], newfd = (int)a[1];

    if (a[2] & ~(long)O_CLOEXEC)
        return -EINVAL;
    if (oldfd == newfd)
        return -EINVAL;
    if (newfd < 0 || newfd >= fd_limit())
        return -EBADF;
    if (fd_get(oldfd) == NULL)
        return -EBADF;
    return fd_dup_to(oldfd, newfd, (a[2] & O_CLOEXEC) != 0);
}

/* dup2 onto itself checks the descriptor and changes nothing. */
long sys_dup2(const long a[6])
{
    const long b[6] = { a[0], a[1], 0 };

    if ((int)a[0] == (int)a[1])
        return fd_get((int)a[0]) == NULL ? -EBADF : (int)a[1];
    return sys_dup3(b);
}

long sys_ioctl(const long a[6])
{
    struct fd *f = fd_get(a[0]);
    int *arg = (int *)a[2];

    if (f == NULL)
        return -EBADF;
    switch ((unsigned long)a[1]) {
    case FIOCLEX:
    case FIONCLEX:
        f->cloexec = (unsigned long)a[1] == FIOCLEX;
        return 0;
    case FIONBIO:
    case FIOASYNC:
        if (!mem_check(arg, sizeof *arg))
            return -EFAULT;
        int bit = (unsigned long)a[1] == FIONBIO ? O_NONBLOCK : O_ASYNC;
        f->file->flags = *arg ? f->file->flags | bit : f->file->flags & ~bit;
        return 0;
    }
    if (f->file->ops->ioctl == NULL)
        return -ENOTTY;
    return f->file->ops->ioctl(f->file->obj, (unsigned long)a[1], (void *)a[2]);
}

/*
 * Record locks: one process never conflicts with itself, so every lock is
 * granted at once and F_GETLK always finds the range free.  The request is
 * still checked as Linux checks it: lock type, whence, the descriptor's
 * access mode for the kind of lock, and for the OFD forms a zero l_pid.
 */
static long fd_lock(struct fd *f, long cmd, struct flock *fl)
{
    if (!mem_check(fl, sizeof *fl))
        return -EFAULT;
    struct flock l = *fl;
    int ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
    int get = cmd == F_GETLK || cmd == F_OFD_GETLK;

    if (ofd && l.l_pid != 0)
        return -EINVAL;
    if (l.l_whence != SEEK_SET && l.l_whence != SEEK_CUR &&
        l.l_whence != SEEK_END)
        return -EINVAL;
    if (l.l_start < 0 || (l.l_len < 0 && l.l_start + l.l_len < 0))
        return -EINVAL;
    if (l.l_len > 0 && l.l_len - 1 > INT64_MAX - l.l_start)
        return -EOVERFLOW;
    switch (l.l_type) {
    case F_RDLCK:
    case F_WRLCK:
        break;
    case F_UNLCK:
        if (get)
            return -EINVAL;
        return 0;
    default:
        return -EINVAL;
    }
    if (get) {
        fl->l_type = F_UNLCK;
        return 0;
    }
    int need = l.l_type == F_RDLCK ? O_WRONLY : O_RDONLY; /* the excluded mode */
    return f->file->ops->access == need ? -EBADF : 0;
}

long sys_fcntl(const long a[6])
{
    struct fd *f = fd_get(a[0]);

    if (f == NULL)
        return -EBADF;
    switch (a[1]) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        /* The kernel reads the lowest number as an unsigned int. */
        if ((unsigned)a[2] >= (unsigned)fd_limit())
            return -EINVAL;
        return fd_dup_from(a[0], (unsigned)a[2], a[1] == F_DUPFD_CLOEXEC);
    case F_GETFD:
        return f->cloexec ? FD_CLOEXEC : 0;
    case F_SETFD:
        f->cloexec = (a[2] & FD_CLOEXEC) != 0;
        return 0;
    case F_GETFL:
        return f->file->ops->access | f->file->flags;
    case F_SETFL:
        /* The access mode and creation flags are ignored, as on Linux;
           O_DIRECT is packet mode on a pipe and unsupported elsewhere. */
        if ((a[2] & O_DIRECT) && (f->file->ops->mode & S_IFMT) != S_IFIFO)
            return -EINVAL;
        f->file->flags = (int)(a[2] & FD_SETFL);
        return 0;
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        return fd_lock(f, a[1], (struct flock *)a[2]);
    case F_GETOWN:
        return f->file->owner;
    case F_SETOWN:
        f->file->owner = (int)a[2];
        return 0;
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ:
        if (f->file->ops != &pipe_write_ops && f->file->ops != &pipe_read_ops)
            return -EBADF;
        return pipe_fcntl(f->file->obj, a[1], (unsigned)a[2]);
    default:
        return -EINVAL;
    }
}

long fd_stat(long fd, struct stat *st)
{
    struct fd *f = fd_get(fd);

    if (f == NULL)
        return -EBADF;
    if (!mem_check(st, sizeof *st))
        return -EFAULT;
    if (f->file->ops->stat != NULL)
        return f->file->ops->stat(f->file->obj, st);
    memset(st, 0, sizeof *st);
    st->st_mode = f->file->ops->mode;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    return 0;
}

long sys_lseek(const long a[6])
{
    struct fd *f = fd_get(a[0]);

    if (f == NULL)
        return -EBADF;
    if (f->file->ops->seek == NULL)
        return -ESPIPE;
    return f->file->ops->seek(f->file->obj, a[1], (int)a[2]);
}

long sys_fstat(const long a[6])
{
    return fd_stat(a[0], (struct stat *)a[1]);
}
