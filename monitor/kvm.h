/* kvm.h: /dev/kvm, capability checks, the VM, its memory slot, the vCPU and kvm_run. */
#ifndef KVM_H
#define KVM_H

#include <linux/kvm.h>
#include <stddef.h>

#include "mem.h"

struct vm_kvm {
    int sys_fd;  /* /dev/kvm */
    int vm_fd;
    int vcpu_fd;
    struct kvm_run *run; /* shared with the kernel; run->... is guest-controlled */
    size_t run_size;
};

/*
 * Open /dev/kvm, check API version 12 and the capabilities uhvt relies on,
 * create the VM with `m` as its only memory slot, and one vCPU.  Exits with
 * UHVT_EXIT_SETUP and a message telling the user what to do on failure.
 */
void vm_kvm_create(struct vm_kvm *k, const struct mem *m);

#endif
