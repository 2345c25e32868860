/* test_sandbox.c: after sandbox_enter, forbidden system calls kill the process with SIGSYS. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "sandbox.h"
#include "blk_uring.h"

/*
 * Go on in a child with this thread alone: the test process may have
 * threads of Criterion's own, and a system call of theirs after the filter
 * (KILL_PROCESS) would end the test for the wrong reason.  The parent ends
 * as the child did, for Criterion's .signal and .exit_code.
 */
static void alone(void)
{
    pid_t pid = fork();
    int st;

    cr_assert_geq(pid, 0);
    if (pid == 0)
        return;
    while (waitpid(pid, &st, 0) < 0)
        ;
    if (WIFSIGNALED(st)) {
        signal(WTERMSIG(st), SIG_DFL);
        raise(WTERMSIG(st));
    }
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
}

/*
 * The monitor's filter over made-up fds: the vCPU is 100, the signalfd 101,
 * a read-only disk 102, and 103 with every use of a tap or writable disk.
 */
static void enter(void)
{
    static struct vm vm;
    alone();
    vm.kvm.vcpu_fd = 100;
    vm.sig_fd = 101;
    vm_fd_register(&vm, 102, VM_FD_PREAD);
    vm_fd_register(&vm, 103, VM_FD_READ | VM_FD_WRITE | VM_FD_PREAD | VM_FD_PWRITE);
    char why[WHY_MAX];
    cr_assert_eq(sandbox_enter(&vm, why), 0, "%s", why);
}

/* Raw system calls: nothing between the filter and the call under test. */
Test(sandbox, open_killed, .signal = SIGSYS)
{
    enter();
    syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
}

Test(sandbox, socket_killed, .signal = SIGSYS)
{
    enter();
    syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
}

Test(sandbox, execve_killed, .signal = SIGSYS)
{
    enter();
    syscall(SYS_execve, "/bin/sh", (char *[]){"sh", NULL}, (char *[]){NULL});
}

Test(sandbox, fork_killed, .signal = SIGSYS)
{
    enter();
    syscall(SYS_fork);
}

Test(sandbox, clone_killed, .signal = SIGSYS)
{
    enter();
    syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
}

Test(sandbox, mmap_killed, .signal = SIGSYS)
{
    enter();
    syscall(SYS_mmap, 0, 4096, 7, 0x22, -1, 0);
}

Test(sandbox, other_kvm_ioctl_killed, .signal = SIGSYS)
{
    enter();
    syscall(SYS_ioctl, 100, KVM_SET_REGS, 0); /* the vCPU fd, but not KVM_RUN */
}

Test(sandbox, kvm_run_on_other_fd_killed, .signal = SIGSYS)
{
    enter();
    syscall(SYS_ioctl, 3, KVM_RUN, 0);
}

Test(sandbox, write_to_other_fd_killed, .signal = SIGSYS)
{
    enter();
    syscall(SYS_write, 7, "x", 1);
}

Test(sandbox, pwrite_on_read_only_disk_killed, .signal = SIGSYS)
{
    enter();
    syscall(SYS_pwrite64, 102, "x", 1, 0);
}

Test(sandbox, wall_clock_only, .signal = SIGSYS)
{
    enter();
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts); /* allowed */
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts); /* allowed */
    syscall(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &ts);
}

/* What the run loop needs still works; exit_group ends the test cleanly. */
Test(sandbox, allowed_calls_work, .exit_code = 7)
{
    enter();
    if (syscall(SYS_write, 1, "", 0) != 0 || syscall(SYS_write, 2, "", 0) != 0)
        syscall(SYS_exit_group, 1);
    syscall(SYS_pread64, 102, NULL, 0, 0); /* EBADF, but not killed */
    syscall(SYS_ioctl, 100, KVM_RUN, 0);   /* EBADF, but not killed */
    /* Each allowed form on 103 (a tap's and a writable disk's uses). */
    char b;
    struct iovec v = {&b, 1};
    syscall(SYS_write, 103, "x", 1);
    syscall(SYS_readv, 103, &v, 1);
    syscall(SYS_pread64, 103, &b, 1, 0);
    syscall(SYS_pwrite64, 103, "x", 1, 0);
    syscall(SYS_exit_group, 7);
}

