/* hypercall.c: the guest-measured round trip of a no-op hypercall (walltime), as JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <uhvt.h>
#include <x86intrin.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    static _Alignas(8) struct uhvt_hc_walltime w;
    uint32_t gpa = (uint32_t)(uintptr_t)&w;
    uint64_t t0 = __rdtsc();
    for (int i = 0; i < n; i++)
        __asm__ volatile("outl %0, %1" : : "a"(gpa), "Nd"(UHVT_HC_PORT(UHVT_HC_WALLTIME)) : "memory");
    uint64_t cycles = __rdtsc() - t0;
    double ns = (double)cycles * 1e9 / (double)uhvt_boot_info()->tsc_freq / n;
    printf("{\"name\": \"hypercall_walltime\", \"calls\": %d, \"ns_per_call\": %.0f}\n", n, ns);
    return 0;
}
