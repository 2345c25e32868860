/* hostile.c: a guest that attacks the monitor, one attack per run: hostile.hvt ATTACK. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uhvt.h>

static void out32(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory"); }
static void out16(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory"); }
static void out8(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory"); }
static uint32_t in32(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
    return v;
}

static uint64_t mem_size(void) { return uhvt_boot_info()->mem_size; }

/* An 8-byte aligned scratch struct; hypercalls take its (identity-mapped) address. */
static _Alignas(8) uint8_t arg[64];
static uint32_t arg_gpa(void) { return (uint32_t)(uintptr_t)arg; }

/* Deterministic garbage, so every run attacks the same way. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t garbage(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int console(uint64_t data, uint32_t len)
{
    struct uhvt_hc_console *c = (void *)arg;
    *c = (struct uhvt_hc_console){.data = data, .len = len, .ret = -1};
    out32(UHVT_HC_PORT(UHVT_HC_CONSOLE), arg_gpa());
    return c->ret;
}

/* Point the unused 2 MiB of virtual space at `va` to guest-physical `gpa`. */
static void map_large(uint64_t va, uint64_t gpa)
{
    uint64_t cr3;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    uint64_t *pml4 = (uint64_t *)(cr3 & ~0xfffULL);
    uint64_t *pdpt = (uint64_t *)(pml4[0] & 0xffffffffff000ULL);
    uint64_t *pd = (uint64_t *)(pdpt[(va >> 30) & 511] & 0xffffffffff000ULL);
    /* P, W, U (PVM runs the guest at CPL 3), PS, NX */
    pd[(va >> 21) & 511] = gpa | 0x87 | (1ULL << 63);
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

int main(int argc, char **argv)
{
    const char *a = argc > 1 ? argv[1] : "";
    uint64_t top = mem_size();

    /* Proof of life: the suite checks that the attack was reached. */
    printf("attack %s\n", a);
    fflush(stdout);

    if (!strcmp(a, "outside")) {          /* call N, its struct just past the end */
        out32(UHVT_HC_PORT(argc > 2 ? atoi(argv[2]) : UHVT_HC_WALLTIME), (uint32_t)top);
    } else if (!strcmp(a, "straddle")) {  /* a 16-byte struct over the end */
        out32(UHVT_HC_PORT(UHVT_HC_CONSOLE), (uint32_t)top - 8);
    } else if (!strcmp(a, "misaligned")) {
        out32(UHVT_HC_PORT(UHVT_HC_WALLTIME), arg_gpa() + 4);
    } else if (!strcmp(a, "null-struct")) {
        out32(UHVT_HC_PORT(UHVT_HC_WALLTIME), 0);
    } else if (!strcmp(a, "data-outside")) {
        console(top - 4, 8);
    } else if (!strcmp(a, "data-wraps")) { /* address + length overflows */
        console(UINT64_MAX - 2, 16);
    } else if (!strcmp(a, "console-gigabyte")) { /* refused with an error code */
        int r = console(0x100000, 1U << 30);
        printf("console 1 GiB: ret=%d\n", r);
        return r == UHVT_EINVAL ? 0 : 1;
    } else if (!strcmp(a, "unknown-port")) {
        out32(0x400, arg_gpa());
    } else if (!strcmp(a, "port-beyond")) {
        out32(UHVT_HC_PORT(UHVT_HC_MAX), arg_gpa());
    } else if (!strcmp(a, "out8")) {
        out8(UHVT_HC_PORT(UHVT_HC_WALLTIME), 0);
    } else if (!strcmp(a, "out16")) {
        out16(UHVT_HC_PORT(UHVT_HC_WALLTIME), 0);
    } else if (!strcmp(a, "in")) {
        printf("%u\n", in32(UHVT_HC_PORT(UHVT_HC_WALLTIME)));
    } else if (!strcmp(a, "mmio")) {      /* touch guest-physical space with no memory */
        map_large(top, 0xc0000000ULL);
        printf("%d\n", *(volatile int *)(uintptr_t)top);
    } else if (!strcmp(a, "triple-fault")) {
        struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idt = {0, 0};
        __asm__ volatile("lidt %0; ud2" : : "m"(idt));
    } else if (!strcmp(a, "garbage")) {   /* random fields in every non-ending call */
        static const unsigned calls[] = {UHVT_HC_WALLTIME, UHVT_HC_POLL,
            UHVT_HC_NET_INFO, UHVT_HC_NET_WRITE, UHVT_HC_NET_READ,
            UHVT_HC_BLK_INFO, UHVT_HC_BLK_WRITE, UHVT_HC_BLK_READ, UHVT_HC_BLK_FLUSH};
        for (int round = 0; round < 200; round++)
            for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
                for (size_t j = 0; j < sizeof(arg); j += 8) {
                    uint64_t g = garbage();
                    memcpy(arg + j, &g, 8);
                }
                if (calls[i] == UHVT_HC_POLL)
                    ((struct uhvt_hc_poll *)arg)->timeout_ns &= 0xfffff;
                out32(UHVT_HC_PORT(calls[i]), arg_gpa());
            }
        puts("survived garbage");
        return 0;
    } else {
        printf("unknown attack '%s'\n", a);
        return 2;
    }
    puts("the monitor let it pass");
    return 3;
}
