/* guest.h: the tiny Solo5-ABI runtime the test guests in tests/solo5/ are built on. */
#ifndef GUEST_H
#define GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solo5_abi.h"

/*
 * Written against the Solo5 hvt ABI (abi/solo5_abi.h), the way Solo5's own
 * hvt bindings boot: start.c loads its own GDT (ring-0 code at 0x08, data
 * at 0x10) with a far return and segment reloads, a TSS with IST stacks,
 * an IDT of ring-0 gates, then calls solo5_app_main.  Nothing here knows
 * about uhvt.
 */

/* The manifest note: entry 0 reserved, then the devices, in order. */
#define GUEST_MFT_ENTRY_NET(n) {.name = n, .type = SOLO5_MFT_NET}
#define GUEST_MFT_ENTRY_BLOCK(n) {.name = n, .type = SOLO5_MFT_BLOCK}
#define GUEST_MANIFEST(N, ...)                                                  \
    __attribute__((section(".note.solo5.manifest"), used))                      \
    static const struct {                                                       \
        uint32_t namesz, descsz, type;                                          \
        char name[8];                                                           \
        uint32_t pad; /* SOLO5_NOTE_MFT_PAD: the manifest 8-byte aligned */     \
        uint32_t version, entries;                                              \
        struct solo5_mft_entry e[(N) + 1];                                      \
    } guest_mft_note = {                                                        \
        sizeof(SOLO5_NOTE_NAME),                                                \
        SOLO5_NOTE_MFT_PAD + sizeof(struct solo5_mft) +                         \
            ((N) + 1) * sizeof(struct solo5_mft_entry),                         \
        SOLO5_NOTE_MFT, SOLO5_NOTE_NAME, 0, SOLO5_MFT_VERSION, (N) + 1,          \
        {{.name = "", .type = SOLO5_MFT_RESERVED_FIRST}, __VA_ARGS__}}

/* What the application gets. */
struct guest_start {
    const char *cmdline;
    uint64_t heap_start, heap_size;
};
int solo5_app_main(const struct guest_start *si);

void guest_hypercall(int nr, volatile void *arg);
void guest_puts(const char *s);
void guest_write(const char *s, size_t n);
void guest_put_u64(uint64_t v);
__attribute__((noreturn)) void guest_exit(int status);
__attribute__((noreturn)) void guest_abort(const char *why);
uint64_t guest_walltime(void);
uint64_t guest_monotonic(void); /* ns, from the TSC and the boot info's frequency */
uint64_t guest_yield(uint64_t timeout_ns); /* the ready set */

/* A device's handle by name from the manifest the monitor filled in; a
 * device the manifest lacks, or not attached, aborts the guest. */
int guest_device(const char *name, uint32_t type, const struct solo5_mft_entry **e);
int guest_block_io(int nr, int handle, uint64_t offset, void *buf, size_t len);
int guest_net_write(int handle, const void *buf, size_t len);
int guest_net_read(int handle, void *buf, size_t len, size_t *got);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

#endif
