/* dir.c: the calls that make, remove and change names: mkdir, rmdir, unlink, rename, link, symlink, readlink, mknod. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "files.h"
#include "runtime.h"

/*
 * Each call walks its path without following a symlink in the last
 * component (as Linux), checks what Linux checks in Linux's order where
 * the errno would differ, and leaves the rest to the filesystem.  A name
 * with a mount on it cannot be removed or renamed (EBUSY); a rename or
 * link between mounts is EXDEV.
 */

static long dir_create(struct vfs_walk *w, mode_t mode, const char *target)
{
    struct vfs_node n;
    long r;

    if (w->exists)
        return -EEXIST;
    if ((r = vfs_writable(w->dir.m)) < 0)
        return r;
    return vfs_ops_of(w->dir.m)->create(vfs_fs_of(w->dir.m), w->dir.ino,
                                        w->name, w->len, mode, target,
                                        proc_uid(), proc_gid(), &n.ino);
}

static long dir_mkdir(long dirfd, const char *path, mode_t mode)
{
    struct vfs_walk w;
    long r = vfs_walk(dirfd, path, WALK_PARENT, &w);

    if (r < 0)
        return r;
    if (w.len == 0 || w.dots)
        return -EEXIST;
    mode = S_IFDIR | (mode & 01777 & ~proc_umask_get());
    return dir_create(&w, mode, NULL);
}

long sys_mkdir(const long a[6])
{
    return dir_mkdir(AT_FDCWD, (const char *)a[0], (mode_t)a[1]);
}

long sys_mkdirat(const long a[6])
{
    return dir_mkdir((int)a[0], (const char *)a[1], (mode_t)a[2]);
}

/* Whether the walk's last component is a mount's root: its mount point. */
static int dir_is_mount(const struct vfs_walk *w)
{
    return w->node.m != w->dir.m;
}

static long dir_remove(long dirfd, const char *path, int dir)
{
    struct vfs_walk w;
    long r = vfs_walk(dirfd, path, WALK_PARENT, &w);

    if (r < 0)
        return r;
    if (dir) {
        if (w.dots == 1)
            return -EINVAL;
        if (w.dots == 2)
            return -ENOTEMPTY;
        if (w.len == 0)
            return -EBUSY;
    } else if (w.len == 0 || w.dots) {
        return -EISDIR;
    }
    if (!w.exists)
        return -ENOENT;
    if (!dir && S_ISDIR(w.mode))
        return -EISDIR;
    if (w.slash && !S_ISDIR(w.mode))
        return -ENOTDIR;
    if (dir && !S_ISDIR(w.mode))
        return -ENOTDIR;
    if (dir_is_mount(&w))
        return -EBUSY;
    if ((r = vfs_writable(w.dir.m)) < 0)
        return r;
    return vfs_ops_of(w.dir.m)->unlink(vfs_fs_of(w.dir.m), w.dir.ino, w.name,
                                       w.len, dir);
}

long sys_rmdir(const long a[6])
{
    return dir_remove(AT_FDCWD, (const char *)a[0], 1);
}

long sys_unlink(const long a[6])
{
    return dir_remove(AT_FDCWD, (const char *)a[0], 0);
}

long sys_unlinkat(const long a[6])
{
    if (a[2] & ~(long)AT_REMOVEDIR)
        return -EINVAL;
    return dir_remove((int)a[0], (const char *)a[1], (a[2] & AT_REMOVEDIR) != 0);
}

/* Whether directory `top` is `d` or one of its ancestors (in one mount). */
static long dir_contains(struct vfs_node top, struct vfs_node d)
{
    const struct vfs_ops *ops = vfs_ops_of(d.m);

    if (top.m != d.m)
        return 0; /* a mount's root (a mount point): EBUSY, later */
    for (int depth = 0; depth < PATH_MAX; depth++) {
        uint64_t up;
        if (d.ino == top.ino)
            return 1;
        if (d.ino == vfs_mounts[d.m].root)
            return 0;
        long r = ops->lookup(vfs_fs_of(d.m), d.ino, "..", 2, &up);
        if (r < 0)
            return r;
        d.ino = up;
    }
    return -ELOOP;
}

static long dir_rename(long olddirfd, const char *oldpath, long newdirfd,
                       const char *newpath, unsigned flags)
{
    struct vfs_walk o, n;
    long r;

    if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE |
                            RENAME_WHITEOUT))
        return -EINVAL;
    if ((flags & RENAME_NOREPLACE) && (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)))
        return -EINVAL;
    if (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT))
        return -EINVAL; /* not offered by the filesystems here */
    if ((r = vfs_walk(olddirfd, oldpath, WALK_PARENT, &o)) < 0)
        return r;
    if ((r = vfs_walk(newdirfd, newpath, WALK_PARENT, &n)) < 0)
        return r;
    /* Linux's order (do_renameat2, then vfs_rename). */
    if (o.dir.m != n.dir.m)
        return -EXDEV;
    if (o.len == 0 || o.dots)
        return -EBUSY;
    if (n.len == 0 || n.dots)
        return (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
    if ((r = vfs_writable(o.dir.m)) < 0)
        return r;
    if (!o.exists)
        return -ENOENT;
    if ((flags & RENAME_NOREPLACE) && n.exists)
        return -EEXIST;
    if (!S_ISDIR(o.mode) && (o.slash || n.slash))
        return -ENOTDIR;
    /* A directory into itself; a name over a directory holding the old. */
    if (S_ISDIR(o.mode) && (r = dir_contains(o.node, n.dir)) != 0)
        return r < 0 ? r : -EINVAL;
    if (n.exists && S_ISDIR(n.mode) && n.node.m == o.dir.m &&
        (r = dir_contains(n.node, o.dir)) != 0)
        return r < 0 ? r : -ENOTEMPTY;
    if (o.dir.ino == n.dir.ino && o.len == n.len &&
        memcmp(o.name, n.name, o.len) == 0)
        return 0;
    if (n.exists && S_ISDIR(n.mode) != S_ISDIR(o.mode))
        return S_ISDIR(n.mode) ? -EISDIR : -ENOTDIR;
    if (dir_is_mount(&o) || (n.exists && dir_is_mount(&n)))
        return -EBUSY;
    return vfs_ops_of(o.dir.m)->rename(vfs_fs_of(o.dir.m), o.dir.ino, o.name,
                                       o.len, n.dir.ino, n.name, n.len, flags);
}

