/* test_snapfile.c: the snapshot file parser refuses every malformed or mismatched file, by name. */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "snapfile.h"
#include "snapfile_builder.h"

static uint8_t file[SNAPB_SIZE + SNAPFILE_PAGE];

/* Parse `len` bytes of `file`: 0 or -1, the reason in `why`. */
static int parse_len(size_t len, char why[WHY_MAX])
{
    int fd = memfd_create("snap", 0);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, file, len), (ssize_t)len);
    struct snapfile s;
    why[0] = '\0';
    int rc = snapfile_read(fd, &s, why);
    close(fd);
    if (rc == 0) {
        cr_assert_eq(s.h.nruns, SNAPB_RUNS);
        snapfile_free(&s);
    }
    return rc;
}

static int parse(char why[WHY_MAX])
{
    return parse_len(SNAPB_SIZE, why);
}

/* The file, changed by `edit`, is refused with a reason containing `want`. */
#define REFUSED(want, edit)                                                   \
    do {                                                                      \
        struct snapfile_header *h = snapb_build(file);                        \
        struct snapfile_vcpu *v = snapb_vcpu(file);                           \
        struct snapfile_run *r = snapb_runs(file);                            \
        (void)h, (void)v, (void)r;                                            \
        edit;                                                                 \
        char why[WHY_MAX];                                                    \
        cr_assert_eq(parse(why), -1, "accepted after: %s", #edit);            \
        cr_assert(strstr(why, want), "%s: got '%s'", #edit, why);             \
    } while (0)

Test(snapfile, well_formed)
{
    snapb_build(file);
    cr_assert_leq(snapb_build(file)->runs_offset + SNAPB_RUNS * sizeof(struct snapfile_run),
                  SNAPB_DATA_OFFSET);
    char why[WHY_MAX];
    cr_assert_eq(parse(why), 0, "%s", why);
}

Test(snapfile, header)
{
    REFUSED("bad magic", h->magic[0] = 'X');
    REFUSED("format 2", h->format = 2);
    REFUSED("wrong size", h->header_size--);
    REFUSED("wrong size", h->vcpu_size++);
    REFUSED("NUL-terminated", memset(h->monitor, 'a', sizeof(h->monitor)));
    REFUSED("unknown KVM kind", h->kvm_kind = 3);
    REFUSED("4M..4G", h->mem_size = 2ULL << 20);
    REFUSED("4M..4G", h->mem_size = (4ULL << 20) + 4096);
    REFUSED("4M..4G", h->mem_size = 8ULL << 30);
    REFUSED("snapshot call", h->call_gpa = 0x2004);
    REFUSED("snapshot call", h->call_gpa = 0);
    REFUSED("snapshot call", h->call_gpa = SNAPB_MEM - 8);
    REFUSED("snapshot call", h->call_gpa = UINT64_MAX - 7);
    REFUSED("truncated", h->file_size++);
    REFUSED("vCPU section", h->vcpu_offset = 8);
    REFUSED("vCPU section", h->vcpu_offset = UINT64_MAX - 100);
    REFUSED("vCPU section", h->vcpu_offset = SNAPB_SIZE - 64);
    REFUSED("run table", h->nruns = SNAPFILE_RUNS_MAX + 1);
    REFUSED("run table", h->runs_offset = UINT64_MAX - 16);
    REFUSED("run table", h->runs_offset = 0);
    REFUSED("data area", h->data_offset += 8);
    REFUSED("data area", h->data_size = UINT64_MAX - 4095);
    REFUSED("data area", h->pages = 4);
    REFUSED("manifest", h->manifest.entries = UHVT_MANIFEST_MAX + 1);
    REFUSED("manifest", h->manifest.e[0].name[0] = '/');
}

Test(snapfile, vcpu)
{
    REFUSED("MSRs, at most", v->nmsrs = SNAPFILE_MSR_MAX + 1);
    REFUSED("MSR 0x4b564d10", v->msrs[0].index = 0x4b564d10); /* PVM's mode */
    REFUSED("MSR 0x10", v->msrs[0].index = 0x10);             /* the TSC */
    REFUSED("other than XCR0", v->xcrs.nr_xcrs = 2);
    REFUSED("other than XCR0", (v->xcrs.nr_xcrs = 1, v->xcrs.xcrs[0].xcr = 1));
    REFUSED("FPU state flag", v->has_xsave = 2);
}

/* State KVM takes but cannot enter: the file's fault (125), not the host's (126). */
Test(snapfile, vcpu_state)
{
    REFUSED("vCPU flags 0x0", v->regs.rflags = 0);
    REFUSED("vCPU flags 0x20002", v->regs.rflags = 0x20002);  /* VM: virtual-8086 */
    REFUSED("vCPU flags 0x8002", v->regs.rflags = 0x8002);    /* reserved bit 15 */
    REFUSED("vCPU flags", v->regs.rflags = 1ULL << 40);
    REFUSED("64-bit long mode", v->sregs.cr0 = 0x11);         /* paging off */
    REFUSED("64-bit long mode", v->sregs.cr4 = 0);
    REFUSED("64-bit long mode", v->sregs.efer = 0x100);       /* LME without LMA */
    REFUSED("64-bit long mode", v->sregs.cs.l = 0);
    REFUSED("64-bit long mode", v->sregs.cs.db = 1);
    REFUSED("64-bit long mode", v->sregs.cs.present = 0);
    REFUSED("interrupt pending", v->sregs.interrupt_bitmap[0] = 1ULL << 32);
    REFUSED("interrupt pending", v->sregs.interrupt_bitmap[3] = 1);
}

Test(snapfile, runs)
{
    REFUSED("run 0: unaligned", r[0].gpa = 0x1008);
    REFUSED("run 1: unaligned", r[1].offset += 8);
    REFUSED("run 0: unaligned or empty", r[0].pages = 0);
    REFUSED("outside guest memory", r[1].gpa = SNAPB_MEM - SNAPFILE_PAGE);
    REFUSED("unaligned or empty", r[1].pages = UINT64_MAX / 2);
    REFUSED("outside guest memory", r[1].gpa = UINT64_MAX & ~0xfffULL);
    REFUSED("overlaps", r[1].gpa = 0);
    REFUSED("overlaps", r[1].gpa = 0x1000);
    REFUSED("data outside", r[0].offset = 4096);
    REFUSED("data outside", r[1].offset = SNAPB_DATA_OFFSET + 2 * SNAPFILE_PAGE);
    REFUSED("data outside", r[1].offset = UINT64_MAX & ~0xfffULL);
    REFUSED("runs hold 2 pages", (r[1].pages = 1));
}

Test(snapfile, short_files)
{
    snapb_build(file);
    char why[WHY_MAX];
    cr_assert_eq(parse_len(0, why), -1);
    cr_assert(strstr(why, "too short"), "%s", why);
    cr_assert_eq(parse_len(100, why), -1);
    cr_assert_eq(parse_len(SNAPB_SIZE - 1, why), -1);
    cr_assert(strstr(why, "truncated"), "%s", why);
    cr_assert_eq(parse_len(SNAPB_SIZE + 1, why), -1);
    cr_assert(strstr(why, "truncated"), "%s", why);
}

Test(snapfile, match)
{
    const struct snapfile_header *h = snapb_build(file);
    char why[WHY_MAX];
    cr_assert_eq(snapfile_match(h, "0.1", 0x1234, 4096, SNAPFILE_KVM_PVM, why), 0);
    cr_assert_eq(snapfile_match(h, "0.2", 0x1234, 4096, SNAPFILE_KVM_PVM, why), -1);
    cr_assert(strstr(why, "taken by uhvt 0.1"), "%s", why);
    cr_assert_eq(snapfile_match(h, "0.1", 0x1235, 4096, SNAPFILE_KVM_PVM, why), -1);
    cr_assert(strstr(why, "another image"), "%s", why);
    cr_assert_eq(snapfile_match(h, "0.1", 0x1234, 4097, SNAPFILE_KVM_PVM, why), -1);
    cr_assert(strstr(why, "another image"), "%s", why);
    cr_assert_eq(snapfile_match(h, "0.1", 0x1234, 4096, SNAPFILE_KVM_HARDWARE, why), -1);
    cr_assert(strstr(why, "taken on PVM KVM; this host's is hardware"), "%s", why);
}

Test(snapfile, msrs_and_hash)
{
    unsigned n;
    const uint32_t *m = snapfile_msrs(&n);
    cr_assert_gt(n, 0);
    for (unsigned i = 0; i < n; i++)
        cr_assert(snapfile_msr_allowed(m[i]));
    cr_assert_not(snapfile_msr_allowed(0x10));
    uint8_t a[13] = "hello, world", b[13] = "hello, worle";
    cr_assert_neq(snapfile_hash(a, 13), snapfile_hash(b, 13));
    cr_assert_neq(snapfile_hash(a, 12), snapfile_hash(a, 13));
    cr_assert_eq(snapfile_hash(a, 13), snapfile_hash(a, 13));
}

#include "options.h"

#define OPTS(o, why, ...)                                                     \
    options_parse(sizeof((char *[]){"uhvt", __VA_ARGS__}) / sizeof(char *),  \
                  (char *[]){"uhvt", __VA_ARGS__, NULL}, o, why)

Test(snapfile, options)
{
    struct options o;
    char why[OPTIONS_WHY_MAX];
    cr_assert_eq(OPTS(&o, why, "--snapshot=s", "--snapshot-continue", "a.hvt"),
                 OPTIONS_RUN);
    cr_assert_str_eq(o.snapshot, "s");
    cr_assert(o.snapshot_continue);
    cr_assert_null(o.restore);
    cr_assert_eq(OPTS(&o, why, "--restore", "s", "a.hvt", "--ipv4=1.2.3.4/8"),
                 OPTIONS_RUN);
    cr_assert_str_eq(o.restore, "s");
    cr_assert_eq(o.guest_argc, 2);
    cr_assert_eq(OPTS(&o, why, "--restore=s", "--snapshot=t", "a.hvt"), OPTIONS_ERROR);
    cr_assert(strstr(why, "together"), "%s", why);
    cr_assert_eq(OPTS(&o, why, "--snapshot-continue", "a.hvt"), OPTIONS_ERROR);
    cr_assert(strstr(why, "needs --snapshot"), "%s", why);
    cr_assert_eq(OPTS(&o, why, "--restore"), OPTIONS_ERROR);
}
