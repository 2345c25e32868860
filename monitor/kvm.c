/* kvm.c: /dev/kvm, capability checks, the VM, its memory slot, the vCPU and kvm_run. */
#include "kvm.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "uhvt_abi.h"

static const struct {
    int cap;
    const char *name;
} required_caps[] = {
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},       /* CPUID filtering */
    {KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ"},   /* guest clock */
};

void vm_kvm_create(struct vm_kvm *k, const struct mem *m)
{
    k->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (k->sys_fd < 0) {
        if (errno == ENOENT)
            errx(UHVT_EXIT_SETUP, "/dev/kvm does not exist: load kvm-intel or "
                                  "kvm-amd, or enable virtualization");
        if (errno == EACCES)
            errx(UHVT_EXIT_SETUP, "/dev/kvm: permission denied: add yourself "
                                  "to its group (usually 'kvm')");
        err(UHVT_EXIT_SETUP, "/dev/kvm");
    }
    int version = ioctl(k->sys_fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION)
        errx(UHVT_EXIT_SETUP, "KVM API version %d, need %d", version,
             KVM_API_VERSION);
    for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++)
        if (ioctl(k->sys_fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0)
            errx(UHVT_EXIT_SETUP, "this kernel's KVM lacks %s",
                 required_caps[i].name);

    k->vm_fd = ioctl(k->sys_fd, KVM_CREATE_VM, 0);
    if (k->vm_fd < 0)
        err(UHVT_EXIT_SETUP, "KVM_CREATE_VM");
    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = m->size,
        .userspace_addr = (uint64_t)(uintptr_t)m->base,
    };
    if (ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        err(UHVT_EXIT_SETUP, "KVM_SET_USER_MEMORY_REGION");

    k->vcpu_fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, 0);
    if (k->vcpu_fd < 0)
        err(UHVT_EXIT_SETUP, "KVM_CREATE_VCPU");
    int size = ioctl(k->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size < (int)sizeof(struct kvm_run))
        errx(UHVT_EXIT_SETUP, "KVM_GET_VCPU_MMAP_SIZE returned %d", size);
    k->run_size = (size_t)size;
    k->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                  k->vcpu_fd, 0);
    if (k->run == MAP_FAILED)
        err(UHVT_EXIT_SETUP, "mmap kvm_run");
}
