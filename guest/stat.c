/* stat.c: the calls that read or change a file's attributes: stat and statx, statfs, access, chmod, chown, utimensat, truncate. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>

#include "files.h"
#include "runtime.h"

#define ST_VALID 0x0020 /* Linux: f_flags is filled in */

/*
 * The process is root (uid 0, gid 0) with no capability dropped, so no
 * permission bit ever refuses it anything but execution: only read-only
 * mounts (EROFS) refuse writes.
 */

/* Linux's struct statx (include/uapi/linux/stat.h); musl 1.2.3 has none. */
struct statx_ts {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t pad;
};
struct statx_buf {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, pad1;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t stx_mnt_id;
    uint64_t spare[13];
};
_Static_assert(sizeof(struct statx_buf) == 256, "struct statx");
#define STATX_BASIC_STATS 0x7ffU
#define STATX_RESERVED 0x80000000U

/* Whether path (in guest memory) is "", which AT_EMPTY_PATH may allow. */
static int stat_empty(const char *path)
{
    return mem_check(path, 1) && path[0] == '\0';
}

/*
 * The node `dirfd`/`path` names, for the *at calls' `flags`
 * (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH).  *other is set (and 0 returned)
 * when an empty path names a descriptor that is no file (a pipe).
 */
static long stat_node(long dirfd, const char *path, int flags, int follow,
                      struct vfs_walk *w, int *other)
{
    *other = 0;
    w->fd = -1;
    if ((flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD && stat_empty(path) &&
        file_node(dirfd, &w->node, 0) < 0) {
        if (fd_kind(dirfd) == NULL)
            return -EBADF;
        *other = 1;
        return 0;
    }
    long r = vfs_walk_existing(dirfd, path,
                               (follow && !(flags & AT_SYMLINK_NOFOLLOW) ?
                                WALK_FOLLOW | WALK_FD : 0) |
                               (flags & AT_EMPTY_PATH ? WALK_EMPTY : 0), w);
    if (r == 0 && w->fd >= 0) /* /proc/self/fd/N of a pipe or the console */
        *other = 1;
    return r;
}

static long stat_at(long dirfd, const char *path, struct stat *st, int flags)
{
    struct vfs_walk w;
    struct stat s;
    int other;
    long r;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
        return -EINVAL;
    if ((r = stat_node(dirfd, path, flags, 1, &w, &other)) < 0)
        return r;
    if (other)
        return fd_stat(w.fd >= 0 ? w.fd : dirfd, st);
    if ((r = vfs_getattr(w.node, &s)) < 0)
        return r;
    if (!mem_check(st, sizeof *st))
        return -EFAULT;
    *st = s;
    return 0;
}

long sys_stat(const long a[6])
{
    return stat_at(AT_FDCWD, (const char *)a[0], (struct stat *)a[1], 0);
}

long sys_lstat(const long a[6])
{
    return stat_at(AT_FDCWD, (const char *)a[0], (struct stat *)a[1],
                   AT_SYMLINK_NOFOLLOW);
}

long sys_newfstatat(const long a[6])
{
    return stat_at((int)a[0], (const char *)a[1], (struct stat *)a[2], (int)a[3]);
}

static struct statx_ts stat_ts(struct timespec t)
{
    return (struct statx_ts){ .tv_sec = t.tv_sec, .tv_nsec = (uint32_t)t.tv_nsec };
}

long sys_statx(const long a[6])
{
    struct statx_buf *sx = (struct statx_buf *)a[4];
    int flags = (int)a[2];
    struct vfs_walk w;
    struct stat st;
    int other;
    long r;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
                  AT_STATX_SYNC_TYPE))
        return -EINVAL;
    if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
        return -EINVAL;
    if ((unsigned)a[3] & STATX_RESERVED)
        return -EINVAL;
    if ((r = stat_node((int)a[0], (const char *)a[1], flags, 1, &w, &other)) < 0)
        return r;
    r = other ? fd_stat(w.fd >= 0 ? w.fd : (int)a[0], &st)
              : vfs_getattr(w.node, &st);
    if (r < 0)
        return r;
    if (!mem_check(sx, sizeof *sx))
        return -EFAULT;
    memset(sx, 0, sizeof *sx);
    sx->stx_mask = STATX_BASIC_STATS;
    sx->stx_blksize = (uint32_t)st.st_blksize;
    sx->stx_nlink = (uint32_t)st.st_nlink;
    sx->stx_uid = st.st_uid;
    sx->stx_gid = st.st_gid;
    sx->stx_mode = (uint16_t)st.st_mode;
    sx->stx_ino = st.st_ino;
    sx->stx_size = (uint64_t)st.st_size;
    sx->stx_blocks = (uint64_t)st.st_blocks;
    sx->stx_atime = stat_ts(st.st_atim);
    sx->stx_mtime = stat_ts(st.st_mtim);
    sx->stx_ctime = stat_ts(st.st_ctim);
    sx->stx_rdev_major = major(st.st_rdev);
    sx->stx_rdev_minor = minor(st.st_rdev);
    sx->stx_dev_major = major(st.st_dev);
    sx->stx_dev_minor = minor(st.st_dev);
    sx->stx_mnt_id = other ? 0 : (uint64_t)w.node.m + 1;
    return 0;
}

