/* sse.c: Solo5-ABI test guest: an SSE instruction, as compiled application code uses them. */
#include "guest.h"

GUEST_MANIFEST(0);

static const float a[4] __attribute__((aligned(16))) = {1, 2, 3, 4};
static float b[4] __attribute__((aligned(16)));

/* The runtime is built without SSE, as Solo5's bindings are; this one is not. */
__attribute__((target("sse2"), noinline)) static void double_them(void)
{
    __asm__ __volatile__("movaps %1, %%xmm0\n\t"
                         "addps %%xmm0, %%xmm0\n\t"
                         "movaps %%xmm0, %0"
                         : "=m"(b)
                         : "m"(a)
                         : "xmm0");
}

int solo5_app_main(const struct guest_start *si)
{
    (void)si;
    guest_puts("about to use SSE\n");
    double_them();
    /* 2, 4, 6, 8 as IEEE single: the integer view needs no SSE to check. */
    uint32_t bits[4];
    memcpy(bits, b, sizeof(bits));
    if (bits[0] != 0x40000000 || bits[3] != 0x41000000)
        return 1;
    guest_puts("sse ok\n");
    return 0;
}
