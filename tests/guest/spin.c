/* spin.c: never yields: only a signal or --timeout ends it. */
#include <stdio.h>

int main(void)
{
    puts("spinning");
    fflush(stdout);
    for (volatile unsigned long i = 0;; i++)
        ;
}
