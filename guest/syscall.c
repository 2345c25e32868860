/* syscall.c: musl's system calls: the dispatch table and process calls. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "cpu.h"
#include "hypercall.h"
#include "runtime.h"
#include "thread.h"

/*
 * Everything here runs on the caller's stack, below its red zone (see
 * syscall_entry.S).  The handlers may call only musl's memcpy, memset and
 * memmove, which are general-register assembly; anything else could touch
 * vector registers the caller expects preserved.
 *
 * The one process is pid 1; its first thread is tid 1 (thread.c).
 */

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define MSR_GS_BASE 0xc0000101u

#define STR_(x) #x
#define STR(x) STR_(x)

_Noreturn void syscall_exit(int status)
{
    snapshot_idle_arm(0); /* exit's own waits are no ready point */
    tcpip_exit();
    mount_exit();
    /* Unlike Linux, no `& 0xff`: the monitor reports a status above 119. */
    struct uhvt_hc_exit e = { .status = status };
    hypercall_noreturn(UHVT_HC_EXIT, &e);
}

static long sys_exit(const long a[6])
{
    syscall_exit((int)a[0]);
}

/* 48-bit virtual addresses: bits 63..47 all equal. */
static int syscall_canonical(uint64_t v)
{
    return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

/*
 * musl moves FS to its own thread control block through here, while this
 * frame and the dispatcher's are live: neither may check a canary.
 */
static NOSSP long sys_arch_prctl(const long a[6])
{
    uint64_t *out = (uint64_t *)a[1];

    switch (a[0]) {
    case ARCH_SET_FS:
    case ARCH_SET_GS:
        if (!syscall_canonical((uint64_t)a[1]))
            return -EPERM;
        if (a[0] == ARCH_SET_FS) {
            cpu_set_fs((uint64_t)a[1]);
            thread_set_fs((uint64_t)a[1]); /* restored at every switch */
        } else {
            cpu_wrmsr(MSR_GS_BASE, (uint64_t)a[1]);
        }
        return 0;
    case ARCH_GET_FS:
    case ARCH_GET_GS:
        if (!mem_check(out, sizeof *out))
            return -EFAULT;
        *out = cpu_rdmsr(a[0] == ARCH_GET_FS ? MSR_FS_BASE : MSR_GS_BASE);
        return 0;
    default:
        return -EINVAL;
    }
}

static long sys_one(const long a[6])
{
    (void)a;
    return 1;
}

static long sys_zero(const long a[6])
{
    (void)a;
    return 0;
}

static long sys_uname(const long a[6])
{
    struct utsname *u = (struct utsname *)a[0];
    static const struct utsname uts = {
        .sysname = "uhvt",
        .nodename = "uhvt",
        .release = STR(UHVT_ABI_VERSION),
        .version = "uhvt unikernel",
        .machine = "x86_64",
        .domainname = "(none)",
    };

    if (!mem_check(u, sizeof *u))
        return -EFAULT;
    memcpy(u, &uts, sizeof uts);
    return 0;
}

typedef long syscall_fn(const long a[6]);

static syscall_fn *const syscall_table[] = {
    [SYS_read] = sys_read,
    [SYS_write] = sys_write,
    [SYS_close] = sys_close,
    [SYS_fstat] = sys_fstat,
    [SYS_lseek] = sys_lseek,
    [SYS_mmap] = sys_mmap,
    [SYS_mprotect] = sys_mprotect,
    [SYS_munmap] = sys_munmap,
    [SYS_brk] = sys_brk,
    [SYS_rt_sigaction] = sys_rt_sigaction,
    [SYS_rt_sigprocmask] = sys_rt_sigprocmask,
    [SYS_ioctl] = sys_ioctl,
    [SYS_readv] = sys_readv,
    [SYS_writev] = sys_writev,
    [SYS_sched_yield] = sys_sched_yield,
    [SYS_mremap] = sys_mremap,
    [SYS_madvise] = sys_madvise,
    [SYS_nanosleep] = sys_nanosleep,
    [SYS_getpid] = sys_one,
    [SYS_exit] = sys_exit_thread,
    [SYS_kill] = sys_kill,
    [SYS_uname] = sys_uname,
    [SYS_fcntl] = sys_fcntl,
    [SYS_gettimeofday] = sys_gettimeofday,
    [SYS_getuid] = sys_zero,
    [SYS_getgid] = sys_zero,
    [SYS_geteuid] = sys_zero,
    [SYS_getegid] = sys_zero,
    [SYS_getppid] = sys_zero,
    [SYS_sigaltstack] = sys_sigaltstack,
    [SYS_arch_prctl] = sys_arch_prctl,
    [SYS_gettid] = sys_gettid,
    [SYS_tkill] = sys_tkill,
    [SYS_time] = sys_time,
    [SYS_set_tid_address] = sys_set_tid_address,
    [SYS_clock_gettime] = sys_clock_gettime,
    [SYS_clock_getres] = sys_clock_getres,
    [SYS_clock_nanosleep] = sys_clock_nanosleep,
    [SYS_exit_group] = sys_exit,
    [SYS_tgkill] = sys_tgkill,
    [SYS_newfstatat] = sys_newfstatat,
    [SYS_getrandom] = sys_getrandom,
    [SYS_poll] = sys_poll,
    [SYS_ppoll] = sys_ppoll,
    [SYS_select] = sys_select,
    [SYS_pselect6] = sys_pselect6,
    [SYS_epoll_create] = sys_epoll_create,
    [SYS_epoll_create1] = sys_epoll_create1,
    [SYS_epoll_ctl] = sys_epoll_ctl,
    [SYS_epoll_wait] = sys_epoll_wait,
    [SYS_epoll_pwait] = sys_epoll_pwait,
    [SYS_pipe] = sys_pipe,
    [SYS_pipe2] = sys_pipe2,
    [SYS_dup] = sys_dup,
    [SYS_dup2] = sys_dup2,
    [SYS_dup3] = sys_dup3,
    [SYS_eventfd] = sys_eventfd,
    [SYS_eventfd2] = sys_eventfd2,
    [SYS_getrlimit] = sys_getrlimit,
    [SYS_setrlimit] = sys_setrlimit,
    [SYS_prlimit64] = sys_prlimit64,
    [SYS_getrusage] = sys_getrusage,
    [SYS_times] = sys_times,
    [SYS_umask] = sys_umask,
    [SYS_setsid] = sys_setsid,
    [SYS_setpgid] = sys_setpgid,
    [SYS_getpgid] = sys_getpgid,
    [SYS_getpgrp] = sys_one,
    [SYS_getsid] = sys_getsid,
    [SYS_sysinfo] = sys_sysinfo,
    [SYS_sched_getaffinity] = sys_sched_getaffinity,
    [SYS_sched_setaffinity] = sys_sched_setaffinity,
    [SYS_getcpu] = sys_getcpu,
    /* The file calls (vfs.c, file.c, stat.c, dir.c). */
    [SYS_open] = sys_open,
    [SYS_openat] = sys_openat,
    [SYS_creat] = sys_creat,
    [SYS_pread64] = sys_pread64,
    [SYS_pwrite64] = sys_pwrite64,
    [SYS_preadv] = sys_preadv,
    [SYS_pwritev] = sys_pwritev,
    [SYS_preadv2] = sys_preadv2,
    [SYS_pwritev2] = sys_pwritev2,
    [SYS_sendfile] = sys_sendfile,
    [SYS_copy_file_range] = sys_copy_file_range,
    [SYS_fadvise64] = sys_fadvise64,
    [SYS_readahead] = sys_readahead,
    [SYS_flock] = sys_flock,
    [SYS_getdents64] = sys_getdents64,
    [SYS_ftruncate] = sys_ftruncate,
    [SYS_truncate] = sys_truncate,
    [SYS_fallocate] = sys_fallocate,
    [SYS_fsync] = sys_fsync,
    [SYS_fdatasync] = sys_fdatasync,
    [SYS_syncfs] = sys_syncfs,
    [SYS_sync] = sys_sync,
    [SYS_getcwd] = sys_getcwd,
    [SYS_chdir] = sys_chdir,
    [SYS_fchdir] = sys_fchdir,
    [SYS_chroot] = sys_chroot,
    [SYS_stat] = sys_stat,
    [SYS_lstat] = sys_lstat,
    [SYS_statx] = sys_statx,
    [SYS_statfs] = sys_statfs,
    [SYS_fstatfs] = sys_fstatfs,
    [SYS_access] = sys_access,
    [SYS_faccessat] = sys_faccessat,
    [SYS_faccessat2] = sys_faccessat2,
    [SYS_chmod] = sys_chmod,
    [SYS_fchmod] = sys_fchmod,
    [SYS_fchmodat] = sys_fchmodat,
    [SYS_chown] = sys_chown,
    [SYS_fchown] = sys_fchown,
    [SYS_lchown] = sys_lchown,
    [SYS_fchownat] = sys_fchownat,
    [SYS_utimensat] = sys_utimensat,
    [SYS_futimesat] = sys_futimesat,
    [SYS_utimes] = sys_utimes,
    [SYS_utime] = sys_utime,
    [SYS_mkdir] = sys_mkdir,
    [SYS_mkdirat] = sys_mkdirat,
    [SYS_rmdir] = sys_rmdir,
    [SYS_unlink] = sys_unlink,
    [SYS_unlinkat] = sys_unlinkat,
    [SYS_rename] = sys_rename,
    [SYS_renameat] = sys_renameat,
    [SYS_renameat2] = sys_renameat2,
    [SYS_link] = sys_link,
    [SYS_linkat] = sys_linkat,
    [SYS_symlink] = sys_symlink,
    [SYS_symlinkat] = sys_symlinkat,
    [SYS_readlink] = sys_readlink,
    [SYS_readlinkat] = sys_readlinkat,
    [SYS_mknod] = sys_mknod,
    [SYS_mknodat] = sys_mknodat,
    /* signal.c, sigframe.c, itimer.c */
    [SYS_rt_sigpending] = sys_rt_sigpending,
    [SYS_rt_sigsuspend] = sys_rt_sigsuspend,
    [SYS_rt_sigtimedwait] = sys_rt_sigtimedwait,
    [SYS_rt_sigqueueinfo] = sys_rt_sigqueueinfo,
    [SYS_pause] = sys_pause,
    [SYS_alarm] = sys_alarm,
    [SYS_getitimer] = sys_getitimer,
    [SYS_setitimer] = sys_setitimer,
    [SYS_timer_create] = sys_timer_create,
    [SYS_timer_settime] = sys_timer_settime,
    [SYS_timer_gettime] = sys_timer_gettime,
    [SYS_timer_getoverrun] = sys_timer_getoverrun,
    [SYS_timer_delete] = sys_timer_delete,
    [SYS_clone] = sys_clone,
    [SYS_futex] = sys_futex,
    [SYS_set_robust_list] = sys_set_robust_list,
    [SYS_get_robust_list] = sys_get_robust_list,
    [SYS_timerfd_create] = sys_timerfd_create,
    [SYS_timerfd_settime] = sys_timerfd_settime,
    [SYS_timerfd_gettime] = sys_timerfd_gettime,
    [SYS_socketpair] = unix_socketpair,
    [SYS_sendto] = unix_sendto,
    [SYS_recvfrom] = unix_recvfrom,
    [SYS_sendmsg] = unix_sendmsg,
    [SYS_recvmsg] = unix_recvmsg,
    [SYS_shutdown] = unix_shutdown,
    [SYS_getsockname] = unix_getsockname,
    [SYS_getpeername] = unix_getpeername,
    [SYS_getsockopt] = unix_getsockopt,
    [SYS_setsockopt] = unix_setsockopt,
    [SYS_accept] = unix_accept,
    [SYS_accept4] = unix_accept4,
    [SYS_connect] = unix_connect,
};

/*
 * Returns the result or -errno, as the kernel does.  The socket calls are
 * the TCP/IP stack's (-ENOSYS without one), as are unknown calls.
 */
NOSSP long syscall_dispatch(struct syscall_frame *f)
{
    unsigned long nr = (unsigned long)f->nr;

    if (nr == SYS_rt_sigreturn)
        return sigframe_sigreturn(f);
    /*
     * Since this thread's last call it may have changed what other threads
     * wait for; every switch happens inside a call, so counting here, at
     * the start (the dispatch stays a tail call), is soon enough.
     */
    thread_changed();
    if (nr >= ARRAY_SIZE(syscall_table) || syscall_table[nr] == NULL)
        return tcpip_syscall(nr, f->a);
    return syscall_table[nr](f->a);
}
