/* sigframe.c: running signal handlers at system-call return, and rt_sigreturn. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "cpu.h"
#include "hypercall.h"
#include "runtime.h"
#include "sigstate.h"

/*
 * syscall_entry.S calls sigframe_return after every system call with the
 * caller's registers in the frame.  When a signal is to be handled, the
 * handler is entered as Linux enters it: on the caller's stack below its red
 * zone (or on the alternate stack, SA_ONSTACK), with this frame:
 *
 *   rsp -> return address: the action's sa_restorer (musl's __restore_rt,
 *          which calls rt_sigreturn)
 *          ucontext_t: every general register, rip, rsp, rflags, the mask
 *          to restore, uc_mcontext.fpregs -> the extended state below
 *          siginfo_t
 *          ... XSAVE (or FXSAVE) area, 64-byte aligned
 *
 * and rdi = signal, rsi = &siginfo, rdx = &ucontext.  The runtime touches no
 * vector register (-mgeneral-regs-only), so the state saved here is the
 * caller's; rt_sigreturn puts it all back, so a handler may use any vector
 * register, and siglongjmp out of a handler needs nothing from us (musl
 * restores the mask with rt_sigprocmask).  The handler itself starts with
 * the caller's extended state rather than a fresh one.
 *
 * The runtime builds the frame while running below it: sigframe_return picks
 * the place and returns the stack top for sigframe_build, which
 * syscall_entry.S calls there.
 */

struct sigframe {
    void (*restorer)(void);
    ucontext_t uc;
    siginfo_t info;
};

#define RED_ZONE 128
#define FXSAVE_SIZE 512
/* The flags a handler's ucontext may change (Linux's FIX_EFLAGS). */
#define EFLAGS_USER 0x50dd5UL
#define EFLAGS_DF 0x400UL
#define EFLAGS_TF 0x100UL

/*
 * 0: not probed; then the save area's size, and the XSAVE components saved
 * (rfbm; 0: FXSAVE).  Only x87, SSE, AVX and AVX-512 state: the host's
 * XCR0 may hold more (AMX tiles under PVM, whose CPUID sizes the area for
 * the guest's view), which no guest code can use without asking Linux.
 */
static uint32_t xstate_size;
static uint64_t rfbm;

#define XSTATE_KNOWN 0xe7ULL /* x87, SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM */

static void sigframe_probe(void)
{
    uint32_t id[4], lo, hi;

    xstate_size = FXSAVE_SIZE;
    cpu_cpuid(1, 0, id);
    if (!((id[2] >> 27) & 1)) /* OSXSAVE */
        return;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    rfbm = (((uint64_t)hi << 32) | lo) & XSTATE_KNOWN;
    xstate_size = FXSAVE_SIZE + 64;
    for (int i = 2; i < 8; i++) {
        if (!(rfbm & (1ULL << i)))
            continue;
        cpu_cpuid(0xd, (uint32_t)i, id); /* eax: size, ebx: offset */
        if (id[0] + id[1] > xstate_size)
            xstate_size = id[0] + id[1];
    }
}

/* The XSAVE header must be clean, or XRSTOR of this area faults. */
static void sigframe_save_fp(void *area)
{
    if (rfbm) {
        memset((char *)area + FXSAVE_SIZE, 0, 64);
        __asm__ __volatile__("xsave64 (%0)"
                             : : "r"(area), "a"((uint32_t)rfbm),
                                 "d"((uint32_t)(rfbm >> 32))
                             : "memory");
    } else {
        __asm__ __volatile__("fxsave64 (%0)" : : "r"(area) : "memory");
    }
}

static void sigframe_restore_fp(const void *area)
{
    if (rfbm)
        __asm__ __volatile__("xrstor64 (%0)"
                             : : "r"(area), "a"((uint32_t)rfbm),
                                 "d"((uint32_t)(rfbm >> 32))
                             : "memory");
    else
        __asm__ __volatile__("fxrstor64 (%0)" : : "r"(area) : "memory");
}

/*
 * Calls whose wait a handler with SA_RESTART restarts, as Linux's
 * -ERESTARTSYS does; every other interrupted call fails with EINTR.
 */
