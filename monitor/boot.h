/* boot.h: the boot info the guest finds in rdi: memory, clock, entropy, argv and environment. */
#ifndef BOOT_H
#define BOOT_H

#include <stdint.h>

#include "layout.h"
#include "vm.h"
#include "why.h"

/* The bytes between LAYOUT_BOOT and LAYOUT_BOOT_END: 120 KiB. */
#define BOOT_MAX (LAYOUT_BOOT_END - LAYOUT_BOOT)

/*
 * The bytes boot_write needs for this image, argv and vm->env: the boot
 * info, the program headers, an 8-byte pointer per argument and variable
 * plus two, and each string with its NUL, packed.  Pure.
 */
uint64_t boot_size(const struct vm *vm, int argc, char *const argv[]);

/*
 * Whether this image and argv fit the boot area (boot_size at most
 * BOOT_MAX): 0, or -1 with a reason in `why` that counts the arguments and
 * bytes.  Pure: main checks it before KVM.
 */
int boot_check(const struct vm *vm, int argc, char *const argv[], char why[WHY_MAX]);

/*
 * Write struct uhvt_boot_info (with `tsc_hz`, the guest's TSC frequency),
 * a copy of the program headers and argv (argc strings) between LAYOUT_BOOT
 * and LAYOUT_BOOT_END.  Returns 0, or -1 with a reason in `why` (they do not
 * fit, or the host gave no entropy).
 */
int boot_write(const struct vm *vm, int argc, char *const argv[], uint64_t tsc_hz,
               char why[WHY_MAX]);

#endif
