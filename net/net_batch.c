/* net_batch.c: a NIC's frames between guest memory and the tap, in order: NET_WRITE/NET_READ are batches of one. */
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
 * One exit carries the frames; the monitor then makes one write or readv
 * per frame, in order, straight between guest memory and the tap.  The
 * single-frame calls take the very same path with one frame, so the two
 * cannot disagree on a limit or an error.
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
 * longer than any frame (the largest MTU plus the Ethernet and VLAN
 * headers), so a transfer into it is a frame's whole length.  The run loop
 * is one thread, so one buffer serves every NIC.
 */
static uint8_t scratch[TAP_MTU_MAX + NET_ETH_HLEN + 4 + 1];

/*
 * Check frames f[0..count) of NIC n, on the monitor's copy: a length out of
 * range gets UHVT_EINVAL and a NULL buf[i] (skipped); every other frame's
 * buffer must lie wholly in guest memory, else the guest ends before any
 * frame moves.  Returns VM_CONTINUE or that exit status.
 */
static int frames_check(struct vm *vm, const struct net_dev *n,
                        struct uhvt_net_frame *f, void **buf, uint32_t count,
                        bool sending)
{
    /* Frames to send are whole Ethernet frames; buffers to read into, any. */
    uint32_t lo = sending ? NET_ETH_HLEN : 1;
    uint32_t hi = sending ? n->mtu + NET_ETH_HLEN : UINT32_MAX;
    for (uint32_t i = 0; i < count; i++) {
        buf[i] = NULL;
        f[i].ret = f[i].len < lo || f[i].len > hi ? UHVT_EINVAL : UHVT_OK;
        if (f[i].ret != UHVT_OK)
            continue;
        buf[i] = mem_ptr(&vm->mem, f[i].data, f[i].len);
        if (buf[i] == NULL) {
            vm_report(vm, "guest NIC %s outside guest memory: frame %u at 0x%llx "
                          "(%u bytes)", sending ? "write" : "read", i,
                      (unsigned long long)f[i].data, f[i].len);
            return UHVT_EXIT_BAD_HYPERCALL;
        }
    }
    return VM_CONTINUE;
}

/* Send the checked frames; returns how many the tap took. */
static uint32_t frames_send(const struct net_dev *n, struct uhvt_net_frame *f,
                            void *const *buf, uint32_t count)
{
    uint32_t done = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (buf[i] == NULL)
            continue;
        ssize_t w;
        do
            w = write(n->fd, buf[i], f[i].len);
        while (w < 0 && errno == EINTR);
        /* A tap takes a whole frame or none; a refused frame is lost. */
        f[i].ret = w == (ssize_t)f[i].len ? UHVT_OK : UHVT_EIO;
        done += f[i].ret == UHVT_OK;
    }
    return done;
}

/* Receive into the checked buffers, in arrival order; returns how many. */
static uint32_t frames_recv(const struct net_dev *n, struct uhvt_net_frame *f,
                            void *const *buf, uint32_t count)
{
    uint32_t done = 0;
    bool empty = false;
    for (uint32_t i = 0; i < count; i++) {
        if (buf[i] == NULL) {
            f[i].len = 0;
            continue;
        }
        struct iovec iov[2] = {{buf[i], f[i].len}, {scratch, sizeof(scratch)}};
        ssize_t r = -1;
        if (!empty) {
            do
                r = readv(n->fd, iov, 2);
            while (r < 0 && errno == EINTR);
        }
        if (r <= 0) {
            /* Once the tap is empty, the rest of the buffers find nothing. */
            empty = empty || (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
            f[i].ret = empty ? UHVT_EAGAIN : UHVT_EIO;
            f[i].len = 0;
        } else {
            /* Longer than the buffer: dropped, its length told. */
            f[i].ret = (uint32_t)r > f[i].len ? UHVT_EINVAL : UHVT_OK;
            f[i].len = (uint32_t)r;
            done += f[i].ret == UHVT_OK;
        }
    }
    return done;
}

/* Check and move count frames; VM_CONTINUE or the exit status. */
static int frames_io(struct vm *vm, const struct net_dev *n,
                     struct uhvt_net_frame *f, uint32_t count, bool sending,
                     uint32_t *done)
{
    void *buf[UHVT_BATCH_MAX];
    int rc = frames_check(vm, n, f, buf, count, sending);
    if (rc != VM_CONTINUE)
        return rc;
    *done = sending ? frames_send(n, f, buf, count) : frames_recv(n, f, buf, count);
    return VM_CONTINUE;
}

/* NET_WRITEV and NET_READV: a copy of the descriptor array, moved, copied back. */
static int batch(struct vm *vm, void *arg, bool sending)
{
    struct uhvt_hc_batch *a = arg;
    const struct net_dev *n = vm_dev(vm, a->handle, UHVT_DEV_NET);
    a->done = 0;
    if (n == NULL) {
        a->ret = UHVT_ENODEV;
        return VM_CONTINUE;
    }
    if (a->count == 0 || a->count > UHVT_BATCH_MAX) {
        a->ret = UHVT_EINVAL;
        return VM_CONTINUE;
    }
    struct uhvt_net_frame f[UHVT_BATCH_MAX];
    void *guest = hypercall_array(vm, a->items, a->count, sizeof(f[0]));
    if (guest == NULL) {
        vm_report(vm, "guest NIC frame array outside guest memory or misaligned "
                      "(0x%llx, %u frames)", (unsigned long long)a->items, a->count);
        return UHVT_EXIT_BAD_HYPERCALL;
    }
    memcpy(f, guest, a->count * sizeof(f[0]));
    a->ret = UHVT_OK;
    int rc = frames_io(vm, n, f, a->count, sending, &a->done);
    if (rc == VM_CONTINUE)
        memcpy(guest, f, a->count * sizeof(f[0]));
    return rc;
}

int net_writev(struct vm *vm, void *arg) { return batch(vm, arg, true); }
int net_readv(struct vm *vm, void *arg) { return batch(vm, arg, false); }

/* NET_WRITE and NET_READ: a batch of one, its frame in the call itself. */
static int single(struct vm *vm, void *arg, bool sending)
{
    struct uhvt_hc_net_io *a = arg;
    const struct net_dev *n = vm_dev(vm, a->handle, UHVT_DEV_NET);
    if (n == NULL) {
        a->ret = UHVT_ENODEV;
        if (!sending)
            a->len = 0;
        return VM_CONTINUE;
    }
    struct uhvt_net_frame f = {.data = a->data, .len = a->len};
    uint32_t done;
    int rc = frames_io(vm, n, &f, 1, sending, &done);
    a->ret = f.ret;
    if (!sending)
        a->len = f.len;
    return rc;
}

int net_write(struct vm *vm, void *arg) { return single(vm, arg, true); }
int net_read(struct vm *vm, void *arg) { return single(vm, arg, false); }
