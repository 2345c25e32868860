/* runtime.h: declarations shared by the guest runtime's files (internal). */
#ifndef GUEST_RUNTIME_H
#define GUEST_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "uhvt_abi.h"

/*
 * The runtime is built with -fvisibility=hidden and its symbols localised
 * before it is archived, so an application may reuse any of these names.
 * Only the public API (uhvt.h) and the entry called by start.S stay global.
 */
#define PUBLIC __attribute__((visibility("default")))

/*
 * For functions whose frame is live while musl moves FS to a new thread
 * control block (arch_prctl ARCH_SET_FS): the canary their epilogue would
 * check lives at %fs:0x28, which changes underneath them.  Also for code that
 * must work while FS may be bogus (the fault handler).
 */
#define NOSSP __attribute__((no_stack_protector))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* boot.c: a copy of the boot info, taken before anything can overwrite it. */
extern struct uhvt_boot_info boot_info;

/* mem.c: pages between the image and the stack guard. */
void mem_setup(const struct uhvt_boot_info *bi);
/* Zeroed, page-aligned memory of `len` bytes, or 0 when exhausted. */
void *mem_alloc(size_t len);
/* Return what mem_alloc gave (NULL: nothing). */
void mem_release(void *p, size_t len);
/* Bytes of heap ever handed out (touched), and free now (avail). */
void mem_usage(uint64_t *touched, uint64_t *avail);
/* Whether [p, p + len) lies in guest memory, so a hypercall may carry it. */
int mem_check(const void *p, size_t len);
long sys_brk(const long a[6]);
long sys_mmap(const long a[6]);
long sys_munmap(const long a[6]);
long sys_mremap(const long a[6]);
long sys_madvise(const long a[6]);
long sys_mprotect(const long a[6]);
/*
 * The highest range still PROT_NONE that ends at or below `top` (a thread
 * stack's guard, as musl makes it): 1 and its bounds, or 0.
 */
int mem_guard_below(uintptr_t top, uintptr_t *lo, uintptr_t *hi);

/* clock.c: the TSC clock; nanoseconds since boot. */
void clock_init(const struct uhvt_boot_info *bi);
uint64_t clock_monotonic(void);
/* CLOCK_REALTIME, in ns since the epoch. */
uint64_t clock_realtime(void);
/* CPU time: ns since boot not spent waiting in UHVT_HC_POLL. */
uint64_t clock_cpu(void);
struct uhvt_hc_poll;
/* UHVT_HC_POLL, with the time it waits counted as idle. */
void clock_poll(struct uhvt_hc_poll *p);
/* Block until `deadline_ns` (monotonic) passes; see UHVT_HC_POLL. */
void clock_sleep_until(uint64_t deadline_ns);
/*
 * After a restore (snapshot.c): the new vCPU's TSC frequency, and the
 * monotonic and CPU times read just before the snapshot call.
 */
void clock_restore(uint64_t tsc_freq, uint64_t mono_then, uint64_t cpu_then);
/* The time on clock `id` in ns, or -EINVAL. */
long clock_read(long id, uint64_t *ns);
struct timespec;
/* ns as a timespec. */
struct timespec clock_timespec(uint64_t ns);
/* A valid timespec in guest memory as ns (saturating), or -EFAULT/-EINVAL. */
long clock_ns(const struct timespec *ts, uint64_t *ns);
long sys_clock_gettime(const long a[6]);
long sys_clock_getres(const long a[6]);
long sys_gettimeofday(const long a[6]);
long sys_time(const long a[6]);
long sys_nanosleep(const long a[6]);
long sys_clock_nanosleep(const long a[6]);
long sys_sched_yield(const long a[6]);

/* device.c: the handle of the manifest's first device of `type`, or -1. */
int device_first(uint32_t type);

/* rng.c: a ChaCha20 generator keyed from the boot entropy. */
void rng_init(const uint8_t seed[UHVT_BOOT_RANDOM_SIZE]);
void rng_fill(void *buf, size_t len);
/*
 * snapshot.c, --snapshot-idle: called where the application is about to
 * wait with nothing to do; the first time, takes the snapshot.  True in an
 * instance restored from it (the wait's deadline is stale: return to the
 * caller, which checks again); 0 otherwise.
 */
