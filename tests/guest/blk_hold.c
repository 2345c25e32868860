/* blk_hold.c: keep the disk attached for argv[1] seconds (default 30): for lock tests. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    puts("holding");
    fflush(stdout);
    sleep(argc > 1 ? (unsigned)atoi(argv[1]) : 30);
    return 0;
}
