/* mem.c: guest RAM and the one door from guest-physical addresses to host pointers. */
#include "mem.h"

#include <errno.h>
#include <sys/mman.h>

int mem_init(struct mem *m, uint64_t size)
{
    /* MAP_NORESERVE: a 4 GiB guest that touches 2 MiB costs 2 MiB. */
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return -errno;
    /*
     * With transparent huge pages the host would populate (and zero) 2 MiB
     * for every page the guest touches: a hello world would cost tens of
     * MiB and boot slower.  Failure only means THP is not configured.
     */
    madvise(p, size, MADV_NOHUGEPAGE);
    m->base = p;
    m->size = size;
    return 0;
}

void mem_fini(struct mem *m)
{
    if (m->base)
        munmap(m->base, m->size);
    m->base = NULL;
    m->size = 0;
}

void *mem_ptr(const struct mem *m, uint64_t gpa, uint64_t len)
{
    /* Written so that neither comparison can overflow. */
    if (gpa > m->size || len > m->size - gpa)
        return NULL;
    return m->base + gpa;
}
