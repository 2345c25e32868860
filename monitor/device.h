/* device.h: what a device module is, and the list of them. */
#ifndef DEVICE_H
#define DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hypercall.h"
#include "options.h"
#include "vm.h"

/*
 * A device module lives in its own directory (net/, blk/) and registers one
 * struct device_type with DEVICE_MODULE.  Everything that must agree about
 * a kind of device -- its manifest type, its options, how it attaches, its
 * hypercalls -- is in that struct, and the monitor's parts (option parsing,
 * the manifest check, devices_attach, the hypercall dispatcher) walk the
 * registered modules.  Adding a device is its directory and its UHVT_DEV_*
 * and UHVT_HC_* numbers in the ABI; nothing in monitor/ names it.
 */

/* One option: "--net" is given as --net=VALUE or --net:NAME=VALUE. */
struct device_option {
    const char *name;
    bool flag;              /* takes no value: --block-ro[:NAME] */
    const char *value_help; /* for --help: "=TAP"; NULL for a flag */
    const char *help;       /* for --help: what it does */
};

/* One hypercall the module serves. */
struct device_call {
    uint32_t nr;  /* enum uhvt_hypercall */
    size_t size;  /* of its argument struct, at most HYPERCALL_ARG_MAX */
    hypercall_fn *fn;
};

/*
 * An attach function opens what device `index` of the manifest needs and
 * fills vm->dev[index] (type, poll_fd, state), registering its host fds with
 * vm_fd_register.  `only` is true when the application declares no other
 * device of this type, so the option shorthand (--net=TAP) applies.
 * Returns 0, or -1 with a message in `why`.
 */
typedef int device_attach_fn(struct vm *vm, uint32_t index,
                             const struct options *o, bool only,
                             char why[OPTIONS_WHY_MAX]);

struct device_type {
    uint32_t type;    /* enum uhvt_dev_type: its kind in the manifest */
    const char *what; /* "NIC", "disk": its name in messages */
    /* Its options, the one that attaches it first; a NULL name ends them. */
    const struct device_option *options;
    device_attach_fn *attach;
    const struct device_call *calls; /* a NULL fn ends them */
};

/*
 * Register module `t` (a struct device_type) in the linker section the
 * monitor reads its devices from, as Solo5's DECLARE_MODULE does.  The
 * section holds only pointers, so the compiler pads nothing between them
 * (and ASan leaves globals in named sections alone).
 */
#define DEVICE_MODULE(t)                                                  \
    __attribute__((section("uhvt_devices"), used)) static const struct   \
        device_type *const device_module_##t = &(t)

/* The registered modules, *n of them, in link order. */
const struct device_type *const *device_types(size_t *n);

/* The module for manifest type `type`, or NULL. */
const struct device_type *device_type_find(uint32_t type);

#endif
