/* gdb_regs.h: gdb's amd64 register layout, to and from KVM's registers. */
#ifndef GDB_REGS_H
#define GDB_REGS_H

#include <stddef.h>
#include <stdint.h>

/*
 * gdb's x86-64 'g' packet without a target description, little-endian:
 * rax rbx rcx rdx rsi rdi rbp rsp r8-r15 rip (8 bytes each), eflags and the
 * cs ss ds es fs gs selectors (4 each), then st0-st7 (10 each), fctrl fstat
 * ftag fiseg fioff foseg fooff fop (4 each), xmm0-xmm15 (16 each), mxcsr.
 */
#define GDB_REGS_CORE 164 /* up to the selectors */
#define GDB_REGS_ALL 536  /* with x87 and SSE */

struct vm;

/*
 * The vCPU's registers in that layout into `b` (GDB_REGS_ALL bytes of room):
 * the bytes filled, GDB_REGS_CORE when KVM_GET_FPU failed, 0 when even the
 * general registers could not be read.
 */
size_t gdb_regs_get(const struct vm *vm, uint8_t *b);

/*
 * Set the general registers, rip and eflags (the first 140 bytes of `b`);
 * the selectors and the x87/SSE state are read-only.  0, or -1 if KVM
 * refused.
 */
int gdb_regs_set(const struct vm *vm, const uint8_t *b);

/* Register number n's offset in the layout, with its size in *size; -1 if none. */
int gdb_regs_slot(uint64_t n, size_t *size);

#endif
