/* symbols.h: the image's function symbols, to name a guest address (function+offset). */
#ifndef SYMBOLS_H
#define SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits on what an (untrusted) image may make the monitor keep. */
#define SYMBOLS_MAX (1u << 20)
#define SYMBOLS_NAMES_MAX (16u << 20) /* bytes of names, NULs included */

struct symbols_entry {
    uint64_t addr;
    uint64_t size; /* an assembler label's: to the end of its section */
    uint32_t name; /* offset into names */
    bool sized;    /* the symbol gave its size */
};

struct symbols {
    struct symbols_entry *v; /* sorted by addr */
    size_t n;
    char *names;
};

/*
 * Read the function symbols (STT_FUNC, and STT_NOTYPE labels in executable
 * sections) of the ELF image in `fd` (pread only) into `s`, which owns the
 * copies.  An image without a symbol table, or with one beyond the limits,
 * leaves `s` empty: names are a convenience, never a reason to refuse a
 * guest.  Call before the sandbox (it allocates).  Pure: no KVM.
 */
void symbols_load(struct symbols *s, int fd);
void symbols_free(struct symbols *s);

/*
 * The function containing `addr` and the offset into it, or NULL when no
 * symbol covers it.  Never allocates: safe in the sandbox.
 */
const char *symbols_find(const struct symbols *s, uint64_t addr, uint64_t *offset);

/*
 * " (name+0xOFF)" for `addr` into buf (always NUL-terminated), or "" when no
 * symbol covers it: what the monitor's reports append to a rip.
 */
void symbols_describe(const struct symbols *s, uint64_t addr, char *buf, size_t len);

#endif
