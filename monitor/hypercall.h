/* hypercall.h: decode a port-I/O exit into a hypercall, check it, and run it. */
#ifndef HYPERCALL_H
#define HYPERCALL_H

#include <stdint.h>

#include "vm.h"

/*
 * A hypercall handler: `arg` is the monitor's copy of the argument struct
 * (8-byte aligned, at most HYPERCALL_ARG_MAX bytes), already bounds-checked
 * as a whole; every address and length inside it is still unchecked.
 * Returns VM_CONTINUE (the copy is written back) or an exit status.
 */
#define HYPERCALL_ARG_MAX 168
typedef int hypercall_fn(struct vm *vm, void *arg);

/*
 * Handle one port-I/O exit: `size` bytes, `count` times, `out` or in, with
 * `value` the data the guest wrote.  Only a 4-byte single OUT to a hypercall
 * port carrying the 8-byte-aligned address of an argument struct wholly in
 * guest memory and outside page 0 is well-formed; anything else ends the guest
 * (UHVT_EXIT_BAD_HYPERCALL).  The struct is copied in once, validated and
 * acted on as a copy, and copied back once.  Returns VM_CONTINUE or the
 * monitor's exit status.  Needs no KVM: fuzzers call it directly.
 */
/*
 * The host address of a batched call's descriptor array: `count` items of
 * `size` bytes at guest-physical `gpa`, which must be 8-byte aligned and
 * wholly inside guest memory (through mem_ptr); else NULL, and the caller
 * ends the guest.  `count` is at most UHVT_BATCH_MAX (checked first).
 */
void *hypercall_array(const struct vm *vm, uint64_t gpa, uint32_t count, size_t size);

int hypercall_handle(struct vm *vm, uint16_t port, uint8_t size, uint32_t count,
                     int out, uint32_t value);

/*
 * The part of hypercall_handle after the lookup, for another ABI's table
 * (solo5_hypercall.c): `call` is the row for `port` (NULL: an unknown port,
 * which ends the guest), checked, copied in, run and copied back as above.
 */
struct device_call;
int hypercall_run(struct vm *vm, const struct device_call *call, uint16_t port,
                  uint8_t size, uint32_t count, int out, uint32_t value);

/*
 * The core calls' handlers on a struct uhvt_hc_walltime or uhvt_hc_poll the
 * caller owns, for the Solo5 calls that mean the same.
 */
hypercall_fn hypercall_walltime;
hypercall_fn hypercall_poll;

#endif
