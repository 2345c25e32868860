/* blk_uring.h: io_uring rings for the disks, locked down before the sandbox. */
#ifndef BLK_URING_H
#define BLK_URING_H

#include <liburing.h>
#include <stdint.h>

#include "options.h"
#include "vm.h"

/*
 * What a device's ring may do: the opcodes (IORING_OP_*) it submits, on the
 * one file it registers.  io_uring operations are not system calls, so
 * seccomp never sees them: the ring itself must refuse everything else.
 */
struct blk_uring_policy {
    int fd;                /* registered as fixed file 0 */
    unsigned entries;      /* submission queue size */
    const uint8_t *ops;    /* allowed opcodes */
    unsigned nops;
    uint8_t flags_allowed; /* IOSQE_* beyond IOSQE_FIXED_FILE, e.g. IO_DRAIN */
};

/*
 * Create `ring` disabled (IORING_SETUP_R_DISABLED), register policy->fd as
 * its only file, restrict it (IORING_REGISTER_RESTRICTIONS) to the policy's
 * opcodes, to SQEs that name fixed files (IOSQE_FIXED_FILE required, so no
 * other fd of the monitor is reachable) with no other flags than
 * flags_allowed, and to no further register operation; then enable it.
 * Registers the ring fd with the vm for the sandbox (io_uring_enter only).
 * Must run before sandbox_enter.  Returns 0, or -1 with a message in `why`
 * (e.g. a kernel older than 5.10, or io_uring disabled by sysctl).
 */
int blk_uring_setup(struct vm *vm, struct io_uring *ring, const struct blk_uring_policy *p,
                char why[OPTIONS_WHY_MAX]);

#endif
