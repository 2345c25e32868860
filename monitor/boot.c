/* boot.c: the boot info the guest finds in rdi: memory, clock, entropy, argv and environment. */
#include "boot.h"

#include <errno.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <unistd.h>

#include "layout.h"
#include "uhvt_abi.h"

/*
 * Place `len` bytes at *next, aligned to `align` (a power of two): their
 * guest-physical address.  Only counts; boot_write checks the total first
 * (boot_check).
 */
static uint64_t boot_place(uint64_t *next, uint64_t len, uint64_t align)
{
    uint64_t at = (*next + align - 1) & ~(align - 1);
    *next = at + len;
    return at;
}

uint64_t boot_size(const struct vm *vm, int argc, char *const argv[])
{
    uint64_t next = LAYOUT_BOOT;
    boot_place(&next, sizeof(struct uhvt_boot_info), 8);
    boot_place(&next, vm->img.phnum * sizeof(Elf64_Phdr), 8);
    boot_place(&next, ((uint64_t)argc + 1 + (uint64_t)vm->envc + 1) * 8, 8);
    /* Strings need no alignment: packed, one-byte arguments cost two bytes. */
    for (int i = 0; i < argc; i++)
        boot_place(&next, strlen(argv[i]) + 1, 1);
    for (int i = 0; i < vm->envc; i++)
        boot_place(&next, strlen(vm->env[i]) + 1, 1);
    return next - LAYOUT_BOOT;
}

int boot_check(const struct vm *vm, int argc, char *const argv[], char why[WHY_MAX])
{
    uint64_t need = boot_size(vm, argc, argv);
    if (need <= BOOT_MAX)
        return 0;
    uint64_t chars = 0;
    for (int i = 0; i < argc; i++)
        chars += strlen(argv[i]) + 1;
    for (int i = 0; i < vm->envc; i++)
        chars += strlen(vm->env[i]) + 1;
    return why_fail(why, "guest arguments too long: %d strings (argv[0] too) "
                         "and %d of environment, of %llu bytes with their NULs, "
                         "and an 8-byte pointer each, need %llu bytes of boot "
                         "memory, more than its %llu",
                    argc, vm->envc, (unsigned long long)chars,
                    (unsigned long long)need, (unsigned long long)BOOT_MAX);
}

int boot_write(const struct vm *vm, int argc, char *const argv[], uint64_t tsc_hz,
               char why[WHY_MAX])
{
    if (boot_check(vm, argc, argv, why) < 0)
        return -1;
    uint64_t next = LAYOUT_BOOT;
    uint64_t bi_gpa = boot_place(&next, sizeof(struct uhvt_boot_info), 8);
    size_t ph_len = vm->img.phnum * sizeof(Elf64_Phdr);
    uint64_t ph_gpa = boot_place(&next, ph_len, 8);
    uint64_t words = (uint64_t)argc + 1 + (uint64_t)vm->envc + 1;
    uint64_t argv_gpa = boot_place(&next, words * 8, 8);
    struct uhvt_boot_info *bi = mem_ptr(&vm->mem, bi_gpa, sizeof(*bi));
    void *ph = mem_ptr(&vm->mem, ph_gpa, ph_len);
    uhvt_gpa_t *gargv = mem_ptr(&vm->mem, argv_gpa, words * 8);
    if (bi == NULL || ph == NULL || gargv == NULL)
        return why_fail(why, "boot information does not fit guest memory");

    memcpy(ph, vm->img.phdr, ph_len);
    /* argv, a 0, the environment, a 0: as on a Linux process's stack. */
    for (int i = 0; i < argc + 1 + vm->envc; i++) {
        const char *from = i < argc ? argv[i] : i > argc ? vm->env[i - argc - 1] : NULL;
        if (from == NULL) {
            gargv[i] = 0;
            continue;
        }
        uint64_t len = strlen(from) + 1;
        gargv[i] = boot_place(&next, len, 1);
        char *s = mem_ptr(&vm->mem, gargv[i], len);
        if (s == NULL)
            return why_fail(why, "boot information does not fit guest memory");
        memcpy(s, from, len);
    }
    gargv[words - 1] = 0;

    /* asm/hwcap2.h's HWCAP2_FSGSBASE: the kernel enabled FSGSBASE for user mode. */
    const unsigned long hwcap2_fsgsbase = 1ul << 1;
    uint64_t flags = vm->boot_flags;
    if (vm->kvm.kind == VM_KVM_PVM) {
        flags |= UHVT_BOOT_PVM;
        if (getauxval(AT_HWCAP2) & hwcap2_fsgsbase)
            flags |= UHVT_BOOT_FSGSBASE;
    }
    *bi = (struct uhvt_boot_info){
        .flags = flags | (isatty(STDIN_FILENO) ? UHVT_BOOT_STDIN_TTY : 0) |
                 (isatty(STDOUT_FILENO) ? UHVT_BOOT_STDOUT_TTY : 0) |
                 (isatty(STDERR_FILENO) ? UHVT_BOOT_STDERR_TTY : 0),
        .mem_size = vm->mem.size,
        .kernel_end = vm->img.end,
        .tsc_freq = tsc_hz,
        .argc = (uint64_t)argc,
        .argv = argv_gpa,
        .phdr = ph_gpa,
        .phnum = vm->img.phnum,
        .phent = sizeof(Elf64_Phdr),
    };
    if (getrandom(bi->random, sizeof(bi->random), 0) != sizeof(bi->random))
        return why_fail(why, "getrandom: %s", strerror(errno));
    return 0;
}
