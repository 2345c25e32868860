/* extfs_io.c: libext2fs's I/O channel over a uhvt disk (the block calls). */
#include <errno.h>
#include <string.h>

#include "extfs.h"
#include "uhvt.h"

/*
 * The channel name is "uhvt:N" for disk handle N.  The disk is read and
 * written where libext2fs asks, with no cache of our own: writes go to the
 * host at once, in order, and flush (io_channel_flush, which ext2fs_flush
 * and our fsync call) is the host's fdatasync.  Requests need not be
 * sector-aligned: a partial sector (a 1 KiB block or the superblock on a
 * 4 KiB-sector disk) is read, patched and written back.  A transfer of
 * more than one request's worth is split into 1 MiB requests sent as one
 * batch, so a large run of blocks costs one exit for each 64 MiB.
 */

#define IO_CHUNK UHVT_BLK_IO_MAX

struct io_disk {
    int handle;
    int read_only;
    uint32_t sector;
    uint64_t capacity;
    unsigned char *bounce; /* one sector */
};

static errcode_t io_err(int rc)
{
    switch (-rc) {
    case UHVT_EROFS:
        return EROFS;
    case UHVT_EINVAL:
        return EINVAL;
    default:
        return EIO;
    }
}

/*
 * Sector-aligned [off, off + len) in requests of at most IO_CHUNK bytes,
 * as one batch when there are several (all must complete before return).
 */
static errcode_t io_aligned(struct io_disk *d, uint64_t off, void *buf,
                            uint64_t len, int write)
{
    if (len <= IO_CHUNK) {
        int rc = write ? uhvt_blk_write(d->handle, off, buf, len)
                       : uhvt_blk_read(d->handle, off, buf, len);
        return rc < 0 ? io_err(rc) : 0;
    }
    struct uhvt_blk_req reqs[UHVT_BLK_QUEUE_MAX];
    struct uhvt_blk_done done[UHVT_BLK_QUEUE_MAX];
    errcode_t err = 0;

    while (len > 0) {
        unsigned n = 0;
        for (; n < UHVT_BLK_QUEUE_MAX && len > 0; n++) {
            uint32_t l = len < IO_CHUNK ? (uint32_t)len : IO_CHUNK;
            reqs[n] = (struct uhvt_blk_req){
                .tag = n, .offset = off, .data = (uintptr_t)buf, .len = l,
                .op = write ? UHVT_BLK_OP_WRITE : UHVT_BLK_OP_READ,
            };
            off += l;
            buf = (char *)buf + l;
            len -= l;
        }
        int rc = uhvt_blk_submit(d->handle, reqs, n);
        if (rc < 0)
            return io_err(rc);
        for (unsigned got = 0; got < n;) {
            rc = uhvt_blk_reap(d->handle, done, n - got);
            if (rc < 0)
                return io_err(rc); /* the disk is gone: nothing to wait for */
            if (rc == 0) {
                (void)uhvt_poll(UINT64_MAX, NULL);
                continue;
            }
            for (int i = 0; i < rc; i++)
                if (done[i].ret != UHVT_OK && err == 0)
                    err = io_err(-done[i].ret);
            got += (unsigned)rc;
        }
        if (err != 0)
            return err;
    }
    return 0;
}

/* Any byte range inside the disk; partial sectors read-modify-written. */
static errcode_t io_rw(struct io_disk *d, uint64_t off, void *buf,
                       uint64_t len, int write)
{
    if (off > d->capacity || len > d->capacity - off)
        return write ? EXT2_ET_SHORT_WRITE : EXT2_ET_SHORT_READ;
    if (write && d->read_only)
        return EROFS;
    uint32_t s = d->sector;
    errcode_t err;

    while (len > 0) {
        uint64_t head = off % s;
        if (head == 0 && len >= s) {
            uint64_t n = len - len % s;
            if ((err = io_aligned(d, off, buf, n, write)) != 0)
                return err;
            off += n;
            buf = (char *)buf + n;
            len -= n;
            continue;
        }
        uint64_t n = s - head < len ? s - head : len;
        if ((err = io_aligned(d, off - head, d->bounce, s, 0)) != 0)
            return err;
        if (write) {
            memcpy(d->bounce + head, buf, n);
            if ((err = io_aligned(d, off - head, d->bounce, s, 1)) != 0)
                return err;
        } else {
            memcpy(buf, d->bounce + head, n);
        }
        off += n;
        buf = (char *)buf + n;
        len -= n;
    }
    return 0;
}

