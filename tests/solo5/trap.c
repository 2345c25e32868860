/* trap.c: Solo5-ABI test guest: a CPU exception through its own IDT, reported with a trap frame. */
#include "guest.h"

GUEST_MANIFEST(0);

int solo5_app_main(const struct guest_start *si)
{
    (void)si;
    guest_puts("about to trap\n");
    __asm__ __volatile__("ud2");
    return 0;
}
