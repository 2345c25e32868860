/* devices.h: the registered device modules, and matching the command line's devices to the manifest's. */
#ifndef DEVICES_H
#define DEVICES_H

#include "device.h"
#include "options.h"
#include "vm.h"
#include "why.h"

/*
 * Refuse, before boot, a device option for a device the application does
 * not declare (or of the wrong type), a shorthand where it declares more
 * than one of the type, and a declared device left unattached; then attach
 * every declared device.  Returns 0, or -1 with a reason in `why`.
 */
int devices_attach(struct vm *vm, const struct options *o, char why[WHY_MAX]);

#endif
