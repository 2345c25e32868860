/* extfs.c: ext2/ext3/ext4 on a uhvt disk through libext2fs: mounting, inodes, attributes, sync. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>

#include "extfs.h"

/*
 * libext2fs is a toolkit for mkfs and fsck, not a kernel: it never replays
 * or writes a journal.  An ext3/ext4 image with a journal is mounted only
 * when the journal is empty (needs_recovery clear), and then written
 * without it: the journal stays empty and valid, so the kernel and e2fsck
 * see a clean journal; what a crash between our writes can leave behind is
 * what an ext2 crash leaves, for e2fsck -fy to repair (docs/files.md).
 * Writes go through to the disk in the order libext2fs makes them; fsync
 * writes the inode table, bitmaps, group descriptors and superblock
 * (ext2fs_flush) and then flushes the disk.
 */

long extfs_errno(errcode_t err)
{
    if (err == 0)
        return 0;
    if (err > 0 && err < 4096)
        return -(long)err; /* an errno, from the channel or libext2fs */
    switch (err) {
    case EXT2_ET_NO_MEMORY:
        return -ENOMEM;
    case EXT2_ET_BLOCK_ALLOC_FAIL:
    case EXT2_ET_INODE_ALLOC_FAIL:
    case EXT2_ET_DIR_NO_SPACE:
    case EXT2_ET_DIR_NO_SPACE_FOR_CSUM:
    case EXT2_ET_INLINE_DATA_NO_SPACE:
    case EXT2_ET_EA_NO_SPACE:
    case EXT2_ET_RES_GDT_BLOCKS:
        return -ENOSPC;
    case EXT2_ET_FILE_NOT_FOUND:
        return -ENOENT;
    case EXT2_ET_FILE_TOO_BIG:
    case EXT2_ET_EXTENT_NOT_SUPPORTED:
        return -EFBIG;
    case EXT2_ET_RO_FILSYS:
        return -EROFS;
    case EXT2_ET_DIR_EXISTS:
        return -EEXIST;
    case EXT2_ET_NO_DIRECTORY:
        return -ENOTDIR;
    case EXT2_ET_UNIMPLEMENTED:
    case EXT2_ET_OP_NOT_SUPPORTED:
        return -EOPNOTSUPP;
    default:
        return -EIO; /* a damaged structure, a bad checksum, a short read */
    }
}

long extfs_iget(struct extfs *x, uint64_t ino, struct ext2_inode_large *in)
{
    if (ino < EXT2_ROOT_INO || ino > x->fs->super->s_inodes_count)
        return -EIO;
    memset(in, 0, sizeof(*in));
    errcode_t err = ext2fs_read_inode_full(x->fs, (ext2_ino_t)ino,
                                           (struct ext2_inode *)in, sizeof(*in));
    if (err != 0)
        return extfs_errno(err);
    if (EXT2_INODE_SIZE(x->fs->super) <= EXT2_GOOD_OLD_INODE_SIZE ||
        in->i_extra_isize > EXT2_INODE_SIZE(x->fs->super) - EXT2_GOOD_OLD_INODE_SIZE)
        in->i_extra_isize = 0; /* no trust in what lies beyond */
    if (in->i_links_count == 0 && in->i_mode == 0)
        return -EIO; /* a name for a free inode */
    return 0;
}

long extfs_iput(struct extfs *x, ext2_ino_t ino, struct ext2_inode_large *in)
{
    return extfs_errno(ext2fs_write_inode_full(
        x->fs, ino, (struct ext2_inode *)in, sizeof(*in)));
}

/* An extra time field holds nsec << 2 and bits 32-33 of the seconds. */
#define EXTRA_FITS(in, field) \
    ((in)->i_extra_isize >= offsetof(struct ext2_inode_large, field) + \
     sizeof((in)->field) - EXT2_GOOD_OLD_INODE_SIZE)
