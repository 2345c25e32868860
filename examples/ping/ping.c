/* ping.c: a unikernel that answers ARP and ICMP echo (IPv4) on each of its NICs. */
/*
 *   uhvt-cc --net=net0 -o ping.hvt ping.c
 *   uhvt --net=tap0 ping.hvt --ipv4=10.0.0.2/24
 *
 * With several NICs, give each its address: --ipv4:NAME=ADDR/PREFIX.  It
 * runs until the monitor is told to stop.  Everything it reads is network
 * input: every length is checked before the byte it covers is read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uhvt.h>

#define ETH_HLEN 14
#define ETH_ARP 0x0806
#define ETH_IPV4 0x0800
#define ARP_LEN 28
#define IP_HLEN 20
#define IP_ICMP 1
#define ICMP_HLEN 8
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO 8

struct nic {
    int handle;
    const char *name;
    uint8_t mac[6];
    uint32_t mtu;
    uint8_t ip[4];
    unsigned prefix;
    uint8_t *rx, *tx; /* mtu + ETH_HLEN bytes each */
    unsigned long arps, echoes, dropped;
};

static struct nic nics[UHVT_MANIFEST_MAX];
static int nnics;

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* The Internet checksum (RFC 1071) of len bytes: 0 over data that verifies. */
static uint16_t checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (; len > 1; p += 2, len -= 2)
        sum += get16(p);
    if (len)
        sum += (uint32_t)p[0] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* "A.B.C.D/P", each part decimal and in range, nothing else. */
static int parse_ipv4(const char *s, uint8_t ip[4], unsigned *prefix)
{
    for (int i = 0; i < 5; i++) {
        unsigned v = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || v > (i < 4 ? 255U : 32U))
            return -1;
        if (i < 4)
            ip[i] = (uint8_t)v;
        else
            *prefix = v;
        if (*s++ != (i < 3 ? '.' : i == 3 ? '/' : '\0'))
            return -1;
    }
    return 0;
}

static int add_nic(int handle, const char *name, const char *addr)
{
    for (int i = 0; i < nnics; i++)
        if (nics[i].handle == handle) {
            fprintf(stderr, "ping: NIC %s has two addresses\n", name);
            return -1;
        }
    struct nic *n = &nics[nnics];
    if (parse_ipv4(addr, n->ip, &n->prefix) < 0) {
        fprintf(stderr, "ping: '%s' is not ADDR/PREFIX, e.g. 10.0.0.2/24\n", addr);
        return -1;
    }
    int r = uhvt_net_info(handle, n->mac, &n->mtu);
    if (r < 0) {
        fprintf(stderr, "ping: NIC %s: error %d\n", name, -r);
        return -1;
    }
    n->handle = handle;
    n->name = name;
    n->rx = malloc(n->mtu + ETH_HLEN);
    n->tx = malloc(n->mtu + ETH_HLEN);
    if (n->rx == NULL || n->tx == NULL) {
        fprintf(stderr, "ping: out of memory\n");
        return -1;
    }
    nnics++;
    printf("ping: %s mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u ipv4 %u.%u.%u.%u/%u\n",
           name, n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4],
           n->mac[5], (unsigned)n->mtu, n->ip[0], n->ip[1], n->ip[2], n->ip[3],
           n->prefix);
    return 0;
}

/* The only NIC's handle, for --ipv4=...; -1 unless there is exactly one. */
static int only_nic(void)
{
    int found = -1;
    for (int h = 0; h < UHVT_MANIFEST_MAX; h++)
        if (uhvt_net_info(h, NULL, NULL) == 0) {
            if (found >= 0)
                return -1;
            found = h;
        }
    return found;
}

static void send_frame(struct nic *n, size_t len)
{
    long r = uhvt_net_write(n->handle, n->tx, len);
    if (r < 0)
        n->dropped++;
}

/* An ARP request for our address: answer it, to the sender. */
static void arp(struct nic *n, const uint8_t *f, size_t len)
{
    const uint8_t *a = f + ETH_HLEN;
    if (len < ETH_HLEN + ARP_LEN || get16(a) != 1 || get16(a + 2) != ETH_IPV4 ||
        a[4] != 6 || a[5] != 4 || get16(a + 6) != 1 || memcmp(a + 24, n->ip, 4) != 0)
        return;
    if (a[8] & 1) /* a multicast sender cannot be answered */
        return;
    uint8_t *t = n->tx, *r = t + ETH_HLEN;
    memcpy(t, a + 8, 6);
    memcpy(t + 6, n->mac, 6);
    put16(t + 12, ETH_ARP);
    put16(r, 1);
    put16(r + 2, ETH_IPV4);
    r[4] = 6;
    r[5] = 4;
    put16(r + 6, 2);
    memcpy(r + 8, n->mac, 6);
    memcpy(r + 14, n->ip, 4);
    memcpy(r + 18, a + 8, 10); /* target: the requester's MAC and address */
    n->arps++;
    send_frame(n, ETH_HLEN + ARP_LEN);
}

