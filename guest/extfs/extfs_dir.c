/* extfs_dir.c: names on ext2/ext3/ext4: lookup, create, link, unlink, rename, readlink. */
#include <errno.h>
#include <stdio.h> /* RENAME_NOREPLACE */
#include <string.h>

#include "extfs.h"
/* struct dir_context, for readdir's positions: after extfs.h, which brings sys/types.h. */
#include "ext2fs/ext2fsP.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

/* The caller's (pointer, length) name as libext2fs wants it: NUL-terminated. */
struct name {
    char s[EXT2_NAME_LEN + 1];
};

static void dir_name(struct name *n, const char *name, size_t len)
{
    if (len > EXT2_NAME_LEN)
        len = EXT2_NAME_LEN; /* the caller allows NAME_MAX (255) at most */
    memcpy(n->s, name, len);
    n->s[len] = '\0';
}

/* The directory `dir`, read into *in: -ENOTDIR for anything else. */
static long dir_get(struct extfs *x, uint64_t dir, struct ext2_inode_large *in)
{
    long rc = extfs_iget(x, dir, in);

    if (rc == 0 && !LINUX_S_ISDIR(in->i_mode))
        rc = -ENOTDIR;
    return rc;
}

/* A directory new names may go in: not one removed while still open (-ENOENT, as Linux). */
static long dir_get_live(struct extfs *x, uint64_t dir, struct ext2_inode_large *in)
{
    long rc = dir_get(x, dir, in);

    if (rc == 0 && in->i_links_count == 0)
        rc = -ENOENT;
    return rc;
}

static long dir_find(struct extfs *x, uint64_t dir, const char *name,
                     size_t len, ext2_ino_t *ino)
{
    errcode_t err = ext2fs_lookup(x->fs, (ext2_ino_t)dir, name, (int)len,
                                  NULL, ino);
    if (err != 0)
        return extfs_errno(err);
    if (*ino < EXT2_ROOT_INO || *ino > x->fs->super->s_inodes_count)
        return -EIO;
    return 0;
}

