/* snap_exit.c: the ready point, then exit 0 at once, booted or restored: exec to main resumed, for bench/snapshot. */
#include <uhvt.h>

int main(void)
{
    (void)uhvt_snapshot();
    return 0;
}
