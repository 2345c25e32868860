/* boot.c: from the monitor's entry to musl's __libc_start_main. */
#include <elf.h>
#include <stdint.h>
#include <string.h>

#include "cpu.h"
#include "hypercall.h"
#include "note.h"
#include "runtime.h"

_Static_assert(NOTE_ABI_TYPE == UHVT_NOTE_ABI, "start.S note type");
_Static_assert(NOTE_ABI_VERSION == UHVT_ABI_VERSION, "start.S note version");

int main(int argc, char **argv, char **envp);
int __libc_start_main(int (*main)(int, char **, char **), int argc,
                      char **argv, void (*init)(void), void (*fini)(void),
                      void (*ldso_fini)(void));
/* musl's crti.o and crtn.o. */
void _init(void);
void _fini(void);
void _start(void);

struct uhvt_boot_info boot_info;

/*
 * The thread control block FS points at until musl installs its own.  Code
 * built with -fstack-protector reads the canary at %fs:0x28 and musl reads
 * its self pointer at %fs:0, so both must be valid from the first C call.
 */
static struct {
    uint64_t self;
    uint64_t pad[4];
    uint64_t canary; /* %fs:0x28 */
} boot_tcb;
_Static_assert(offsetof(__typeof__(boot_tcb), canary) == 0x28, "canary");

/* A zero byte stops string overflows from copying the canary (as musl). */
static uint64_t boot_canary(uint64_t v)
{
    return v & ~(uint64_t)0xff00;
}

/*
 * Build what the kernel leaves on a new process's stack, since
 * __libc_start_main finds envp and the auxiliary vector after argv:
 *   argc, argv[0..argc-1], 0, envp[0..], 0, auxv pairs, AT_NULL
 * followed by the 16 bytes AT_RANDOM points at.  It lives in heap pages
 * that are never freed.
 */
static uint64_t *boot_process_image(void)
{
    uint64_t argc = boot_info.argc;
    const uhvt_gpa_t *argv = (const uhvt_gpa_t *)(uintptr_t)boot_info.argv;
    uint32_t id[4];
    uint64_t envc = 0;

    /* The monitor's environment follows argv's 0 (ABI 4). */
    while (argv[argc + 1 + envc] != 0)
        envc++;
    cpu_cpuid(1, 0, id);
    const uint64_t aux[][2] = {
        { AT_PHDR, boot_info.phdr },
        { AT_PHENT, boot_info.phent },
        { AT_PHNUM, boot_info.phnum },
        { AT_PAGESZ, UHVT_PAGE_SIZE },
        { AT_ENTRY, (uintptr_t)_start },
        { AT_UID, 0 },
        { AT_EUID, 0 },
        { AT_GID, 0 },
        { AT_EGID, 0 },
        { AT_SECURE, 0 },
        { AT_HWCAP, id[3] },
        { AT_CLKTCK, 100 },
        { AT_RANDOM, 0 }, /* filled in below */
        { AT_NULL, 0 },
    };
    /* At most: the network stack's arguments are left out below. */
    size_t words = 1 + argc + 1 + envc + 1 + 2 * ARRAY_SIZE(aux);
    uint64_t *sp = mem_alloc(words * 8 + 16);
    if (sp == NULL)
        hypercall_abort("uhvt: no memory for the process image");

    /*
     * The network stack's arguments (after argv[0]) are its own: main never
     * sees them, as a Linux program never sees its kernel's configuration.
     */
    size_t i = 1; /* sp[0], argc, once counted */
    for (uint64_t n = 0; n < argc; n++)
        if (n == 0 || !tcpip_arg((const char *)(uintptr_t)argv[n]))
            sp[i++] = argv[n];
    sp[0] = i - 1;
    sp[i++] = 0; /* end of argv */
    for (uint64_t n = 0; n < envc; n++)
        sp[i++] = argv[argc + 1 + n];
    sp[i++] = 0; /* end of the environment */
    uint8_t *random = (uint8_t *)(sp + words);
    rng_fill(random, 16);
    for (size_t n = 0; n < ARRAY_SIZE(aux); n++) {
        sp[i++] = aux[n][0];
        sp[i++] = aux[n][0] == AT_RANDOM ? (uintptr_t)random : aux[n][1];
    }
    return sp;
}

/*
 * Called by start.S.  No stack protector: this frame outlives the boot TCB
 * (the epilogue never runs, but say so rather than rely on it).
 */
PUBLIC NOSSP _Noreturn void __uhvt_boot(const struct uhvt_boot_info *bi);
PUBLIC NOSSP _Noreturn void __uhvt_boot(const struct uhvt_boot_info *bi)
{
    /*
     * A provisional canary until the generator runs: only frames of
     * functions called below (all gone before it changes) check it.
     */
    uint64_t seed;
    memcpy(&seed, bi->random, sizeof seed);
    boot_tcb.self = (uintptr_t)&boot_tcb;
    boot_tcb.canary = boot_canary(seed ^ cpu_rdtsc());
    cpu_wrmsr(MSR_FS_BASE, (uintptr_t)&boot_tcb);

    boot_info = *bi;
    cpu_init(boot_info.flags);
    rng_init(boot_info.random);
    uint64_t canary;
    rng_fill(&canary, sizeof canary);
    boot_tcb.canary = boot_canary(canary);
    clock_init(&boot_info);
    mem_setup(&boot_info);
    console_init();

    uint64_t *sp = boot_process_image();
    mount_start();
    tcpip_start();
    snapshot_idle_arm(1); /* the application's waits from here on */
    __libc_start_main(main, (int)sp[0], (char **)(sp + 1), _init, _fini, 0);
    hypercall_abort("uhvt: __libc_start_main returned");
}
