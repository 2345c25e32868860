/* net.h: network devices: attaching NICs and the net hypercalls (monitor side). */
#ifndef NET_H
#define NET_H

#include <stdint.h>

#include "device.h"
#include "options.h"
#include "vm.h"

/* The Ethernet header the ABI's frame limit adds to the MTU. */
#define NET_ETH_HLEN 14U

/* One NIC: vm->dev[i].state for a device of type UHVT_DEV_NET. */
struct net_dev {
    int fd;          /* the tap (non-blocking; one read or write is one frame) */
    uint32_t mtu;    /* the tap's MTU when attached; frames are at most mtu + 14 */
    uint8_t mac[6];  /* the guest's MAC, told to it by NET_INFO */
};

/* The NIC module (DEVICE_MODULE), and its options' indices. */
extern const struct device_type net_device;
enum net_option { NET_OPT_TAP, NET_OPT_MAC };

/*
 * device_attach_fn for NICs: open the tap named by --net[:NAME]=TAP, take
 * the MAC from --net-mac[:NAME]=MAC or derive one (net_mac_default), and
 * register the tap for reading and writing and for the poll hypercall.
 */
device_attach_fn net_attach;

/*
 * Parse "12:34:56:78:9a:bc" (hex digits in either case) into mac.  Refuses
 * anything else, and multicast and all-zero addresses, which a NIC cannot
 * own.  Returns 0 or -1 with a message in `why`.  Pure.
 */
int net_mac_parse(const char *s, uint8_t mac[6], char why[OPTIONS_WHY_MAX]);

/*
 * A stable MAC for NIC `dev` on tap `tap`: a hash of both names, with the
 * locally administered bit set and the multicast bit clear.  The same names
 * give the same MAC on every run and every host.
 */
void net_mac_default(const char *tap, const char *dev, uint8_t mac[6]);

/*
 * NET_INFO (hypercall_fn, per abi/uhvt_abi.h): the NIC's MAC and MTU; a
 * handle that is not an attached NIC gets UHVT_ENODEV.  The frame calls
 * are in net_batch.h.
 */
int net_info(struct vm *vm, void *arg);

#endif
