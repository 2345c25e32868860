/* procfs.c: /proc: self, the process's descriptors as links (/proc/self/fd), its working directory, and the mount table. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statfs.h>

#include "files.h"
#include "runtime.h"

/*
 * What musl and common programs read of /proc, synthesised:
 *   /proc/self       -> "1" (the one process)
 *   /proc/1/fd/N     one link per open descriptor; readlink gives the
 *                    file's path (as opened), "pipe:[...]", "socket:[...]",
 *                    "anon_inode:[...]" or "/dev/console"; opening one
 *                    reaches the open file itself, as Linux's "magic"
 *                    links do (the file, not a path walked again), and
 *                    for a descriptor that is no file makes a new
 *                    descriptor of its open description (as dup).
 *   /proc/1/cwd      the working directory, as a magic link too
 *   /proc/mounts and /proc/1/mounts   the mount table, fstab format
 * Nothing here can be created, removed or changed: EPERM (EACCES for a
 * new file), as Linux's procfs answers root.
 */

#define PROC_MAGIC 0x9fa0 /* PROC_SUPER_MAGIC */

enum {
    PROC_ROOT = 1, PROC_SELF, PROC_PID, PROC_FDDIR, PROC_CWD, PROC_MOUNTS,
    PROC_FD0 = 1000 /* + descriptor */
};

static char proc_text[4096];

static int proc_fd_of(uint64_t ino)
{
    if (ino < PROC_FD0 || ino >= PROC_FD0 + FD_MAX)
        return -1;
    return fd_kind((long)(ino - PROC_FD0)) != NULL ? (int)(ino - PROC_FD0) : -1;
}

static int proc_valid(uint64_t ino)
{
    return (ino >= PROC_ROOT && ino <= PROC_MOUNTS) || proc_fd_of(ino) >= 0;
}

/* A decimal number into buf (at least 21 bytes): its length. */
static size_t proc_num(char *buf, uint64_t v)
{
    char t[24];
    size_t n = 0, i = 0;

    do
        t[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n > 0)
        buf[i++] = t[--n];
    buf[i] = '\0';
    return i;
}

static long proc_lookup(void *fs, uint64_t dir, const char *name, size_t len,
                        uint64_t *ino)
{
    (void)fs;
    if (len == 1 && name[0] == '.') {
        *ino = dir;
        return 0;
    }
    int dots = len == 2 && name[0] == '.' && name[1] == '.';
    switch (dir) {
    case PROC_ROOT:
        if (dots)
            *ino = PROC_ROOT;
        else if (len == 4 && memcmp(name, "self", 4) == 0)
            *ino = PROC_SELF;
        else if (len == 1 && name[0] == '1')
            *ino = PROC_PID;
        else if (len == 6 && memcmp(name, "mounts", 6) == 0)
            *ino = PROC_MOUNTS;
        else
            return -ENOENT;
        return 0;
    case PROC_PID:
        if (dots)
            *ino = PROC_ROOT;
        else if (len == 2 && memcmp(name, "fd", 2) == 0)
            *ino = PROC_FDDIR;
        else if (len == 3 && memcmp(name, "cwd", 3) == 0)
            *ino = PROC_CWD;
        else if (len == 6 && memcmp(name, "mounts", 6) == 0)
            *ino = PROC_MOUNTS;
        else
            return -ENOENT;
        return 0;
    case PROC_FDDIR: {
        uint64_t fd = 0;
        if (dots) {
            *ino = PROC_PID;
            return 0;
        }
        if (len > 4 || (name[0] == '0' && len > 1))
            return -ENOENT;
        for (size_t i = 0; i < len; i++) {
            if (name[i] < '0' || name[i] > '9')
                return -ENOENT;
            fd = fd * 10 + (uint64_t)(name[i] - '0');
        }
        if (fd >= FD_MAX || fd_kind((long)fd) == NULL)
            return -ENOENT;
        *ino = PROC_FD0 + fd;
        return 0;
    }
    default:
        return proc_valid(dir) ? -ENOTDIR : -ENOENT;
    }
}

