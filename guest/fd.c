/* fd.c: the file descriptor table and the calls every kind of descriptor shares. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "runtime.h"

/*
 * A descriptor names an object and the ops of its kind (console.c's three,
 * sockets, epoll instances).  Descriptors are not shared between slots (no
 * dup), so a slot's flags are its object's: O_NONBLOCK and FD_CLOEXEC.
 */
struct fd {
    const struct fd_ops *ops;
    void *obj;
    int flags;   /* O_NONBLOCK */
    int cloexec; /* kept for F_GETFD; nothing ever execs */
};

static struct fd fds[FD_MAX];

/* The lowest free descriptor, as POSIX requires, or -EMFILE. */
int fd_alloc(const struct fd_ops *ops, void *obj, int flags)
{
    for (int i = 0; i < FD_MAX; i++) {
        if (fds[i].ops == NULL) {
            fds[i] = (struct fd){ .ops = ops, .obj = obj,
                                  .flags = flags & O_NONBLOCK,
                                  .cloexec = (flags & O_CLOEXEC) != 0 };
            return i;
        }
    }
    return -EMFILE;
}

static struct fd *fd_get(long fd)
{
    if (fd < 0 || fd >= FD_MAX || fds[fd].ops == NULL)
        return NULL;
    return &fds[fd];
}

void *fd_obj(long fd, const struct fd_ops *ops, int *flags)
{
    struct fd *f = fd_get(fd);

    if (f == NULL || f->ops != ops)
        return NULL;
    if (flags != NULL)
        *flags = f->flags;
    return f->obj;
}

const struct fd_ops *fd_kind(long fd)
{
    struct fd *f = fd_get(fd);

    return f == NULL ? NULL : f->ops;
}

unsigned fd_poll(long fd, uint32_t *gen)
{
    struct fd *f = fd_get(fd);

    *gen = 0;
    return f == NULL ? POLLNVAL : f->ops->poll(f->obj, gen);
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

static long fd_rw(long fd, const struct iovec *iov, long n, int out)
{
    struct fd *f = fd_get(fd);
    long r = fd_iov_check(iov, n);

    if (f == NULL)
        return -EBADF;
    if (r < 0)
        return r;
    if (out)
        return f->ops->writev(f->obj, iov, (int)n, f->flags);
    return f->ops->readv(f->obj, iov, (int)n, f->flags);
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

long sys_close(const long a[6])
{
    struct fd *f = fd_get(a[0]);

    if (f == NULL)
        return -EBADF;
    /* Free the slot first: closing may wait, and epoll must not find it. */
    struct fd gone = *f;
    *f = (struct fd){ 0 };
    epoll_forget((int)a[0]);
    if (gone.ops->close != NULL)
        gone.ops->close(gone.obj);
    return 0;
}

long sys_lseek(const long a[6])
{
    return fd_get(a[0]) == NULL ? -EBADF : -ESPIPE;
}

long sys_ioctl(const long a[6])
{
    struct fd *f = fd_get(a[0]);
    int *arg = (int *)a[2];

    if (f == NULL)
        return -EBADF;
    if ((unsigned long)a[1] == FIONBIO) {
        if (!mem_check(arg, sizeof *arg))
            return -EFAULT;
        f->flags = *arg ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
        return 0;
    }
    if (f->ops->ioctl == NULL)
        return -ENOTTY;
    return f->ops->ioctl(f->obj, (unsigned long)a[1], (void *)a[2]);
}

long sys_fcntl(const long a[6])
{
    struct fd *f = fd_get(a[0]);

    if (f == NULL)
        return -EBADF;
    switch (a[1]) {
    case F_GETFD:
        return f->cloexec ? FD_CLOEXEC : 0;
    case F_SETFD:
        f->cloexec = (a[2] & FD_CLOEXEC) != 0;
        return 0;
    case F_GETFL:
        return O_RDWR | f->flags;
    case F_SETFL:
        /* Of the status flags only O_NONBLOCK means anything here. */
        f->flags = (int)(a[2] & O_NONBLOCK);
        return 0;
    default:
        return -EINVAL;
    }
}

static long fd_stat(long fd, struct stat *st)
{
    struct fd *f = fd_get(fd);

    if (f == NULL)
        return -EBADF;
    if (!mem_check(st, sizeof *st))
        return -EFAULT;
    memset(st, 0, sizeof *st);
    st->st_mode = f->ops->mode;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    return 0;
}

long sys_fstat(const long a[6])
{
    return fd_stat(a[0], (struct stat *)a[1]);
}

/* Only musl's fstat() form: an empty path with AT_EMPTY_PATH. */
long sys_newfstatat(const long a[6])
{
    const char *path = (const char *)a[1];

    if (!((a[3] & AT_EMPTY_PATH) && mem_check(path, 1) && path[0] == '\0'))
        return -ENOENT;
    return fd_stat(a[0], (struct stat *)a[2]);
}
