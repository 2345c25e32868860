/* fileio.c: the calls on open files beyond read and write: positioned I/O, sendfile and copy_file_range, truncation, preallocation, sync, advice, flock. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/uio.h>

#include "files.h"
#include "runtime.h"

/*
 * The positioned calls: on a descriptor that is no file, -ESPIPE (a pipe,
 * a socket) once the descriptor and its access mode are found good.
 */
static long fileio_prw(long fd, const struct iovec *iov, long n, long off,
                     int out)
{
    int flags;
    const struct fd_ops *kind = fd_kind(fd);
    struct ofile *f = file_get(fd, &flags);
    long r;

    if (kind == NULL)
        return -EBADF;
    if (f == NULL)
        return -ESPIPE;
    if (kind->access == (out ? O_RDONLY : O_WRONLY))
        return -EBADF;
    if (off < 0)
        return -EINVAL;
    if ((r = fd_iov_check(iov, n)) < 0)
        return r;
    uint64_t pos = (uint64_t)off;
    /* Linux appends even at an offset when the file is O_APPEND. */
    if (out && (flags & O_APPEND) && f->type == S_IFREG &&
        (r = file_size(f, &pos)) < 0)
        return r;
    return file_io(f, iov, (int)n, &pos, out);
}

long sys_pread64(const long a[6])
{
    struct iovec v = { (void *)a[1], (size_t)a[2] };
    return fileio_prw(a[0], &v, 1, a[3], 0);
}

long sys_pwrite64(const long a[6])
{
    struct iovec v = { (void *)a[1], (size_t)a[2] };
    return fileio_prw(a[0], &v, 1, a[3], 1);
}

long sys_preadv(const long a[6])
{
    return fileio_prw(a[0], (const struct iovec *)a[1], a[2], a[3], 0);
}

long sys_pwritev(const long a[6])
{
    return fileio_prw(a[0], (const struct iovec *)a[1], a[2], a[3], 1);
}

/* preadv2 and pwritev2 without RWF_* flags; offset -1 is the file's own. */
static long fileio_rw2(const long a[6], int out)
{
    const long b[6] = { a[0], a[1], a[2] };

    if (a[5] != 0)
        return -EOPNOTSUPP;
    if (a[3] == -1)
        return out ? sys_writev(b) : sys_readv(b);
    return fileio_prw(a[0], (const struct iovec *)a[1], a[2], a[3], out);
}

long sys_preadv2(const long a[6])
{
    return fileio_rw2(a, 0);
}

long sys_pwritev2(const long a[6])
{
    return fileio_rw2(a, 1);
}


/* A descriptor open for writing on a regular file: ftruncate and fallocate. */
static struct ofile *fileio_writer(long fd, long *err, long bad_type)
{
    const struct fd_ops *kind = fd_kind(fd);
    struct ofile *f = file_get(fd, NULL);

    *err = -EBADF;
    if (f == NULL || f->path)
        return NULL;
    *err = bad_type;
    if (kind->access == O_RDONLY || f->type != S_IFREG)
        return NULL;
    return f;
}

long sys_ftruncate(const long a[6])
{
    long r;

    if (a[1] < 0)
        return -EINVAL;
    struct ofile *f = fileio_writer(a[0], &r, -EINVAL);
    if (f == NULL)
        return r;
    struct vfs_attr at = { .mask = VFS_ATTR_SIZE | VFS_ATTR_MTIME,
                           .size = (uint64_t)a[1], .mtime = vfs_now() };
    return file_ops_of(f)->setattr(vfs_fs_of(f->n.m), f->n.ino, &at);
}

