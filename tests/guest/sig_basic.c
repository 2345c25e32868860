/* sig_basic.c: handlers, masks, pending sets, sigsuspend, sigwait, siglongjmp and vector registers across a handler (compared with Linux). */
#define _GNU_SOURCE
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "probe.h"

static volatile sig_atomic_t got, last_sig, last_code, last_pid_ok, last_val;
static volatile sig_atomic_t in_mask_self, in_mask_other, on_alt;
static sigjmp_buf jump;
static char alt[65536];

static void on_info(int sig, siginfo_t *si, void *uc)
{
    sigset_t now;

    (void)uc;
    got++;
    last_sig = sig;
    last_code = si->si_code;
    last_pid_ok = si->si_code == SI_USER || si->si_code == SI_TKILL ||
                  si->si_code == SI_QUEUE ? si->si_pid == getpid() : -1;
    last_val = si->si_code == SI_QUEUE ? si->si_value.sival_int : 0;
    sigprocmask(SIG_SETMASK, NULL, &now);
    in_mask_self = sigismember(&now, sig);
    in_mask_other = sigismember(&now, SIGHUP);
    on_alt = (char *)&now >= alt && (char *)&now < alt + sizeof alt;
}

static void on_jump(int sig)
{
    siglongjmp(jump, sig);
}

/* Clobbers xmm8 and xmm0 as any handler may. */
static void on_clobber(int sig)
{
    (void)sig;
    got++;
    __asm__ __volatile__("pcmpeqd %%xmm8, %%xmm8; pxor %%xmm0, %%xmm0" : : : "xmm8", "xmm0");
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags,
                    int also)
{
    struct sigaction sa = { .sa_sigaction = fn, .sa_flags = SA_SIGINFO | flags };

    sigemptyset(&sa.sa_mask);
    if (also)
        sigaddset(&sa.sa_mask, also);
    CALL(sigaction(sig, &sa, NULL));
}

static void report(const char *what)
{
    printf("%s: got %d sig %d code %d pid_ok %d val %d self_blocked %d hup_blocked %d alt %d\n",
           what, (int)got, (int)last_sig, (int)last_code, (int)last_pid_ok,
           (int)last_val, (int)in_mask_self, (int)in_mask_other, (int)on_alt);
    got = last_sig = last_code = last_pid_ok = last_val = 0;
    in_mask_self = in_mask_other = on_alt = 0;
}

static void show_pending(void)
{
    sigset_t p;

    sigpending(&p);
    printf("pending USR1 %d USR2 %d TERM %d\n", sigismember(&p, SIGUSR1),
           sigismember(&p, SIGUSR2), sigismember(&p, SIGTERM));
}

