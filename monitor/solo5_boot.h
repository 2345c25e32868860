/* solo5_boot.h: a Solo5 image's boot info, manifest and command line in low guest memory. */
#ifndef SOLO5_BOOT_H
#define SOLO5_BOOT_H

#include <stdint.h>

#include "vm.h"
#include "why.h"

/*
 * Whether the guest's arguments (argv[1..argc-1]: argv[0] is the image)
 * fit Solo5's command line, joined by single spaces, with its NUL in
 * SOLO5_CMDLINE_SIZE bytes: 0, or -1 with a reason.  Pure: main checks it
 * before KVM.
 */
int solo5_boot_check(int argc, char *const argv[], char why[WHY_MAX]);

/*
 * Write struct solo5_boot_info at SOLO5_BOOT_INFO, the image's manifest
 * after it with every attached device filled in as solo5-hvt does
 * (attached, a NIC's MAC and MTU, a disk's capacity and block size; the
 * tender-private field zeroed), then the command line.  `tsc_hz` is the
 * guest's TSC frequency.  Returns 0, or -1 with a reason in `why`.
 */
int solo5_boot_write(struct vm *vm, int argc, char *const argv[], uint64_t tsc_hz,
                     char why[WHY_MAX]);

#endif
