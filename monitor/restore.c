/* restore.c: uhvt --restore: resume a snapshot instead of booting the image. */
#include "restore.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "boottrace.h"
#include "cpu_x86_64.h"
#include "devices.h"
#include "env.h"
#include "snapfile.h"
#include "snapshot.h"

/* Zeroed memory with the stored runs mapped over it, private to us. */
static int map_memory(struct vm *vm, const struct snapfile *s, int fd,
                      char why[WHY_MAX])
{
    int rc = mem_init(&vm->mem, s->h.mem_size);
    if (rc < 0)
        return why_fail(why, "guest memory (%llu MiB): %s",
                        (unsigned long long)(s->h.mem_size >> 20), strerror(-rc));
    for (uint32_t i = 0; i < s->h.nruns; i++) {
        const struct snapfile_run *r = &s->runs[i];
        uint64_t len = r->pages * SNAPFILE_PAGE;
        void *at = mem_ptr(&vm->mem, r->gpa, len); /* checked by snapfile_read */
        if (at == NULL ||
            mmap(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd,
                 (off_t)r->offset) == MAP_FAILED)
            return why_fail(why, "mapping the snapshot's run %u: %s", i,
                            strerror(errno));
    }
    return 0;
}

/* The saved vCPU, on a new vCPU with uhvt's CPUID view. */
static int set_vcpu(const struct vm_kvm *k, const struct snapfile_vcpu *v,
                    char why[WHY_MAX])
{
    if (cpu_restore_setup(k, &v->sregs, why) < 0)
        return -1;
    if (v->xcrs.nr_xcrs > 0 && k->kind != VM_KVM_PVM &&
        ioctl(k->vcpu_fd, KVM_SET_XCRS, &v->xcrs) < 0)
        return why_fail(why, "KVM_SET_XCRS: %s", strerror(errno));
    if (v->has_xsave ? ioctl(k->vcpu_fd, KVM_SET_XSAVE, &v->xsave) < 0
                     : ioctl(k->vcpu_fd, KVM_SET_FPU, &v->fpu) < 0)
        return why_fail(why, "%s: %s", v->has_xsave ? "KVM_SET_XSAVE" : "KVM_SET_FPU",
                        strerror(errno));
    /* One KVM_SET_MSRS for all: it stops at the first it refuses. */
    struct {
        struct kvm_msrs h;
        struct kvm_msr_entry e[SNAPFILE_MSR_MAX];
    } m = {.h.nmsrs = v->nmsrs}; /* at most SNAPFILE_MSR_MAX: snapfile_read */
    for (uint32_t i = 0; i < v->nmsrs; i++)
        m.e[i] = (struct kvm_msr_entry){.index = v->msrs[i].index, .data = v->msrs[i].data};
    int done = v->nmsrs == 0 ? 0 : ioctl(k->vcpu_fd, KVM_SET_MSRS, &m);
    if (done < 0)
        return why_fail(why, "KVM_SET_MSRS: %s", strerror(errno));
    if ((uint32_t)done < v->nmsrs)
        return why_fail(why, "KVM refused MSR 0x%x = 0x%llx", v->msrs[done].index,
                        (unsigned long long)v->msrs[done].data);
    if (ioctl(k->vcpu_fd, KVM_SET_REGS, &v->regs) < 0)
        return why_fail(why, "KVM_SET_REGS: %s", strerror(errno));
    return 0;
}

/*
 * This instance's answer to the snapshot call, in its private copy of the
 * page: the guest's own fields (args, args_len) as it left them, checked.
 */
static int answer_call(struct vm *vm, const struct options *o, uint64_t call_gpa,
                       uint64_t tsc_hz, char why[WHY_MAX])
{
    struct uhvt_hc_snapshot *g = mem_ptr(&vm->mem, call_gpa, sizeof(*g));
    if (g == NULL)
        return why_fail(why, "snapshot call outside guest memory");
    struct uhvt_hc_snapshot a;
    memcpy(&a, g, sizeof(a));
    uint32_t room = a.args_len, used = 0;
    char *args = mem_ptr(&vm->mem, a.args, room);
    if (args == NULL)
        room = 0;
    for (int i = 1; i < o->guest_argc; i++) {
        size_t len = strlen(o->guest_argv[i]) + 1;
        if (len > room - used)
            continue; /* left out whole, as the ABI says */
        memcpy(args + used, o->guest_argv[i], len);
        used += (uint32_t)len;
    }
    if (env_pack(o, args, room, &used, &a.envc, why) < 0)
        return -1;
    a.args_len = used;
    a.ret = UHVT_OK;
    a.restored = 1;
    a.tsc_freq = tsc_hz;
    if (getrandom(a.random, sizeof(a.random), 0) != sizeof(a.random))
        return why_fail(why, "getrandom: %s", strerror(errno));
    memcpy(g, &a, sizeof(a));
    return 0;
}

/* The image: parsed for its manifest, and identified. */
static int image_check(struct vm *vm, const struct options *o, uint64_t *hash,
                       uint64_t *size, char why[WHY_MAX])
{
    int fd = open(o->image, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return why_fail(why, "%s: %s", o->image, strerror(errno));
    char elf_why[ELF_WHY_MAX];
    int rc = elf_parse(fd, &vm->img, elf_why);
    if (rc < 0)
        rc = why_fail(why, "%s: %s", o->image, elf_why);
    else if (vm->img.solo5)
        rc = why_fail(why, "--restore: %s is a Solo5 image: it has no "
                           "uhvt_snapshot() ready point", o->image);
    else
        rc = snapshot_image_id(fd, o->image, &vm->img, hash, size, why);
    close(fd);
    return rc;
}

int restore_setup(struct vm *vm, const struct options *o, char why[WHY_MAX])
{
    uint64_t hash, size;
    if (image_check(vm, o, &hash, &size, why) < 0)
        return -1;
    int fd = open(o->restore, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return why_fail(why, "--restore=%s: %s", o->restore, strerror(errno));
    static struct snapfile s;
    char file_why[WHY_MAX];
    if (snapfile_read(fd, &s, file_why) < 0)
        return why_fail(why, "--restore=%s: %s", o->restore, file_why);
    if (memcmp(&s.h.manifest, &vm->img.manifest, sizeof(s.h.manifest)) != 0)
        return why_fail(why, "--restore=%s: its devices are not %s's", o->restore,
                        o->image);
    boottrace_mark("snapshot_parsed");
    if (devices_attach(vm, o, why) < 0 || map_memory(vm, &s, fd, why) < 0)
        return -1;
    close(fd);
    boottrace_mark("image_loaded");
    if (vm_kvm_create(&vm->kvm, &vm->mem, why) < 0)
        return -1;
    boottrace_mark("vm_created");
    enum snapfile_kind kind =
        vm->kvm.kind == VM_KVM_PVM ? SNAPFILE_KVM_PVM : SNAPFILE_KVM_HARDWARE;
    if (snapfile_match(&s.h, UHVT_VERSION, hash, size, kind, file_why) < 0)
        return why_fail(why, "--restore=%s: %s", o->restore, file_why);
    uint64_t tsc_hz = cpu_tsc_hz(&vm->kvm, why);
    if (tsc_hz == 0 || set_vcpu(&vm->kvm, &s.vcpu, why) < 0 ||
        answer_call(vm, o, s.h.call_gpa, tsc_hz, why) < 0)
        return -1;
    boottrace_mark("cpu_ready");
    snapfile_free(&s);
    return 0;
}
