/* devices.c: Solo5-ABI test guest with urunc's default device names: what the manifest and command line hold. */
#include "guest.h"

GUEST_MANIFEST(2, GUEST_MFT_ENTRY_NET("service"), GUEST_MFT_ENTRY_BLOCK("storage"));

int solo5_app_main(const struct guest_start *si)
{
    guest_puts("cmdline: [");
    guest_puts(si->cmdline);
    guest_puts("]\n");
    const struct solo5_mft_entry *n, *b;
    int hn = guest_device("service", SOLO5_MFT_NET, &n);
    int hb = guest_device("storage", SOLO5_MFT_BLOCK, &b);
    if (hn != 1 || hb != 2)
        return 1;
    guest_puts("service mtu: ");
    guest_put_u64(n->u.net.mtu);
    guest_puts(" mac byte 5: ");
    guest_put_u64(n->u.net.mac[5]);
    guest_puts("\nstorage capacity: ");
    guest_put_u64(b->u.block.capacity);
    guest_puts("\n");
    return 0;
}
