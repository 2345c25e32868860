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
    };

    __asm__ __volatile__("movq %%cr2, %0" : "=r"(r.cr2));
    hypercall_noreturn(UHVT_HC_FAULT, &r);
}
