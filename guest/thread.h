/* thread.h: the runtime's threads: their control structure and the scheduler's contract (internal). */
#ifndef GUEST_THREAD_H
#define GUEST_THREAD_H

#include <stdint.h>

#include "sigstate.h"

/*
 * Threads are the runtime's own, on the one vCPU, and cooperative: a thread
 * runs until it waits (thread_wait), yields or exits; nothing preempts it
 * (docs/threads.md).  Every switch happens inside a system call, on the
 * calling thread's own stack: thread_switch pushes the callee-saved
 * registers there and keeps its rsp here, and the FS base (TLS, and the
 * stack protector's canary at %fs:0x28) is reloaded with it.
 *
 * How a waiting thread comes back:
 *   THREAD_POLL   (fd_wait, poll_until: a `try` that found nothing ready)
 *                 runs its try again once anything may have changed: once
 *                 another thread made a system call since, after partial
 *                 progress inside one (thread_changed), after the idle wait
 *                 (network input), or when its deadline passes.
 *   THREAD_BLOCK  (futex waits, sleeps) only when thread_wake picks it, at
 *                 its deadline, or when thread_kick ends its wait.
 * When no thread can run, the idle path waits in tcpip_wait (UHVT_HC_POLL)
 * until the earliest deadline or input, on the current stack.
 */
enum thread_state {
    THREAD_READY, /* running or runnable */
    THREAD_POLL,
    THREAD_BLOCK,
};

/* What a new thread starts with: the clone caller's registers, rax = 0. */
struct thread_regs {
    uint64_t rdi, rsi, rdx, r10, r8, r9, rip, rflags, rbx, rsp;
};

struct thread {
    uint64_t rsp; /* saved by thread_switch; first member (thread_switch.S) */
    uint64_t fs;  /* FS base, restored at every switch */
    int tid;
    enum thread_state state;
    uint64_t deadline; /* monotonic ns a wait ends; UINT64_MAX: never */
    uint64_t seen;     /* THREAD_POLL: thread_gen when its try last failed */
    int woken;         /* thread_wake ended its wait */
    int kicked;        /* thread_kick ended its wait */
    struct thread *prev, *next; /* the ring of live threads */

    /* futex.c: the word and bitset it waits on, its place in the queue. */
    const volatile uint32_t *futex;
    uint32_t bitset;
    struct thread *fnext;

    int *clear_tid;       /* set_tid_address, CLONE_CHILD_CLEARTID */
    uint64_t robust_head; /* set_robust_list */
    uint64_t guard_lo, guard_hi; /* its stack's guard (mem_guard_below) */
    uint64_t cpu; /* CPU time (clock_cpu ns) it used, up to its last switch */

    struct signal_thread sig; /* signal.c: its mask, pending set... */

    struct thread_regs regs; /* a new thread's first registers */
    uint64_t boot[8];        /* a new thread's first switch frame */
};

/* Counts changes a THREAD_POLL waiter may be waiting for. */
extern uint64_t thread_gen;

struct thread *thread_current(void);
/* The live thread `tid`, or NULL. */
struct thread *thread_find(long tid);
/* Something a POLL waiter may be waiting for has changed. */
static inline void thread_changed(void)
{
    thread_gen++;
}
/*
 * Wait as `kind` until the deadline, letting other threads run meanwhile.
 * Returns 0 when woken (thread_wake), -EINTR when kicked, -ETIMEDOUT when
 * the deadline passed; a POLL waiter returns 0 whenever it should try again.
 */
long thread_wait(enum thread_state kind, uint64_t deadline);
/* End t's BLOCK wait: it runs again, and its thread_wait returns 0. */
void thread_wake(struct thread *t);
/* End t's wait, whatever it is, with -EINTR (a signal to be handled). */
void thread_kick(struct thread *t);
/* Let every other runnable thread run once; whether any did. */
int thread_yield(void);
/* FS base changed by arch_prctl. */
void thread_set_fs(uint64_t fs);
/* The calling thread's CPU time, ns (CLOCK_THREAD_CPUTIME_ID, RUSAGE_THREAD). */
uint64_t thread_cpu(void);

/* futex.c: wake up to `n` waiters on `uaddr` (exit's CLEARTID). */
long futex_wake(const volatile uint32_t *uaddr, int n, uint32_t bitset);
/* Release the robust futexes an exiting thread still holds. */
void futex_exit_robust(struct thread *t);

/* thread_switch.S */
void thread_switch(uint64_t *save_rsp, uint64_t rsp);
void thread_start(void);
_Noreturn void thread_on_stack(void (*fn)(void), void *stack_top);

#endif
