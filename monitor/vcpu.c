/* vcpu.c: the run loop: enter the guest, decode exits, end on anything unexpected. */
#include "vcpu.h"

#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>

#include "boottrace.h"
#include "hypercall.h"
#include "uhvt_abi.h"

static void dump_registers(const struct vm *vm)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (vm->quiet || ioctl(vm->kvm.vcpu_fd, KVM_GET_REGS, &r) < 0 ||
        ioctl(vm->kvm.vcpu_fd, KVM_GET_SREGS, &s) < 0)
        return;
    char text[512];
    int n = snprintf(text, sizeof(text),
                     "  rip=0x%016llx rsp=0x%016llx rflags=0x%llx cr2=0x%016llx\n"
                     "  rax=0x%016llx rbx=0x%016llx rcx=0x%016llx rdx=0x%016llx\n"
                     "  rsi=0x%016llx rdi=0x%016llx rbp=0x%016llx cr3=0x%llx\n",
                     r.rip, r.rsp, r.rflags, s.cr2, r.rax, r.rbx, r.rcx, r.rdx,
                     r.rsi, r.rdi, r.rbp, s.cr3);
    if (n > 0)
        vm_print(vm, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

static int signal_exit(const struct vm *vm, int sig)
{
    if (sig == SIGALRM) {
        vm_report(vm, "guest ran past its --timeout");
        return UHVT_EXIT_TIMEOUT;
    }
    /* sigabbrev_np returns a constant: strsignal may load locale data. */
    vm_report(vm, "guest ended by signal %d (SIG%s)", sig, sigabbrev_np(sig));
    return 128 + sig;
}

static int handle_exit(struct vm *vm, struct kvm_run *run)
{
    switch (run->exit_reason) {
    case KVM_EXIT_IO: {
        uint32_t value = 0;
        if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 4 &&
            run->io.data_offset + 4 <= vm->kvm.run_size)
            memcpy(&value, (uint8_t *)run + run->io.data_offset, 4);
        return hypercall_handle(vm, run->io.port, run->io.size, run->io.count,
                                run->io.direction == KVM_EXIT_IO_OUT, value);
    }
    case KVM_EXIT_HLT:
        vm_report(vm, "guest halted (hlt with interrupts off: a crash)");
        dump_registers(vm);
        return UHVT_EXIT_ABORT;
    case KVM_EXIT_SHUTDOWN:
        /* Some CPUs (AMD) reset the vCPU on shutdown: no state to show. */
        vm_report(vm, "guest triple fault (an exception while handling one, "
                      "or no IDT); the CPU state is lost");
        return UHVT_EXIT_FAULT;
    case KVM_EXIT_MMIO:
        vm_report(vm, "guest %s of %u bytes at 0x%llx: no memory or device there",
                  run->mmio.is_write ? "write" : "read", run->mmio.len,
                  (unsigned long long)run->mmio.phys_addr);
        dump_registers(vm);
        return UHVT_EXIT_BAD_HYPERCALL;
    case KVM_EXIT_FAIL_ENTRY:
        vm_report(vm, "KVM could not enter the guest (reason 0x%llx)",
                  (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        dump_registers(vm);
        return UHVT_EXIT_FAULT;
    case KVM_EXIT_INTERNAL_ERROR:
        vm_report(vm, "KVM internal error %u (often an instruction KVM cannot "
                      "emulate)", run->internal.suberror);
        dump_registers(vm);
        return UHVT_EXIT_FAULT;
    default:
        vm_report(vm, "unexpected VM exit %u", run->exit_reason);
        dump_registers(vm);
        return UHVT_EXIT_BAD_HYPERCALL;
    }
}

int vcpu_run(struct vm *vm)
{
    struct kvm_run *run = vm->kvm.run;
    bool first = true;
    for (;;) {
        if (ioctl(vm->kvm.vcpu_fd, KVM_RUN, 0) == 0) {
            if (first)
                boottrace_mark("first_exit"); /* the guest runtime's first call */
            first = false;
            int rc = handle_exit(vm, run);
            if (rc != VM_CONTINUE)
                return rc;
        } else if (errno == EINTR) {
            int sig = vm_signal_take(vm);
            if (sig)
                return signal_exit(vm, sig);
        } else if (errno != EAGAIN) {
            vm_report(vm, "KVM_RUN: %s", strerror(errno));
            return UHVT_EXIT_SETUP;
        }
    }
}
