/* net.c: UDP packets per second from the guest, raw frames, one per hypercall or batched, as JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uhvt.h>

#include "wire.h"
#include <x86intrin.h>

/*
 * tx OWN_IP HOST_IP N: resolve the host, then send N UDP frames to
 * HOST_IP:9001 one NET_WRITE each, and N to port 9002 in NET_WRITEVs of
 * UHVT_BATCH_MAX; prints the guest's sending rate of each (bench/udp sink
 * counts what arrived).  rx single|batched N: count UDP frames to port 9003
 * (from bench/udp flood) until N came or none for 2 s; prints the rate from
 * the first frame to the last.
 */
#define B UHVT_BATCH_MAX
#define PAYLOAD 64
#define FRAME (14 + 20 + 8 + PAYLOAD)
static int h;
static uint8_t mac[6], me[4], host[4], peer[6];
static uint8_t *frames; /* B frames of 2048 bytes */
static struct uhvt_net_frame f[B];
static double tsc_hz;

static double secs(uint64_t t0) { return (double)(__rdtsc() - t0) / tsc_hz; }
static int resolve(void)
{
    static uint8_t t[WIRE_ARP_LEN], r[2048];
    arp_request(t, mac, me, host);
    for (int tries = 0; tries < 10; tries++) {
        uhvt_net_write(h, t, sizeof(t));
        uint64_t deadline = uhvt_clock_monotonic() + 1000000000ULL;
        while (uhvt_clock_monotonic() < deadline) {
            uhvt_poll(deadline, NULL);
            long n;
            while ((n = uhvt_net_read(h, r, sizeof(r))) > 0)
                if (n >= 42 && get16(r + 12) == 0x0806 && get16(r + 20) == 2 &&
                    memcmp(r + 28, host, 4) == 0) {
                    memcpy(peer, r + 22, 6);
                    return 0;
                }
        }
    }
    return -1;
}

static void udp_frame(uint8_t *t, unsigned port, unsigned seq)
{
    eth_header(t, peer, mac, 0x0800);
    ipv4_header(t + 14, 17, 20 + 8 + PAYLOAD, seq, me, host);
    uint8_t *u = t + 14 + 20;
    put16(u, 40000);
    put16(u + 2, port);
    put16(u + 4, 8 + PAYLOAD);
    put16(u + 6, 0); /* no UDP checksum: allowed over IPv4 */
    memset(u + 8, 'u', PAYLOAD);
}

static int tx(long n)
{
    if (resolve() < 0) {
        printf("{\"name\": \"net_udp_tx_guest\", \"error\": \"no ARP reply\"}\n");
        return 1;
    }
    for (unsigned i = 0; i < B; i++)
        udp_frame(frames + i * 2048, 9001, i);
    long bad = 0;
    uint64_t t0 = __rdtsc();
    for (long i = 0; i < n; i++)
        bad += uhvt_net_write(h, frames + (i % B) * 2048, FRAME) != FRAME;
    double single = (double)n / secs(t0);
    for (unsigned i = 0; i < B; i++) {
        udp_frame(frames + i * 2048, 9002, i);
        f[i] = (struct uhvt_net_frame){.data = (uintptr_t)(frames + i * 2048), .len = FRAME};
    }
    /* Let the sink drain the first burst before the second. */
    uint64_t wait = uhvt_clock_monotonic() + 500000000ULL;
    while (uhvt_clock_monotonic() < wait)
        uhvt_poll(wait, NULL);
    t0 = __rdtsc();
    for (long i = 0; i < n; i += B) {
        unsigned k = n - i < B ? (unsigned)(n - i) : B;
        int sent = uhvt_net_writev(h, f, k);
        bad += sent < 0 ? k : k - (unsigned)sent;
    }
    double batched = (double)n / secs(t0);
    printf("{\"name\": \"net_udp_tx_guest\", \"frames\": %ld, \"frame_bytes\": %d, "
           "\"single_pps_offered\": %.0f, \"batched_pps_offered\": %.0f, \"refused\": %ld}\n",
           n, FRAME, single, batched, bad);
    return 0;
}

/* Is frame p (len n) one of bench/udp flood's, to us on port 9003? */
static int ours(const uint8_t *p, long n)
{
    return n >= 14 + 28 && get16(p + 12) == 0x0800 && p[14 + 9] == 17 &&
           memcmp(p + 14 + 16, me, 4) == 0 && get16(p + 14 + 22) == 9003;
}

static int rx(int batch, long n)
{
    printf("net bench rx ready\n");
    fflush(stdout);
    long got = 0;
    uint64_t first = 0, last = 0;
    uint64_t deadline = uhvt_clock_monotonic() + 60000000000ULL;
    while (got < n && uhvt_clock_monotonic() < deadline) {
        uint64_t ready = 0;
        uhvt_poll(uhvt_clock_monotonic() + (got ? 2000000000ULL : 60000000000ULL), &ready);
        if (ready == 0 && got > 0)
            break; /* 2 s without a frame: the flood is over */
        for (;;) {
            int k = 0;
            if (batch) {
                for (unsigned i = 0; i < B; i++)
                    f[i] = (struct uhvt_net_frame){.data = (uintptr_t)(frames + i * 2048),
                                                   .len = 2048};
                if (uhvt_net_readv(h, f, B) <= 0)
                    break;
                for (unsigned i = 0; i < B; i++)
                    k += f[i].ret == UHVT_OK && ours(frames + i * 2048, f[i].len);
            } else {
                long len = uhvt_net_read(h, frames, 2048);
                if (len < 0)
                    break;
                k = ours(frames, len);
            }
            if (k > 0) {
                last = __rdtsc();
                if (got == 0)
                    first = last;
                got += k;
            }
        }
    }
    double s = (double)(last - first) / tsc_hz;
    printf("{\"name\": \"net_udp_rx_%s\", \"flooded\": %ld, \"received\": %ld, \"pps\": %.0f}\n",
           batch ? "batched" : "single", n, got, got > 1 && s > 0 ? (double)(got - 1) / s : 0.0);
    return 0;
}

int main(int argc, char **argv)
{
    tsc_hz = (double)uhvt_boot_info()->tsc_freq;
    h = uhvt_device_find("net0", UHVT_DEV_NET);
    uint32_t mtu;
    frames = malloc(B * 2048);
    if (h < 0 || frames == NULL || uhvt_net_info(h, mac, &mtu) < 0)
        return 2;
    if (argc == 5 && strcmp(argv[1], "tx") == 0 && parse_ip(argv[2], me) == 0 &&
        parse_ip(argv[3], host) == 0)
        return tx(atol(argv[4]));
    if (argc == 5 && strcmp(argv[1], "rx") == 0 && parse_ip(argv[3], me) == 0)
        return rx(strcmp(argv[2], "batched") == 0, atol(argv[4]));
    printf("usage: net tx OWN_IP HOST_IP N | rx single|batched OWN_IP N\n");
    return 2;
}
