/* malloc.c: large and small allocations, in cycles, keep their contents and are reused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    for (int round = 0; round < 20; round++) {
        size_t n = (size_t)(4 + round % 5) << 20;
        uint8_t *big = malloc(n);
        if (big == NULL)
            return 2;
        memset(big, round, n);
        void *small[256];
        for (int i = 0; i < 256; i++) {
            small[i] = malloc((size_t)(i * 37 % 1000) + 1);
            if (small[i] == NULL)
                return 3;
            memset(small[i], i, (size_t)(i * 37 % 1000) + 1);
        }
        for (size_t i = 0; i < n; i += 4093)
            if (big[i] != (uint8_t)round)
                return 4;
        big = realloc(big, n * 2);
        if (big == NULL || big[n - 1] != (uint8_t)round)
            return 5;
        for (int i = 0; i < 256; i++) {
            if (((uint8_t *)small[i])[0] != (uint8_t)i)
                return 6;
            free(small[i]);
        }
        free(big);
    }
    uint8_t *z = calloc(1 << 20, 8);
    for (size_t i = 0; z && i < (8 << 20); i++)
        if (z[i] != 0)
            return 7;
    puts("malloc ok");
    return 0;
}
