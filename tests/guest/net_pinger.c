/* net_pinger.c: resolve and ping other hosts from net0: OWN_IP TARGET...; 0 when all replied. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <uhvt.h>

#include "wire.h"

static int h;
static uint8_t mac[6], me[4];
static uint8_t rx[65536], tx[128];

#define ECHO_ID 0x7568

static void send_arp(const uint8_t ip[4])
{
    uhvt_net_write(h, tx, arp_request(tx, mac, me, ip));
}

static void send_echo(const uint8_t dst_mac[6], const uint8_t ip[4], unsigned seq)
{
    uhvt_net_write(h, tx, echo_request(tx, mac, me, dst_mac, ip, ECHO_ID, seq));
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
                get16(a + 24) == ECHO_ID && get16(a + 26) == seq &&
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