int main(void)
{
    struct sigaction sa, old;
    sigset_t set, prev;
    siginfo_t si;
    union sigval v = { .sival_int = 77 };

    probe_start();

    /* Handlers by raise, kill and sigqueue, with their siginfo. */
    install(SIGUSR1, on_info, 0, SIGHUP);
    CALL(raise(SIGUSR1));
    report("raise");
    CALL(kill(getpid(), SIGUSR1));
    report("kill");
    CALL(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1));
    report("tgkill");
    CALL(sigqueue(getpid(), SIGUSR1, v));
    report("sigqueue");
    CALL(kill(getpid(), 0));
    CALL(kill(getpid(), 65));
    report("none");

    /* SA_NODEFER leaves the signal unblocked in its handler. */
    install(SIGUSR1, on_info, SA_NODEFER, 0);
    CALL(raise(SIGUSR1));
    report("nodefer");

    /* Blocked: pending, then run when unblocked, before sigprocmask returns. */
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CALL(sigprocmask(SIG_BLOCK, &set, &prev));
    CALL(raise(SIGUSR1));
    report("blocked");
    show_pending();
    CALL(sigprocmask(SIG_UNBLOCK, &set, NULL));
    report("unblocked");
    show_pending();
    CALL(sigprocmask(99, &set, NULL));
    CALL(sigprocmask(99, NULL, &prev));

    /* Ignored signals are dropped, unless blocked. */
    CALL(signal(SIGUSR2, SIG_IGN) == SIG_ERR);
    CALL(raise(SIGUSR2));
    show_pending();
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    CALL(sigprocmask(SIG_BLOCK, &set, NULL));
    CALL(raise(SIGUSR2));
    show_pending();
    CALL(signal(SIGUSR2, SIG_DFL) == SIG_ERR);
    show_pending();
    CALL(raise(SIGUSR2));
    show_pending();

    /* sigwait and sigtimedwait take a blocked signal. */
    int sig = 0;
    CALL(sigwait(&set, &sig));
    printf("sigwait %d\n", sig);
    struct timespec zero = { 0, 0 };
    CALL(sigtimedwait(&set, &si, &zero));
    CALL(raise(SIGUSR2));
    CALL(sigwaitinfo(&set, &si));
    /* glibc reports SI_TKILL as SI_USER here; musl and the kernel do not. */
    printf("sigwaitinfo user %d pid_ok %d\n",
           si.si_code == SI_USER || si.si_code == SI_TKILL, si.si_pid == getpid());
    CALL(sigprocmask(SIG_UNBLOCK, &set, NULL));

    /* sigsuspend: the pending signal's handler runs, then the mask is back. */
    install(SIGUSR1, on_info, 0, 0);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CALL(sigprocmask(SIG_BLOCK, &set, NULL));
    CALL(raise(SIGUSR1));
    sigemptyset(&set);
    CALL(sigsuspend(&set));
    report("sigsuspend");
    CALL(sigprocmask(SIG_SETMASK, NULL, &set));
    printf("after sigsuspend USR1 blocked %d\n", sigismember(&set, SIGUSR1));
    sigemptyset(&set);
    CALL(sigprocmask(SIG_SETMASK, &set, NULL));

    /* ppoll's mask: the pending signal runs while it waits, then the old mask. */
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CALL(sigprocmask(SIG_BLOCK, &set, NULL));
    CALL(raise(SIGUSR1));
    struct timespec second = { 1, 0 };
    sigemptyset(&set);
    CALL(ppoll(NULL, 0, &second, &set));
    report("ppoll");
    CALL(sigprocmask(SIG_SETMASK, NULL, &set));
    printf("after ppoll USR1 blocked %d\n", sigismember(&set, SIGUSR1));
    sigemptyset(&set);
    CALL(sigprocmask(SIG_SETMASK, &set, NULL));

    /* SA_RESETHAND: back to SIG_DFL once run. */
    install(SIGUSR1, on_info, SA_RESETHAND, 0);
    CALL(raise(SIGUSR1));
    report("resethand");
    CALL(sigaction(SIGUSR1, NULL, &old));
    printf("after resethand default %d\n", old.sa_handler == SIG_DFL);

    /* What cannot be changed. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    CALL(sigaction(SIGKILL, &sa, NULL));
    CALL(sigaction(SIGSTOP, &sa, NULL));
    CALL(sigaction(SIGKILL, NULL, &old));
    CALL(sigaction(0, &sa, NULL));
    CALL(sigaction(65, &sa, NULL));
    CALL(syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4));
    CALL(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, NULL, 16));
    CALL(syscall(SYS_rt_sigaction, SIGUSR1, BAD, NULL, 8));
    sigemptyset(&set);
    sigaddset(&set, SIGKILL);
    sigaddset(&set, SIGSTOP);
    CALL(sigprocmask(SIG_BLOCK, &set, NULL));
    CALL(sigprocmask(SIG_SETMASK, NULL, &set));
    printf("KILL blocked %d STOP blocked %d\n", sigismember(&set, SIGKILL),
           sigismember(&set, SIGSTOP));

    /* siglongjmp out of a handler restores the mask saved by sigsetjmp. */
    signal(SIGUSR1, on_jump);
    int r = sigsetjmp(jump, 1);
    if (r == 0) {
        raise(SIGUSR1);
        printf("not reached\n");
    }
    printf("siglongjmp returned %d\n", r);
    CALL(sigprocmask(SIG_SETMASK, NULL, &set));
    printf("after siglongjmp USR1 blocked %d\n", sigismember(&set, SIGUSR1));

    /* An alternate stack for SA_ONSTACK handlers. */
    stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt }, oss;
    CALL(sigaltstack(&ss, &oss));
    printf("old altstack disabled %d\n", (oss.ss_flags & SS_DISABLE) != 0);
    install(SIGUSR1, on_info, SA_ONSTACK, 0);
    CALL(raise(SIGUSR1));
    report("onstack");
    ss.ss_size = 100;
    CALL(sigaltstack(&ss, NULL));
    ss.ss_flags = SS_DISABLE;
    CALL(sigaltstack(&ss, NULL));
    CALL(raise(SIGUSR1));
    report("altstack disabled");

    /* SIGPIPE with EPIPE, from a pipe with no reader. */
    int pp[2];
    install(SIGPIPE, on_info, 0, 0);
    CALL(pipe(pp));
    CALL(close(pp[0]));
    CALL(write(pp[1], "x", 1));
    report("sigpipe");
    CALL(close(pp[1]));

    /* Vector registers survive a handler that clobbers them. */
    signal(SIGUSR1, on_clobber);
    uint64_t in[2] = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL }, out[4];
    long pid = getpid(), tid = gettid(), ret;
    __asm__ __volatile__("movdqu (%[in]), %%xmm8\n\t"
                         "movdqu (%[in]), %%xmm0\n\t"
                         "syscall\n\t"
                         "movdqu %%xmm8, (%[out])\n\t"
                         "pxor %%xmm0, %%xmm8\n\t"
                         "movdqu %%xmm8, 16(%[out])\n\t"
                         : "=a"(ret)
                         : "a"((long)SYS_tgkill), "D"(pid), "S"(tid), "d"((long)SIGUSR1),
                           [in] "r"(in), [out] "r"(out)
                         : "rcx", "r11", "memory", "xmm0", "xmm8");
    printf("clobbering handler ran %d, tgkill %ld, xmm8 kept %d, xmm0 kept %d\n",
           (int)got, ret, out[0] == in[0] && out[1] == in[1],
           out[2] == 0 && out[3] == 0);
    got = 0;

    printf("done\n");
    return 0;
}
