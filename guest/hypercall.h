/* hypercall.h: issuing hypercalls to the monitor (internal). */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stddef.h>
#include <stdint.h>

#include "uhvt_abi.h"

/*
 * Hand `arg` (an argument struct of hypercall `nr`) to the monitor.  Memory
 * is identity-mapped and at most 4 GiB, so the pointer is the struct's
 * guest-physical address and fits the 32-bit OUT.  The "memory" clobber makes
 * the compiler store the struct before the exit and reload it after, since
 * the monitor reads and writes it behind the compiler's back.
 */
static inline void hypercall(enum uhvt_hypercall nr, void *arg)
{
    __asm__ __volatile__("outl %0, %w1"
                         :
                         : "a"((uint32_t)(uintptr_t)arg),
                           "d"((uint16_t)UHVT_HC_PORT(nr))
                         : "memory");
}

/* For the calls that do not return: never fall through if the monitor did. */
static inline _Noreturn void hypercall_noreturn(enum uhvt_hypercall nr,
                                                void *arg)
{
    hypercall(nr, arg);
    for (;;)
        __asm__ __volatile__("cli; hlt");
}

/* End the guest with `msg` printed by the monitor (UHVT_EXIT_ABORT). */
static inline _Noreturn void hypercall_abort(const char *msg)
{
    size_t len = 0;

    while (msg[len] != '\0' && len < UHVT_ABORT_MSG_MAX)
        len++;
    struct uhvt_hc_abort a = { .msg = (uintptr_t)msg, .len = (uint32_t)len };
    hypercall_noreturn(UHVT_HC_ABORT, &a);
}

#endif