/* A NIC reads frames with readv only (net_batch.c): plain read is refused. */
Test(sandbox, read_on_tap_killed, .signal = SIGSYS)
{
    enter();
    char b;
    syscall(SYS_read, 103, &b, 1);
}

/* output_setup's own non-blocking description of stdout stays writable. */
Test(sandbox, own_stdout_description_writable, .exit_code = 7)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    cr_assert_eq(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);
    output_setup();
    int fd = output_fd(OUTPUT_CONSOLE);
    cr_assert_gt(fd, STDERR_FILENO);
    enter();
    syscall(SYS_exit_group, syscall(SYS_write, fd, "x", 1) == 1 ? 7 : 1);
}

/*
 * Of the vector forms only readv is allowed (vm.h's enum vm_fd_use): not
 * writev, preadv or pwritev, even on an fd allowed every plain form.
 */
Test(sandbox, writev_killed, .signal = SIGSYS)
{
    enter();
    struct iovec v = {"x", 1};
    syscall(SYS_write, 103, "x", 1); /* EBADF, but not killed */
    syscall(SYS_writev, 103, &v, 1);
}

Test(sandbox, preadv_killed, .signal = SIGSYS)
{
    enter();
    char b;
    struct iovec v = {&b, 1};
    syscall(SYS_readv, 103, &v, 1); /* EBADF, but not killed */
    syscall(SYS_preadv, 103, &v, 1, 0, 0);
}

Test(sandbox, pwritev_killed, .signal = SIGSYS)
{
    enter();
    struct iovec v = {"x", 1};
    syscall(SYS_pwrite64, 103, "x", 1, 0); /* EBADF, but not killed */
    syscall(SYS_pwritev, 103, &v, 1, 0, 0);
}

/*
 * io_uring: operations on a ring are not system calls, so seccomp cannot
 * see them; the ring's own restrictions must refuse what uhvt does not use.
 * A ring as a disk's: READ (and here WRITE) on fixed file 0 only, made
 * before the filter.  Each test ends with exit_group(code): Criterion's
 * own reporting is not allowed once sandboxed.
 */
static struct io_uring ring;
static int ring_file;

static void enter_with_ring(void)
{
    static struct vm vm;
    alone();
    static const uint8_t ops[] = {IORING_OP_READ, IORING_OP_WRITE};
    char path[] = "/tmp/uhvt-test-ring.XXXXXX";
    ring_file = mkstemp(path);
    cr_assert_geq(ring_file, 0);
    unlink(path);
    cr_assert_eq(write(ring_file, "data", 4), 4);
    vm.kvm.vcpu_fd = 100;
    vm.sig_fd = 101;
    struct blk_uring_policy p = {.fd = ring_file, .entries = 8, .ops = ops, .nops = 2};
    char why[OPTIONS_WHY_MAX];
    cr_assert_eq(blk_uring_setup(&vm, &ring, &p, why), 0, "%s", why);
    char sandbox_why[WHY_MAX];
    cr_assert_eq(sandbox_enter(&vm, sandbox_why), 0, "%s", sandbox_why);
}

/* Submit one SQE and return its completion's result (or 1000 + errno-ish). */
static int run_one(struct io_uring_sqe *sqe)
{
    (void)sqe;
    if (io_uring_submit(&ring) != 1)
        return 1000;
    struct io_uring_cqe *cqe;
    if (io_uring_wait_cqe(&ring, &cqe) != 0)
        return 1001;
    int res = cqe->res;
    io_uring_cqe_seen(&ring, cqe);
    return res;
}

