/* mem.c: the page allocator behind brk, mmap, munmap and mremap. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "files.h"
#include "runtime.h"

/*
 * Guest memory above the image, up to the stack guard page:
 *
 *   lo        brk_end      top                         hi   guard  stack
 *   | brk heap ->|  unused  |<- mmap area (used + free)  |   |      |
 *
 * brk grows up from the image; mmap carves down from `top` and reuses the
 * ranges munmap returns, kept in `free` sorted and coalesced.  A freed range
 * that reaches `top` goes back to the unused middle, for either side.
 *
 * The monitor's memory is fresh anonymous memory, populated on first touch,
 * so pages never handed out are zero and are not memset (that would cost
 * host memory).  [clean_lo, clean_hi) is the range never handed out; brk
 * takes from its bottom and mmap from its top, so it stays one interval.
 * Pages outside it are zeroed when handed out again.
 */

#define FREE_MAX 256

struct range {
    uintptr_t start, end;
};

static struct {
    uintptr_t lo, hi;
    uintptr_t brk_cur, brk_end;
    uintptr_t top;
    uintptr_t clean_lo, clean_hi;
    uintptr_t mem_end;
    size_t nfree;
    struct range free[FREE_MAX];
} mem;

extern char _end[]; /* uhvt.ld */

/*
 * Ranges still PROT_NONE: mapped so, and not made accessible since.  That
 * is how musl makes a thread stack's guard (mmap PROT_NONE, then mprotect
 * all but the bottom).  Protections are not enforced (the heap is mapped
 * with 2 MiB pages), so thread.c watches these for a stack overflow.
 */
#define GUARD_MAX 64
static struct range guards[GUARD_MAX];

static void mem_guard_add(uintptr_t a, uintptr_t b)
{
    for (int i = 0; i < GUARD_MAX; i++) {
        if (guards[i].start == guards[i].end) {
            guards[i] = (struct range){ a, b };
            return;
        }
    }
}

/* [a, b) is accessible now, or unmapped: no longer part of any guard. */
static void mem_guard_drop(uintptr_t a, uintptr_t b)
{
    for (int i = 0; i < GUARD_MAX; i++) {
        struct range *g = &guards[i];
        if (g->start == g->end || b <= g->start || a >= g->end)
            continue;
        if (a <= g->start)
            g->start = b < g->end ? b : g->end;
        else
            g->end = a; /* keeps the part below */
    }
}

int mem_guard_below(uintptr_t top, uintptr_t *lo, uintptr_t *hi)
{
    int found = 0;

    for (int i = 0; i < GUARD_MAX; i++) {
        struct range g = guards[i];
        if (g.start != g.end && g.end <= top && (!found || g.end > *hi)) {
            *lo = g.start;
            *hi = g.end;
            found = 1;
        }
    }
    return found;
}

static uintptr_t mem_page_up(uintptr_t v)
{
    return (v + UHVT_PAGE_SIZE - 1) & ~(UHVT_PAGE_SIZE - 1);
}

/* Round a length up to pages; 0 when it would overflow. */
static size_t mem_pages(size_t len)
{
    return len > SIZE_MAX - UHVT_PAGE_SIZE ? 0 : mem_page_up(len);
}

void mem_setup(const struct uhvt_boot_info *bi)
{
    uintptr_t image_end = mem_page_up((uintptr_t)_end);

    mem.mem_end = bi->mem_size;
    mem.lo = bi->kernel_end > image_end ? bi->kernel_end : image_end;
    mem.hi = mem.lo;
    if (bi->mem_size >= mem.lo + UHVT_STACK_SIZE + UHVT_PAGE_SIZE)
        mem.hi = bi->mem_size - UHVT_STACK_SIZE - UHVT_PAGE_SIZE;
    mem.brk_cur = mem.brk_end = mem.lo;
    mem.top = mem.hi;
    mem.clean_lo = mem.lo;
    mem.clean_hi = mem.hi;
}

int mem_check(const void *p, size_t len)
{
    uintptr_t a = (uintptr_t)p;

    /* Page 0 is unmapped; the end must not wrap or pass guest memory. */
    return a >= UHVT_PAGE_SIZE && a <= mem.mem_end && len <= mem.mem_end - a;
}

/* Zero what may be dirty in [a, b): everything outside the clean range. */
static void mem_zero_dirty(uintptr_t a, uintptr_t b)
{
    uintptr_t cl = mem.clean_lo, ch = mem.clean_hi;

    if (b <= cl || a >= ch || cl >= ch) {
        memset((void *)a, 0, b - a);
        return;
    }
    if (a < cl)
        memset((void *)a, 0, cl - a);
    if (b > ch)
        memset((void *)ch, 0, b - ch);
}

