/* cpu.c: the guest's own GDT, TSS, IDT, SYSCALL MSRs and FPU/SSE state. */
#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"
#include "runtime.h"

/*
 * On hardware KVM exceptions always switch to a dedicated stack (IST): musl
 * and applications are built with a red zone and run in ring 0, where an
 * exception taken on the current stack would overwrite the 128 bytes below
 * rsp.  It also keeps a stack overflow into the guard page reportable.  #DF,
 * NMI and #MC get a second stack so they can still be reported when the
 * first is the problem.
 *
 * PVM delivers exceptions only without IST, on the current stack: every one
 * ends the guest, so the red zone it overwrites no longer matters, and a
 * stack overflow becomes a triple fault that the monitor names.
 */
#define IST_SIZE 16384
static uint8_t ist1[IST_SIZE] __attribute__((aligned(16)));
static uint8_t ist2[IST_SIZE] __attribute__((aligned(16)));

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iopb; /* beyond the limit: no I/O bitmap */
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "tss");

static struct tss tss __attribute__((aligned(16)));

/*
 * null, 64-bit code (0x08), data (0x10), the 16-byte TSS descriptor (0x18).
 * Hardware KVM only: a PVM guest keeps the monitor's GDT (see cpu_init).
 */
static uint64_t gdt[5] __attribute__((aligned(16)));

struct idt_gate {
    uint16_t offset0;
    uint16_t selector;
    uint8_t ist;
    uint8_t type; /* present, DPL, 64-bit interrupt gate */
    uint16_t offset1;
    uint32_t offset2;
    uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "idt gate");

static struct idt_gate idt[32] __attribute__((aligned(16)));

struct table_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define CR0_MP (1ULL << 1)
#define CR0_EM (1ULL << 2)
#define CR0_TS (1ULL << 3)
#define CR0_WP (1ULL << 16)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_OSXSAVE (1ULL << 18)
#define CR4_FSGSBASE (1ULL << 16)
#define CPUID7_EBX_FSGSBASE (1u << 0)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_AVX (1u << 28)
#define XCR0_X87 1u
#define XCR0_SSE 2u
#define XCR0_AVX 4u

/* Mask on SYSCALL: IF, and the flags the C ABI or the kernel want clear. */
#define FMASK_BITS ((1u << 8) | (1u << 9) | (1u << 10) | (1u << 14) | (1u << 18))

static void cpu_load_gdt(void)
{
    uint64_t base = (uintptr_t)&tss;
    uint64_t limit = sizeof tss - 1;

    tss.ist[0] = (uintptr_t)(ist1 + IST_SIZE);
    tss.ist[1] = (uintptr_t)(ist2 + IST_SIZE);
    tss.iopb = sizeof tss;

    gdt[0] = 0;
    gdt[1] = 0x00af9a000000ffffULL; /* code: present, L=1, readable */
    gdt[2] = 0x00cf92000000ffffULL; /* data: present, writable */
    gdt[3] = (limit & 0xffff) | (base & 0xffffff) << 16 |
             0x89ULL << 40 | /* present, available 64-bit TSS */
             ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
    gdt[4] = base >> 32;

    struct table_ptr p = { sizeof gdt - 1, (uintptr_t)gdt };
    /*
     * Reload CS with a far return and the data selectors; FS and GS are left
     * alone because loading them would reset the FS base (the boot TCB).
     */
    __asm__ __volatile__("lgdt %0\n\t"
                         "pushq %1\n\t"
                         "leaq 1f(%%rip), %%rax\n\t"
                         "pushq %%rax\n\t"
                         "lretq\n"
                         "1:\n\t"
                         "movl %2, %%eax\n\t"
                         "movl %%eax, %%ds\n\t"
                         "movl %%eax, %%es\n\t"
                         "movl %%eax, %%ss\n\t"
                         "ltr %w3"
                         :
                         : "m"(p), "i"(CPU_SEL_CODE), "i"(CPU_SEL_DATA),
                           "r"(CPU_SEL_TSS)
                         : "rax", "memory");
}

#define GATE_DPL0 0x8e
#define GATE_DPL3 0xee

/* PVM delivers through a gate only if it is DPL 3, on its user CS, no IST. */
static void cpu_load_idt(bool pvm)
{
    for (unsigned v = 0; v < ARRAY_SIZE(idt); v++) {
        uint64_t h = trap_stubs[v];
        int critical = v == 2 || v == 8 || v == 18; /* NMI, #DF, #MC */

        idt[v] = (struct idt_gate){
            .offset0 = (uint16_t)h,
            .selector = pvm ? UHVT_SEL_USER_CS : CPU_SEL_CODE,
            .ist = pvm ? 0 : critical ? 2 : 1,
            .type = pvm ? GATE_DPL3 : GATE_DPL0,
            .offset1 = (uint16_t)(h >> 16),
            .offset2 = (uint32_t)(h >> 32),
        };
    }
    struct table_ptr p = { sizeof idt - 1, (uintptr_t)idt };
    __asm__ __volatile__("lidt %0" : : "m"(p) : "memory");
}

