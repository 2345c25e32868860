/* proc.c: the process's identity, limits and usage: rlimits, rusage, times, umask, sessions, sysinfo, CPU affinity. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/times.h>

#include "runtime.h"
#include "thread.h"

/*
 * One process, pid 1, alone in its process group and session (1 and 1),
 * as a container's init is: setsid and setpgid answer EPERM as Linux does
 * to a session leader.  Any other pid is ESRCH.  One CPU, number 0.
 */
#define PROC_PID 1
#define NSEC_PER_SEC 1000000000ULL
#define PROC_HZ 100 /* clock_t ticks per second: USER_HZ, AT_CLKTCK */
#define NR_OPEN 1048576 /* Linux's fs.nr_open: RLIMIT_NOFILE above it is EPERM */

/*
 * The limits: Linux's defaults, except where the unikernel fixes the
 * resource: RLIMIT_NOFILE is the descriptor table (fd.c obeys a lowered
 * soft limit), RLIMIT_STACK the one fixed stack, and RLIMIT_CORE zero (no
 * core dumps).  The process holds no CAP_SYS_RESOURCE: a hard limit can
 * be lowered but never raised (EPERM).  Apart from RLIMIT_NOFILE they are
 * only stored and reported.
 */
#define INF RLIM_INFINITY
static struct rlimit limits[RLIM_NLIMITS] = {
    [RLIMIT_CPU] = { INF, INF },
    [RLIMIT_FSIZE] = { INF, INF },
    [RLIMIT_DATA] = { INF, INF },
    [RLIMIT_STACK] = { UHVT_STACK_SIZE, UHVT_STACK_SIZE },
    [RLIMIT_CORE] = { 0, 0 },
    [RLIMIT_RSS] = { INF, INF },
    [RLIMIT_NPROC] = { INF, INF },
    [RLIMIT_NOFILE] = { FD_MAX, FD_MAX },
    [RLIMIT_MEMLOCK] = { 8 << 20, 8 << 20 },
    [RLIMIT_AS] = { INF, INF },
    [RLIMIT_LOCKS] = { INF, INF },
    [RLIMIT_SIGPENDING] = { 0, 0 }, /* no queued signals */
    [RLIMIT_MSGQUEUE] = { 819200, 819200 },
    [RLIMIT_NICE] = { 0, 0 },
    [RLIMIT_RTPRIO] = { 0, 0 },
    [RLIMIT_RTTIME] = { INF, INF },
};

static unsigned proc_umask = 022;

uint64_t proc_rlimit(int res)
{
    return limits[res].rlim_cur;
}

static int proc_self(long pid)
{
    return pid == 0 || pid == PROC_PID;
}

/* Linux's order: copy the new limit, find the process, check, swap. */
static long proc_prlimit(long pid, long res, const struct rlimit *new,
                         struct rlimit *old)
{
    struct rlimit n;

    if (new != NULL) {
        if (!mem_check(new, sizeof *new))
            return -EFAULT;
        n = *new;
    }
    if (!proc_self(pid))
        return -ESRCH;
    if ((unsigned long)res >= RLIM_NLIMITS)
        return -EINVAL;
    if (new != NULL) {
        if (n.rlim_cur > n.rlim_max)
            return -EINVAL;
        if (res == RLIMIT_NOFILE && n.rlim_max > NR_OPEN)
            return -EPERM;
        if (n.rlim_max > limits[res].rlim_max)
            return -EPERM;
    }
    if (old != NULL) {
        if (!mem_check(old, sizeof *old))
            return -EFAULT;
        *old = limits[res];
    }
    if (new != NULL)
        limits[res] = n;
    return 0;
}

long sys_prlimit64(const long a[6])
{
    return proc_prlimit(a[0], a[1], (const struct rlimit *)a[2],
                        (struct rlimit *)a[3]);
}

long sys_getrlimit(const long a[6])
{
    return proc_prlimit(0, a[0], NULL, (struct rlimit *)a[1]);
}

long sys_setrlimit(const long a[6])
{
    return proc_prlimit(0, a[0], (const struct rlimit *)a[1], NULL);
}

static struct timeval proc_timeval(uint64_t ns)
{
    return (struct timeval){ .tv_sec = (time_t)(ns / NSEC_PER_SEC),
                             .tv_usec = (suseconds_t)(ns % NSEC_PER_SEC / 1000) };
}

/*
 * CPU time (clock.c) is all user time: the runtime's own work for the
 * program is a function call away, not a kernel's.  ru_maxrss, in KiB,
 * counts guest memory up to the image's end (the monitor's tables below
 * it included), the stack and every heap page ever handed out: what the
 * host may have had to back.  A child's usage is all zero.
 */
