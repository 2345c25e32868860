/* snapshot.c: uhvt --snapshot: save a guest at its ready point (UHVT_HC_SNAPSHOT). */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cpu_x86_64.h"
#include "snapfile.h"
#include "snapio.h"

/* Zero pages between two touched ones are stored too, up to this many:
 * fewer runs make fewer mappings in every restored instance. */
#define SNAPSHOT_GAP_PAGES 8
/* Pagemap entries read at once. */
#define SNAPSHOT_PM_CHUNK 4096
#define PM_PRESENT (1ULL << 63)
#define PM_SWAPPED (1ULL << 62)

struct snapshot {
    struct snapio_file file; /* unnamed until written */
    int pm_fd;    /* /proc/self/pagemap */
    bool proceed; /* --snapshot-continue */
    bool taken;
    uint64_t image_hash, image_size, tsc_hz;
    struct snapfile_run *runs; /* SNAPFILE_RUNS_MAX, reserved, touched as used */
    struct snapfile_header h;
    struct snapfile_vcpu vcpu;
    uint64_t pm[SNAPSHOT_PM_CHUNK];
};

int snapshot_image_id(int fd, const char *path, const struct elf_image *img,
                      uint64_t *hash, uint64_t *size, char why[WHY_MAX])
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return why_fail(why, "%s: %s", path, strerror(errno));
    if (st.st_size <= 0)
        return why_fail(why, "%s: empty", path);
    *size = (uint64_t)st.st_size;
    /*
     * The build ID spares every restore a pass over the file (a quarter of
     * a millisecond for httpd on PVM).  It is an identity, not a proof:
     * what the snapshot holds is checked as untrusted either way.
     */
    if (img->build_id_len > 0) {
        *hash = snapfile_hash(img->build_id, img->build_id_len);
        return 0;
    }
    /* Mapped, not read: the page cache serves every restore at once. */
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return why_fail(why, "%s: mmap: %s", path, strerror(errno));
    *hash = snapfile_hash(p, *size);
    munmap(p, (size_t)st.st_size);
    return 0;
}

