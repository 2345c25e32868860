/* wire.h: byte order, checksum, addresses and ARP/ICMP frame builders shared by the raw-frame test and bench guests. */
#ifndef TESTS_GUEST_WIRE_H
#define TESTS_GUEST_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* The Internet checksum (RFC 1071) of len bytes. */
static inline uint16_t checksum(const uint8_t *p, size_t len)
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

/* "A.B.C.D" exactly into ip; 0, or -1 if it is not one. */
static inline int parse_ip(const char *s, uint8_t ip[4])
{
    unsigned a, b, c, d;
    char end;
    if (sscanf(s, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &end) != 4 || a > 255 ||
        b > 255 || c > 255 || d > 255)
        return -1;
    ip[0] = (uint8_t)a, ip[1] = (uint8_t)b, ip[2] = (uint8_t)c, ip[3] = (uint8_t)d;
    return 0;
}

#define WIRE_ARP_LEN 42           /* an Ethernet frame holding an ARP packet */
#define WIRE_ECHO_LEN (14 + 20 + 8 + 32) /* echo_request's frame */

/* An Ethernet header at t: to dst, from src, of EtherType type. */
static inline void eth_header(uint8_t *t, const uint8_t dst[6], const uint8_t src[6],
                              unsigned type)
{
    memcpy(t, dst, 6);
    memcpy(t + 6, src, 6);
    put16(t + 12, type);
}

/*
 * A 20-byte IPv4 header at p, checksum included: protocol proto, total
 * length len (this header and what follows), identification id, TTL 64,
 * no options, not fragmented.
 */
static inline void ipv4_header(uint8_t *p, unsigned proto, unsigned len, unsigned id,
                               const uint8_t src[4], const uint8_t dst[4])
{
    memset(p, 0, 20);
    p[0] = 0x45;
    put16(p + 2, len);
    put16(p + 4, id);
    p[8] = 64;
    p[9] = (uint8_t)proto;
    memcpy(p + 12, src, 4);
    memcpy(p + 16, dst, 4);
    put16(p + 10, checksum(p, 20));
}

/* A broadcast ARP request at t, "who has target? tell ip at mac"; its
 * length, WIRE_ARP_LEN. */
static inline size_t arp_request(uint8_t *t, const uint8_t mac[6], const uint8_t ip[4],
                                 const uint8_t target[4])
{
    static const uint8_t all[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    eth_header(t, all, mac, 0x0806);
    uint8_t *a = t + 14;
    put16(a, 1);          /* Ethernet */
    put16(a + 2, 0x0800); /* IPv4 */
    a[4] = 6, a[5] = 4;
    put16(a + 6, 1); /* request */
    memcpy(a + 8, mac, 6);
    memcpy(a + 14, ip, 4);
    memset(a + 18, 0, 6);
    memcpy(a + 24, target, 4);
    return WIRE_ARP_LEN;
}

/*
 * An ICMP echo request at t from (mac, ip) to (dst_mac, dst): identifier
 * id, sequence number seq (also the IPv4 identification), 32 bytes of
 * payload 0, 1, ... 31; its length, WIRE_ECHO_LEN.
 */
static inline size_t echo_request(uint8_t *t, const uint8_t mac[6], const uint8_t ip[4],
                                  const uint8_t dst_mac[6], const uint8_t dst[4],
                                  unsigned id, unsigned seq)
{
    eth_header(t, dst_mac, mac, 0x0800);
    ipv4_header(t + 14, 1, 20 + 8 + 32, seq, ip, dst);
    uint8_t *icmp = t + 14 + 20;
    memset(icmp, 0, 8);
    icmp[0] = 8; /* echo request, code 0 */
    put16(icmp + 4, id);
    put16(icmp + 6, seq);
    for (int i = 0; i < 32; i++)
        icmp[8 + i] = (uint8_t)i;
    put16(icmp + 2, checksum(icmp, 8 + 32));
    return WIRE_ECHO_LEN;
}

#endif