int snapshot_idle(void);
/* boot.c (1, once the runtime has started) and the exits (0). */
void snapshot_idle_arm(int on);

/* After a restore: mix fresh host entropy into the key (snapshot.c). */
void rng_reseed(const uint8_t seed[UHVT_BOOT_RANDOM_SIZE]);
long sys_getrandom(const long a[6]);

/*
 * fd.c: descriptors.  Each kind supplies its ops; fd.c checks descriptor
 * numbers, iovecs and their buffers (mem_check) before calling them.
 * `flags` is the descriptor's O_NONBLOCK.  poll returns the object's
 * readiness as POLLIN/POLLOUT/POLLERR/POLLHUP/POLLRDHUP bits and sets *gen
 * to a counter the object bumps whenever its state changes (for
 * edge-triggered epoll).  A kind without poll (files) is always ready for
 * reading and writing, and epoll refuses it (EPERM), as Linux does.
 */
#define FD_MAX 1024
struct iovec;
struct stat;
struct fd_ops {
    unsigned mode; /* st_mode for fstat */
    int access;    /* O_RDONLY, O_WRONLY or O_RDWR: for F_GETFL, and read
                      or write on a descriptor without it is -EBADF */
    long (*readv)(void *obj, const struct iovec *iov, int n, int flags);
    long (*writev)(void *obj, const struct iovec *iov, int n, int flags);
    unsigned (*poll)(void *obj, uint32_t *gen);
    long (*ioctl)(void *obj, unsigned long req, void *arg); /* may be NULL */
    void (*close)(void *obj);                               /* may be NULL */
    /* Files (file.c); NULL for the others.  stat: all of fstat's answer
       (else st_mode is `mode`); seek: lseek's (else -ESPIPE). */
    long (*stat)(void *obj, struct stat *st);
    long (*seek)(void *obj, long off, int whence);
};
/*
 * A new open file description for `obj` and the lowest free descriptor
 * naming it, or -EMFILE; flags: O_CLOEXEC, and status flags (O_NONBLOCK,
 * O_DIRECT...) passed to readv and writev.  ops->close(obj) runs when the
 * last descriptor naming the description is closed.
 */
int fd_alloc(const struct fd_ops *ops, void *obj, int flags);
/* fd's object if it is of kind `ops` (and its status flags in *flags), else NULL. */
void *fd_obj(long fd, const struct fd_ops *ops, int *flags);
const struct fd_ops *fd_kind(long fd);
/* fd's readiness, POLLNVAL if it is not open. */
unsigned fd_poll(long fd, uint32_t *gen);
/* The total length of a valid iovec array in guest memory, or -errno. */
long fd_iov_check(const struct iovec *iov, long n);
/* A position in a checked iovec array, for copying a little at a time. */
struct iov_cursor {
    const struct iovec *iov;
    int n, i;   /* entries; the current one */
    size_t off; /* bytes of the current one done */
};
/* Copy up to `len` bytes out to the buffers, or in from them; the count. */
size_t fd_iov_out(struct iov_cursor *c, const void *src, size_t len);
size_t fd_iov_in(struct iov_cursor *c, void *dst, size_t len);
/*
 * Wait for something to happen: a blocking call's retry loop calls it.
 * -EINTR when a signal is to be handled (the call returns it), else 0.
 */
long fd_wait(void);
/*
 * call(nr, a) on descriptor a[0] holding its description meanwhile, as
 * Linux's fdget does: for calls that may wait (the socket calls), so that
 * another thread closing the descriptor cannot free what they use.
 */
long fd_held(unsigned long nr, const long a[6],
             long (*call)(unsigned long nr, const long a[6]));
long sys_read(const long a[6]);
long sys_readv(const long a[6]);
long sys_write(const long a[6]);
long sys_writev(const long a[6]);
long sys_close(const long a[6]);
long sys_lseek(const long a[6]);
long sys_ioctl(const long a[6]);
long sys_fcntl(const long a[6]);
long sys_dup(const long a[6]);
long sys_dup2(const long a[6]);
long sys_dup3(const long a[6]);
long sys_fstat(const long a[6]);
/* fstat's answer for any descriptor: 0, -EBADF or -EFAULT. */
long fd_stat(long fd, struct stat *st);