static long proc_getattr(void *fs, uint64_t ino, struct stat *st)
{
    (void)fs;
    if (!proc_valid(ino))
        return -ENOENT;
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    st->st_nlink = 1;
    st->st_blksize = 1024;
    st->st_atim = st->st_mtim = st->st_ctim = vfs_now();
    switch (ino) {
    case PROC_ROOT:
    case PROC_PID:
        st->st_mode = S_IFDIR | 0555;
        st->st_nlink = 3;
        break;
    case PROC_FDDIR:
        st->st_mode = S_IFDIR | 0500;
        st->st_nlink = 2;
        break;
    case PROC_SELF:
        st->st_mode = S_IFLNK | 0777;
        st->st_size = 1;
        break;
    case PROC_MOUNTS:
        st->st_mode = S_IFREG | 0444;
        break;
    default: /* cwd and the descriptors' links */
        st->st_mode = S_IFLNK | (ino == PROC_CWD ? 0777 : 0700);
        st->st_size = 64;
    }
    return 0;
}

static long proc_setattr(void *fs, uint64_t ino, const struct vfs_attr *a)
{
    (void)fs, (void)a;
    return proc_valid(ino) ? -EPERM : -ENOENT;
}

static long proc_create(void *fs, uint64_t dir, const char *name, size_t len,
                        mode_t mode, const char *target, uid_t uid, gid_t gid,
                        uint64_t *ino)
{
    uint64_t i;

    (void)target, (void)uid, (void)gid, (void)ino;
    if (proc_lookup(fs, dir, name, len, &i) == 0)
        return -EEXIST;
    return S_ISREG(mode) ? -EACCES : -EPERM; /* Linux: no create, mkdir... */
}

static long proc_link(void *fs, uint64_t dir, const char *name, size_t len,
                      uint64_t ino)
{
    (void)ino;
    return proc_create(fs, dir, name, len, S_IFLNK, NULL, 0, 0, NULL);
}

static long proc_unlink(void *fs, uint64_t parent, const char *name,
                        size_t len, int dir)
{
    uint64_t i;
    long r = proc_lookup(fs, parent, name, len, &i);

    (void)dir;
    return r < 0 ? r : -EPERM;
}

static long proc_rename(void *fs, uint64_t olddir, const char *oldname,
                        size_t oldlen, uint64_t newdir, const char *newname,
                        size_t newlen, unsigned flags)
{
    (void)newdir, (void)newname, (void)newlen, (void)flags;
    return proc_unlink(fs, olddir, oldname, oldlen, 0);
}

/* The mount table: "source where type options 0 0" per mount. */
static size_t proc_mounts(void)
{
    size_t n = 0;

    proc_text[0] = '\0';
    for (int m = 0; m < VFS_MOUNT_MAX; m++) {
        struct vfs_mount *mt = &vfs_mounts[m];
        char path[PATH_MAX];
        if (mt->type == NULL ||
            vfs_path((struct vfs_node){ m, mt->root }, path, sizeof path) < 0)
            continue;
        const char *parts[] = { mt->source, " ", path, " ", mt->type->name,
                                mt->read_only ? " ro 0 0\n" : " rw 0 0\n" };
        for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
            size_t k = strlen(parts[i]);
            if (n + k >= sizeof proc_text)
                return n;
            memcpy(proc_text + n, parts[i], k);
            n += k;
        }
        proc_text[n] = '\0';
    }
    return n;
}

static long proc_readlink(void *fs, uint64_t ino, char *buf, size_t len)
{
    size_t n;
    long r;

    (void)fs;
    if (ino == PROC_SELF) {
        n = proc_num(proc_text, 1);
    } else if (ino == PROC_CWD) {
        if ((r = vfs_path(vfs_cwd_node(), proc_text, sizeof proc_text)) < 0)
            return r;
        n = (size_t)r;
    } else if (proc_fd_of(ino) >= 0) {
        if ((r = file_describe(proc_fd_of(ino), proc_text, sizeof proc_text)) < 0)
            return r;
        n = (size_t)r;
    } else {
        return proc_valid(ino) ? -EINVAL : -ENOENT;
    }
    if (n > len)
        n = len;
    memcpy(buf, proc_text, n);
    return (long)n;
}

static long proc_open(void *fs, uint64_t ino)
{
    (void)fs;
    return proc_valid(ino) ? 0 : -ENOENT;
}

static void proc_release(void *fs, uint64_t ino)
{
    (void)fs, (void)ino;
}

static long proc_read(void *fs, uint64_t ino, void *buf, size_t len,
                      uint64_t off)
{
    (void)fs;
    if (ino != PROC_MOUNTS)
        return -EINVAL;
    size_t n = proc_mounts();
    if (off >= n)
        return 0;
    if (len > n - off)
        len = n - (size_t)off;
    memcpy(buf, proc_text + off, len);
    return (long)len;
}

