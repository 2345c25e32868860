/* boot.h: the boot info the guest finds in rdi: memory, clock, entropy, argv. */
#ifndef BOOT_H
#define BOOT_H

#include <stdint.h>

#include "vm.h"

/*
 * Write struct uhvt_boot_info, a copy of the program headers and argv
 * (argc strings) between LAYOUT_BOOT and LAYOUT_BOOT_END.  Returns 0, or -1
 * if the arguments do not fit.
 */
int boot_write(const struct vm *vm, int argc, char *const argv[],
               uint64_t tsc_freq);

#endif
