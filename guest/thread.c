/* thread.c: the runtime's cooperative threads: the scheduler, clone, exit, and the per-thread calls. */
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>

#include "cpu.h"
#include "hypercall.h"
#include "runtime.h"
#include "thread.h"

/*
 * One vCPU, threads switched only where they wait (thread.h).  Threads live
 * in a ring in creation order; a switch looks for the next runnable one
 * after the current, so every runnable thread gets its turn.  The boot
 * thread (tid 1, the process's pid) is static; the others are one
 * allocation each, freed when they exit.
 *
 * Network progress needs nobody to wait: the stack runs in the idle path,
 * and also at least every THREAD_NET_EVERY while threads keep switching
 * without ever going idle, so sockets and timers are not starved.  A lone
 * thread never pays for that: it goes idle whenever it waits.
 */
#define THREAD_NET_EVERY 1000000ULL /* ns */
#define THREAD_EXIT_STACK 16384

#define CLONE_SUPPORTED                                                     \
    (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |     \
     CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |                   \
     CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_DETACHED)
#define CLONE_A_THREAD                                                      \
    (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)

uint64_t thread_gen;

static struct thread boot_thread = {
    .tid = 1,
    .prev = &boot_thread,
    .next = &boot_thread,
};

static struct {
    struct thread *cur;
    int count;    /* live threads */
    int next_tid; /* the last handed out */
    int fs_known; /* boot_thread.fs holds the FS base */
    uint64_t last_net;
    uint64_t cpu_mark; /* clock_cpu() when the current thread last ran */
} sched = { .cur = &boot_thread, .count = 1, .next_tid = 1 };

/*
 * An exiting thread finishes on this stack, with FS on exit_tcb: its own
 * stack and TCB may already be unmapped (musl's detached threads).  Only the
 * thread switched away from here ever used it, and nothing returns to it.
 */
static uint8_t exit_stack[THREAD_EXIT_STACK] __attribute__((aligned(16)));
static uint64_t exit_tcb[8] __attribute__((aligned(64)));
static uint64_t exit_rsp;

struct thread *thread_current(void)
{
    return sched.cur;
}

struct thread *thread_find(long tid)
{
    struct thread *t = sched.cur;

    do {
        if (t->tid == tid)
            return t;
        t = t->next;
    } while (t != sched.cur);
    return NULL;
}

void thread_set_fs(uint64_t fs)
{
    sched.cur->fs = fs;
    if (sched.cur == &boot_thread)
        sched.fs_known = 1;
}

/* Time halted in the idle path is nobody's: clock_cpu leaves it out. */
uint64_t thread_cpu(void)
{
    return sched.cur->cpu + (clock_cpu() - sched.cpu_mark);
}

static int thread_runnable(const struct thread *t, uint64_t now)
{
    switch (t->state) {
    case THREAD_READY:
        return 1;
    case THREAD_POLL:
        return t->seen != thread_gen || now >= t->deadline;
    default:
        return now >= t->deadline;
    }
}

/*
 * Guard pages are not enforced (mem.c), so a thread's guard is checked
 * whenever it waits, yields or exits: its stack pointer must be above the
 * guard, and the guard's top, where an overflow writes first, still zero (mmap
 * gave it zeroed, and nothing may write there).  The overflow is found
 * late, but it ends the guest with its name rather than corrupt memory on.
 */
#define THREAD_GUARD_CHECK 256 /* bytes */

static NOSSP void thread_guard_check(const struct thread *t)
{
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

    if (t->guard_hi == 0)
        return;
    int bad = sp < t->guard_hi;
    size_t n = t->guard_hi - t->guard_lo < THREAD_GUARD_CHECK
                   ? t->guard_hi - t->guard_lo : THREAD_GUARD_CHECK;
    const uint64_t *w = (const uint64_t *)(t->guard_hi - n);
    for (size_t i = 0; i < n / sizeof *w; i++)
        bad |= w[i] != 0;
    if (bad)
        hypercall_abort("uhvt: a thread overflowed its stack into its guard "
                        "pages");
}

/*
 * Run `next` (not the current thread): FS first, then the stacks.  The
 * frame is NOSSP because FS changes under it; it resumes with its own.
 */
static NOSSP void thread_run(struct thread *next, uint64_t *save_rsp)
{
    if (!sched.fs_known) {
        boot_thread.fs = cpu_rdmsr(MSR_FS_BASE);
        sched.fs_known = 1;
    }
    uint64_t cpu = clock_cpu();
    sched.cur->cpu += cpu - sched.cpu_mark;
    sched.cpu_mark = cpu;
    sched.cur = next;
    cpu_set_fs(next->fs);
    thread_switch(save_rsp, next->rsp);
}

