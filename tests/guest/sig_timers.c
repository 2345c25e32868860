/* sig_timers.c: alarm, setitimer, POSIX timers, and blocking calls cut short by a handler: EINTR or SA_RESTART (compared with Linux). */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#include "probe.h"

static volatile sig_atomic_t got, code, val, fd_to_fill = -1;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    got++;
    code = si->si_code;
    val = si->si_code == SI_TIMER ? si->si_value.sival_int : 0;
    if (fd_to_fill >= 0)
        (void)!write(fd_to_fill, "x", 1);
}

static void install(int sig, int flags)
{
    struct sigaction sa = { .sa_sigaction = on_sig, .sa_flags = SA_SIGINFO | flags };

    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

/* One ITIMER_REAL shot `ms` from now. */
static void shot(int ms)
{
    struct itimerval it = { .it_value = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 } };

    setitimer(ITIMER_REAL, &it, NULL);
}

static void report(const char *what)
{
    printf("%s: handler ran %d times, code %d, value %d\n", what, (int)got,
           (int)code, (int)val);
    got = code = val = 0;
}

int main(void)
{
    struct itimerval it, old;
    int p[2];
    char c;

    probe_start();
    install(SIGALRM, 0);

    /* alarm: what is left, rounded; a handler run by it. */
    CALL(alarm(5));
    CALL(alarm(0));
    CALL(alarm(1));
    CALL(pause());
    report("alarm");

    /* setitimer: three periods of 30 ms, then disarmed. */
    it = (struct itimerval){ { 0, 30000 }, { 0, 30000 } };
    CALL(setitimer(ITIMER_REAL, &it, NULL));
    for (int i = 0; i < 3; i++)
        pause();
    report("setitimer periodic");
    CALL(setitimer(ITIMER_REAL, NULL, &old));
    printf("interval was %ld us, armed %d\n", (long)old.it_interval.tv_usec,
           old.it_value.tv_sec != 0 || old.it_value.tv_usec != 0);
    CALL(getitimer(ITIMER_REAL, &old));
    printf("now armed %d\n", old.it_value.tv_sec != 0 || old.it_value.tv_usec != 0);
    it.it_value.tv_usec = 1000000;
    CALL(setitimer(ITIMER_REAL, &it, NULL));
    CALL(setitimer(7, &it, NULL));
    CALL(getitimer(7, &old));

    /* ITIMER_VIRTUAL counts CPU time: a spin sees it. */
    install(SIGVTALRM, 0);
    it = (struct itimerval){ { 0, 0 }, { 0, 20000 } };
    CALL(setitimer(ITIMER_VIRTUAL, &it, NULL));
    while (got == 0)
        (void)getppid();
    report("itimer virtual");

    /* A POSIX timer with a value. */
    struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1,
                           .sigev_value.sival_int = 42 };
    timer_t t;
    install(SIGUSR1, 0);
    CALL(timer_create(CLOCK_MONOTONIC, &ev, &t));
    struct itimerspec ts = { .it_value = { 0, 20000000 } }, cur;
    CALL(timer_settime(t, 0, &ts, NULL));
    CALL(timer_gettime(t, &cur));
    printf("armed %d\n", cur.it_value.tv_nsec > 0);
    CALL(pause());
    report("timer_create");
    CALL(timer_getoverrun(t));
    CALL(timer_gettime(t, &cur));
    printf("armed %d\n", cur.it_value.tv_nsec > 0);
    /*
     * Blocked while it fires several times: one signal, the rest overruns.
     * (Linux drops a timer's pending signal when the timer is set again, so
     * it stays armed until the signal is in.)
     */
    sigset_t set, prev;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &prev);
    ts = (struct itimerspec){ { 0, 10000000 }, { 0, 10000000 } };
    CALL(timer_settime(t, 0, &ts, NULL));
    struct timespec wait = { 0, 45000000 };
    nanosleep(&wait, NULL);
    sigprocmask(SIG_SETMASK, &prev, NULL);
    int over = timer_getoverrun(t);
    ts = (struct itimerspec){ { 0, 0 }, { 0, 0 } };
    CALL(timer_settime(t, 0, &ts, NULL));
    printf("timer while blocked: handler ran %d, code %d, value %d\n", got > 0,
           (int)code, (int)val);
    got = code = val = 0;
    printf("overruns at least 2: %d\n", over >= 2);
    CALL(timer_getoverrun(t));
    CALL(timer_delete(t));
    CALL(syscall(SYS_timer_delete, 12345));
    CALL(timer_create(99, &ev, &t));
    ev.sigev_signo = 99;
    CALL(timer_create(CLOCK_MONOTONIC, &ev, &t));

    /* A read from an empty pipe, cut short: EINTR without SA_RESTART. */
    CALL(pipe(p));
    install(SIGALRM, 0);
    shot(30);
    CALL(read(p[0], &c, 1));
    report("read without SA_RESTART");

    /* With SA_RESTART the read goes on, and gets what the handler wrote. */
    install(SIGALRM, SA_RESTART);
    fd_to_fill = p[1];
    shot(30);
    CALL(read(p[0], &c, 1));
    report("read with SA_RESTART");
    fd_to_fill = -1;

    /* poll and nanosleep are never restarted. */
    struct pollfd pfd = { .fd = p[0], .events = POLLIN };
    shot(30);
    CALL(poll(&pfd, 1, 2000));
    report("poll with SA_RESTART");
    struct timespec two = { 2, 0 }, rem = { 0, 0 };
    shot(30);
    CALL(nanosleep(&two, &rem));
    printf("nanosleep left between 1 and 2 s: %d\n", rem.tv_sec == 1);
    report("nanosleep");

    /* sigtimedwait's timeout. */
    struct timespec tmo = { 0, 20000000 };
    CALL(sigtimedwait(&set, NULL, &tmo));

    printf("done\n");
    return 0;
}
