/* tmpfs.c: the in-memory filesystem: /tmp always, and / when no disk is the root. */
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>

#include "files.h"
#include "tmpfs.h"
#include "runtime.h"

/*
 * Inodes live in a table indexed by number - 1 (the root is 1, as on
 * Linux's tmpfs); a freed number is reused.  A regular file's data is
 * tmpdata.c's; a directory's entries are an array of pointers in creation order,
 * NULL where one was removed, so a readdir position (2 + index; 0 and 1
 * are "." and "..") stays valid while entries come and go.  Lookups scan
 * the array: fine for the directories programs keep in /tmp.
 *
 * Everything is guest memory from slab.c and mem.c; running out is ENOSPC
 * for the operation that needed it, with nothing half done.
 */

/* A new inode's number, with nothing in it yet; 0 when memory is out. */
static uint64_t tmpfs_new(struct tmpfs *t, mode_t mode, uid_t uid, gid_t gid)
{
    size_t i = 0;

    while (i < t->cap && t->nodes[i] != NULL)
        i++;
    if (i == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct tnode **nodes = slab_alloc(cap * sizeof *nodes);
        if (nodes == NULL)
            return 0;
        if (t->cap)
            memcpy(nodes, t->nodes, t->cap * sizeof *nodes);
        slab_free(t->nodes, t->cap * sizeof *nodes);
        t->nodes = nodes;
        t->cap = cap;
    }
    struct tnode *n = slab_alloc(sizeof *n);
    if (n == NULL)
        return 0;
    n->mode = mode;
    n->uid = uid;
    n->gid = gid;
    n->nlink = S_ISDIR(mode) ? 2 : 1;
    n->atime = n->mtime = n->ctime = n->btime = vfs_now();
    t->nodes[i] = n;
    t->used++;
    return i + 1;
}

static void tmpfs_free(struct tmpfs *t, uint64_t ino)
{
    struct tnode *n = tmpfs_node(t, ino);

    if (S_ISREG(n->mode)) {
        tmpdata_cut(n, 0);
    } else if (S_ISDIR(n->mode)) {
        slab_free(n->ents, n->cap * sizeof *n->ents);
    } else if (S_ISLNK(n->mode)) {
        slab_free(n->target, n->size + 1);
    }
    slab_free(n, sizeof *n);
    t->nodes[ino - 1] = NULL;
    t->used--;
}

/* Freed once nothing names it and nothing has it open. */
static void tmpfs_maybe_free(struct tmpfs *t, uint64_t ino)
{
    struct tnode *n = tmpfs_node(t, ino);

    if (n != NULL && n->nlink == 0 && n->opens == 0)
        tmpfs_free(t, ino);
}

static struct tentry **tmpfs_find(struct tnode *d, const char *name, size_t len)
{
    for (size_t i = 0; i < d->n; i++) {
        struct tentry *e = d->ents[i];
        if (e != NULL && e->len == len && memcmp(e->name, name, len) == 0)
            return &d->ents[i];
    }
    return NULL;
}

static struct tentry *tmpfs_entry(const char *name, size_t len, uint64_t ino)
{
    struct tentry *e = slab_alloc(sizeof *e + len + 1);

    if (e != NULL) {
        e->ino = ino;
        e->len = len;
        memcpy(e->name, name, len);
    }
    return e;
}

/* Room for one more entry in d (compacting or growing): 0 or -ENOSPC. */
static long tmpfs_room(struct tnode *d)
{
    if (d->n < d->cap)
        return 0;
    size_t live = 0;
    for (size_t i = 0; i < d->n; i++)
        live += d->ents[i] != NULL;
    if (live < d->cap / 2) {
        size_t j = 0;
        for (size_t i = 0; i < d->n; i++)
            if (d->ents[i] != NULL)
                d->ents[j++] = d->ents[i];
        d->n = j;
        return 0;
    }
    size_t cap = d->cap ? d->cap * 2 : 8;
    struct tentry **ents = slab_alloc(cap * sizeof *ents);
    if (ents == NULL)
        return -ENOSPC;
    if (d->n)
        memcpy(ents, d->ents, d->n * sizeof *ents);
    slab_free(d->ents, d->cap * sizeof *ents);
    d->ents = ents;
    d->cap = cap;
    return 0;
}

/* Add a made entry (tmpfs_room has made room). */
static void tmpfs_add(struct tnode *d, struct tentry *e)
{
    d->ents[d->n++] = e;
    d->size += 20;
    tmpfs_touch(d, 1);
}