static errcode_t io_open(const char *name, int flags, io_channel *out)
{
    const char *p = name != NULL && strncmp(name, "uhvt:", 5) == 0 ? name + 5 : "";
    int handle = 0;

    if (*p == '\0')
        return EXT2_ET_BAD_DEVICE_NAME;
    for (; *p >= '0' && *p <= '9' && handle < 1000; p++)
        handle = handle * 10 + (*p - '0');
    if (*p != '\0')
        return EXT2_ET_BAD_DEVICE_NAME;

    struct io_disk d = { .handle = handle };
    int rc = uhvt_blk_info(handle, &d.capacity, &d.sector, &d.read_only);
    if (rc < 0)
        return rc == -UHVT_ENODEV ? ENODEV : EIO;
    if (d.sector != 512 && d.sector != 4096)
        return EIO;
    if ((flags & IO_FLAG_RW) && d.read_only)
        return EROFS;

    io_channel ch = NULL;
    struct io_disk *dp = NULL;
    errcode_t err;
    if ((err = ext2fs_get_memzero(sizeof(*ch), &ch)) != 0 ||
        (err = ext2fs_get_mem(sizeof(*dp), &dp)) != 0 ||
        (err = ext2fs_get_mem(d.sector, &d.bounce)) != 0 ||
        (err = ext2fs_get_mem(strlen(name) + 1, &ch->name)) != 0) {
        if (dp != NULL)
            ext2fs_free_mem(&d.bounce);
        ext2fs_free_mem(&dp);
        ext2fs_free_mem(&ch);
        return err;
    }
    *dp = d;
    strcpy(ch->name, name);
    ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
    ch->manager = extfs_io_manager;
    ch->block_size = 1024;
    ch->refcount = 1;
    ch->private_data = dp;
    *out = ch;
    return 0;
}

static errcode_t io_close(io_channel ch)
{
    if (--ch->refcount > 0)
        return 0;
    struct io_disk *d = ch->private_data;

    ext2fs_free_mem(&d->bounce);
    ext2fs_free_mem(&d);
    ext2fs_free_mem(&ch->name);
    ext2fs_free_mem(&ch);
    return 0;
}

static errcode_t io_set_blksize(io_channel ch, int blksize)
{
    ch->block_size = blksize;
    return 0;
}

/* count < 0: -count bytes (libext2fs's convention), else blocks. */
static errcode_t io_blocks(io_channel ch, unsigned long long block,
                           int count, void *data, int write)
{
    uint64_t bs = (uint64_t)ch->block_size;
    uint64_t len = count < 0 ? (uint64_t) - (int64_t)count : (uint64_t)count * bs;

    if (block > UINT64_MAX / bs)
        return write ? EXT2_ET_SHORT_WRITE : EXT2_ET_SHORT_READ;
    if (len == 0)
        return 0;
    return io_rw(ch->private_data, block * bs, data, len, write);
}

static errcode_t io_read_blk64(io_channel ch, unsigned long long block,
                               int count, void *data)
{
    return io_blocks(ch, block, count, data, 0);
}

static errcode_t io_write_blk64(io_channel ch, unsigned long long block,
                                int count, const void *data)
{
    return io_blocks(ch, block, count, (void *)data, 1);
}

static errcode_t io_read_blk(io_channel ch, unsigned long block, int count,
                             void *data)
{
    return io_blocks(ch, block, count, data, 0);
}

static errcode_t io_write_blk(io_channel ch, unsigned long block, int count,
                              const void *data)
{
    return io_blocks(ch, block, count, (void *)data, 1);
}

static errcode_t io_write_byte(io_channel ch, unsigned long offset, int count,
                               const void *data)
{
    if (count < 0)
        return EINVAL;
    return io_rw(ch->private_data, offset, (void *)data, (uint64_t)count, 1);
}

static errcode_t io_flush(io_channel ch)
{
    struct io_disk *d = ch->private_data;

    if (d->read_only)
        return 0;
    int rc = uhvt_blk_flush(d->handle);
    return rc < 0 ? io_err(rc) : 0;
}

static errcode_t io_set_option(io_channel ch, const char *option,
                               const char *arg)
{
    (void)ch, (void)option, (void)arg;
    return EXT2_ET_INVALID_ARGUMENT;
}

static struct struct_io_manager io_manager_struct = {
    .magic = EXT2_ET_MAGIC_IO_MANAGER,
    .name = "uhvt I/O manager",
    .open = io_open,
    .close = io_close,
    .set_blksize = io_set_blksize,
    .read_blk = io_read_blk,
    .write_blk = io_write_blk,
    .flush = io_flush,
    .write_byte = io_write_byte,
    .set_option = io_set_option,
    .read_blk64 = io_read_blk64,
    .write_blk64 = io_write_blk64,
};

io_manager extfs_io_manager = &io_manager_struct;

/*
 * Zeroes for new blocks (libext2fs's own version lives with the journal
 * code, which would bring mount-table and device calls the guest lacks).
 * The same contract: blocks [blk, blk + num), and ret_blk and ret_count say
 * where a failure happened; fs NULL frees the buffer (nothing kept here).
 */
errcode_t ext2fs_zero_blocks2(ext2_filsys fs, blk64_t blk, int num,
                              blk64_t *ret_blk, int *ret_count)
{
    enum { ZERO_BLOCKS = 64 };
    char *zero = NULL;

    if (fs == NULL || num <= 0)
        return 0;
    errcode_t err = ext2fs_get_memzero((size_t)fs->blocksize * ZERO_BLOCKS, &zero);
    if (err != 0)
        return err;
    for (int done = 0; done < num;) {
        int n = num - done < ZERO_BLOCKS ? num - done : ZERO_BLOCKS;
        err = io_channel_write_blk64(fs->io, blk + (blk64_t)done, n, zero);
        if (err != 0) {
            if (ret_blk != NULL)
                *ret_blk = blk + (blk64_t)done;
            if (ret_count != NULL)
                *ret_count = n;
            break;
        }
        done += n;
    }
    ext2fs_free_mem(&zero);
    return err;
}