long extfs_lookup(void *fs, uint64_t dir, const char *name, size_t len,
                  uint64_t *ino)
{
    struct extfs *x = fs;
    struct ext2_inode_large in;
    ext2_ino_t found;
    int dots = (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
    /* A removed directory keeps "." and "..", as on Linux; nothing else. */
    long rc = dots ? dir_get(x, dir, &in) : dir_get_live(x, dir, &in);

    if (rc == 0 && (rc = dir_find(x, dir, name, len, &found)) == 0)
        *ino = found;
    return rc;
}

static int dir_ftype(unsigned mode)
{
    switch (mode & LINUX_S_IFMT) {
    case LINUX_S_IFREG: return EXT2_FT_REG_FILE;
    case LINUX_S_IFDIR: return EXT2_FT_DIR;
    case LINUX_S_IFLNK: return EXT2_FT_SYMLINK;
    case LINUX_S_IFCHR: return EXT2_FT_CHRDEV;
    case LINUX_S_IFBLK: return EXT2_FT_BLKDEV;
    case LINUX_S_IFIFO: return EXT2_FT_FIFO;
    case LINUX_S_IFSOCK: return EXT2_FT_SOCK;
    default: return EXT2_FT_UNKNOWN;
    }
}

/* A new entry, growing the directory by a block when it is full. */
static errcode_t dir_add(struct extfs *x, ext2_ino_t dir, const char *name,
                         ext2_ino_t ino, int ftype)
{
    errcode_t err = ext2fs_link(x->fs, dir, name, ino, ftype);

    if (err == EXT2_ET_DIR_NO_SPACE &&
        (err = ext2fs_expand_dir(x->fs, dir)) == 0)
        err = ext2fs_link(x->fs, dir, name, ino, ftype);
    return err;
}

/* The directory changed: mtime and ctime, and n more (or fewer) links. */
static long dir_changed(struct extfs *x, ext2_ino_t dir, int links)
{
    struct ext2_inode_large in;
    long rc = extfs_iget(x, dir, &in);

    if (rc < 0)
        return rc;
    in.i_links_count = (uint16_t)(in.i_links_count + links);
    extfs_touch(&in, EXTFS_T_M | EXTFS_T_C);
    return extfs_iput(x, dir, &in);
}

static long dir_new_file(struct extfs *x, ext2_ino_t dir, const char *name,
                         ext2_ino_t ino, struct ext2_inode_large *in)
{
    errcode_t err;

    if (ext2fs_has_feature_extents(x->fs->super)) {
        ext2_extent_handle_t h;
        /* With no extent flag, opening makes an empty tree in i_block. */
        if ((err = ext2fs_extent_open2(x->fs, ino, (struct ext2_inode *)in, &h)) != 0)
            return extfs_errno(err);
        ext2fs_extent_free(h);
    }
    if ((err = ext2fs_write_new_inode(x->fs, ino, (struct ext2_inode *)in)) != 0)
        return extfs_errno(err);
    ext2fs_inode_alloc_stats2(x->fs, ino, +1, 0);
    if ((err = dir_add(x, dir, name, ino, EXT2_FT_REG_FILE)) != 0) {
        ext2fs_inode_alloc_stats2(x->fs, ino, -1, 0);
        return extfs_errno(err);
    }
    return 0;
}

long extfs_create(void *fs, uint64_t dir, const char *name, size_t len,
                  mode_t mode, const char *target, uid_t uid, gid_t gid,
                  uint64_t *out)
{
    struct extfs *x = fs;
    struct ext2_inode_large in, parent;
    struct name n;
    ext2_ino_t ino;
    errcode_t err = 0;
    long rc;

    if ((rc = dir_get_live(x, dir, &parent)) < 0)
        return rc;
    if (x->read_only)
        return -EROFS;
    dir_name(&n, name, len);
    if ((rc = dir_find(x, dir, name, len, &ino)) != -ENOENT)
        return rc == 0 ? -EEXIST : rc;
    unsigned type = mode & LINUX_S_IFMT;
    if (type != LINUX_S_IFREG && type != LINUX_S_IFDIR && type != LINUX_S_IFLNK)
        return -EPERM;
    if (type == LINUX_S_IFDIR && parent.i_links_count >= EXT2_LINK_MAX)
        return -EMLINK;
    if (type == LINUX_S_IFLNK && (target == NULL || target[0] == '\0' ||
                                  strlen(target) >= x->fs->blocksize))
        return target == NULL || target[0] == '\0' ? -ENOENT : -ENAMETOOLONG;
    if ((err = ext2fs_new_inode(x->fs, (ext2_ino_t)dir, (int)mode, NULL, &ino)) != 0)
        return extfs_errno(err);

    if (type == LINUX_S_IFREG) {
        memset(&in, 0, sizeof(in));
        in.i_mode = (uint16_t)mode;
        in.i_links_count = 1;
        in.i_extra_isize = (uint16_t)(EXT2_INODE_SIZE(x->fs->super) > EXT2_GOOD_OLD_INODE_SIZE
                               ? sizeof(in) - EXT2_GOOD_OLD_INODE_SIZE : 0);
        if (in.i_extra_isize > EXT2_INODE_SIZE(x->fs->super) - EXT2_GOOD_OLD_INODE_SIZE)
            in.i_extra_isize = (uint16_t)(EXT2_INODE_SIZE(x->fs->super) - EXT2_GOOD_OLD_INODE_SIZE);
    } else {
        err = type == LINUX_S_IFDIR
                  ? ext2fs_mkdir(x->fs, (ext2_ino_t)dir, ino, n.s)
                  : ext2fs_symlink(x->fs, (ext2_ino_t)dir, ino, n.s, target);
        if (err == EXT2_ET_DIR_NO_SPACE &&
            (err = ext2fs_expand_dir(x->fs, (ext2_ino_t)dir)) == 0)
            err = type == LINUX_S_IFDIR
                      ? ext2fs_mkdir(x->fs, (ext2_ino_t)dir, ino, n.s)
                      : ext2fs_symlink(x->fs, (ext2_ino_t)dir, ino, n.s, target);
        if (err != 0)
            return extfs_errno(err);
        if ((rc = extfs_iget(x, ino, &in)) < 0)
            return rc;
        in.i_mode = (uint16_t)(type == LINUX_S_IFLNK ? (LINUX_S_IFLNK | 0777) : mode);
    }
    in.i_uid = (uint16_t)uid;
    ext2fs_set_i_uid_high(in, uid >> 16);
    in.i_gid = (uint16_t)gid;
    ext2fs_set_i_gid_high(in, gid >> 16);
    extfs_touch(&in, EXTFS_T_A | EXTFS_T_M | EXTFS_T_C | EXTFS_T_CR);
    if (type == LINUX_S_IFREG)
        rc = dir_new_file(x, (ext2_ino_t)dir, n.s, ino, &in);
    else
        rc = extfs_iput(x, ino, &in);
    if (rc == 0)
        rc = dir_changed(x, (ext2_ino_t)dir, 0); /* mkdir counted the new ".." */
    if (rc == 0)
        *out = ino;
    return rc;
}

long extfs_link(void *fs, uint64_t dir, const char *name, size_t len,
                uint64_t ino)
{
    struct extfs *x = fs;
    struct ext2_inode_large in, parent;
    struct name n;
    ext2_ino_t there;
    long rc;

    if ((rc = dir_get_live(x, dir, &parent)) < 0 || (rc = extfs_iget(x, ino, &in)) < 0)
        return rc;
    if (x->read_only)
        return -EROFS;
    if (LINUX_S_ISDIR(in.i_mode))
        return -EPERM;
    if (in.i_links_count == 0)
        return -ENOENT;
    if (in.i_links_count >= EXT2_LINK_MAX)
        return -EMLINK;
    if ((rc = dir_find(x, dir, name, len, &there)) != -ENOENT)
        return rc == 0 ? -EEXIST : rc;
    dir_name(&n, name, len);
    errcode_t err = dir_add(x, (ext2_ino_t)dir, n.s, (ext2_ino_t)ino, dir_ftype(in.i_mode));
    if (err != 0)
        return extfs_errno(err);
    in.i_links_count++;
    extfs_touch(&in, EXTFS_T_C);
    if ((rc = extfs_iput(x, (ext2_ino_t)ino, &in)) < 0)
        return rc;
    return dir_changed(x, (ext2_ino_t)dir, 0);
}

/* Whether a directory has entries other than "." and "..": 0, -ENOTEMPTY, -errno. */
static int dir_empty_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *d,
                           int offset, int blocksize, char *buf, void *priv)
{
    (void)dir, (void)offset, (void)blocksize, (void)buf;
    if (entry == DIRENT_DOT_FILE || entry == DIRENT_DOT_DOT_FILE || d->inode == 0)
        return 0;
    *(int *)priv = 1;
    return DIRENT_ABORT;
}