static long stat_fs(int m, struct statfs *out)
{
    struct statfs sf;
    long r = vfs_ops_of(m)->statfs(vfs_fs_of(m), &sf);

    if (r < 0)
        return r;
    sf.f_fsid.__val[0] = 32 + m;
    sf.f_flags = ST_VALID | (vfs_mounts[m].read_only ? ST_RDONLY : 0);
    if (!mem_check(out, sizeof *out))
        return -EFAULT;
    *out = sf;
    return 0;
}

long sys_statfs(const long a[6])
{
    struct vfs_walk w;
    long r = vfs_walk_existing(AT_FDCWD, (const char *)a[0], WALK_FOLLOW, &w);

    return r < 0 ? r : stat_fs(w.node.m, (struct statfs *)a[1]);
}

/* The pseudo-filesystems Linux names for pipes, sockets, consoles, the rest. */
static long stat_fs_other(long fd, struct statfs *out)
{
    const struct fd_ops *kind = fd_kind(fd);

    if (kind == NULL)
        return -EBADF;
    if (!mem_check(out, sizeof *out))
        return -EFAULT;
    memset(out, 0, sizeof *out);
    switch (kind->mode & S_IFMT) {
    case S_IFIFO:
        out->f_type = 0x50495045; /* PIPEFS_MAGIC */
        break;
    case S_IFSOCK:
        out->f_type = 0x534f434b; /* SOCKFS_MAGIC */
        break;
    case S_IFCHR:
        out->f_type = 0x1cd1; /* DEVPTS_SUPER_MAGIC */
        break;
    default:
        out->f_type = 0x09041934; /* ANON_INODE_FS_MAGIC */
    }
    out->f_bsize = out->f_frsize = UHVT_PAGE_SIZE;
    out->f_namelen = NAME_MAX;
    out->f_flags = ST_VALID;
    return 0;
}

long sys_fstatfs(const long a[6])
{
    struct vfs_node n;
    long r = file_node(a[0], &n, 0);

    if (r < 0)
        return stat_fs_other(a[0], (struct statfs *)a[1]);
    return stat_fs(n.m, (struct statfs *)a[1]);
}

/* Root passes every check but execution, which needs an x bit somewhere. */
static long stat_access(long dirfd, const char *path, int mode, int flags)
{
    struct vfs_walk w;
    int other;
    long r;

    if (mode & ~(R_OK | W_OK | X_OK))
        return -EINVAL;
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if ((r = stat_node(dirfd, path, flags, 1, &w, &other)) < 0)
        return r;
    if (other)
        return 0;
    if ((mode & W_OK) && !S_ISCHR(w.mode) && (r = vfs_writable(w.node.m)) < 0)
        return r;
    if ((mode & X_OK) && !S_ISDIR(w.mode) && !(w.mode & 0111))
        return -EACCES;
    return 0;
}

