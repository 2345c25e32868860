/* net_pinger.c: resolve and ping other hosts from net0: OWN_IP TARGET...; 0 when all replied. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <uhvt.h>

#include "wire.h"

static int h;
static uint8_t mac[6], me[4];
static uint8_t rx[65536], tx[128];

static void send_arp(const uint8_t ip[4])
{
    memset(tx, 0xff, 6);
    memcpy(tx + 6, mac, 6);
    put16(tx + 12, 0x0806);
    uint8_t *a = tx + 14;
    put16(a, 1);
    put16(a + 2, 0x0800);
    a[4] = 6, a[5] = 4;
    put16(a + 6, 1);
    memcpy(a + 8, mac, 6);
    memcpy(a + 14, me, 4);
    memset(a + 18, 0, 6);
    memcpy(a + 24, ip, 4);
    uhvt_net_write(h, tx, 42);
}

static void send_echo(const uint8_t dst_mac[6], const uint8_t ip[4], unsigned seq)
{
    memcpy(tx, dst_mac, 6);
    memcpy(tx + 6, mac, 6);
    put16(tx + 12, 0x0800);
    uint8_t *p = tx + 14, *icmp = p + 20;
    memset(p, 0, 20);
    p[0] = 0x45;
    put16(p + 2, 20 + 8 + 32);
    put16(p + 4, seq);
    p[8] = 64;
    p[9] = 1;
    memcpy(p + 12, me, 4);
    memcpy(p + 16, ip, 4);
    put16(p + 10, checksum(p, 20));
    icmp[0] = 8, icmp[1] = 0;
    put16(icmp + 2, 0);
    put16(icmp + 4, 0x7568); /* id */
    put16(icmp + 6, seq);
    for (int i = 0; i < 32; i++)
        icmp[8 + i] = (uint8_t)i;
    put16(icmp + 2, checksum(icmp, 40));
    uhvt_net_write(h, tx, 14 + 20 + 40);
}

/* Wait up to 1 s for an ARP reply from ip (fills peer) or an echo reply (seq). */
static int wait_for(const uint8_t ip[4], uint8_t peer[6], unsigned seq)
{
    uint64_t deadline = uhvt_clock_monotonic() + 1000000000ULL;
    while (uhvt_clock_monotonic() < deadline) {
        uhvt_poll(deadline, NULL);
        long n;
        while ((n = uhvt_net_read(h, rx, sizeof(rx))) > 0) {
            if (n < 14 || memcmp(rx, mac, 6) != 0)
                continue;
            const uint8_t *a = rx + 14;
            if (!seq && get16(rx + 12) == 0x0806 && n >= 42 && get16(a + 6) == 2 &&
                memcmp(a + 14, ip, 4) == 0) {
                memcpy(peer, a + 8, 6);
                return 0;
            }
            if (seq && get16(rx + 12) == 0x0800 && n >= 14 + 20 + 8 && a[0] == 0x45 &&
                a[9] == 1 && memcmp(a + 12, ip, 4) == 0 && a[20] == 0 &&
                get16(a + 24) == 0x7568 && get16(a + 26) == seq &&
                checksum(a, 20) == 0)
                return 0;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    uint32_t mtu;
    h = uhvt_device_find("net0", UHVT_DEV_NET);
    if (argc < 3 || h < 0 || uhvt_net_info(h, mac, &mtu) < 0 || parse_ip(argv[1], me) < 0) {
        printf("usage: net_pinger OWN_IP TARGET...\n");
        return 2;
    }
    for (int t = 2; t < argc; t++) {
        uint8_t ip[4], peer[6];
        if (parse_ip(argv[t], ip) < 0)
            return 2;
        int tries = 0;
        do
            send_arp(ip);
        while (wait_for(ip, peer, 0) < 0 && ++tries < 10);
        if (tries == 10) {
            printf("no ARP reply from %s\n", argv[t]);
            return 1;
        }
        unsigned seq = (unsigned)t;
        tries = 0;
        do
            send_echo(peer, ip, seq);
        while (wait_for(ip, peer, seq) < 0 && ++tries < 10);
        if (tries == 10) {
            printf("no echo reply from %s\n", argv[t]);
            return 1;
        }
        printf("reply from %s (%02x:%02x:%02x:%02x:%02x:%02x)\n", argv[t], peer[0],
               peer[1], peer[2], peer[3], peer[4], peer[5]);
    }
    return 0;
}
