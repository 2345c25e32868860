/* vcpu.c: the run loop: enter the guest, decode exits, end on anything unexpected. */
#include "vcpu.h"

#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>

#include "boottrace.h"
#include "cpu_x86_64.h"
#include "debug.h"
#include "hypercall.h"
#include "signals.h"
#include "solo5_hypercall.h"
#include "uhvt_abi.h"

static void dump_registers(const struct vm *vm)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (vm->quiet || ioctl(vm->kvm.vcpu_fd, KVM_GET_REGS, &r) < 0 ||
        ioctl(vm->kvm.vcpu_fd, KVM_GET_SREGS, &s) < 0)
        return;
    char text[512], where[256];
    symbols_describe(&vm->syms, r.rip, where, sizeof(where));
    int n = snprintf(text, sizeof(text),
                     "  rip=0x%016llx%s rsp=0x%016llx rflags=0x%llx cr2=0x%016llx\n"
                     "  rax=0x%016llx rbx=0x%016llx rcx=0x%016llx rdx=0x%016llx\n"
                     "  rsi=0x%016llx rdi=0x%016llx rbp=0x%016llx cr3=0x%llx\n",
                     r.rip, where, r.rsp, r.rflags, s.cr2, r.rax, r.rbx, r.rcx, r.rdx,
                     r.rsi, r.rdi, r.rbp, s.cr3);
    if (n > 0)
        vm_print(vm, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

/*
 * Why the host failed a Solo5 guest under PVM (docs/solo5.md): it runs in
 * PVM's instruction emulator, which has no vector instructions.
 */
static void solo5_on_pvm(const struct vm *vm)
{
    if (vm->kvm.pvm_emulated)
        vm_report(vm, "a Solo5 guest runs in PVM's instruction emulator (it "
                      "loads ring-0 segments of its own), which has no SSE, "
                      "x87 or AVX (docs/solo5.md)");
}

/*
 * A triple fault.  AMD resets the vCPU (paging off: nothing to show); Intel
 * and PVM keep the faulting state.  PVM cannot deliver an exception on
 * another stack, so there a stack overflow into the guard page ends here
 * rather than in the guest's own report: name it when rsp or cr2 says so.
 */
static int shutdown_exit(const struct vm *vm)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (ioctl(vm->kvm.vcpu_fd, KVM_GET_REGS, &r) < 0 ||
        ioctl(vm->kvm.vcpu_fd, KVM_GET_SREGS, &s) < 0 || !(s.cr0 & (1ULL << 31))) {
        vm_report(vm, "guest triple fault (an exception while handling one, "
                      "or no IDT); the CPU state is lost");
        return UHVT_EXIT_FAULT;
    }
    /* rsp may sit just above the guard page, the push under way. */
    /* A Solo5 guest has no guard page: its heap runs up to its stack. */
    if (!vm->img.solo5 && (cpu_in_stack_guard(&vm->mem, r.rsp - 8) ||
                           cpu_in_stack_guard(&vm->mem, s.cr2)))
        vm_report(vm, "guest triple fault at rip=0x%llx: a stack overflow? "
                      "(rsp=0x%llx, cr2=0x%llx; the guard page is at 0x%llx)",
                  r.rip, r.rsp, s.cr2,
                  (unsigned long long)cpu_stack_guard(&vm->mem));
    else
        vm_report(vm, "guest triple fault at rip=0x%llx (an exception while "
                      "handling one, or no IDT)", r.rip);
    dump_registers(vm);
    return UHVT_EXIT_FAULT;
}

/* The host's KVM failed: not the guest's doing, and said so. */
static int host_exit(const struct vm *vm, const char *what, unsigned long long n)
{
    vm_report(vm, "the host's KVM (%s) could not run this guest: %s %llu",
              vm_kvm_name(&vm->kvm), what, n);
    solo5_on_pvm(vm);
    dump_registers(vm);
    return UHVT_EXIT_HOST;
}

int vcpu_exit(struct vm *vm, struct kvm_run *run)
{
    switch (run->exit_reason) {
    case KVM_EXIT_IO: {
        uint32_t value = 0;
        if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 4 &&
            run->io.data_offset + 4 <= vm->kvm.run_size)
            memcpy(&value, (uint8_t *)run + run->io.data_offset, 4);
        return (vm->img.solo5 ? solo5_hypercall_handle : hypercall_handle)(
            vm, run->io.port, run->io.size, run->io.count,
            run->io.direction == KVM_EXIT_IO_OUT, value);
    }
    case KVM_EXIT_HLT:
        vm_report(vm, "guest halted (hlt with interrupts off: a crash)");
        dump_registers(vm);
        return UHVT_EXIT_ABORT;
    case KVM_EXIT_SHUTDOWN:
        return shutdown_exit(vm);
    case KVM_EXIT_MMIO:
        vm_report(vm, "guest %s of %u bytes at 0x%llx: no memory or device there",
                  run->mmio.is_write ? "write" : "read", run->mmio.len,
                  (unsigned long long)run->mmio.phys_addr);
        dump_registers(vm);
        return UHVT_EXIT_BAD_HYPERCALL;
    case KVM_EXIT_FAIL_ENTRY:
        return host_exit(vm, "entry failure, hardware reason",
                         run->fail_entry.hardware_entry_failure_reason);
    case KVM_EXIT_INTERNAL_ERROR:
        /* Suberror 1 is an instruction its emulator does not know. */
        return host_exit(vm, "internal error", run->internal.suberror);
    default:
        return host_exit(vm, "unknown exit reason", run->exit_reason);
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
            int rc = vcpu_exit(vm, run);
            if (rc != VM_CONTINUE)
                return rc;
        } else if (errno == EINTR) {
            int sig = signals_take(vm);
            int rc = sig ? signals_arrived(vm, sig) : VM_CONTINUE;
            if (rc == VM_CONTINUE)
                rc = debug_interrupted(vm);
            if (rc != VM_CONTINUE)
                return rc;
        } else if (errno != EAGAIN) {
            vm_report(vm, "the host's KVM (%s) could not run this guest: "
                          "KVM_RUN: %s", vm_kvm_name(&vm->kvm), strerrordesc_np(errno));
            return UHVT_EXIT_HOST;
        }
    }
}
