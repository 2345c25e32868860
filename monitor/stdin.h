/* stdin.h: the host's stdin, read for the guest without ever blocking the vCPU thread. */
#ifndef STDIN_H
#define STDIN_H

#include <stdbool.h>

#include "vm.h"

/*
 * Before anything is opened: vm->stdin_fd is 0, or -1 (end of file for the
 * guest) when uhvt's stdin is closed, fd 0 then held by /dev/null.
 */
void stdin_setup(struct vm *vm);

/* Whether a read of stdin would not block now (end of file counts). */
bool stdin_ready(const struct vm *vm);

/*
 * UHVT_HC_STDIN: read what is there, never waiting (struct uhvt_hc_stdin).
 * End of file, or a stdin that cannot be read, is latched: vm->stdin_fd
 * becomes -1 (but a terminal's ^D, which ends one read only).
 */
int stdin_hc_read(struct vm *vm, void *arg);

#endif
