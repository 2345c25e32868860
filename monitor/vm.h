/* vm.h: the state of one guest, shared by the monitor's parts. */
#ifndef VM_H
#define VM_H

#include <stdbool.h>

#include "elf.h"
#include "kvm.h"
#include "mem.h"

/* A handler's "keep running"; anything else is the monitor's exit status. */
#define VM_CONTINUE (-1)

struct vm {
    struct mem mem;
    struct vm_kvm kvm;
    struct elf_image img;
    bool quiet;  /* no report of how the guest ended */
    int sig_fd;  /* signalfd for the signals that end the guest; -1 if none */
};

/*
 * Block SIGINT, SIGTERM, SIGHUP and SIGALRM (armed for `timeout` seconds
 * unless 0) and route them to vm->sig_fd; let them interrupt KVM_RUN.  A
 * pending one makes every KVM_RUN return EINTR at once and the poll
 * hypercall wake, so none is lost however the guest behaves.
 */
void vm_signals_setup(struct vm *vm, unsigned timeout);

/* The number of a pending ending signal, consumed; 0 if none. */
int vm_signal_take(const struct vm *vm);

/* Report how the guest ended, unless --quiet. */
void vm_report(const struct vm *vm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
