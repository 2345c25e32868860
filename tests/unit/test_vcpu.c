/* test_vcpu.c: each kind of VM exit ends the guest with its own code: host failures are not the guest's. */
#include <criterion/criterion.h>

#include "vcpu.h"

static struct vm vm;
static struct kvm_run run;
static void setup(void)
{
    cr_assert_eq(mem_init(&vm.mem, MEM_MIN), 0);
    vm.quiet = true;
    vm.sig_fd = -1;
    vm.kvm.vcpu_fd = -1; /* no registers to dump */
    vm.kvm.run_size = sizeof(run);
}
static void teardown(void) { mem_fini(&vm.mem); }
TestSuite(vcpu, .init = setup, .fini = teardown);

static int exit_with(uint32_t reason)
{
    memset(&run, 0, sizeof(run));
    run.exit_reason = reason;
    return vcpu_exit(&vm, &run);
}

Test(vcpu, host_failures_are_the_hosts)
{
    cr_assert_eq(exit_with(KVM_EXIT_INTERNAL_ERROR), UHVT_EXIT_HOST);
    cr_assert_eq(exit_with(KVM_EXIT_FAIL_ENTRY), UHVT_EXIT_HOST);
    cr_assert_eq(exit_with(KVM_EXIT_UNKNOWN), UHVT_EXIT_HOST);
    cr_assert_eq(exit_with(9999), UHVT_EXIT_HOST);
}

Test(vcpu, guest_failures_are_the_guests)
{
    cr_assert_eq(exit_with(KVM_EXIT_SHUTDOWN), UHVT_EXIT_FAULT);
    cr_assert_eq(exit_with(KVM_EXIT_HLT), UHVT_EXIT_ABORT);
    cr_assert_eq(exit_with(KVM_EXIT_MMIO), UHVT_EXIT_BAD_HYPERCALL);
}

/* An IN, or an OUT to a port nobody serves, is malformed, never a host error. */
Test(vcpu, io_exits_reach_the_dispatcher)
{
    memset(&run, 0, sizeof(run));
    run.exit_reason = KVM_EXIT_IO;
    run.io.direction = KVM_EXIT_IO_IN;
    run.io.size = 4;
    run.io.count = 1;
    run.io.port = UHVT_HC_PORT(UHVT_HC_WALLTIME);
    cr_assert_eq(vcpu_exit(&vm, &run), UHVT_EXIT_BAD_HYPERCALL);
    run.io.direction = KVM_EXIT_IO_OUT;
    run.io.port = 0x80;
    cr_assert_eq(vcpu_exit(&vm, &run), UHVT_EXIT_BAD_HYPERCALL);
}
