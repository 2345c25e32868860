/* native.c: a long integer and SSE computation, for the check that the vCPU ran natively. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000000;
    uint64_t x = 1;
    double sum = 0;

    /* A 64-bit LCG's top 53 bits as doubles in [0, 1): their mean is 1/2. */
    for (long i = 0; i < n; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        sum += (double)(x >> 11) * 0x1p-53;
    }
    printf("iterations=%ld mean=%.3f\n", n, sum / (double)n);
    return 0;
}
