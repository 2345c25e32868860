/* tls.c: __thread variables and constructors work as in a Linux process. */
#include <stdio.h>

static __thread int counter = 41;
static __thread char zeroed[64];
static int constructed;

__attribute__((constructor)) static void init(void) { constructed = 7; }

int main(void)
{
    counter++;
    for (int i = 0; i < 64; i++)
        if (zeroed[i])
            return 2;
    printf("tls=%d ctor=%d\n", counter, constructed);
    return counter == 42 && constructed == 7 ? 0 : 1;
}
