/* vfs.h: the contract between the POSIX file calls and each filesystem (internal). */
#ifndef GUEST_VFS_H
#define GUEST_VFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>

/*
 * The file calls (paths, descriptors, offsets, mounts, permissions of the
 * mount, O_APPEND, crossing mount points, EXDEV, EROFS) live above this
 * line; a filesystem below it only stores trees of inodes.  A filesystem
 * names its inodes by number; the runtime names one as (mount, ino).
 *
 * Every operation returns 0 (or a count) on success and -errno as Linux
 * would give it otherwise.  A filesystem that finds its own structures
 * corrupt answers -EIO (or -EUCLEAN), never hangs and never trusts a size,
 * block number or name length read from the medium.
 *
 * Names are (pointer, length), 1..NAME_MAX bytes, no '/' and no NUL; the
 * caller has checked that.  "." and ".." are looked up like any name
 * (".." of a filesystem's root is the root itself); the caller resolves
 * them across mount points.  Buffers are the application's, already
 * checked to lie in guest memory; operations never block on another party
 * (disk I/O is synchronous), so nothing changes underneath one.
 *
 * Open files: the caller calls open(ino) once per open file description
 * and release(ino) when the last descriptor naming it closes.  An inode
 * whose link count reaches 0 while open keeps its data until its last
 * release, as on Linux (mkstemp-then-unlink is common).
 */

/* Linux's renameat2 flag; musl 1.2.3's headers lack it (added here for rename). */
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

/* What setattr changes: any of these bits in vfs_attr.mask. */
enum {
    VFS_ATTR_MODE = 1 << 0,  /* permission bits only (07777) */
    VFS_ATTR_UID = 1 << 1,
    VFS_ATTR_GID = 1 << 2,
    VFS_ATTR_SIZE = 1 << 3,  /* truncate or extend with zeros */
    VFS_ATTR_ATIME = 1 << 4,
    VFS_ATTR_MTIME = 1 << 5,
};

struct vfs_attr {
    unsigned mask;
    mode_t mode;
    uid_t uid;
    gid_t gid;
    uint64_t size;
    struct timespec atime, mtime;
};

/*
 * readdir's callback: one entry (d_type is DT_*), and the position to resume
 * from after it.  Returns nonzero when it cannot take this entry (the
 * caller's buffer is full): the filesystem then stops without counting it.
 * The filesystem keeps *pos itself: on return it is the position after the
 * last entry the callback took (the callback never writes it).
 */
typedef int (*vfs_filldir)(void *ctx, const char *name, size_t len,
                           uint64_t ino, unsigned d_type, uint64_t next);

struct vfs_ops {
    /* The inode `name` names in directory `dir`: -ENOENT, -ENOTDIR. */
    long (*lookup)(void *fs, uint64_t dir, const char *name, size_t len,
                   uint64_t *ino);
    /* Everything of struct stat but st_dev (the caller's). */
    long (*getattr)(void *fs, uint64_t ino, struct stat *st);
    /* ctime is the filesystem's to update; -EFBIG past its largest file. */
    long (*setattr)(void *fs, uint64_t ino, const struct vfs_attr *a);
    /*
     * A new inode named `name` in `dir`: `mode` has its type (S_IFREG,
     * S_IFDIR, S_IFLNK) and permission bits (umask already applied);
     * `target` is a symlink's contents (NUL-terminated), else NULL.  Owner
     * and group are the caller's identity (uid, gid).  -EEXIST, -ENOSPC,
     * -EMLINK; a filesystem without some type answers -EPERM.
     */
    long (*create)(void *fs, uint64_t dir, const char *name, size_t len,
                   mode_t mode, const char *target, uid_t uid, gid_t gid,
                   uint64_t *ino);
    /* A new name for `ino` (never a directory): -EEXIST, -EMLINK. */
    long (*link)(void *fs, uint64_t dir, const char *name, size_t len,
                 uint64_t ino);
    /*
     * Remove a name.  rmdir (dir != 0): the entry must be a directory,
     * empty (-ENOTEMPTY), else -ENOTDIR; unlink (dir == 0): it must not be
     * one (-EISDIR).
     */
    long (*unlink)(void *fs, uint64_t parent, const char *name, size_t len,
                   int dir);
    /*
     * Move a name, replacing what the new name named, in one step as far as
     * the filesystem can make it one (the new name never names nothing).
     * flags: 0 or RENAME_NOREPLACE (-EEXIST); others -EINVAL.  Linux's type
     * rules: directory over non-empty directory -ENOTEMPTY, over a file
     * -ENOTDIR, file over directory -EISDIR.  The caller has refused moving
     * a directory under itself (-EINVAL) and renames across mounts (-EXDEV).
     */
    long (*rename)(void *fs, uint64_t olddir, const char *oldname,
                   size_t oldlen, uint64_t newdir, const char *newname,
                   size_t newlen, unsigned flags);
    /* A symlink's contents, not NUL-terminated, truncated to len: the count. */
    long (*readlink)(void *fs, uint64_t ino, char *buf, size_t len);
    long (*open)(void *fs, uint64_t ino);
    void (*release)(void *fs, uint64_t ino);
    /* Bytes at `off`: fewer at end of file, 0 past it. */
    long (*read)(void *fs, uint64_t ino, void *buf, size_t len, uint64_t off);
    /* Write, extending the file (a hole reads as zeros): the count, -ENOSPC, -EFBIG. */
    long (*write)(void *fs, uint64_t ino, const void *buf, size_t len,
                  uint64_t off);
    /* Entries from position *pos (0: the first, "." and ".." included). */
    long (*readdir)(void *fs, uint64_t dir, uint64_t *pos, vfs_filldir fill,
                    void *ctx);
    /*
     * Make the inode's data (and, unless datasync, all its metadata) and
     * whatever is needed to find it durable: 0 only when it is.  A
     * filesystem in memory has nothing to do.
     */
    long (*fsync)(void *fs, uint64_t ino, int datasync);
    long (*statfs)(void *fs, struct statfs *sf);
    /* fallocate's mode 0 and FALLOC_FL_KEEP_SIZE; NULL: -EOPNOTSUPP. */
    long (*fallocate)(void *fs, uint64_t ino, int mode, uint64_t off,
                      uint64_t len);
    /* Everything durable and the filesystem marked clean: at exit. */
    long (*unmount)(void *fs);
};

/*
 * A kind of filesystem.  mount: attach the one on block device `handle`
 * (-1 for one in memory), read-only when `read_only` (then nothing is ever
 * written to the device, so the image stays byte-identical); its state in
 * *fs and its root's inode in *root.  -EINVAL (or -EUCLEAN) for something
 * that is not this filesystem or is too damaged to mount, -EIO for a
 * device that fails.
 */
struct vfs_type {
    const char *name;
    const struct vfs_ops *ops;
    long (*mount)(int handle, int read_only, void **fs, uint64_t *root);
};

#endif
