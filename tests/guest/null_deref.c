/* null_deref.c: reading address 0 faults: page 0 is not mapped. */
#include <stdio.h>

int main(void)
{
    volatile int *p = NULL;
    puts("reading address 0");
    fflush(stdout);
    printf("%d\n", *p);
    return 0;
}
