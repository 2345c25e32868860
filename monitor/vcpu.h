/* vcpu.h: the run loop: enter the guest, decode exits, end on anything unexpected. */
#ifndef VCPU_H
#define VCPU_H

#include "vm.h"

/* Run the guest until it ends; returns the monitor's exit status. */
int vcpu_run(struct vm *vm);

#endif