long sys_access(const long a[6])
{
    return stat_access(AT_FDCWD, (const char *)a[0], (int)a[1], 0);
}

long sys_faccessat(const long a[6])
{
    return stat_access((int)a[0], (const char *)a[1], (int)a[2], 0);
}

long sys_faccessat2(const long a[6])
{
    return stat_access((int)a[0], (const char *)a[1], (int)a[2], (int)a[3]);
}

/* Change node n's attributes, unless its mount is read-only. */
static long stat_set(struct vfs_node n, struct vfs_attr *at)
{
    long r = vfs_writable(n.m);

    if (r < 0)
        return r;
    return vfs_ops_of(n.m)->setattr(vfs_fs_of(n.m), n.ino, at);
}

static long stat_chmod(long dirfd, const char *path, mode_t mode)
{
    struct vfs_walk w;
    long r = vfs_walk_existing(dirfd, path, WALK_FOLLOW, &w);
    struct vfs_attr at = { .mask = VFS_ATTR_MODE, .mode = mode & 07777 };

    return r < 0 ? r : stat_set(w.node, &at);
}

long sys_chmod(const long a[6])
{
    return stat_chmod(AT_FDCWD, (const char *)a[0], (mode_t)a[1]);
}

long sys_fchmodat(const long a[6])
{
    return stat_chmod((int)a[0], (const char *)a[1], (mode_t)a[2]);
}

/* An O_PATH descriptor is refused (EBADF) by the calls on descriptors. */
static long stat_fd_node(long fd, struct vfs_node *n)
{
    return file_node_io(fd, n);
}

long sys_fchmod(const long a[6])
{
    struct vfs_node n;
    struct vfs_attr at = { .mask = VFS_ATTR_MODE, .mode = (mode_t)a[1] & 07777 };
    long r = stat_fd_node(a[0], &n);

    return r < 0 ? r : stat_set(n, &at);
}

/* -1 leaves an id alone; a changed owner clears set-id bits, as Linux. */
static long stat_chown(struct vfs_node n, uid_t uid, gid_t gid)
{
    struct vfs_attr at = { 0 };
    struct stat st;
    long r;

    if ((r = vfs_getattr(n, &st)) < 0)
        return r;
    if (uid != (uid_t)-1) {
        at.mask |= VFS_ATTR_UID;
        at.uid = uid;
    }
    if (gid != (gid_t)-1) {
        at.mask |= VFS_ATTR_GID;
        at.gid = gid;
    }
    if (at.mask != 0 && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode) &&
        (st.st_mode & (S_ISUID | S_ISGID))) {
        at.mask |= VFS_ATTR_MODE;
        at.mode = st.st_mode & 07777 & ~(mode_t)S_ISUID;
        if (st.st_mode & S_IXGRP)
            at.mode &= ~(mode_t)S_ISGID;
    }
    return stat_set(n, &at);
}

static long stat_chown_at(long dirfd, const char *path, uid_t uid, gid_t gid,
                          int flags)
{
    struct vfs_walk w;
    int other;
    long r;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if ((r = stat_node(dirfd, path, flags, 1, &w, &other)) < 0)
        return r;
    return other ? -EBADF : stat_chown(w.node, uid, gid);
}

long sys_chown(const long a[6])
{
    return stat_chown_at(AT_FDCWD, (const char *)a[0], (uid_t)a[1],
                         (gid_t)a[2], 0);
}

long sys_lchown(const long a[6])
{
    return stat_chown_at(AT_FDCWD, (const char *)a[0], (uid_t)a[1],
                         (gid_t)a[2], AT_SYMLINK_NOFOLLOW);
}

long sys_fchownat(const long a[6])
{
    return stat_chown_at((int)a[0], (const char *)a[1], (uid_t)a[2], (gid_t)a[3],
                         (int)a[4]);
}

long sys_fchown(const long a[6])
{
    struct vfs_node n;
    long r = stat_fd_node(a[0], &n);

    return r < 0 ? r : stat_chown(n, (uid_t)a[1], (gid_t)a[2]);
}

