/* args.c: Solo5-ABI test guest: print the command line; exit with the status it names. */
#include "guest.h"

GUEST_MANIFEST(0);

int solo5_app_main(const struct guest_start *si)
{
    guest_puts("cmdline: [");
    guest_puts(si->cmdline);
    guest_puts("]\n");
    /* "exit N" anywhere: exit with N, to check statuses pass through. */
    const char *c = si->cmdline;
    for (; *c; c++)
        if (c[0] == 'e' && c[1] == 'x' && c[2] == 'i' && c[3] == 't' && c[4] == ' ') {
            int n = 0;
            for (c += 5; *c >= '0' && *c <= '9'; c++)
                n = n * 10 + (*c - '0');
            return n;
        }
    return 0;
}
