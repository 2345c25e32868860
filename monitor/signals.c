/* signals.c: the signals that end the guest: blocked, but for KVM_RUN, and read from a signalfd; forwarded to a guest that handles them. */
#include "signals.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "uhvt_abi.h"

/* SIGNALS_GRACE: the grace period's end, from a POSIX timer nobody else uses. */
static const int ending[] = {SIGINT, SIGTERM, SIGHUP, SIGALRM, SIGNALS_GRACE};
#define FORWARDABLE ((1ULL << (SIGINT - 1)) | (1ULL << (SIGTERM - 1)) | \
                     (1ULL << (SIGHUP - 1)))

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
    /*
     * The grace timer, made now and only armed (timer_settime, allowed by
     * the sandbox for this id alone) when a signal is forwarded.  The raw
     * call gives the kernel's id, which the sandbox's filter needs.
     */
    vm->fwd.timer = -1;
    if (vm->fwd.grace > 0) {
        struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGNALS_GRACE};
        int id;
        if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id) < 0)
            return why_fail(why, "timer_create: %s", strerror(errno));
        vm->fwd.timer = id;
    }
    return 0;
}

int signals_register(struct vm *vm, uint64_t mailbox, uint64_t handled)
{
    if (mailbox % 8 != 0 || mailbox < 4096 || mem_ptr(&vm->mem, mailbox, 8) == NULL)
        return UHVT_EINVAL;
    vm->fwd.mailbox = mailbox;
    vm->fwd.handled = handled;
    return UHVT_OK;
}

static const char *signals_name(int sig)
{
    const char *n = sigabbrev_np(sig);
    return n != NULL ? n : "?";
}

int signals_arrived(struct vm *vm, int sig)
{
    uint64_t bit = sig >= 1 && sig <= 64 ? 1ULL << (sig - 1) : 0;

    if (sig == SIGALRM) {
        vm_report(vm, "guest ran past its --timeout");
        return UHVT_EXIT_TIMEOUT;
    }
    if (sig == SIGNALS_GRACE) {
        vm_report(vm, "guest still running %u s after SIG%s (--grace): ended",
                  vm->fwd.grace, signals_name(vm->fwd.first));
        return 128 + vm->fwd.first;
    }
    if ((bit & FORWARDABLE & vm->fwd.handled) && !(bit & vm->fwd.forwarded) &&
        vm->fwd.grace > 0 && vm->fwd.timer >= 0) {
        uint64_t *box = mem_ptr(&vm->mem, vm->fwd.mailbox, 8);
        if (box != NULL) {
            if (vm->fwd.forwarded == 0) {
                struct itimerspec its = {.it_value = {.tv_sec = vm->fwd.grace}};
                if (syscall(SYS_timer_settime, vm->fwd.timer, 0, &its, NULL) < 0) {
                    vm_report(vm, "the host refused the grace timer (%s): "
                                  "guest ended by signal %d (SIG%s)",
                              strerror(errno), sig, signals_name(sig));
                    return 128 + sig;
                }
                vm->fwd.first = sig;
            }
            vm->fwd.forwarded |= bit;
            __atomic_fetch_or(box, bit, __ATOMIC_SEQ_CST);
            return VM_CONTINUE;
        }
    }
    if (bit & vm->fwd.forwarded)
        vm_report(vm, "guest ended by a second SIG%s during its grace period",
                  signals_name(sig));
    else
        /* sigabbrev_np returns a constant: strsignal may load locale data. */
        vm_report(vm, "guest ended by signal %d (SIG%s)", sig, signals_name(sig));
    return 128 + sig;
}

int signals_take(const struct vm *vm)
{
    struct signalfd_siginfo si;
    if (vm->sig_fd < 0 || read(vm->sig_fd, &si, sizeof(si)) != sizeof(si))
        return 0;
    return (int)si.ssi_signo;
}
