/* exec_data.c: jumping into writable data faults: data is not executable. */
#include <stdio.h>

static unsigned char ret_insn[] = {0xc3};

int main(void)
{
    void (*f)(void) = (void (*)(void))(void *)ret_insn;
    puts("jumping into data");
    fflush(stdout);
    f();
    return 0;
}