int snapshot_prepare(struct vm *vm, const struct options *o, char why[WHY_MAX])
{
    if (o->snapshot == NULL)
        return 0;
    if (vm->img.solo5)
        return why_fail(why, "--snapshot: %s is a Solo5 image: it has no "
                             "uhvt_snapshot() ready point", o->image);
    if (ioctl(vm->kvm.sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <= 0)
        return why_fail(why, "--snapshot: this kernel's KVM lacks "
                             "KVM_CAP_IMMEDIATE_EXIT");
    static struct snapshot s;
    s.proceed = o->snapshot_continue;
    int fd = open(o->image, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return why_fail(why, "%s: %s", o->image, strerror(errno));
    int rc = snapshot_image_id(fd, o->image, &vm->img, &s.image_hash, &s.image_size, why);
    close(fd);
    if (rc < 0)
        return -1;
    s.tsc_hz = cpu_tsc_hz(&vm->kvm, why);
    if (s.tsc_hz == 0)
        return -1;
    s.runs = mmap(NULL, SNAPFILE_RUNS_MAX * sizeof(*s.runs), PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (s.runs == MAP_FAILED)
        return why_fail(why, "--snapshot: run table: %s", strerror(errno));
    s.pm_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (s.pm_fd < 0)
        return why_fail(why, "--snapshot: /proc/self/pagemap: %s", strerror(errno));
    /*
     * Written unnamed, named only when complete: a run that fails before
     * its ready point leaves an earlier snapshot as it was.
     */
    if (snapio_open(&s.file, "--snapshot", o->snapshot, why) < 0)
        return -1;
    vm_fd_register(vm, s.pm_fd, VM_FD_PREAD);
    vm_fd_register(vm, s.file.fd, VM_FD_PWRITE | VM_FD_SYNC);
    vm->snap = &s;
    return 0;
}

/*
 * Let KVM finish the OUT that exited (advance RIP past it) without entering
 * the guest again: what KVM's API asks before saving state.
 */
static int complete_exit(struct vm *vm)
{
    vm->kvm.run->immediate_exit = 1;
    int rc = ioctl(vm->kvm.vcpu_fd, KVM_RUN, 0);
    int e = errno;
    vm->kvm.run->immediate_exit = 0;
    return rc < 0 && e == EINTR ? 0 : -1;
}

static int save_vcpu(struct vm *vm, struct snapfile_vcpu *v)
{
    int fd = vm->kvm.vcpu_fd;
    memset(v, 0, sizeof(*v));
    if (ioctl(fd, KVM_GET_REGS, &v->regs) < 0 || ioctl(fd, KVM_GET_SREGS, &v->sregs) < 0)
        return -1;
    if (ioctl(fd, KVM_GET_XSAVE, &v->xsave) == 0)
        v->has_xsave = 1;
    else if (ioctl(fd, KVM_GET_FPU, &v->fpu) < 0)
        return -1;
    if (ioctl(fd, KVM_GET_XCRS, &v->xcrs) < 0)
        v->xcrs.nr_xcrs = 0;
    v->xcrs.nr_xcrs = v->xcrs.nr_xcrs > 0 && v->xcrs.xcrs[0].xcr == 0;
    unsigned n;
    const uint32_t *msrs = snapfile_msrs(&n);
    for (unsigned i = 0; i < n; i++) {
        uint64_t value;
        /* An MSR this KVM does not keep is one a restore need not set. */
        if (vm_kvm_msr_read(fd, msrs[i], &value) < 0)
            continue;
        v->msrs[v->nmsrs].index = msrs[i];
        v->msrs[v->nmsrs].data = value;
        v->nmsrs++;
    }
    return 0;
}

static bool page_is_zero(const uint8_t *p)
{
    uint64_t acc = 0;
    for (size_t i = 0; i < SNAPFILE_PAGE; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        acc |= w;
    }
    return acc == 0;
}

/* The touched, non-zero pages as runs: how many, or -1. */
static int64_t scan_memory(struct snapshot *s, const struct mem *m)
{
    uint64_t npages = m->size / SNAPFILE_PAGE, nruns = 0;
    uint64_t base_index = (uint64_t)(uintptr_t)m->base / SNAPFILE_PAGE;
    for (uint64_t first = 0; first < npages; first += SNAPSHOT_PM_CHUNK) {
        uint64_t n = npages - first < SNAPSHOT_PM_CHUNK ? npages - first
                                                        : SNAPSHOT_PM_CHUNK;
        ssize_t got = pread(s->pm_fd, s->pm, n * 8, (off_t)((base_index + first) * 8));
        if (got != (ssize_t)(n * 8))
            return -1;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t page = first + i;
            if (!(s->pm[i] & (PM_PRESENT | PM_SWAPPED)))
                continue;
            if ((s->pm[i] & PM_PRESENT) &&
                page_is_zero(mem_ptr(m, page * SNAPFILE_PAGE, SNAPFILE_PAGE)))
                continue;
            struct snapfile_run *last = nruns ? &s->runs[nruns - 1] : NULL;
            uint64_t gpa = page * SNAPFILE_PAGE;
            if (last && gpa <= last->gpa + (last->pages + SNAPSHOT_GAP_PAGES) * SNAPFILE_PAGE) {
                last->pages = page - last->gpa / SNAPFILE_PAGE + 1;
                continue;
            }
            if (nruns == SNAPFILE_RUNS_MAX)
                return -1;
            s->runs[nruns++] = (struct snapfile_run){.gpa = gpa, .pages = 1};
        }
    }
    return (int64_t)nruns;
}

static uint64_t round_up(uint64_t v, uint64_t to)
{
    return (v + to - 1) / to * to;
}

/* Lay out and write the file, sync it and name it.  0, or -1 with errno. */
static int write_file(struct vm *vm, struct snapshot *s, uint64_t call_gpa)
{
    int64_t nruns = scan_memory(s, &vm->mem);
    if (nruns < 0) {
        errno = E2BIG;
        return -1;
    }
    struct snapfile_header *h = &s->h;
    memset(h, 0, sizeof(*h));
    memcpy(h->magic, SNAPFILE_MAGIC, sizeof(h->magic));
    h->format = SNAPFILE_FORMAT;
    h->header_size = sizeof(*h);
    strncpy(h->monitor, UHVT_VERSION, sizeof(h->monitor) - 1);
    h->abi = UHVT_ABI_VERSION;
    h->kvm_kind = vm->kvm.kind == VM_KVM_PVM ? SNAPFILE_KVM_PVM : SNAPFILE_KVM_HARDWARE;
    h->image_hash = s->image_hash;
    h->image_size = s->image_size;
    h->mem_size = vm->mem.size;
    h->tsc_hz = s->tsc_hz;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    h->wall_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    h->call_gpa = call_gpa;
    h->vcpu_offset = round_up(sizeof(*h), 64);
    h->vcpu_size = sizeof(struct snapfile_vcpu);
    h->runs_offset = round_up(h->vcpu_offset + h->vcpu_size, 64);
    h->nruns = (uint32_t)nruns;
    h->data_offset = round_up(h->runs_offset + (uint64_t)nruns * sizeof(*s->runs),
                              SNAPFILE_PAGE);
    uint64_t off = h->data_offset;
    for (int64_t i = 0; i < nruns; i++) {
        struct snapfile_run *r = &s->runs[i];
        uint64_t len = r->pages * SNAPFILE_PAGE;
        r->offset = off;
        if (snapio_pwrite(s->file.fd, mem_ptr(&vm->mem, r->gpa, len), len, off) < 0)
            return -1;
        off += len;
        h->pages += r->pages;
    }
    h->data_size = off - h->data_offset;
    h->file_size = off;
    h->manifest = vm->img.manifest;
    if (snapio_pwrite(s->file.fd, &s->vcpu, sizeof(s->vcpu), h->vcpu_offset) < 0 ||
        snapio_pwrite(s->file.fd, s->runs, (uint64_t)nruns * sizeof(*s->runs),
                      h->runs_offset) < 0 ||
        snapio_pwrite(s->file.fd, h, sizeof(*h), 0) < 0 ||
        fdatasync(s->file.fd) < 0 || snapio_name(&s->file) < 0)
        return -1;
    return 0;
}

void snapshot_end(struct vm *vm)
{
    if (vm->snap != NULL)
        snapio_drop(&vm->snap->file);
}

int snapshot_rules(const struct vm *vm, void *seccomp_ctx)
{
    scmp_filter_ctx ctx = seccomp_ctx;
    const struct snapshot *s = vm->snap;
    if (s == NULL)
        return 0;
    /*
     * snapshot_call: the vCPU state it saves (KVM_GET_REGS, KVM_GET_SREGS
     * and KVM_RUN are allowed anyway).  The file and /proc/self/pagemap
     * are registered fds (pwrite64, fdatasync; pread64).
     */
    static const unsigned long reqs[] = {
        KVM_GET_XSAVE, KVM_GET_FPU, KVM_GET_XCRS, KVM_GET_MSRS,
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]) && rc == 0; i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
                              SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vm->kvm.vcpu_fd),
                              SCMP_A1(SCMP_CMP_EQ, reqs[i]));
    return rc ? rc : snapio_rules(&s->file, ctx);
}