static void tmpfs_remove(struct tnode *d, struct tentry **slot)
{
    slab_free(*slot, sizeof **slot + (*slot)->len + 1);
    *slot = NULL;
    d->size -= 20;
    tmpfs_touch(d, 1);
}

static long tmpfs_lookup(void *fs, uint64_t dir, const char *name, size_t len,
                         uint64_t *ino)
{
    struct tnode *d = tmpfs_node(fs, dir);

    if (d == NULL)
        return -ENOENT;
    if (!S_ISDIR(d->mode))
        return -ENOTDIR;
    if (len == 1 && name[0] == '.') {
        *ino = dir;
        return 0;
    }
    /* A removed directory still knows its parent, as Linux's dentry does. */
    if (len == 2 && name[0] == '.' && name[1] == '.') {
        *ino = d->parent;
        return tmpfs_node(fs, d->parent) != NULL ? 0 : -ENOENT;
    }
    if (d->nlink == 0)
        return -ENOENT; /* removed while some descriptor held it */
    struct tentry **e = tmpfs_find(d, name, len);
    if (e == NULL)
        return -ENOENT;
    *ino = (*e)->ino;
    return 0;
}

static long tmpfs_getattr(void *fs, uint64_t ino, struct stat *st)
{
    struct tnode *n = tmpfs_node(fs, ino);

    if (n == NULL)
        return -ENOENT;
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    st->st_mode = n->mode;
    st->st_nlink = n->nlink;
    st->st_uid = n->uid;
    st->st_gid = n->gid;
    st->st_size = (off_t)n->size;
    st->st_blksize = PAGE;
    st->st_blocks = (blkcnt_t)(n->blocks * (PAGE / 512));
    st->st_atim = n->atime;
    st->st_mtim = n->mtime;
    st->st_ctim = n->ctime;
    return 0;
}

static long tmpfs_setattr(void *fs, uint64_t ino, const struct vfs_attr *a)
{
    struct tnode *n = tmpfs_node(fs, ino);
    long r;

    if (n == NULL)
        return -ENOENT;
    if (a->mask & VFS_ATTR_SIZE) {
        if (!S_ISREG(n->mode))
            return -EINVAL;
        if ((r = tmpdata_resize(n, a->size)) < 0)
            return r;
        n->mtime = vfs_now();
    }
    if (a->mask & VFS_ATTR_MODE)
        n->mode = (n->mode & S_IFMT) | (a->mode & 07777);
    if (a->mask & VFS_ATTR_UID)
        n->uid = a->uid;
    if (a->mask & VFS_ATTR_GID)
        n->gid = a->gid;
    if (a->mask & VFS_ATTR_ATIME)
        n->atime = a->atime;
    if (a->mask & VFS_ATTR_MTIME)
        n->mtime = a->mtime;
    n->ctime = vfs_now();
    return 0;
}

static long tmpfs_create(void *fs, uint64_t dir, const char *name, size_t len,
                         mode_t mode, const char *target, uid_t uid,
                         gid_t gid, uint64_t *ino)
{
    struct tmpfs *t = fs;
    struct tnode *d = tmpfs_node(t, dir);
    struct tentry *e;
    char *copy = NULL;
    size_t tlen = 0;

    if (!S_ISREG(mode) && !S_ISDIR(mode) && !S_ISLNK(mode))
        return -EPERM;
    if (d->nlink == 0)
        return -ENOENT;
    if (tmpfs_find(d, name, len) != NULL)
        return -EEXIST;
    if (target != NULL) {
        tlen = strlen(target);
        if ((copy = slab_alloc(tlen + 1)) == NULL)
            return -ENOSPC;
        memcpy(copy, target, tlen);
    }
    uint64_t i = 0;
    if (tmpfs_room(d) < 0 || (i = tmpfs_new(t, mode, uid, gid)) == 0 ||
        (e = tmpfs_entry(name, len, i)) == NULL) {
        if (i != 0)
            tmpfs_free(t, i);
        slab_free(copy, tlen + 1);
        return -ENOSPC;
    }
    struct tnode *n = tmpfs_node(t, i);
    if (S_ISLNK(mode)) {
        n->target = copy;
        n->size = tlen;
    } else if (S_ISDIR(mode)) {
        n->parent = dir;
        d->nlink++;
    }
    tmpfs_add(d, e);
    *ino = i;
    return 0;
}

