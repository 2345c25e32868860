/* tmpdata.c: the in-memory filesystem's file data: pages, holes, reads, writes, truncation, preallocation. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "tmpfs.h"

/*
 * A regular file's data is an array of page pointers, NULL for a page
 * never written (a hole, read as zeros).  As Linux's tmpfs by default,
 * file data may take at most half of (guest) memory, so a full /tmp leaves
 * the program room to run: every instance shares that half.  Running out
 * is ENOSPC for the call that needed more, a short count for a write that
 * got some room.
 */

uint64_t tmpdata_pages;

uint64_t tmpdata_max_pages(void)
{
    return boot_info.mem_size / 2 / PAGE;
}

/* Drop a file's pages from page `from` on. */
void tmpdata_cut(struct tnode *n, size_t from)
{
    for (size_t i = from; i < n->cap; i++) {
        if (n->pages[i] != NULL) {
            mem_release(n->pages[i], PAGE);
            n->pages[i] = NULL;
            n->blocks--;
            tmpdata_pages--;
        }
    }
}

/* Make the file `size` bytes: pages past it go, the last one is cut. */
long tmpdata_resize(struct tnode *n, uint64_t size)
{
    if (size > TMPFS_MAX_SIZE)
        return -EFBIG;
    if (size < n->size) {
        size_t keep = (size_t)((size + PAGE - 1) / PAGE);
        tmpdata_cut(n, keep);
        if (size % PAGE && keep - 1 < n->cap && n->pages[keep - 1] != NULL)
            memset(n->pages[keep - 1] + size % PAGE, 0, PAGE - size % PAGE);
    }
    n->size = size;
    return 0;
}

long tmpdata_read(void *fs, uint64_t ino, void *buf, size_t len,
                       uint64_t off)
{
    struct tnode *n = tmpfs_node(fs, ino);
    size_t done = 0;

    if (S_ISDIR(n->mode))
        return -EISDIR;
    if (off >= n->size)
        return 0;
    if (len > n->size - off)
        len = (size_t)(n->size - off);
    while (done < len) {
        uint64_t p = (off + done) / PAGE;
        size_t in = (size_t)((off + done) % PAGE), k = PAGE - in;
        if (k > len - done)
            k = len - done;
        if (p < n->cap && n->pages[p] != NULL)
            memcpy((char *)buf + done, n->pages[p] + in, k);
        else
            memset((char *)buf + done, 0, k);
        done += k;
    }
    n->atime = vfs_now();
    return (long)done;
}

/* Room for page pointers up to page `last`: 0 or -ENOSPC. */
static long tmpdata_reserve(struct tnode *n, uint64_t last)
{
    if (last < n->cap)
        return 0;
    size_t cap = n->cap ? n->cap : 8;
    while (cap <= last)
        cap *= 2;
    char **pages = slab_alloc(cap * sizeof *pages);
    if (pages == NULL)
        return -ENOSPC;
    if (n->cap)
        memcpy(pages, n->pages, n->cap * sizeof *pages);
    slab_free(n->pages, n->cap * sizeof *pages);
    n->pages = pages;
    n->cap = cap;
    return 0;
}

/* Pages [first, last] present: 0 or -ENOSPC (those made stay, as holes filled). */
static long tmpdata_fill(struct tnode *n, uint64_t first, uint64_t last)
{
    if (tmpdata_reserve(n, last) < 0)
        return -ENOSPC;
    for (uint64_t p = first; p <= last; p++) {
        if (n->pages[p] == NULL) {
            if (tmpdata_pages >= tmpdata_max_pages() ||
                (n->pages[p] = mem_alloc(PAGE)) == NULL)
                return -ENOSPC;
            n->blocks++;
            tmpdata_pages++;
        }
    }
    return 0;
}

long tmpdata_write(void *fs, uint64_t ino, const void *buf, size_t len,
                        uint64_t off)
{
    struct tnode *n = tmpfs_node(fs, ino);
    size_t done = 0;

    if (len == 0)
        return 0;
    if (off > TMPFS_MAX_SIZE || len > TMPFS_MAX_SIZE - off)
        return -EFBIG;
    if (off / PAGE > SIZE_MAX / 16)
        return -ENOSPC;
    while (done < len) {
        uint64_t p = (off + done) / PAGE;
        size_t in = (size_t)((off + done) % PAGE), k = PAGE - in;
        if (k > len - done)
            k = len - done;
        if (tmpdata_fill(n, p, p) < 0)
            break;
        memcpy(n->pages[p] + in, (const char *)buf + done, k);
        done += k;
    }
    if (done == 0)
        return -ENOSPC;
    if (off + done > n->size)
        n->size = off + done;
    tmpfs_touch(n, 1);
    return (long)done;
}

/* Mode 0 fills the range with pages; KEEP_SIZE leaves the size alone. */
long tmpdata_fallocate(void *fs, uint64_t ino, int mode, uint64_t off,
                            uint64_t len)
{
    struct tnode *n = tmpfs_node(fs, ino);

    if (mode & ~FALLOC_FL_KEEP_SIZE)
        return -EOPNOTSUPP;
    if (off > TMPFS_MAX_SIZE || len > TMPFS_MAX_SIZE - off)
        return -EFBIG;
    if ((off + len) / PAGE > SIZE_MAX / 16)
        return -ENOSPC;
    if (tmpdata_fill(n, off / PAGE, (off + len - 1) / PAGE) < 0)
        return -ENOSPC;
    if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > n->size)
        n->size = off + len;
    tmpfs_touch(n, 0);
    return 0;
}
