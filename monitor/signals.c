/* signals.c: the signals that end the guest: blocked, but for KVM_RUN, and read from a signalfd. */
#include "signals.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

static const int ending[] = {SIGINT, SIGTERM, SIGHUP, SIGALRM};

int signals_setup(struct vm *vm, unsigned timeout, char why[WHY_MAX])
{
    sigset_t set, old;
    sigemptyset(&set);
    if (sigprocmask(SIG_BLOCK, NULL, &old) < 0)
        return why_fail(why, "sigprocmask: %s", strerror(errno));
    /* Unblocked inside KVM_RUN whatever uhvt inherited, or a guest that
     * spins could not be stopped. */
    for (size_t i = 0; i < sizeof(ending) / sizeof(ending[0]); i++) {
        sigaddset(&set, ending[i]);
        sigdelset(&old, ending[i]);
    }

    /*
     * Inside KVM_RUN the mask from before applies, so a pending signal kicks
     * the vCPU out; the kernel re-blocks it before returning, leaving it for
     * sig_fd.  KVM takes the kernel's 8-byte sigset: the head of glibc's
     * sigset_t.
     */
    union {
        struct kvm_signal_mask head;
        uint8_t room[sizeof(struct kvm_signal_mask) + 8];
    } kmask = {.head.len = 8};
    memcpy(kmask.head.sigset, &old, 8);
    if (ioctl(vm->kvm.vcpu_fd, KVM_SET_SIGNAL_MASK, &kmask) < 0)
        return why_fail(why, "KVM_SET_SIGNAL_MASK: %s", strerror(errno));

    /* An inherited SIG_IGN would drop the signal before sig_fd saw it. */
    for (size_t i = 0; i < sizeof(ending) / sizeof(ending[0]); i++)
        signal(ending[i], SIG_DFL);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return why_fail(why, "sigprocmask: %s", strerror(errno));
    vm->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (vm->sig_fd < 0)
        return why_fail(why, "signalfd: %s", strerror(errno));
    signal(SIGPIPE, SIG_IGN);
    if (timeout)
        alarm(timeout);
    return 0;
}

int signals_take(const struct vm *vm)
{
    struct signalfd_siginfo si;
    if (vm->sig_fd < 0 || read(vm->sig_fd, &si, sizeof(si)) != sizeof(si))
        return 0;
    return (int)si.ssi_signo;
}
