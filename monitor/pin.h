/* pin.h: path names the sandbox allows by address, in a page made read-only before the filter. */
#ifndef PIN_H
#define PIN_H

/*
 * seccomp sees a path argument only as a pointer.  A rule that allows
 * linkat, renameat or unlinkat on a directory fd alone would let a taken-
 * over monitor name any file with an absolute path or "..".  So the few
 * names the monitor needs after the sandbox live in one page that
 * pin_seal makes read-only before the filter is loaded (which allows no
 * mprotect, mmap or munmap), and each rule allows the call only with
 * exactly those addresses.
 */

/*
 * Before the sandbox: a copy of `s` in the pinned page, whose address a
 * rule may name; NULL (errno set) when the page is full or cannot be had.
 */
const char *pin_string(const char *s);

/* sandbox_enter, before the filter: the page read-only.  0, or -errno. */
int pin_seal(void);

#endif
