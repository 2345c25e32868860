/* vcpu.h: the run loop: enter the guest, decode exits, end on anything unexpected. */
#ifndef VCPU_H
#define VCPU_H

#include "vm.h"

/*
 * Act on one exit in vm->kvm.run: VM_CONTINUE, or the monitor's exit status.
 * What the guest did wrong ends it as the guest's fault; what the host's KVM
 * could not do (internal errors, failed entries, unknown exits) ends it with
 * UHVT_EXIT_HOST.
 */
int vcpu_exit(struct vm *vm, struct kvm_run *run);

/* Run the guest until it ends; returns the monitor's exit status. */
int vcpu_run(struct vm *vm);

#endif