long sys_fallocate(const long a[6])
{
    int mode = (int)a[1];
    long off = a[2], len = a[3], r;

    if (off < 0 || len <= 0)
        return -EINVAL;
    if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE |
                 FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE |
                 FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE))
        return -EOPNOTSUPP;
    if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
        return -EOPNOTSUPP;
    if (fd_kind(a[0]) == NULL)
        return -EBADF;
    struct ofile *f = file_get(a[0], NULL);
    if (f != NULL && f->type == S_IFDIR)
        return -EISDIR;
    if (f == NULL || f->path || fd_kind(a[0])->access == O_RDONLY)
        return f == NULL && fd_kind(a[0])->access != O_RDONLY ? -ESPIPE : -EBADF;
    if (f->type != S_IFREG)
        return -ENODEV;
    if (len > LONG_MAX - off)
        return -EFBIG;
    if (file_ops_of(f)->fallocate == NULL)
        return -EOPNOTSUPP;
    if ((r = vfs_writable(f->n.m)) < 0)
        return r;
    return file_ops_of(f)->fallocate(vfs_fs_of(f->n.m), f->n.ino, mode,
                                     (uint64_t)off, (uint64_t)len);
}

/* fsync on a pipe or socket is EINVAL, as on Linux. */
static long fileio_sync(long fd, int datasync)
{
    struct ofile *f = file_get(fd, NULL);

    if (f == NULL)
        return fd_kind(fd) == NULL ? -EBADF : -EINVAL;
    if (f->path)
        return -EBADF;
    return file_ops_of(f)->fsync(vfs_fs_of(f->n.m), f->n.ino, datasync);
}

long sys_fsync(const long a[6])
{
    return fileio_sync(a[0], 0);
}

long sys_fdatasync(const long a[6])
{
    return fileio_sync(a[0], 1);
}

long sys_syncfs(const long a[6])
{
    struct ofile *f = file_get(a[0], NULL);

    if (f == NULL)
        return fd_kind(a[0]) == NULL ? -EBADF : 0;
    return vfs_sync_mount(f->n.m);
}

long sys_sync(const long a[6])
{
    (void)a;
    for (int m = 0; m < VFS_MOUNT_MAX; m++)
        if (vfs_mounts[m].type != NULL)
            (void)vfs_sync_mount(m);
    return 0;
}

/* The bounce buffer of sendfile and copy_file_range: per call, since a
   write to a full pipe may wait, and another thread may run meanwhile. */
#define FILEIO_CHUNK (64 * 1024)

/* An offset argument of sendfile or copy_file_range: the file's own when NULL. */
static long fileio_offset(const off_t *p, struct ofile *f, uint64_t *pos)
{
    if (p == NULL) {
        *pos = f->pos;
        return 0;
    }
    if (!mem_check(p, sizeof *p))
        return -EFAULT;
    if (*p < 0)
        return -EINVAL;
    *pos = (uint64_t)*p;
    return 0;
}

/*
 * The bounce-buffer loop of sendfile and copy_file_range: up to `len`
 * bytes of `in` from `at`, each piece handed to `put` (`done` bytes already
 * went); a short or failed put ends it.  The count copied, or the first
 * error when nothing was.
 */
static long fileio_copy(struct ofile *in, uint64_t at, size_t len,
                        long (*put)(void *ctx, char *buf, size_t n, size_t done),
                        void *ctx)
{
    if (len == 0)
        return 0;
    char *chunk = mem_alloc(FILEIO_CHUNK);
    if (chunk == NULL)
        return -ENOMEM;
    size_t done = 0;
    long r = 0;
    while (done < len) {
        struct iovec v = { chunk, len - done < FILEIO_CHUNK ? len - done : FILEIO_CHUNK };
        uint64_t from = at + done;
        if ((r = file_io(in, &v, 1, &from, 0)) <= 0)
            break;
        long w = put(ctx, chunk, (size_t)r, done);
        if (w <= 0) {
            r = w;
            break;
        }
        done += (size_t)w;
        if (w < r)
            break;
    }
    mem_release(chunk, FILEIO_CHUNK);
    return done == 0 && r < 0 ? r : (long)done;
}