static long dir_empty(struct extfs *x, ext2_ino_t dir)
{
    int found = 0;
    errcode_t err = ext2fs_dir_iterate2(x->fs, dir, 0, NULL, dir_empty_entry, &found);

    if (err != 0)
        return extfs_errno(err);
    return found ? -ENOTEMPTY : 0;
}

/* A directory loses its last name: both its links go, and its parent's ".." link. */
static long dir_remove_dir(struct extfs *x, ext2_ino_t parent, ext2_ino_t ino,
                           struct ext2_inode_large *in)
{
    in->i_links_count = 1;
    long rc = extfs_drop_link(x, ino, in);
    return rc < 0 ? rc : dir_changed(x, parent, -1);
}

long extfs_unlink(void *fs, uint64_t parent, const char *name, size_t len,
                  int dir)
{
    struct extfs *x = fs;
    struct ext2_inode_large in, pin;
    ext2_ino_t ino;
    struct name n;
    long rc;

    if ((rc = dir_get_live(x, parent, &pin)) < 0 ||
        (rc = dir_find(x, parent, name, len, &ino)) < 0 ||
        (rc = extfs_iget(x, ino, &in)) < 0)
        return rc;
    if (x->read_only)
        return -EROFS;
    if (dir) {
        if (!LINUX_S_ISDIR(in.i_mode))
            return -ENOTDIR;
        if (len == 1 && name[0] == '.')
            return -EINVAL;
        if (ino == EXT2_ROOT_INO || (len == 2 && name[0] == '.' && name[1] == '.'))
            return -EBUSY;
        if ((rc = dir_empty(x, ino)) < 0)
            return rc;
    } else if (LINUX_S_ISDIR(in.i_mode)) {
        return -EISDIR;
    }
    dir_name(&n, name, len);
    errcode_t err = ext2fs_unlink(x->fs, (ext2_ino_t)parent, n.s, ino, 0);
    if (err != 0)
        return extfs_errno(err);
    if (dir)
        return dir_remove_dir(x, (ext2_ino_t)parent, ino, &in);
    if ((rc = extfs_drop_link(x, ino, &in)) < 0)
        return rc;
    return dir_changed(x, (ext2_ino_t)parent, 0);
}

/* Point the entry `name` at another inode, in place: one block written. */
struct retarget {
    const char *name;
    size_t len;
    ext2_ino_t ino;
    int ftype, done, has_ftype;
};

static int dir_retarget_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *d,
                              int offset, int blocksize, char *buf, void *priv)
{
    struct retarget *r = priv;

    (void)dir, (void)entry, (void)offset, (void)blocksize, (void)buf;
    if (d->inode == 0 || (size_t)ext2fs_dirent_name_len(d) != r->len ||
        memcmp(d->name, r->name, r->len) != 0)
        return 0;
    d->inode = r->ino;
    ext2fs_dirent_set_file_type(d, r->has_ftype ? r->ftype : EXT2_FT_UNKNOWN);
    r->done = 1;
    return DIRENT_CHANGED | DIRENT_ABORT;
}

