/* solo5_hypercall.h: serve a Solo5 hvt image's hypercalls (ports 0x500 + n). */
#ifndef SOLO5_HYPERCALL_H
#define SOLO5_HYPERCALL_H

#include <stdint.h>

#include "hypercall.h"
#include "vm.h"

/*
 * Handle one port-I/O exit of a Solo5 image, as hypercall_handle does for
 * uhvt's: a single 32-bit OUT to a Solo5 call's port, with the 8-byte
 * aligned address of its struct, wholly in guest memory and outside page 0;
 * anything else ends the guest (UHVT_EXIT_BAD_HYPERCALL).  The struct is
 * copied in once, checked, turned into the uhvt call that does the same
 * (its device module's own handler: one implementation of each device) and
 * the answer copied back once.  Solo5's HALT returns the guest's status &
 * 0xff, as solo5-hvt exits with it.  Needs no KVM.
 */
int solo5_hypercall_handle(struct vm *vm, uint16_t port, uint8_t size,
                           uint32_t count, int out, uint32_t value);

/*
 * Device module `type`'s handler for uhvt call `nr` (device.h), or NULL:
 * how the Solo5 calls and boot info reach the net and block modules
 * without naming them.
 */
hypercall_fn *solo5_hypercall_device(uint32_t type, uint32_t nr);

#endif
