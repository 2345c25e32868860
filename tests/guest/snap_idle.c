/* snap_idle.c: the ready point, then idle for argv[1] seconds (default 3600): for density and restore benchmarks. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <uhvt.h>

int main(int argc, char **argv)
{
    unsigned secs = argc > 1 ? (unsigned)atoi(argv[1]) : 3600;

    puts("idle");
    fflush(stdout);
    if (uhvt_snapshot() == 1) {
        puts("restored");
        fflush(stdout);
    }
    sleep(secs);
    return 0;
}
