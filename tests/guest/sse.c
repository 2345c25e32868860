/* sse.c: floating point and libm work; SSE state survives system calls. */
#include <math.h>
#include <stdio.h>

int main(void)
{
    volatile double x = 2.0;
    double r = sqrt(x);
    printf("sqrt(2)=%.6f\n", r);       /* printf itself makes system calls */
    double s = 0;
    for (int i = 1; i <= 1000; i++)
        s += 1.0 / ((double)i * i);
    printf("basel=%.6f sin=%.6f\n", s, sin(x));
    return fabs(r * r - 2.0) < 1e-12 && fabs(s - 1.643935) < 1e-6 ? 0 : 1;
}
