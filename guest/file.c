/* file.c: open files and directories as descriptors: open, read and write, lseek, getdents64, /proc/self/fd's view of them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include "files.h"
#include "runtime.h"

/*
 * An open file description of a file or directory: its node and offset.
 * fd.c's description carries the status flags (O_APPEND, O_NONBLOCK) and
 * the access mode is the kind of descriptor, one fd_ops per mode.  The
 * filesystem hears open at the first and release at the last close.
 * Character devices (devfs) keep no offset, as Linux's /dev/null and
 * /dev/zero.  Regular files are always ready for poll, and epoll refuses
 * them (EPERM): their fd_ops have no poll, as Linux's file operations.
 */

static const struct fd_ops file_ops[3];
static const struct fd_ops file_path_ops;

struct ofile *file_get(long fd, int *flags)
{
    for (int i = 0; i < 3; i++) {
        struct ofile *f = fd_obj(fd, &file_ops[i], flags);
        if (f != NULL)
            return f;
    }
    return fd_obj(fd, &file_path_ops, flags);
}

long file_node(long fd, struct vfs_node *n, int want_dir)
{
    struct ofile *f = file_get(fd, NULL);

    if (f == NULL)
        return fd_kind(fd) == NULL || !want_dir ? -EBADF : -ENOTDIR;
    if (want_dir && f->type != S_IFDIR)
        return -ENOTDIR;
    *n = f->n;
    return 0;
}

long file_node_io(long fd, struct vfs_node *n)
{
    struct ofile *f = file_get(fd, NULL);

    if (f == NULL || f->path)
        return -EBADF;
    *n = f->n;
    return 0;
}

const struct vfs_ops *file_ops_of(struct ofile *f)
{
    return vfs_ops_of(f->n.m);
}

long file_size(struct ofile *f, uint64_t *size)
{
    struct stat st;
    long r = vfs_getattr(f->n, &st);

    *size = (uint64_t)st.st_size;
    return r;
}

long file_io(struct ofile *f, const struct iovec *iov, int n,
                    uint64_t *off, int out)
{
    void *fs = vfs_fs_of(f->n.m);
    long done = 0;

    if (f->path)
        return -EBADF;
    if (f->type == S_IFDIR)
        return -EISDIR;
    /* Linux's rw_verify_area: the range must not pass the largest offset. */
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += iov[i].iov_len; /* fd_iov_check bounded it by SSIZE_MAX */
    if (f->type == S_IFREG && total > 0 && *off > (uint64_t)INT64_MAX - total)
        return -EINVAL;
    for (int i = 0; i < n && done < FILE_RW_MAX; i++) {
        size_t len = iov[i].iov_len;
        if (len > (size_t)(FILE_RW_MAX - done))
            len = (size_t)(FILE_RW_MAX - done);
        if (len == 0)
            continue;
        long r = out ? file_ops_of(f)->write(fs, f->n.ino, iov[i].iov_base,
                                             len, *off + (uint64_t)done)
                     : file_ops_of(f)->read(fs, f->n.ino, iov[i].iov_base,
                                            len, *off + (uint64_t)done);
        if (r < 0)
            return done > 0 ? done : r;
        done += r;
        if ((size_t)r < len)
            break;
    }
    if (f->type != S_IFCHR)
        *off += (uint64_t)done;
    return done;
}

static long file_readv(void *obj, const struct iovec *iov, int n, int flags)
{
    (void)flags;
    return file_io(obj, iov, n, &((struct ofile *)obj)->pos, 0);
}

static long file_writev(void *obj, const struct iovec *iov, int n, int flags)
{
    struct ofile *f = obj;
    long r;

    if ((flags & O_APPEND) && f->type == S_IFREG &&
        (r = (long)file_size(f, &f->pos)) < 0)
        return r;
    return file_io(f, iov, n, &f->pos, 1);
}

static long file_stat(void *obj, struct stat *st)
{
    return vfs_getattr(((struct ofile *)obj)->n, st);
}

static long file_seek(void *obj, long off, int whence)
{
    struct ofile *f = obj;
    uint64_t size = 0;
    long r, base = 0;

    if (f->path)
        return -EBADF;
    if (f->type == S_IFCHR)
        return 0;
    if (f->type == S_IFDIR && whence != SEEK_SET && whence != SEEK_CUR)
        return -EINVAL;
    if ((r = file_size(f, &size)) < 0)
        return r;
    switch (whence) {
    case SEEK_SET:
        break;
    case SEEK_CUR:
        base = (long)f->pos;
        break;
    case SEEK_END:
        base = (long)size;
        break;
    case SEEK_DATA: /* all data: no holes are reported */
    case SEEK_HOLE:
        if (off < 0 || (uint64_t)off >= size)
            return -ENXIO;
        if (whence == SEEK_HOLE)
            off = (long)size;
        break;
    default:
        return -EINVAL;
    }
    if ((off > 0 && base > LONG_MAX - off) || base + off < 0)
        return -EINVAL;
    f->pos = (uint64_t)(base + off);
    return (long)f->pos;
}

