/* net_batch.c: batched frames (NET_WRITEV, NET_READV): bad requests, a batched ARP/ping responder, a burst pinger. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uhvt.h>

#include "wire.h"

/*
 * Modes: "hostile" (every well-formed bad request gets its code),
 * "badarray" and "badbuf" (end the guest: 123), "echo IP" (answers ARP and
 * ICMP echo for IP, reading and writing up to UHVT_BATCH_MAX frames per
 * call, until killed), "burst OWN_IP HOST_IP K" (K echo requests to the
 * host in one NET_WRITEV; 0 when all K replies came back).
 */
#define B UHVT_BATCH_MAX
#define ECHO_ID 0x7562 /* the burst's echo requests */
static int h;
static uint8_t mac[6], me[4];
static uint32_t mtu;
static uint8_t *rx, *tx; /* B buffers of 2048 bytes each */
static struct uhvt_net_frame rf[B], tf[B];

/* Post every rx buffer for a NET_READV. */
static int read_batch(void)
{
    for (unsigned i = 0; i < B; i++)
        rf[i] = (struct uhvt_net_frame){.data = (uintptr_t)(rx + i * 2048), .len = 2048};
    return uhvt_net_readv(h, rf, B);
}

/* The reply to one frame into `out`, or 0 if it needs none. */
static size_t answer(const uint8_t *in, size_t n, uint8_t *out)
{
    if (n < 42)
        return 0;
    const uint8_t *a = in + 14;
    if (get16(in + 12) == 0x0806 && get16(a + 6) == 1 && memcmp(a + 24, me, 4) == 0) {
        memcpy(out, in + 6, 6);
        memcpy(out + 6, mac, 6);
        put16(out + 12, 0x0806);
        uint8_t *r = out + 14;
        memcpy(r, a, 6);
        put16(r + 6, 2);
        memcpy(r + 8, mac, 6);
        memcpy(r + 14, me, 4);
        memcpy(r + 18, a + 8, 10);
        return 42;
    }
    size_t ihl = (size_t)(a[0] & 15) * 4;
    if (get16(in + 12) != 0x0800 || (a[0] >> 4) != 4 || ihl < 20 || a[9] != 1 ||
        memcmp(a + 16, me, 4) != 0 || memcmp(in, mac, 6) != 0)
        return 0;
    size_t len = get16(a + 2);
    if (len > n - 14 || len < ihl + 8 || a[ihl] != 8)
        return 0;
    memcpy(out, in + 6, 6);
    memcpy(out + 6, mac, 6);
    memcpy(out + 12, in + 12, 2 + len);
    uint8_t *p = out + 14;
    memcpy(p + 12, a + 16, 4);
    memcpy(p + 16, a + 12, 4);
    p[8] = 64;
    put16(p + 10, 0);
    put16(p + 10, checksum(p, ihl));
    p[ihl] = 0;
    put16(p + ihl + 2, 0);
    put16(p + ihl + 2, checksum(p + ihl, len - ihl));
    return 14 + len;
}

static int echo(void)
{
    printf("net_batch echo ready\n");
    fflush(stdout);
    for (;;) {
        uhvt_poll(uhvt_clock_monotonic() + 60000000000ULL, NULL);
        int n;
        while ((n = read_batch()) > 0) {
            unsigned k = 0;
            for (unsigned i = 0; i < B; i++) {
                if (rf[i].ret != UHVT_OK)
                    continue;
                size_t len = answer(rx + i * 2048, rf[i].len, tx + k * 2048);
                if (len) {
                    tf[k] = (struct uhvt_net_frame){.data = (uintptr_t)(tx + k * 2048),
                                                    .len = (uint32_t)len};
                    k++;
                }
            }
            if (k > 0)
                uhvt_net_writev(h, tf, k);
        }
    }
}

static int burst(const uint8_t host[4], unsigned k)
{
    /* Resolve the host (ARP through the batched calls too). */
    uint8_t peer[6];
    int found = 0;
    for (int tries = 0; tries < 10 && !found; tries++) {
        tf[0] = (struct uhvt_net_frame){.data = (uintptr_t)tx,
                                        .len = (uint32_t)arp_request(tx, mac, me, host)};
        if (uhvt_net_writev(h, tf, 1) != 1)
            return 1;
        uint64_t deadline = uhvt_clock_monotonic() + 1000000000ULL;
        while (!found && uhvt_clock_monotonic() < deadline) {
            uhvt_poll(deadline, NULL);
            if (read_batch() <= 0)
                continue;
            for (unsigned i = 0; i < B; i++) {
                const uint8_t *f = rx + i * 2048, *r = f + 14;
                if (rf[i].ret == UHVT_OK && rf[i].len >= 42 && get16(f + 12) == 0x0806 &&
                    get16(r + 6) == 2 && memcmp(r + 14, host, 4) == 0) {
                    memcpy(peer, r + 8, 6);
                    found = 1;
                }
            }
        }
    }
    if (!found) {
        puts("no ARP reply from the host");
        return 1;
    }
    for (unsigned i = 0; i < k; i++) {
        size_t len = echo_request(tx + i * 2048, mac, me, peer, host, ECHO_ID, i + 1);
        tf[i] = (struct uhvt_net_frame){.data = (uintptr_t)(tx + i * 2048), .len = (uint32_t)len};
    }
    int sent = uhvt_net_writev(h, tf, k);
    if (sent != (int)k) {
        printf("sent %d of %u\n", sent, k);
        return 1;
    }
    uint64_t seen = 0, want = k == 64 ? ~0ULL : (1ULL << k) - 1;
    uint64_t deadline = uhvt_clock_monotonic() + 10000000000ULL;
    while (seen != want && uhvt_clock_monotonic() < deadline) {
        uhvt_poll(deadline, NULL);
        if (read_batch() <= 0)
            continue;
        for (unsigned i = 0; i < B; i++) {
            const uint8_t *f = rx + i * 2048, *p = f + 14;
            if (rf[i].ret == UHVT_OK && rf[i].len >= 14 + 28 && get16(f + 12) == 0x0800 &&
                p[9] == 1 && p[20] == 0 && get16(p + 24) == ECHO_ID &&
                get16(p + 26) >= 1 && get16(p + 26) <= k)
                seen |= 1ULL << (get16(p + 26) - 1);
        }
    }
    printf("burst: %d replies of %u\n", __builtin_popcountll(seen), k);
    return seen == want ? 0 : 1;
}

