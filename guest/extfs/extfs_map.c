/* extfs_map.c: large reads and writes of extent-mapped files as runs of whole blocks, straight between the caller's buffer and the disk. */
#include <errno.h>
#include <string.h>

#include "extfs.h"

/*
 * libext2fs's file object moves one block per call and looks each block up
 * in the extent tree anew (a leaf block read per block of data).  Here the
 * tree is walked once per call and each contiguous run of blocks is one
 * channel request, which the channel sends as 1 MiB requests in one batch.
 * Only extent-mapped files take this path; block-mapped (ext2/ext3) and
 * inline-data files use the file object.
 */

/* A damaged tree cannot make the walk longer than this many extents. */
#define MAP_MAX_EXTENTS (1u << 20)

typedef errcode_t (*map_fn)(void *ctx, blk64_t lblk, blk64_t pblk, blk64_t n,
                            int uninit);

/* Calls fn for each mapped run of logical blocks inside [first, last]. */
static errcode_t map_runs(struct extfs *x, ext2_ino_t ino,
                          struct ext2_inode_large *in, blk64_t first,
                          blk64_t last, map_fn fn, void *ctx)
{
    ext2_extent_handle_t h;
    struct ext2fs_extent e;
    errcode_t err = ext2fs_extent_open2(x->fs, ino, (struct ext2_inode *)in, &h);

    if (err != 0)
        return err;
    /*
     * goto finds the extent holding `first`; in a hole, walk from the start.
     * Blocks below `from` are done: after a goto, NEXT_LEAF may start over
     * from the first leaf (the path above it is not marked visited), and a
     * damaged tree may repeat or overlap extents; neither is done twice.
     */
    blk64_t from = first;
    err = ext2fs_extent_goto2(h, 0, first);
    if (err == 0)
        err = ext2fs_extent_get(h, EXT2_EXTENT_CURRENT, &e);
    else if (err == EXT2_ET_EXTENT_NOT_FOUND)
        err = ext2fs_extent_get(h, EXT2_EXTENT_ROOT, &e);
    for (unsigned k = 0; err == 0 && k < MAP_MAX_EXTENTS && from <= last; k++) {
        if (e.e_flags & EXT2_EXTENT_FLAGS_LEAF) {
            blk64_t end = e.e_lblk + e.e_len; /* exclusive */
            if (e.e_len > 0 && end > from && e.e_lblk <= last) {
                blk64_t a = e.e_lblk > from ? e.e_lblk : from;
                blk64_t b = end - 1 < last ? end - 1 : last;
                err = fn(ctx, a, e.e_pblk + (a - e.e_lblk), b - a + 1,
                         (e.e_flags & EXT2_EXTENT_FLAGS_UNINIT) != 0);
                if (err != 0)
                    break;
                from = b + 1;
            }
        }
        err = ext2fs_extent_get(h, EXT2_EXTENT_NEXT_LEAF, &e);
    }
    ext2fs_extent_free(h);
    if (err == EXT2_ET_EXTENT_NO_NEXT || err == EXT2_ET_EXTENT_NOT_FOUND ||
        err == EXT2_ET_NO_CURRENT_NODE)
        err = 0; /* the end of the tree, or an empty one */
    return err;
}

static int map_applies(const struct ext2_inode_large *in)
{
    return (in->i_flags & EXT4_EXTENTS_FL) && !(in->i_flags & EXT4_INLINE_DATA_FL);
}

struct map_read {
    struct extfs *x;
    char *buf;
    uint64_t off, len; /* the caller's byte range */
    char *block;       /* one block, for a partial one at either end */
};

static errcode_t map_read_run(void *ctx, blk64_t lblk, blk64_t pblk, blk64_t n,
                              int uninit)
{
    struct map_read *r = ctx;
    uint64_t bs = r->x->fs->blocksize;
    uint64_t s = lblk * bs, e = (lblk + n) * bs;
    errcode_t err;

    if (uninit)
        return 0; /* reads as the zeros already there */
    if (s < r->off)
        s = r->off;
    if (e > r->off + r->len)
        e = r->off + r->len;
    while (s < e) {
        blk64_t phys = pblk + (s / bs - lblk);
        if (s % bs == 0 && e - s >= bs) {
            uint64_t whole = (e - s) / bs;
            if (whole > INT32_MAX / bs)
                whole = INT32_MAX / bs;
            if ((err = io_channel_read_blk64(r->x->fs->io, phys, (int)whole,
                                             r->buf + (s - r->off))) != 0)
                return err;
            s += whole * bs;
            continue;
        }
        if (r->block == NULL && (err = ext2fs_get_mem(bs, &r->block)) != 0)
            return err;
        if ((err = io_channel_read_blk64(r->x->fs->io, phys, 1, r->block)) != 0)
            return err;
        uint64_t in_block = s % bs, n_copy = bs - in_block;
        if (n_copy > e - s)
            n_copy = e - s;
        memcpy(r->buf + (s - r->off), r->block + in_block, n_copy);
        s += n_copy;
    }
    return 0;
}