/* Times from utimensat's pair (NULL: now); UTIME_NOW and UTIME_OMIT. */
static long stat_times(const struct timespec *ts, struct vfs_attr *at)
{
    struct timespec now = vfs_now(), t[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };

    if (ts != NULL) {
        if (!mem_check(ts, 2 * sizeof *ts))
            return -EFAULT;
        t[0] = ts[0];
        t[1] = ts[1];
    }
    for (int i = 0; i < 2; i++) {
        if (t[i].tv_nsec == UTIME_OMIT)
            continue;
        if (t[i].tv_nsec == UTIME_NOW)
            t[i] = now;
        else if (t[i].tv_nsec < 0 || t[i].tv_nsec >= 1000000000L)
            return -EINVAL;
        at->mask |= i == 0 ? VFS_ATTR_ATIME : VFS_ATTR_MTIME;
    }
    at->atime = t[0];
    at->mtime = t[1];
    return 0;
}

static long stat_utimens(long dirfd, const char *path,
                         const struct timespec *ts, int flags)
{
    struct vfs_attr at = { 0 };
    struct vfs_walk w;
    struct vfs_node n;
    int other;
    long r;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if ((r = stat_times(ts, &at)) < 0)
        return r;
    if (path == NULL) { /* Linux's futimens form */
        if (flags & AT_SYMLINK_NOFOLLOW)
            return -EINVAL;
        if (dirfd == AT_FDCWD)
            return -EFAULT;
        if ((r = file_node(dirfd, &n, 0)) < 0)
            return -EBADF;
    } else {
        if ((r = stat_node(dirfd, path, flags, 1, &w, &other)) < 0)
            return r;
        if (other)
            return -EBADF;
        n = w.node;
    }
    if (at.mask == 0)
        return 0;
    return stat_set(n, &at);
}

long sys_utimensat(const long a[6])
{
    return stat_utimens((int)a[0], (const char *)a[1],
                        (const struct timespec *)a[2], (int)a[3]);
}

/* utimes and futimesat take microseconds; NULL is now. */
static long stat_utimes(long dirfd, const char *path, const struct timeval *tv)
{
    struct timespec ts[2];

    if (tv == NULL)
        return stat_utimens(dirfd, path, NULL, 0);
    if (!mem_check(tv, 2 * sizeof *tv))
        return -EFAULT;
    for (int i = 0; i < 2; i++) {
        if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
            return -EINVAL;
        ts[i] = (struct timespec){ tv[i].tv_sec, tv[i].tv_usec * 1000 };
    }
    return stat_utimens(dirfd, path, ts, 0);
}

long sys_utimes(const long a[6])
{
    return stat_utimes(AT_FDCWD, (const char *)a[0],
                       (const struct timeval *)a[1]);
}

long sys_futimesat(const long a[6])
{
    return stat_utimes((int)a[0], (const char *)a[1], (const struct timeval *)a[2]);
}

long sys_utime(const long a[6])
{
    const struct utimbuf *u = (const struct utimbuf *)a[1];
    struct timespec ts[2];

    if (u == NULL)
        return stat_utimens(AT_FDCWD, (const char *)a[0], NULL, 0);
    if (!mem_check(u, sizeof *u))
        return -EFAULT;
    ts[0] = (struct timespec){ u->actime, 0 };
    ts[1] = (struct timespec){ u->modtime, 0 };
    return stat_utimens(AT_FDCWD, (const char *)a[0], ts, 0);
}

long sys_truncate(const long a[6])
{
    struct vfs_walk w;
    long r;

    if (a[1] < 0)
        return -EINVAL;
    if ((r = vfs_walk_existing(AT_FDCWD, (const char *)a[0], WALK_FOLLOW,
                               &w)) < 0)
        return r;
    if (S_ISDIR(w.mode))
        return -EISDIR;
    if (!S_ISREG(w.mode))
        return -EINVAL;
    struct vfs_attr at = { .mask = VFS_ATTR_SIZE | VFS_ATTR_MTIME,
                           .size = (uint64_t)a[1], .mtime = vfs_now() };
    return stat_set(w.node, &at);
}
