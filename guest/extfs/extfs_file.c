/* extfs_file.c: file contents on ext2/ext3/ext4: read, write, truncate, fallocate. */
#include <errno.h>
#include <string.h>

#include "extfs.h"

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 1
#endif

/*
 * Each call opens libext2fs's file object afresh and closes it before
 * returning, so no block or inode is held in memory between calls: two
 * descriptors of one file always agree, and what a call wrote is on the
 * disk (though not yet flushed) when it returns.
 */

/* The largest size the inode's block map can reach (ext4's s_maxbytes). */
static uint64_t file_max_size(ext2_filsys fs, const struct ext2_inode_large *in)
{
    uint64_t bs = fs->blocksize;

    if (in->i_flags & EXT4_EXTENTS_FL)
        return ((1ULL << 32) - 1) * bs;
    uint64_t per = bs / 4;
    uint64_t blocks = 12 + per + per * per + per * per * per;
    if (blocks > (1ULL << 32) - 1)
        blocks = (1ULL << 32) - 1;
    return blocks * bs;
}

static long file_get(struct extfs *x, uint64_t ino, struct ext2_inode_large *in)
{
    long rc = extfs_iget(x, ino, in);

    if (rc == 0 && !LINUX_S_ISREG(in->i_mode) && !LINUX_S_ISLNK(in->i_mode))
        rc = LINUX_S_ISDIR(in->i_mode) ? -EISDIR : -EINVAL;
    return rc;
}

long extfs_read(void *fs, uint64_t ino, void *buf, size_t len, uint64_t off)
{
    struct extfs *x = fs;
    struct ext2_inode_large in;
    ext2_file_t f;
    long rc = file_get(x, ino, &in);

    if (rc < 0)
        return rc;
    uint64_t size = EXT2_I_SIZE(&in);
    if (off >= size || len == 0)
        return 0;
    if (len > size - off)
        len = (size_t)(size - off);
    if (len > 0x7ffff000)
        len = 0x7ffff000; /* Linux's limit for one transfer */
    if (len >= 2 * (size_t)x->fs->blocksize &&
        (rc = extfs_map_read(x, (ext2_ino_t)ino, &in, buf, len, off)) != EXTFS_MAP_NA)
        return rc;
    errcode_t err = ext2fs_file_open2(x->fs, (ext2_ino_t)ino, (struct ext2_inode *)&in,
                                      0, &f);
    if (err != 0)
        return extfs_errno(err);
    unsigned got = 0;
    err = ext2fs_file_llseek(f, off, EXT2_SEEK_SET, NULL);
    if (err == 0)
        err = ext2fs_file_read(f, buf, (unsigned)len, &got);
    errcode_t cerr = ext2fs_file_close(f);
    if (got > 0)
        return got;
    return extfs_errno(err != 0 ? err : cerr);
}

/* mtime and ctime after a change of contents. */
static long file_modified(struct extfs *x, ext2_ino_t ino)
{
    struct ext2_inode_large in;
    long rc = extfs_iget(x, ino, &in);

    if (rc < 0)
        return rc;
    extfs_touch(&in, EXTFS_T_M | EXTFS_T_C);
    return extfs_iput(x, ino, &in);
}

/* Through libext2fs's file object, a block at a time. */
static long file_write_object(struct extfs *x, ext2_ino_t ino, const char *buf,
                              size_t len, uint64_t off)
{
    struct ext2_inode_large in;
    ext2_file_t f;
    long rc = extfs_iget(x, ino, &in);

    if (rc < 0)
        return rc;
    errcode_t err = ext2fs_file_open2(x->fs, ino, (struct ext2_inode *)&in,
                                      EXT2_FILE_WRITE, &f);
    if (err != 0)
        return extfs_errno(err);
    unsigned done = 0;
    err = ext2fs_file_llseek(f, off, EXT2_SEEK_SET, NULL);
    if (err == 0)
        err = ext2fs_file_write(f, buf, (unsigned)len, &done);
    errcode_t cerr = ext2fs_file_close(f); /* writes the last block and the inode */
    if (cerr != 0)
        return extfs_errno(cerr);
    if (done == 0)
        return extfs_errno(err != 0 ? err : EXT2_ET_SHORT_WRITE);
    return done;
}

/*
 * The whole blocks in the middle of a large write go by extfs_map_write;
 * the partial blocks at either end, and files it does not handle, by the
 * file object.  The size grows only as far as what was written.
 */