/* Keep the network stack going while threads switch without idling. */
static void thread_net(uint64_t now)
{
    if (now - sched.last_net < THREAD_NET_EVERY)
        return;
    sched.last_net = now;
    tcpip_wait(0);
    thread_changed();
}

/*
 * Find a runnable thread, starting after `from` and ending with it, and run
 * it, keeping the current stack in *save_rsp; when none can run, wait in
 * the idle path until input or the earliest deadline.  Returns once the
 * current thread runs again (never, for an exiting one).
 */
static NOSSP void thread_schedule(struct thread *from, uint64_t *save_rsp)
{
    for (;;) {
        uint64_t now = clock_monotonic();
        uint64_t earliest = timerfd_expire(now); /* may wake POLL waiters */
        struct thread *t = from->next;

        for (int n = 0; n < sched.count; n++, t = t->next) {
            if (thread_runnable(t, now)) {
                if (t != sched.cur) {
                    thread_net(now); /* only where threads switch */
                    thread_run(t, save_rsp);
                }
                sched.cur->state = THREAD_READY;
                return;
            }
            if (t->deadline < earliest)
                earliest = t->deadline;
        }
        tcpip_wait(earliest);
        sched.last_net = clock_monotonic();
        thread_changed();
    }
}

long thread_wait(enum thread_state kind, uint64_t deadline)
{
    struct thread *me = sched.cur;

    thread_guard_check(me);
    me->state = kind;
    me->deadline = deadline;
    me->seen = thread_gen;
    me->woken = me->kicked = 0;
    thread_schedule(me, &me->rsp);
    if (me->kicked)
        return -EINTR;
    if (me->woken || kind == THREAD_POLL)
        return 0;
    return -ETIMEDOUT;
}

void thread_wake(struct thread *t)
{
    t->woken = 1;
    t->state = THREAD_READY;
}

void thread_kick(struct thread *t)
{
    if (t->state == THREAD_READY)
        return;
    t->kicked = 1;
    t->state = THREAD_READY;
}

int thread_yield(void)
{
    struct thread *me = sched.cur;
    uint64_t now = clock_monotonic();

    thread_guard_check(me);
    (void)timerfd_expire(now); /* a timer due may make a waiter runnable */
    for (struct thread *t = me->next; t != me; t = t->next) {
        if (thread_runnable(t, now)) {
            thread_schedule(me, &me->rsp);
            return 1;
        }
    }
    return 0;
}

/* ---- clone ---- */

/* The registers the clone caller had: its frame sits around `a`. */
static const struct syscall_frame *thread_frame(const long a[6])
{
    uintptr_t p = (uintptr_t)a - offsetof(struct syscall_frame, a);

    /* Hide the arithmetic from the compiler: `a` is part of a bigger object. */
    __asm__("" : "+r"(p));
    return (const struct syscall_frame *)p;
}

/*
 * Threads only, as musl's pthread_create makes them.  Linux's own checks
 * come first, with its errno; then anything that is not a thread sharing
 * everything (fork, vfork, posix_spawn's CLONE_VM|CLONE_VFORK) is ENOSYS:
 * one application per unikernel.
 */