/* An ICMP echo request to our address: reply with the same id, sequence, data. */
static void ipv4(struct nic *n, const uint8_t *f, size_t len)
{
    const uint8_t *ip = f + ETH_HLEN;
    if (len < ETH_HLEN + IP_HLEN || ip[0] >> 4 != 4)
        return;
    size_t hlen = (size_t)(ip[0] & 15) * 4, total = get16(ip + 2);
    /* The frame may carry Ethernet padding after the datagram, never less. */
    if (hlen < IP_HLEN || total < hlen || total > len - ETH_HLEN ||
        checksum(ip, hlen) != 0)
        return;
    if ((get16(ip + 6) & 0x3fff) != 0) /* a fragment: not reassembled here */
        return;
    if (ip[9] != IP_ICMP || memcmp(ip + 16, n->ip, 4) != 0)
        return;
    if (ip[12] >= 224 || memcmp(ip + 12, "\0\0\0\0", 4) == 0) /* no reply to those */
        return;
    const uint8_t *icmp = ip + hlen;
    size_t ilen = total - hlen;
    if (ilen < ICMP_HLEN || icmp[0] != ICMP_ECHO || icmp[1] != 0 ||
        checksum(icmp, ilen) != 0)
        return;

    /* The reply: no IP options, so it is never longer than the request. */
    uint8_t *t = n->tx, *rip = t + ETH_HLEN, *ricmp = rip + IP_HLEN;
    memcpy(t, f + 6, 6);
    memcpy(t + 6, n->mac, 6);
    put16(t + 12, ETH_IPV4);
    rip[0] = 0x45;
    rip[1] = ip[1];
    put16(rip + 2, (uint16_t)(IP_HLEN + ilen));
    memcpy(rip + 4, ip + 4, 2); /* identification */
    put16(rip + 6, 0x4000);     /* don't fragment */
    rip[8] = 64;
    rip[9] = IP_ICMP;
    put16(rip + 10, 0);
    memcpy(rip + 12, n->ip, 4);
    memcpy(rip + 16, ip + 12, 4);
    put16(rip + 10, checksum(rip, IP_HLEN));
    memcpy(ricmp, icmp, ilen);
    ricmp[0] = ICMP_ECHO_REPLY;
    put16(ricmp + 2, 0);
    put16(ricmp + 2, checksum(ricmp, ilen));
    n->echoes++;
    send_frame(n, ETH_HLEN + IP_HLEN + ilen);
}

static void frame(struct nic *n, const uint8_t *f, size_t len)
{
    static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    if (len < ETH_HLEN)
        return;
    if (memcmp(f, n->mac, 6) != 0 && memcmp(f, broadcast, 6) != 0)
        return;
    if (f[6] & 1) /* a multicast source is bogus */
        return;
    switch (get16(f + 12)) {
    case ETH_ARP:
        arp(n, f, len);
        break;
    case ETH_IPV4:
        ipv4(n, f, len);
        break;
    }
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--ipv4=", 7) == 0) {
            int h = only_nic();
            if (h < 0) {
                fprintf(stderr, "ping: --ipv4= needs exactly one NIC; name it: "
                                "--ipv4:NAME=ADDR/PREFIX\n");
                return 2;
            }
            if (add_nic(h, "NIC", a + 7) < 0)
                return 2;
        } else if (strncmp(a, "--ipv4:", 7) == 0 && strchr(a, '=') != NULL) {
            char *name = strdup(a + 7);
            if (name == NULL)
                return 2;
            char *addr = strchr(name, '=');
            *addr++ = '\0';
            int h = uhvt_device_find(name, UHVT_DEV_NET);
            if (h < 0) {
                fprintf(stderr, "ping: no NIC named '%s'\n", name);
                return 2;
            }
            if (add_nic(h, name, addr) < 0)
                return 2;
        } else {
            fprintf(stderr, "usage: ping.hvt --ipv4=ADDR/PREFIX | "
                            "--ipv4:NAME=ADDR/PREFIX...\n");
            return 2;
        }
    }
    if (nnics == 0) {
        fprintf(stderr, "usage: ping.hvt --ipv4=ADDR/PREFIX | "
                        "--ipv4:NAME=ADDR/PREFIX...\n");
        return 2;
    }
    printf("ping: ready\n");
    fflush(stdout);

    for (;;) {
        uint64_t ready;
        if (uhvt_poll(uhvt_clock_monotonic() + 60000000000ULL, &ready) < 0)
            continue;
        for (int i = 0; i < nnics; i++) {
            struct nic *n = &nics[i];
            if (!(ready & 1ULL << n->handle))
                continue;
            for (;;) {
                long len = uhvt_net_read(n->handle, n->rx, n->mtu + ETH_HLEN);
                if (len == -UHVT_EINVAL) { /* too long for the MTU: gone */
                    n->dropped++;
                    continue;
                }
                if (len < 0)
                    break;
                frame(n, n->rx, (size_t)len);
            }
        }
    }
}