static long tmpfs_link(void *fs, uint64_t dir, const char *name, size_t len,
                       uint64_t ino)
{
    struct tmpfs *t = fs;
    struct tnode *d = tmpfs_node(t, dir), *n = tmpfs_node(t, ino);
    struct tentry *e;

    if (d->nlink == 0)
        return -ENOENT;
    if (n->nlink == 0)
        return -ENOENT; /* an unlinked file cannot be linked again */
    if (tmpfs_find(d, name, len) != NULL)
        return -EEXIST;
    if (tmpfs_room(d) < 0 || (e = tmpfs_entry(name, len, ino)) == NULL)
        return -ENOSPC;
    tmpfs_add(d, e);
    n->nlink++;
    tmpfs_touch(n, 0);
    return 0;
}

/* The inode at slot loses a name (and a directory its "." and ".."). */
static void tmpfs_unname(struct tmpfs *t, struct tnode *d, struct tentry **slot)
{
    uint64_t ino = (*slot)->ino;
    struct tnode *n = tmpfs_node(t, ino);

    tmpfs_remove(d, slot);
    if (S_ISDIR(n->mode)) {
        n->nlink = 0;
        d->nlink--;
    } else {
        n->nlink--;
    }
    tmpfs_touch(n, 0);
    tmpfs_maybe_free(t, ino);
}

static int tmpfs_empty(struct tnode *d)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->ents[i] != NULL)
            return 0;
    return 1;
}

static long tmpfs_unlink(void *fs, uint64_t parent, const char *name,
                         size_t len, int dir)
{
    struct tmpfs *t = fs;
    struct tnode *d = tmpfs_node(t, parent);
    struct tentry **slot = tmpfs_find(d, name, len);

    if (slot == NULL)
        return -ENOENT;
    struct tnode *n = tmpfs_node(t, (*slot)->ino);
    if (dir && !S_ISDIR(n->mode))
        return -ENOTDIR;
    if (!dir && S_ISDIR(n->mode))
        return -EISDIR;
    if (dir && !tmpfs_empty(n))
        return -ENOTEMPTY;
    tmpfs_unname(t, d, slot);
    return 0;
}

static long tmpfs_rename(void *fs, uint64_t olddir, const char *oldname,
                         size_t oldlen, uint64_t newdir, const char *newname,
                         size_t newlen, unsigned flags)
{
    struct tmpfs *t = fs;
    struct tnode *od = tmpfs_node(t, olddir), *nd = tmpfs_node(t, newdir);
    struct tentry **os = tmpfs_find(od, oldname, oldlen);

    if (flags & ~(unsigned)RENAME_NOREPLACE)
        return -EINVAL;
    if (os == NULL)
        return -ENOENT;
    uint64_t ino = (*os)->ino;
    struct tnode *n = tmpfs_node(t, ino);
    struct tentry **ns = tmpfs_find(nd, newname, newlen);
    if (ns != NULL) {
        struct tnode *victim = tmpfs_node(t, (*ns)->ino);
        if (flags & RENAME_NOREPLACE)
            return -EEXIST;
        if ((*ns)->ino == ino)
            return 0; /* two names of one inode: nothing to do, as Linux */
        if (S_ISDIR(n->mode) && !S_ISDIR(victim->mode))
            return -ENOTDIR;
        if (!S_ISDIR(n->mode) && S_ISDIR(victim->mode))
            return -EISDIR;
        if (S_ISDIR(victim->mode) && !tmpfs_empty(victim))
            return -ENOTEMPTY;
    }
    if (nd->nlink == 0)
        return -ENOENT;
    /* Everything that can fail, first. */
    struct tentry *e = tmpfs_entry(newname, newlen, ino);
    if (e == NULL || (ns == NULL && tmpfs_room(nd) < 0)) {
        slab_free(e, e ? sizeof *e + newlen + 1 : 0);
        return -ENOSPC;
    }
    os = tmpfs_find(od, oldname, oldlen); /* tmpfs_room may have compacted */
    tmpfs_remove(od, os);
    if (ns != NULL) {
        /* The new entry takes the replaced one's slot: no room needed. */
        tmpfs_unname(t, nd, ns);
        *ns = e;
        nd->size += 20;
    } else {
        tmpfs_add(nd, e);
    }
    if (S_ISDIR(n->mode) && olddir != newdir) {
        od->nlink--;
        nd->nlink++;
        n->parent = newdir;
    }
    tmpfs_touch(n, 0);
    return 0;
}

