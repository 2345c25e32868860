/* blk_uring.c: io_uring rings for the disks, locked down before the sandbox. */
#include "blk_uring.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int blk_uring_setup(struct vm *vm, struct io_uring *ring, const struct blk_uring_policy *p,
                char why[OPTIONS_WHY_MAX])
{
    struct io_uring_params params = {.flags = IORING_SETUP_R_DISABLED};
    int rc = io_uring_queue_init_params(p->entries, ring, &params);
    if (rc < 0) {
        snprintf(why, OPTIONS_WHY_MAX, "io_uring: %s%s", strerror(-rc),
                 rc == -EPERM ? " (sysctl kernel.io_uring_disabled?)"
                 : rc == -EINVAL ? " (uhvt needs Linux 5.10 or later)" : "");
        return -1;
    }
    const char *step = "register file";
    rc = io_uring_register_files(ring, &p->fd, 1);
    if (rc < 0)
        goto fail;

    struct io_uring_restriction res[IORING_OP_LAST + 2];
    unsigned n = 0;
    memset(res, 0, sizeof(res));
    for (unsigned i = 0; i < p->nops && n < IORING_OP_LAST; i++)
        res[n++] = (struct io_uring_restriction){
            .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = p->ops[i]};
    res[n++] = (struct io_uring_restriction){
        .opcode = IORING_RESTRICTION_SQE_FLAGS_REQUIRED, .sqe_flags = IOSQE_FIXED_FILE};
    res[n++] = (struct io_uring_restriction){
        .opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED,
        .sqe_flags = (uint8_t)(IOSQE_FIXED_FILE | p->flags_allowed)};
    /*
     * No IORING_RESTRICTION_REGISTER_OP: once enabled, the ring refuses every
     * io_uring_register operation.  liburing 2.3 as Debian ships it does not
     * export io_uring_register_restrictions or io_uring_enable_rings from
     * its shared library, so the raw system call wrapper does both.
     */
    step = "restrict";
    rc = io_uring_register(ring->ring_fd, IORING_REGISTER_RESTRICTIONS, res, n);
    if (rc < 0)
        goto fail;
    step = "enable";
    rc = io_uring_register(ring->ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
    if (rc < 0)
        goto fail;
    vm_fd_register(vm, ring->ring_fd, VM_FD_URING);
    return 0;

fail:
    snprintf(why, OPTIONS_WHY_MAX, "io_uring: %s: %s", step, strerror(-rc));
    io_uring_queue_exit(ring);
    return -1;
}
