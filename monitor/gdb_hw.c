/* gdb_hw.c: gdb's hardware breakpoints and watchpoints, in the guest's debug registers (hardware KVM). */
#include "gdb_hw.h"

#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vm.h"

#define DR6_B_MASK 0xfULL /* which of DR0-DR3 fired */
#define DR6_CLEAR 0xffff0ff0ULL
#define DR7_GE (1ULL << 9)

void gdb_hw_init(struct gdb_hw *h, const struct vm *vm)
{
    memset(h, 0, sizeof(*h));
    h->usable = vm->kvm.kind == VM_KVM_HARDWARE;
}

/* DR7 for the slots in use: L0-L3, and each one's kind and length. */
static int load(const struct gdb_hw *h, const struct vm *vm)
{
    struct kvm_debugregs d = {.dr6 = DR6_CLEAR, .dr7 = DR7_GE};
    for (int i = 0; i < GDB_HW_SLOTS; i++) {
        if (h->type[i] == GDB_HW_FREE)
            continue;
        uint64_t rw = h->type[i] == GDB_HW_EXEC ? 0 : h->type[i] == GDB_HW_WRITE ? 1 : 3;
        uint64_t ln = h->len[i] == 1 ? 0 : h->len[i] == 2 ? 1 : h->len[i] == 8 ? 2 : 3;
        if (h->type[i] == GDB_HW_EXEC)
            ln = 0;
        d.db[i] = h->addr[i];
        d.dr7 |= 1ULL << (2 * i) | rw << (16 + 4 * i) | ln << (18 + 4 * i);
    }
    return ioctl(vm->kvm.vcpu_fd, KVM_SET_DEBUGREGS, &d);
}

static bool valid(int type, uint64_t addr, uint64_t len)
{
    if (type == GDB_HW_EXEC)
        return true; /* gdb's kind (1 for x86) is not a length */
    return (len == 1 || len == 2 || len == 4 || len == 8) && addr % len == 0;
}

const char *gdb_hw_insert(struct gdb_hw *h, const struct vm *vm, int type,
                          uint64_t addr, uint64_t len)
{
    if (!h->usable || type < GDB_HW_EXEC || type > GDB_HW_ACCESS)
        return "";
    if (!valid(type, addr, len))
        return "E16";
    for (int i = 0; i < GDB_HW_SLOTS; i++)
        if (h->type[i] == GDB_HW_FREE) {
            h->type[i] = (enum gdb_hw_type)type;
            h->addr[i] = addr;
            h->len[i] = type == GDB_HW_EXEC ? 1 : len;
            if (load(h, vm) < 0) {
                h->type[i] = GDB_HW_FREE;
                return "E05";
            }
            return "OK";
        }
    return "E28"; /* ENOSPC: all four are in use */
}

const char *gdb_hw_remove(struct gdb_hw *h, const struct vm *vm, int type,
                          uint64_t addr, uint64_t len)
{
    if (!h->usable || type < GDB_HW_EXEC || type > GDB_HW_ACCESS)
        return "";
    for (int i = 0; i < GDB_HW_SLOTS; i++)
        if (h->type[i] == (enum gdb_hw_type)type && h->addr[i] == addr &&
            (type == GDB_HW_EXEC || h->len[i] == len)) {
            h->type[i] = GDB_HW_FREE;
            return load(h, vm) < 0 ? "E05" : "OK";
        }
    return "E02";
}

bool gdb_hw_hit(struct gdb_hw *h, const struct vm *vm, char *reply, size_t len)
{
    struct kvm_debugregs d;
    if (!h->usable || ioctl(vm->kvm.vcpu_fd, KVM_GET_DEBUGREGS, &d) < 0)
        return false;
    for (int i = 0; i < GDB_HW_SLOTS; i++) {
        if (!(d.dr6 & (1ULL << i)) || h->type[i] == GDB_HW_FREE)
            continue;
        static const char *const kind[] = {"", "", "watch", "rwatch", "awatch"};
        if (h->type[i] == GDB_HW_EXEC)
            snprintf(reply, len, "S05"); /* gdb finds its breakpoint at rip */
        else
            snprintf(reply, len, "T05%s:%llx;", kind[h->type[i]],
                     (unsigned long long)h->addr[i]);
        load(h, vm); /* DR6 cleared for the next hit */
        return true;
    }
    return false;
}

void gdb_hw_clear(struct gdb_hw *h, const struct vm *vm)
{
    if (!h->usable)
        return;
    memset(h->type, 0, sizeof(h->type));
    load(h, vm);
}

int gdb_hw_rules(const struct gdb_hw *h, const struct vm *vm, void *seccomp_ctx)
{
    scmp_filter_ctx ctx = seccomp_ctx;
    int rc = 0;
    if (!h->usable)
        return 0;
    /* load, gdb_hw_hit: the guest's debug registers. */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
                                    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vm->kvm.vcpu_fd),
                                    SCMP_A1(SCMP_CMP_EQ, KVM_SET_DEBUGREGS));
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
                                    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vm->kvm.vcpu_fd),
                                    SCMP_A1(SCMP_CMP_EQ, KVM_GET_DEBUGREGS));
    return rc;
}
