/* vm.c: what the monitor's parts share about the running guest: signals and reports. */
#include "vm.h"

#include <err.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "output.h"
#include "uhvt_abi.h"

void vm_report(const struct vm *vm, const char *fmt, ...)
{
    if (vm->quiet)
        return;
    static const char prefix[] = "uhvt: ";
    char line[VM_REPORT_MAX];
    memcpy(line, prefix, sizeof(prefix) - 1);
    size_t room = sizeof(line) - sizeof(prefix); /* the newline's byte kept */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line + sizeof(prefix) - 1, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = sizeof(prefix) - 1 + ((size_t)n < room ? (size_t)n : room - 1);
    line[len++] = '\n';
    vm_print(vm, line, len);
}

void vm_print(const struct vm *vm, const char *text, size_t len)
{
    output_write(OUTPUT_REPORT, vm->sig_fd, text, len, OUTPUT_REPORT_WAIT_MS);
}

void vm_signals_setup(struct vm *vm, unsigned timeout)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGALRM);
    if (sigprocmask(SIG_BLOCK, &set, &old) < 0)
        err(UHVT_EXIT_SETUP, "sigprocmask");
    vm->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (vm->sig_fd < 0)
        err(UHVT_EXIT_SETUP, "signalfd");
    signal(SIGPIPE, SIG_IGN); /* a closed console is an error code, not death */

    /*
     * Inside KVM_RUN the old mask applies, so a pending signal kicks the vCPU
     * out; the kernel re-blocks it before returning, leaving it for sig_fd.
     * KVM takes the kernel's 8-byte sigset: the head of glibc's sigset_t.
     */
    union {
        struct kvm_signal_mask head;
        uint8_t room[sizeof(struct kvm_signal_mask) + 8];
    } kmask = {.head.len = 8};
    memcpy(kmask.head.sigset, &old, 8);
    if (ioctl(vm->kvm.vcpu_fd, KVM_SET_SIGNAL_MASK, &kmask) < 0)
        err(UHVT_EXIT_SETUP, "KVM_SET_SIGNAL_MASK");
    if (timeout)
        alarm(timeout);
}

int vm_signal_take(const struct vm *vm)
{
    struct signalfd_siginfo si;
    if (vm->sig_fd < 0 || read(vm->sig_fd, &si, sizeof(si)) != sizeof(si))
        return 0;
    return (int)si.ssi_signo;
}

void *vm_dev(const struct vm *vm, uint32_t handle, uint32_t type)
{
    if (handle >= UHVT_MANIFEST_MAX || vm->dev[handle].type != type)
        return NULL;
    return vm->dev[handle].state;
}

void vm_fd_register(struct vm *vm, int fd, unsigned uses)
{
    if (vm->nfds == VM_FDS_MAX)
        errx(UHVT_EXIT_SETUP, "too many device files");
    vm->fds[vm->nfds].fd = fd;
    vm->fds[vm->nfds].uses = uses;
    vm->nfds++;
}
