/* vfs.c: the mount table, path resolution and the working directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "files.h"
#include "hypercall.h"
#include "runtime.h"

/*
 * A mount covers a name in a directory of another mount, as Linux's
 * covers a dentry: (parent mount, directory, name).  So a mount point
 * need not exist as a directory on the filesystem below (a read-only root
 * image without /tmp still gets the in-memory /tmp), and a covered name
 * cannot be removed or renamed (EBUSY).  Mount 0 is the root.
 *
 * Paths are copied once out of guest memory into a static buffer: the
 * runtime is one thread, and nothing here waits, so no other call can
 * run in the middle of a walk.
 */

struct vfs_mount vfs_mounts[VFS_MOUNT_MAX];
static struct vfs_node vfs_cwd;

static char walk_buf[2 * PATH_MAX + 2]; /* the rest of the path to walk */
static char link_buf[PATH_MAX + 1];

static struct vfs_node vfs_root(void)
{
    return (struct vfs_node){ 0, vfs_mounts[0].root };
}

static int vfs_same(struct vfs_node a, struct vfs_node b)
{
    return a.m == b.m && a.ino == b.ino;
}

long vfs_getattr(struct vfs_node n, struct stat *st)
{
    long r = vfs_ops_of(n.m)->getattr(vfs_fs_of(n.m), n.ino, st);

    if (r == 0)
        st->st_dev = makedev(0, 32 + n.m);
    return r;
}

long vfs_writable(int m)
{
    return vfs_mounts[m].read_only ? -EROFS : 0;
}

long vfs_sync_mount(int m)
{
    return vfs_ops_of(m)->fsync(vfs_fs_of(m), vfs_mounts[m].root, 0);
}

long vfs_hold(struct vfs_node n)
{
    return vfs_ops_of(n.m)->open(vfs_fs_of(n.m), n.ino);
}

void vfs_drop(struct vfs_node n)
{
    vfs_ops_of(n.m)->release(vfs_fs_of(n.m), n.ino);
}

struct vfs_node vfs_mounted_at(struct vfs_node d, const char *name, size_t len)
{
    /* The latest mount wins, as the one on top. */
    for (int i = VFS_MOUNT_MAX - 1; i > 0; i--) {
        struct vfs_mount *mt = &vfs_mounts[i];
        if (mt->type != NULL && mt->parent == d.m && mt->dir == d.ino &&
            mt->len == len && memcmp(mt->name, name, len) == 0)
            return (struct vfs_node){ i, mt->root };
    }
    return (struct vfs_node){ -1, 0 };
}

int vfs_covered(struct vfs_node d, const char *name, size_t len)
{
    return vfs_mounted_at(d, name, len).m >= 0;
}

/*
 * Copy a path out of guest memory into walk_buf: -EFAULT where it leaves
 * guest memory, -ENAMETOOLONG without a NUL in PATH_MAX bytes.
 */
static long vfs_copy_path(const char *path)
{
    for (size_t i = 0; i < PATH_MAX; i++) {
        if ((i == 0 || ((uintptr_t)(path + i) & (UHVT_PAGE_SIZE - 1)) == 0) &&
            !mem_check(path + i, 1))
            return -EFAULT;
        walk_buf[i] = path[i];
        if (path[i] == '\0')
            return (long)i;
    }
    return -ENAMETOOLONG;
}

/* name in directory cur: the node, across mounts and "..". */
static long vfs_step(struct vfs_node cur, const char *name, size_t len,
                     struct vfs_node *out)
{
    if (len == 1 && name[0] == '.') {
        *out = cur;
        return 0;
    }
    if (len == 2 && name[0] == '.' && name[1] == '.') {
        if (vfs_same(cur, vfs_root())) {
            *out = cur;
            return 0;
        }
        if (cur.ino == vfs_mounts[cur.m].root) {
            *out = (struct vfs_node){ vfs_mounts[cur.m].parent,
                                      vfs_mounts[cur.m].dir };
            return 0;
        }
    }
    struct vfs_node mt = vfs_mounted_at(cur, name, len);
    if (mt.m >= 0) {
        *out = mt;
        return 0;
    }
    out->m = cur.m;
    return vfs_ops_of(cur.m)->lookup(vfs_fs_of(cur.m), cur.ino, name, len,
                                     &out->ino);
}

/* Replace the walked symlink by its target, before `rest` (in walk_buf). */
static long vfs_splice_link(struct vfs_node link, const char *rest)
{
    long n = vfs_ops_of(link.m)->readlink(vfs_fs_of(link.m), link.ino,
                                          link_buf, PATH_MAX);
    size_t rlen = strlen(rest);

    if (n < 0)
        return n;
    if (n == 0)
        return -ENOENT;
    if ((size_t)n + rlen + 1 > sizeof walk_buf)
        return -ENAMETOOLONG;
    memmove(walk_buf + n, rest, rlen + 1);
    memcpy(walk_buf, link_buf, (size_t)n);
    return 0;
}