/* `len` (> 0) bytes at `off`, inside the file's size: the count, or EXTFS_MAP_NA. */
long extfs_map_read(struct extfs *x, ext2_ino_t ino, struct ext2_inode_large *in,
                    void *buf, size_t len, uint64_t off)
{
    if (!map_applies(in))
        return EXTFS_MAP_NA;
    uint64_t bs = x->fs->blocksize;
    struct map_read r = { x, buf, off, len, NULL };

    memset(buf, 0, len); /* holes */
    errcode_t err = map_runs(x, ino, in, off / bs, (off + len - 1) / bs, map_read_run, &r);
    ext2fs_free_mem(&r.block);
    return err != 0 ? extfs_errno(err) : (long)len;
}

struct map_write {
    struct extfs *x;
    const char *buf;
    blk64_t first;
    blk64_t done;
    int uninit;
};

static errcode_t map_any_uninit(void *ctx, blk64_t lblk, blk64_t pblk, blk64_t n,
                                int uninit)
{
    (void)lblk, (void)pblk, (void)n;
    ((struct map_write *)ctx)->uninit |= uninit;
    return 0;
}

static errcode_t map_write_run(void *ctx, blk64_t lblk, blk64_t pblk, blk64_t n,
                               int uninit)
{
    struct map_write *w = ctx;
    uint64_t bs = w->x->fs->blocksize;

    if (uninit)
        return EXT2_ET_INODE_CORRUPTED; /* fallocate just made them initialised */
    while (n > 0) {
        blk64_t k = n < (blk64_t)(INT32_MAX / bs) ? n : (blk64_t)(INT32_MAX / bs);
        errcode_t err = io_channel_write_blk64(w->x->fs->io, pblk, (int)k,
                                               w->buf + (lblk - w->first) * bs);
        if (err != 0)
            return err;
        lblk += k;
        pblk += k;
        n -= k;
        w->done += k;
    }
    return 0;
}

/* Free blocks kept for the extent tree's growth when allocating a run. */
#define MAP_SPARE 64

/*
 * A failed ext2fs_fallocate (ENOSPC) keeps what it did allocate.  Give back
 * the part past the end of the file, which nothing was written into and
 * whose blocks e2fsck would find beyond the size; blocks before the end
 * may hold data, and stay.
 */
static void map_undo(struct extfs *x, ext2_ino_t ino, blk64_t first, blk64_t n)
{
    struct ext2_inode_large in;
    uint64_t bs = x->fs->blocksize;

    if (extfs_iget(x, ino, &in) < 0)
        return;
    blk64_t eof = (EXT2_I_SIZE(&in) + bs - 1) / bs;
    blk64_t start = first > eof ? first : eof;
    if (start < first + n &&
        ext2fs_punch(x->fs, ino, (struct ext2_inode *)&in, NULL, start, first + n - 1) == 0)
        (void)extfs_iput(x, ino, &in);
}

/*
 * Whole blocks [first, first + n) of `buf`: allocated in as few extents as
 * the free space allows (ext2fs_fallocate, initialised: every block is
 * written next), then written run by run.  0, EXTFS_MAP_NA when this path
 * does not apply (block-mapped, inline data, or preallocated blocks in the
 * range, which the file object handles), or -errno.  The size is the
 * caller's to set.
 */
long extfs_map_write(struct extfs *x, ext2_ino_t ino, const void *buf,
                     blk64_t first, blk64_t n)
{
    struct ext2_inode_large in;
    struct map_write w = { x, buf, first, 0, 0 };
    long rc = extfs_iget(x, ino, &in);
    errcode_t err;

    if (rc < 0)
        return rc;
    if (!map_applies(&in))
        return EXTFS_MAP_NA;
    if ((err = map_runs(x, ino, &in, first, first + n - 1, map_any_uninit, &w)) != 0)
        return extfs_errno(err);
    if (w.uninit)
        return EXTFS_MAP_NA;
    /*
     * ext2fs_fallocate that runs out of space midway keeps blocks it took
     * but could not map (e2fsck: bitmap differences): near a full disk the
     * file object goes a block at a time instead, to a clean ENOSPC.
     */
    if (ext2fs_free_blocks_count(x->fs->super) < n + MAP_SPARE)
        return EXTFS_MAP_NA;
    err = ext2fs_fallocate(x->fs, EXT2_FALLOCATE_FORCE_INIT, ino, NULL, ~0ULL, first, n);
    if (err != 0) {
        map_undo(x, ino, first, n);
        return extfs_errno(err);
    }
    if ((rc = extfs_iget(x, ino, &in)) < 0)
        return rc;
    if ((err = map_runs(x, ino, &in, first, first + n - 1, map_write_run, &w)) != 0)
        return extfs_errno(err);
    return w.done == n ? 0 : -EIO;
}
