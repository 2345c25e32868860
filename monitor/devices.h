/* devices.h: match the command line's devices to the manifest's, then attach each. */
#ifndef DEVICES_H
#define DEVICES_H

#include "options.h"
#include "vm.h"

/*
 * An attach function opens what device `index` of the manifest needs and
 * fills vm->dev[index] (type, poll_fd, state), registering its host fds with
 * vm_fd_register.  `only` is true when the application declares no other
 * device of this type, so the option shorthand (--net=TAP) applies.
 * Returns 0, or -1 with a message in `why`.
 */
typedef int devices_attach_fn(struct vm *vm, uint32_t index,
                              const struct options *o, bool only,
                              char why[OPTIONS_WHY_MAX]);

/*
 * Refuse, before boot, a device option for a device the application does
 * not declare (or of the wrong type), a shorthand where it declares more
 * than one of the type, and a declared device left unattached; then attach
 * every declared device.  Exits with UHVT_EXIT_SETUP and a message.
 */
void devices_attach(struct vm *vm, const struct options *o);

#endif
