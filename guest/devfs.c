/* devfs.c: /dev: null, zero, full, random and urandom, as Linux's memory devices, and the stdin, stdout, stderr and fd links. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "files.h"
#include "runtime.h"

/*
 * A fixed directory of character devices with Linux's numbers (major 1).
 * null reads as empty and swallows writes; zero reads zeros; full reads
 * zeros and refuses writes (ENOSPC); random and urandom read the runtime's
 * ChaCha20 generator (rng.c), never blocking, and take writes as Linux
 * does (mixing nothing in: the generator is keyed from the host's entropy
 * at boot).  Their modes, owners and times may be changed but nothing
 * else: creating or removing names here is EPERM.
 */

#define DEVFS_MAGIC 0x1373 /* Linux's DEVFS_SUPER_MAGIC */

enum {
    DEV_ROOT = 1, DEV_NULL, DEV_ZERO, DEV_FULL, DEV_RANDOM, DEV_URANDOM,
    DEV_STDIN, DEV_STDOUT, DEV_STDERR, DEV_FD, DEV_N
};

/* The devices (minor numbers of major 1) and the links into /proc. */
static const struct {
    const char *name;
    unsigned minor;
    const char *target;
} devfs_names[DEV_N] = {
    [DEV_NULL] = { "null", 3, NULL },
    [DEV_ZERO] = { "zero", 5, NULL },
    [DEV_FULL] = { "full", 7, NULL },
    [DEV_RANDOM] = { "random", 8, NULL },
    [DEV_URANDOM] = { "urandom", 9, NULL },
    [DEV_STDIN] = { "stdin", 0, "/proc/self/fd/0" },
    [DEV_STDOUT] = { "stdout", 0, "/proc/self/fd/1" },
    [DEV_STDERR] = { "stderr", 0, "/proc/self/fd/2" },
    [DEV_FD] = { "fd", 0, "/proc/self/fd" },
};

static struct {
    mode_t mode;
    uid_t uid;
    gid_t gid;
    struct timespec atime, mtime, ctime;
} devfs_attr[DEV_N];

static int devfs_ok(uint64_t ino)
{
    return ino >= DEV_ROOT && ino < DEV_N;
}

static long devfs_lookup(void *fs, uint64_t dir, const char *name, size_t len,
                         uint64_t *ino)
{
    (void)fs;
    if (dir != DEV_ROOT)
        return -ENOTDIR;
    if ((len == 1 && name[0] == '.') || (len == 2 && !memcmp(name, "..", 2))) {
        *ino = DEV_ROOT;
        return 0;
    }
    for (uint64_t i = DEV_NULL; i < DEV_N; i++) {
        if (strlen(devfs_names[i].name) == len &&
            memcmp(devfs_names[i].name, name, len) == 0) {
            *ino = i;
            return 0;
        }
    }
    return -ENOENT;
}

static long devfs_getattr(void *fs, uint64_t ino, struct stat *st)
{
    (void)fs;
    if (!devfs_ok(ino))
        return -ENOENT;
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    st->st_mode = devfs_attr[ino].mode;
    st->st_nlink = ino == DEV_ROOT ? 2 : 1;
    st->st_uid = devfs_attr[ino].uid;
    st->st_gid = devfs_attr[ino].gid;
    st->st_blksize = UHVT_PAGE_SIZE;
    if (S_ISCHR(st->st_mode))
        st->st_rdev = makedev(1, devfs_names[ino].minor);
    if (S_ISLNK(st->st_mode))
        st->st_size = (off_t)strlen(devfs_names[ino].target);
    st->st_atim = devfs_attr[ino].atime;
    st->st_mtim = devfs_attr[ino].mtime;
    st->st_ctim = devfs_attr[ino].ctime;
    return 0;
}

static long devfs_setattr(void *fs, uint64_t ino, const struct vfs_attr *a)
{
    (void)fs;
    if (!devfs_ok(ino))
        return -ENOENT;
    if (a->mask & VFS_ATTR_SIZE)
        return 0; /* O_TRUNC and truncate leave a device alone */
    if (a->mask & VFS_ATTR_MODE)
        devfs_attr[ino].mode = (devfs_attr[ino].mode & S_IFMT) | (a->mode & 07777);
    if (a->mask & VFS_ATTR_UID)
        devfs_attr[ino].uid = a->uid;
    if (a->mask & VFS_ATTR_GID)
        devfs_attr[ino].gid = a->gid;
    if (a->mask & VFS_ATTR_ATIME)
        devfs_attr[ino].atime = a->atime;
    if (a->mask & VFS_ATTR_MTIME)
        devfs_attr[ino].mtime = a->mtime;
    devfs_attr[ino].ctime = vfs_now();
    return 0;
}

static long devfs_create(void *fs, uint64_t dir, const char *name, size_t len,
                         mode_t mode, const char *target, uid_t uid, gid_t gid,
                         uint64_t *ino)
{
    uint64_t i;

    (void)target, (void)uid, (void)gid, (void)mode, (void)ino;
    return devfs_lookup(fs, dir, name, len, &i) == 0 ? -EEXIST : -EPERM;
}