static int sigframe_restartable(long nr)
{
    switch (nr) {
    case SYS_read:
    case SYS_readv:
    case SYS_write:
    case SYS_writev:
    case SYS_pread64:
    case SYS_pwrite64:
    case SYS_accept:
    case SYS_accept4:
    case SYS_recvfrom:
    case SYS_recvmsg:
    case SYS_sendto:
    case SYS_sendmsg:
    case SYS_wait4:
    case SYS_waitid:
    case SYS_futex:
    case SYS_ioctl:
    case SYS_flock:
    case SYS_fcntl:
    case SYS_openat:
        return 1;
    default:
        return 0;
    }
}

/*
 * Called by syscall_entry.S once the call has returned (f->rax holds the
 * result).  0: nothing to do; 1: leave with every register from `f`; else
 * the top of the stack on which sigframe_build is to run.
 */
uintptr_t sigframe_return(struct syscall_frame *f)
{
    struct signal_thread *t = signal_self();
    uintptr_t full = (uintptr_t)t->full_restore;
    int interrupted = t->interrupted;

    t->full_restore = 0;
    t->interrupted = 0;
    for (;;) {
        uint64_t ready = signal_ready();
        siginfo_t info;
        unsigned long flags;
        uint64_t mask;
        void (*restorer)(void);

        if (ready == 0) {
            if (t->restore) {
                t->mask = t->saved_mask;
                t->restore = 0;
            }
            return full;
        }
        int sig = signal_take(ready, &info);
        const void *h = signal_action(sig, &flags, &mask, &restorer);
        if (h == SIG_IGN)
            continue;
        if (h == SIG_DFL) {
            if (sig == SIGCHLD || sig == SIGCONT || sig == SIGURG ||
                sig == SIGWINCH || sig == SIGSTOP || sig == SIGTSTP ||
                sig == SIGTTIN || sig == SIGTTOU)
                continue;
            signal_die(sig);
        }

        if (interrupted && f->rax == -EINTR && (flags & SA_RESTART) &&
            sigframe_restartable(f->nr)) {
            f->rip -= 2; /* back to the SYSCALL instruction */
            f->rax = f->nr;
        }
        if (xstate_size == 0)
            sigframe_probe();
        uintptr_t sp = (uintptr_t)f; /* below the red zone and this frame */
        if ((flags & SA_ONSTACK) && !(t->altstack.ss_flags & SS_DISABLE) &&
            t->altstack.ss_size != 0 && !signal_on_altstack((void *)f->rsp))
            sp = (uintptr_t)t->altstack.ss_sp + t->altstack.ss_size;
        sp = (sp - xstate_size) & ~(uintptr_t)63;
        t->deliver_fpstate = sp;
        sp = ((sp - sizeof(struct sigframe)) & ~(uintptr_t)15) - 8;
        t->deliver_frame = sp;
        t->deliver_sig = sig;
        if (!mem_check((void *)sp, t->deliver_fpstate + xstate_size - sp))
            signal_die(SIGSEGV);
        /* Not written yet: this function's own frame may lie there. */
        t->deliver_info = info;
        return sp & ~(uintptr_t)15;
    }
}

