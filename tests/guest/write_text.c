/* write_text.c: writing to the program's own code faults: text is read-only. */
#include <stdint.h>

int main(void)
{
    volatile uint8_t *code = (volatile uint8_t *)(uintptr_t)main;
    code[0] = 0xc3;
    return 0;
}
