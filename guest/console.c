/* console.c: file descriptors 0, 1 and 2: stdin at EOF, output to the console. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "hypercall.h"
#include "runtime.h"

/*
 * The three descriptors behave as a terminal: they answer TIOCGWINSZ, so
 * musl line-buffers stdout and a line reaches the console as soon as it is
 * complete rather than at exit (or never, if the guest crashes).
 */

static int console_fd_ok(long fd)
{
    return fd >= 0 && fd <= 2;
}

/* Returns bytes written or -EIO if the monitor refused the first chunk. */
static long console_put(const char *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        size_t n = len - done;
        if (n > UHVT_CONSOLE_MAX)
            n = UHVT_CONSOLE_MAX;
        struct uhvt_hc_console c = {
            .data = (uintptr_t)(buf + done),
            .len = (uint32_t)n,
        };
        hypercall(UHVT_HC_CONSOLE, &c);
        if (c.ret != UHVT_OK)
            return done > 0 ? (long)done : -EIO;
        done += n;
    }
    return (long)done;
}

long sys_write(const long a[6])
{
    const char *buf = (const char *)a[1];
    size_t len = (size_t)a[2];

    if (a[0] != 1 && a[0] != 2)
        return -EBADF;
    if (len > SSIZE_MAX)
        return -EINVAL;
    if (!mem_check(buf, len))
        return -EFAULT;
    return console_put(buf, len);
}

long sys_writev(const long a[6])
{
    const struct iovec *iov = (const struct iovec *)a[1];
    long n = a[2];
    size_t total = 0;

    if (a[0] != 1 && a[0] != 2)
        return -EBADF;
    if (n < 0 || n > IOV_MAX)
        return -EINVAL;
    if (!mem_check(iov, (size_t)n * sizeof *iov))
        return -EFAULT;
    /* Check everything first so a bad vector writes nothing, as on Linux. */
    for (long i = 0; i < n; i++) {
        if (iov[i].iov_len > SSIZE_MAX - total)
            return -EINVAL;
        total += iov[i].iov_len;
        /* musl's unbuffered stderr ends with an empty {NULL, 0} entry. */
        if (iov[i].iov_len != 0 && !mem_check(iov[i].iov_base, iov[i].iov_len))
            return -EFAULT;
    }
    total = 0;
    for (long i = 0; i < n; i++) {
        long r = console_put(iov[i].iov_base, iov[i].iov_len);
        if (r < 0)
            return total > 0 ? (long)total : r;
        total += (size_t)r;
    }
    return (long)total;
}

/* stdin is always at end of file. */
long sys_read(const long a[6])
{
    return console_fd_ok(a[0]) ? 0 : -EBADF;
}

long sys_readv(const long a[6])
{
    if (!console_fd_ok(a[0]))
        return -EBADF;
    return a[2] < 0 || a[2] > IOV_MAX ? -EINVAL : 0;
}

/* Closing a console descriptor succeeds and changes nothing. */
long sys_close(const long a[6])
{
    return console_fd_ok(a[0]) ? 0 : -EBADF;
}

long sys_lseek(const long a[6])
{
    return console_fd_ok(a[0]) ? -ESPIPE : -EBADF;
}

long sys_ioctl(const long a[6])
{
    struct winsize *ws = (struct winsize *)a[2];

    if (!console_fd_ok(a[0]))
        return -EBADF;
    if ((unsigned long)a[1] != TIOCGWINSZ)
        return -ENOTTY;
    if (!mem_check(ws, sizeof *ws))
        return -EFAULT;
    *ws = (struct winsize){ .ws_row = 24, .ws_col = 80 };
    return 0;
}

long sys_fcntl(const long a[6])
{
    if (!console_fd_ok(a[0]))
        return -EBADF;
    switch (a[1]) {
    case F_GETFD:
    case F_SETFD:
    case F_SETFL:
        return 0;
    case F_GETFL:
        return O_RDWR;
    default:
        return -EINVAL;
    }
}

/* A character device, like a terminal. */
static long console_stat(long fd, struct stat *st)
{
    if (!console_fd_ok(fd))
        return -EBADF;
    if (!mem_check(st, sizeof *st))
        return -EFAULT;
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFCHR | 0620;
    st->st_nlink = 1;
    st->st_blksize = 1024;
    return 0;
}

long sys_fstat(const long a[6])
{
    return console_stat(a[0], (struct stat *)a[1]);
}

/* Only musl's fstat() form: an empty path with AT_EMPTY_PATH. */
long sys_newfstatat(const long a[6])
{
    const char *path = (const char *)a[1];

    if (!((a[3] & AT_EMPTY_PATH) && mem_check(path, 1) && path[0] == '\0'))
        return -ENOENT;
    return console_stat(a[0], (struct stat *)a[2]);
}