Test(sandbox_uring, allowed_read_on_fixed_file_works, .exit_code = 7)
{
    enter_with_ring();
    static char buf[4];
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    io_uring_prep_read(sqe, 0, buf, 4, 0);
    sqe->flags |= IOSQE_FIXED_FILE;
    syscall(SYS_exit_group, run_one(sqe) == 4 && buf[0] == 'd' ? 7 : 1);
}

Test(sandbox_uring, disallowed_opcode_refused, .exit_code = 7)
{
    enter_with_ring();
    /* openat through the ring would bypass the seccomp filter's ban on open. */
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    io_uring_prep_openat(sqe, AT_FDCWD, "/etc/passwd", O_RDONLY, 0);
    syscall(SYS_exit_group, run_one(sqe) == -EACCES ? 7 : 1);
}

Test(sandbox_uring, other_allowed_looking_opcodes_refused, .exit_code = 7)
{
    enter_with_ring();
    /* fsync is allowed for writable disks, but not on this ring. */
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    io_uring_prep_fsync(sqe, 0, 0);
    sqe->flags |= IOSQE_FIXED_FILE;
    int a = run_one(sqe);
    /* Nor a socket connect or a write through a plain fd. */
    sqe = io_uring_get_sqe(&ring);
    io_uring_prep_socket(sqe, AF_INET, SOCK_STREAM, 0, 0);
    int b = run_one(sqe);
    syscall(SYS_exit_group, a == -EACCES && b == -EACCES ? 7 : 1);
}

Test(sandbox_uring, plain_fd_refused, .exit_code = 7)
{
    enter_with_ring();
    /* An allowed opcode on a plain fd (stdout here), not the fixed file. */
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    io_uring_prep_write(sqe, STDOUT_FILENO, "leak\n", 5, 0);
    syscall(SYS_exit_group, run_one(sqe) == -EACCES ? 7 : 1);
}

Test(sandbox_uring, unlisted_sqe_flag_refused, .exit_code = 7)
{
    enter_with_ring();
    static char buf[4];
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    io_uring_prep_read(sqe, 0, buf, 4, 0);
    sqe->flags |= IOSQE_FIXED_FILE | IOSQE_ASYNC;
    syscall(SYS_exit_group, run_one(sqe) == -EACCES ? 7 : 1);
}

Test(sandbox_uring, register_killed, .signal = SIGSYS)
{
    enter_with_ring();
    /* Changing the ring (another file, lifting restrictions) is a syscall. */
    syscall(SYS_io_uring_register, ring.ring_fd, IORING_REGISTER_FILES_UPDATE, NULL, 0);
}

Test(sandbox_uring, setup_killed, .signal = SIGSYS)
{
    enter_with_ring();
    struct io_uring_params p = {0};
    syscall(SYS_io_uring_setup, 4, &p);
}

Test(sandbox_uring, enter_on_other_fd_killed, .signal = SIGSYS)
{
    enter_with_ring();
    syscall(SYS_io_uring_enter, ring.ring_fd + 1, 0, 0, 0, NULL, 0);
}

Test(sandbox_uring, restrictions_hold_without_seccomp, .exit_code = 7)
{
    /* The ring refuses by itself too: no seccomp in this test. */
    static struct vm vm;
    static const uint8_t ops[] = {IORING_OP_READ};
    int fd = open("/dev/null", O_RDONLY);
    struct blk_uring_policy p = {.fd = fd, .entries = 4, .ops = ops, .nops = 1};
    char why[OPTIONS_WHY_MAX];
    cr_assert_eq(blk_uring_setup(&vm, &ring, &p, why), 0, "%s", why);
    cr_assert_eq(io_uring_register(ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0),
                 -EACCES, "no register operation is allowed");
    int files[] = {fd};
    cr_assert_lt(io_uring_register_files(&ring, files, 1), 0, "no more registering");
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    io_uring_prep_openat(sqe, AT_FDCWD, "/etc/passwd", O_RDONLY, 0);
    cr_assert_eq(run_one(sqe), -EACCES);
    exit(7);
}
