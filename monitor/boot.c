/* boot.c: the boot info the guest finds in rdi: memory, clock, entropy, argv. */
#include "boot.h"

#include <err.h>
#include <string.h>
#include <sys/random.h>

#include "layout.h"
#include "uhvt_abi.h"

/* Reserve `len` bytes at *next (8-byte aligned) inside the boot area. */
static void *boot_alloc(const struct vm *vm, uint64_t *next, uint64_t len,
                        uint64_t *gpa)
{
    uint64_t at = (*next + 7) & ~7ULL;
    if (at > LAYOUT_BOOT_END || len > LAYOUT_BOOT_END - at)
        return NULL;
    *next = at + len;
    *gpa = at;
    return mem_ptr(&vm->mem, at, len);
}

int boot_write(const struct vm *vm, int argc, char *const argv[],
               uint64_t tsc_freq)
{
    uint64_t next = LAYOUT_BOOT, bi_gpa, ph_gpa, argv_gpa;
    struct uhvt_boot_info *bi = boot_alloc(vm, &next, sizeof(*bi), &bi_gpa);
    size_t ph_len = vm->img.phnum * sizeof(Elf64_Phdr);
    void *ph = boot_alloc(vm, &next, ph_len, &ph_gpa);
    uhvt_gpa_t *gargv = boot_alloc(vm, &next, ((uint64_t)argc + 1) * 8, &argv_gpa);
    if (bi == NULL || ph == NULL || gargv == NULL)
        return -1;

    memcpy(ph, vm->img.phdr, ph_len);
    for (int i = 0; i < argc; i++) {
        uint64_t len = strlen(argv[i]) + 1;
        char *s = boot_alloc(vm, &next, len, &gargv[i]);
        if (s == NULL)
            return -1;
        memcpy(s, argv[i], len);
    }
    gargv[argc] = 0;

    *bi = (struct uhvt_boot_info){
        .flags = vm->kvm.kind == VM_KVM_PVM ? UHVT_BOOT_PVM : 0,
        .mem_size = vm->mem.size,
        .kernel_end = vm->img.end,
        .tsc_freq = tsc_freq,
        .argc = (uint64_t)argc,
        .argv = argv_gpa,
        .phdr = ph_gpa,
        .phnum = vm->img.phnum,
        .phent = sizeof(Elf64_Phdr),
    };
    if (getrandom(bi->random, sizeof(bi->random), 0) != sizeof(bi->random))
        err(UHVT_EXIT_SETUP, "getrandom");
    return 0;
}
