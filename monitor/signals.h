/* signals.h: the signals that end the guest: blocked, but for KVM_RUN, and read from a signalfd. */
#ifndef SIGNALS_H
#define SIGNALS_H

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

#endif