/* pipe.c: pipes, with Linux's buffer of page-sized slots. */
extern const struct fd_ops pipe_read_ops, pipe_write_ops;
/* F_GETPIPE_SZ and F_SETPIPE_SZ on a pipe's descriptor. */
long pipe_fcntl(void *obj, long cmd, unsigned arg);
/*
 * The buffer on its own, for unix.c's sockets: a new one with one reader
 * and one writer (NULL when memory is short), its ends' counts (a read of
 * an empty buffer with no writer is end of file; a write with no reader is
 * EPIPE), and its end.  readv/writev/poll are the ops', on the buffer.
 */
struct pipe;
struct pipe *pipe_new(void);
void pipe_set_ends(struct pipe *p, int readers, int writers);
int pipe_empty(const struct pipe *p);
void pipe_free(struct pipe *p);
long pipe_readv(void *obj, const struct iovec *iov, int n, int flags);
long pipe_writev(void *obj, const struct iovec *iov, int n, int flags);
unsigned pipe_read_poll(void *obj, uint32_t *gen);
unsigned pipe_write_poll(void *obj, uint32_t *gen);
long pipe_ioctl(void *obj, unsigned long req, void *arg);
long sys_pipe(const long a[6]);
long sys_pipe2(const long a[6]);

/* eventfd.c: event counters. */
long sys_eventfd(const long a[6]);
long sys_eventfd2(const long a[6]);

/*
 * proc.c: the process's identity and limits.  proc_rlimit: the soft limit
 * of RLIMIT_* `res`.
 */
uint64_t proc_rlimit(int res);
long sys_getrlimit(const long a[6]);
long sys_setrlimit(const long a[6]);
long sys_prlimit64(const long a[6]);
long sys_getrusage(const long a[6]);
long sys_times(const long a[6]);
long sys_umask(const long a[6]);
/* The identity and umask new files get. */
unsigned proc_umask_get(void);
unsigned proc_uid(void);
unsigned proc_gid(void);
long sys_setsid(const long a[6]);
long sys_setpgid(const long a[6]);
long sys_getpgid(const long a[6]);
long sys_getsid(const long a[6]);
long sys_sysinfo(const long a[6]);
long sys_sched_getaffinity(const long a[6]);
long sys_sched_setaffinity(const long a[6]);
long sys_getcpu(const long a[6]);

/*
 * The file calls (files.h has the file layer's own interfaces): vfs.c,
 * mount.c, file.c, stat.c, dir.c.  mount_start: mount the image's
 * filesystems, before main; mount_exit: unmount the disks, at every exit.
 */