/* Make [a, b) ready to hand out: zeroed, and no longer counted as clean. */
static void mem_prepare(uintptr_t a, uintptr_t b)
{
    mem_zero_dirty(a, b);
    if (b <= mem.clean_lo || a >= mem.clean_hi)
        return;
    if (a <= mem.clean_lo)
        mem.clean_lo = b < mem.clean_hi ? b : mem.clean_hi;
    else
        mem.clean_hi = a; /* conservative if b < clean_hi; never happens */
}

static void mem_free_remove(size_t i)
{
    memmove(&mem.free[i], &mem.free[i + 1],
            (mem.nfree - i - 1) * sizeof mem.free[0]);
    mem.nfree--;
}

/*
 * Return [a, b) (page-aligned, inside [top, hi)) to the free list, merging
 * with every range it overlaps or touches, so freeing twice is harmless.
 * Returns -ENOMEM, keeping the pages in use, when the list is full.
 */
static long mem_free(uintptr_t a, uintptr_t b)
{
    size_t i = 0;

    while (i < mem.nfree && mem.free[i].end < a)
        i++;
    /* Ranges i.. start at or after a's neighbourhood; absorb touching ones. */
    while (i < mem.nfree && mem.free[i].start <= b) {
        if (mem.free[i].start < a)
            a = mem.free[i].start;
        if (mem.free[i].end > b)
            b = mem.free[i].end;
        mem_free_remove(i);
    }
    if (a == mem.top) {
        mem.top = b;
        return 0;
    }
    if (mem.nfree == FREE_MAX)
        return -ENOMEM;
    memmove(&mem.free[i + 1], &mem.free[i],
            (mem.nfree - i) * sizeof mem.free[0]);
    mem.free[i] = (struct range){ a, b };
    mem.nfree++;
    return 0;
}

/* Take [a, b), which lies inside free range i; 0 if that needs a new slot. */
static int mem_take(size_t i, uintptr_t a, uintptr_t b)
{
    struct range *r = &mem.free[i];

    if (a > r->start && b < r->end) {
        if (mem.nfree == FREE_MAX)
            return 0;
        memmove(&mem.free[i + 2], &mem.free[i + 1],
                (mem.nfree - i - 1) * sizeof mem.free[0]);
        mem.free[i + 1] = (struct range){ b, r->end };
        mem.nfree++;
        r->end = a;
    } else if (a > r->start) {
        r->end = a;
    } else if (b < r->end) {
        r->start = b;
    } else {
        mem_free_remove(i);
    }
    mem_prepare(a, b);
    return 1;
}

/* `len` is page-aligned and non-zero.  Prefers high free ranges. */
static uintptr_t mem_map(size_t len)
{
    for (size_t i = mem.nfree; i-- > 0;) {
        struct range r = mem.free[i];
        if (r.end - r.start >= len && mem_take(i, r.end - len, r.end))
            return r.end - len;
    }
    if (mem.top - mem.brk_end < len)
        return 0;
    mem.top -= len;
    mem_prepare(mem.top, mem.top + len);
    return mem.top;
}

void *mem_alloc(size_t len)
{
    len = mem_pages(len);
    return len == 0 ? NULL : (void *)mem_map(len);
}

void mem_release(void *p, size_t len)
{
    uintptr_t a = (uintptr_t)p;

    if (p != NULL)
        (void)mem_free(a, a + mem_pages(len)); /* a full list leaks them */
}

/*
 * Pages ever handed out (the touched part of the heap, which is what the
 * host has had to back), and pages free for brk or mmap now.
 */
void mem_usage(uint64_t *touched, uint64_t *avail)
{
    uint64_t free = mem.top - mem.brk_end;

    for (size_t i = 0; i < mem.nfree; i++)
        free += mem.free[i].end - mem.free[i].start;
    *touched = (mem.clean_lo - mem.lo) + (mem.hi - mem.clean_hi);
    *avail = free;
}

/* Linux's brk returns the new break, or the old one on failure. */
long sys_brk(const long a[6])
{
    uintptr_t want = (uintptr_t)a[0];

    if (want < mem.lo || want > mem.top)
        return (long)mem.brk_cur;
    uintptr_t end = mem_page_up(want);
    if (end > mem.top)
        return (long)mem.brk_cur;
    if (end > mem.brk_end)
        mem_prepare(mem.brk_end, end);
    mem.brk_end = end;
    mem.brk_cur = want;
    return (long)want;
}

/*
 * Anonymous memory, or a copy of a file (fileio.c); all of it readable and
 * writable, none executable.
 */
long sys_mmap(const long a[6])
{
    size_t len = mem_pages((size_t)a[1]);
    int prot = (int)a[2], flags = (int)a[3];
    int type = flags & MAP_SHARED_VALIDATE;

    if (a[1] == 0 || (a[5] & (UHVT_PAGE_SIZE - 1)))
        return -EINVAL;
    if (type == 0)
        return -EINVAL; /* neither MAP_PRIVATE nor MAP_SHARED */
    long r = flags & MAP_ANONYMOUS ? 0 :
        fileio_mappable(a[4], type == MAP_SHARED && (prot & PROT_WRITE));
    if (r < 0)
        return r;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))
        return -EINVAL;
    if (prot & PROT_EXEC)
        return -EPERM;
    if (len == 0)
        return -ENOMEM;
    uintptr_t p = mem_map(len);
    if (p == 0)
        return -ENOMEM;
    if (!(flags & MAP_ANONYMOUS) &&
        (r = fileio_map_fill(a[4], (void *)p, len, a[5])) < 0) {
        mem_release((void *)p, len);
        return r;
    }
    if (prot == PROT_NONE)
        mem_guard_add(p, p + len);
    return (long)p;
}

