/* extfs_env.c: what libext2fs takes from its C library, inside the guest runtime. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "extfs.h"
#include "hypercall.h"

/*
 * The filesystem runs inside the application's system calls, so it may
 * not use musl's malloc (the application's, which makes system calls of
 * its own and may be in the middle of one) nor musl's time (a system
 * call).  When the archive is made, libext2fs's references to malloc,
 * free, calloc, realloc, posix_memalign, strdup and time are renamed to
 * the extfs_env_ functions here (guest/extfs.mk), which take whole pages
 * from the runtime's page allocator and carve the small sizes from them.
 */

void *__uhvt_mem_alloc(size_t len);
void __uhvt_mem_release(void *p, size_t len);

/* Every block starts with this; the caller's memory follows, 16-aligned. */
struct env_head {
    void *base;  /* a page run's start, or NULL for a small block */
    size_t size; /* the run's length, or the small block's class size */
};

#define ENV_MIN_SHIFT 5
#define ENV_CLASSES 7 /* 32 .. 2048 bytes, head included */
#define ENV_PAGE 4096

static void *env_free_list[ENV_CLASSES];

static void *env_big(size_t len, size_t align)
{
    if (len > SIZE_MAX / 2 || align > ENV_PAGE)
        return NULL;
    size_t total = sizeof(struct env_head) + len + (align > 16 ? align : 0);
    char *base = __uhvt_mem_alloc(total);
    if (base == NULL)
        return NULL;
    char *p = base + sizeof(struct env_head);
    if (align > 16)
        p = base + align; /* align divides the page: aligned, with room for the head */
    struct env_head *h = (struct env_head *)p - 1;
    h->base = base;
    h->size = total;
    return p;
}

void *extfs_env_malloc(size_t len);
void *extfs_env_malloc(size_t len)
{
    size_t need = len + sizeof(struct env_head);
    int c = 0;

    if (len > ((size_t)1 << (ENV_MIN_SHIFT + ENV_CLASSES - 1)) - sizeof(struct env_head))
        return env_big(len, 16);
    while (((size_t)1 << (c + ENV_MIN_SHIFT)) < need)
        c++;
    size_t size = (size_t)1 << (c + ENV_MIN_SHIFT);
    if (env_free_list[c] == NULL) {
        char *page = __uhvt_mem_alloc(ENV_PAGE);
        if (page == NULL)
            return NULL;
        for (size_t off = 0; off + size <= ENV_PAGE; off += size) {
            *(void **)(page + off) = env_free_list[c];
            env_free_list[c] = page + off;
        }
    }
    struct env_head *h = env_free_list[c];
    env_free_list[c] = *(void **)h;
    h->base = NULL;
    h->size = size;
    return h + 1;
}

void extfs_env_free(void *p);
void extfs_env_free(void *p)
{
    if (p == NULL)
        return;
    struct env_head *h = (struct env_head *)p - 1;
    if (h->base != NULL) {
        __uhvt_mem_release(h->base, h->size);
        return;
    }
    int c = 0;
    while (((size_t)1 << (c + ENV_MIN_SHIFT)) < h->size)
        c++;
    *(void **)h = env_free_list[c];
    env_free_list[c] = h;
}

void *extfs_env_calloc(size_t n, size_t size);
void *extfs_env_calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    void *p = extfs_env_malloc(n * size);
    if (p != NULL)
        memset(p, 0, n * size);
    return p;
}

void *extfs_env_realloc(void *p, size_t len);
void *extfs_env_realloc(void *p, size_t len)
{
    if (p == NULL)
        return extfs_env_malloc(len);
    struct env_head *h = (struct env_head *)p - 1;
    size_t have = h->base != NULL ? (size_t)((char *)h->base + h->size - (char *)p)
                                  : h->size - sizeof(*h);
    if (len <= have)
        return p;
    void *q = extfs_env_malloc(len);
    if (q != NULL) {
        memcpy(q, p, have);
        extfs_env_free(p);
    }
    return q;
}

int extfs_env_posix_memalign(void **out, size_t align, size_t len);
int extfs_env_posix_memalign(void **out, size_t align, size_t len)
{
    if (align == 0 || (align & (align - 1)) != 0 || align % sizeof(void *) != 0)
        return 22; /* EINVAL */
    void *p = align <= 16 ? extfs_env_malloc(len) : env_big(len, align);
    if (p == NULL)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}

char *extfs_env_strdup(const char *s);
char *extfs_env_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = extfs_env_malloc(n);

    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

void extfs_env_now(struct timespec *ts)
{
    struct uhvt_hc_walltime w = { 0 };

    hypercall(UHVT_HC_WALLTIME, &w);
    ts->tv_sec = (time_t)(w.nsecs / 1000000000u);
    ts->tv_nsec = (long)(w.nsecs % 1000000000u);
}

time_t extfs_env_time(time_t *t);
time_t extfs_env_time(time_t *t)
{
    struct timespec ts;

    extfs_env_now(&ts);
    if (t != NULL)
        *t = ts.tv_sec;
    return ts.tv_sec;
}

void extfs_env_say(const char *msg)
{
    char line[160];
    size_t n = strlen(msg);

    if (n > sizeof(line) - 1)
        n = sizeof(line) - 1;
    memcpy(line, msg, n);
    line[n] = '\n';
    struct uhvt_hc_console c = { .data = (uintptr_t)line, .len = (uint32_t)n + 1 };
    hypercall(UHVT_HC_CONSOLE, &c);
}

/* libext2fs's complaints (com_err) go to the console, named, unformatted. */
void extfs_env_com_err(const char *who, long code, const char *fmt, ...);
void extfs_env_com_err(const char *who, long code, const char *fmt, ...)
{
    (void)code, (void)fmt;
    extfs_env_say(who != NULL ? who : "libext2fs");
}

/* No environment variable changes how the filesystem behaves. */
char *extfs_env_getenv(const char *name);
char *extfs_env_getenv(const char *name)
{
    (void)name;
    return NULL;
}

_Noreturn void extfs_env_abort(void);
_Noreturn void extfs_env_abort(void)
{
    hypercall_abort("extfs: libext2fs found an internal inconsistency");
}