long extfs_write(void *fs, uint64_t ino, const void *buf, size_t len,
                 uint64_t off)
{
    struct extfs *x = fs;
    struct ext2_inode_large in;
    long rc = file_get(x, ino, &in);

    if (rc < 0)
        return rc;
    if (x->read_only)
        return -EROFS;
    if (len == 0)
        return 0;
    uint64_t max = file_max_size(x->fs, &in);
    if (off >= max)
        return -EFBIG;
    if (len > max - off)
        len = (size_t)(max - off);
    if (len > 0x7ffff000)
        len = 0x7ffff000;
    uint64_t bs = x->fs->blocksize;
    uint64_t head = (bs - off % bs) % bs;
    uint64_t whole = len > head ? (len - head) / bs : 0;
    size_t done = 0;

    if (whole >= 2) {
        if (head > 0 && (rc = file_write_object(x, (ext2_ino_t)ino, buf, head, off)) < (long)head)
            return rc;
        rc = extfs_map_write(x, (ext2_ino_t)ino, (const char *)buf + head,
                             (off + head) / bs, whole);
        if (rc == 0) {
            done = head + whole * bs;
            struct ext2_inode_large now;
            if ((rc = extfs_iget(x, ino, &now)) < 0)
                return rc;
            if (EXT2_I_SIZE(&now) < off + done) {
                errcode_t err = ext2fs_inode_size_set(x->fs, (struct ext2_inode *)&now,
                                                      off + done);
                if (err != 0 || (rc = extfs_iput(x, (ext2_ino_t)ino, &now)) < 0)
                    return err != 0 ? extfs_errno(err) : rc;
            }
        } else if (rc != EXTFS_MAP_NA) {
            return head > 0 ? (long)head : rc;
        } else {
            done = head;
        }
    }
    if (done < len) {
        rc = file_write_object(x, (ext2_ino_t)ino, (const char *)buf + done,
                               len - done, off + done);
        if (rc < 0 && done == 0)
            return rc;
        if (rc > 0)
            done += (size_t)rc;
    }
    rc = file_modified(x, (ext2_ino_t)ino);
    return rc < 0 ? rc : (long)done;
}

/* Size `size`: blocks past it freed, the rest of its last block zeroed. */
long extfs_truncate(struct extfs *x, ext2_ino_t ino, struct ext2_inode_large *in,
                    uint64_t size)
{
    ext2_file_t f;

    if (size > file_max_size(x->fs, in))
        return -EFBIG;
    errcode_t err = ext2fs_file_open2(x->fs, ino, (struct ext2_inode *)in,
                                      EXT2_FILE_WRITE, &f);
    if (err != 0)
        return extfs_errno(err);
    err = ext2fs_file_set_size2(f, size);
    errcode_t cerr = ext2fs_file_close(f);
    if (err != 0 || cerr != 0)
        return extfs_errno(err != 0 ? err : cerr);
    return extfs_iget(x, ino, in);
}

long extfs_fallocate(void *fs, uint64_t ino, int mode, uint64_t off,
                     uint64_t len)
{
    struct extfs *x = fs;
    struct ext2_inode_large in;
    long rc = file_get(x, ino, &in);

    if (rc < 0)
        return rc;
    if (x->read_only)
        return -EROFS;
    if (mode & ~FALLOC_FL_KEEP_SIZE)
        return -EOPNOTSUPP;
    if (!LINUX_S_ISREG(in.i_mode))
        return -ENODEV;
    if (!(in.i_flags & EXT4_EXTENTS_FL))
        return -EOPNOTSUPP; /* block-mapped files would need every block zeroed */
    uint64_t max = file_max_size(x->fs, &in);
    if (len == 0 || off >= max || len > max - off)
        return len == 0 ? -EINVAL : -EFBIG;
    uint64_t bs = x->fs->blocksize;
    blk64_t start = off / bs, end = (off + len + bs - 1) / bs;
    int flags = (mode & FALLOC_FL_KEEP_SIZE) ? 0 : EXT2_FALLOCATE_INIT_BEYOND_EOF;
    errcode_t err = ext2fs_fallocate(x->fs, flags, (ext2_ino_t)ino,
                                     (struct ext2_inode *)&in, ~0ULL, start, end - start);
    if (err != 0)
        return extfs_errno(err);
    /* ext2fs_fallocate wrote the small inode; reread the rest before writing all. */
    struct ext2_inode_large now;
    if ((rc = extfs_iget(x, ino, &now)) < 0)
        return rc;
    if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > EXT2_I_SIZE(&now) &&
        (err = ext2fs_inode_size_set(x->fs, (struct ext2_inode *)&now, off + len)) != 0)
        return extfs_errno(err);
    extfs_touch(&now, EXTFS_T_C | ((mode & FALLOC_FL_KEEP_SIZE) ? 0 : EXTFS_T_M));
    return extfs_iput(x, (ext2_ino_t)ino, &now);
}
