/* batch.c: several frames per hypercall through the NIC's io_uring (NET_WRITEV, NET_READV). */
#include "batch.h"

#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "tap.h"
#include "uhvt_abi.h"
#include "uring.h"

struct net_ring {
    struct io_uring ring;
    /* Each read's two buffers: the guest's, then the scratch tail. */
    struct iovec iov[UHVT_BATCH_MAX][2];
};

/*
 * Where the part of a frame that does not fit the guest's buffer lands:
 * longer than any frame, so a transfer into it is a frame's whole length.
 * Only its length matters; reads in flight may share it.
 */
static uint8_t scratch[TAP_MTU_MAX + NET_ETH_HLEN + 4 + 1];

int net_batch_init(struct vm *vm, struct net_dev *n, char why[OPTIONS_WHY_MAX])
{
    static const uint8_t ops[] = {IORING_OP_WRITE, IORING_OP_READV,
                                  IORING_OP_ASYNC_CANCEL};
    struct net_ring *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        snprintf(why, OPTIONS_WHY_MAX, "out of memory");
        return -1;
    }
    struct uring_policy p = {
        .fd = n->fd, .entries = UHVT_BATCH_MAX + 1, .ops = ops, .nops = 3,
    };
    if (uring_setup(vm, &r->ring, &p, why) < 0) {
        free(r);
        return -1;
    }
    n->ring = r;
    return 0;
}

/* The NIC named by a batch and a copy of its frame array, or NULL with
 * a->ret set, or NULL with *end set to end the guest. */
static struct net_dev *batch_begin(struct vm *vm, struct uhvt_hc_batch *a,
                                   struct uhvt_net_frame f[UHVT_BATCH_MAX],
                                   void **guest, int *end)
{
    struct net_dev *n = vm_dev(vm, a->handle, UHVT_DEV_NET);
    a->done = 0;
    *end = VM_CONTINUE;
    if (n == NULL || n->ring == NULL) {
        a->ret = UHVT_ENODEV;
        return NULL;
    }
    if (a->count == 0 || a->count > UHVT_BATCH_MAX) {
        a->ret = UHVT_EINVAL;
        return NULL;
    }
    *guest = hypercall_array(vm, a->items, a->count, sizeof(f[0]));
    if (*guest == NULL) {
        vm_report(vm, "guest NIC frame array outside guest memory or misaligned "
                      "(0x%llx, %u frames)", (unsigned long long)a->items, a->count);
        *end = UHVT_EXIT_BAD_HYPERCALL;
        return NULL;
    }
    memcpy(f, *guest, a->count * sizeof(f[0]));
    a->ret = UHVT_OK;
    return n;
}

/*
 * Submit the prepared SQEs with one io_uring_enter and collect `queued`
 * completions into res[user_data].  A read that finds the tap empty would
 * wait in the ring for the next frame (RWF_NOWAIT, which would make it fail
 * at once instead, gets EOPNOTSUPP on a tap in Linux 6.1), so the batch ends
 * with a cancel of everything still pending on the tap: issued in order,
 * within the same call, it turns each such read into -ECANCELED.  Nothing
 * is lost: a read cancelled before it ran took no frame.
 */
static int batch_run(struct vm *vm, struct io_uring *ring, unsigned queued,
                     int res[UHVT_BATCH_MAX])
{
    if (queued == 0)
        return VM_CONTINUE;
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    io_uring_prep_cancel_fd(sqe, 0, IORING_ASYNC_CANCEL_ALL);
    sqe->flags |= IOSQE_FIXED_FILE;
    sqe->user_data = UHVT_BATCH_MAX; /* not a frame */
    unsigned want = queued + 1, got = 0;
    while (got < want) {
        struct io_uring_cqe *cqe;
        int rc = io_uring_submit_and_wait(ring, want - got);
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
            vm_report(vm, "NIC: io_uring_enter: %s", strerror(-rc));
            return UHVT_EXIT_SETUP;
        }
        while (io_uring_peek_cqe(ring, &cqe) == 0) {
            if (cqe->user_data < UHVT_BATCH_MAX)
                res[cqe->user_data] = cqe->res;
            io_uring_cqe_seen(ring, cqe);
            got++;
        }
    }
    return VM_CONTINUE;
}