static long tmpfs_readlink(void *fs, uint64_t ino, char *buf, size_t len)
{
    struct tnode *n = tmpfs_node(fs, ino);

    if (!S_ISLNK(n->mode))
        return -EINVAL;
    if (len > n->size)
        len = n->size;
    memcpy(buf, n->target, len);
    return (long)len;
}

static long tmpfs_open(void *fs, uint64_t ino)
{
    struct tnode *n = tmpfs_node(fs, ino);

    if (n == NULL)
        return -ENOENT;
    n->opens++;
    return 0;
}

static void tmpfs_release(void *fs, uint64_t ino)
{
    struct tnode *n = tmpfs_node(fs, ino);

    if (n != NULL && n->opens > 0) {
        n->opens--;
        tmpfs_maybe_free(fs, ino);
    }
}

static unsigned tmpfs_dtype(mode_t mode)
{
    return IFTODT(mode);
}

static long tmpfs_readdir(void *fs, uint64_t dir, uint64_t *pos,
                          vfs_filldir fill, void *ctx)
{
    struct tnode *d = tmpfs_node(fs, dir);

    if (!S_ISDIR(d->mode))
        return -ENOTDIR;
    if (d->nlink == 0)
        return -ENOENT;
    while (*pos < 2) {
        if (fill(ctx, "..", *pos + 1, *pos == 0 ? dir : d->parent, DT_DIR,
                 *pos + 1))
            return 0;
        (*pos)++;
    }
    for (; *pos - 2 < d->n; (*pos)++) {
        struct tentry *e = d->ents[*pos - 2];
        if (e == NULL)
            continue;
        struct tnode *n = tmpfs_node(fs, e->ino);
        if (fill(ctx, e->name, e->len, e->ino, tmpfs_dtype(n->mode), *pos + 1))
            return 0;
    }
    d->atime = vfs_now();
    return 0;
}

static long tmpfs_fsync(void *fs, uint64_t ino, int datasync)
{
    (void)fs;
    (void)ino;
    (void)datasync;
    return 0;
}

static long tmpfs_statfs(void *fs, struct statfs *sf)
{
    struct tmpfs *t = fs;
    uint64_t touched, avail;

    mem_usage(&touched, &avail);
    uint64_t room = tmpdata_max_pages() - tmpdata_pages;
    memset(sf, 0, sizeof *sf);
    sf->f_type = TMPFS_MAGIC;
    sf->f_bsize = PAGE;
    sf->f_frsize = PAGE;
    sf->f_blocks = tmpdata_max_pages();
    sf->f_bfree = sf->f_bavail = room < avail / PAGE ? room : avail / PAGE;
    sf->f_files = t->used + avail / sizeof(struct tnode);
    sf->f_ffree = avail / sizeof(struct tnode);
    sf->f_namelen = NAME_MAX;
    return 0;
}

static long tmpfs_unmount(void *fs)
{
    (void)fs;
    return 0;
}

static const struct vfs_ops tmpfs_ops = {
    .lookup = tmpfs_lookup,
    .getattr = tmpfs_getattr,
    .setattr = tmpfs_setattr,
    .create = tmpfs_create,
    .link = tmpfs_link,
    .unlink = tmpfs_unlink,
    .rename = tmpfs_rename,
    .readlink = tmpfs_readlink,
    .open = tmpfs_open,
    .release = tmpfs_release,
    .read = tmpdata_read,
    .write = tmpdata_write,
    .readdir = tmpfs_readdir,
    .fsync = tmpfs_fsync,
    .statfs = tmpfs_statfs,
    .fallocate = tmpdata_fallocate,
    .unmount = tmpfs_unmount,
};

/* A fresh, empty filesystem: the root directory, mode 1777 as /tmp's. */
static long tmpfs_mount(int handle, int read_only, void **fs, uint64_t *root)
{
    struct tmpfs *t = slab_alloc(sizeof *t);

    (void)handle;
    (void)read_only;
    if (t == NULL || (*root = tmpfs_new(t, S_IFDIR | 01777, 0, 0)) == 0)
        return -ENOMEM;
    tmpfs_node(t, *root)->parent = *root;
    *fs = t;
    return 0;
}

const struct vfs_type tmpfs_type = {
    .name = "tmpfs",
    .ops = &tmpfs_ops,
    .mount = tmpfs_mount,
};
