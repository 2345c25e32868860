/* net_batch.c: several frames per hypercall on a NIC (NET_WRITEV, NET_READV), in order, with plain system calls. */
#include "net_batch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "net_tap.h"
#include "uhvt_abi.h"

/*
 * One exit carries the batch; the monitor then makes one write or readv per
 * frame, in order, straight between guest memory and the tap.
 *
 * Not io_uring, as the disks use: a tap offers it no non-blocking attempt
 * (RWF_NOWAIT gets EOPNOTSUPP in Linux 6.1), so a ring hands each request
 * to a kernel worker thread.  There, a read that finds the tap empty waits
 * for the next frame, and requests not linked run in any order.  Measured
 * on TCP transfers: cancelling the waiting reads at the end of each call
 * raced with the workers and stalled transfers for seconds; chaining the
 * reads made the monitor wait for frames; chained writes were slower than
 * these system calls.  See docs/networking.md.
 *
 * Where the part of a frame that does not fit the guest's buffer lands:
 * longer than any frame, so a transfer into it is a frame's whole length.
 */
static uint8_t scratch[TAP_MTU_MAX + NET_ETH_HLEN + 4 + 1];

/*
 * The NIC named by a batch, a copy of its frame array in f, and in buf each
 * frame's buffer in guest memory (NULL for a length out of range, whose ret
 * is then UHVT_EINVAL): or NULL with a->ret set, or NULL with *end set to
 * end the guest, before any frame is sent or read.
 */
static struct net_dev *batch_begin(struct vm *vm, struct uhvt_hc_batch *a,
                                   struct uhvt_net_frame f[UHVT_BATCH_MAX],
                                   void *buf[UHVT_BATCH_MAX], bool sending,
                                   void **guest, int *end)
{
    struct net_dev *n = vm_dev(vm, a->handle, UHVT_DEV_NET);
    a->done = 0;
    *end = VM_CONTINUE;
    if (n == NULL) {
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
    /* Frames to send are whole Ethernet frames; buffers to read into, any. */
    uint32_t lo = sending ? NET_ETH_HLEN : 1;
    uint32_t hi = sending ? n->mtu + NET_ETH_HLEN : UINT32_MAX;
    for (uint32_t i = 0; i < a->count; i++) {
        buf[i] = NULL;
        f[i].ret = f[i].len < lo || f[i].len > hi ? UHVT_EINVAL : UHVT_OK;
        if (f[i].ret != UHVT_OK)
            continue;
        buf[i] = mem_ptr(&vm->mem, f[i].data, f[i].len);
        if (buf[i] == NULL) {
            vm_report(vm, "guest NIC %s %u outside guest memory (0x%llx, %u "
                          "bytes)", sending ? "write" : "read", i,
                      (unsigned long long)f[i].data, f[i].len);
            *end = UHVT_EXIT_BAD_HYPERCALL;
            return NULL;
        }
    }
    return n;
}

int net_writev(struct vm *vm, void *arg)
{
    struct uhvt_hc_batch *a = arg;
    struct uhvt_net_frame f[UHVT_BATCH_MAX];
    void *guest, *buf[UHVT_BATCH_MAX];
    int end;
    struct net_dev *n = batch_begin(vm, a, f, buf, true, &guest, &end);
    if (n == NULL)
        return end;
    for (uint32_t i = 0; i < a->count; i++) {
        if (buf[i] == NULL)
            continue;
        /* A tap takes a whole frame or none; a refused frame is lost. */
        f[i].ret = write(n->fd, buf[i], f[i].len) == (ssize_t)f[i].len
                       ? UHVT_OK : UHVT_EIO;
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
    struct net_dev *n = batch_begin(vm, a, f, buf, false, &guest, &end);
    if (n == NULL)
        return end;
    /* In order, so frames fill the buffers in arrival order. */
    bool empty = false;
    for (uint32_t i = 0; i < a->count; i++) {
        if (buf[i] == NULL) {
            f[i].len = 0;
            continue;
        }
        struct iovec iov[2] = {{buf[i], f[i].len}, {scratch, sizeof(scratch)}};
        ssize_t r = empty ? -1 : readv(n->fd, iov, 2);
        if (r < 0) {
            /* Once the tap is empty, the rest of the buffers find nothing. */
            empty = empty || errno == EAGAIN;
            f[i].ret = empty ? UHVT_EAGAIN : UHVT_EIO;
            f[i].len = 0;
        } else {
            f[i].ret = (uint32_t)r > f[i].len ? UHVT_EINVAL : UHVT_OK;
            f[i].len = (uint32_t)r;
            a->done += f[i].ret == UHVT_OK;
        }
    }
    memcpy(guest, f, a->count * sizeof(f[0]));
    return VM_CONTINUE;
}
