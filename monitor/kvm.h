/* kvm.h: /dev/kvm, capability checks, the VM, its memory slot, the vCPU and kvm_run. */
#ifndef KVM_H
#define KVM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "why.h"

/*
 * The kinds of KVM uhvt runs on.  Hardware KVM (VMX or SVM) runs the guest in
 * ring 0.  PVM (kvm-pvm: shadow paging, no VMX/SVM needed, what a cloud VM
 * without nested virtualization can offer) runs it at hardware CPL 3.
 */
enum vm_kvm_kind {
    VM_KVM_HARDWARE,
    VM_KVM_PVM,
};

struct vm_kvm {
    enum vm_kvm_kind kind;
    /* PVM left in its emulator, for a Solo5 guest (cpu_setup, docs/solo5.md) */
    bool pvm_emulated;
    int sys_fd;  /* /dev/kvm */
    int vm_fd;
    int vcpu_fd;
    struct kvm_run *run; /* shared with the kernel; run->... is guest-controlled */
    size_t run_size;
};

/*
 * Open /dev/kvm, check API version 12 and the capabilities uhvt relies on,
 * create the VM with `m` as its only memory slot, and one vCPU.  Returns 0,
 * or -1 with a reason in `why` that tells the user what to do.
 */
int vm_kvm_create(struct vm_kvm *k, const struct mem *m, char why[WHY_MAX]);

/*
 * What kind of KVM this host offers, in words ("PVM", "hardware (AMD SVM)"),
 * or why there is none, for --version.  Never exits.
 */
void vm_kvm_describe(char *buf, size_t len);

/*
 * Read or write one of the vCPU's MSRs (KVM_GET_MSRS, KVM_SET_MSRS):
 * 0, or -1 when KVM refused it (an MSR it does not know, a value it will
 * not take).
 */
int vm_kvm_msr_read(int vcpu_fd, uint32_t index, uint64_t *value);
int vm_kvm_msr_write(int vcpu_fd, uint32_t index, uint64_t value);

/* The kind of the vCPU's KVM in words, as vm_kvm_describe says it. */
const char *vm_kvm_name(const struct vm_kvm *k);

#endif