/* A moved directory's ".." names its new parent. */
static int dir_dotdot_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *d,
                            int offset, int blocksize, char *buf, void *priv)
{
    (void)dir, (void)offset, (void)blocksize, (void)buf;
    if (entry != DIRENT_DOT_DOT_FILE)
        return 0;
    d->inode = *(ext2_ino_t *)priv;
    return DIRENT_CHANGED | DIRENT_ABORT;
}

/*
 * Replacing an existing name rewrites its entry in place, so the new name
 * always names one of the two inodes, even across a crash.  Until the old
 * name is removed both names name the moved inode, with one link counted:
 * a crash there leaves that for e2fsck to count (docs/files.md).
 */
long extfs_rename(void *fs, uint64_t olddir, const char *oldname,
                  size_t oldlen, uint64_t newdir, const char *newname,
                  size_t newlen, unsigned flags)
{
    struct extfs *x = fs;
    struct ext2_inode_large src, dst, d;
    ext2_ino_t sino, dino = 0;
    struct name on, nn;
    errcode_t err;
    long rc;

    if (flags & ~(unsigned)RENAME_NOREPLACE)
        return -EINVAL;
    if ((rc = dir_get_live(x, olddir, &d)) < 0 || (rc = dir_get_live(x, newdir, &d)) < 0 ||
        (rc = dir_find(x, olddir, oldname, oldlen, &sino)) < 0 ||
        (rc = extfs_iget(x, sino, &src)) < 0)
        return rc;
    rc = dir_find(x, newdir, newname, newlen, &dino);
    if (rc < 0 && rc != -ENOENT)
        return rc;
    int replace = rc == 0, isdir = LINUX_S_ISDIR(src.i_mode);
    if (replace && (flags & RENAME_NOREPLACE))
        return -EEXIST;
    if (replace && dino == sino)
        return 0; /* two names of one inode: Linux does nothing */
    if (x->read_only)
        return -EROFS;
    if (replace) {
        if ((rc = extfs_iget(x, dino, &dst)) < 0)
            return rc;
        if (isdir && !LINUX_S_ISDIR(dst.i_mode))
            return -ENOTDIR;
        if (!isdir && LINUX_S_ISDIR(dst.i_mode))
            return -EISDIR;
        if (isdir && (rc = dir_empty(x, dino)) < 0)
            return rc;
    } else if (isdir && olddir != newdir && d.i_links_count >= EXT2_LINK_MAX) {
        return -EMLINK;
    }
    dir_name(&on, oldname, oldlen);
    dir_name(&nn, newname, newlen);

    if (replace) {
        struct retarget r = { nn.s, newlen, sino, dir_ftype(src.i_mode), 0,
                              ext2fs_has_feature_filetype(x->fs->super) };
        err = ext2fs_dir_iterate2(x->fs, (ext2_ino_t)newdir, 0, NULL,
                                  dir_retarget_entry, &r);
        if (err == 0 && !r.done)
            err = EXT2_ET_DIR_CORRUPTED;
        if (err != 0)
            return extfs_errno(err);
        rc = isdir ? dir_remove_dir(x, (ext2_ino_t)newdir, dino, &dst)
                   : extfs_drop_link(x, dino, &dst);
    } else {
        err = dir_add(x, (ext2_ino_t)newdir, nn.s, sino, dir_ftype(src.i_mode));
        rc = extfs_errno(err);
    }
    if (rc < 0)
        return rc;
    if ((err = ext2fs_unlink(x->fs, (ext2_ino_t)olddir, on.s, sino, 0)) != 0)
        return extfs_errno(err);
    if (isdir && olddir != newdir) {
        ext2_ino_t parent = (ext2_ino_t)newdir;
        err = ext2fs_dir_iterate2(x->fs, sino, 0, NULL, dir_dotdot_entry, &parent);
        if (err != 0)
            return extfs_errno(err);
        if ((rc = dir_changed(x, (ext2_ino_t)newdir, 1)) < 0 ||
            (rc = dir_changed(x, (ext2_ino_t)olddir, -1)) < 0)
            return rc;
    } else {
        if ((rc = dir_changed(x, (ext2_ino_t)newdir, 0)) < 0 ||
            (olddir != newdir && (rc = dir_changed(x, (ext2_ino_t)olddir, 0)) < 0))
            return rc;
    }
    if ((rc = extfs_iget(x, sino, &src)) < 0)
        return rc;
    extfs_touch(&src, EXTFS_T_C);
    return extfs_iput(x, sino, &src);
}

