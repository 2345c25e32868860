/* test_sandbox.c: after sandbox_enter, forbidden system calls kill the process with SIGSYS. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

/* The monitor's filter over made-up fds: the vCPU is 100, the signalfd 101. */
static void enter(void)
{
    static struct vm vm;
    vm.kvm.vcpu_fd = 100;
    vm.sig_fd = 101;
    vm_fd_register(&vm, 102, VM_FD_PREAD);
    sandbox_enter(&vm);
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
    syscall(SYS_exit_group, 7);
}
