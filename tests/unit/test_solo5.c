/* test_solo5.c: Solo5 notes and manifests, boot info and hypercalls, without KVM. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "solo5_abi.h"
#include "solo5_boot.h"
#include "solo5_hypercall.h"
#include "solo5_note.h"

/* ---- notes: built as Solo5's linker output lays them out ---- */

static uint8_t notes[16384];
static size_t notes_len;
static struct solo5_image s5;
static struct uhvt_manifest m;
static char why[SOLO5_NOTE_WHY_MAX];

static void note(const char *owner, uint32_t type, const void *desc, uint32_t descsz)
{
    uint32_t h[3] = {(uint32_t)strlen(owner) + 1, descsz, type};
    memcpy(notes + notes_len, h, sizeof(h));
    notes_len += sizeof(h);
    memcpy(notes + notes_len, owner, h[0]);
    notes_len += (h[0] + 3) & ~3U;
    memcpy(notes + notes_len, desc, descsz);
    notes_len += (descsz + 3) & ~3U;
}

static void abi(uint32_t target, uint32_t version)
{
    struct solo5_note_abi a = {target, version, {0, 0}};
    note("Solo5", SOLO5_NOTE_ABI, &a, sizeof(a));
}

/* A manifest of n entries after entry 0: names d1, d2, ... of `type`. */
static struct {
    struct solo5_mft h;
    struct solo5_mft_entry e[SOLO5_MFT_ENTRIES_MAX + 1];
} mft;

static void mft_default(uint32_t n, uint32_t type)
{
    memset(&mft, 0, sizeof(mft));
    mft.h = (struct solo5_mft){SOLO5_MFT_VERSION, n + 1};
    mft.e[0].type = SOLO5_MFT_RESERVED_FIRST;
    for (uint32_t i = 1; i <= n; i++) {
        snprintf(mft.e[i].name, sizeof(mft.e[i].name), "d%u", i);
        mft.e[i].type = type;
    }
}

/* The descriptor: the padding, then `entries` entries' worth of manifest. */
static void mft_note_of(uint32_t entries)
{
    static uint8_t desc[SOLO5_NOTE_MFT_PAD + sizeof(mft)];
    size_t len = sizeof(mft.h) + entries * sizeof(mft.e[0]);
    memset(desc, 0, SOLO5_NOTE_MFT_PAD);
    memcpy(desc + SOLO5_NOTE_MFT_PAD, &mft, len);
    note("Solo5", SOLO5_NOTE_MFT, desc, (uint32_t)(SOLO5_NOTE_MFT_PAD + len));
}

static void mft_note(void) { mft_note_of(mft.h.entries); }

static int scan_check(void)
{
    memset(&s5, 0, sizeof(s5));
    why[0] = '\0';
    if (solo5_note_scan(notes, notes_len, &s5, why) < 0)
        return -1;
    return solo5_note_check(&s5, &m, why);
}

static void refused(const char *reason)
{
    cr_assert_eq(scan_check(), -1, "accepted; expected '%s'", reason);
    cr_assert(strstr(why, reason) != NULL, "got '%s', expected '%s'", why, reason);
}

static void setup(void)
{
    notes_len = 0;
    mft_default(2, SOLO5_MFT_NET);
    mft.e[2].type = SOLO5_MFT_BLOCK;
}
TestSuite(solo5_note, .init = setup);

Test(solo5_note, valid_notes_map_entry_for_entry)
{
    note("OpenBSD", 1, "\0\0\0\0", 4); /* others' notes are skipped */
    abi(SOLO5_ABI_TARGET_HVT, SOLO5_HVT_ABI_VERSION);
    mft_note();
    cr_assert_eq(scan_check(), 0, "%s", why);
    cr_assert_eq(m.entries, 3);
    cr_assert_eq(m.e[0].type, UHVT_DEV_NONE);
    cr_assert_eq(m.e[1].type, UHVT_DEV_NET);
    cr_assert_str_eq(m.e[1].name, "d1");
    cr_assert_eq(m.e[2].type, UHVT_DEV_BLOCK);
    cr_assert_eq(s5.mft_size, 8 + 3 * 104);
}

Test(solo5_note, no_solo5_notes_is_not_solo5)
{
    note("uhvt", 1, "\2\0\0\0", 4);
    memset(&s5, 0, sizeof(s5));
    cr_assert_eq(solo5_note_scan(notes, notes_len, &s5, why), 0);
    cr_assert(!solo5_note_found(&s5));
}