int snapshot_call(struct vm *vm, void *arg)
{
    struct uhvt_hc_snapshot *a = arg;
    struct snapshot *s = vm->snap;
    if (s == NULL || s->taken) {
        a->ret = UHVT_ENODEV;
        return VM_CONTINUE;
    }
    s->taken = true;
    /* The call's own address, as the exit carried it (hypercall_handle
     * checked it): where a restore writes the answer. */
    struct kvm_run *run = vm->kvm.run;
    uint32_t call_gpa;
    memcpy(&call_gpa, (uint8_t *)run + run->io.data_offset, sizeof(call_gpa));
    int e = 0;
    if (complete_exit(vm) < 0 || save_vcpu(vm, &s->vcpu) < 0)
        e = errno ? errno : EIO;
    else if (write_file(vm, s, call_gpa) < 0)
        e = errno;
    if (e != 0) {
        vm_report(vm, "--snapshot=%s: the host could not write the snapshot: %s",
                  s->file.path, strerrordesc_np(e));
        a->ret = UHVT_EIO;
        return s->proceed ? VM_CONTINUE : UHVT_EXIT_HOST;
    }
    vm_report(vm, "snapshot written to %s (%llu pages in %u runs)", s->file.path,
              (unsigned long long)s->h.pages, s->h.nruns);
    a->ret = UHVT_OK;
    a->restored = 0;
    return s->proceed ? VM_CONTINUE : 0;
}
