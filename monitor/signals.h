/* signals.h: the signals that end the guest: blocked, but for KVM_RUN, and read from a signalfd; forwarded to a guest that handles them. */
#ifndef SIGNALS_H
#define SIGNALS_H

#include <signal.h>

#include "vm.h"
#include "why.h"

/*
 * Block SIGINT, SIGTERM, SIGHUP and SIGALRM (armed for `timeout` seconds
 * unless 0) and route them to vm->sig_fd; let them interrupt KVM_RUN on
 * vm->kvm.vcpu_fd.  A pending one makes every KVM_RUN return EINTR at once,
 * and the poll hypercall and any wait for room on stdout or stderr
 * (output_write) wake, so none is lost or kept waiting however the guest
 * behaves.  SIGPIPE is ignored: a closed console is an error code, not
 * death.  Returns 0, or -1 with a reason in `why`; the vCPU's refusal
 * changes nothing.
 */
int signals_setup(struct vm *vm, unsigned timeout, char why[WHY_MAX]);

/* The number of a pending ending signal, consumed; 0 if none. */
int signals_take(const struct vm *vm);

/* The signal the grace timer sends: a real-time one nobody else sends. */
#define SIGNALS_GRACE (__SIGRTMIN + 6) /* glibc keeps 32 and 33 */

/*
 * UHVT_HC_SIGNALS: the guest's mailbox (gpa of a uint64_t) and the signals
 * it handles.  UHVT_OK, or UHVT_EINVAL for a mailbox outside guest memory,
 * misaligned or in page 0.
 */
int signals_register(struct vm *vm, uint64_t mailbox, uint64_t handled);

/*
 * What ending signal `sig` does: VM_CONTINUE when it was forwarded to the
 * guest (SIGINT, SIGTERM or SIGHUP, with a handler there, the first of its
 * kind: the grace period of vm->fwd.grace seconds starts with the first
 * forwarded); otherwise the exit status, reported: 124 for --timeout,
 * 128 + N for signal N, 128 + the first forwarded one when the grace period
 * ends.  A second signal of a kind already forwarded ends the guest at once.
 */
int signals_arrived(struct vm *vm, int sig);

#endif