Test(solo5_note, truncated) {
    abi(SOLO5_ABI_TARGET_HVT, 2);
    notes_len -= 4;
    refused("truncated");
}
Test(solo5_note, truncated_header) { notes_len = 7; refused("truncated"); }
Test(solo5_note, huge_sizes_do_not_wrap)
{
    uint32_t h[3] = {6, 0xfffffffc, SOLO5_NOTE_ABI};
    memcpy(notes, h, sizeof(h));
    memcpy(notes + 12, "Solo5\0\0\0", 8);
    notes_len = 20;
    refused("truncated");
}
Test(solo5_note, repeated_abi)
{
    abi(1, 2);
    abi(1, 2);
    refused("repeated Solo5 ABI");
}
Test(solo5_note, abi_wrong_size)
{
    note("Solo5", SOLO5_NOTE_ABI, "\1\0\0\0\2\0\0\0", 8);
    refused("malformed or repeated Solo5 ABI");
}
Test(solo5_note, other_target) { abi(2, 2); mft_note(); refused("ABI target 2, not hvt"); }
Test(solo5_note, other_version) { abi(1, 1); mft_note(); refused("hvt ABI 1"); }
Test(solo5_note, no_manifest) { abi(1, 2); refused("no Solo5 manifest"); }
Test(solo5_note, manifest_without_abi) { mft_note(); refused("no Solo5 ABI note"); }

Test(solo5_note, manifest_size_must_be_exact)
{
    abi(1, 2);
    mft_note_of(2);
    refused("3 entries in");
}

Test(solo5_note, manifest_version) { mft.h.version = 2; abi(1, 2); mft_note(); refused("manifest version 2"); }
Test(solo5_note, entry_zero_reserved)
{
    mft.e[0].type = SOLO5_MFT_NET;
    abi(1, 2);
    mft_note();
    refused("entry 0 is not the reserved one");
}
Test(solo5_note, name_unterminated)
{
    memset(mft.e[1].name, 'a', sizeof(mft.e[1].name));
    abi(1, 2);
    mft_note();
    refused("unterminated");
}
Test(solo5_note, attached_in_image)
{
    mft.e[2].attached = 1;
    abi(1, 2);
    mft_note();
    refused("marked attached");
}
Test(solo5_note, name_longer_than_uhvt_takes)
{
    memset(mft.e[1].name, 'a', 40);
    abi(1, 2);
    mft_note();
    refused("longer than uhvt's 31");
}
Test(solo5_note, duplicate_names)
{
    strcpy(mft.e[2].name, "d1");
    abi(1, 2);
    mft_note();
    refused("names 'd1' twice");
}
Test(solo5_note, unknown_type)
{
    mft.e[1].type = 7;
    abi(1, 2);
    mft_note();
    refused("unknown type 7");
}
Test(solo5_note, reserved_types_are_skipped)
{
    mft.e[1].type = SOLO5_MFT_RESERVED_FIRST + 5;
    abi(1, 2);
    mft_note();
    cr_assert_eq(scan_check(), 0, "%s", why);
    cr_assert_eq(m.e[1].type, UHVT_DEV_NONE);
}
Test(solo5_note, more_entries_than_uhvt_serves)
{
    mft_default(UHVT_MANIFEST_MAX, SOLO5_MFT_BLOCK);
    abi(1, 2);
    mft_note();
    refused("uhvt serves at most 16");
}
Test(solo5_note, more_entries_than_solo5_allows)
{
    mft_default(SOLO5_MFT_ENTRIES_MAX, SOLO5_MFT_BLOCK);
    abi(1, 2);
    mft_note();
    refused("malformed or repeated Solo5 manifest");
}

/* ---- the command line ---- */

Test(solo5_boot, cmdline_limit)
{
    static char big[SOLO5_CMDLINE_SIZE + 1];
    char wwhy[WHY_MAX];
    memset(big, 'x', SOLO5_CMDLINE_SIZE - 1);
    char *argv[] = {"app", big, NULL};
    cr_assert_eq(solo5_boot_check(2, argv, wwhy), 0);
    big[SOLO5_CMDLINE_SIZE - 1] = 'x';
    cr_assert_eq(solo5_boot_check(2, argv, wwhy), -1);
    cr_assert(strstr(wwhy, "8191") != NULL, "%s", wwhy);
    char *two[] = {"app", "a", "b", NULL};
    cr_assert_eq(solo5_boot_check(3, two, wwhy), 0);
}

/* ---- hypercalls ---- */

static struct vm vm;
static void hc_setup(void)
{
    memset(&vm, 0, sizeof(vm));
    cr_assert_eq(mem_init(&vm.mem, MEM_MIN), 0);
    vm.quiet = true;
    vm.sig_fd = -1;
    vm.img.solo5 = true;
    for (int i = 0; i < UHVT_MANIFEST_MAX; i++)
        vm.dev[i].poll_fd = -1;
}
static void hc_teardown(void) { mem_fini(&vm.mem); }
TestSuite(solo5_hypercall, .init = hc_setup, .fini = hc_teardown);

#define ARG 0x8000U
static void *arg(void) { return mem_ptr(&vm.mem, ARG, 64); }
static int call(unsigned nr) { return solo5_hypercall_handle(&vm, 0x500 + nr, 4, 1, 1, ARG); }