static int failures;
#define EXPECT(call, want)                                                        \
    do {                                                                          \
        long got_ = (call);                                                       \
        if (got_ != (long)(want)) {                                               \
            printf("FAIL line %d: %s = %ld, want %ld\n", __LINE__, #call, got_,   \
                   (long)(want));                                                 \
            failures++;                                                           \
        }                                                                         \
    } while (0)

static int hostile(void)
{
    /* Broadcast, an unused EtherType: harmless on any segment. */
    memset(tx, 0xff, 6);
    memcpy(tx + 6, mac, 6);
    put16(tx + 12, 0x88b5);
    uint32_t lens[] = {mtu + 15, 0, 13, 14, mtu + 14, 60};
    int32_t want[] = {UHVT_EINVAL, UHVT_EINVAL, UHVT_EINVAL, UHVT_OK, UHVT_OK, UHVT_OK};
    for (unsigned i = 0; i < 6; i++)
        tf[i] = (struct uhvt_net_frame){.data = (uintptr_t)tx, .len = lens[i], .ret = 99};
    EXPECT(uhvt_net_writev(h, tf, 6), 3);
    for (unsigned i = 0; i < 6; i++)
        EXPECT(tf[i].ret, want[i]);
    EXPECT(uhvt_net_writev(h, tf, 0), -UHVT_EINVAL);
    EXPECT(uhvt_net_writev(h, tf, B + 1), -UHVT_EINVAL);
    EXPECT(uhvt_net_readv(h, rf, 0), -UHVT_EINVAL);
    EXPECT(uhvt_net_readv(h, rf, B + 1), -UHVT_EINVAL);
    int bad[] = {h + 1, UHVT_MANIFEST_MAX - 1, UHVT_MANIFEST_MAX, 1000, -1};
    for (unsigned i = 0; i < 5; i++) {
        EXPECT(uhvt_net_writev(bad[i], tf, 1), -UHVT_ENODEV);
        EXPECT(uhvt_net_readv(bad[i], rf, 1), -UHVT_ENODEV);
    }
    /* A zero-length buffer is refused by itself; the rest still read. */
    rf[0] = (struct uhvt_net_frame){.data = (uintptr_t)rx, .len = 0};
    rf[1] = (struct uhvt_net_frame){.data = (uintptr_t)rx, .len = 2048};
    int n = uhvt_net_readv(h, rf, 2);
    EXPECT(rf[0].ret, UHVT_EINVAL);
    EXPECT(n >= 0, 1);
    if (failures)
        return 1;
    printf("batch hostile ok: mtu %u\n", (unsigned)mtu);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    h = uhvt_device_find("net0", UHVT_DEV_NET);
    rx = malloc(B * 2048);
    tx = malloc(B * 2048);
    if (h < 0 || rx == NULL || tx == NULL || uhvt_net_info(h, mac, &mtu) < 0) {
        puts("no net0");
        return 1;
    }
    uintptr_t end = (uintptr_t)uhvt_boot_info()->mem_size;
    if (strcmp(mode, "hostile") == 0)
        return hostile();
    if (strcmp(mode, "badarray") == 0) {
        puts("writev with an array that leaves memory");
        fflush(stdout);
        uhvt_net_writev(h, (struct uhvt_net_frame *)(end - 16), 2);
        puts("still running");
        return 1;
    }
    if (strcmp(mode, "badbuf") == 0) {
        tf[0] = (struct uhvt_net_frame){.data = (uintptr_t)tx, .len = 60};
        tf[1] = (struct uhvt_net_frame){.data = end - 10, .len = 60};
        puts("readv into a buffer that leaves memory");
        fflush(stdout);
        uhvt_net_readv(h, tf, 2);
        puts("still running");
        return 1;
    }
    if (strcmp(mode, "echo") == 0 && argc == 3 && parse_ip(argv[2], me) == 0)
        return echo();
    uint8_t host[4];
    if (strcmp(mode, "burst") == 0 && argc == 5 && parse_ip(argv[2], me) == 0 &&
        parse_ip(argv[3], host) == 0 && atoi(argv[4]) >= 1 && atoi(argv[4]) <= (int)B)
        return burst(host, (unsigned)atoi(argv[4]));
    puts("usage: net_batch hostile|badarray|badbuf|echo IP|burst OWN_IP HOST_IP K");
    return 2;
}
