/* net_tap.h: the host side of a NIC: an existing Linux tap interface. */
#ifndef NET_TAP_H
#define NET_TAP_H

#include <stdint.h>

#include "options.h"

/* The MTUs uhvt accepts on a tap (IPv4's minimum to Linux's maximum). */
#define TAP_MTU_MIN 68U
#define TAP_MTU_MAX 65535U

/*
 * Attach to the tap interface `name`, which must already exist: uhvt never
 * creates one (an administrator does, see docs/networking.md).  The fd is
 * non-blocking and close-on-exec, reads and writes one whole Ethernet frame
 * (IFF_TAP | IFF_NO_PI), and is the caller's to close.  *mtu is the
 * interface's MTU.  Returns the fd, or -1 with a message in `why`.
 */
int tap_open(const char *name, uint32_t *mtu, char why[OPTIONS_WHY_MAX]);

#endif