Test(solo5_hypercall, halt_status_is_the_low_byte)
{
    int32_t in[] = {0, 1, 119, 200, 255, 256 + 7, -1};
    int want[] = {0, 1, 119, 200, 255, 7, 255};
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        struct solo5_hc_halt h = {.exit_status = in[i]};
        memcpy(arg(), &h, sizeof(h));
        cr_assert_eq(call(SOLO5_HC_HALT), want[i]);
    }
}

Test(solo5_hypercall, halt_cookie_checked)
{
    struct solo5_hc_halt h = {.cookie = MEM_MIN - 100, .exit_status = 255};
    memcpy(arg(), &h, sizeof(h));
    cr_assert_eq(call(SOLO5_HC_HALT), UHVT_EXIT_BAD_HYPERCALL);
    h.cookie = 0x9000;
    memcpy(arg(), &h, sizeof(h));
    cr_assert_eq(call(SOLO5_HC_HALT), 255);
}

Test(solo5_hypercall, malformed_exits_end_the_guest)
{
    cr_assert_eq(call(0), UHVT_EXIT_BAD_HYPERCALL);
    cr_assert_eq(call(SOLO5_HC_MAX), UHVT_EXIT_BAD_HYPERCALL);
    cr_assert_eq(solo5_hypercall_handle(&vm, 0x4ff, 4, 1, 1, ARG), UHVT_EXIT_BAD_HYPERCALL);
    cr_assert_eq(solo5_hypercall_handle(&vm, 0x501, 4, 1, 0, ARG), UHVT_EXIT_BAD_HYPERCALL);
    cr_assert_eq(solo5_hypercall_handle(&vm, 0x501, 2, 1, 1, ARG), UHVT_EXIT_BAD_HYPERCALL);
    cr_assert_eq(solo5_hypercall_handle(&vm, 0x501, 4, 1, 1, ARG + 4), UHVT_EXIT_BAD_HYPERCALL);
    cr_assert_eq(solo5_hypercall_handle(&vm, 0x501, 4, 1, 1, MEM_MIN - 4), UHVT_EXIT_BAD_HYPERCALL);
    cr_assert_eq(solo5_hypercall_handle(&vm, 0x501, 4, 1, 1, 8), UHVT_EXIT_BAD_HYPERCALL);
    struct solo5_hc_puts p = {.data = MEM_MIN - 10, .len = 20};
    memcpy(arg(), &p, sizeof(p));
    cr_assert_eq(call(SOLO5_HC_PUTS), UHVT_EXIT_BAD_HYPERCALL);
    p = (struct solo5_hc_puts){.data = 0x9000, .len = UINT64_MAX};
    memcpy(arg(), &p, sizeof(p));
    cr_assert_eq(call(SOLO5_HC_PUTS), UHVT_EXIT_BAD_HYPERCALL);
}

Test(solo5_hypercall, walltime)
{
    memset(arg(), 0, 8);
    cr_assert_eq(call(SOLO5_HC_WALLTIME), VM_CONTINUE);
    struct solo5_hc_walltime t;
    memcpy(&t, arg(), sizeof(t));
    cr_assert_gt(t.nsecs, 1577836800ULL * 1000000000ULL);
}

Test(solo5_hypercall, devices_not_attached_are_einval)
{
    uint64_t handles[] = {0, 1, 15, 16, 1ULL << 32, UINT64_MAX};
    for (size_t i = 0; i < sizeof(handles) / sizeof(handles[0]); i++) {
        struct solo5_hc_block b = {.handle = handles[i], .data = 0x9000, .len = 512, .ret = -1};
        memcpy(arg(), &b, sizeof(b));
        cr_assert_eq(call(SOLO5_HC_BLOCK_READ), VM_CONTINUE);
        memcpy(&b, arg(), sizeof(b));
        cr_assert_eq(b.ret, SOLO5_R_EINVAL);
        struct solo5_hc_net n = {.handle = handles[i], .data = 0x9000, .len = 64, .ret = -1};
        memcpy(arg(), &n, sizeof(n));
        cr_assert_eq(call(SOLO5_HC_NET_WRITE), VM_CONTINUE);
        memcpy(&n, arg(), sizeof(n));
        cr_assert_eq(n.ret, SOLO5_R_EINVAL);
    }
}

Test(solo5_hypercall, poll_timeout_zero)
{
    struct solo5_hc_poll p = {.timeout_nsecs = 0, .ready_set = 99, .ret = -1};
    memcpy(arg(), &p, sizeof(p));
    cr_assert_eq(call(SOLO5_HC_POLL), VM_CONTINUE);
    memcpy(&p, arg(), sizeof(p));
    cr_assert_eq(p.ready_set, 0);
    cr_assert_eq(p.ret, 0);
}
