/* net_tap.c: the host side of a NIC: an existing Linux tap interface. */
#include "net_tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Why TUNSETIFF refused an existing interface, in the user's terms. */
static void tap_why(const char *name, int e, char why[OPTIONS_WHY_MAX])
{
    switch (e) {
    case EPERM:
        snprintf(why, OPTIONS_WHY_MAX, "not allowed to use tap '%s' (create it "
                 "for this user: ip tuntap add %s mode tap user $USER)", name, name);
        break;
    case EBUSY:
        snprintf(why, OPTIONS_WHY_MAX, "tap '%s' is in use by another process",
                 name);
        break;
    case EINVAL:
        snprintf(why, OPTIONS_WHY_MAX, "'%s' is not a tap interface", name);
        break;
    default:
        snprintf(why, OPTIONS_WHY_MAX, "tap '%s': %s", name, strerror(e));
    }
}

int tap_open(const char *name, uint32_t *mtu, char why[OPTIONS_WHY_MAX])
{
    struct ifreq ifr;
    size_t len = strlen(name);
    if (len == 0 || len >= sizeof(ifr.ifr_name)) {
        snprintf(why, OPTIONS_WHY_MAX, "'%s' is not an interface name (1 to %zu "
                 "characters)", name, sizeof(ifr.ifr_name) - 1);
        return -1;
    }
    /*
     * With CAP_NET_ADMIN, TUNSETIFF on a missing name would create a fresh
     * tap that vanishes with us: refuse instead, since nobody routes to it.
     */
    unsigned index = if_nametoindex(name);
    if (index == 0) {
        snprintf(why, OPTIONS_WHY_MAX, "tap '%s' does not exist (create it: ip "
                 "tuntap add %s mode tap user $USER)", name, name);
        return -1;
    }

    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, OPTIONS_WHY_MAX, "/dev/net/tun: %s%s", strerror(errno),
                 errno == ENOENT ? " (modprobe tun)" : "");
        return -1;
    }
    int sock = -1;
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, name, len + 1);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        tap_why(name, errno, why);
        goto fail;
    }

    sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        snprintf(why, OPTIONS_WHY_MAX, "socket: %s", strerror(errno));
        goto fail;
    }
    /* If the tap went away in between, the one we got is new: let it go. */
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, name, len + 1);
    if (ioctl(sock, SIOCGIFINDEX, &ifr) < 0 || (unsigned)ifr.ifr_ifindex != index) {
        snprintf(why, OPTIONS_WHY_MAX, "tap '%s' was removed while uhvt attached "
                 "to it", name);
        goto fail;
    }
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, name, len + 1);
    if (ioctl(sock, SIOCGIFMTU, &ifr) < 0) {
        snprintf(why, OPTIONS_WHY_MAX, "tap '%s': MTU: %s", name, strerror(errno));
        goto fail;
    }
    if (ifr.ifr_mtu < (int)TAP_MTU_MIN || ifr.ifr_mtu > (int)TAP_MTU_MAX) {
        snprintf(why, OPTIONS_WHY_MAX, "tap '%s' has MTU %d; uhvt needs %u to %u",
                 name, ifr.ifr_mtu, TAP_MTU_MIN, TAP_MTU_MAX);
        goto fail;
    }
    *mtu = (uint32_t)ifr.ifr_mtu;
    close(sock);
    return fd;

fail:
    if (sock >= 0)
        close(sock);
    close(fd);
    return -1;
}
