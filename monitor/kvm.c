/* kvm.c: /dev/kvm, capability checks, the VM, its memory slot, the vCPU and kvm_run. */
#include "kvm.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static const struct {
    int cap;
    const char *name;
} required_caps[] = {
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},       /* CPUID filtering */
    {KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ"},   /* guest clock */
};

/*
 * PVM names itself in an MSR of its own; CPUID 0x40000000 says "KVMKVMKVM"
 * on both kinds and cannot tell them apart.  Hardware KVM refuses to read
 * the MSR (KVM_GET_MSRS reads 0 entries).
 */
#define MSR_PVM_ID 0x4b564d11U
#define PVM_ID 0x4d5650ULL /* "PVM" */
#define CPUID1_ECX_VMX (1U << 5)
#define CPUID81_ECX_SVM (1U << 2)

/* One MSR through KVM_GET_MSRS or KVM_SET_MSRS, which count what they did. */
static int msr_io(int vcpu_fd, unsigned long req, uint32_t index, uint64_t *value)
{
    struct {
        struct kvm_msrs h;
        struct kvm_msr_entry e;
    } msr = {{.nmsrs = 1}, {.index = index, .data = *value}};
    if (ioctl(vcpu_fd, req, &msr) != 1)
        return -1;
    *value = msr.e.data;
    return 0;
}

int vm_kvm_msr_read(int vcpu_fd, uint32_t index, uint64_t *value)
{
    *value = 0;
    return msr_io(vcpu_fd, KVM_GET_MSRS, index, value);
}

int vm_kvm_msr_write(int vcpu_fd, uint32_t index, uint64_t value)
{
    return msr_io(vcpu_fd, KVM_SET_MSRS, index, &value);
}

static enum vm_kvm_kind kind_of(int vcpu_fd)
{
    uint64_t id;
    if (vm_kvm_msr_read(vcpu_fd, MSR_PVM_ID, &id) == 0 && id == PVM_ID)
        return VM_KVM_PVM;
    return VM_KVM_HARDWARE;
}

/* Hardware KVM runs on the host CPU's own extension. */
static const char *hardware_name(void)
{
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & CPUID1_ECX_VMX))
        return "hardware (Intel VMX)";
    if (__get_cpuid(0x80000001, &a, &b, &c, &d) && (c & CPUID81_ECX_SVM))
        return "hardware (AMD SVM)";
    return "hardware";
}

const char *vm_kvm_name(const struct vm_kvm *k)
{
    if (k->kind == VM_KVM_PVM)
        return k->pvm_emulated ? "PVM (emulated)" : "PVM (native mode)";
    return hardware_name();
}

void vm_kvm_describe(char *buf, size_t len)
{
    int sys = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (sys < 0) {
        snprintf(buf, len, "none (/dev/kvm: %s)", strerror(errno));
        return;
    }
    int vm = ioctl(sys, KVM_CREATE_VM, 0);
    int vcpu = vm < 0 ? -1 : ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        snprintf(buf, len, "unusable (cannot create a VM: %s)", strerror(errno));
    else
        snprintf(buf, len, "%s", kind_of(vcpu) == VM_KVM_PVM
                                     ? "PVM (no VMX/SVM: the guest runs at CPL 3)"
                                     : hardware_name());
    if (vcpu >= 0)
        close(vcpu);
    if (vm >= 0)
        close(vm);
    close(sys);
}

int vm_kvm_create(struct vm_kvm *k, const struct mem *m, char why[WHY_MAX])
{
    k->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (k->sys_fd < 0) {
        if (errno == ENOENT)
            return why_fail(why, "/dev/kvm does not exist: load kvm-intel, "
                                 "kvm-amd or kvm-pvm, or enable virtualization");
        if (errno == EACCES)
            return why_fail(why, "/dev/kvm: permission denied: add yourself "
                                 "to its group (usually 'kvm')");
        return why_fail(why, "/dev/kvm: %s", strerror(errno));
    }
    int version = ioctl(k->sys_fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION)
        return why_fail(why, "KVM API version %d, need %d", version,
                        KVM_API_VERSION);
    for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++)
        if (ioctl(k->sys_fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0)
            return why_fail(why, "this kernel's KVM lacks %s",
                            required_caps[i].name);

    k->vm_fd = ioctl(k->sys_fd, KVM_CREATE_VM, 0);
    if (k->vm_fd < 0)
        return why_fail(why, "KVM_CREATE_VM: %s", strerror(errno));
    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = m->size,
        .userspace_addr = (uint64_t)(uintptr_t)m->base,
    };
    if (ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return why_fail(why, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));

    k->vcpu_fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, 0);
    if (k->vcpu_fd < 0)
        return why_fail(why, "KVM_CREATE_VCPU: %s", strerror(errno));
    k->kind = kind_of(k->vcpu_fd);
    int size = ioctl(k->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size < (int)sizeof(struct kvm_run))
        return why_fail(why, "KVM_GET_VCPU_MMAP_SIZE returned %d", size);
    k->run_size = (size_t)size;
    k->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                  k->vcpu_fd, 0);
    if (k->run == MAP_FAILED)
        return why_fail(why, "mmap kvm_run: %s", strerror(errno));
    return 0;
}