static long vfs_start(long dirfd, int any_kind, struct vfs_node *n)
{
    if (walk_buf[0] == '/') {
        *n = vfs_root();
        return 0;
    }
    if (dirfd == AT_FDCWD) {
        *n = vfs_cwd;
        return 0;
    }
    return file_node(dirfd, n, !any_kind);
}

/*
 * Whether a symlink met in a walk is followed: always in the middle; last,
 * with WALK_FOLLOW or a trailing '/'; but a trailing '/' where the caller
 * makes or removes the name (WALK_PARENT) follows nothing, as in Linux.
 */
static int vfs_follows(int last, int slash, int flags)
{
    if (!last)
        return 1;
    if (flags & WALK_PARENT)
        return !slash && (flags & WALK_FOLLOW);
    return slash || (flags & WALK_FOLLOW);
}

long vfs_walk(long dirfd, const char *path, int flags, struct vfs_walk *w)
{
    struct vfs_node cur;
    struct stat st;
    int links = 0;
    long r = vfs_copy_path(path);

    if (r < 0)
        return r;
    memset(w, 0, sizeof *w);
    w->fd = w->via = -1;
    if (r == 0 && !(flags & WALK_EMPTY))
        return -ENOENT;
    if ((r = vfs_start(dirfd, r == 0, &cur)) < 0)
        return r;
    w->dir = w->node = cur;
    w->exists = 1;
    if ((r = vfs_getattr(cur, &st)) < 0)
        return r;
    w->mode = st.st_mode;
    char *p = walk_buf;
    for (;;) {
        while (*p == '/')
            p++;
        if (*p == '\0') /* "/", "" or a link to one of them */
            return 0;
        if (!S_ISDIR(st.st_mode))
            return -ENOTDIR;
        const char *name = p;
        while (*p != '\0' && *p != '/')
            p++;
        size_t len = (size_t)(p - name);
        const char *q = p;
        while (*q == '/')
            q++;
        int last = *q == '\0';
        if (len > NAME_MAX)
            return -ENAMETOOLONG;
        struct vfs_node next;
        r = vfs_step(cur, name, len, &next);
        if (r == -ENOENT && last) {
            w->dir = cur;
            w->exists = 0;
            w->slash = p != q;
            memcpy(w->name, name, len);
            w->name[len] = '\0';
            w->len = len;
            w->dots = 0;
            return 0;
        }
        if (r < 0)
            return r;
        if ((r = vfs_getattr(next, &st)) < 0)
            return r;
        if (S_ISLNK(st.st_mode) &&
            vfs_follows(last, p != q, flags)) {
            if (++links > VFS_SYMLOOP_MAX)
                return -ELOOP;
            struct vfs_node to;
            int fd;
            if (procfs_magic(next, &to, &fd)) {
                if (to.m < 0 && !last)
                    return -ENOTDIR;
                if (to.m < 0 && !(flags & WALK_FD))
                    return -ENXIO;
                if (to.m < 0) {
                    w->dir = cur;
                    w->fd = fd;
                    w->mode = fd_kind(fd)->mode;
                    return 0;
                }
                next = to;
                w->via = last ? fd : -1;
                if ((r = vfs_getattr(next, &st)) < 0)
                    return r;
            }
        }
        if (S_ISLNK(st.st_mode) &&
            vfs_follows(last, p != q, flags)) {
            if ((r = vfs_splice_link(next, p)) < 0)
                return r;
            p = walk_buf;
            if (*p == '/')
                cur = vfs_root();
            if ((r = vfs_getattr(cur, &st)) < 0)
                return r;
            w->dir = w->node = cur;
            w->mode = st.st_mode;
            continue;
        }
        if (last) {
            w->dir = cur;
            w->node = next;
            w->mode = st.st_mode;
            w->slash = p != q;
            memcpy(w->name, name, len);
            w->name[len] = '\0';
            w->len = len;
            w->dots = (name[0] == '.' && len <= 2 && name[len - 1] == '.') ?
                          (int)len : 0;
            return 0;
        }
        cur = next;
    }
}

long vfs_walk_existing(long dirfd, const char *path, int flags,
                       struct vfs_walk *w)
{
    long r = vfs_walk(dirfd, path, flags, w);

    if (r == 0 && !w->exists)
        return -ENOENT;
    if (r == 0 && w->slash && !S_ISDIR(w->mode))
        return -ENOTDIR;
    return r;
}

struct vfs_find {
    uint64_t ino;
    char *name;
    size_t len;
    int found;
};

static int vfs_find_fill(void *ctx, const char *name, size_t len, uint64_t ino,
                         unsigned d_type, uint64_t next)
{
    struct vfs_find *f = ctx;

    (void)d_type;
    (void)next;
    if (ino != f->ino || (name[0] == '.' && len <= 2 && name[len - 1] == '.'))
        return 0;
    memcpy(f->name, name, len);
    f->len = len;
    f->found = 1;
    return 1;
}

