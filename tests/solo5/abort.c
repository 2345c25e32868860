/* abort.c: Solo5-ABI test guest: solo5_abort's path (a message, then halt with 255). */
#include "guest.h"

GUEST_MANIFEST(0);

int solo5_app_main(const struct guest_start *si)
{
    (void)si;
    guest_puts("about to abort\n");
    guest_abort("on purpose");
}
