/* test_signals.c: the ending signals: a refused vCPU changes nothing; a pending signal is taken once. */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "signals.h"

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
