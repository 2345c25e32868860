/* cpu_x86_64.c: long-mode entry state: page tables, GDT, control registers, CPUID. */
#include "cpu_x86_64.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "layout.h"
#include "solo5_abi.h"
#include "uhvt_abi.h"

#define PAGE UHVT_PAGE_SIZE
#define LARGE (2ULL << 20)
#define GIB (1ULL << 30)

#define CR0_PE 0x1ULL
#define CR0_MP 0x2ULL
#define CR0_ET 0x10ULL
#define CR0_NE 0x20ULL
#define CR0_WP 0x10000ULL
#define CR0_PG 0x80000000ULL
#define CR4_PAE 0x20ULL
#define CR4_OSFXSR 0x200ULL
#define CR4_OSXMMEXCPT 0x400ULL
#define CR4_OSXSAVE 0x40000ULL
#define CR4_PVM (CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE)
#define EFER_SCE 0x1ULL
#define EFER_LME 0x100ULL
#define EFER_LMA 0x400ULL
#define EFER_NXE 0x800ULL

#define CPUID1_ECX_VMX (1U << 5)
#define CPUID1_ECX_XSAVE (1U << 26)
#define CPUID1_ECX_HYPERVISOR (1U << 31)
#define CPUID81_ECX_SVM (1U << 2)
#define XCR0_X87_SSE_AVX 0x7ULL
#define XCR0_AVX512 0xe0ULL

/* PVM's own MSRs (there is no header for them: measured, see docs/kvm.md). */
#define MSR_PVM_MODE 0x4b564d10ULL
#define PVM_MODE_NATIVE 0x1ULL

uint64_t cpu_stack_guard(const struct mem *m)
{
    return m->size - UHVT_STACK_SIZE - PAGE;
}

bool cpu_in_stack_guard(const struct mem *m, uint64_t addr)
{
    return addr - cpu_stack_guard(m) < PAGE;
}

static uint64_t page_down(uint64_t a) { return a & ~(PAGE - 1); }
static uint64_t page_up(uint64_t a) { return (a + PAGE - 1) & ~(PAGE - 1); }

/* The leaf bits (without PTE_PS) for the 4 KiB page at gpa. */
static uint64_t page_bits(uint64_t gpa, const struct elf_image *img,
                          uint64_t guard)
{
    if (gpa == 0 || gpa == guard)
        return 0;
    for (size_t i = 0; i < img->nload; i++) {
        const struct elf_load *s = &img->load[i];
        if (gpa >= page_down(s->gpa) && gpa < page_up(s->gpa + s->memsz))
            return PTE_P | PTE_U | ((s->flags & PF_W) ? PTE_W : 0) |
                   ((s->flags & PF_X) ? 0 : PTE_NX);
    }
    return PTE_P | PTE_U | PTE_W | PTE_NX;
}

/* Whether every page of the 2 MiB region at r has the bits of its first. */
static bool region_uniform(uint64_t r, const struct elf_image *img,
                           uint64_t guard)
{
    if (r == 0 || (guard >= r && guard - r < LARGE))
        return false;
    for (size_t i = 0; i < img->nload; i++) {
        uint64_t s = page_down(img->load[i].gpa);
        uint64_t e = page_up(img->load[i].gpa + img->load[i].memsz);
        if ((s > r && s - r < LARGE) || (e > r && e - r < LARGE))
            return false;
    }
    return true;
}

uint64_t cpu_page_tables(const struct mem *m, const struct elf_image *img)
{
    /* A Solo5 heap runs up to its stack: no guard (0 is unmapped anyway). */
    uint64_t guard = img->solo5 ? 0 : cpu_stack_guard(m);
    uint64_t npd = (m->size + GIB - 1) / GIB;
    uint64_t pml4 = LAYOUT_PT, pdpt = pml4 + PAGE, pd = pdpt + PAGE;
    uint64_t next_pt = pd + npd * PAGE;
    uint64_t *p = mem_ptr(m, LAYOUT_PT, next_pt - LAYOUT_PT);
    if (p == NULL)
        return 0;
    uint64_t *pml4e = p, *pdpte = p + 512, *pde = p + 1024;

    /* Tables: present and writable; leaves alone decide W and NX. */
    pml4e[0] = pdpt | PTE_TABLE;
    for (uint64_t i = 0; i < npd; i++)
        pdpte[i] = (pd + i * PAGE) | PTE_TABLE;
    for (uint64_t r = 0; r < m->size; r += LARGE) {
        if (region_uniform(r, img, guard)) {
            pde[r / LARGE] = r | page_bits(r, img, guard) | PTE_PS;
            continue;
        }
        if (next_pt + PAGE > LAYOUT_PT_END)
            return 0;
        uint64_t *pte = mem_ptr(m, next_pt, PAGE);
        for (uint64_t i = 0; i < 512; i++) {
            uint64_t gpa = r + i * PAGE;
            uint64_t bits = page_bits(gpa, img, guard);
            pte[i] = bits ? gpa | bits : 0;
        }
        pde[r / LARGE] = next_pt | PTE_TABLE;
        next_pt += PAGE;
    }
    return pml4;
}