void mount_start(void);
void mount_exit(void);
long sys_open(const long a[6]);
long sys_openat(const long a[6]);
long sys_creat(const long a[6]);
long sys_pread64(const long a[6]);
long sys_pwrite64(const long a[6]);
long sys_preadv(const long a[6]);
long sys_pwritev(const long a[6]);
long sys_preadv2(const long a[6]);
long sys_pwritev2(const long a[6]);
long sys_sendfile(const long a[6]);
long sys_copy_file_range(const long a[6]);
long sys_fadvise64(const long a[6]);
long sys_readahead(const long a[6]);
long sys_flock(const long a[6]);
long sys_getdents64(const long a[6]);
long sys_ftruncate(const long a[6]);
long sys_truncate(const long a[6]);
long sys_fallocate(const long a[6]);
long sys_fsync(const long a[6]);
long sys_fdatasync(const long a[6]);
long sys_syncfs(const long a[6]);
long sys_sync(const long a[6]);
long sys_getcwd(const long a[6]);
long sys_chdir(const long a[6]);
long sys_fchdir(const long a[6]);
long sys_chroot(const long a[6]);
long sys_stat(const long a[6]);
long sys_lstat(const long a[6]);
long sys_newfstatat(const long a[6]);
long sys_statx(const long a[6]);
long sys_statfs(const long a[6]);
long sys_fstatfs(const long a[6]);
long sys_access(const long a[6]);
long sys_faccessat(const long a[6]);
long sys_faccessat2(const long a[6]);
long sys_chmod(const long a[6]);
long sys_fchmod(const long a[6]);
long sys_fchmodat(const long a[6]);
long sys_chown(const long a[6]);
long sys_fchown(const long a[6]);
long sys_lchown(const long a[6]);
long sys_fchownat(const long a[6]);
long sys_utimensat(const long a[6]);
long sys_futimesat(const long a[6]);
long sys_utimes(const long a[6]);
long sys_utime(const long a[6]);
long sys_mkdir(const long a[6]);
long sys_mkdirat(const long a[6]);
long sys_rmdir(const long a[6]);
long sys_unlink(const long a[6]);
long sys_unlinkat(const long a[6]);
long sys_rename(const long a[6]);
long sys_renameat(const long a[6]);
long sys_renameat2(const long a[6]);
long sys_link(const long a[6]);
long sys_linkat(const long a[6]);
long sys_symlink(const long a[6]);
long sys_symlinkat(const long a[6]);
long sys_readlink(const long a[6]);
long sys_readlinkat(const long a[6]);
long sys_mknod(const long a[6]);
long sys_mknodat(const long a[6]);
/* thread.c and futex.c: threads (the rest of their contract: thread.h). */
long sys_clone(const long a[6]);
long sys_exit_thread(const long a[6]);
long sys_gettid(const long a[6]);
long sys_set_tid_address(const long a[6]);
long sys_set_robust_list(const long a[6]);
long sys_get_robust_list(const long a[6]);
long sys_futex(const long a[6]);

/*
 * timerfd.c: timer descriptors.  timerfd_expire: count the expirations due
 * by `now` (waking polling threads); the next expiry, or UINT64_MAX.
 */
uint64_t timerfd_expire(uint64_t now);
long sys_timerfd_create(const long a[6]);
long sys_timerfd_settime(const long a[6]);
long sys_timerfd_gettime(const long a[6]);

/*
 * unix.c: socketpair(AF_UNIX), and the socket calls, which go on to the
 * network stack (tcpip_syscall) for any descriptor not of a pair.
 */
long unix_socketpair(const long a[6]);
long unix_sendto(const long a[6]);
long unix_recvfrom(const long a[6]);
long unix_sendmsg(const long a[6]);
long unix_recvmsg(const long a[6]);
long unix_shutdown(const long a[6]);
long unix_getsockname(const long a[6]);
long unix_getpeername(const long a[6]);
long unix_getsockopt(const long a[6]);
long unix_setsockopt(const long a[6]);
long unix_accept(const long a[6]);
long unix_accept4(const long a[6]);
long unix_connect(const long a[6]);

/* console.c: descriptors 0, 1 and 2. */
void console_init(void);
/* Write to the console; bytes written or -EIO. */
long console_write(const char *buf, size_t len);
/*
 * For every UHVT_HC_POLL (clock_poll): the flags to add (UHVT_POLL_STDIN
 * while a reader of descriptor 0 waits), and what the poll found ready.
 */
uint32_t console_poll_flags(void);
void console_polled(uint64_t ready);

/* poll.c: poll, ppoll, select, pselect6. */
long sys_poll(const long a[6]);
long sys_ppoll(const long a[6]);
long sys_select(const long a[6]);
long sys_pselect6(const long a[6]);
/* The monotonic deadline `timeout_ms` from now; negative means never. */
uint64_t poll_deadline_ms(long timeout_ms);
/*
 * Every blocking call's loop: call try(ctx) until it returns anything but
 * `again`, letting the network stack make progress (tcpip_wait) between
 * calls until `deadline` (monotonic ns).  An expired deadline still gets
 * one round of progress and one last call, so a zero timeout sees input
 * that has just arrived.  Returns try's last result: `again` when the
 * deadline passed first.
 */
long poll_until(long (*try)(void *ctx), void *ctx, long again, uint64_t deadline);

/* epoll.c: epoll instances. */
long sys_epoll_create1(const long a[6]);
long sys_epoll_create(const long a[6]);
long sys_epoll_ctl(const long a[6]);
long sys_epoll_wait(const long a[6]);
long sys_epoll_pwait(const long a[6]);
/* Drop a closed descriptor from every epoll interest list. */
void epoll_forget(int fd);