/* Called by syscall_entry.S on the stack sigframe_return chose. */
void sigframe_build(struct syscall_frame *f)
{
    struct signal_thread *t = signal_self();
    struct sigframe *fr = (struct sigframe *)t->deliver_frame;
    int sig = t->deliver_sig;
    unsigned long flags;
    uint64_t mask;
    void (*restorer)(void);
    const void *h = signal_action(sig, &flags, &mask, &restorer);
    greg_t *g = fr->uc.uc_mcontext.gregs;

    sigframe_save_fp((void *)t->deliver_fpstate);
    fr->info = t->deliver_info;
    memset(&fr->uc, 0, sizeof fr->uc);
    fr->restorer = (flags & SA_RESTORER) ? restorer : NULL;
    fr->uc.uc_stack = t->altstack;
    if (t->altstack.ss_size == 0)
        fr->uc.uc_stack.ss_flags = SS_DISABLE;
    g[REG_R8] = f->a[4];
    g[REG_R9] = f->a[5];
    g[REG_R10] = f->a[3];
    g[REG_R11] = (greg_t)f->r11;
    g[REG_R12] = (greg_t)f->r12;
    g[REG_R13] = (greg_t)f->r13;
    g[REG_R14] = (greg_t)f->r14;
    g[REG_R15] = (greg_t)f->r15;
    g[REG_RDI] = f->a[0];
    g[REG_RSI] = f->a[1];
    g[REG_RBP] = (greg_t)f->rbp;
    g[REG_RBX] = (greg_t)f->rbx;
    g[REG_RDX] = f->a[2];
    g[REG_RAX] = f->rax;
    g[REG_RCX] = (greg_t)f->rcx;
    g[REG_RSP] = (greg_t)f->rsp;
    g[REG_RIP] = (greg_t)f->rip;
    g[REG_EFL] = (greg_t)f->flags;
    fr->uc.uc_mcontext.fpregs = (fpregset_t)t->deliver_fpstate;
    uint64_t old = t->restore ? t->saved_mask : t->mask;
    memcpy(&fr->uc.uc_sigmask, &old, sizeof old);
    t->restore = 0;

    t->mask |= mask | ((flags & SA_NODEFER) ? 0 : SIGNAL_BIT(sig));
    t->mask &= ~(SIGNAL_BIT(SIGKILL) | SIGNAL_BIT(SIGSTOP));
    if (flags & SA_RESETHAND)
        signal_reset(sig);

    f->rip = (uintptr_t)h;
    f->rsp = (uintptr_t)fr;
    f->a[0] = sig;
    f->a[1] = (long)&fr->info;
    f->a[2] = (long)&fr->uc;
    f->rax = 0;
    f->flags &= ~(EFLAGS_DF | EFLAGS_TF);
}

/*
 * The handler returned into its restorer, which called us with rsp just
 * above the return address it popped.  A frame that is not in guest memory
 * ends the guest as Linux's SIGSEGV would.
 */
long sigframe_sigreturn(struct syscall_frame *f)
{
    struct signal_thread *t = signal_self();
    struct sigframe *fr = (struct sigframe *)(f->rsp - 8);
    const greg_t *g = fr->uc.uc_mcontext.gregs;
    uint64_t mask;

    if (!mem_check(fr, sizeof *fr))
        signal_die(SIGSEGV);
    if (xstate_size == 0)
        sigframe_probe();
    const void *fp = fr->uc.uc_mcontext.fpregs;
    if (fp != NULL) {
        if ((uintptr_t)fp % 64 != 0 || !mem_check(fp, xstate_size))
            signal_die(SIGSEGV);
        sigframe_restore_fp(fp);
    }
    memcpy(&mask, &fr->uc.uc_sigmask, sizeof mask);
    t->mask = mask & ~(SIGNAL_BIT(SIGKILL) | SIGNAL_BIT(SIGSTOP));

    f->a[4] = g[REG_R8];
    f->a[5] = g[REG_R9];
    f->a[3] = g[REG_R10];
    f->r11 = (unsigned long)g[REG_R11];
    f->r12 = (unsigned long)g[REG_R12];
    f->r13 = (unsigned long)g[REG_R13];
    f->r14 = (unsigned long)g[REG_R14];
    f->r15 = (unsigned long)g[REG_R15];
    f->a[0] = g[REG_RDI];
    f->a[1] = g[REG_RSI];
    f->rbp = (unsigned long)g[REG_RBP];
    f->rbx = (unsigned long)g[REG_RBX];
    f->a[2] = g[REG_RDX];
    f->rcx = (unsigned long)g[REG_RCX];
    f->rsp = (unsigned long)g[REG_RSP];
    f->rip = (unsigned long)g[REG_RIP];
    f->flags = (f->flags & ~EFLAGS_USER) | ((unsigned long)g[REG_EFL] & EFLAGS_USER);
    t->full_restore = 1;
    return g[REG_RAX];
}
