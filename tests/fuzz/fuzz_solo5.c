/* fuzz_solo5.c: libFuzzer harness: any bytes as a PT_NOTE through the Solo5 note and manifest parser, then the boot area. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "solo5_boot.h"
#include "solo5_note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: the bytes of one PT_NOTE segment (the corpus holds the two notes
 * of an in-tree Solo5-ABI guest).  A manifest that passes the check is
 * written to a small guest's boot area with the input's tail as the
 * command line, as solo5_boot_write does for an image with nothing
 * attached.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vm vm;
    char why[SOLO5_NOTE_WHY_MAX];
    memset(&vm.img, 0, sizeof(vm.img));
    if (solo5_note_scan(data, size, &vm.img.s5, why) < 0 ||
        solo5_note_check(&vm.img.s5, &vm.img.manifest, why) < 0)
        return 0;
    vm.img.solo5 = true;
    if (vm.mem.base == NULL && mem_init(&vm.mem, MEM_MIN) < 0)
        return 0;
    vm.quiet = true;
    vm.sig_fd = -1;
    char arg[64];
    size_t n = size < sizeof(arg) - 1 ? size : sizeof(arg) - 1;
    memcpy(arg, data + size - n, n);
    arg[n] = '\0';
    char *argv[] = {"app", arg, NULL};
    static char boot_why[WHY_MAX];
    solo5_boot_write(&vm, 2, argv, 1000000000ULL, boot_why);
    return 0;
}