long extfs_readlink(void *fs, uint64_t ino, char *buf, size_t len)
{
    struct extfs *x = fs;
    struct ext2_inode_large in;
    long rc = extfs_iget(x, ino, &in);

    if (rc < 0)
        return rc;
    if (!LINUX_S_ISLNK(in.i_mode))
        return -EINVAL;
    uint64_t size = EXT2_I_SIZE(&in);
    if (size == 0 || size >= x->fs->blocksize)
        return -EIO;
    if (len > size)
        len = (size_t)size;
    if (ext2fs_is_fast_symlink((struct ext2_inode *)&in)) {
        if (size >= sizeof(in.i_block))
            return -EIO;
        memcpy(buf, in.i_block, len);
        return (long)len;
    }
    return extfs_read(fs, ino, buf, len, 0);
}

/*
 * readdir's position is the byte offset of the next entry in the
 * directory, as on Linux without htree: it survives entries removed
 * between calls (removal only merges an entry into the one before it), so
 * deleting while listing never skips one.  libext2fs's own iteration
 * does not tell an entry's block, so this drives it block by block,
 * skipping whole blocks before the position.
 */
struct listing {
    ext2_filsys fs;
    uint64_t start, blockpos;
    vfs_filldir fill;
    void *ctx;
    uint64_t *pos;
    int has_ftype;
};

static const unsigned char dir_dtype[] = {
    [EXT2_FT_UNKNOWN] = 0, [EXT2_FT_REG_FILE] = 8, [EXT2_FT_DIR] = 4,
    [EXT2_FT_CHRDEV] = 2,  [EXT2_FT_BLKDEV] = 6,   [EXT2_FT_FIFO] = 1,
    [EXT2_FT_SOCK] = 12,   [EXT2_FT_SYMLINK] = 10,
};

static int dir_list_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *d,
                          int offset, int blocksize, char *buf, void *priv)
{
    struct listing *l = priv;
    unsigned reclen = 0;

    (void)dir, (void)entry, (void)blocksize, (void)buf;
    uint64_t at = l->blockpos + (uint64_t)offset;
    if (d->inode == 0 || at < l->start)
        return 0;
    if (ext2fs_get_rec_len(l->fs, d, &reclen) != 0 || reclen == 0)
        return DIRENT_ABORT;
    int ft = l->has_ftype ? ext2fs_dirent_file_type(d) : 0;
    unsigned dt = ft >= 0 && (size_t)ft < sizeof(dir_dtype) ? dir_dtype[ft] : 0;
    if (l->fill(l->ctx, d->name, (size_t)ext2fs_dirent_name_len(d), d->inode, dt,
                at + reclen) != 0)
        return DIRENT_ABORT;
    *l->pos = at + reclen;
    return 0;
}

static int dir_list_block(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
                          blk64_t ref_block, int ref_offset, void *priv)
{
    struct dir_context *c = priv;
    struct listing *l = c->priv_data;

    if (blockcnt < 0)
        return 0;
    l->blockpos = (uint64_t)blockcnt * fs->blocksize;
    if (l->blockpos + fs->blocksize <= l->start)
        return 0;
    return ext2fs_process_dir_block(fs, blocknr, blockcnt, ref_block, ref_offset, priv);
}

long extfs_readdir(void *fs, uint64_t dir, uint64_t *pos, vfs_filldir fill,
                   void *ctx)
{
    struct extfs *x = fs;
    struct ext2_inode_large in;
    long rc = dir_get(x, dir, &in);

    if (rc < 0)
        return rc;
    if (in.i_links_count == 0)
        return 0; /* removed while open: Linux lists nothing, not even "." */
    if (in.i_flags & EXT4_INLINE_DATA_FL)
        return -EIO; /* not made by mkfs.ext4's defaults; not supported here */
    struct listing l = { x->fs, *pos, 0, fill, ctx, pos,
                         ext2fs_has_feature_filetype(x->fs->super) };
    struct dir_context c = { .dir = (ext2_ino_t)dir, .func = dir_list_entry,
                             .priv_data = &l };
    errcode_t err = ext2fs_get_mem(x->fs->blocksize, &c.buf);
    if (err != 0)
        return -ENOMEM;
    err = ext2fs_block_iterate3(x->fs, (ext2_ino_t)dir, BLOCK_FLAG_READ_ONLY, 0,
                                dir_list_block, &c);
    ext2fs_free_mem(&c.buf);
    if (err == 0)
        err = c.errcode;
    return extfs_errno(err);
}
