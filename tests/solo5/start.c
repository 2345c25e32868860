/* start.c: boot a Solo5-ABI test guest as Solo5's hvt bindings do, and the calls the tests use. */
#include "guest.h"

/* Built with -mno-sse like Solo5's bindings: nothing here touches a vector register. */

static const struct solo5_boot_info *boot;
static uint64_t tsc_hz, tsc_boot;

/* The "ABI1" note: hvt target, ABI version 2. */
__attribute__((section(".note.solo5.abi"), used)) static const struct {
    uint32_t namesz, descsz, type;
    char name[8];
    struct solo5_note_abi abi;
} abi_note = {sizeof(SOLO5_NOTE_NAME), sizeof(struct solo5_note_abi),
              SOLO5_NOTE_ABI, SOLO5_NOTE_NAME,
              {SOLO5_ABI_TARGET_HVT, SOLO5_HVT_ABI_VERSION, {0, 0}}};

/* Keeps a host kernel from running the image, as Solo5's does. */
__attribute__((section(".interp"), used)) static const char interp[] = "/nonexistent/solo5/";

uintptr_t __stack_chk_guard = 0x00deadbeef0d0a00;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

void guest_hypercall(int nr, volatile void *arg)
{
    __asm__ __volatile__("outl %0, %1"
                         :
                         : "a"((uint32_t)(uint64_t)arg),
                           "d"((uint16_t)(SOLO5_HC_PIO_BASE + nr))
                         : "memory");
}

/* The GDT Solo5 loads: null, ring-0 64-bit code, data, a 16-byte TSS. */
static uint64_t gdt[5] __attribute__((aligned(8)));
struct tss {
    uint32_t reserved;
    uint64_t rsp[3];
    uint64_t reserved2;
    uint64_t ist[7];
    uint64_t reserved3;
    uint16_t reserved4;
    uint16_t iomap_base;
} __attribute__((packed));
static struct tss tss;
static char ist_stacks[3][4096] __attribute__((aligned(16)));
static uint64_t idt[48 * 2] __attribute__((aligned(16)));
struct table_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static void gdt_init(void)
{
    gdt[1] = 0x00af99000000ffffULL;
    gdt[2] = 0x00cf93000000ffffULL;
    volatile struct table_ptr p = {sizeof(gdt) - 1, (uint64_t)gdt};
    /* Load it and reload CS with a far return, then SS, DS and ES. */
    __asm__ __volatile__("lgdt (%0)\n\t"
                         "pushq $0x08\n\t"
                         "leaq 1f(%%rip), %%rax\n\t"
                         "pushq %%rax\n\t"
                         "lretq\n"
                         "1:\n\t"
                         "movl $0x10, %%eax\n\t"
                         "movl %%eax, %%ss\n\t"
                         "movl %%eax, %%ds\n\t"
                         "movl %%eax, %%es\n\t"
                         :
                         : "r"(&p)
                         : "rax", "memory");
}

static void tss_init(void)
{
    for (int i = 0; i < 3; i++)
        tss.ist[i] = (uint64_t)&ist_stacks[i][4096];
    uint64_t base = (uint64_t)&tss, limit = sizeof(tss);
    gdt[3] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ULL << 40 |
             ((base >> 24) & 0xff) << 56;
    gdt[4] = base >> 32;
    __asm__ __volatile__("ltr %w0" ::"r"(0x18) : "memory");
}

extern char guest_vectors[]; /* trap.S: 21 stubs of 16 bytes */

static void idt_init(void)
{
    for (uint64_t v = 0; v < 21; v++) {
        if (v == 9 || v == 15)
            continue;
        uint64_t f = (uint64_t)guest_vectors + 16 * v;
        uint64_t ist = v == 2 || v == 8 ? 3 : 2;
        idt[2 * v] = (f & 0xffff) | 0x08ULL << 16 | ist << 32 | 0x8eULL << 40 |
                     ((f >> 16) & 0xffff) << 48;
        idt[2 * v + 1] = f >> 32;
    }
    volatile struct table_ptr p = {sizeof(idt) - 1, (uint64_t)idt};
    __asm__ __volatile__("lidt (%0)" ::"r"(&p) : "memory");
}

