/* tmpdata.c: the in-memory filesystem's file data: pages, holes, reads, writes, truncation, preallocation. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "tmpfs.h"

/*
 * A regular file's data is a radix tree of pages, 512 pointers a node (a
 * node is a page), as tall as the file's last page needs: a file of up to
 * 2 MiB has one level, 1 GiB two; a page never written (a hole) has no
 * pointer and reads as zeros, and a write far out costs a few nodes, not a
 * table as long as the file.  As Linux's tmpfs by default,
 * file data may take at most half of (guest) memory, so a full /tmp leaves
 * the program room to run: every instance shares that half.  Running out
 * is ENOSPC for the call that needed more, a short count for a write that
 * got some room.
 */

uint64_t tmpdata_pages;

#define RADIX_BITS 9
#define RADIX_FAN (1u << RADIX_BITS) /* pointers in a node: one page */

uint64_t tmpdata_max_pages(void)
{
    return boot_info.mem_size / 2 / PAGE;
}

/* Pages a tree of height h covers: 512^h (h <= 6 for 2^63 bytes). */
static uint64_t tmpdata_span(unsigned h)
{
    return (uint64_t)1 << (RADIX_BITS * h);
}

/* A zeroed page for the tree or the data, within the cap, or NULL. */
static void *tmpdata_alloc(void)
{
    void *p;

    if (tmpdata_pages >= tmpdata_max_pages() || (p = mem_alloc(PAGE)) == NULL)
        return NULL;
    tmpdata_pages++;
    return p;
}

static void tmpdata_free(void *p)
{
    mem_release(p, PAGE);
    tmpdata_pages--;
}

/* Page p of the file, or NULL for a hole. */
static char *tmpdata_page(const struct tnode *n, uint64_t p)
{
    void **node = n->radix;

    if (n->height == 0 || p >= tmpdata_span(n->height))
        return NULL;
    for (unsigned h = n->height; h > 1; h--) {
        node = node[(p >> (RADIX_BITS * (h - 1))) & (RADIX_FAN - 1)];
        if (node == NULL)
            return NULL;
    }
    return node[p & (RADIX_FAN - 1)];
}

/* The pointer to page p, the tree grown to hold it; NULL when out of room. */
static void **tmpdata_slot(struct tnode *n, uint64_t p)
{
    while (n->height == 0 || p >= tmpdata_span(n->height)) {
        void **root = tmpdata_alloc();
        if (root == NULL)
            return NULL;
        root[0] = n->radix; /* the old tree covers the first pages */
        n->radix = root;
        n->height++;
    }
    void **node = n->radix;
    for (unsigned h = n->height; h > 1; h--) {
        void **next = &node[(p >> (RADIX_BITS * (h - 1))) & (RADIX_FAN - 1)];
        if (*next == NULL && (*next = tmpdata_alloc()) == NULL)
            return NULL;
        node = *next;
    }
    return &node[p & (RADIX_FAN - 1)];
}

/* Free the pages from `from` on below a node of height h whose first page
   is `base`; whether the node is left empty. */
static int tmpdata_cut_node(struct tnode *n, void **node, unsigned h,
                            uint64_t base, uint64_t from)
{
    uint64_t span = tmpdata_span(h - 1);
    int empty = 1;

    for (unsigned i = 0; i < RADIX_FAN; i++) {
        uint64_t lo = base + i * span;
        if (node[i] == NULL)
            continue;
        if (lo + span <= from) {
            empty = 0;
        } else if (h == 1) {
            tmpdata_free(node[i]);
            node[i] = NULL;
            n->blocks--;
        } else if (tmpdata_cut_node(n, node[i], h - 1, lo, from)) {
            tmpdata_free(node[i]);
            node[i] = NULL;
        } else {
            empty = 0;
        }
    }
    return empty;
}

void tmpdata_cut(struct tnode *n, uint64_t from)
{
    if (n->height > 0 && tmpdata_cut_node(n, n->radix, n->height, 0, from)) {
        tmpdata_free(n->radix);
        n->radix = NULL;
        n->height = 0;
    }
}

long tmpdata_resize(struct tnode *n, uint64_t size)
{
    if (size > TMPFS_MAX_SIZE)
        return -EFBIG;
    if (size < n->size) {
        uint64_t keep = (size + PAGE - 1) / PAGE;
        char *last = size % PAGE ? tmpdata_page(n, keep - 1) : NULL;
        tmpdata_cut(n, keep);
        if (last != NULL)
            memset(last + size % PAGE, 0, PAGE - size % PAGE);
    }
    n->size = size;
    return 0;
}

long tmpdata_read(void *fs, uint64_t ino, void *buf, size_t len, uint64_t off)
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
        const char *page = tmpdata_page(n, p);
        if (page != NULL)
            memcpy((char *)buf + done, page + in, k);
        else
            memset((char *)buf + done, 0, k);
        done += k;
    }
    n->atime = vfs_now();
    return (long)done;
}

/* Page p present: it, or NULL when out of room. */
static char *tmpdata_fill(struct tnode *n, uint64_t p)
{
    void **slot = tmpdata_slot(n, p);

    if (slot == NULL)
        return NULL;
    if (*slot == NULL) {
        if ((*slot = tmpdata_alloc()) == NULL)
            return NULL;
        n->blocks++;
    }
    return *slot;
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
    while (done < len) {
        uint64_t p = (off + done) / PAGE;
        size_t in = (size_t)((off + done) % PAGE), k = PAGE - in;
        if (k > len - done)
            k = len - done;
        char *page = tmpdata_fill(n, p);
        if (page == NULL)
            break;
        memcpy(page + in, (const char *)buf + done, k);
        done += k;
    }
    if (done == 0)
        return -ENOSPC;
    if (off + done > n->size)
        n->size = off + done;
    tmpfs_touch(n, 1);
    return (long)done;
}

/*
 * Mode 0 fills the range with pages; KEEP_SIZE leaves the size alone.  A
 * range larger than the room left fails at once; one that runs out midway
 * keeps the pages it got (they read as zeros, as the holes they filled).
 */
long tmpdata_fallocate(void *fs, uint64_t ino, int mode, uint64_t off,
                       uint64_t len)
{
    struct tnode *n = tmpfs_node(fs, ino);

    if (mode & ~FALLOC_FL_KEEP_SIZE)
        return -EOPNOTSUPP;
    if (off > TMPFS_MAX_SIZE || len > TMPFS_MAX_SIZE - off)
        return -EFBIG;
    uint64_t first = off / PAGE, last = (off + len - 1) / PAGE;
    if (last - first >= tmpdata_max_pages() - tmpdata_pages + n->blocks)
        return -ENOSPC;
    for (uint64_t p = first; p <= last; p++)
        if (tmpdata_fill(n, p) == NULL)
            return -ENOSPC;
    if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > n->size)
        n->size = off + len;
    tmpfs_touch(n, 0);
    return 0;
}
