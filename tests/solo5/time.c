/* time.c: Solo5-ABI test guest: the wall clock, and poll sleeping for its timeout. */
#include "guest.h"

GUEST_MANIFEST(0);

int solo5_app_main(const struct guest_start *si)
{
    (void)si;
    uint64_t wall = guest_walltime();
    guest_puts("walltime s: ");
    guest_put_u64(wall / 1000000000ULL);
    guest_puts("\n");
    /* 2020-01-01: a clock that was never set says 1970. */
    if (wall < 1577836800ULL * 1000000000ULL)
        return 1;
    uint64_t t0 = guest_monotonic();
    uint64_t ready = guest_yield(300000000ULL);
    uint64_t waited = (guest_monotonic() - t0) / 1000000ULL;
    guest_puts("poll waited ms: ");
    guest_put_u64(waited);
    guest_puts(" ready: ");
    guest_put_u64(ready);
    guest_puts("\n");
    if (ready != 0 || waited < 290)
        return 2;
    /* A zero timeout only looks. */
    t0 = guest_monotonic();
    guest_yield(0);
    if ((guest_monotonic() - t0) / 1000000ULL > 100)
        return 3;
    guest_puts("time ok\n");
    return 0;
}
