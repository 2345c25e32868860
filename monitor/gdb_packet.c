/* gdb_packet.c: the gdb remote protocol's framing and fields, parsed from untrusted bytes. */
#include "gdb_packet.h"

#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void gdb_packet_init(struct gdb_packet *p)
{
    memset(p, 0, sizeof(*p));
}

static void start(struct gdb_packet *p)
{
    p->state = GDB_PKT_DATA;
    p->sum = 0;
    p->len = 0;
    p->overflow = 0;
}

static void put(struct gdb_packet *p, uint8_t c)
{
    if (p->len < GDB_PACKET_MAX)
        p->buf[p->len++] = (char)c;
    else
        p->overflow = 1;
}

enum gdb_packet_event gdb_packet_feed(struct gdb_packet *p, uint8_t c)
{
    switch (p->state) {
    case GDB_PKT_IDLE:
        if (c == '$')
            start(p);
        return c == 0x03 ? GDB_EV_INTERRUPT : GDB_EV_NONE;
    case GDB_PKT_DATA:
        if (c == '$') {
            start(p); /* gdb gave up on the last one and sent anew */
        } else if (c == '#') {
            p->state = GDB_PKT_SUM1;
        } else {
            p->sum = (uint8_t)(p->sum + c);
            if (c == '}')
                p->state = GDB_PKT_ESC;
            else
                put(p, c);
        }
        return GDB_EV_NONE;
    case GDB_PKT_ESC:
        p->sum = (uint8_t)(p->sum + c);
        put(p, c ^ 0x20);
        p->state = GDB_PKT_DATA;
        return GDB_EV_NONE;
    case GDB_PKT_SUM1:
        p->got = (uint8_t)c;
        p->state = GDB_PKT_SUM2;
        return GDB_EV_NONE;
    case GDB_PKT_SUM2:
    default: {
        p->state = GDB_PKT_IDLE;
        int hi = hexval((char)p->got), lo = hexval((char)c);
        if (hi < 0 || lo < 0 || (uint8_t)(hi << 4 | lo) != p->sum || p->overflow)
            return GDB_EV_BAD;
        p->buf[p->len] = '\0';
        return GDB_EV_PACKET;
    }
    }
}

size_t gdb_packet_frame(const char *data, size_t len, char *out, size_t room)
{
    static const char digits[] = "0123456789abcdef";
    size_t n = 0;
    uint8_t sum = 0;
    if (room < 4)
        return 0;
    out[n++] = '$';
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)data[i];
        int esc = c == '$' || c == '#' || c == '}' || c == '*';
        if (n + (esc ? 2 : 1) + 3 > room)
            return 0;
        if (esc) {
            out[n++] = '}';
            sum = (uint8_t)(sum + '}');
            c ^= 0x20;
        }
        out[n++] = (char)c;
        sum = (uint8_t)(sum + c);
    }
    out[n++] = '#';
    out[n++] = digits[sum >> 4];
    out[n++] = digits[sum & 15];
    return n;
}

int gdb_packet_hex(const char **s, uint64_t *v)
{
    const char *p = *s;
    uint64_t x = 0;
    size_t n = 0;
    for (int d; (d = hexval(*p)) >= 0; p++, n++) {
        if (n == 16)
            return -1;
        x = x << 4 | (uint64_t)d;
    }
    if (n == 0)
        return -1;
    *s = p;
    *v = x;
    return 0;
}

int gdb_packet_unhex(const char *s, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]);
        int lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);
        if (lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

void gdb_packet_tohex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
}

int gdb_packet_addr_len(const char *s, char end, uint64_t *addr, uint64_t *len,
                        const char **rest)
{
    if (gdb_packet_hex(&s, addr) < 0 || *s++ != ',' || gdb_packet_hex(&s, len) < 0 ||
        *s != end)
        return -1;
    *rest = end == '\0' ? s : s + 1;
    return 0;
}