#define GDT_ENTRIES 7
#define GDT_TSS (LAYOUT_GDT + 0x80)

/*
 * Null, ring-0 64-bit code and data, a TSS, and the ring-3 data and 64-bit
 * code a PVM guest runs on: one table for both kinds of KVM.
 */
static void write_gdt(const struct mem *m)
{
    uint64_t *gdt = mem_ptr(m, LAYOUT_GDT, PAGE);
    uint64_t tss_limit = 0x67;
    gdt[UHVT_SEL_CODE / 8] = 0x00af9b000000ffffULL;
    gdt[UHVT_SEL_DATA / 8] = 0x00cf93000000ffffULL;
    gdt[UHVT_SEL_TSS / 8] = tss_limit | (GDT_TSS & 0xffffff) << 16 |
                            0x89ULL << 40 | ((GDT_TSS >> 24) & 0xff) << 56;
    gdt[UHVT_SEL_TSS / 8 + 1] = GDT_TSS >> 32;
    gdt[UHVT_SEL_USER_DS / 8] = 0x00cff3000000ffffULL;
    gdt[UHVT_SEL_USER_CS / 8] = 0x00affb000000ffffULL;
}
_Static_assert(UHVT_SEL_USER_CS / 8 < GDT_ENTRIES, "GDT size");

/*
 * The host's CPUID as KVM supports it, minus virtualization extensions.
 * *xcr0: what the guest may enable in XCR0; 0 without XSAVE.
 */
