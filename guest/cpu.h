/* cpu.h: x86-64 register and instruction helpers (internal). */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdint.h>

#include "uhvt_abi.h"

#define MSR_EFER 0xc0000080u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_FMASK 0xc0000084u
#define MSR_FS_BASE 0xc0000100u

#define EFER_SCE (1u << 0)

/* The selectors of the GDT built by cpu_init (the monitor's are the same). */
#define CPU_SEL_CODE UHVT_SEL_CODE
#define CPU_SEL_DATA UHVT_SEL_DATA
#define CPU_SEL_TSS UHVT_SEL_TSS

static inline void cpu_wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ __volatile__("wrmsr"
                         :
                         : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t cpu_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;

    __asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static inline void cpu_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ __volatile__("cpuid"
                         : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                         : "a"(leaf), "c"(sub));
}

/* lfence keeps the read from being hoisted above earlier instructions. */
static inline uint64_t cpu_rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return (uint64_t)hi << 32 | lo;
}

/* GDT (hardware KVM), IDT, FPU/SSE and SYSCALL set up for boot_info.flags. */
void cpu_init(uint64_t boot_flags);

/*
 * Set the FS base: WRFSBASE where cpu_init found it usable (a few ns),
 * else WRMSR, which PVM emulates (about 10 us measured).
 */
extern int cpu_wrfsbase_ok;
static inline void cpu_set_fs(uint64_t v)
{
    if (cpu_wrfsbase_ok)
        __asm__ __volatile__("wrfsbase %0" : : "r"(v) : "memory");
    else
        cpu_wrmsr(MSR_FS_BASE, v);
}

#endif