long sys_rename(const long a[6])
{
    return dir_rename(AT_FDCWD, (const char *)a[0], AT_FDCWD,
                      (const char *)a[1], 0);
}

long sys_renameat(const long a[6])
{
    return dir_rename((int)a[0], (const char *)a[1], (int)a[2], (const char *)a[3], 0);
}

long sys_renameat2(const long a[6])
{
    return dir_rename((int)a[0], (const char *)a[1], (int)a[2], (const char *)a[3],
                      (unsigned)a[4]);
}

static long dir_link(long olddirfd, const char *oldpath, long newdirfd,
                     const char *newpath, int flags)
{
    struct vfs_walk o, n;
    long r;

    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if ((r = vfs_walk_existing(olddirfd, oldpath,
                               ((flags & AT_SYMLINK_FOLLOW) ? WALK_FOLLOW : 0) |
                               ((flags & AT_EMPTY_PATH) ? WALK_EMPTY : 0),
                               &o)) < 0)
        return r;
    if ((r = vfs_walk(newdirfd, newpath, WALK_PARENT, &n)) < 0)
        return r;
    if (n.exists || n.len == 0 || n.dots)
        return -EEXIST;
    if (n.slash)
        return -ENOENT;
    if (o.node.m != n.dir.m)
        return -EXDEV;
    if (S_ISDIR(o.mode))
        return -EPERM;
    if ((r = vfs_writable(n.dir.m)) < 0)
        return r;
    return vfs_ops_of(n.dir.m)->link(vfs_fs_of(n.dir.m), n.dir.ino, n.name,
                                     n.len, o.node.ino);
}

long sys_link(const long a[6])
{
    return dir_link(AT_FDCWD, (const char *)a[0], AT_FDCWD,
                    (const char *)a[1], 0);
}

long sys_linkat(const long a[6])
{
    return dir_link((int)a[0], (const char *)a[1], (int)a[2], (const char *)a[3],
                    (int)a[4]);
}

static long dir_symlink(const char *target, long dirfd, const char *path)
{
    static char copy[PATH_MAX];
    struct vfs_walk w;
    size_t i = 0;
    long r;

    for (;; i++) {
        if (i == PATH_MAX)
            return -ENAMETOOLONG;
        if (!mem_check(target + i, 1))
            return -EFAULT;
        if ((copy[i] = target[i]) == '\0')
            break;
    }
    if (i == 0)
        return -ENOENT;
    if ((r = vfs_walk(dirfd, path, WALK_PARENT, &w)) < 0)
        return r;
    if (w.exists || w.len == 0 || w.dots)
        return -EEXIST;
    if (w.slash)
        return -ENOENT;
    return dir_create(&w, S_IFLNK | 0777, copy);
}

long sys_symlink(const long a[6])
{
    return dir_symlink((const char *)a[0], AT_FDCWD, (const char *)a[1]);
}

long sys_symlinkat(const long a[6])
{
    return dir_symlink((const char *)a[0], (int)a[1], (const char *)a[2]);
}

static long dir_readlink(long dirfd, const char *path, char *buf, long size)
{
    struct vfs_walk w;
    long r;

    if (size <= 0)
        return -EINVAL;
    if ((r = vfs_walk_existing(dirfd, path, WALK_EMPTY, &w)) < 0)
        return r;
    if (!S_ISLNK(w.mode))
        return -EINVAL;
    if (!mem_check(buf, (size_t)size))
        return -EFAULT;
    return vfs_ops_of(w.node.m)->readlink(vfs_fs_of(w.node.m), w.node.ino, buf,
                                          (size_t)size);
}

long sys_readlink(const long a[6])
{
    return dir_readlink(AT_FDCWD, (const char *)a[0], (char *)a[1], a[2]);
}

long sys_readlinkat(const long a[6])
{
    return dir_readlink((int)a[0], (const char *)a[1], (char *)a[2], a[3]);
}

/* Regular files only: devices, FIFOs and sockets need what is not here. */
static long dir_mknod(long dirfd, const char *path, mode_t mode)
{
    struct vfs_walk w;
    long r;

    switch (mode & S_IFMT) {
    case 0:
    case S_IFREG:
        break;
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
    case S_IFSOCK:
        if ((r = vfs_walk(dirfd, path, WALK_PARENT, &w)) < 0)
            return r;
        return w.exists || w.len == 0 || w.dots ? -EEXIST : -EPERM;
    case S_IFDIR:
        return -EPERM;
    default:
        return -EINVAL;
    }
    if ((r = vfs_walk(dirfd, path, WALK_PARENT, &w)) < 0)
        return r;
    if (w.len == 0 || w.dots)
        return -EEXIST;
    return dir_create(&w, S_IFREG | (mode & 07777 & ~proc_umask_get()), NULL);
}

long sys_mknod(const long a[6])
{
    return dir_mknod(AT_FDCWD, (const char *)a[0], (mode_t)a[1]);
}

long sys_mknodat(const long a[6])
{
    return dir_mknod((int)a[0], (const char *)a[1], (mode_t)a[2]);
}
