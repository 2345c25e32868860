/* write_text.c: writing to the program's own code faults: text is read-only. */
#include <stdio.h>
#include <stdint.h>

int main(void)
{
    volatile uint8_t *code = (volatile uint8_t *)(uintptr_t)main;
    puts("writing to text");
    fflush(stdout);
    code[0] = 0xc3;
    return 0;
}