void guest_trap(uint64_t vector, struct solo5_trap_regs *regs);
void guest_trap(uint64_t vector, struct solo5_trap_regs *regs)
{
    guest_puts("Solo5: trap: vector ");
    guest_put_u64(vector);
    guest_puts(" rip ");
    guest_put_u64(regs->rip);
    guest_puts("\n");
    volatile struct solo5_hc_halt h = {.cookie = (uint64_t)regs,
                                       .exit_status = SOLO5_EXIT_ABORT};
    guest_hypercall(SOLO5_HC_HALT, &h);
    for (;;)
        ;
}

void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
    guest_abort("stack corruption detected");
}

void _start(const struct solo5_boot_info *bi);
__attribute__((no_stack_protector)) void _start(const struct solo5_boot_info *bi)
{
    __stack_chk_guard = (rdtsc() + (rdtsc() << 32)) & ~(uintptr_t)0xff00;
    /* No TLS: FS base 0, as Solo5's crt does. */
    __asm__ __volatile__("wrmsr" ::"c"(0xc0000100), "a"(0), "d"(0));
    gdt_init();
    tss_init();
    idt_init();
    boot = bi;
    tsc_hz = bi->cpu_cycle_freq;
    tsc_boot = rdtsc();
    extern char _end[];
    struct guest_start si = {
        .cmdline = (const char *)bi->cmdline,
        .heap_start = ((uint64_t)_end + 4095) & ~4095ULL,
    };
    si.heap_size = bi->mem_size - si.heap_start;
    guest_exit(solo5_app_main(&si));
}

void guest_write(const char *s, size_t n)
{
    volatile struct solo5_hc_puts p = {(uint64_t)s, n};
    guest_hypercall(SOLO5_HC_PUTS, &p);
}

void guest_puts(const char *s)
{
    guest_write(s, strlen(s));
}

void guest_put_u64(uint64_t v)
{
    char b[21];
    int i = 20;
    b[i] = '\0';
    do
        b[--i] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    guest_puts(b + i);
}

void guest_exit(int status)
{
    volatile struct solo5_hc_halt h = {.cookie = 0, .exit_status = status};
    guest_hypercall(SOLO5_HC_HALT, &h);
    for (;;)
        ;
}

void guest_abort(const char *why)
{
    guest_puts("Solo5: ABORT: ");
    guest_puts(why);
    guest_puts("\n");
    guest_exit(SOLO5_EXIT_ABORT);
}

uint64_t guest_walltime(void)
{
    volatile struct solo5_hc_walltime t = {0};
    guest_hypercall(SOLO5_HC_WALLTIME, &t);
    return t.nsecs;
}

uint64_t guest_monotonic(void)
{
    /* kHz keeps it in 64 bits for the hours a test guest could run. */
    return (rdtsc() - tsc_boot) * 1000000ULL / (tsc_hz / 1000);
}

uint64_t guest_yield(uint64_t timeout_ns)
{
    volatile struct solo5_hc_poll p = {.timeout_nsecs = timeout_ns};
    guest_hypercall(SOLO5_HC_POLL, &p);
    return p.ready_set;
}

int guest_device(const char *name, uint32_t type, const struct solo5_mft_entry **e)
{
    const struct solo5_mft *m = (const struct solo5_mft *)boot->mft;
    for (uint32_t i = 0; i < m->entries; i++)
        if (m->e[i].type == type && strcmp(m->e[i].name, name) == 0) {
            if (!m->e[i].attached)
                guest_abort("device not attached");
            *e = &m->e[i];
            return (int)i;
        }
    guest_abort("device not in the manifest");
}

int guest_block_io(int nr, int handle, uint64_t offset, void *buf, size_t len)
{
    volatile struct solo5_hc_block b = {
        .handle = (uint64_t)handle, .offset = offset, .data = (uint64_t)buf,
        .len = len, .ret = -1};
    guest_hypercall(nr, &b);
    return b.ret;
}

int guest_net_write(int handle, const void *buf, size_t len)
{
    volatile struct solo5_hc_net n = {
        .handle = (uint64_t)handle, .data = (uint64_t)buf, .len = len, .ret = -1};
    guest_hypercall(SOLO5_HC_NET_WRITE, &n);
    return n.ret;
}

int guest_net_read(int handle, void *buf, size_t len, size_t *got)
{
    volatile struct solo5_hc_net n = {
        .handle = (uint64_t)handle, .data = (uint64_t)buf, .len = len, .ret = -1};
    guest_hypercall(SOLO5_HC_NET_READ, &n);
    *got = n.len;
    return n.ret;
}

void *memset(void *d, int c, size_t n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p - *q;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}
