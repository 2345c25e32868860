/* idle.c: a unikernel that says so, then blocks in poll for argv[1] seconds: for density. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    puts("idle");
    fflush(stdout);
    sleep(argc > 1 ? (unsigned)atoi(argv[1]) : 10);
    return 0;
}
