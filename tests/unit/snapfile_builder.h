/* snapfile_builder.h: a well-formed snapshot file in memory, for the tests and the fuzz corpus. */
#ifndef SNAPFILE_BUILDER_H
#define SNAPFILE_BUILDER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "snapfile.h"

#define SNAPB_MEM (4ULL << 20)
#define SNAPB_RUNS 2
#define SNAPB_DATA_OFFSET 8192ULL
#define SNAPB_SIZE (SNAPB_DATA_OFFSET + 3 * SNAPFILE_PAGE)

/*
 * A 4 MiB guest with two runs (1 page at 0x1000, 2 pages at 0x100000), one
 * allowed MSR, the call at 0x2000, a one-NIC manifest: SNAPB_SIZE bytes at
 * `buf`.  The header's fields are then the tests' to break.
 */
static inline struct snapfile_header *snapb_build(uint8_t *buf)
{
    memset(buf, 0, SNAPB_SIZE);
    struct snapfile_header *h = (struct snapfile_header *)buf;
    memcpy(h->magic, SNAPFILE_MAGIC, 8);
    h->format = SNAPFILE_FORMAT;
    h->header_size = sizeof(*h);
    strcpy(h->monitor, "0.1");
    h->abi = UHVT_ABI_VERSION;
    h->kvm_kind = SNAPFILE_KVM_PVM;
    h->image_hash = 0x1234;
    h->image_size = 4096;
    h->mem_size = SNAPB_MEM;
    h->tsc_hz = 2600000000ULL;
    h->call_gpa = 0x2000;
    h->vcpu_offset = (sizeof(*h) + 63) / 64 * 64;
    h->vcpu_size = sizeof(struct snapfile_vcpu);
    h->runs_offset = (h->vcpu_offset + h->vcpu_size + 63) / 64 * 64;
    h->nruns = SNAPB_RUNS;
    h->data_offset = SNAPB_DATA_OFFSET;
    h->data_size = 3 * SNAPFILE_PAGE;
    h->pages = 3;
    h->file_size = SNAPB_SIZE;
    h->manifest.version = UHVT_ABI_VERSION;
    h->manifest.entries = 1;
    strcpy(h->manifest.e[0].name, "net0");
    h->manifest.e[0].type = UHVT_DEV_NET;
    struct snapfile_vcpu *v = (struct snapfile_vcpu *)(buf + h->vcpu_offset);
    v->regs.rflags = 0x2;
    v->sregs.cr0 = 0x80000011; /* PG, ET, PE */
    v->sregs.cr4 = 0x20;       /* PAE */
    v->sregs.efer = 0x500;     /* LMA, LME */
    v->sregs.cs.present = 1;
    v->sregs.cs.l = 1;
    v->nmsrs = 1;
    v->msrs[0].index = 0xc0000082; /* LSTAR */
    v->msrs[0].data = 0x100000;
    struct snapfile_run *r = (struct snapfile_run *)(buf + h->runs_offset);
    r[0] = (struct snapfile_run){.gpa = 0x1000, .pages = 1, .offset = SNAPB_DATA_OFFSET};
    r[1] = (struct snapfile_run){.gpa = 0x100000, .pages = 2,
                                 .offset = SNAPB_DATA_OFFSET + SNAPFILE_PAGE};
    return h;
}

static inline struct snapfile_vcpu *snapb_vcpu(uint8_t *buf)
{
    return (struct snapfile_vcpu *)(buf + ((struct snapfile_header *)buf)->vcpu_offset);
}

static inline struct snapfile_run *snapb_runs(uint8_t *buf)
{
    return (struct snapfile_run *)(buf + ((struct snapfile_header *)buf)->runs_offset);
}

#endif