static int set_cpuid(const struct vm_kvm *k, uint64_t *xcr0, char why[WHY_MAX])
{
    struct kvm_cpuid2 *c = NULL;
    for (uint32_t n = 64;; n *= 2) {
        free(c);
        c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
        if (c == NULL)
            return why_fail(why, "CPUID entries: %s", strerror(errno));
        c->nent = n;
        if (ioctl(k->sys_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
            break;
        if (errno != E2BIG || n >= 4096) {
            int e = errno;
            free(c);
            return why_fail(why, "KVM_GET_SUPPORTED_CPUID: %s", strerror(e));
        }
    }
    bool xsave = false;
    uint64_t xcr0_supported = 0;
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        if (e->function == 1) {
            e->ecx &= ~CPUID1_ECX_VMX;
            e->ecx |= CPUID1_ECX_HYPERVISOR;
            xsave = e->ecx & CPUID1_ECX_XSAVE;
        } else if (e->function == 0x80000001) {
            e->ecx &= ~CPUID81_ECX_SVM;
        } else if (e->function == 0xd && e->index == 0) {
            xcr0_supported = (uint64_t)e->edx << 32 | e->eax;
        }
    }
    int rc = ioctl(k->vcpu_fd, KVM_SET_CPUID2, c);
    int e = errno;
    free(c);
    if (rc < 0)
        return why_fail(why, "KVM_SET_CPUID2: %s", strerror(e));
    *xcr0 = 0;
    if (!xsave)
        return 0;
    *xcr0 = xcr0_supported & XCR0_X87_SSE_AVX;
    if ((xcr0_supported & XCR0_AVX512) == XCR0_AVX512 && (*xcr0 & 0x4))
        *xcr0 |= XCR0_AVX512;
    return 0;
}

/* Ring 0 on hardware KVM; PVM runs guests only on its user selectors. */
static void set_segments(struct kvm_sregs *s, bool pvm)
{
    uint8_t dpl = pvm ? 3 : 0;
    struct kvm_segment code = {
        .base = 0, .limit = 0xffffffff,
        .selector = pvm ? UHVT_SEL_USER_CS : UHVT_SEL_CODE,
        .type = 0xb, .present = 1, .dpl = dpl, .db = 0, .s = 1, .l = 1, .g = 1,
    };
    struct kvm_segment data = code;
    data.selector = pvm ? UHVT_SEL_USER_DS : UHVT_SEL_DATA;
    data.type = 0x3;
    data.db = 1;
    data.l = 0;
    s->cs = code;
    s->ds = s->es = s->fs = s->gs = s->ss = data;
    s->tr = (struct kvm_segment){
        .base = GDT_TSS, .limit = 0x67, .selector = UHVT_SEL_TSS,
        .type = 0xb, .present = 1, .s = 0,
    };
    s->ldt = (struct kvm_segment){.unusable = 1, .type = 0x2};
    s->gdt.base = LAYOUT_GDT;
    s->gdt.limit = GDT_ENTRIES * 8 - 1;
    s->idt.base = 0;
    s->idt.limit = 0; /* any exception before the guest's IDT is a triple fault */
}

/*
 * A new PVM vCPU runs every instruction through KVM's emulator, which has no
 * SSE: switch it to native execution, and check that the switch held, for a
 * guest left emulated would die at its first vector instruction.
 */
static int set_pvm_native(const struct vm_kvm *k, char why[WHY_MAX])
{
    if (vm_kvm_msr_write(k->vcpu_fd, MSR_PVM_MODE, PVM_MODE_NATIVE) < 0)
        return why_fail(why, "the host's KVM is PVM, but it refused native "
                             "mode (MSR 0x%llx): uhvt does not run guests "
                             "in PVM's emulator", MSR_PVM_MODE);
    uint64_t mode;
    if (vm_kvm_msr_read(k->vcpu_fd, MSR_PVM_MODE, &mode) < 0 ||
        !(mode & PVM_MODE_NATIVE))
        return why_fail(why, "the host's KVM is PVM, but native mode did not "
                             "hold (MSR 0x%llx reads 0x%llx): uhvt does not "
                             "run guests in PVM's emulator", MSR_PVM_MODE,
                        (unsigned long long)mode);
    return 0;
}

int cpu_setup(struct vm_kvm *k, const struct mem *m,
              const struct elf_image *img, char why[WHY_MAX])
{
    bool pvm = k->kind == VM_KVM_PVM;
    /*
     * A Solo5 guest loads ring-0 segments of its own at boot, after which
     * PVM runs it in its emulator whatever we do; started there, as
     * solo5-hvt starts it, its exceptions are delivered (docs/solo5.md).
     */
    bool native = pvm && !img->solo5;
    k->pvm_emulated = pvm && !native;
    uint64_t cr3 = cpu_page_tables(m, img);
    if (cr3 == 0)
        return why_fail(why, "page tables do not fit below 1 MiB");
    write_gdt(m);
    uint64_t xcr0 = 0;
    if (set_cpuid(k, &xcr0, why) < 0)
        return -1;

    struct kvm_sregs s;
    if (ioctl(k->vcpu_fd, KVM_GET_SREGS, &s) < 0)
        return why_fail(why, "KVM_GET_SREGS: %s", strerror(errno));
    set_segments(&s, native);
    s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
    s.cr3 = cr3;
    /*
     * PVM answers the guest's CPUID itself (with XSAVE) and leaves the host's
     * XCR0 in force, whatever KVM_GET_SUPPORTED_CPUID says; OSXSAVE tells the
     * guest it may use what XGETBV reports.
     */
    s.cr4 = pvm ? CR4_PVM
                : CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT |
                      (xcr0 ? CR4_OSXSAVE : 0);
    s.efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
    if (ioctl(k->vcpu_fd, KVM_SET_SREGS, &s) < 0)
        return why_fail(why, "KVM_SET_SREGS: %s", strerror(errno));
    if (native && set_pvm_native(k, why) < 0)
        return -1;

    if (xcr0 && !pvm) {
        struct kvm_xcrs x = {.nr_xcrs = 1, .xcrs = {{.xcr = 0, .value = xcr0}}};
        if (ioctl(k->vcpu_fd, KVM_SET_XCRS, &x) < 0)
            return why_fail(why, "KVM_SET_XCRS: %s", strerror(errno));
    }

    struct kvm_regs r = {
        .rip = img->entry, .rsp = m->size, .rdi = LAYOUT_BOOT, .rflags = 0x2,
    };
    if (img->solo5) { /* its entry is a C function: rsp as after a call */
        r.rsp = m->size - 8;
        r.rdi = SOLO5_BOOT_INFO;
    }
    if (ioctl(k->vcpu_fd, KVM_SET_REGS, &r) < 0)
        return why_fail(why, "KVM_SET_REGS: %s", strerror(errno));
    return 0;
}

int cpu_restore_setup(const struct vm_kvm *k, const struct kvm_sregs *s,
                      char why[WHY_MAX])
{
    uint64_t xcr0;
    if (set_cpuid(k, &xcr0, why) < 0)
        return -1;
    if (ioctl(k->vcpu_fd, KVM_SET_SREGS, s) < 0)
        return why_fail(why, "KVM_SET_SREGS: %s", strerror(errno));
    return k->kind == VM_KVM_PVM ? set_pvm_native(k, why) : 0;
}

uint64_t cpu_tsc_hz(const struct vm_kvm *k, char why[WHY_MAX])
{
    int khz = ioctl(k->vcpu_fd, KVM_GET_TSC_KHZ, 0);
    if (khz <= 0) {
        why_fail(why, "KVM_GET_TSC_KHZ: %s",
                 khz < 0 ? strerror(errno) : "reports 0 kHz");
        return 0;
    }
    return (uint64_t)khz * 1000;
}
