/* solo5_boot.c: a Solo5 image's boot info, manifest and command line in low guest memory. */
#include "solo5_boot.h"

#include <string.h>

#include "layout.h"
#include "solo5_abi.h"
#include "solo5_hypercall.h"
#include "solo5_note.h"
#include "uhvt_abi.h"

/* Boot info, the largest manifest and the command line, packed. */
#define MFT_AT (SOLO5_BOOT_INFO + sizeof(struct solo5_boot_info))
#define CMDLINE_AT (MFT_AT + SOLO5_MFT_SIZE_MAX)
_Static_assert(MFT_AT % 8 == 0, "manifest alignment");
_Static_assert(SOLO5_BOOT_INFO >= LAYOUT_BOOT &&
                   CMDLINE_AT + SOLO5_CMDLINE_SIZE <= LAYOUT_BOOT_END,
               "the Solo5 boot area lies inside uhvt's");

int solo5_boot_check(int argc, char *const argv[], char why[WHY_MAX])
{
    uint64_t len = 0;
    for (int i = 1; i < argc; i++)
        len += strlen(argv[i]) + (i + 1 < argc);
    if (len < SOLO5_CMDLINE_SIZE)
        return 0;
    return why_fail(why, "guest command line too long: %llu characters, "
                         "Solo5's limit is %d",
                    (unsigned long long)len, SOLO5_CMDLINE_SIZE - 1);
}

/* Fill in manifest entry i from its attached device, through its module. */
static int fill(struct vm *vm, uint32_t i, struct solo5_mft_entry *e, char *why)
{
    e->backing = 0;
    e->attached = 0;
    if (vm->dev[i].type == UHVT_DEV_NET) {
        hypercall_fn *info = solo5_hypercall_device(UHVT_DEV_NET, UHVT_HC_NET_INFO);
        struct uhvt_hc_net_info n = {.handle = i};
        if (info == NULL || info(vm, &n) != VM_CONTINUE || n.ret != UHVT_OK ||
            n.mtu > UINT16_MAX)
            return why_fail(why, "NIC '%s': no MAC and MTU to give", e->name);
        memcpy(e->u.net.mac, n.mac, sizeof(e->u.net.mac));
        e->u.net.mtu = (uint16_t)n.mtu;
        e->attached = 1;
    } else if (vm->dev[i].type == UHVT_DEV_BLOCK) {
        hypercall_fn *info = solo5_hypercall_device(UHVT_DEV_BLOCK, UHVT_HC_BLK_INFO);
        struct uhvt_hc_blk_info b = {.handle = i};
        if (info == NULL || info(vm, &b) != VM_CONTINUE || b.ret != UHVT_OK)
            return why_fail(why, "disk '%s': no capacity to give", e->name);
        e->u.block.capacity = b.capacity;
        e->u.block.block_size = (uint16_t)b.sector_size;
        e->attached = 1;
    }
    return 0;
}

int solo5_boot_write(struct vm *vm, int argc, char *const argv[], uint64_t tsc_hz,
                     char why[WHY_MAX])
{
    if (solo5_boot_check(argc, argv, why) < 0)
        return -1;
    const struct solo5_image *s5 = &vm->img.s5;
    struct solo5_boot_info *bi = mem_ptr(&vm->mem, SOLO5_BOOT_INFO, sizeof(*bi));
    uint8_t *mft = mem_ptr(&vm->mem, MFT_AT, s5->mft_size);
    char *cmdline = mem_ptr(&vm->mem, CMDLINE_AT, SOLO5_CMDLINE_SIZE);
    if (bi == NULL || mft == NULL || cmdline == NULL)
        return why_fail(why, "boot information does not fit guest memory");

    /* The manifest was checked (solo5_note_check): entries fit mft_size. */
    memcpy(mft, s5->mft, s5->mft_size);
    uint32_t entries = vm->img.manifest.entries;
    for (uint32_t i = 0; i < entries; i++) {
        struct solo5_mft_entry e;
        uint8_t *at = mft + sizeof(struct solo5_mft) + i * sizeof(e);
        memcpy(&e, at, sizeof(e));
        if (fill(vm, i, &e, why) < 0)
            return -1;
        memcpy(at, &e, sizeof(e));
    }

    size_t off = 0;
    for (int i = 1; i < argc; i++) {
        size_t n = strlen(argv[i]);
        memcpy(cmdline + off, argv[i], n);
        off += n;
        if (i + 1 < argc)
            cmdline[off++] = ' ';
    }
    cmdline[off] = '\0';

    *bi = (struct solo5_boot_info){
        .mem_size = vm->mem.size,
        .kernel_end = vm->img.end,
        .cpu_cycle_freq = tsc_hz,
        .cmdline = CMDLINE_AT,
        .mft = MFT_AT,
    };
    return 0;
}
