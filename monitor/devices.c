/* devices.c: match the command line's devices to the manifest's, then attach each. */
#include "devices.h"

#include <err.h>
#include <string.h>

#include "blk.h"
#include "net.h"
#include "uhvt_abi.h"

static const struct {
    uint32_t type;
    const char *what;
    enum options_dev_kind first, last; /* its options, first the attaching one */
    devices_attach_fn *attach;
} types[] = {
    {UHVT_DEV_NET, "NIC", OPT_NET, OPT_NET_MAC, net_attach},
    {UHVT_DEV_BLOCK, "disk", OPT_BLOCK, OPT_BLOCK_SECTOR, blk_attach},
};

#define NTYPES (sizeof(types) / sizeof(types[0]))

static size_t type_index(uint32_t type)
{
    size_t t;
    for (t = 0; t != NTYPES; t++)
        if (types[t].type == type)
            break;
    return t;
}

void devices_attach(struct vm *vm, const struct options *o)
{
    const struct uhvt_manifest *m = &vm->img.manifest;
    unsigned count[NTYPES + 1] = {0};
    for (uint32_t i = 0; i < m->entries; i++)
        count[type_index(m->e[i].type)]++;

    for (size_t j = 0; j < o->ndev; j++) {
        const struct options_dev *d = &o->dev[j];
        size_t t;
        for (t = 0; t != NTYPES; t++)
            if (d->kind >= types[t].first && d->kind <= types[t].last)
                break;
        if (t == NTYPES)
            errx(UHVT_EXIT_SETUP, "%s: this monitor has no such devices",
                 options_dev_option(d->kind));
        if (d->name == NULL) {
            if (count[t] != 1)
                errx(UHVT_EXIT_SETUP,
                     "%s without :NAME needs an application declaring exactly one "
                     "%s; %s declares %u", options_dev_option(d->kind), types[t].what,
                     o->image, count[t]);
            continue;
        }
        uint32_t i = 0;
        while (i < m->entries &&
               !(m->e[i].type == types[t].type && strcmp(m->e[i].name, d->name) == 0))
            i++;
        if (i == m->entries)
            errx(UHVT_EXIT_SETUP, "%s:%s: %s declares no %s named '%s'",
                 options_dev_option(d->kind), d->name, o->image, types[t].what, d->name);
    }

    for (uint32_t i = 0; i < UHVT_MANIFEST_MAX; i++)
        vm->dev[i].poll_fd = -1;
    for (uint32_t i = 0; i < m->entries; i++) {
        size_t t = type_index(m->e[i].type);
        if (t == NTYPES)
            errx(UHVT_EXIT_SETUP, "%s declares device '%s' of a type this "
                                  "monitor does not support", o->image, m->e[i].name);
        bool only = count[t] == 1;
        if (options_dev_value(o, types[t].first, m->e[i].name, only) == NULL)
            errx(UHVT_EXIT_SETUP, "%s declares %s '%s' but no %s:%s=... attaches it",
                 o->image, types[t].what, m->e[i].name,
                 options_dev_option(types[t].first),
                 m->e[i].name);
        char why[OPTIONS_WHY_MAX];
        if (types[t].attach(vm, i, o, only, why) < 0)
            errx(UHVT_EXIT_SETUP, "%s '%s': %s", types[t].what, m->e[i].name, why);
    }
}
