/* framejunk.c: a test tool: throw malformed Ethernet/IPv4/TCP/UDP frames at a guest through a tap (AF_PACKET). */
/*
 * usage: framejunk IFACE DST_MAC DST_IP N
 * Sends N frames to DST_MAC on IFACE, from a made-up source, each of one
 * kind in turn: random bytes; IPv4 headers with a bad version, IHL below 5
 * or beyond the frame, total length above or below the frame, a bad
 * checksum; fragments (first, middle, overlapping, oversized reassembly);
 * TCP with a data offset below 5 or beyond the segment, every flag
 * combination, options of bad lengths; UDP with lengths that lie; ARP with
 * odd sizes.  Deterministic (a fixed xorshift seed).  Exits 0 once sent.
 * Needs root (a raw packet socket).
 */
#include <arpa/inet.h>
#include <err.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_packet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint32_t seed = 0x9e3779b9u;

static uint32_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return seed;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* An IPv4 header at p for `proto` and `len` bytes in all, checksum right. */
static void ip4(uint8_t *p, uint8_t proto, size_t len, uint32_t dst)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
    p[4] = (uint8_t)rnd();
    p[8] = 64;
    p[9] = proto;
    uint32_t src = htonl(0x0a4e02fe); /* 10.78.2.254 */
    memcpy(p + 12, &src, 4);
    memcpy(p + 16, &dst, 4);
    uint16_t c = csum(p, 20);
    p[10] = (uint8_t)(c >> 8);
    p[11] = (uint8_t)c;
}

int main(int argc, char **argv)
{
    uint8_t mac[6], f[1514];
    struct in_addr dst;

    if (argc != 5 ||
        sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
               &mac[3], &mac[4], &mac[5]) != 6 ||
        inet_pton(AF_INET, argv[3], &dst) != 1) {
        fprintf(stderr, "usage: framejunk IFACE DST_MAC DST_IP N\n");
        return 2;
    }
    int s = socket(AF_PACKET, SOCK_RAW, htons(0x0800));
    if (s < 0)
        err(1, "socket");
    struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_halen = 6,
                              .sll_ifindex = (int)if_nametoindex(argv[1]) };
    if (to.sll_ifindex == 0)
        errx(1, "no interface %s", argv[1]);
    memcpy(to.sll_addr, mac, 6);
    long n = atol(argv[4]);
    for (long i = 0; i < n; i++) {
        size_t len = 14 + rnd() % 1500;
        for (size_t k = 0; k < sizeof f; k++)
            f[k] = (uint8_t)rnd();
        memcpy(f, mac, 6);
        memcpy(f + 6, "\x02\x00\x00\x00\xee\x01", 6);
        f[12] = 0x08;
        f[13] = 0x00;
        uint8_t *ip = f + 14, *l4 = ip + 20;
        size_t iplen = len - 14;
        switch (i % 12) {
        case 0: /* random bytes after a random EtherType */
            f[12] = (uint8_t)rnd();
            f[13] = (uint8_t)rnd();
            break;
        case 1: /* random bytes as IPv4 */
            break;
        case 2: /* IHL below 5 or past the frame, bad version */
            if (iplen < 20)
                break;
            ip4(ip, 6, iplen, dst.s_addr);
            ip[0] = (uint8_t)((rnd() % 2 ? 0x40 : 0x60) | (rnd() % 2 ? rnd() % 5 : 15));
            break;
        case 3: /* total length larger or smaller than the frame */
            if (iplen < 20)
                break;
            ip4(ip, 17, rnd() % 2 ? iplen + 1 + rnd() % 4000 : 20 + rnd() % 8, dst.s_addr);
            break;
        case 4: /* a bad header checksum */
            if (iplen < 20)
                break;
            ip4(ip, 6, iplen, dst.s_addr);
            ip[10] ^= 0x5a;
            break;
        case 5: /* fragments: offsets and more-fragments at random */
        case 6:
            if (iplen < 28)
                break;
            ip4(ip, (uint8_t)(rnd() % 2 ? 17 : 6), iplen, dst.s_addr);
            ip[4] = 0x77;
            ip[5] = 0x77; /* one datagram id, so pieces pile up */
            ip[6] = (uint8_t)((rnd() % 2 ? 0x20 : 0) | (rnd() & 0x1f));
            ip[7] = (uint8_t)rnd();
            ip[10] = ip[11] = 0;
            {
                uint16_t c = csum(ip, 20);
                ip[10] = (uint8_t)(c >> 8);
                ip[11] = (uint8_t)c;
            }
            break;
        case 7: /* TCP with a data offset below 5 or past the segment */
        case 8: /* TCP to port 80 with random flags and options */
            if (iplen < 40)
                break;
            ip4(ip, 6, iplen, dst.s_addr);
            l4[2] = 0;
            l4[3] = 80;
            l4[12] = (uint8_t)((i % 12 == 7 ? rnd() % 5 : 5 + rnd() % 11) << 4);
            l4[13] = (uint8_t)rnd(); /* flags */
            break;
        case 9: /* UDP whose length lies */
        case 10:
            if (iplen < 28)
                break;
            ip4(ip, 17, iplen, dst.s_addr);
            l4[4] = (uint8_t)rnd();
            l4[5] = (uint8_t)rnd();
            l4[6] = l4[7] = 0; /* no checksum: the length alone decides */
            break;
        case 11: /* ICMP of every type, truncated or not */
            if (iplen < 28)
                break;
            ip4(ip, 1, iplen, dst.s_addr);
            break;
        }
        if (sendto(s, f, len, 0, (struct sockaddr *)&to, sizeof to) < 0)
            err(1, "sendto");
        if (i % 64 == 63)
            usleep(1000); /* let the guest keep up a little */
    }
    printf("framejunk: %ld frames sent\n", n);
    return 0;
}
