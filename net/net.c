/* net.c: network devices: attaching NICs and the net hypercalls (monitor side). */
#include "net.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net_batch.h"
#include "net_tap.h"
#include "uhvt_abi.h"

/* What net_attach keeps beside the ABI-visible state, to refuse reuse. */
struct net_nic {
    struct net_dev dev; /* first: vm->dev[i].state points at it */
    char tap[IF_NAMESIZE];
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int net_mac_parse(const char *s, uint8_t mac[6], char why[OPTIONS_WHY_MAX])
{
    for (int i = 0; i < 6; i++) {
        const char *p = s + 3 * i;
        int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);
        char sep = lo < 0 ? 'x' : p[2];
        if (hi < 0 || lo < 0 || sep != (i == 5 ? '\0' : ':')) {
            snprintf(why, OPTIONS_WHY_MAX, "'%.40s' is not a MAC address (write "
                     "it as 02:00:00:00:00:01)", s);
            return -1;
        }
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    if (mac[0] & 1) {
        snprintf(why, OPTIONS_WHY_MAX, "MAC %s is a multicast address", s);
        return -1;
    }
    if ((mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0) {
        snprintf(why, OPTIONS_WHY_MAX, "MAC %s is all zeroes", s);
        return -1;
    }
    return 0;
}

void net_mac_default(const char *tap, const char *dev, uint8_t mac[6])
{
    /* FNV-1a over "tap\0dev": the NUL keeps ("ab", "c") apart from ("a", "bc"). */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *s = tap;; s++) {
        h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
        if (*s == '\0')
            break;
    }
    for (const char *s = dev; *s != '\0'; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)(h >> (8 * i));
    mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02); /* unicast, locally administered */
}

int net_attach(struct vm *vm, uint32_t index, const struct options *o, bool only,
               char why[OPTIONS_WHY_MAX])
{
    const char *name = vm->img.manifest.e[index].name;
    const char *tap = options_dev_value(o, &net_device, NET_OPT_TAP, name, only);
    const char *mac = options_dev_value(o, &net_device, NET_OPT_MAC, name, only);
    if (tap == NULL || tap[0] == '\0') {
        snprintf(why, OPTIONS_WHY_MAX, "--net needs the name of a tap interface");
        return -1;
    }
    /* Two NICs on one tap would steal each other's frames. */
    for (uint32_t i = 0; i < index; i++) {
        const struct net_nic *other = vm_dev(vm, i, UHVT_DEV_NET);
        if (other != NULL && strcmp(other->tap, tap) == 0) {
            snprintf(why, OPTIONS_WHY_MAX, "tap '%s' is already attached to NIC "
                     "'%s'", tap, vm->img.manifest.e[i].name);
            return -1;
        }
    }

    struct net_nic *nic = calloc(1, sizeof(*nic));
    if (nic == NULL) {
        snprintf(why, OPTIONS_WHY_MAX, "out of memory");
        return -1;
    }
    if (mac != NULL) {
        if (net_mac_parse(mac, nic->dev.mac, why) < 0)
            goto fail;
    } else {
        net_mac_default(tap, name, nic->dev.mac);
    }
    nic->dev.fd = tap_open(tap, &nic->dev.mtu, why);
    if (nic->dev.fd < 0)
        goto fail;
    snprintf(nic->tap, sizeof(nic->tap), "%s", tap);

    vm_fd_register(vm, nic->dev.fd, VM_FD_READ | VM_FD_WRITE);
    vm->dev[index].type = UHVT_DEV_NET;
    vm->dev[index].poll_fd = nic->dev.fd;
    vm->dev[index].state = &nic->dev;
    return 0;

fail:
    free(nic);
    return -1;
}

int net_info(struct vm *vm, void *arg)
{
    struct uhvt_hc_net_info *a = arg;
    const struct net_dev *n = vm_dev(vm, a->handle, UHVT_DEV_NET);
    if (n == NULL) {
        a->ret = UHVT_ENODEV;
        return VM_CONTINUE;
    }
    memcpy(a->mac, n->mac, sizeof(a->mac));
    a->mtu = n->mtu;
    a->ret = UHVT_OK;
    return VM_CONTINUE;
}

static const struct device_option net_options[] = {
    [NET_OPT_TAP] = {"--net", false, "=TAP", "attach NIC NAME to the existing tap TAP"},
    [NET_OPT_MAC] = {"--net-mac", false, "=MAC", "its MAC (default: a stable local one)"},
    {NULL, false, NULL, NULL},
};

_Static_assert(sizeof(struct uhvt_hc_net_info) <= HYPERCALL_ARG_MAX, "arg size");
_Static_assert(sizeof(struct uhvt_hc_net_io) <= HYPERCALL_ARG_MAX, "arg size");
_Static_assert(sizeof(struct uhvt_hc_batch) <= HYPERCALL_ARG_MAX, "arg size");

static const struct device_call net_calls[] = {
    {UHVT_HC_NET_INFO, sizeof(struct uhvt_hc_net_info), net_info},
    {UHVT_HC_NET_WRITE, sizeof(struct uhvt_hc_net_io), net_write},
    {UHVT_HC_NET_READ, sizeof(struct uhvt_hc_net_io), net_read},
    {UHVT_HC_NET_WRITEV, sizeof(struct uhvt_hc_batch), net_writev},
    {UHVT_HC_NET_READV, sizeof(struct uhvt_hc_batch), net_readv},
    {0, 0, NULL},
};

const struct device_type net_device = {
    .type = UHVT_DEV_NET,
    .what = "NIC",
    .options = net_options,
    .attach = net_attach,
    .calls = net_calls,
};
DEVICE_MODULE(net_device);