/* sendfile's sink: any writable descriptor, as write(2) would take it. */
static long fileio_put_fd(void *ctx, char *buf, size_t n, size_t done)
{
    (void)done;
    return sys_write((const long[6]){ *(int *)ctx, (long)buf, (long)n });
}

/* copy_file_range's sink: the output file at its offset. */
struct fileio_dest {
    struct ofile *f;
    uint64_t at;
};

static long fileio_put_file(void *ctx, char *buf, size_t n, size_t done)
{
    struct fileio_dest *d = ctx;
    struct iovec v = { buf, n };
    uint64_t to = d->at + done;
    return file_io(d->f, &v, 1, &to, 1);
}

/*
 * sendfile: from a file (at *offset, or its own offset) to any descriptor
 * open for writing, a chunk at a time, stopping at end of file or at the
 * first short write.  Linux's checks: both descriptors (EBADF), the source
 * a file (EINVAL), the destination not O_APPEND (EINVAL).
 */
long sys_sendfile(const long a[6])
{
    long out_fd = (int)a[0], in_fd = (int)a[1];
    off_t *offset = (off_t *)a[2];
    size_t count = (size_t)a[3];
    const struct fd_ops *in_kind = fd_kind(in_fd), *out_kind = fd_kind(out_fd);
    int out_flags;
    struct ofile *f = file_get(in_fd, NULL);
    uint64_t pos;

    if (in_kind == NULL || in_kind->access == O_WRONLY || (f != NULL && f->path))
        return -EBADF;
    if (out_kind == NULL || out_kind->access == O_RDONLY)
        return -EBADF;
    (void)fd_obj(out_fd, out_kind, &out_flags);
    if (f == NULL || f->type == S_IFDIR || (out_flags & O_APPEND))
        return -EINVAL;
    long r = fileio_offset(offset, f, &pos);
    if (r < 0)
        return r;
    if (count > FILE_RW_MAX)
        count = FILE_RW_MAX;
    r = fileio_copy(f, pos, count, fileio_put_fd, &out_fd);
    if (r < 0)
        return r;
    size_t done = (size_t)r;
    if (offset != NULL)
        *offset = (off_t)(pos + done);
    else
        f->pos = pos + done;
    return (long)done;
}

/* copy_file_range between two regular files, through a bounce buffer. */
long sys_copy_file_range(const long a[6])
{
    int out_flags;
    struct ofile *in = file_get((int)a[0], NULL);
    struct ofile *out = file_get((int)a[2], NULL);
    off_t *in_off = (off_t *)a[1], *out_off = (off_t *)a[3];
    size_t len = (size_t)a[4];
    uint64_t ip, op;
    long r;

    const struct fd_ops *ik = fd_kind((int)a[0]), *ok = fd_kind((int)a[2]);

    if (a[5] != 0)
        return -EINVAL;
    if (ik == NULL || ok == NULL || (in != NULL && in->path) ||
        (out != NULL && out->path) || ik->access == O_WRONLY ||
        ok->access == O_RDONLY)
        return -EBADF;
    if (out != NULL)
        (void)fd_obj((int)a[2], ok, &out_flags);
    else
        out_flags = 0;
    if (out_flags & O_APPEND)
        return -EBADF;
    if ((in != NULL && in->type == S_IFDIR) || (out != NULL && out->type == S_IFDIR))
        return -EISDIR;
    if (in == NULL || out == NULL || in->type != S_IFREG || out->type != S_IFREG)
        return -EINVAL;
    if ((r = fileio_offset(in_off, in, &ip)) < 0 ||
        (r = fileio_offset(out_off, out, &op)) < 0)
        return r;
    if (len > FILE_RW_MAX)
        len = FILE_RW_MAX;
    if (in->n.m == out->n.m && in->n.ino == out->n.ino &&
        ip < op + len && op < ip + len)
        return -EINVAL; /* overlapping ranges of one file */
    if ((r = vfs_writable(out->n.m)) < 0)
        return r;
    struct fileio_dest dest = { out, op };
    if ((r = fileio_copy(in, ip, len, fileio_put_file, &dest)) < 0)
        return r;
    size_t done = (size_t)r;
    if (in_off != NULL)
        *in_off = (off_t)(ip + done);
    else
        in->pos = ip + done;
    if (out_off != NULL)
        *out_off = (off_t)(op + done);
    else
        out->pos = op + done;
    return (long)done;
}

