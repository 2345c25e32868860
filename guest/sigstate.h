/* sigstate.h: signal state shared by signal.c, itimer.c and the blocking waits (internal). */
#ifndef GUEST_SIGSTATE_H
#define GUEST_SIGSTATE_H

#include <signal.h>
#include <stdint.h>

/* Bit of signal `sig` (1..64) in a kernel sigset. */
#define SIGNAL_BIT(sig) (1ULL << ((sig) - 1))
#define SIGNAL_MAX 64

/*
 * What Linux keeps per thread.  One per thread: today the runtime has one
 * thread and signal_self() returns the one instance; a scheduler gives each
 * thread its own and makes signal_self() return the running one's.
 *
 * mask: blocked signals.  pending: signals sent to this thread (tkill,
 * tgkill, raise), with their siginfo in info[].  saved_mask/restore: the
 * mask to put back once a handler has run (sigsuspend).  interrupted: the
 * last blocking wait ended early for a signal, so the call may be restarted
 * (SA_RESTART).  full_restore: rt_sigreturn rewrote the syscall frame.
 * deliver_*: the delivery sigframe_return chose, for sigframe_build.
 */
struct signal_thread {
    uint64_t mask;
    uint64_t pending;
    uint64_t saved_mask;
    int restore;
    int interrupted;
    int full_restore;
    int deliver_sig;
    uintptr_t deliver_frame;
    uintptr_t deliver_fpstate;
    siginfo_t deliver_info;
    stack_t altstack;
    siginfo_t info[SIGNAL_MAX];
};

struct signal_thread *signal_self(void);

/*
 * Generate `sig` for the process (thread == 0) or the calling thread,
 * with `info` (its si_signo is set here).  A signal whose action is to
 * ignore it and that is not blocked is dropped, as on Linux.
 */
void signal_send(int sig, const siginfo_t *info, int thread);

/*
 * Whether a signal that is not blocked is pending, after collecting
 * expired timers and the signals the monitor forwarded: every blocking
 * wait asks after each round and returns -EINTR when it is (signal_eintr).
 */
int signal_interrupting(void);
/* -EINTR, noting that the wait was cut short by a signal (SA_RESTART). */
long signal_eintr(void);
/*
 * ppoll, pselect6, epoll_pwait: `set` (a kernel sigset of `size` bytes;
 * NULL: none) is the mask while the call waits; the old one comes back when
 * it returns, or once the handler of a signal that ended it has run.
 * 0, or -EINVAL / -EFAULT with nothing changed.
 */
long signal_mask_during(const void *set, unsigned long size);

/* The action for `sig`: its handler, with its flags, mask and restorer. */
const void *signal_action(int sig, unsigned long *flags, uint64_t *mask,
                          void (**restorer)(void));
/* Back to SIG_DFL (SA_RESETHAND). */
void signal_reset(int sig);
/* Pending signals that are not blocked, once timers and the monitor's are in. */
uint64_t signal_ready(void);
/* Take the lowest pending signal in `set` with its siginfo; 0 if none. */
int signal_take(uint64_t set, siginfo_t *info);
/* Whether `sp` lies on the calling thread's alternate signal stack. */
int signal_on_altstack(const void *sp);
/* The default action of a signal that ends the process. */
_Noreturn void signal_die(int sig);

/*
 * itimer.c: alarm, setitimer, POSIX timers.  itimer_fire: generate the
 * signals of the timers that have expired by now.  itimer_deadline: the
 * monotonic time a wait must end by for the next real-time timer, or
 * UINT64_MAX.  itimer_overrun: the overrun count of timer `id`, when its
 * signal is delivered.
 */
void itimer_fire(void);
uint64_t itimer_deadline(void);
int itimer_overrun(int id);

#endif
