/* gdb_packet.h: the gdb remote protocol's framing and fields, parsed from untrusted bytes. */
#ifndef GDB_PACKET_H
#define GDB_PACKET_H

#include <stddef.h>
#include <stdint.h>

/* The largest packet uhvt takes or sends (its qSupported PacketSize). */
#define GDB_PACKET_MAX 4096

enum gdb_packet_state { GDB_PKT_IDLE, GDB_PKT_DATA, GDB_PKT_ESC, GDB_PKT_SUM1, GDB_PKT_SUM2 };

struct gdb_packet {
    enum gdb_packet_state state;
    uint8_t sum;      /* of the bytes as sent, escapes included */
    uint8_t got;      /* the checksum's first digit */
    int overflow;     /* the packet outgrew buf: it will be refused */
    size_t len;
    char buf[GDB_PACKET_MAX + 1]; /* the unescaped data, NUL-terminated when complete */
};

enum gdb_packet_event {
    GDB_EV_NONE,      /* byte taken; nothing complete yet */
    GDB_EV_PACKET,    /* buf/len hold a whole packet with a good checksum */
    GDB_EV_BAD,       /* a packet with a bad checksum or too long: answer '-' */
    GDB_EV_INTERRUPT, /* 0x03 outside a packet: gdb's Ctrl-C */
};

/*
 * Feed one byte from the connection.  Acks ('+', '-') and noise between
 * packets are dropped; '}' escapes are undone; '$' always starts a new
 * packet.  Any byte sequence is safe.  Pure.
 */
void gdb_packet_init(struct gdb_packet *p);
enum gdb_packet_event gdb_packet_feed(struct gdb_packet *p, uint8_t byte);

/*
 * Frame `len` bytes of `data` as "$data#xx", escaping '$', '#', '}' and
 * '*', into `out` (room for `room` bytes).  Returns the framed length, or 0
 * if it does not fit.
 */
size_t gdb_packet_frame(const char *data, size_t len, char *out, size_t room);

/*
 * Parse a hex number at *s (at most 16 digits, at least one), advancing *s:
 * 0, or -1 if there is none or it overflows.
 */
int gdb_packet_hex(const char **s, uint64_t *v);

/* Decode 2 * n hex digits at s into n bytes: 0, or -1 on a non-hex digit. */
int gdb_packet_unhex(const char *s, size_t n, uint8_t *out);

/* Encode n bytes as 2 * n lowercase hex digits (no NUL). */
void gdb_packet_tohex(const uint8_t *in, size_t n, char *out);

/*
 * "ADDR,LEN" at s, then `end` ('\0', ':' or ','): 0 with *rest after `end`,
 * or -1 if malformed.
 */
int gdb_packet_addr_len(const char *s, char end, uint64_t *addr, uint64_t *len,
                        const char **rest);

#endif
