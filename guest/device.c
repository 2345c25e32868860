/* device.c: the application's device manifest, polling, and boot info. */
#include "hypercall.h"
#include "runtime.h"
#include "uhvt.h"

/*
 * Defined by the manifest object uhvt-cc generates for each application (the
 * descriptor of its ELF note).  Weak so that an image linked without one
 * simply has no devices.
 */
extern const struct uhvt_manifest uhvt_manifest __attribute__((weak));

PUBLIC int uhvt_device_find(const char *name, int type)
{
    const struct uhvt_manifest *m = &uhvt_manifest;

    if (m == NULL || name == NULL)
        return -1;
    for (uint32_t i = 0; i < m->entries && i < UHVT_MANIFEST_MAX; i++) {
        const struct uhvt_manifest_entry *e = &m->e[i];
        size_t n = 0;

        while (n < UHVT_NAME_MAX && e->name[n] == name[n] && name[n] != '\0')
            n++;
        if (n < UHVT_NAME_MAX && e->name[n] == name[n] &&
            (type == UHVT_DEV_NONE || (uint32_t)type == e->type))
            return (int)i;
    }
    return -1;
}

int device_first(uint32_t type)
{
    const struct uhvt_manifest *m = &uhvt_manifest;

    for (uint32_t i = 0; m != NULL && i < m->entries && i < UHVT_MANIFEST_MAX;
         i++)
        if (m->e[i].type == type)
            return (int)i;
    return -1;
}

PUBLIC int uhvt_poll(uint64_t deadline_ns, uint64_t *ready)
{
    uint64_t now = clock_monotonic();
    struct uhvt_hc_poll p = {
        .timeout_ns = deadline_ns > now ? deadline_ns - now : 0,
    };

    clock_poll(&p);
    if (ready != NULL)
        *ready = p.ret == UHVT_OK ? p.ready & ~UHVT_POLL_READY_STDIN : 0;
    return -p.ret;
}

PUBLIC const struct uhvt_boot_info *uhvt_boot_info(void)
{
    return &boot_info;
}
