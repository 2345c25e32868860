/* boot.h: the boot info the guest finds in rdi: memory, clock, entropy, argv. */
#ifndef BOOT_H
#define BOOT_H

#include <stdint.h>

#include "layout.h"
#include "vm.h"

/* The bytes between LAYOUT_BOOT and LAYOUT_BOOT_END: 120 KiB. */
#define BOOT_MAX (LAYOUT_BOOT_END - LAYOUT_BOOT)

/*
 * The bytes boot_write needs for this image and argv: the boot info, the
 * program headers, an 8-byte pointer per argument plus one, and each string
 * with its NUL, packed.  Pure: main checks it against BOOT_MAX before KVM.
 */
uint64_t boot_size(const struct vm *vm, int argc, char *const argv[]);

/*
 * Write struct uhvt_boot_info, a copy of the program headers and argv
 * (argc strings) between LAYOUT_BOOT and LAYOUT_BOOT_END.  Returns 0, or -1
 * if they do not fit (boot_size above BOOT_MAX).
 */
int boot_write(const struct vm *vm, int argc, char *const argv[],
               uint64_t tsc_freq);

#endif
