/* debug.c: the opt-in debug tools (--gdb, --dumpcore, --profile) and their few hooks into the run. */
#include "debug.h"

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>

#include "options.h"
#include "vm.h"

/*
 * The vCPU's kvm_run, for the handler of the signals the tools use to stop
 * a running guest (a profiler tick, gdb's Ctrl-C): immediate_exit makes the
 * next KVM_RUN return EINTR at once when the signal came while the monitor
 * was busy outside it.
 */
static struct kvm_run *kick_run;

static void kick(int sig)
{
    (void)sig;
    if (kick_run != NULL)
        kick_run->immediate_exit = 1;
}

/* Catch `sig` with kick, unblocked; SA_RESTART for every call but KVM_RUN. */
static int kick_on(struct vm *vm, int sig, char why[WHY_MAX])
{
    kick_run = vm->kvm.run;
    struct sigaction sa = {.sa_handler = kick, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    if (sigaction(sig, &sa, NULL) < 0 || sigprocmask(SIG_UNBLOCK, &set, NULL) < 0)
        return why_fail(why, "signal %d: %s", sig, strerror(errno));
    return 0;
}

int debug_setup(struct vm *vm, const struct options *o, char why[WHY_MAX])
{
    struct debug *d = &vm->debug;
    if (o->dumpcore != NULL) {
        if (core_setup(&d->core, o->dumpcore, o->image, &vm->mem, why) < 0)
            return -1;
        d->dumpcore = true;
    }
    if (o->profile != NULL) {
        if (profile_setup(&d->prof, o->profile, why) < 0 ||
            kick_on(vm, SIGPROF, why) < 0 || profile_start(&d->prof, why) < 0)
            return -1;
        d->profile_on = true;
    }
    if (o->gdb != NULL) {
        if (kick_on(vm, SIGIO, why) < 0 || gdb_setup(&d->gdb, vm, o->gdb, why) < 0)
            return -1;
        d->gdb_on = true;
    }
    return 0;
}

int debug_rules(const struct vm *vm, void *ctx)
{
    const struct debug *d = &vm->debug;
    int rc = 0;
    if (d->dumpcore)
        rc = core_rules(&d->core, vm->kvm.vcpu_fd, ctx);
    if (rc == 0 && d->profile_on)
        rc = profile_rules(&d->prof, ctx);
    if (rc == 0 && d->gdb_on)
        rc = gdb_rules(&d->gdb, vm, ctx);
    /* kick, the handler of SIGPROF and SIGIO, returns through rt_sigreturn. */
    if (rc == 0 && (d->profile_on || d->gdb_on))
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigreturn), 0);
    return rc;
}

int debug_start(struct vm *vm)
{
    if (!vm->debug.gdb_on)
        return VM_CONTINUE;
    return gdb_stop(&vm->debug.gdb, vm, GDB_STOP_START);
}

int debug_fault(struct vm *vm, const struct uhvt_hc_fault *f)
{
    struct debug *d = &vm->debug;
    if (d->gdb_on) {
        int rc = gdb_fault(&d->gdb, vm, f);
        if (rc != DEBUG_PASS)
            return rc;
    }
    d->fault = *f;
    d->faulted = true;
    return DEBUG_PASS;
}

int debug_interrupted(struct vm *vm)
{
    struct debug *d = &vm->debug;
    vm->kvm.run->immediate_exit = 0;
    if (d->profile_on)
        profile_sample(&d->prof, vm);
    if (d->gdb_on)
        return gdb_interrupted(&d->gdb, vm);
    return VM_CONTINUE;
}

/* The signal a debugger shows for a fault's vector, as Linux would send it. */
static int fault_signal(uint64_t vector)
{
    switch (vector) {
    case 0: case 16: case 19: return SIGFPE;
    case 1: case 3: return SIGTRAP;
    case 6: return SIGILL;
    case 17: return SIGBUS;
    default: return SIGSEGV;
    }
}

/* The core of a guest that ended with `status`, from the state it ended in. */
static void dump(struct vm *vm, int status)
{
    struct debug *d = &vm->debug;
    struct kvm_regs r;
    struct kvm_sregs s;
    struct kvm_fpu f;
    if (ioctl(vm->kvm.vcpu_fd, KVM_GET_REGS, &r) < 0 ||
        ioctl(vm->kvm.vcpu_fd, KVM_GET_SREGS, &s) < 0 ||
        ioctl(vm->kvm.vcpu_fd, KVM_GET_FPU, &f) < 0) {
        vm_report(vm, "no core file: the guest's registers: %s", strerror(errno));
        return;
    }
    int sig = status == UHVT_EXIT_ABORT || status == SOLO5_EXIT_ABORT ? SIGABRT
                                                                      : SIGSEGV;
    if (d->faulted) {
        /* The handler's registers are not the fault's: take the report's. */
        const struct uhvt_hc_fault *t = &d->fault;
        r = (struct kvm_regs){
            .rax = t->rax, .rbx = t->rbx, .rcx = t->rcx, .rdx = t->rdx,
            .rsi = t->rsi, .rdi = t->rdi, .rsp = t->rsp, .rbp = t->rbp,
            .r8 = t->r8, .r9 = t->r9, .r10 = t->r10, .r11 = t->r11,
            .r12 = t->r12, .r13 = t->r13, .r14 = t->r14, .r15 = t->r15,
            .rip = t->rip, .rflags = t->rflags,
        };
        s.cr2 = t->cr2;
        sig = fault_signal(t->vector);
    } else if (d->solo5_trapped) {
        /* Only these are in a Solo5 trap frame; the rest are the handler's. */
        r.rip = d->solo5_trap.rip;
        r.rsp = d->solo5_trap.rsp;
        r.rflags = d->solo5_trap.rflags;
        s.cr2 = d->solo5_trap.cr2;
        sig = SIGSEGV;
    }
    char path[128];
    int rc = core_write(&d->core, &vm->mem, &r, &s, &f, sig, path, sizeof(path));
    if (rc < 0)
        vm_report(vm, "no core file %s: %s", path, strerror(-rc));
    else
        vm_report(vm, "core dumped to %s", path);
}

int debug_end(struct vm *vm, int status)
{
    struct debug *d = &vm->debug;
    /* A Solo5 guest aborts with its own status 255 (docs/solo5.md). */
    bool solo5_abort = vm->img.solo5 && status == SOLO5_EXIT_ABORT;
    if (d->dumpcore && (status == UHVT_EXIT_FAULT || status == UHVT_EXIT_ABORT ||
                        solo5_abort))
        dump(vm, status);
    if (d->profile_on)
        profile_finish(&d->prof, vm);
    if (d->gdb_on)
        gdb_end(&d->gdb, vm, status);
    return status;
}
