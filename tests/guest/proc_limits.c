/* proc_limits.c: test guest, also built for Linux: rlimits, getrusage, times, clock(), umask, sessions, sysinfo, CPU affinity, getcpu, uname, and fork/exec refused. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <time.h>

#include "probe.h"

#define BIG_PID 0x3fffffff /* no such process on either side */

static const char *const names[] = {
    "CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE",
    "MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO",
    "RTTIME",
};

static double now(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_rusage(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static clock_t cpu_ticks(void)
{
    struct tms t;

    times(&t);
    return t.tms_utime + t.tms_stime;
}

/*
 * Run until the process has had `secs` of CPU by its own CPU clock, not
 * the wall clock: on a loaded host the Linux side of the comparison gets a
 * fraction of the wall time, and the other CPU-time answers must then agree
 * with the clock, not with the wall.
 */
static void spin(double secs)
{
    double end = now(CLOCK_PROCESS_CPUTIME_ID) + secs;

    while (now(CLOCK_PROCESS_CPUTIME_ID) < end)
        ;
}

static void limits(void)
{
    struct rlimit r, old;

    puts("== rlimits");
    for (int i = 0; i < RLIM_NLIMITS; i++) {
        getrlimit(i, &r);
        NOTE("rlimit %s %lld %lld", names[i], (long long)r.rlim_cur,
             (long long)r.rlim_max);
    }
    CALL(getrlimit(RLIM_NLIMITS, &r));
    CALL(getrlimit(-1, &r));
    CALL(getrlimit(RLIMIT_NOFILE, BAD));
    CALL(getrlimit(RLIMIT_NOFILE, &old));
    r = (struct rlimit){ 64, 512 };
    CALL(setrlimit(RLIMIT_NOFILE, &r));
    CALL(getrlimit(RLIMIT_NOFILE, &r));
    printf("NOFILE %lld %lld\n", (long long)r.rlim_cur, (long long)r.rlim_max);
    int last = -1, fd;
    while ((fd = dup(0)) >= 0)
        last = fd;
    printf("dup until %s: last %d\n", probe_errno(errno), last);
    for (fd = 3; fd <= last; fd++)
        close(fd);
    r = (struct rlimit){ 100, 50 };
    CALL(setrlimit(RLIMIT_NOFILE, &r));
    r = (struct rlimit){ 64, 1024 };
    CALL(setrlimit(RLIMIT_NOFILE, &r));
    r = (struct rlimit){ 512, 512 };
    CALL(setrlimit(RLIMIT_NOFILE, &r));
    r = (struct rlimit){ 1 << 21, 1 << 21 };
    CALL(setrlimit(RLIMIT_NOFILE, &r));
    CALL(setrlimit(RLIMIT_NOFILE, BAD));
    CALL(setrlimit(RLIM_NLIMITS, &r));
    r = (struct rlimit){ 0, 0 };
    CALL(setrlimit(RLIMIT_CORE, &r));
    CALL(getrlimit(RLIMIT_CORE, &r));
    printf("CORE %lld %lld\n", (long long)r.rlim_cur, (long long)r.rlim_max);
    CALL(prlimit(0, RLIMIT_NOFILE, NULL, &r));
    printf("NOFILE %lld %lld\n", (long long)r.rlim_cur, (long long)r.rlim_max);
    CALL(prlimit(getpid(), RLIMIT_NOFILE, NULL, &r));
    CALL(prlimit(BIG_PID, RLIMIT_NOFILE, NULL, &r));
    struct rlimit n = { 32, 512 };
    CALL(prlimit(0, RLIMIT_NOFILE, &n, &r));
    printf("old NOFILE %lld %lld\n", (long long)r.rlim_cur, (long long)r.rlim_max);
    CALL(prlimit(0, RLIMIT_NOFILE, NULL, &r));
    printf("NOFILE %lld %lld\n", (long long)r.rlim_cur, (long long)r.rlim_max);
    CALL(prlimit(0, 99, &n, NULL));
    CALL(prlimit(0, RLIMIT_NOFILE, BAD, NULL));
}

static void usage(void)
{
    struct rusage ru;
    struct tms t;

    puts("== getrusage, times, clock");
    CALL(getrusage(RUSAGE_SELF, &ru));
    NOTE("utime %ld.%06ld stime %ld.%06ld maxrss %ld KiB",
         (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec,
         (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec, ru.ru_maxrss);
    printf("maxrss > 0: %d\n", ru.ru_maxrss > 0);
    CALL(getrusage(RUSAGE_CHILDREN, &ru));
    printf("children: %ld %ld\n", (long)ru.ru_utime.tv_sec,
           (long)ru.ru_utime.tv_usec);
    CALL(getrusage(RUSAGE_THREAD, &ru));
    CALL(getrusage(5, &ru));
    CALL(getrusage(RUSAGE_SELF, BAD));
    CALL(syscall(SYS_times, BAD));
    CALL(syscall(SYS_times, NULL) >= 0);
    NOTE("times %ld", (long)times(&t));

    double r0 = cpu_rusage(), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    double k0 = (double)clock() / CLOCKS_PER_SEC;
    clock_t t0 = cpu_ticks(), e0 = times(&t);
    spin(0.3);
    double r1 = cpu_rusage(), c1 = now(CLOCK_PROCESS_CPUTIME_ID);
    double k1 = (double)clock() / CLOCKS_PER_SEC;
    clock_t t1 = cpu_ticks(), e1 = times(&t);
    NOTE("spinning 0.3 s: rusage %.3f clock_gettime %.3f clock %.3f ticks %ld",
         r1 - r0, c1 - c0, k1 - k0, (long)(t1 - t0));
    printf("spinning 0.3 s counts: rusage %d clock_gettime %d clock %d "
           "times %d elapsed %d\n", r1 - r0 > 0.25, c1 - c0 > 0.25,
           k1 - k0 > 0.25, t1 - t0 >= 25, e1 - e0 >= 25);
    struct timespec ts = { 0, 300000000 };
    nanosleep(&ts, NULL);
    double r2 = cpu_rusage(), c2 = now(CLOCK_PROCESS_CPUTIME_ID);
    double k2 = (double)clock() / CLOCKS_PER_SEC;
    clock_t t2 = cpu_ticks(), e2 = times(&t);
    NOTE("sleeping 0.3 s: rusage %.3f clock_gettime %.3f clock %.3f ticks %ld",
         r2 - r1, c2 - c1, k2 - k1, (long)(t2 - t1));
    printf("sleeping 0.3 s does not: rusage %d clock_gettime %d clock %d "
           "times %d elapsed %d\n", r2 - r1 < 0.1, c2 - c1 < 0.1,
           k2 - k1 < 0.1, t2 - t1 < 10, e2 - e1 >= 25);
}

static void identity(void)
{
    puts("== umask, sessions");
    NOTE("umask %o", umask(027));
    CALL(umask(07777));
    CALL(umask(022));
    NOTE("pid %d ppid %d pgrp %d pgid %d sid %d", getpid(), getppid(),
         getpgrp(), getpgid(0), getsid(0));
    long r = setsid();
    NOTE("setsid %ld %s", r, probe_errno(errno));
    r = setpgid(0, 0);
    NOTE("setpgid %ld %s", r, probe_errno(errno));
    CALL(getpgid(getpid()) == getpgrp());
    CALL(getsid(getpid()) == getsid(0));
    CALL(getpgid(BIG_PID));
    CALL(getsid(BIG_PID));
    CALL(setpgid(BIG_PID, 0));
    CALL(setpgid(0, -1));
    NOTE("uid %d euid %d gid %d egid %d", getuid(), geteuid(), getgid(),
         getegid());

    puts("== sysinfo, uname");
    struct sysinfo si;
    CALL(sysinfo(&si));
    NOTE("sysinfo uptime %ld totalram %lu freeram %lu procs %d mem_unit %u",
         si.uptime, si.totalram, si.freeram, si.procs, si.mem_unit);
    printf("freeram <= totalram %d, procs > 0 %d, mem_unit > 0 %d\n",
           si.freeram <= si.totalram, si.procs > 0, si.mem_unit > 0);
    CALL(sysinfo(BAD));
    struct utsname u;
    CALL(uname(&u));
    NOTE("uname %s %s %s %s", u.sysname, u.nodename, u.release, u.version);
    printf("machine %s\n", u.machine);
    CALL(uname(BAD));
}

static void cpus(void)
{
    cpu_set_t s;
    unsigned long mask = 0;
    unsigned cpu = 99, node = 99;

    puts("== CPUs");
    CALL(sched_getaffinity(0, sizeof s, &s));
    NOTE("CPUs %d", (int)CPU_COUNT(&s));
    printf("CPU 0 %d\n", CPU_ISSET(0, &s) != 0);
    CALL(syscall(SYS_sched_getaffinity, 0, sizeof mask, &mask));
    printf("mask & 1: %lu\n", mask & 1);
    CALL(syscall(SYS_sched_getaffinity, 0, 4, &mask));
    CALL(syscall(SYS_sched_getaffinity, 0, 0, &mask));
    CALL(syscall(SYS_sched_getaffinity, BIG_PID, sizeof mask, &mask));
    CALL(syscall(SYS_sched_getaffinity, 0, sizeof mask, BAD));
    CPU_ZERO(&s);
    CALL(sched_setaffinity(0, sizeof s, &s));
    CPU_SET(0, &s);
    CALL(sched_setaffinity(0, sizeof s, &s));
    CALL(sched_setaffinity(BIG_PID, sizeof s, &s));
    CALL(sched_setaffinity(0, sizeof s, BAD));
    CALL(syscall(SYS_sched_setaffinity, 0, 1, &s));
    CALL(syscall(SYS_sched_setaffinity, 0, 0, &s));
    CALL(syscall(SYS_getcpu, &cpu, &node, NULL));
    printf("cpu %u node %u\n", cpu, node);
    CALL(syscall(SYS_getcpu, NULL, NULL, NULL));
    CALL(sched_getcpu());
    CPU_ZERO(&s);
    CPU_SET(1, &s);
    int r = sched_setaffinity(0, sizeof s, &s);
    NOTE("setaffinity CPU 1 only: %d %s", r, probe_errno(errno));
}

/* One application per unikernel: no new processes, no new images. */
static void processes(void)
{
#ifndef NATIVE
    char *argv[] = { "sh", NULL };
    pid_t pid;
    long r;

    r = fork();
    NOTE("fork %ld %s", r, probe_errno(errno));
    r = syscall(SYS_vfork);
    NOTE("vfork %ld %s", r, probe_errno(errno));
    r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    NOTE("clone %ld %s", r, probe_errno(errno));
    r = execve("/bin/sh", argv, argv + 1);
    NOTE("execve %ld %s", r, probe_errno(errno));
    r = syscall(SYS_execveat, -100, "/bin/sh", argv, argv + 1, 0);
    NOTE("execveat %ld %s", r, probe_errno(errno));
    r = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, argv + 1);
    NOTE("posix_spawn %s", probe_errno((int)r));
#endif
}

int main(void)
{
    probe_start();
    limits();
    usage();
    identity();
    cpus();
    processes();
    puts("done");
    return 0;
}