static long proc_write(void *fs, uint64_t ino, const void *buf, size_t len,
                       uint64_t off)
{
    (void)fs, (void)ino, (void)buf, (void)len, (void)off;
    return -EIO;
}

struct proc_ent {
    const char *name;
    uint64_t ino;
    unsigned type;
};

static long proc_readdir(void *fs, uint64_t dir, uint64_t *pos,
                         vfs_filldir fill, void *ctx)
{
    static const struct proc_ent root[] = {
        { ".", PROC_ROOT, DT_DIR }, { "..", PROC_ROOT, DT_DIR },
        { "1", PROC_PID, DT_DIR }, { "self", PROC_SELF, DT_LNK },
        { "mounts", PROC_MOUNTS, DT_REG },
    };
    static const struct proc_ent pid[] = {
        { ".", PROC_PID, DT_DIR }, { "..", PROC_ROOT, DT_DIR },
        { "fd", PROC_FDDIR, DT_DIR }, { "cwd", PROC_CWD, DT_LNK },
        { "mounts", PROC_MOUNTS, DT_REG },
    };
    const struct proc_ent *e = dir == PROC_ROOT ? root : pid;
    char name[24];

    (void)fs;
    if (dir == PROC_ROOT || dir == PROC_PID) {
        for (; *pos < ARRAY_SIZE(root); (*pos)++)
            if (fill(ctx, e[*pos].name, strlen(e[*pos].name), e[*pos].ino,
                     e[*pos].type, *pos + 1))
                return 0;
        return 0;
    }
    if (dir != PROC_FDDIR)
        return proc_valid(dir) ? -ENOTDIR : -ENOENT;
    for (; *pos < 2 + FD_MAX; (*pos)++) {
        if (*pos < 2) {
            if (fill(ctx, "..", *pos + 1, *pos ? PROC_PID : PROC_FDDIR, DT_DIR,
                     *pos + 1))
                return 0;
            continue;
        }
        long fd = (long)*pos - 2;
        if (fd_kind(fd) == NULL)
            continue;
        if (fill(ctx, name, proc_num(name, (uint64_t)fd), PROC_FD0 + (uint64_t)fd,
                 DT_LNK, *pos + 1))
            return 0;
    }
    return 0;
}

static long proc_fsync(void *fs, uint64_t ino, int datasync)
{
    (void)fs, (void)ino, (void)datasync;
    return 0;
}

static long proc_statfs(void *fs, struct statfs *sf)
{
    (void)fs;
    memset(sf, 0, sizeof *sf);
    sf->f_type = PROC_MAGIC;
    sf->f_bsize = sf->f_frsize = UHVT_PAGE_SIZE;
    sf->f_namelen = NAME_MAX;
    return 0;
}

static long proc_unmount(void *fs)
{
    (void)fs;
    return 0;
}

int procfs_magic(struct vfs_node link, struct vfs_node *target, int *fd)
{
    if (vfs_mounts[link.m].type != &procfs_type)
        return 0;
    *fd = -1;
    if (link.ino == PROC_CWD) {
        *target = vfs_cwd_node();
        return 1;
    }
    int n = proc_fd_of(link.ino);
    if (n < 0)
        return 0;
    *fd = n;
    if (file_node(n, target, 0) < 0)
        target->m = -1;
    return 1;
}

static const struct vfs_ops proc_ops = {
    .lookup = proc_lookup,
    .getattr = proc_getattr,
    .setattr = proc_setattr,
    .create = proc_create,
    .link = proc_link,
    .unlink = proc_unlink,
    .rename = proc_rename,
    .readlink = proc_readlink,
    .open = proc_open,
    .release = proc_release,
    .read = proc_read,
    .write = proc_write,
    .readdir = proc_readdir,
    .fsync = proc_fsync,
    .statfs = proc_statfs,
    .unmount = proc_unmount,
};

static long proc_mount(int handle, int read_only, void **fs, uint64_t *root)
{
    static int one;

    (void)handle, (void)read_only;
    *fs = &one;
    *root = PROC_ROOT;
    return 0;
}

const struct vfs_type procfs_type = {
    .name = "proc",
    .ops = &proc_ops,
    .mount = proc_mount,
};
