/* gdb_regs.c: gdb's amd64 register layout, to and from KVM's registers. */
#include "gdb_regs.h"

#include <string.h>
#include <sys/ioctl.h>

#include "vm.h"

size_t gdb_regs_get(const struct vm *vm, uint8_t *b)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    struct kvm_fpu f;
    if (ioctl(vm->kvm.vcpu_fd, KVM_GET_REGS, &r) < 0 ||
        ioctl(vm->kvm.vcpu_fd, KVM_GET_SREGS, &s) < 0)
        return 0;
    uint64_t gpr[17] = {r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp,
                        r.r8,  r.r9,  r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip};
    uint32_t w[7] = {(uint32_t)r.rflags, s.cs.selector, s.ss.selector, s.ds.selector,
                     s.es.selector, s.fs.selector, s.gs.selector};
    memcpy(b, gpr, sizeof(gpr));
    memcpy(b + sizeof(gpr), w, sizeof(w));
    if (ioctl(vm->kvm.vcpu_fd, KVM_GET_FPU, &f) < 0)
        return GDB_REGS_CORE;
    uint8_t *p = b + GDB_REGS_CORE;
    for (int i = 0; i < 8; i++, p += 10)
        memcpy(p, f.fpr[i], 10);
    uint32_t x87[8] = {f.fcw, f.fsw, f.ftwx, 0, (uint32_t)f.last_ip, 0,
                       (uint32_t)f.last_dp, f.last_opcode};
    memcpy(p, x87, sizeof(x87));
    p += sizeof(x87);
    memcpy(p, f.xmm, sizeof(f.xmm));
    p += sizeof(f.xmm);
    memcpy(p, &f.mxcsr, 4);
    return GDB_REGS_ALL;
}

int gdb_regs_set(const struct vm *vm, const uint8_t *b)
{
    struct kvm_regs r;
    uint64_t gpr[17];
    uint32_t fl;
    if (ioctl(vm->kvm.vcpu_fd, KVM_GET_REGS, &r) < 0)
        return -1;
    memcpy(gpr, b, sizeof(gpr));
    memcpy(&fl, b + sizeof(gpr), 4);
    r = (struct kvm_regs){
        .rax = gpr[0], .rbx = gpr[1], .rcx = gpr[2], .rdx = gpr[3],
        .rsi = gpr[4], .rdi = gpr[5], .rbp = gpr[6], .rsp = gpr[7],
        .r8 = gpr[8], .r9 = gpr[9], .r10 = gpr[10], .r11 = gpr[11],
        .r12 = gpr[12], .r13 = gpr[13], .r14 = gpr[14], .r15 = gpr[15],
        .rip = gpr[16], .rflags = (r.rflags & ~0xffffffffULL) | fl,
    };
    return ioctl(vm->kvm.vcpu_fd, KVM_SET_REGS, &r);
}

int gdb_regs_slot(uint64_t n, size_t *size)
{
    if (n < 17)
        return *size = 8, (int)n * 8;
    if (n < 24)
        return *size = 4, 136 + (int)(n - 17) * 4;
    if (n < 32)
        return *size = 10, GDB_REGS_CORE + (int)(n - 24) * 10;
    if (n < 40)
        return *size = 4, GDB_REGS_CORE + 80 + (int)(n - 32) * 4;
    if (n < 56)
        return *size = 16, GDB_REGS_CORE + 112 + (int)(n - 40) * 16;
    if (n == 56)
        return *size = 4, GDB_REGS_ALL - 4;
    return -1;
}