long sys_getrusage(const long a[6])
{
    struct rusage *ru = (struct rusage *)a[1];
    uint64_t touched, avail;

    if (a[0] != RUSAGE_SELF && a[0] != RUSAGE_CHILDREN &&
        a[0] != RUSAGE_THREAD)
        return -EINVAL;
    if (!mem_check(ru, sizeof *ru))
        return -EFAULT;
    memset(ru, 0, sizeof *ru);
    if (a[0] == RUSAGE_CHILDREN)
        return 0;
    mem_usage(&touched, &avail);
    ru->ru_utime = proc_timeval(a[0] == RUSAGE_THREAD ? thread_cpu() : clock_cpu());
    ru->ru_maxrss = (long)((boot_info.kernel_end +
                            UHVT_STACK_SIZE + touched) / 1024);
    return 0;
}

/* Ticks since boot; the process's CPU time as user time. */
long sys_times(const long a[6])
{
    struct tms *t = (struct tms *)a[0];

    if (t != NULL) {
        if (!mem_check(t, sizeof *t))
            return -EFAULT;
        *t = (struct tms){ .tms_utime = (clock_t)(clock_cpu() /
                                                  (NSEC_PER_SEC / PROC_HZ)) };
    }
    return (long)(clock_monotonic() / (NSEC_PER_SEC / PROC_HZ));
}

/* Applied to the modes of new files, directories and symlinks' targets. */
unsigned proc_umask_get(void)
{
    return proc_umask;
}

/* Root, as getuid and getgid answer (syscall.c). */
unsigned proc_uid(void)
{
    return 0;
}

unsigned proc_gid(void)
{
    return 0;
}

long sys_umask(const long a[6])
{
    unsigned old = proc_umask;

    proc_umask = (unsigned)a[0] & 0777;
    return old;
}

long sys_setsid(const long a[6])
{
    (void)a;
    return -EPERM; /* already a process group leader */
}

long sys_setpgid(const long a[6])
{
    if (!proc_self(a[0]))
        return -ESRCH;
    if (a[1] < 0)
        return -EINVAL;
    return -EPERM; /* a session leader cannot move */
}

long sys_getpgid(const long a[6])
{
    return proc_self(a[0]) ? PROC_PID : -ESRCH;
}

long sys_getsid(const long a[6])
{
    return proc_self(a[0]) ? PROC_PID : -ESRCH;
}

/* Memory from the boot info and the allocator; no swap, no load average. */
long sys_sysinfo(const long a[6])
{
    struct sysinfo *si = (struct sysinfo *)a[0];
    uint64_t touched, avail;

    if (!mem_check(si, sizeof *si))
        return -EFAULT;
    mem_usage(&touched, &avail);
    memset(si, 0, sizeof *si);
    si->uptime = (long)(clock_monotonic() / NSEC_PER_SEC);
    si->totalram = boot_info.mem_size;
    si->freeram = avail;
    si->procs = 1;
    si->mem_unit = 1;
    return 0;
}

/*
 * One CPU: a mask of one word with bit 0.  Linux's checks: the length must
 * be a multiple of a word and hold every CPU; a new mask must include a
 * CPU that exists (bits beyond the given length count as clear).
 */
long sys_sched_getaffinity(const long a[6])
{
    unsigned len = (unsigned)a[1];
    unsigned long *mask = (unsigned long *)a[2];

    if (len == 0 || len % sizeof *mask != 0)
        return -EINVAL;
    if (!proc_self(a[0]))
        return -ESRCH;
    if (!mem_check(mask, sizeof *mask))
        return -EFAULT;
    *mask = 1;
    return sizeof *mask;
}

long sys_sched_setaffinity(const long a[6])
{
    unsigned len = (unsigned)a[1];
    const unsigned char *mask = (const unsigned char *)a[2];

    if (len > sizeof(unsigned long))
        len = sizeof(unsigned long);
    if (len > 0 && !mem_check(mask, len))
        return -EFAULT;
    if (!proc_self(a[0]))
        return -ESRCH;
    return len > 0 && (mask[0] & 1) ? 0 : -EINVAL;
}

long sys_getcpu(const long a[6])
{
    unsigned *cpu = (unsigned *)a[0], *node = (unsigned *)a[1];

    if ((cpu != NULL && !mem_check(cpu, sizeof *cpu)) ||
        (node != NULL && !mem_check(node, sizeof *node)))
        return -EFAULT;
    if (cpu != NULL)
        *cpu = 0;
    if (node != NULL)
        *node = 0;
    return 0;
}
