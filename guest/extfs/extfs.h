/* extfs.h: declarations shared by the ext2/ext3/ext4 filesystem's files (internal). */
#ifndef GUEST_EXTFS_H
#define GUEST_EXTFS_H

#include <sys/types.h> /* ext2fs.h uses mode_t without it */

#include <stdint.h>

#include "ext2fs/ext2fs.h"
#include "vfs.h"

/* One mounted filesystem: the vfs_ops' `fs`. */
struct extfs {
    ext2_filsys fs;
    int read_only;
    /* Inodes open now, and how often; an unlinked one lives until 0. */
    struct extfs_open {
        ext2_ino_t ino;
        unsigned count;
        int orphan; /* no links left: on the orphan list until released */
    } *open;
    size_t nopen, capopen;
};

/* extfs_io.c: the I/O channel; the device name is "uhvt:HANDLE". */
extern io_manager extfs_io_manager;

/*
 * extfs_env.c (the guest's; the unit tests bring their own): wall-clock
 * time, and a message on the console for refusals the caller only sees as
 * an errno.
 */
void extfs_env_now(struct timespec *ts);
void extfs_env_say(const char *msg);

/* extfs.c */
/* A libext2fs error as a negative errno (a damaged structure: -EIO). */
long extfs_errno(errcode_t err);
/* The inode, bounds-checked, in its largest form; zeroed beyond the disk's. */
long extfs_iget(struct extfs *x, uint64_t ino, struct ext2_inode_large *in);
long extfs_iput(struct extfs *x, ext2_ino_t ino, struct ext2_inode_large *in);
/* Set the times named in `which` (EXTFS_T_*) to now. */
enum { EXTFS_T_A = 1, EXTFS_T_M = 2, EXTFS_T_C = 4, EXTFS_T_CR = 8 };
void extfs_touch(struct ext2_inode_large *in, unsigned which);
void extfs_time_set(struct ext2_inode_large *in, unsigned which,
                    const struct timespec *ts);

/* extfs_inode.c: inode lifetimes: open counts, the orphan list, freeing. */
long extfs_open(void *fs, uint64_t ino);
void extfs_release(void *fs, uint64_t ino);
/*
 * One link fewer for `ino` (in `in`, written back); at 0 links its blocks
 * and the inode are freed, or, while it is open, it goes on the orphan
 * list until its last release.
 */
long extfs_drop_link(struct extfs *x, ext2_ino_t ino,
                     struct ext2_inode_large *in);
/* At unmount: every file still open is released. */
void extfs_close_all(struct extfs *x);

/* extfs_dir.c: the operations that change names. */
long extfs_lookup(void *fs, uint64_t dir, const char *name, size_t len,
                  uint64_t *ino);
long extfs_create(void *fs, uint64_t dir, const char *name, size_t len,
                  mode_t mode, const char *target, uid_t uid, gid_t gid,
                  uint64_t *ino);
long extfs_link(void *fs, uint64_t dir, const char *name, size_t len,
                uint64_t ino);
long extfs_unlink(void *fs, uint64_t parent, const char *name, size_t len,
                  int dir);
long extfs_rename(void *fs, uint64_t olddir, const char *oldname,
                  size_t oldlen, uint64_t newdir, const char *newname,
                  size_t newlen, unsigned flags);
long extfs_readlink(void *fs, uint64_t ino, char *buf, size_t len);
long extfs_readdir(void *fs, uint64_t dir, uint64_t *pos, vfs_filldir fill,
                   void *ctx);

/* extfs_file.c: file contents. */
long extfs_read(void *fs, uint64_t ino, void *buf, size_t len, uint64_t off);
long extfs_write(void *fs, uint64_t ino, const void *buf, size_t len,
                 uint64_t off);
long extfs_truncate(struct extfs *x, ext2_ino_t ino,
                    struct ext2_inode_large *in, uint64_t size);
long extfs_fallocate(void *fs, uint64_t ino, int mode, uint64_t off,
                     uint64_t len);

/* extfs_map.c: whole-block runs of extent-mapped files, straight to the disk. */
#define EXTFS_MAP_NA (-4095L) /* not this path's: use the file object */
long extfs_map_read(struct extfs *x, ext2_ino_t ino, struct ext2_inode_large *in,
                    void *buf, size_t len, uint64_t off);
long extfs_map_write(struct extfs *x, ext2_ino_t ino, const void *buf,
                     blk64_t first, blk64_t n);

#endif