/*
 * posix_fadvise: advice is accepted and changes nothing (the filesystems
 * here keep no page cache to steer).  Linux's checks: the descriptor, a
 * pipe ESPIPE, the advice and a negative length EINVAL.
 */
long sys_fadvise64(const long a[6])
{
    const struct fd_ops *kind = fd_kind((int)a[0]);
    struct ofile *f = file_get((int)a[0], NULL);

    if (kind == NULL || (f != NULL && f->path))
        return -EBADF;
    if ((kind->mode & S_IFMT) == S_IFIFO)
        return -ESPIPE;
    if (a[2] < 0 || (unsigned long)a[3] > 5) /* POSIX_FADV_NOREUSE is 5 */
        return -EINVAL;
    return 0;
}

/* readahead: a regular file open for reading, else EINVAL. */
long sys_readahead(const long a[6])
{
    const struct fd_ops *kind = fd_kind((int)a[0]);
    struct ofile *f = file_get((int)a[0], NULL);

    if (kind == NULL || kind->access == O_WRONLY || (f != NULL && f->path))
        return -EBADF;
    if (f == NULL || f->type != S_IFREG)
        return -EINVAL;
    return 0;
}

/*
 * flock: one process never conflicts with itself, so every lock is
 * granted at once (as the record locks of fd.c); the operation is checked
 * as Linux checks it.
 */
long sys_flock(const long a[6])
{
    const struct fd_ops *kind = fd_kind((int)a[0]);
    struct ofile *f = file_get((int)a[0], NULL);
    unsigned op = (unsigned)a[1] & ~(unsigned)LOCK_NB;

    if (kind == NULL || (f != NULL && f->path))
        return -EBADF;
    if (op != LOCK_SH && op != LOCK_EX && op != LOCK_UN)
        return -EINVAL;
    return 0;
}

/*
 * mmap of a file, as a copy (mem.c maps the memory): musl maps zoneinfo
 * files, and programs map files they only read.  A private mapping is a
 * copy on Linux too, but for pages nobody wrote, which Linux keeps in step
 * with the file; a read-only shared mapping here does not see later writes
 * to the file either (docs/files.md).  fileio_mappable: 0, or Linux's
 * errno for fd (-ENODEV for a writable shared mapping, not supported).
 */
long fileio_mappable(long fd, int shared_write)
{
    int flags;
    const struct fd_ops *kind = fd_kind(fd);
    struct ofile *f = file_get(fd, &flags);

    if (kind == NULL || (f != NULL && f->path))
        return -EBADF;
    if (f == NULL || f->type != S_IFREG)
        return -ENODEV;
    if (kind->access == O_WRONLY || (shared_write && kind->access != O_RDWR))
        return -EACCES;
    return shared_write ? -ENODEV : 0;
}

/* Fill [p, p + len) from fd's file at off; bytes past its end stay zero. */
long fileio_map_fill(long fd, void *p, size_t len, long off)
{
    int flags;
    struct ofile *f = file_get(fd, &flags);
    uint64_t pos = (uint64_t)off;

    if (off < 0)
        return -EINVAL;
    for (size_t done = 0; done < len;) {
        size_t want = len - done > FILE_RW_MAX ? FILE_RW_MAX : len - done;
        struct iovec v = { (char *)p + done, want };
        long r = file_io(f, &v, 1, &pos, 0);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return 0;
}
