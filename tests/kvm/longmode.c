/* longmode.c: a KVM smoke test: enter 64-bit mode through the monitor's setup, check the exits. */
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpu_x86_64.h"
#include "kvm.h"
#include "layout.h"
#include "mem.h"

/*
 * A 64-bit immediate shifted down proves the CPU decodes REX.W, which only
 * 64-bit mode does; the port numbers and values are what we expect back.
 */
static const uint8_t code[] = {
    0xb8, 0xef, 0xbe, 0xad, 0xde,                         /* mov $0xdeadbeef, %eax */
    0xe7, 0x42,                                           /* out %eax, $0x42 */
    0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* movabs ..., %rax */
    0x48, 0xc1, 0xe8, 0x20,                               /* shr $32, %rax */
    0xe7, 0x43,                                           /* out %eax, $0x43 */
    0xf4,                                                 /* hlt */
};

static int failures;

static void expect(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    failures += !ok;
}

static void expect_out(struct vm_kvm *k, uint16_t port, uint32_t value)
{
    char what[80];
    snprintf(what, sizeof(what), "exit OUT port 0x%x value 0x%x", port, value);
    if (ioctl(k->vcpu_fd, KVM_RUN, 0) < 0)
        err(1, "KVM_RUN");
    uint32_t got = 0;
    if (k->run->exit_reason == KVM_EXIT_IO)
        memcpy(&got, (uint8_t *)k->run + k->run->io.data_offset, 4);
    expect(k->run->exit_reason == KVM_EXIT_IO &&
               k->run->io.direction == KVM_EXIT_IO_OUT && k->run->io.size == 4 &&
               k->run->io.port == port && got == value,
           what);
}

int main(void)
{
    struct mem m;
    if (mem_init(&m, MEM_MIN) < 0)
        err(1, "mem_init");
    struct elf_image img = {
        .entry = LAYOUT_IMAGE_MIN,
        .end = LAYOUT_IMAGE_MIN + UHVT_PAGE_SIZE,
        .nload = 1,
        .load = {{LAYOUT_IMAGE_MIN, 0, sizeof(code), sizeof(code), PF_R | PF_X}},
    };
    memcpy(mem_ptr(&m, LAYOUT_IMAGE_MIN, sizeof(code)), code, sizeof(code));

    struct vm_kvm k;
    char why[WHY_MAX];
    if (vm_kvm_create(&k, &m, why) < 0 || cpu_setup(&k, &m, &img, why) < 0)
        errx(1, "%s", why);

    expect_out(&k, 0x42, 0xdeadbeef);
    expect_out(&k, 0x43, 0x11223344);
    if (ioctl(k.vcpu_fd, KVM_RUN, 0) < 0)
        err(1, "KVM_RUN");
    expect(k.run->exit_reason == KVM_EXIT_HLT, "exit HLT");

    struct kvm_sregs s;
    if (ioctl(k.vcpu_fd, KVM_GET_SREGS, &s) < 0)
        err(1, "KVM_GET_SREGS");
    expect((s.efer & 0x400) && s.cs.l, "long mode active (EFER.LMA, CS.L)");
    return failures ? 1 : 0;
}
