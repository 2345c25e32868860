/* hello.c: Solo5-ABI test guest: the console, and the boot info's memory size. */
#include "guest.h"

GUEST_MANIFEST(0);

int solo5_app_main(const struct guest_start *si)
{
    guest_puts("Hello from a Solo5-ABI guest\n");
    guest_puts("heap MiB: ");
    guest_put_u64((si->heap_start + si->heap_size) >> 20);
    guest_puts("\n");
    return 0;
}
