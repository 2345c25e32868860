/* files.h: the file layer's internal interfaces: mounts, path walks, open files, the in-memory filesystems (internal). */
#ifndef GUEST_FILES_H
#define GUEST_FILES_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "vfs.h"

/* Linux's constants that musl 1.2.3's headers lack. */
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)
#ifndef SEEK_DATA
#define SEEK_DATA 3
#define SEEK_HOLE 4
#endif
#define FALLOC_FL_NO_HIDE_STALE 0x04
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#define FALLOC_FL_ZERO_RANGE 0x10
#define FALLOC_FL_INSERT_RANGE 0x20
#define FALLOC_FL_UNSHARE_RANGE 0x40

/* slab.c: zeroed small allocations (whole pages above 2 KiB), or NULL. */
void *slab_alloc(size_t len);
void slab_free(void *p, size_t len);

/*
 * vfs.c: the mount table and path resolution.  A node is an inode as the
 * runtime names it: (mount, inode number).
 */
#define VFS_MOUNT_MAX 16
#define VFS_SYMLOOP_MAX 40 /* Linux's MAXSYMLINKS */

struct vfs_node {
    int m;
    uint64_t ino;
};

struct vfs_mount {
    const struct vfs_type *type; /* NULL: a free slot */
    void *fs;
    uint64_t root;
    int read_only;
    int handle;   /* the block device, -1 for one in memory */
    int parent;   /* the mount it is attached in; -1 for the root */
    uint64_t dir; /* the directory it is attached in (in parent) */
    char name[NAME_MAX + 1]; /* the name it covers there */
    size_t len;
    const char *source; /* for /proc/mounts: the disk's name, or the type's */
};
extern struct vfs_mount vfs_mounts[VFS_MOUNT_MAX];

static inline const struct vfs_ops *vfs_ops_of(int m)
{
    return vfs_mounts[m].type->ops;
}

static inline void *vfs_fs_of(int m)
{
    return vfs_mounts[m].fs;
}

/* vfs_walk's flags. */
enum {
    WALK_FOLLOW = 1 << 0, /* follow a symlink in the last component */
    WALK_EMPTY = 1 << 1,  /* an empty path names the start (AT_EMPTY_PATH) */
    WALK_FD = 1 << 2,     /* the caller takes vfs_walk.fd (else ENXIO) */
    /* The caller makes or removes the last name itself (mkdir, unlink,
       rename, O_CREAT...): a trailing '/' does not follow a last symlink,
       as it does for a plain lookup. */
    WALK_PARENT = 1 << 3,
};

/*
 * The result of a walk: the directory the last component lives in and
 * its name (empty for "/" or an empty path), and what it names if anything
 * (`exists`).  `dots` is 1 or 2 when the last component is "." or "..",
 * `slash` when the path ends in '/' (the last component must then be a
 * directory; the caller judges).
 */
struct vfs_walk {
    struct vfs_node dir, node;
    int exists, dots, slash;
    mode_t mode; /* the node's type and permissions, when it exists */
    int fd;      /* >= 0: the last component was /proc/self/fd/N for a
                    descriptor that is no file (node is then unset) */
    int via;     /* >= 0: it was /proc/self/fd/N for file descriptor N,
                    whose node it names */
    char name[NAME_MAX + 1];
    size_t len;
};

/*
 * Resolve `path` (in guest memory) from `dirfd` (AT_FDCWD: the working
 * directory).  Symlinks in the middle are followed (ELOOP after 40), the
 * last one only with WALK_FOLLOW.  A missing last component is no error
 * (exists == 0); anything else missing is ENOENT.  -EFAULT, -ENOENT (empty
 * path), -ENAMETOOLONG, -ENOTDIR, -EBADF, -ELOOP, -EIO.
 */
long vfs_walk(long dirfd, const char *path, int flags, struct vfs_walk *w);
/* The same, ending in -ENOENT when the last component does not exist. */
long vfs_walk_existing(long dirfd, const char *path, int flags,
                       struct vfs_walk *w);
