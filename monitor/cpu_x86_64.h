/* cpu_x86_64.h: long-mode entry state: page tables, GDT, control registers, CPUID. */
#ifndef CPU_X86_64_H
#define CPU_X86_64_H

#include <stdbool.h>
#include <stdint.h>

#include "elf.h"
#include "kvm.h"
#include "mem.h"
#include "why.h"

#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define PTE_U 0x4ULL
#define PTE_PS 0x80ULL
#define PTE_NX (1ULL << 63)
/*
 * Every entry carries U: PVM runs the guest at CPL 3, where a page without
 * it faults.  In ring 0 on hardware KVM, without SMEP or SMAP, U changes
 * nothing, so one set of tables serves both.
 */
#define PTE_TABLE (PTE_P | PTE_W | PTE_U)

/*
 * Write identity-mapped page tables for all of guest memory at LAYOUT_PT:
 * 2 MiB pages wherever a 2 MiB region has one permission, 4 KiB pages where
 * it does not.  Page 0 and the stack guard page are not mapped; image
 * segments get their ELF permissions (text read-only, nothing writable is
 * executable); the rest is read-write, non-executable.  Returns the PML4
 * address (cr3), or 0 if the tables would not fit (never for a parsed image).
 */
uint64_t cpu_page_tables(const struct mem *m, const struct elf_image *img);

/* The address of the unmapped page below the stack. */
uint64_t cpu_stack_guard(const struct mem *m);

/* Whether addr lies in that page: a fault there is a stack overflow. */
bool cpu_in_stack_guard(const struct mem *m, uint64_t addr);

/*
 * Put the vCPU in 64-bit long mode at the image entry with SSE (and XSAVE/AVX
 * where available), the hypervisor CPUID view minus VMX/SVM, rdi pointing to
 * the boot info and rsp at the top of memory: in ring 0 on hardware KVM; on
 * PVM at CPL 3 on the user selectors with native execution switched on and
 * checked -- but a Solo5 image, which loads ring-0 segments of its own, is
 * started in ring 0 in PVM's emulator as solo5-hvt starts it, and
 * k->pvm_emulated says so.  Returns 0, or -1 with a reason in `why`.
 */
int cpu_setup(struct vm_kvm *k, const struct mem *m,
              const struct elf_image *img, char why[WHY_MAX]);

/*
 * For a restore (restore.h): the same CPUID view as cpu_setup, the saved
 * special registers `s`, and on PVM native execution, checked.  The caller
 * sets the rest of the saved state.  Returns 0, or -1 with `why`.
 */
int cpu_restore_setup(const struct vm_kvm *k, const struct kvm_sregs *s,
                      char why[WHY_MAX]);

/*
 * The vCPU's TSC frequency in Hz, as KVM runs it, for the guest's clock;
 * 0 with a reason in `why` if KVM cannot tell.
 */
uint64_t cpu_tsc_hz(const struct vm_kvm *k, char why[WHY_MAX]);

#endif
