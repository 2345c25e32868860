/* bad.c: Solo5-ABI test guest: malformed hypercalls (each ends the guest) and invalid ones (answered). */
#include "guest.h"

GUEST_MANIFEST(1, GUEST_MFT_ENTRY_BLOCK("storage"));

static void out(uint16_t port, uint32_t v)
{
    __asm__ __volatile__("outl %0, %1" ::"a"(v), "d"(port) : "memory");
}

int solo5_app_main(const struct guest_start *si)
{
    const char *c = si->cmdline;
    static volatile struct solo5_hc_puts p __attribute__((aligned(8)));
    static volatile uint8_t odd[64] __attribute__((aligned(8)));
    static uint8_t sector[512];
    guest_puts("bad call: ");
    guest_puts(c);
    guest_puts("\n");
    if (strcmp(c, "port") == 0) {
        out(SOLO5_HC_PIO_BASE + SOLO5_HC_MAX, 0x10000);
    } else if (strcmp(c, "zero") == 0) {
        out(SOLO5_HC_PIO_BASE, (uint32_t)(uint64_t)&p);
    } else if (strcmp(c, "outside") == 0) {
        out(SOLO5_HC_PIO_BASE + SOLO5_HC_PUTS, 0xfffffff8U);
    } else if (strcmp(c, "misaligned") == 0) {
        out(SOLO5_HC_PIO_BASE + SOLO5_HC_WALLTIME, (uint32_t)(uint64_t)&odd[1]);
    } else if (strcmp(c, "in") == 0) {
        uint32_t v;
        __asm__ __volatile__("inl %1, %0" : "=a"(v) : "d"((uint16_t)(SOLO5_HC_PIO_BASE + 1)));
    } else if (strcmp(c, "data") == 0) {
        p.data = 0xfffff000U;
        p.len = 0x100000;
        guest_hypercall(SOLO5_HC_PUTS, &p);
    } else if (strcmp(c, "cookie") == 0) {
        volatile struct solo5_hc_halt h = {.cookie = 0xfffffff0U, .exit_status = 0};
        guest_hypercall(SOLO5_HC_HALT, &h);
    } else if (strcmp(c, "buffer") == 0) {
        guest_block_io(SOLO5_HC_BLOCK_READ, 1, 0, (void *)0xfffff000U, 512);
    } else if (strcmp(c, "invalid") == 0) {
        /* Well-formed but invalid: each gets SOLO5_R_EINVAL, the guest goes on. */
        int a = guest_block_io(SOLO5_HC_BLOCK_READ, 9, 0, sector, 512);
        int b = guest_block_io(SOLO5_HC_BLOCK_READ, 0, 0, sector, 512);
        int d = guest_block_io(SOLO5_HC_BLOCK_READ, 1, 1ULL << 40, sector, 512);
        int e = guest_block_io(SOLO5_HC_BLOCK_READ, 1, 3, sector, 512);
        int f = guest_net_write(1, sector, 64);
        int g = guest_block_io(SOLO5_HC_BLOCK_READ, 1, 0, sector, 1ULL << 33);
        guest_puts("answers:");
        int r[] = {a, b, d, e, f, g};
        for (unsigned i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
            guest_puts(" ");
            guest_put_u64((uint64_t)r[i]);
        }
        guest_puts("\n");
        return 0;
    } else {
        return 99;
    }
    guest_puts("still running\n");
    return 98;
}
