/* idle.c: announce, then sleep for argv[1] seconds (default 3): for RSS and signal tests. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    puts("idle");
    fflush(stdout);
    sleep(argc > 1 ? (unsigned)atoi(argv[1]) : 3);
    return 0;
}