/*
 * On hardware KVM the monitor sets these up already; setting them again
 * costs nothing there and means the runtime does not depend on it: SSE on,
 * x87/SSE state reset, and AVX state enabled for XSAVE when the CPU has it.
 * WP makes the read-only text read-only for ring 0 too.  Under PVM each
 * control-register access is a trap to the host, XCR0 is the host's own and
 * the monitor has set CR0 and CR4: only the state reset is left to do.
 */
static void cpu_init_fpu(bool pvm)
{
    uint64_t cr0, cr4;
    uint32_t id[4];
    static const uint32_t mxcsr = 0x1f80; /* all exceptions masked */

    if (pvm) {
        __asm__ __volatile__("fninit; ldmxcsr %0" : : "m"(mxcsr));
        return;
    }

    __asm__ __volatile__("movq %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_WP;
    __asm__ __volatile__("movq %0, %%cr0" : : "r"(cr0));

    cpu_cpuid(1, 0, id);
    __asm__ __volatile__("movq %%cr4, %0" : "=r"(cr4));
    cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    if (id[2] & CPUID1_ECX_XSAVE)
        cr4 |= CR4_OSXSAVE;
    __asm__ __volatile__("movq %0, %%cr4" : : "r"(cr4));

    if (id[2] & CPUID1_ECX_XSAVE) {
        uint32_t xs[4], lo, hi;

        /* Keep what the monitor enabled (say, AVX-512); add what is missing. */
        __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        lo |= XCR0_X87 | XCR0_SSE;
        cpu_cpuid(0xd, 0, xs); /* eax: the XCR0 bits the CPU supports */
        if ((id[2] & CPUID1_ECX_AVX) && (xs[0] & XCR0_AVX))
            lo |= XCR0_AVX;
        __asm__ __volatile__("xsetbv" : : "c"(0), "a"(lo), "d"(hi));
    }
    __asm__ __volatile__("fninit; ldmxcsr %0" : : "m"(mxcsr));
}

/*
 * SYSCALL from ring 0 to ring 0: CS comes from STAR[47:32] and SS from
 * that + 8, which are this GDT's code and data selectors.  SYSRET is never
 * used (it would drop to ring 3), so STAR[63:48] stays 0.
 *
 * Under PVM, SYSCALL goes to LSTAR keeping CS and SS, and ignores STAR and
 * FMASK; the monitor has set EFER.SCE.  Every WRMSR is a trap there, so
 * LSTAR is all it gets.
 */
static void cpu_init_syscall(bool pvm)
{
    cpu_wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
    if (pvm)
        return;
    cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_SCE);
    cpu_wrmsr(MSR_STAR, (uint64_t)CPU_SEL_CODE << 32);
    cpu_wrmsr(MSR_FMASK, FMASK_BITS);
}

/*
 * Under PVM the guest runs at hardware CPL 3: loading ring-0 selectors
 * there (a far return to 0x08, SS from a DPL-0 descriptor) would drop the
 * vCPU into KVM's emulator, and the monitor's GDT already holds what PVM
 * needs, so the runtime keeps it and its segments as they are.
 */
int cpu_wrfsbase_ok;

/*
 * Threads switch the FS base (thread.c).  On hardware KVM the runtime owns
 * CR4 and turns FSGSBASE on when the CPU has it; under PVM the guest runs
 * with the host's CR4, which the monitor reports (UHVT_BOOT_FSGSBASE).
 */
static void cpu_init_fsgsbase(bool pvm, uint64_t boot_flags)
{
    uint32_t id[4];
    uint64_t cr4;

    if (pvm) {
        cpu_wrfsbase_ok = (boot_flags & UHVT_BOOT_FSGSBASE) != 0;
        return;
    }
    cpu_cpuid(0, 0, id);
    if (id[0] < 7)
        return;
    cpu_cpuid(7, 0, id);
    if (!(id[1] & CPUID7_EBX_FSGSBASE))
        return;
    __asm__ __volatile__("movq %%cr4, %0" : "=r"(cr4));
    __asm__ __volatile__("movq %0, %%cr4" : : "r"(cr4 | CR4_FSGSBASE));
    cpu_wrfsbase_ok = 1;
}

void cpu_init(uint64_t boot_flags)
{
    bool pvm = boot_flags & UHVT_BOOT_PVM;

    if (!pvm)
        cpu_load_gdt();
    cpu_load_idt(pvm);
    cpu_init_fpu(pvm);
    cpu_init_syscall(pvm);
    cpu_init_fsgsbase(pvm, boot_flags);
}