static long file_ioctl(void *obj, unsigned long req, void *arg)
{
    struct ofile *f = obj;
    uint64_t size;
    int *v = arg;
    long r;

    if (req != FIONREAD || f->type != S_IFREG)
        return -ENOTTY;
    if (!mem_check(v, sizeof *v))
        return -EFAULT;
    if ((r = file_size(f, &size)) < 0)
        return r;
    *v = size > f->pos ? (int)(size - f->pos > INT_MAX ? INT_MAX : size - f->pos) : 0;
    return 0;
}

static void file_close(void *obj)
{
    struct ofile *f = obj;

    vfs_drop(f->n);
    slab_free(f->name, f->len + 1);
    slab_free(f, sizeof *f);
}

#define FILE_OPS(acc) {                                                     \
        .mode = S_IFREG | 0644, .access = acc, .readv = file_readv,        \
        .writev = file_writev, .ioctl = file_ioctl, .close = file_close,   \
        .stat = file_stat, .seek = file_seek,                              \
    }
static const struct fd_ops file_ops[3] = {
    FILE_OPS(O_RDONLY), FILE_OPS(O_WRONLY), FILE_OPS(O_RDWR),
};
static const struct fd_ops file_path_ops = FILE_OPS(O_RDONLY);

long file_open_node(struct vfs_node n, mode_t mode, int flags,
                    const struct vfs_walk *w)
{
    struct ofile *f = slab_alloc(sizeof *f);
    int acc = flags & O_ACCMODE;
    long r;

    if (f == NULL)
        return -ENOMEM;
    struct ofile *via = w != NULL && w->via >= 0 ? file_get(w->via, NULL) : NULL;
    if (via != NULL && via->name != NULL) {
        /* Reopened through /proc/self/fd/N: where N was opened. */
        if ((f->name = slab_alloc(via->len + 1)) != NULL) {
            f->dir = via->dir;
            memcpy(f->name, via->name, via->len);
            f->len = via->len;
        }
    } else if (via == NULL && w != NULL && w->len > 0 && !w->dots &&
               (f->name = slab_alloc(w->len + 1)) != NULL) {
        f->dir = w->dir;
        memcpy(f->name, w->name, w->len);
        f->len = w->len;
    }
    f->n = n;
    f->type = mode & S_IFMT;
    f->path = (flags & O_PATH) != 0;
    if ((r = vfs_hold(n)) < 0) {
        slab_free(f->name, f->len + 1);
        slab_free(f, sizeof *f);
        return r;
    }
    const struct fd_ops *ops = f->path ? &file_path_ops :
                               &file_ops[acc == O_ACCMODE ? O_RDWR : acc];
    if ((r = fd_alloc(ops, f, f->path ? flags & O_CLOEXEC : flags)) < 0)
        file_close(f);
    return r;
}

/* Copy s into buf at *at (size bytes in all); -ENAMETOOLONG when full. */
static long file_put(char *buf, size_t size, size_t *at, const char *s,
                     size_t len)
{
    if (len >= size - *at)
        return -ENAMETOOLONG;
    memcpy(buf + *at, s, len);
    *at += len;
    buf[*at] = '\0';
    return 0;
}

long file_describe(int fd, char *buf, size_t size)
{
    const struct fd_ops *kind = fd_kind(fd);
    struct ofile *f = file_get(fd, NULL);
    size_t at = 0;
    long r;

    if (kind == NULL)
        return -ENOENT;
    if (f == NULL) {
        const char *what;
        switch (kind->mode & S_IFMT) {
        case S_IFIFO: what = "pipe:[uhvt]"; break;
        case S_IFSOCK: what = "socket:[uhvt]"; break;
        case S_IFCHR: what = "/dev/console"; break;
        default: what = "anon_inode:[uhvt]";
        }
        r = file_put(buf, size, &at, what, strlen(what));
        return r < 0 ? r : (long)at;
    }
    if (f->name == NULL) /* a directory reached by "..", or "/" */
        return vfs_path(f->n, buf, size);
    if ((r = vfs_path(f->dir, buf, size)) < 0)
        return r;
    at = (size_t)r;
    if (at > 1 && (r = file_put(buf, size, &at, "/", 1)) < 0)
        return r;
    if ((r = file_put(buf, size, &at, f->name, f->len)) < 0)
        return r;
    return (long)at;
}

/* Linux's checks of open's flags before the path is looked at. */
static long file_check_flags(int flags)
{
    if ((flags & O_TMPFILE) == O_TMPFILE) {
        int acc = flags & O_ACCMODE;
        if ((flags & O_CREAT) || (acc != O_WRONLY && acc != O_RDWR))
            return -EINVAL;
        return -EOPNOTSUPP; /* no filesystem here makes unnamed files */
    }
    if ((flags & O_CREAT) && (flags & O_DIRECTORY))
        return -EINVAL;
    return 0;
}

