/* sandbox.c: no_new_privs and the seccomp allow-list the monitor runs the guest under. */
#include "sandbox.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "debug.h"
#include "output.h"
#include "pin.h"
#include "snapshot.h"

/*
 * The filter being built, and the first rule it refused: the rules read as
 * one list, and sandbox_enter reports a refusal once, at the end.
 */
struct rules {
    scmp_filter_ctx ctx;
    int rc; /* 0, or the -errno of the first refused rule */
    int nr; /* that rule's syscall */
};

static void allow(struct rules *r, int nr, unsigned n, struct scmp_arg_cmp a,
                  struct scmp_arg_cmp b)
{
    if (r->rc < 0)
        return;
    int rc = n == 0   ? seccomp_rule_add(r->ctx, SCMP_ACT_ALLOW, nr, 0)
             : n == 1 ? seccomp_rule_add(r->ctx, SCMP_ACT_ALLOW, nr, 1, a)
                      : seccomp_rule_add(r->ctx, SCMP_ACT_ALLOW, nr, 2, a, b);
    if (rc < 0) {
        r->rc = rc;
        r->nr = nr;
    }
}

#define ANY SCMP_A0(SCMP_CMP_EQ, 0)
#define FD(fd) SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)(fd))

/* Allow `nr` on every device fd registered for `use`. */
static void allow_dev_fds(struct rules *r, const struct vm *vm, int nr,
                          unsigned use)
{
    for (size_t i = 0; i < vm->nfds; i++)
        if (vm->fds[i].uses & use)
            allow(r, nr, 1, FD(vm->fds[i].fd), ANY);
}

int sandbox_enter(const struct vm *vm, char why[WHY_MAX])
{
    /* stderr must not need to allocate or stat anything once sandboxed. */
    setvbuf(stderr, NULL, _IONBF, 0);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return why_fail(why, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
    struct rules r = {.ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)};
    if (r.ctx == NULL)
        return why_fail(why, "seccomp_init failed");
    if (seccomp_attr_set(r.ctx, SCMP_FLTATR_CTL_TSYNC, 1) < 0) {
        seccomp_release(r.ctx);
        return why_fail(why, "seccomp: cannot apply to all threads");
    }

    int vcpu = vm->kvm.vcpu_fd;
    /* vcpu_run: enter the guest. */
    allow(&r, SCMP_SYS(ioctl), 2, FD(vcpu), SCMP_A1(SCMP_CMP_EQ, KVM_RUN));
    /* vcpu_run: the register dump when a guest ends badly. */
    allow(&r, SCMP_SYS(ioctl), 2, FD(vcpu), SCMP_A1(SCMP_CMP_EQ, KVM_GET_REGS));
    allow(&r, SCMP_SYS(ioctl), 2, FD(vcpu), SCMP_A1(SCMP_CMP_EQ, KVM_GET_SREGS));
    /*
     * output_write: guest output (hc_console) and the monitor's reports, on
     * stdout and stderr or the non-blocking descriptions of them that
     * output_setup opened; a sanitizer's report on stderr.
     */
    allow(&r, SCMP_SYS(write), 1, FD(STDOUT_FILENO), ANY);
    allow(&r, SCMP_SYS(write), 1, FD(STDERR_FILENO), ANY);
    for (int s = OUTPUT_CONSOLE; s <= OUTPUT_REPORT; s++)
        if (output_fd(s) > STDERR_FILENO)
            allow(&r, SCMP_SYS(write), 1, FD(output_fd(s)), ANY);
    /* stdin_hc_read: the guest's stdin, once poll says it is readable. */
    if (vm->stdin_fd >= 0)
        allow(&r, SCMP_SYS(read), 1, FD(vm->stdin_fd), ANY);
    /* signals_take: which ending signal arrived. */
    allow(&r, SCMP_SYS(read), 1, FD(vm->sig_fd), ANY);
    /*
     * hc_poll: wait for device input, a signal, or the timeout; output_write:
     * for room on stdout or stderr, or a signal.
     */
    allow(&r, SCMP_SYS(ppoll), 0, ANY, ANY);
    /* hc_walltime, boottrace_mark: clocks (normally the vDSO; its fallback). */
    allow(&r, SCMP_SYS(clock_gettime), 1, SCMP_A0(SCMP_CMP_EQ, CLOCK_REALTIME), ANY);
    allow(&r, SCMP_SYS(clock_gettime), 1, SCMP_A0(SCMP_CMP_EQ, CLOCK_MONOTONIC), ANY);
    /*
     * signals_arrived: start the grace period when a host signal is
     * forwarded to the guest; only uhvt's own grace timer.
     */
    if (vm->fwd.timer >= 0)
        allow(&r, SCMP_SYS(timer_settime), 1, FD(vm->fwd.timer), ANY);
    /* main: the end. */
    allow(&r, SCMP_SYS(exit_group), 0, ANY, ANY);
    /* Devices: each call only on the fds registered for it. */
    allow_dev_fds(&r, vm, SCMP_SYS(readv), VM_FD_READ);
    allow_dev_fds(&r, vm, SCMP_SYS(write), VM_FD_WRITE);
    allow_dev_fds(&r, vm, SCMP_SYS(pread64), VM_FD_PREAD);
    allow_dev_fds(&r, vm, SCMP_SYS(pwrite64), VM_FD_PWRITE);
    allow_dev_fds(&r, vm, SCMP_SYS(fdatasync), VM_FD_SYNC);
    /*
     * The batched calls: submit to and wait on each device's ring.  What a
     * ring can do is fixed by its io_uring restrictions (blk/blk_uring.c), since
     * seccomp does not see io_uring operations; io_uring_setup and
     * io_uring_register stay forbidden, so no ring is made or changed now.
     */
    allow_dev_fds(&r, vm, SCMP_SYS(io_uring_enter), VM_FD_URING);
    /* --gdb, --dumpcore, --profile: their own rules, none unless given. */
    if (r.rc == 0 && (r.rc = debug_rules(vm, r.ctx)) < 0)
        r.nr = -1;
    /* --snapshot: its own rules (snapshot.h), none unless given. */
    if (r.rc == 0 && (r.rc = snapshot_rules(vm, r.ctx)) < 0)
        r.nr = -1;

    if (r.rc < 0) {
        seccomp_release(r.ctx);
        return why_fail(why, "seccomp rule for syscall %d: %s", r.nr,
                        strerror(-r.rc));
    }
    /* The names the rules allow by address can no longer change (pin.h). */
    int rc = pin_seal();
    if (rc < 0) {
        seccomp_release(r.ctx);
        return why_fail(why, "pinning the sandbox's path names: %s", strerror(-rc));
    }
    rc = seccomp_load(r.ctx);
    seccomp_release(r.ctx);
    if (rc < 0)
        return why_fail(why, "seccomp_load: %s", strerror(-rc));
    return 0;
}