/*
 * Validate a page-aligned start and round the length; returns the end of
 * the range, or 0 for -EINVAL.
 */
static uintptr_t mem_range(uintptr_t a, size_t len)
{
    len = mem_pages(len);
    if ((a & (UHVT_PAGE_SIZE - 1)) || len == 0 || a > UINTPTR_MAX - len)
        return 0;
    return a + len;
}

/* Only the mmap area can be returned; the rest is quietly kept, as mapped. */
long sys_munmap(const long a[6])
{
    uintptr_t start = (uintptr_t)a[0];
    uintptr_t end = mem_range(start, (size_t)a[1]);

    if (end == 0)
        return -EINVAL;
    mem_guard_drop(start, end);
    if (start < mem.top)
        start = mem.top;
    if (end > mem.hi)
        end = mem.hi;
    return start < end ? mem_free(start, end) : 0;
}

/* Grow in place when the pages after it are free, else move if allowed. */
long sys_mremap(const long a[6])
{
    uintptr_t old = (uintptr_t)a[0];
    uintptr_t old_end = mem_range(old, (size_t)a[1]);
    size_t len = mem_pages((size_t)a[2]);
    int flags = (int)a[3];

    if (flags & ~MREMAP_MAYMOVE)
        return -EINVAL; /* MREMAP_FIXED, MREMAP_DONTUNMAP: unsupported */
    if (old_end == 0 || a[2] == 0)
        return -EINVAL;
    if (len == 0)
        return -ENOMEM;
    if (old < mem.top || old_end > mem.hi)
        return -EFAULT;
    size_t old_len = old_end - old;
    if (len <= old_len) {
        if (len < old_len && mem_free(old + len, old_end) < 0)
            return -ENOMEM;
        return (long)old;
    }
    if (old_end <= mem.hi - (len - old_len)) {
        uintptr_t want = old + len;
        for (size_t i = 0; i < mem.nfree; i++) {
            if (mem.free[i].start == old_end && mem.free[i].end >= want &&
                mem_take(i, old_end, want))
                return (long)old;
        }
    }
    if (!(flags & MREMAP_MAYMOVE))
        return -ENOMEM;
    uintptr_t p = mem_map(len);
    if (p == 0)
        return -ENOMEM;
    memcpy((void *)p, (void *)old, old_len);
    (void)mem_free(old, old_end); /* if the list is full, the pages leak */
    return (long)p;
}

long sys_madvise(const long a[6])
{
    uintptr_t start = (uintptr_t)a[0];
    uintptr_t end = mem_range(start, (size_t)a[1]);

    if (a[1] == 0 && !(start & (UHVT_PAGE_SIZE - 1)))
        return 0;
    if (end == 0)
        return -EINVAL;
    if (!mem_check((void *)start, end - start))
        return -ENOMEM;
    /*
     * Anonymous pages read back as zero after MADV_DONTNEED.  Only the heap
     * is anonymous memory the application owns; the image and the stack
     * are left as they are.
     */
    if (a[2] == MADV_DONTNEED) {
        if (start < mem.lo)
            start = mem.lo;
        if (end > mem.hi)
            end = mem.hi;
        if (start < end)
            mem_zero_dirty(start, end);
    }
    return 0;
}

/*
 * Protections are not enforced, except that nothing becomes executable;
 * what stays PROT_NONE is remembered (guards, above).
 */
long sys_mprotect(const long a[6])
{
    uintptr_t start = (uintptr_t)a[0];

    if (start & (UHVT_PAGE_SIZE - 1))
        return -EINVAL;
    if (a[2] & PROT_EXEC)
        return -EPERM;
    uintptr_t end = mem_range(start, (size_t)a[1]);
    if (end != 0 && a[2] != PROT_NONE)
        mem_guard_drop(start, end);
    return 0;
}

/*
 * The page allocator for the runtime's optional archives (the ext
 * filesystem, libuhvt-extfs.a), which are linked beside the runtime and so
 * see only its global names: these are reserved to it (__uhvt_).
 */
PUBLIC void *__uhvt_mem_alloc(size_t len);
PUBLIC void *__uhvt_mem_alloc(size_t len)
{
    return mem_alloc(len);
}

PUBLIC void __uhvt_mem_release(void *p, size_t len);
PUBLIC void __uhvt_mem_release(void *p, size_t len)
{
    mem_release(p, len);
}
