/* sandbox.h: no_new_privs and the seccomp allow-list the monitor runs the guest under. */
#ifndef SANDBOX_H
#define SANDBOX_H

#include "vm.h"
#include "why.h"

/*
 * Lock the monitor down for the run loop: PR_SET_NO_NEW_PRIVS, then a
 * seccomp filter over all threads whose default is to kill the process,
 * allowing only what vcpu_run and the hypercalls need, each syscall limited
 * to the fds it is for.  Call after every fd is open and every mapping made,
 * just before the first guest instruction.  Returns 0, or -1 with a reason in
 * `why` if the filter cannot be installed: uhvt never runs a guest
 * unsandboxed.
 */
int sandbox_enter(const struct vm *vm, char why[WHY_MAX]);

#endif