#define TIME_SET(in, f, ts)                                                \
    do {                                                                   \
        (in)->f = (uint32_t)(ts)->tv_sec;                                  \
        if (EXTRA_FITS(in, f##_extra))                                     \
            (in)->f##_extra = (uint32_t)((ts)->tv_nsec << EXT4_EPOCH_BITS) | \
                (uint32_t)(((uint64_t)(ts)->tv_sec - (uint64_t)(int32_t)(ts)->tv_sec) >> 32 & \
                           EXT4_EPOCH_MASK);                               \
    } while (0)
#define TIME_GET(in, f, ts)                                                \
    do {                                                                   \
        (ts)->tv_sec = (int32_t)(in)->f;                                   \
        (ts)->tv_nsec = 0;                                                 \
        if (EXTRA_FITS(in, f##_extra)) {                                   \
            (ts)->tv_sec += (int64_t)((in)->f##_extra & EXT4_EPOCH_MASK) << 32; \
            (ts)->tv_nsec = (in)->f##_extra >> EXT4_EPOCH_BITS;             \
            if ((ts)->tv_nsec > 999999999)                                 \
                (ts)->tv_nsec = 0;                                         \
        }                                                                  \
    } while (0)

void extfs_time_set(struct ext2_inode_large *in, unsigned which,
                    const struct timespec *ts)
{
    if (which & EXTFS_T_A)
        TIME_SET(in, i_atime, ts);
    if (which & EXTFS_T_M)
        TIME_SET(in, i_mtime, ts);
    if (which & EXTFS_T_C)
        TIME_SET(in, i_ctime, ts);
    if (which & EXTFS_T_CR)
        TIME_SET(in, i_crtime, ts);
}

void extfs_touch(struct ext2_inode_large *in, unsigned which)
{
    struct timespec now;

    extfs_env_now(&now);
    extfs_time_set(in, which, &now);
}

static long extfs_getattr(void *fs, uint64_t ino, struct stat *st)
{
    struct extfs *x = fs;
    struct ext2_inode_large in;
    long rc = extfs_iget(x, ino, &in);

    if (rc < 0)
        return rc;
    memset(st, 0, sizeof(*st));
    st->st_ino = ino;
    st->st_mode = in.i_mode;
    st->st_nlink = in.i_links_count;
    st->st_uid = inode_uid(in);
    st->st_gid = inode_gid(in);
    st->st_size = (off_t)EXT2_I_SIZE(&in);
    st->st_blksize = x->fs->blocksize;
    st->st_blocks = (blkcnt_t)ext2fs_get_stat_i_blocks(x->fs, (struct ext2_inode *)&in);
    if (LINUX_S_ISCHR(in.i_mode) || LINUX_S_ISBLK(in.i_mode)) {
        uint32_t d = in.i_block[0] ? in.i_block[0] : in.i_block[1];
        st->st_rdev = in.i_block[0] ? ((d >> 8) & 0xff) << 8 | (d & 0xff)
                                    : ((d & 0xfff00) >> 8) << 8 | (d & 0xff) |
                                      ((d >> 12) & 0xfff00);
    }
    TIME_GET(&in, i_atime, &st->st_atim);
    TIME_GET(&in, i_mtime, &st->st_mtim);
    TIME_GET(&in, i_ctime, &st->st_ctim);
    return 0;
}

static long extfs_setattr(void *fs, uint64_t ino, const struct vfs_attr *a)
{
    struct extfs *x = fs;
    struct ext2_inode_large in;
    long rc;

    if (x->read_only)
        return -EROFS;
    if ((rc = extfs_iget(x, ino, &in)) < 0)
        return rc;
    if (a->mask & VFS_ATTR_SIZE) {
        if (!LINUX_S_ISREG(in.i_mode))
            return -EINVAL;
        if ((rc = extfs_truncate(x, (ext2_ino_t)ino, &in, a->size)) < 0)
            return rc;
        extfs_touch(&in, EXTFS_T_M);
    }
    if (a->mask & VFS_ATTR_MODE)
        in.i_mode = (uint16_t)((in.i_mode & ~07777) | (a->mode & 07777));
    if (a->mask & VFS_ATTR_UID) {
        in.i_uid = (uint16_t)a->uid;
        ext2fs_set_i_uid_high(in, a->uid >> 16);
    }
    if (a->mask & VFS_ATTR_GID) {
        in.i_gid = (uint16_t)a->gid;
        ext2fs_set_i_gid_high(in, a->gid >> 16);
    }
    if (a->mask & VFS_ATTR_ATIME)
        extfs_time_set(&in, EXTFS_T_A, &a->atime);
    if (a->mask & VFS_ATTR_MTIME)
        extfs_time_set(&in, EXTFS_T_M, &a->mtime);
    extfs_touch(&in, EXTFS_T_C);
    return extfs_iput(x, (ext2_ino_t)ino, &in);
}

/* Everything libext2fs holds in memory to the disk, then the disk's cache. */
static long extfs_sync(struct extfs *x)
{
    if (x->read_only)
        return 0;
    errcode_t err = ext2fs_flush2(x->fs, EXT2_FLAG_FLUSH_NO_SYNC);
    if (err == 0)
        err = io_channel_flush(x->fs->io);
    return extfs_errno(err);
}

/*
 * Data and inodes are written through as they change, so fsync has only
 * the allocation state (bitmaps, group descriptors, superblock) to write
 * before the flush; fdatasync needs them too, to find the data.
 */
static long extfs_fsync(void *fs, uint64_t ino, int datasync)
{
    (void)ino, (void)datasync;
    return extfs_sync(fs);
}

static long extfs_statfs(void *fs, struct statfs *sf)
{
    struct extfs *x = fs;
    struct ext2_super_block *sb = x->fs->super;
    uint64_t blocks = ext2fs_blocks_count(sb), free = ext2fs_free_blocks_count(sb);
    uint64_t resv = ext2fs_r_blocks_count(sb);
    uint64_t overhead = sb->s_first_data_block +
                        (uint64_t)x->fs->group_desc_count *
                            (2 + x->fs->inode_blocks_per_group);

    memset(sf, 0, sizeof(*sf));
    sf->f_type = EXT2_SUPER_MAGIC;
    sf->f_bsize = x->fs->blocksize;
    sf->f_frsize = x->fs->blocksize;
    sf->f_blocks = blocks > overhead ? blocks - overhead : 0;
    sf->f_bfree = free;
    sf->f_bavail = free > resv ? free - resv : 0;
    sf->f_files = sb->s_inodes_count;
    sf->f_ffree = sb->s_free_inodes_count;
    sf->f_namelen = EXT2_NAME_LEN;
    memcpy(&sf->f_fsid, sb->s_uuid, sizeof(sf->f_fsid));
    sf->f_flags = x->read_only ? 1 /* ST_RDONLY */ : 0;
    return 0;
}

/* Clean and durable: the superblock says so only after all else is on disk. */
static long extfs_unmount(void *fs)
{
    struct extfs *x = fs;
    long rc = 0;

    if (!x->read_only) {
        extfs_close_all(x);
        rc = extfs_sync(x);
        if (rc == 0) {
            x->fs->super->s_state |= EXT2_VALID_FS;
            ext2fs_mark_super_dirty(x->fs);
            rc = extfs_sync(x);
        }
    }
    errcode_t err = ext2fs_close_free(&x->fs);
    ext2fs_free_mem(&x->open);
    ext2fs_free_mem(&x);
    return rc != 0 ? rc : extfs_errno(err);
}

/* Why a mount is refused, on the console: the caller sees only an errno. */
static long extfs_refuse(ext2_filsys fs, long rc, const char *why)
{
    extfs_env_say(why);
    if (fs != NULL)
        ext2fs_close_free(&fs);
    return rc;
}

static long extfs_mount(int handle, int read_only, void **out, uint64_t *root)
{
    char name[16] = "uhvt:";
    char digits[8];
    int n = 0;
    ext2_filsys fs = NULL;

    if (handle < 0 || handle > 999)
        return -EINVAL;
    do
        digits[n++] = (char)('0' + handle % 10);
    while ((handle /= 10) > 0);
    for (int i = 0; i < n; i++)
        name[5 + i] = digits[n - 1 - i];

    int flags = EXT2_FLAG_64BITS | EXT2_FLAG_MASTER_SB_ONLY |
                (read_only ? 0 : EXT2_FLAG_RW);
    errcode_t err = ext2fs_open2(name, NULL, flags, 0, 0, extfs_io_manager, &fs);
    if (err != 0) {
        long rc = extfs_errno(err);
        if (err == EXT2_ET_UNSUPP_FEATURE || err == EXT2_ET_RO_UNSUPP_FEATURE)
            return extfs_refuse(NULL, -EINVAL,
                                "extfs: the image uses features this build does not support");
        /* An unreadable device is the device's fault; anything else is the image's. */
        return extfs_refuse(NULL, rc == -EIO && err != EIO ? -EINVAL : rc,
                            "extfs: not an ext2/ext3/ext4 image, or too damaged to mount");
    }
    struct ext2_super_block *sb = fs->super;
    if (ext2fs_has_feature_journal_needs_recovery(sb) ||
        ext2fs_has_feature_journal_dev(sb))
        return extfs_refuse(fs, -EINVAL,
                            "extfs: the journal needs recovery: run e2fsck on the image first");
    if (ext2fs_has_feature_mmp(sb) && !read_only)
        return extfs_refuse(fs, -EINVAL, "extfs: multi-mount protection is not supported");
    /* What libext2fs would not keep up to date as we write. */
    if (!read_only && (ext2fs_has_feature_quota(sb) || ext2fs_has_feature_encrypt(sb) ||
                       ext2fs_has_feature_casefold(sb) || ext2fs_has_feature_verity(sb) ||
                       ext2fs_has_feature_orphan_file(sb)))
        return extfs_refuse(fs, -EOPNOTSUPP,
                            "extfs: quota, encrypt, casefold, verity or orphan_file images mount read-only only");
    if (!read_only && (!(sb->s_state & EXT2_VALID_FS) || (sb->s_state & EXT2_ERROR_FS) ||
                       sb->s_last_orphan != 0))
        return extfs_refuse(fs, -EUCLEAN,
                            "extfs: the image was not cleanly unmounted or has errors: run e2fsck -fy on it");

    struct extfs *x = NULL;
    if (ext2fs_get_memzero(sizeof(*x), &x) != 0)
        return extfs_refuse(fs, -ENOMEM, "extfs: out of memory");
    x->fs = fs;
    x->read_only = read_only;
    fs->umask = 0;
    if (!read_only) {
        struct timespec now;
        if ((err = ext2fs_read_bitmaps(fs)) != 0) {
            ext2fs_free_mem(&x);
            return extfs_refuse(fs, -EUCLEAN, "extfs: the allocation bitmaps are damaged: run e2fsck");
        }
        extfs_env_now(&now);
        sb->s_state &= (uint16_t)~EXT2_VALID_FS; /* until a clean unmount */
        sb->s_mtime = (uint32_t)now.tv_sec;
        sb->s_mnt_count++;
        ext2fs_mark_super_dirty(fs);
        long rc = extfs_sync(x);
        if (rc < 0) {
            ext2fs_free_mem(&x);
            return extfs_refuse(fs, rc, "extfs: cannot write to the disk");
        }
    }
    *out = x;
    *root = EXT2_ROOT_INO;
    return 0;
}

static const struct vfs_ops extfs_ops = {
    .lookup = extfs_lookup,
    .getattr = extfs_getattr,
    .setattr = extfs_setattr,
    .create = extfs_create,
    .link = extfs_link,
    .unlink = extfs_unlink,
    .rename = extfs_rename,
    .readlink = extfs_readlink,
    .open = extfs_open,
    .release = extfs_release,
    .read = extfs_read,
    .write = extfs_write,
    .readdir = extfs_readdir,
    .fsync = extfs_fsync,
    .statfs = extfs_statfs,
    .fallocate = extfs_fallocate,
    .unmount = extfs_unmount,
};

__attribute__((visibility("default")))
const struct vfs_type __uhvt_extfs_type = {
    .name = "ext",
    .ops = &extfs_ops,
    .mount = extfs_mount,
};
