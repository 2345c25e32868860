/* blk.c: Solo5-ABI test guest: the disk's manifest entry, then block reads and writes. */
#include "guest.h"

GUEST_MANIFEST(1, GUEST_MFT_ENTRY_BLOCK("storage"));

static uint8_t buf[4096], back[4096];

int solo5_app_main(const struct guest_start *si)
{
    (void)si;
    const struct solo5_mft_entry *e;
    int h = guest_device("storage", SOLO5_MFT_BLOCK, &e);
    uint64_t bs = e->u.block.block_size;
    guest_puts("capacity: ");
    guest_put_u64(e->u.block.capacity);
    guest_puts(" block: ");
    guest_put_u64(bs);
    guest_puts("\n");
    /* The host wrote a line at the start of the file. */
    if (guest_block_io(SOLO5_HC_BLOCK_READ, h, 0, buf, bs) != SOLO5_R_OK)
        return 2;
    buf[63] = '\0';
    guest_puts("sector 0: ");
    guest_puts((const char *)buf);
    /* Write a pattern to the last block, read it back. */
    uint64_t last = e->u.block.capacity - bs;
    for (uint64_t i = 0; i < bs; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    if (guest_block_io(SOLO5_HC_BLOCK_WRITE, h, last, buf, bs) != SOLO5_R_OK)
        return 3;
    if (guest_block_io(SOLO5_HC_BLOCK_READ, h, last, back, bs) != SOLO5_R_OK ||
        memcmp(buf, back, bs) != 0)
        return 4;
    /* Past the end, and across it: invalid. */
    if (guest_block_io(SOLO5_HC_BLOCK_READ, h, e->u.block.capacity, back, bs) !=
            SOLO5_R_EINVAL ||
        guest_block_io(SOLO5_HC_BLOCK_WRITE, h, last, buf, 2 * bs) != SOLO5_R_EINVAL)
        return 5;
    guest_puts("blk ok\n");
    return 0;
}
