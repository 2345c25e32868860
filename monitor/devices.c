/* devices.c: the registered device modules, and matching the command line's devices to the manifest's. */
#include "devices.h"

#include <string.h>

#include "uhvt_abi.h"

/* The linker gathers every DEVICE_MODULE into this section. */
extern const struct device_type *const __start_uhvt_devices[];
extern const struct device_type *const __stop_uhvt_devices[];

const struct device_type *const *device_types(size_t *n)
{
    /* Both bound one section the linker made: the subtraction is sound. */
    // cppcheck-suppress comparePointers
    *n = (size_t)(__stop_uhvt_devices - __start_uhvt_devices);
    return __start_uhvt_devices;
}

const struct device_type *device_type_find(uint32_t type)
{
    size_t n;
    const struct device_type *const *t = device_types(&n);
    for (size_t i = 0; i < n; i++)
        if (t[i]->type == type)
            return t[i];
    return NULL;
}

/* How many devices of type t the manifest declares. */
static unsigned declared(const struct uhvt_manifest *m, const struct device_type *t)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < m->entries; i++)
        n += m->e[i].type == t->type;
    return n;
}

/* Refuse an option for no declared device, or a shorthand that is ambiguous. */
static int check_option(const struct uhvt_manifest *m, const struct options *o,
                        const struct options_dev *d, char why[WHY_MAX])
{
    const struct device_type *t = d->type;
    if (d->name == NULL) {
        unsigned n = declared(m, t);
        if (n != 1)
            return why_fail(why, "%s without :NAME needs an application declaring "
                                 "exactly one %s; %s declares %u",
                            options_dev_option(d), t->what, o->image, n);
        return 0;
    }
    for (uint32_t i = 0; i < m->entries; i++)
        if (m->e[i].type == t->type && strcmp(m->e[i].name, d->name) == 0)
            return 0;
    return why_fail(why, "%s:%s: %s declares no %s named '%s'",
                    options_dev_option(d), d->name, o->image, t->what, d->name);
}

int devices_attach(struct vm *vm, const struct options *o, char why[WHY_MAX])
{
    const struct uhvt_manifest *m = &vm->img.manifest;
    for (size_t j = 0; j < o->ndev; j++)
        if (check_option(m, o, &o->dev[j], why) < 0)
            return -1;

    for (uint32_t i = 0; i < UHVT_MANIFEST_MAX; i++)
        vm->dev[i].poll_fd = -1;
    for (uint32_t i = 0; i < m->entries; i++) {
        if (m->e[i].type == UHVT_DEV_NONE)
            continue; /* a Solo5 manifest's reserved entries (solo5_note.h) */
        const struct device_type *t = device_type_find(m->e[i].type);
        if (t == NULL)
            return why_fail(why, "%s declares device '%s' of a type this monitor "
                                 "does not support", o->image, m->e[i].name);
        bool only = declared(m, t) == 1;
        if (options_dev_value(o, t, 0, m->e[i].name, only) == NULL)
            return why_fail(why, "%s declares %s '%s' but no %s:%s=... attaches it",
                            o->image, t->what, m->e[i].name, t->options[0].name,
                            m->e[i].name);
        char attach_why[OPTIONS_WHY_MAX];
        if (t->attach(vm, i, o, only, attach_why) < 0)
            return why_fail(why, "%s '%s': %s", t->what, m->e[i].name, attach_why);
    }
    return 0;
}
