/* vm.h: the state of one guest, shared by the monitor's parts. */
#ifndef VM_H
#define VM_H

#include <signal.h>
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
    bool quiet;        /* no report of how the guest ended */
    sigset_t run_mask; /* signal mask while the guest runs or polls */
};

/* The last of SIGINT/SIGTERM/SIGHUP/SIGALRM received, or 0. */
extern volatile sig_atomic_t vm_signal;

/* Report how the guest ended, unless --quiet. */
void vm_report(const struct vm *vm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
