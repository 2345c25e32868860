/* slab.c: small allocations for the runtime's own structures, carved from whole pages. */
#include <string.h>

#include "files.h"
#include "runtime.h"

/*
 * mem_alloc hands out whole pages, too much for an inode or a directory
 * entry.  Sizes up to half a page come from power-of-two classes (16 bytes
 * to 2 KiB), each a free list over pages carved into equal pieces; a page
 * once carved stays with its class (the lists never shrink), which bounds
 * the waste by the peak use of each class.  Larger sizes are whole pages.
 * Memory comes back zeroed.  The runtime runs inside system calls, so this
 * is not musl's malloc (which may use vector registers and is the
 * application's).
 */

#define SLAB_MIN_SHIFT 4
#define SLAB_CLASSES 8 /* 16, 32, ... 2048 */

struct slab_free {
    struct slab_free *next;
};

static struct slab_free *slab_lists[SLAB_CLASSES];

static int slab_class(size_t len)
{
    int c = 0;

    while (((size_t)1 << (c + SLAB_MIN_SHIFT)) < len)
        c++;
    return c;
}

void *slab_alloc(size_t len)
{
    if (len == 0)
        len = 1;
    if (len > ((size_t)1 << (SLAB_MIN_SHIFT + SLAB_CLASSES - 1)))
        return mem_alloc(len);
    int c = slab_class(len);
    size_t size = (size_t)1 << (c + SLAB_MIN_SHIFT);
    if (slab_lists[c] == NULL) {
        char *page = mem_alloc(UHVT_PAGE_SIZE);
        if (page == NULL)
            return NULL;
        for (size_t off = 0; off + size <= UHVT_PAGE_SIZE; off += size) {
            struct slab_free *f = (struct slab_free *)(page + off);
            f->next = slab_lists[c];
            slab_lists[c] = f;
        }
    }
    struct slab_free *f = slab_lists[c];
    slab_lists[c] = f->next;
    memset(f, 0, size);
    return f;
}

void slab_free(void *p, size_t len)
{
    if (p == NULL)
        return;
    if (len == 0)
        len = 1;
    if (len > ((size_t)1 << (SLAB_MIN_SHIFT + SLAB_CLASSES - 1))) {
        mem_release(p, len);
        return;
    }
    int c = slab_class(len);
    struct slab_free *f = p;
    f->next = slab_lists[c];
    slab_lists[c] = f;
}
