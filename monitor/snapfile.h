/* snapfile.h: the snapshot file format, and its parser for untrusted files. */
#ifndef SNAPFILE_H
#define SNAPFILE_H

#include <linux/kvm.h>
#include <stdint.h>

#include "uhvt_abi.h"
#include "why.h"

/*
 * A snapshot file, all integers little-endian (the host's: it is read only
 * by the uhvt that wrote it):
 *
 *   offset 0                struct snapfile_header
 *   vcpu_offset             struct snapfile_vcpu
 *   runs_offset             nruns x struct snapfile_run, ascending gpa
 *   data_offset (4 KiB)     the runs' pages, each run at its own `offset`
 *
 * Only pages the guest (or the loader) ever touched and that are not all
 * zero are stored; everything else reads as zero after a restore.  Data
 * offsets are page-aligned so a restore maps them MAP_PRIVATE, straight
 * from the page cache.  The header is written last: a file cut short by a
 * crash has no magic.
 */
#define SNAPFILE_MAGIC "UHVTSNAP"
#define SNAPFILE_FORMAT 1
#define SNAPFILE_VERSION_MAX 16 /* the monitor's version string, with NUL */
#define SNAPFILE_MSR_MAX 16
#define SNAPFILE_RUNS_MAX 65536U
#define SNAPFILE_PAGE 4096ULL

enum snapfile_kind {
    SNAPFILE_KVM_HARDWARE = 1,
    SNAPFILE_KVM_PVM = 2,
};

struct snapfile_header {
    char magic[8];  /* SNAPFILE_MAGIC, no NUL */
    uint32_t format; /* SNAPFILE_FORMAT */
    uint32_t header_size; /* sizeof(struct snapfile_header) */
    char monitor[SNAPFILE_VERSION_MAX]; /* UHVT_VERSION, NUL-padded */
    uint32_t abi;      /* UHVT_ABI_VERSION */
    uint32_t kvm_kind; /* enum snapfile_kind */
    uint64_t image_hash; /* snapshot_image_id: of its build ID, or the file */
    uint64_t image_size; /* bytes */
    uint64_t mem_size;   /* guest memory, as --mem */
    uint64_t tsc_hz;     /* the snapshotted vCPU's */
    uint64_t wall_ns;    /* host CLOCK_REALTIME when it was taken */
    uint64_t call_gpa;   /* the UHVT_HC_SNAPSHOT argument struct */
    uint64_t vcpu_offset;
    uint64_t vcpu_size;  /* sizeof(struct snapfile_vcpu) */
    uint64_t runs_offset;
    uint32_t nruns;      /* at most SNAPFILE_RUNS_MAX */
    uint32_t pad;
    uint64_t data_offset; /* page-aligned */
    uint64_t data_size;   /* the sum of the runs' bytes */
    uint64_t file_size;
    uint64_t pages;       /* the sum of the runs' pages */
    struct uhvt_manifest manifest;
};

/* The vCPU as KVM reports it, after the snapshot call has completed. */
struct snapfile_vcpu {
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_xcrs xcrs;    /* nr_xcrs 0 when KVM has none */
    uint32_t has_xsave;      /* 1: xsave holds the FPU state; 0: fpu does */
    uint32_t nmsrs;          /* at most SNAPFILE_MSR_MAX */
    struct kvm_fpu fpu;
    struct kvm_xsave xsave;
    struct {
        uint32_t index;      /* one of snapfile_msr_allowed */
        uint32_t pad;
        uint64_t data;
    } msrs[SNAPFILE_MSR_MAX];
};

/* A stretch of guest memory stored in the file. */
struct snapfile_run {
    uint64_t gpa;    /* page-aligned */
    uint64_t pages;  /* at least 1 */
    uint64_t offset; /* in the file, page-aligned, inside the data area */
};

/* A parsed file: the header and vCPU copied in, the run table owned. */
struct snapfile {
    struct snapfile_header h;
    struct snapfile_vcpu vcpu;
    struct snapfile_run *runs; /* h.nruns of them; free with snapfile_free */
};

/*
 * Read and check the snapshot file in `fd` (pread only), untrusted: magic,
 * format, sizes, every offset and length against the file's real size
 * without overflow, the KVM kind, memory size and call address, the
 * manifest, the MSR indices (an allow-list) and every run (aligned, inside
 * guest memory, ascending and disjoint, data inside the data area).  What
 * it does not check is whether the file suits this monitor, image and host:
 * snapfile_match does.  Returns 0, or -1 with a reason in `why`.  Never
 * needs KVM.
 */
int snapfile_read(int fd, struct snapfile *s, char why[WHY_MAX]);
void snapfile_free(struct snapfile *s);

/*
 * Whether a parsed file can be restored here: the monitor's version and
 * ABI, the image (`image_hash`, `image_size`), and the KVM kind.  Returns
 * 0, or -1 with the mismatch in `why`.  Pure.
 */
int snapfile_match(const struct snapfile_header *h, const char *monitor,
                   uint64_t image_hash, uint64_t image_size,
                   enum snapfile_kind kind, char why[WHY_MAX]);

/* Whether MSR `index` may be saved and restored. */
int snapfile_msr_allowed(uint32_t index);

/* The MSRs a snapshot saves, in the order it restores them; *n of them. */
const uint32_t *snapfile_msrs(unsigned *n);

/*
 * A 64-bit identity (not an authentication: nothing here is secret) of an
 * image's `len` bytes, to refuse a snapshot of another build.
 */
uint64_t snapfile_hash(const void *data, uint64_t len);

#endif
