/* mem.h: guest RAM and the one door from guest-physical addresses to host pointers. */
#ifndef MEM_H
#define MEM_H

#include <stddef.h>
#include <stdint.h>

struct mem {
    uint8_t *base; /* host mapping of guest-physical 0 */
    uint64_t size; /* bytes; a multiple of MEM_ALIGN, at most UHVT_MEM_MAX */
};

/* Guest memory sizes are whole 2 MiB pages so the page tables need no tail. */
#define MEM_ALIGN (2ULL << 20)
#define MEM_MIN (4ULL << 20)
#define MEM_DEFAULT (256ULL << 20)

/*
 * Map `size` bytes of zeroed, lazily populated memory: no host page is
 * touched until the guest or the loader writes it.  Returns 0 or -errno.
 */
int mem_init(struct mem *m, uint64_t size);
void mem_fini(struct mem *m);

/*
 * The host address of guest range [gpa, gpa + len), or NULL unless the whole
 * range lies inside guest memory.  Overflow-safe for any gpa and len; len 0
 * is valid anywhere up to and including the end.  Nothing else may compute
 * base + gpa.
 */
void *mem_ptr(const struct mem *m, uint64_t gpa, uint64_t len);

#endif
