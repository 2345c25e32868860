/* stack_overflow.c: unbounded recursion runs into the guard page below the stack. */
#include <stdio.h>

__attribute__((noinline)) static unsigned long deeper(unsigned long n)
{
    volatile char frame[512];
    frame[0] = (char)n;
    return deeper(n + 1) + frame[0]; /* not a tail call: every frame stays */
}

int main(void)
{
    puts("recursing");
    fflush(stdout);
    return (int)deeper(0);
}
