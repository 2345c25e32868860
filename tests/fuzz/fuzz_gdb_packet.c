/* fuzz_gdb_packet.c: libFuzzer harness: bytes as a gdb connection, through the packet parser and its field readers. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gdb_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What gdb.c does with a packet's fields, minus the guest. */
static void fields(const char *c, size_t len)
{
    uint64_t a, b, v;
    const char *rest = c + 1;
    uint8_t bytes[GDB_PACKET_MAX / 2];
    char hex[2 * sizeof(bytes)];
    char framed[2 * GDB_PACKET_MAX + 8];
    if (gdb_packet_addr_len(c + 1, ':', &a, &b, &rest) == 0 && b <= sizeof(bytes))
        gdb_packet_unhex(rest, b, bytes);
    if (gdb_packet_addr_len(c + 1, '\0', &a, &b, &rest) == 0 && b <= sizeof(bytes))
        gdb_packet_tohex(bytes, b, hex);
    rest = c + 1;
    gdb_packet_hex(&rest, &v);
    gdb_packet_frame(c, len, framed, sizeof(framed));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct gdb_packet p;
    gdb_packet_init(&p);
    for (size_t i = 0; i < size; i++)
        if (gdb_packet_feed(&p, data[i]) == GDB_EV_PACKET) {
            if (p.len > GDB_PACKET_MAX || p.buf[p.len] != '\0')
                __builtin_trap();
            fields(p.buf, p.len);
        }
    return 0;
}