/*
 * The TCP/IP stack's hooks: defined by guest/tcpip/ in the runtime built
 * for uhvt-cc --tcpip, and by notcpip.c (no network stack) otherwise.
 *
 * tcpip_arg: whether boot argument `arg` is the stack's (--ipv4=...), to be
 * kept from main.  tcpip_start: bring the stack up, before main.
 * tcpip_wait: make progress (input, timers) and, unless the deadline has
 * passed or something happened, wait for input, a timer or the deadline;
 * every blocking call loops on it.  tcpip_syscall: the socket calls.
 * tcpip_exit: before the guest exits, let queued data reach its peers.
 */
int tcpip_arg(const char *arg);
void tcpip_start(void);
/*
 * Wait until input, the deadline (monotonic ns) or a signal; may return
 * early (callers check again).  The application's one waiting point, so
 * where --snapshot-idle takes its snapshot (snapshot_idle).
 */
void tcpip_wait(uint64_t deadline_ns);
long tcpip_syscall(unsigned long nr, const long a[6]);
void tcpip_exit(void);
/*
 * After a restore (snapshot.c): the restoring command line's arguments
 * (`len` bytes of NUL-terminated strings; the stack's own, --ipv4=..., take
 * effect), the NIC's MAC asked again, fresh first ephemeral ports, and
 * peers told of the address.
 */
void tcpip_restore(const char *args, size_t len);

/*
 * signal.c, sigframe.c, itimer.c: signals (the shared state: sigstate.h).
 * sigframe_return and sigframe_build: called by syscall_entry.S.
 */
struct syscall_frame;
/* SIGPIPE to the caller, as Linux sends with EPIPE from a pipe or stream. */
void signal_pipe(void);
/* After a restore (snapshot.c): tell the new monitor of the host signals' mailbox. */
void signal_restored(void);
uintptr_t sigframe_return(struct syscall_frame *f);
void sigframe_build(struct syscall_frame *f);
long sys_rt_sigaction(const long a[6]);
long sys_rt_sigprocmask(const long a[6]);
long sys_rt_sigpending(const long a[6]);
long sys_rt_sigsuspend(const long a[6]);
long sys_rt_sigtimedwait(const long a[6]);
long sys_rt_sigqueueinfo(const long a[6]);
/* rt_sigreturn, which needs the whole frame. */
long sigframe_sigreturn(struct syscall_frame *f);
long sys_sigaltstack(const long a[6]);
long sys_kill(const long a[6]);
long sys_tkill(const long a[6]);
long sys_tgkill(const long a[6]);
long sys_pause(const long a[6]);
long sys_alarm(const long a[6]);
long sys_getitimer(const long a[6]);
long sys_setitimer(const long a[6]);
long sys_timer_create(const long a[6]);
long sys_timer_settime(const long a[6]);
long sys_timer_gettime(const long a[6]);
long sys_timer_getoverrun(const long a[6]);
long sys_timer_delete(const long a[6]);

/*
 * syscall.c: called by syscall_entry.S, with every register of the caller
 * (signal.c reads and rewrites them; the offsets are syscall_entry.S's).
 */
struct syscall_frame {
    unsigned long r15, r14, r13, r12, rbp, rbx;
    long rax;            /* the result, once the call has returned */
    long nr;
    long a[6];           /* rdi, rsi, rdx, r10, r8, r9 */
    unsigned long rcx, r11;
    unsigned long rip;   /* rcx at entry */
    unsigned long flags; /* r11 at entry */
    unsigned long rsp;   /* the caller's */
};
_Static_assert(sizeof(struct syscall_frame) == 152, "syscall_entry.S frame");
long syscall_dispatch(struct syscall_frame *f);
/* The process's end (exit_group, or the last thread's exit). */
_Noreturn void syscall_exit(int status);
void syscall_entry(void);

/* trap.S and trap.c: CPU exceptions. */
extern const uint64_t trap_stubs[32];
struct trap_frame {
    /* pushed by trap.S, the interrupted code's */
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Noreturn void trap_report(const struct trap_frame *f);

#endif
