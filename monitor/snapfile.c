/* snapfile.c: the snapshot file format, and its parser for untrusted files. */
#include "snapfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf.h"
#include "mem.h"
#include "snapio.h"

/*
 * What the runtime and the monitor set: the SYSCALL entry, the TLS bases
 * (also in sregs, but PVM keeps the MSRs as the truth), PAT.  Nothing that
 * would change how KVM itself runs the vCPU (PVM's own MSRs, the TSC, which
 * the runtime rebases on restore) may come from a file.
 */
static const uint32_t msrs[] = {
    0xc0000081, /* STAR */
    0xc0000082, /* LSTAR */
    0xc0000083, /* CSTAR */
    0xc0000084, /* SYSCALL_MASK */
    0xc0000100, /* FS_BASE */
    0xc0000101, /* GS_BASE */
    0xc0000102, /* KERNEL_GS_BASE */
    0x00000277, /* PAT */
};
_Static_assert(sizeof(msrs) / sizeof(msrs[0]) <= SNAPFILE_MSR_MAX, "msrs");

const uint32_t *snapfile_msrs(unsigned *n)
{
    *n = sizeof(msrs) / sizeof(msrs[0]);
    return msrs;
}

int snapfile_msr_allowed(uint32_t index)
{
    for (size_t i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
        if (msrs[i] == index)
            return 1;
    return 0;
}

uint64_t snapfile_hash(const void *data, uint64_t len)
{
    /* FNV-1a over 8-byte words: fast enough to run at every restore. */
    const uint8_t *p = data;
    uint64_t h = 0xcbf29ce484222325ULL ^ len;
    uint64_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    for (; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

/* Whether [off, off + len) lies inside a file of `size` bytes. */
static int within(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

static int header_check(const struct snapfile_header *h, uint64_t size,
                        char why[WHY_MAX])
{
    if (memcmp(h->magic, SNAPFILE_MAGIC, sizeof(h->magic)) != 0)
        return why_fail(why, "not a uhvt snapshot (bad magic)");
    if (h->format != SNAPFILE_FORMAT)
        return why_fail(why, "snapshot format %u, this uhvt reads %u", h->format,
                        SNAPFILE_FORMAT);
    if (h->header_size != sizeof(*h) || h->vcpu_size != sizeof(struct snapfile_vcpu))
        return why_fail(why, "header or vCPU section of the wrong size");
    if (memchr(h->monitor, '\0', sizeof(h->monitor)) == NULL)
        return why_fail(why, "monitor version not NUL-terminated");
    if (h->kvm_kind != SNAPFILE_KVM_HARDWARE && h->kvm_kind != SNAPFILE_KVM_PVM)
        return why_fail(why, "unknown KVM kind %u", h->kvm_kind);
    if (h->mem_size % MEM_ALIGN != 0 || h->mem_size < MEM_MIN ||
        h->mem_size > UHVT_MEM_MAX)
        return why_fail(why, "guest memory size %llu is not 4M..4G in 2M steps",
                        (unsigned long long)h->mem_size);
    if (h->call_gpa % 8 != 0 || h->call_gpa < UHVT_PAGE_SIZE ||
        !within(h->call_gpa, sizeof(struct uhvt_hc_snapshot), h->mem_size))
        return why_fail(why, "snapshot call at 0x%llx is outside guest memory",
                        (unsigned long long)h->call_gpa);
    if (h->file_size != size)
        return why_fail(why, "file is %llu bytes, its header says %llu "
                             "(truncated or extended?)",
                        (unsigned long long)size, (unsigned long long)h->file_size);
    if (h->vcpu_offset < sizeof(*h) || !within(h->vcpu_offset, h->vcpu_size, size))
        return why_fail(why, "vCPU section outside the file");
    if (h->nruns > SNAPFILE_RUNS_MAX ||
        !within(h->runs_offset, (uint64_t)h->nruns * sizeof(struct snapfile_run),
                size) || h->runs_offset < sizeof(*h))
        return why_fail(why, "run table (%u runs) outside the file", h->nruns);
    if (h->data_offset % SNAPFILE_PAGE != 0 ||
        !within(h->data_offset, h->data_size, size) ||
        h->data_size % SNAPFILE_PAGE != 0 ||
        h->pages != h->data_size / SNAPFILE_PAGE)
        return why_fail(why, "data area outside the file or unaligned");
    char elf_why[ELF_WHY_MAX];
    if (elf_manifest_check(&h->manifest, elf_why) < 0)
        return why_fail(why, "manifest: %s", elf_why);
    return 0;
}

/*
 * What any uhvt vCPU holds (cpu_x86_64.c): long mode with paging, a 64-bit
 * code segment, no interrupt waiting (uhvt injects none).  KVM accepts
 * KVM_SET_REGS/SREGS without these and then fails the VM entry, which
 * would read as the host's failure (126): a file without them is refused.
 */
#define CR0_PE 0x1ULL
#define CR0_PG 0x80000000ULL
#define CR4_PAE 0x20ULL
#define EFER_LME 0x100ULL
#define EFER_LMA 0x400ULL
/* The flags a 64-bit guest may hold: bit 1 always set, VM (17) and the reserved ones clear. */
#define RFLAGS_FIXED 0x2ULL
#define RFLAGS_ALLOWED 0x3d7fd7ULL

static int cpu_state_check(const struct snapfile_vcpu *v, char why[WHY_MAX])
{
    const struct kvm_sregs *s = &v->sregs;
    if (!(v->regs.rflags & RFLAGS_FIXED) || (v->regs.rflags & ~RFLAGS_ALLOWED))
        return why_fail(why, "vCPU flags 0x%llx are not a 64-bit guest's",
                        (unsigned long long)v->regs.rflags);
    if ((s->cr0 & (CR0_PE | CR0_PG)) != (CR0_PE | CR0_PG) || !(s->cr4 & CR4_PAE) ||
        (s->efer & (EFER_LME | EFER_LMA)) != (EFER_LME | EFER_LMA) ||
        !s->cs.present || !s->cs.l || s->cs.db)
        return why_fail(why, "vCPU not in 64-bit long mode (cr0 0x%llx, cr4 0x%llx, "
                             "efer 0x%llx, cs l=%u db=%u)",
                        (unsigned long long)s->cr0, (unsigned long long)s->cr4,
                        (unsigned long long)s->efer, s->cs.l, s->cs.db);
    for (size_t i = 0; i < sizeof(s->interrupt_bitmap) / sizeof(s->interrupt_bitmap[0]); i++)
        if (s->interrupt_bitmap[i] != 0)
            return why_fail(why, "vCPU with an interrupt pending");
    return 0;
}

static int vcpu_check(const struct snapfile_vcpu *v, char why[WHY_MAX])
{
    if (cpu_state_check(v, why) < 0)
        return -1;
    if (v->nmsrs > SNAPFILE_MSR_MAX)
        return why_fail(why, "%u MSRs, at most %u", v->nmsrs, SNAPFILE_MSR_MAX);
    for (uint32_t i = 0; i < v->nmsrs; i++)
        if (!snapfile_msr_allowed(v->msrs[i].index))
            return why_fail(why, "MSR 0x%x may not be restored", v->msrs[i].index);
    if (v->xcrs.nr_xcrs > 1 || (v->xcrs.nr_xcrs == 1 && v->xcrs.xcrs[0].xcr != 0))
        return why_fail(why, "extended control registers other than XCR0");
    if (v->has_xsave > 1)
        return why_fail(why, "bad FPU state flag");
    return 0;
}

static int runs_check(const struct snapfile *s, char why[WHY_MAX])
{
    const struct snapfile_header *h = &s->h;
    uint64_t next_gpa = 0, pages = 0;
    for (uint32_t i = 0; i < h->nruns; i++) {
        const struct snapfile_run *r = &s->runs[i];
        if (r->gpa % SNAPFILE_PAGE != 0 || r->offset % SNAPFILE_PAGE != 0 ||
            r->pages == 0 || r->pages > h->mem_size / SNAPFILE_PAGE)
            return why_fail(why, "run %u: unaligned or empty", i);
        uint64_t len = r->pages * SNAPFILE_PAGE;
        if (!within(r->gpa, len, h->mem_size))
            return why_fail(why, "run %u: 0x%llx + %llu pages is outside guest "
                                 "memory", i, (unsigned long long)r->gpa,
                            (unsigned long long)r->pages);
        if (r->gpa < next_gpa)
            return why_fail(why, "run %u: overlaps or precedes the run before", i);
        if (r->offset < h->data_offset ||
            !within(r->offset - h->data_offset, len, h->data_size))
            return why_fail(why, "run %u: data outside the data area", i);
        next_gpa = r->gpa + len;
        pages += r->pages;
    }
    if (pages != h->pages)
        return why_fail(why, "runs hold %llu pages, the header says %llu",
                        (unsigned long long)pages, (unsigned long long)h->pages);
    return 0;
}

int snapfile_read(int fd, struct snapfile *s, char why[WHY_MAX])
{
    memset(s, 0, sizeof(*s));
    struct stat st;
    if (fstat(fd, &st) < 0)
        return why_fail(why, "fstat: %s", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return why_fail(why, "not a regular file");
    uint64_t size = (uint64_t)st.st_size;
    if (size < sizeof(s->h) || snapio_pread(fd, &s->h, sizeof(s->h), 0) < 0)
        return why_fail(why, "too short for a snapshot header");
    if (header_check(&s->h, size, why) < 0)
        return -1;
    if (snapio_pread(fd, &s->vcpu, sizeof(s->vcpu), s->h.vcpu_offset) < 0)
        return why_fail(why, "cannot read the vCPU section");
    if (vcpu_check(&s->vcpu, why) < 0)
        return -1;
    if (s->h.nruns > 0) {
        s->runs = calloc(s->h.nruns, sizeof(*s->runs));
        if (s->runs == NULL)
            return why_fail(why, "run table: %s", strerror(errno));
        if (snapio_pread(fd, s->runs, s->h.nruns * sizeof(*s->runs),
                         s->h.runs_offset) < 0) {
            snapfile_free(s);
            return why_fail(why, "cannot read the run table");
        }
    }
    if (runs_check(s, why) < 0) {
        snapfile_free(s);
        return -1;
    }
    return 0;
}

void snapfile_free(struct snapfile *s)
{
    free(s->runs);
    s->runs = NULL;
}

int snapfile_match(const struct snapfile_header *h, const char *monitor,
                   uint64_t image_hash, uint64_t image_size,
                   enum snapfile_kind kind, char why[WHY_MAX])
{
    if (strncmp(h->monitor, monitor, sizeof(h->monitor)) != 0 ||
        h->abi != UHVT_ABI_VERSION)
        return why_fail(why, "taken by uhvt %s (ABI %u); this is uhvt %s (ABI %d)",
                        h->monitor, h->abi, monitor, UHVT_ABI_VERSION);
    if (h->image_hash != image_hash || h->image_size != image_size)
        return why_fail(why, "taken of another image (hash %016llx, %llu bytes; "
                             "this one is %016llx, %llu bytes)",
                        (unsigned long long)h->image_hash,
                        (unsigned long long)h->image_size,
                        (unsigned long long)image_hash,
                        (unsigned long long)image_size);
    if (h->kvm_kind != (uint32_t)kind)
        return why_fail(why, "taken on %s KVM; this host's is %s",
                        h->kvm_kind == SNAPFILE_KVM_PVM ? "PVM" : "hardware",
                        kind == SNAPFILE_KVM_PVM ? "PVM" : "hardware");
    return 0;
}