/* A node's attributes with st_dev filled in. */
long vfs_getattr(struct vfs_node n, struct stat *st);
/* Whether writes through mount m are refused (-EROFS) or allowed (0). */
long vfs_writable(int m);
/* Whether name (len) in directory d has a mount attached (rename, rmdir). */
int vfs_covered(struct vfs_node d, const char *name, size_t len);
/* The node of the mount root attached at d/name, if any (else m = -1). */
struct vfs_node vfs_mounted_at(struct vfs_node d, const char *name, size_t len);
/* The absolute path of directory node n into buf (len bytes): its length. */
long vfs_path(struct vfs_node n, char *buf, size_t len);
/* Take and drop a reference to a node (the filesystem's open and release). */
long vfs_hold(struct vfs_node n);
void vfs_drop(struct vfs_node n);
/* The working directory. */
struct vfs_node vfs_cwd_node(void);
/* Attach a filesystem of `type` at absolute `path`: its index or -errno. */
long vfs_mount(const char *path, const struct vfs_type *type, int handle,
               int read_only);

/*
 * file.c: open files and directories as descriptors.  An open file
 * description of one: its node and offset (fd.c's description carries the
 * status flags, the fd_ops the access mode).
 */
struct ofile {
    struct vfs_node n;
    uint64_t pos;
    mode_t type; /* S_IFMT bits */
    int path;    /* O_PATH: no I/O at all */
    /* Where it was opened, for /proc/self/fd (not updated by renames). */
    struct vfs_node dir;
    char *name;
    size_t len;
};
/* Linux's MAX_RW_COUNT: one call moves at most this much. */
#define FILE_RW_MAX 0x7ffff000L
/* fd's open file (any access mode, O_PATH too) and its status flags, or NULL. */
struct ofile *file_get(long fd, int *flags);
const struct vfs_ops *file_ops_of(struct ofile *f);
long file_size(struct ofile *f, uint64_t *size);
struct iovec;
/* Move data between checked iovecs and the file at *off: the count or -errno. */
long file_io(struct ofile *f, const struct iovec *iov, int n, uint64_t *off,
             int out);

/*
 * file.c: open files and directories as descriptors.  file_node: the node
 * an open file descriptor names (any access mode, O_PATH included), or
 * -EBADF (-ENOTDIR when `want_dir` and it is not a directory).
 */
long file_node(long fd, struct vfs_node *n, int want_dir);
/* The node of a file descriptor open for I/O (not O_PATH), or -EBADF. */
long file_node_io(long fd, struct vfs_node *n);
/*
 * An open description of node n with open(2)'s flags: the descriptor.
 * `w` (may be NULL) is the walk that found it: its directory and name are
 * kept for /proc/self/fd's links.
 */
long file_open_node(struct vfs_node n, mode_t mode, int flags,
                    const struct vfs_walk *w);
/* What /proc/self/fd/N reads as: its length in buf (size bytes). */
long file_describe(int fd, char *buf, size_t size);

/* tmpfs.c, devfs.c, procfs.c: the runtime's own filesystems. */
extern const struct vfs_type tmpfs_type, devfs_type, procfs_type;
/*
 * Whether node `link` is one of /proc's magic links (cwd, fd/N): then 1,
 * with the node it stands for in *target (and *fd the descriptor for fd/N,
 * else -1), or target->m = -1 when that descriptor is no file (a pipe,
 * the console).
 */
int procfs_magic(struct vfs_node link, struct vfs_node *target, int *fd);

/* fileio.c: mmap of a file, as a copy (mem.c's sys_mmap). */
long fileio_mappable(long fd, int shared_write);
long fileio_map_fill(long fd, void *p, size_t len, long off);

/* All of mount m's data durable (sync, syncfs). */
long vfs_sync_mount(int m);

/* The realtime clock as a timespec, for timestamps. */
struct timespec vfs_now(void);

#endif