long sys_clone(const long a[6])
{
    unsigned long flags = (unsigned long)a[0];
    uint64_t stack = (uint64_t)a[1], tls = (uint64_t)a[4];
    int *ptid = (int *)a[2], *ctid = (int *)a[3];

    if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS) ||
        (flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
        return -EINVAL;
    if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
        return -EINVAL;
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
        return -EINVAL;
    if ((flags & CLONE_A_THREAD) != CLONE_A_THREAD ||
        (flags & ~(unsigned long)(CLONE_SUPPORTED | 0xff)))
        return -ENOSYS;
    /* Linux would run the child on the parent's stack: never useful. */
    if (stack == 0)
        return -EINVAL;
    if ((flags & CLONE_SETTLS) &&
        (uint64_t)((int64_t)(tls << 16) >> 16) != tls)
        return -EPERM;

    struct thread *t = mem_alloc(sizeof *t);
    if (t == NULL)
        return -ENOMEM;
    if (!sched.fs_known) {
        boot_thread.fs = cpu_rdmsr(MSR_FS_BASE);
        sched.fs_known = 1;
    }
    const struct syscall_frame *f = thread_frame(a);
    t->tid = ++sched.next_tid;
    t->sig.mask = sched.cur->sig.mask; /* inherited; nothing pending */
    t->fs = (flags & CLONE_SETTLS) ? tls : sched.cur->fs;
    t->regs = (struct thread_regs){
        .rdi = (uint64_t)f->a[0], .rsi = (uint64_t)f->a[1],
        .rdx = (uint64_t)f->a[2], .r10 = (uint64_t)f->a[3],
        .r8 = (uint64_t)f->a[4], .r9 = (uint64_t)f->a[5],
        .rip = f->rip, .rflags = f->flags,
        /* syscall_entry.S pushed rbx just below the frame. */
        .rbx = ((const uint64_t *)f)[-1],
        .rsp = stack,
    };
    /* Popped by thread_switch: r15 r14 r13 r12 rbx rbp, then its return. */
    t->boot[4] = (uint64_t)&t->regs;
    t->boot[6] = (uint64_t)thread_start;
    t->rsp = (uint64_t)t->boot;
    uintptr_t lo, hi;
    if (mem_guard_below(stack, &lo, &hi)) {
        t->guard_lo = lo;
        t->guard_hi = hi;
    }
    if (flags & CLONE_CHILD_CLEARTID)
        t->clear_tid = ctid;
    if ((flags & CLONE_CHILD_SETTID) && mem_check(ctid, sizeof *ctid))
        *ctid = t->tid;
    if ((flags & CLONE_PARENT_SETTID) && mem_check(ptid, sizeof *ptid))
        *ptid = t->tid;
    t->state = THREAD_READY;
    t->deadline = UINT64_MAX;
    t->prev = sched.cur->prev;
    t->next = sched.cur;
    t->prev->next = t;
    sched.cur->prev = t;
    sched.count++;
    thread_changed();
    return t->tid;
}

/* ---- exit ---- */

/*
 * On exit_stack: forget the thread, then run another for good.  A stand-in
 * out of the ring is sched.cur meanwhile, so whichever thread can run is
 * switched to; the frame saved in exit_rsp is never resumed.
 */
static NOSSP _Noreturn void thread_exit_tail(void)
{
    static struct thread exiting;
    struct thread *gone = sched.cur, *from = gone->prev;

    from->next = gone->next;
    gone->next->prev = from;
    sched.count--;
    sched.cur = &exiting;
    thread_changed();
    if (gone != &boot_thread)
        mem_release(gone, sizeof *gone);
    thread_schedule(from, &exit_rsp);
    hypercall_abort("uhvt: an exited thread ran again");
}

/*
 * Linux's exit of one thread: the robust list, then CLEARTID (write 0, wake
 * one waiter), then the thread is gone.  The last thread's exit is the
 * process's, with its status.
 */
long sys_exit_thread(const long a[6])
{
    struct thread *me = sched.cur;

    if (sched.count == 1)
        syscall_exit((int)a[0]);
    thread_guard_check(me);
    futex_exit_robust(me);
    if (me->clear_tid != NULL && mem_check(me->clear_tid, sizeof(int))) {
        *me->clear_tid = 0;
        (void)futex_wake((const volatile uint32_t *)me->clear_tid, 1,
                         UINT32_MAX);
    }
    /* A canary for the frames on exit_stack, from the thread's own TCB. */
    uint64_t canary;
    __asm__ __volatile__("movq %%fs:0x28, %0" : "=r"(canary));
    exit_tcb[0] = (uint64_t)exit_tcb;
    exit_tcb[5] = canary;
    cpu_set_fs((uint64_t)exit_tcb);
    thread_on_stack(thread_exit_tail, exit_stack + sizeof exit_stack);
}

/* ---- identity ---- */

long sys_gettid(const long a[6])
{
    (void)a;
    return sched.cur->tid;
}

long sys_set_tid_address(const long a[6])
{
    sched.cur->clear_tid = (int *)a[0];
    return sched.cur->tid;
}

/*
 * musl registers a robust list for robust and process-shared mutexes;
 * futex.c walks it when the thread exits, as Linux does.
 */
long sys_set_robust_list(const long a[6])
{
    if ((size_t)a[1] != 3 * sizeof(long))
        return -EINVAL;
    sched.cur->robust_head = (uint64_t)a[0];
    return 0;
}

long sys_get_robust_list(const long a[6])
{
    struct thread *t = a[0] == 0 ? sched.cur : thread_find(a[0]);
    uint64_t *head = (uint64_t *)a[1];
    size_t *len = (size_t *)a[2];

    if (t == NULL)
        return -ESRCH;
    if (!mem_check(head, sizeof *head) || !mem_check(len, sizeof *len))
        return -EFAULT;
    *head = t->robust_head;
    *len = 3 * sizeof(long);
    return 0;
}
