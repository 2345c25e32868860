/* solo5_blk.c: Solo5-ABI bench guest: sequential block writes then reads, one block per call, as Solo5's bindings issue them. */
#include "guest.h"

GUEST_MANIFEST(1, GUEST_MFT_ENTRY_BLOCK("storage"));

static uint8_t block[4096];

static void report(const char *name, uint64_t bytes, uint64_t ns)
{
    guest_puts("{\"name\": \"");
    guest_puts(name);
    guest_puts("\", \"bytes\": ");
    guest_put_u64(bytes);
    guest_puts(", \"ns\": ");
    guest_put_u64(ns);
    guest_puts(", \"mib_per_s\": ");
    /* Two decimals without floating point (the runtime has no SSE). */
    uint64_t centi = ns ? bytes * 100000000000ULL / ns / 1048576ULL : 0;
    guest_put_u64(centi / 100);
    guest_puts(".");
    guest_put_u64(centi % 100 / 10);
    guest_put_u64(centi % 10);
    guest_puts("}\n");
}

int solo5_app_main(const struct guest_start *si)
{
    (void)si;
    const struct solo5_mft_entry *e;
    int h = guest_device("storage", SOLO5_MFT_BLOCK, &e);
    uint64_t bs = e->u.block.block_size, cap = e->u.block.capacity;
    for (uint64_t i = 0; i < bs; i++)
        block[i] = (uint8_t)i;
    uint64_t t0 = guest_monotonic();
    for (uint64_t off = 0; off < cap; off += bs)
        if (guest_block_io(SOLO5_HC_BLOCK_WRITE, h, off, block, bs) != SOLO5_R_OK)
            return 2;
    uint64_t t1 = guest_monotonic();
    for (uint64_t off = 0; off < cap; off += bs)
        if (guest_block_io(SOLO5_HC_BLOCK_READ, h, off, block, bs) != SOLO5_R_OK)
            return 3;
    uint64_t t2 = guest_monotonic();
    report("solo5_blk_write", cap, t1 - t0);
    report("solo5_blk_read", cap, t2 - t1);
    return 0;
}
