/* cpu.c: the guest's CPU view: no VMX/SVM, the hypervisor bit, SSE/XSAVE on, a TSC frequency. */
#include <cpuid.h>
#include <stdio.h>
#include <uhvt.h>

int main(void)
{
    unsigned a, b, c, d;
    __cpuid(1, a, b, c, d);
    int vmx = !!(c & (1U << 5)), hv = !!(c & (1U << 31));
    int osxsave = !!(c & (1U << 27)), sse2 = !!(d & (1U << 26));
    __cpuid(0x80000001, a, b, c, d);
    int svm = !!(c & (1U << 2));
    unsigned long long xcr0 = 0;
    if (osxsave) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        xcr0 = (unsigned long long)hi << 32 | lo;
    }
    unsigned long long tsc = uhvt_boot_info()->tsc_freq;
    printf("vmx=%d svm=%d hypervisor=%d sse2=%d osxsave=%d xcr0=0x%llx tsc_hz=%llu\n",
           vmx, svm, hv, sse2, osxsave, xcr0, tsc);
    /* With XSAVE on, x87 and SSE state must be enabled in XCR0. */
    int ok = !vmx && !svm && hv && sse2 && (!osxsave || (xcr0 & 3) == 3) &&
             tsc > 1000000;
    return ok ? 0 : 1;
}
