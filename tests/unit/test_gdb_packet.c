/* test_gdb_packet.c: the gdb protocol's framing, escapes, checksums and fields, from untrusted bytes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "gdb_packet.h"

/* Feed a string; the last event. */
static enum gdb_packet_event feed(struct gdb_packet *p, const char *s, size_t n)
{
    enum gdb_packet_event ev = GDB_EV_NONE;
    for (size_t i = 0; i < n; i++) {
        enum gdb_packet_event e = gdb_packet_feed(p, (uint8_t)s[i]);
        if (e != GDB_EV_NONE)
            ev = e;
    }
    return ev;
}
#define FEED(p, s) feed(p, s, sizeof(s) - 1)

Test(gdb_packet, whole_packet)
{
    struct gdb_packet p;
    gdb_packet_init(&p);
    cr_assert_eq(FEED(&p, "+$m104000,4#c4"), GDB_EV_BAD); /* wrong sum */
    cr_assert_eq(FEED(&p, "+$g#67"), GDB_EV_PACKET);
    cr_assert_str_eq(p.buf, "g");
    cr_assert_eq(FEED(&p, "$m104000,4#f2"), GDB_EV_PACKET);
    cr_assert_str_eq(p.buf, "m104000,4");
}

Test(gdb_packet, bad_checksum_refused)
{
    struct gdb_packet p;
    gdb_packet_init(&p);
    cr_assert_eq(FEED(&p, "$g#68"), GDB_EV_BAD);
    cr_assert_eq(FEED(&p, "$g#zz"), GDB_EV_BAD);
    /* Parsing goes on after a bad one. */
    cr_assert_eq(FEED(&p, "$g#67"), GDB_EV_PACKET);
}

Test(gdb_packet, interrupt_only_between_packets)
{
    struct gdb_packet p;
    gdb_packet_init(&p);
    cr_assert_eq(FEED(&p, "\x03"), GDB_EV_INTERRUPT);
    cr_assert_eq(FEED(&p, "$X0,1:\x03#22"), GDB_EV_PACKET);
    cr_assert_eq(p.len, 6);
    cr_assert_eq(p.buf[5], 0x03);
}

Test(gdb_packet, escapes_undone_and_framed)
{
    char framed[64];
    const char data[] = "a$b#c}d*";
    size_t n = gdb_packet_frame(data, 8, framed, sizeof(framed));
    cr_assert_gt(n, 0);
    struct gdb_packet p;
    gdb_packet_init(&p);
    cr_assert_eq(feed(&p, framed, n), GDB_EV_PACKET);
    cr_assert_eq(p.len, 8);
    cr_assert_eq(memcmp(p.buf, data, 8), 0);
    /* No room: nothing, never a cut packet. */
    cr_assert_eq(gdb_packet_frame(data, 8, framed, 10), 0);
}

Test(gdb_packet, overflow_refused)
{
    static char big[GDB_PACKET_MAX + 100];
    struct gdb_packet p;
    gdb_packet_init(&p);
    memset(big, 'a', sizeof(big));
    big[0] = '$';
    cr_assert_eq(feed(&p, big, sizeof(big)), GDB_EV_NONE);
    /* 'a' * n sums to anything: the overflow alone must refuse it. */
    uint8_t sum = (uint8_t)((sizeof(big) - 1) * 'a');
    char tail[4];
    snprintf(tail, sizeof(tail), "#%02x", sum);
    cr_assert_eq(feed(&p, tail, 3), GDB_EV_BAD);
    cr_assert_leq(p.len, GDB_PACKET_MAX);
}

Test(gdb_packet, fields)
{
    uint64_t a, l, v;
    const char *rest;
    cr_assert_eq(gdb_packet_addr_len("104000,40", '\0', &a, &l, &rest), 0);
    cr_assert_eq(a, 0x104000);
    cr_assert_eq(l, 0x40);
    cr_assert_eq(gdb_packet_addr_len("10,2:abcd", ':', &a, &l, &rest), 0);
    cr_assert_str_eq(rest, "abcd");
    cr_assert_eq(gdb_packet_addr_len("10,2", ':', &a, &l, &rest), -1);
    cr_assert_eq(gdb_packet_addr_len(",2", '\0', &a, &l, &rest), -1);
    const char *s = "11112222333344445";
    cr_assert_eq(gdb_packet_hex(&s, &v), -1); /* 17 digits overflow */
    s = "ffffffffffffffff=";
    cr_assert_eq(gdb_packet_hex(&s, &v), 0);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_str_eq(s, "=");
    uint8_t b[2];
    cr_assert_eq(gdb_packet_unhex("cC90", 2, b), 0);
    cr_assert_eq(b[0], 0xcc);
    cr_assert_eq(b[1], 0x90);
    cr_assert_eq(gdb_packet_unhex("c", 1, b), -1); /* ends early: stops at the NUL */
    char h[4];
    gdb_packet_tohex(b, 2, h);
    cr_assert_eq(memcmp(h, "cc90", 4), 0);
}