int net_writev(struct vm *vm, void *arg)
{
    struct uhvt_hc_batch *a = arg;
    struct uhvt_net_frame f[UHVT_BATCH_MAX];
    void *guest, *buf[UHVT_BATCH_MAX];
    int end;
    struct net_dev *n = batch_begin(vm, a, f, &guest, &end);
    if (n == NULL)
        return end;
    /* Check every frame before sending any. */
    for (uint32_t i = 0; i < a->count; i++) {
        buf[i] = NULL;
        f[i].ret = f[i].len < NET_ETH_HLEN || f[i].len > n->mtu + NET_ETH_HLEN
                       ? UHVT_EINVAL : UHVT_OK;
        if (f[i].ret != UHVT_OK)
            continue;
        buf[i] = mem_ptr(&vm->mem, f[i].data, f[i].len);
        if (buf[i] == NULL) {
            vm_report(vm, "guest NIC write %u outside guest memory (0x%llx, %u "
                          "bytes)", i, (unsigned long long)f[i].data, f[i].len);
            return UHVT_EXIT_BAD_HYPERCALL;
        }
    }
    unsigned queued = 0;
    for (uint32_t i = 0; i < a->count; i++) {
        if (buf[i] == NULL)
            continue;
        struct io_uring_sqe *sqe = io_uring_get_sqe(&n->ring->ring);
        io_uring_prep_write(sqe, 0, buf[i], f[i].len, 0);
        sqe->flags |= IOSQE_FIXED_FILE;
        sqe->user_data = i;
        queued++;
    }
    int res[UHVT_BATCH_MAX];
    int rc = batch_run(vm, &n->ring->ring, queued, res);
    if (rc != VM_CONTINUE)
        return rc;
    for (uint32_t i = 0; i < a->count; i++) {
        if (buf[i] == NULL)
            continue;
        /* A tap takes a whole frame or none; a refused frame is lost. */
        f[i].ret = res[i] == (int)f[i].len ? UHVT_OK : UHVT_EIO;
        a->done += f[i].ret == UHVT_OK;
    }
    memcpy(guest, f, a->count * sizeof(f[0]));
    return VM_CONTINUE;
}

int net_readv(struct vm *vm, void *arg)
{
    struct uhvt_hc_batch *a = arg;
    struct uhvt_net_frame f[UHVT_BATCH_MAX];
    void *guest, *buf[UHVT_BATCH_MAX];
    int end;
    struct net_dev *n = batch_begin(vm, a, f, &guest, &end);
    if (n == NULL)
        return end;
    for (uint32_t i = 0; i < a->count; i++) {
        buf[i] = NULL;
        f[i].ret = f[i].len == 0 ? UHVT_EINVAL : UHVT_OK;
        if (f[i].ret != UHVT_OK)
            continue;
        buf[i] = mem_ptr(&vm->mem, f[i].data, f[i].len);
        if (buf[i] == NULL) {
            vm_report(vm, "guest NIC read %u outside guest memory (0x%llx, %u "
                          "bytes)", i, (unsigned long long)f[i].data, f[i].len);
            return UHVT_EXIT_BAD_HYPERCALL;
        }
    }
    /*
     * An empty tap is the common case of a guest draining until EAGAIN:
     * answer it with one ppoll instead of reads armed and cancelled.
     */
    struct pollfd pfd = {.fd = n->fd, .events = POLLIN};
    bool empty = ppoll(&pfd, 1, &(struct timespec){0, 0}, NULL) == 0;
    /* Issued in order, so frames fill the buffers in arrival order. */
    unsigned queued = 0;
    struct net_ring *r = n->ring;
    for (uint32_t i = 0; i < a->count; i++) {
        if (buf[i] == NULL || empty)
            continue;
        r->iov[i][0] = (struct iovec){buf[i], f[i].len};
        r->iov[i][1] = (struct iovec){scratch, sizeof(scratch)};
        struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
        io_uring_prep_readv(sqe, 0, r->iov[i], 2, 0);
        sqe->flags |= IOSQE_FIXED_FILE;
        sqe->user_data = i;
        queued++;
    }
    int res[UHVT_BATCH_MAX];
    int rc = batch_run(vm, &r->ring, queued, res);
    if (rc != VM_CONTINUE)
        return rc;
    for (uint32_t i = 0; i < a->count; i++) {
        if (buf[i] == NULL) {
            f[i].len = 0;
            continue;
        }
        if (empty)
            res[i] = -EAGAIN;
        if (res[i] <= 0) {
            f[i].ret = res[i] == -ECANCELED || res[i] == -EAGAIN ? UHVT_EAGAIN
                                                                 : UHVT_EIO;
            f[i].len = 0;
        } else {
            f[i].ret = (uint32_t)res[i] > f[i].len ? UHVT_EINVAL : UHVT_OK;
            f[i].len = (uint32_t)res[i];
            a->done += f[i].ret == UHVT_OK;
        }
    }
    memcpy(guest, f, a->count * sizeof(f[0]));
    return VM_CONTINUE;
}
