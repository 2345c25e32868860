/* stack_smash.c: overrunning a stack buffer trips the stack protector. */
#include <stdio.h>
#include <string.h>

__attribute__((noinline)) static void smash(const char *s, size_t n)
{
    char buf[16];
    memcpy(buf, s, n);
    __asm__ volatile("" : : "r"(buf) : "memory");
}

int main(void)
{
    char big[64];
    volatile size_t n = sizeof(big); /* hide the overrun from the compiler */
    memset(big, 'A', sizeof(big));
    puts("smashing the stack");
    fflush(stdout);
    smash(big, n);
    return 0;
}
