/* test_signals.c: the ending signals: a refused vCPU changes nothing; a pending signal is taken once. */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "signals.h"
#include "uhvt_abi.h"

/* Each test runs in its own process: its signal mask is its own. */

Test(signals, refused_without_a_vcpu_changes_nothing)
{
    static struct vm vm = {.sig_fd = -1, .kvm.vcpu_fd = -1};
    char why[WHY_MAX];
    cr_assert_eq(signals_setup(&vm, 5, why), -1);
    cr_assert_str_eq(why, "KVM_SET_SIGNAL_MASK: Bad file descriptor");
    cr_assert_eq(vm.sig_fd, -1);
    sigset_t now;
    cr_assert_eq(sigprocmask(SIG_BLOCK, NULL, &now), 0);
    cr_assert_not(sigismember(&now, SIGTERM), "SIGTERM left blocked");
    cr_assert_eq(alarm(0), 0, "the timeout armed");
}

Test(signals, none_without_a_signalfd)
{
    static struct vm vm = {.sig_fd = -1};
    cr_assert_eq(signals_take(&vm), 0);
}

Test(signals, a_pending_one_taken_once)
{
    /* The signalfd signals_setup makes, without the vCPU it needs. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    cr_assert_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);
    static struct vm vm;
    vm.sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    cr_assert_geq(vm.sig_fd, 0);
    cr_assert_eq(signals_take(&vm), 0);
    raise(SIGTERM);
    cr_assert_eq(signals_take(&vm), SIGTERM);
    cr_assert_eq(signals_take(&vm), 0);
}

/* Forwarding: to a guest with a handler and a mailbox, once per kind. */
Test(signals, forwarded_then_second_ends)
{
    static struct vm vm = {.sig_fd = -1, .quiet = true};
    cr_assert_eq(mem_init(&vm.mem, MEM_MIN), 0);
    struct sigevent ev = {.sigev_notify = SIGEV_NONE};
    int id;
    cr_assert_eq(syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id), 0);
    vm.fwd.timer = id;
    vm.fwd.grace = 10;
    /* No handler registered: ended at once, as always. */
    cr_assert_eq(signals_arrived(&vm, SIGTERM), 143);
    cr_assert_eq(signals_register(&vm, 0x9000, 1ULL << (SIGTERM - 1)), UHVT_OK);
    /* SIGINT is not handled: ended. */
    cr_assert_eq(signals_arrived(&vm, SIGINT), 130);
    cr_assert_eq(signals_arrived(&vm, SIGTERM), VM_CONTINUE);
    uint64_t *box = mem_ptr(&vm.mem, 0x9000, 8);
    cr_assert_eq(*box, 1ULL << (SIGTERM - 1));
    cr_assert_eq(vm.fwd.first, SIGTERM);
    /* The grace timer runs. */
    struct itimerspec its;
    cr_assert_eq(syscall(SYS_timer_gettime, id, &its), 0);
    cr_assert_gt(its.it_value.tv_sec, 8);
    cr_assert_eq(signals_arrived(&vm, SIGTERM), 143);
    cr_assert_eq(signals_arrived(&vm, SIGNALS_GRACE), 143);
    cr_assert_eq(signals_arrived(&vm, SIGALRM), UHVT_EXIT_TIMEOUT);
    mem_fini(&vm.mem);
}

Test(signals, grace_zero_never_forwards)
{
    static struct vm vm = {.sig_fd = -1, .quiet = true};
    cr_assert_eq(mem_init(&vm.mem, MEM_MIN), 0);
    vm.fwd.timer = -1;
    cr_assert_eq(signals_register(&vm, 0x9000, 1ULL << (SIGTERM - 1)), UHVT_OK);
    cr_assert_eq(signals_arrived(&vm, SIGTERM), 143);
    mem_fini(&vm.mem);
}