static long file_openat(long dirfd, const char *path, int flags, mode_t mode)
{
    struct vfs_walk w;
    long r;

    if ((r = file_check_flags(flags)) < 0)
        return r;
    if (flags & O_PATH)
        flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int follow = !(flags & O_NOFOLLOW) &&
                 (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
    if ((r = vfs_walk(dirfd, path, (follow ? WALK_FOLLOW | WALK_FD : 0) |
                                   ((flags & O_CREAT) ? WALK_PARENT : 0),
                      &w)) < 0)
        return r;
    /* Linux: creating with a trailing '/' is EISDIR, whatever is there. */
    if ((flags & O_CREAT) && w.slash)
        return -EISDIR;
    if (w.fd >= 0) /* /proc/self/fd/N of a pipe, socket or the console */
        return sys_fcntl((const long[6]){ w.fd, (flags & O_CLOEXEC) ?
                                          F_DUPFD_CLOEXEC : F_DUPFD, 0 });
    int acc = flags & O_ACCMODE;
    int writes = acc != O_RDONLY || (flags & O_TRUNC);
    if (!w.exists) {
        if (!(flags & O_CREAT))
            return -ENOENT;
        if (w.slash)
            return -EISDIR;
        if ((r = vfs_writable(w.dir.m)) < 0)
            return r;
        mode_t m = S_IFREG | (mode & 07777 & ~proc_umask_get());
        struct vfs_node n = { w.dir.m, 0 };
        r = vfs_ops_of(n.m)->create(vfs_fs_of(n.m), w.dir.ino, w.name, w.len,
                                    m, NULL, proc_uid(), proc_gid(), &n.ino);
        return r < 0 ? r : file_open_node(n, m, flags, &w);
    }
    if ((flags & O_CREAT) && (flags & O_EXCL))
        return -EEXIST;
    if (flags & O_PATH) {
        if (((flags & O_DIRECTORY) || w.slash) && !S_ISDIR(w.mode))
            return -ENOTDIR;
        return file_open_node(w.node, w.mode, flags, &w);
    }
    if (S_ISLNK(w.mode))
        return -ELOOP;
    if (((flags & O_DIRECTORY) || w.slash) && !S_ISDIR(w.mode))
        return -ENOTDIR;
    if (S_ISDIR(w.mode) && (acc != O_RDONLY || (flags & (O_CREAT | O_TRUNC))))
        return -EISDIR;
    if (writes && !S_ISCHR(w.mode) && (r = vfs_writable(w.node.m)) < 0)
        return r;
    if ((flags & O_TRUNC) && S_ISREG(w.mode)) {
        struct vfs_attr a = { .mask = VFS_ATTR_SIZE | VFS_ATTR_MTIME,
                              .mtime = vfs_now() };
        if ((r = vfs_ops_of(w.node.m)->setattr(vfs_fs_of(w.node.m),
                                               w.node.ino, &a)) < 0)
            return r;
    }
    return file_open_node(w.node, w.mode, flags, &w);
}

long sys_open(const long a[6])
{
    return file_openat(AT_FDCWD, (const char *)a[0], (int)a[1], (mode_t)a[2]);
}

long sys_openat(const long a[6])
{
    return file_openat((int)a[0], (const char *)a[1], (int)a[2], (mode_t)a[3]);
}

long sys_creat(const long a[6])
{
    return file_openat(AT_FDCWD, (const char *)a[0],
                       O_CREAT | O_WRONLY | O_TRUNC, (mode_t)a[1]);
}

struct file_dents {
    char *buf;
    size_t size, used;
    int refused; /* an entry did not fit */
};

static int file_fill(void *ctx, const char *name, size_t len, uint64_t ino,
                     unsigned d_type, uint64_t next)
{
    struct file_dents *d = ctx;
    size_t reclen = (offsetof(struct dirent, d_name) + len + 1 + 7) & ~(size_t)7;

    if (reclen > d->size - d->used) {
        d->refused = 1;
        return 1;
    }
    struct dirent *e = (struct dirent *)(d->buf + d->used);
    e->d_ino = ino;
    e->d_off = (off_t)next;
    e->d_reclen = (unsigned short)reclen;
    e->d_type = (unsigned char)d_type;
    memcpy(e->d_name, name, len);
    memset(e->d_name + len, 0, reclen - offsetof(struct dirent, d_name) - len);
    d->used += reclen;
    return 0;
}

long sys_getdents64(const long a[6])
{
    struct ofile *f = file_get(a[0], NULL);
    struct file_dents d = { (char *)a[1], (size_t)(unsigned)a[2], 0, 0 };
    long r;

    if (f == NULL || f->path)
        return -EBADF;
    if (f->type != S_IFDIR)
        return -ENOTDIR;
    if (!mem_check(d.buf, d.size))
        return -EFAULT;
    uint64_t pos = f->pos;
    r = file_ops_of(f)->readdir(vfs_fs_of(f->n.m), f->n.ino, &pos, file_fill,
                                &d);
    if (r < 0)
        return r;
    f->pos = pos;
    /* The next entry did not fit in the whole buffer: too small. */
    if (d.used == 0 && d.refused)
        return -EINVAL;
    return (long)d.used;
}
