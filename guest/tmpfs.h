/* tmpfs.h: the in-memory filesystem's inodes, shared by tmpfs.c (names, directories) and tmpdata.c (file data) (internal). */
#ifndef GUEST_TMPFS_H
#define GUEST_TMPFS_H

#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "files.h"
#include "runtime.h"

#define TMPFS_MAGIC 0x01021994
#define PAGE UHVT_PAGE_SIZE
/* Linux's MAX_LFS_FILESIZE on 64-bit: the largest offset a file may reach. */
#define TMPFS_MAX_SIZE ((uint64_t)INT64_MAX)

struct tentry {
    uint64_t ino;
    size_t len;
    char name[]; /* len bytes and a NUL */
};

struct tnode {
    mode_t mode;
    uid_t uid;
    gid_t gid;
    nlink_t nlink;
    unsigned opens;
    uint64_t size; /* bytes; for a directory, its entries' count * 20 */
    uint64_t blocks; /* pages held */
    struct timespec atime, mtime, ctime, btime;
    void *radix;     /* regular file: its pages (tmpdata.c) */
    unsigned height; /* of the radix tree; 0: no pages */
    struct tentry **ents; /* directory: cap entries, n used */
    size_t cap, n;
    uint64_t parent; /* directory: its "..", itself for the root */
    char *target;    /* symlink: size bytes and a NUL */
};

struct tmpfs {
    struct tnode **nodes;
    size_t cap;
    uint64_t used; /* inodes in use */
};

/* Data pages held by every instance, and the most they may hold. */
extern uint64_t tmpdata_pages;

static inline struct tnode *tmpfs_node(struct tmpfs *t, uint64_t ino)
{
    if (ino == 0 || ino > t->cap)
        return NULL;
    return t->nodes[ino - 1];
}

static inline void tmpfs_touch(struct tnode *n, int mtime)
{
    n->ctime = vfs_now();
    if (mtime)
        n->mtime = n->ctime;
}

/* tmpdata.c: file data in pages. */
uint64_t tmpdata_max_pages(void);
/* Drop a file's pages from page `from` on (0: all, the tree too). */
void tmpdata_cut(struct tnode *n, uint64_t from);
/* Make the file `size` bytes: pages past it go, the last one is cut. */
long tmpdata_resize(struct tnode *n, uint64_t size);
long tmpdata_read(void *fs, uint64_t ino, void *buf, size_t len, uint64_t off);
long tmpdata_write(void *fs, uint64_t ino, const void *buf, size_t len,
                   uint64_t off);
long tmpdata_fallocate(void *fs, uint64_t ino, int mode, uint64_t off,
                       uint64_t len);

#endif