/* The name of directory n in its parent (NAME_MAX + 1 bytes), and the parent. */
static long vfs_name_of(struct vfs_node n, char *name, size_t *len,
                        struct vfs_node *parent)
{
    struct vfs_mount *mt = &vfs_mounts[n.m];

    if (n.ino == mt->root) {
        memcpy(name, mt->name, mt->len);
        *len = mt->len;
        *parent = (struct vfs_node){ mt->parent, mt->dir };
        return 0;
    }
    const struct vfs_ops *ops = vfs_ops_of(n.m);
    struct vfs_find f = { .ino = n.ino, .name = name };
    uint64_t pos = 0;
    parent->m = n.m;
    long r = ops->lookup(vfs_fs_of(n.m), n.ino, "..", 2, &parent->ino);
    if (r == 0)
        r = ops->readdir(vfs_fs_of(n.m), parent->ino, &pos, vfs_find_fill, &f);
    if (r == 0 && !f.found)
        r = -ENOENT;
    *len = f.len;
    return r;
}

long vfs_path(struct vfs_node n, char *buf, size_t len)
{
    char name[NAME_MAX + 1];
    size_t at = len, nlen;

    if (len == 0)
        return -ERANGE;
    buf[--at] = '\0';
    for (int depth = 0; !vfs_same(n, vfs_root()); depth++) {
        long r = vfs_name_of(n, name, &nlen, &n);
        if (r < 0)
            return r;
        if (nlen + 1 > at || depth > PATH_MAX / 2)
            return -ENAMETOOLONG;
        at -= nlen;
        memcpy(buf + at, name, nlen);
        buf[--at] = '/';
    }
    if (at == len - 1) {
        if (at == 0)
            return -ERANGE;
        buf[--at] = '/';
    }
    memmove(buf, buf + at, len - at);
    return (long)(len - at - 1);
}

long vfs_mount(const char *path, const struct vfs_type *type, int handle,
               int read_only)
{
    int i = 0;
    struct vfs_walk w;
    long r;

    while (i < VFS_MOUNT_MAX && vfs_mounts[i].type != NULL)
        i++;
    if (i == VFS_MOUNT_MAX)
        return -EBUSY;
    struct vfs_mount *mt = &vfs_mounts[i];
    if (i > 0) {
        if ((r = vfs_walk(AT_FDCWD, path, WALK_FOLLOW, &w)) < 0)
            return r;
        if (w.len == 0 || w.dots)
            return -EBUSY; /* "/" again, or a path ending in a dot */
        if (w.exists && !S_ISDIR(w.mode))
            return -ENOTDIR;
        mt->parent = w.dir.m;
        mt->dir = w.dir.ino;
        memcpy(mt->name, w.name, w.len);
        mt->len = w.len;
    } else {
        mt->parent = -1;
    }
    if ((r = type->mount(handle, read_only, &mt->fs, &mt->root)) < 0)
        return r;
    mt->type = type;
    mt->source = type->name;
    mt->handle = handle;
    mt->read_only = read_only;
    if (i == 0) {
        vfs_cwd = vfs_root();
        (void)vfs_hold(vfs_cwd);
    }
    return i;
}

struct vfs_node vfs_cwd_node(void)
{
    return vfs_cwd;
}

/* getcwd's answer is the path's length with its NUL, as Linux's system call. */
long sys_getcwd(const long a[6])
{
    static char buf[PATH_MAX];
    char *out = (char *)a[0];
    size_t size = (size_t)a[1];
    long r = vfs_path(vfs_cwd, buf, sizeof buf);

    if (r < 0)
        return r == -ENAMETOOLONG ? -ERANGE : r;
    if ((size_t)r + 1 > size)
        return -ERANGE;
    if (!mem_check(out, (size_t)r + 1))
        return -EFAULT;
    memcpy(out, buf, (size_t)r + 1);
    return r + 1;
}

static long vfs_set_cwd(struct vfs_node n)
{
    long r = vfs_hold(n);

    if (r < 0)
        return r;
    vfs_drop(vfs_cwd);
    vfs_cwd = n;
    return 0;
}

long sys_chdir(const long a[6])
{
    struct vfs_walk w;
    long r = vfs_walk_existing(AT_FDCWD, (const char *)a[0], WALK_FOLLOW, &w);

    if (r < 0)
        return r;
    if (!S_ISDIR(w.mode))
        return -ENOTDIR;
    return vfs_set_cwd(w.node);
}

long sys_fchdir(const long a[6])
{
    struct vfs_node n;
    long r = file_node(a[0], &n, 1);

    return r < 0 ? r : vfs_set_cwd(n);
}

long sys_chroot(const long a[6])
{
    (void)a;
    return -EPERM; /* the image's root is fixed when it is built */
}

struct timespec vfs_now(void)
{
    struct timespec ts;

    (void)sys_clock_gettime((const long[6]){ CLOCK_REALTIME, (long)&ts });
    return ts;
}
