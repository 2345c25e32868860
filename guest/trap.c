/* trap.c: reporting a CPU exception to the monitor. */
#include <stdint.h>

#include "hypercall.h"
#include "runtime.h"

/*
 * No stack protector: a fault may come from a bad FS base (the canary's
 * home), and a fault in here would re-enter on the same IST stack forever.
 * The report is built on the IST stack, which is guest memory, as the
 * hypercall requires.
 */
NOSSP _Noreturn void trap_report(const struct trap_frame *f)
{
    struct uhvt_hc_fault r = {
        .vector = f->vector,
        .error_code = f->error_code,
        .rip = f->rip,
        .rsp = f->rsp,
        .rflags = f->rflags,
        .rax = f->rax, .rbx = f->rbx, .rcx = f->rcx, .rdx = f->rdx,
        .rsi = f->rsi, .rdi = f->rdi, .rbp = f->rbp, .r8 = f->r8, .r9 = f->r9,
        .r10 = f->r10, .r11 = f->r11, .r12 = f->r12, .r13 = f->r13,
        .r14 = f->r14, .r15 = f->r15,
    };

    __asm__ __volatile__("movq %%cr2, %0" : "=r"(r.cr2));
    hypercall_noreturn(UHVT_HC_FAULT, &r);
}