static long devfs_link(void *fs, uint64_t dir, const char *name, size_t len,
                       uint64_t ino)
{
    (void)ino;
    return devfs_create(fs, dir, name, len, 0, NULL, 0, 0, NULL);
}

static long devfs_unlink(void *fs, uint64_t parent, const char *name,
                         size_t len, int dir)
{
    uint64_t i;
    long r = devfs_lookup(fs, parent, name, len, &i);

    if (r < 0)
        return r;
    return dir ? -ENOTDIR : -EPERM;
}

static long devfs_rename(void *fs, uint64_t olddir, const char *oldname,
                         size_t oldlen, uint64_t newdir, const char *newname,
                         size_t newlen, unsigned flags)
{
    uint64_t i;

    (void)newdir, (void)newname, (void)newlen, (void)flags;
    long r = devfs_lookup(fs, olddir, oldname, oldlen, &i);
    return r < 0 ? r : -EPERM;
}

static long devfs_readlink(void *fs, uint64_t ino, char *buf, size_t len)
{
    (void)fs;
    if (!devfs_ok(ino) || devfs_names[ino].target == NULL)
        return -EINVAL;
    size_t n = strlen(devfs_names[ino].target);
    if (n > len)
        n = len;
    memcpy(buf, devfs_names[ino].target, n);
    return (long)n;
}

static long devfs_open(void *fs, uint64_t ino)
{
    (void)fs;
    return devfs_ok(ino) ? 0 : -ENOENT;
}

static void devfs_release(void *fs, uint64_t ino)
{
    (void)fs, (void)ino;
}

static long devfs_read(void *fs, uint64_t ino, void *buf, size_t len,
                       uint64_t off)
{
    (void)fs, (void)off;
    switch (ino) {
    case DEV_ROOT:
        return -EISDIR;
    case DEV_NULL:
        return 0;
    case DEV_ZERO:
    case DEV_FULL:
        memset(buf, 0, len);
        return (long)len;
    case DEV_RANDOM:
    case DEV_URANDOM:
        rng_fill(buf, len);
        return (long)len;
    default:
        return -EINVAL;
    }
}

static long devfs_write(void *fs, uint64_t ino, const void *buf, size_t len,
                        uint64_t off)
{
    (void)fs, (void)buf, (void)off;
    if (ino == DEV_ROOT)
        return -EISDIR;
    return ino == DEV_FULL ? -ENOSPC : (long)len;
}

static long devfs_readdir(void *fs, uint64_t dir, uint64_t *pos,
                          vfs_filldir fill, void *ctx)
{
    (void)fs;
    if (dir != DEV_ROOT)
        return -ENOTDIR;
    for (; *pos < DEV_N; (*pos)++) {
        const char *name = *pos == 0 ? "." : *pos == 1 ? ".." : devfs_names[*pos].name;
        if (*pos == 0 || *pos == 1) {
            if (fill(ctx, name, *pos + 1, DEV_ROOT, DT_DIR, *pos + 1))
                return 0;
            continue;
        }
        if (fill(ctx, name, strlen(name), *pos,
                 devfs_names[*pos].target ? DT_LNK : DT_CHR, *pos + 1))
            return 0;
    }
    return 0;
}

static long devfs_fsync(void *fs, uint64_t ino, int datasync)
{
    (void)fs, (void)ino, (void)datasync;
    return 0;
}

static long devfs_statfs(void *fs, struct statfs *sf)
{
    (void)fs;
    memset(sf, 0, sizeof *sf);
    sf->f_type = DEVFS_MAGIC;
    sf->f_bsize = sf->f_frsize = UHVT_PAGE_SIZE;
    sf->f_files = DEV_N - 1;
    sf->f_namelen = NAME_MAX;
    return 0;
}

static long devfs_unmount(void *fs)
{
    (void)fs;
    return 0;
}

static const struct vfs_ops devfs_ops = {
    .lookup = devfs_lookup,
    .getattr = devfs_getattr,
    .setattr = devfs_setattr,
    .create = devfs_create,
    .link = devfs_link,
    .unlink = devfs_unlink,
    .rename = devfs_rename,
    .readlink = devfs_readlink,
    .open = devfs_open,
    .release = devfs_release,
    .read = devfs_read,
    .write = devfs_write,
    .readdir = devfs_readdir,
    .fsync = devfs_fsync,
    .statfs = devfs_statfs,
    .unmount = devfs_unmount,
};

static long devfs_mount(int handle, int read_only, void **fs, uint64_t *root)
{
    struct timespec now = vfs_now();

    (void)handle, (void)read_only;
    for (int i = DEV_ROOT; i < DEV_N; i++) {
        devfs_attr[i].mode = i == DEV_ROOT ? S_IFDIR | 0755 :
                             devfs_names[i].target ? S_IFLNK | 0777 :
                                                     S_IFCHR | 0666;
        devfs_attr[i].atime = devfs_attr[i].mtime = devfs_attr[i].ctime = now;
    }
    *fs = devfs_attr;
    *root = DEV_ROOT;
    return 0;
}

const struct vfs_type devfs_type = {
    .name = "devfs",
    .ops = &devfs_ops,
    .mount = devfs_mount,
};
