/* kvm_bare.c: the floor under any VM start: a static program that creates a VM, runs it to its first exit and exits. */
/*
 * What `bench/boot kvm_bare_floor RUNS build/bench/kvm_bare` times is the
 * least any monitor can pay from exec to a guest's first exit: process
 * start without a dynamic loader (static PIE), /dev/kvm, one VM with one
 * 4 KiB memory slot and one vCPU, and one KVM_RUN of four real-mode
 * instructions, then process exit.  uhvt's restore of a hello is compared
 * against it (issue 18: within 2x).  No long mode, page tables, CPUID or
 * sandbox: everything a real monitor adds on top is what the comparison
 * shows.  Real mode runs on hardware KVM and on PVM (whose emulator takes
 * it); the exit must be the OUT below, or the floor measured nothing.
 */
#include <err.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define BARE_GPA 0x1000
#define BARE_SIZE 0x1000
#define BARE_PORT 0x3f8

/* mov $0x3f8, %dx; mov $'x', %al; out %al, (%dx); hlt */
static const uint8_t bare_code[] = {0xba, 0xf8, 0x03, 0xb0, 'x', 0xee, 0xf4};

int main(void)
{
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        err(1, "/dev/kvm");
    if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
        errx(1, "KVM API version is not %d", KVM_API_VERSION);
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        err(1, "KVM_CREATE_VM");

    uint8_t *mem = mmap(NULL, BARE_SIZE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        err(1, "mmap guest memory");
    memcpy(mem, bare_code, sizeof bare_code);
    struct kvm_userspace_memory_region slot = {
        .slot = 0,
        .guest_phys_addr = BARE_GPA,
        .memory_size = BARE_SIZE,
        .userspace_addr = (uint64_t)(uintptr_t)mem,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
        err(1, "KVM_SET_USER_MEMORY_REGION");

    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        err(1, "KVM_CREATE_VCPU");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < (int)sizeof(struct kvm_run))
        err(1, "KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE,
                               MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        err(1, "mmap kvm_run");

    /* Real mode at the reset state, but with CS at 0 so RIP is the address. */
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
        err(1, "KVM_GET_SREGS");
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
        err(1, "KVM_SET_SREGS");
    struct kvm_regs regs = {.rip = BARE_GPA, .rflags = 0x2};
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
        err(1, "KVM_SET_REGS");

    if (ioctl(vcpu, KVM_RUN, 0) < 0)
        err(1, "KVM_RUN");
    if (run->exit_reason != KVM_EXIT_IO)
        errx(1, "first exit: reason %u, not KVM_EXIT_IO", run->exit_reason);
    const uint8_t *data = (const uint8_t *)run + run->io.data_offset;
    if (run->io.direction != KVM_EXIT_IO_OUT || run->io.port != BARE_PORT ||
        run->io.size != 1 || run->io.count != 1 ||
        run->io.data_offset > (uint64_t)run_size - 1 || *data != 'x')
        errx(1, "first exit: not the guest's OUT of 'x' to port 0x%x", BARE_PORT);
    return 0;
}
