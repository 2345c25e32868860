/* blk_queue.c: a disk's batched asynchronous requests on its io_uring (BLK_SUBMIT, BLK_REAP). */
#include "blk_queue.h"

#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uhvt_abi.h"
#include "blk_uring.h"

/*
 * A slot per request the guest may have outstanding, from submission until
 * the guest reaps its completion: in flight, then done.  The slot number is
 * the SQE's user_data, so a completion never names guest-chosen memory.
 */
struct blk_slot {
    uint64_t tag;
    uint32_t len; /* bytes the request must transfer; 0 for a flush */
    uint16_t op;  /* enum uhvt_blk_op */
    int32_t ret;  /* once done */
};

struct blk_queue {
    struct io_uring ring;
    struct blk_slot slot[UHVT_BLK_QUEUE_MAX];
    uint32_t free[UHVT_BLK_QUEUE_MAX]; /* a stack of free slot numbers */
    uint32_t nfree;
    uint32_t done[UHVT_BLK_QUEUE_MAX]; /* completed, oldest first, from head */
    uint32_t head, ndone;
};

int blk_queue_init(struct vm *vm, uint32_t index, struct blk_dev *d, int file,
                   char why[OPTIONS_WHY_MAX])
{
    static const uint8_t rw_ops[] = {IORING_OP_READ, IORING_OP_WRITE, IORING_OP_FSYNC};
    struct blk_queue *q = calloc(1, sizeof(*q));
    if (q == NULL) {
        snprintf(why, OPTIONS_WHY_MAX, "out of memory");
        return -1;
    }
    /* A read-only disk's ring cannot write or sync, whatever is submitted. */
    struct blk_uring_policy p = {
        .fd = file,
        .entries = UHVT_BLK_QUEUE_MAX,
        .ops = rw_ops,
        .nops = d->read_only ? 1 : 3,
        .flags_allowed = d->read_only ? 0 : IOSQE_IO_DRAIN,
    };
    if (blk_uring_setup(vm, &q->ring, &p, why) < 0) {
        free(q);
        return -1;
    }
    for (uint32_t i = 0; i < UHVT_BLK_QUEUE_MAX; i++)
        q->free[i] = UHVT_BLK_QUEUE_MAX - 1 - i;
    q->nfree = UHVT_BLK_QUEUE_MAX;
    d->queue = q;
    vm->dev[index].poll_fd = q->ring.ring_fd;
    vm->dev[index].has_input = blk_queue_has_done;
    return 0;
}

static void queue_done(struct blk_queue *q, uint32_t s, int32_t ret)
{
    q->slot[s].ret = ret;
    q->done[(q->head + q->ndone++) % UHVT_BLK_QUEUE_MAX] = s;
}

/*
 * What a completion means for the guest.  A short transfer is an error:
 * io_uring already retries short buffered reads of regular files, and
 * resubmitting a write's tail could let it land after a flush submitted
 * behind it, which would then not cover what it acknowledged.
 */
static int32_t queue_status(struct blk_dev *d, const struct blk_slot *s, int res)
{
    if (s->op == UHVT_BLK_OP_FLUSH) {
        if (res < 0)
            d->failed = true; /* the host may have dropped dirty pages */
        return d->failed ? UHVT_EIO : UHVT_OK;
    }
    if (res < 0 || (uint32_t)res != s->len)
        return UHVT_EIO;
    /*
     * A flush draining ahead of this write failed: a write submitted after
     * it must not be acknowledged (abi: the failed-flush latch).  Writes
     * submitted before that flush completed before it, so they are not hit.
     */
    if (s->op == UHVT_BLK_OP_WRITE && d->failed)
        return UHVT_EIO;
    return UHVT_OK;
}

bool blk_queue_has_done(void *state)
{
    const struct blk_dev *d = state;
    return d->queue->ndone > 0 || io_uring_cq_ready(&d->queue->ring) > 0;
}

/*
 * CQEs come in completion order, so a flush's precedes those of the
 * requests submitted after it, and the failed-flush latch is set before
 * they are judged.  The ring's CQ holds twice as many entries as there are
 * slots, so it cannot overflow between two collections.
 */
void blk_queue_collect(struct blk_dev *d)
{
    struct blk_queue *q = d->queue;
    struct io_uring_cqe *cqe;
    if (q == NULL)
        return;
    while (io_uring_peek_cqe(&q->ring, &cqe) == 0) {
        uint64_t s = cqe->user_data;
        int res = cqe->res;
        io_uring_cqe_seen(&q->ring, cqe);
        if (s < UHVT_BLK_QUEUE_MAX)
            queue_done(q, (uint32_t)s, queue_status(d, &q->slot[s], res));
    }
}

/* The disk named by a batch, or NULL with a->ret set. */
static struct blk_dev *queue_dev(struct vm *vm, struct uhvt_hc_batch *a)
{
    struct blk_dev *d = vm_dev(vm, a->handle, UHVT_DEV_BLOCK);
    a->done = 0;
    a->ret = d == NULL || d->queue == NULL ? UHVT_ENODEV
             : a->count == 0 || a->count > UHVT_BATCH_MAX ? UHVT_EINVAL
                                                           : UHVT_OK;
    return a->ret == UHVT_OK ? d : NULL;
}

/* A request's code before any I/O (UHVT_OK: to be submitted). */
static int32_t queue_check(const struct blk_dev *d, const struct uhvt_blk_req *r)
{
    if (r->flags != 0)
        return UHVT_EINVAL;
    switch (r->op) {
    case UHVT_BLK_OP_FLUSH:
        if (r->offset != 0 || r->data != 0 || r->len != 0)
            return UHVT_EINVAL;
        return d->failed && !d->read_only ? UHVT_EIO : UHVT_OK;
    case UHVT_BLK_OP_WRITE:
        if (d->read_only)
            return UHVT_EROFS;
        if (d->failed) /* never sent: the latch refuses it, as BLK_WRITE does */
            return UHVT_EIO;
        /* fall through */
    case UHVT_BLK_OP_READ:
        return blk_check(d, r->offset, r->len);
    default:
        return UHVT_EINVAL;
    }
}

/*
 * Hand the queued SQEs to the kernel: one io_uring_enter for the whole
 * batch, again while the kernel takes only part of it, and only a bounded
 * number of times when it is busy (EAGAIN, EBUSY) or interrupted.  Returns
 * 0, or -1 with errno: the host's failure, which ends the guest.
 */
#define SUBMIT_TRIES 1000
static int queue_submit(struct blk_queue *q)
{
    int tries = 0;
    while (io_uring_sq_ready(&q->ring) > 0) {
        int rc = io_uring_submit(&q->ring);
        if (rc > 0)
            continue;
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
            errno = -rc;
            return -1;
        }
        if (++tries == SUBMIT_TRIES) {
            errno = rc < 0 ? -rc : EAGAIN;
            return -1;
        }
    }
    return 0;
}

int blk_submit(struct vm *vm, void *arg)
{
    struct uhvt_hc_batch *a = arg;
    struct blk_dev *d = queue_dev(vm, a);
    if (d == NULL)
        return VM_CONTINUE;
    const void *items = hypercall_array(vm, a->items, a->count, sizeof(struct uhvt_blk_req));
    if (items == NULL) {
        vm_report(vm, "guest disk request array outside guest memory or misaligned "
                      "(0x%llx, %u requests)", (unsigned long long)a->items, a->count);
        return UHVT_EXIT_BAD_HYPERCALL;
    }
    struct blk_queue *q = d->queue;
    blk_queue_collect(d); /* the failed-flush latch, current */
    if (q->nfree < a->count) {
        a->ret = UHVT_EAGAIN;
        return VM_CONTINUE;
    }
    /* Copy in, then check everything, then act: nothing is queued for a
     * batch that ends the guest. */
    struct uhvt_blk_req r[UHVT_BATCH_MAX];
    memcpy(r, items, a->count * sizeof(r[0]));
    int32_t code[UHVT_BATCH_MAX];
    void *buf[UHVT_BATCH_MAX];
    for (uint32_t i = 0; i < a->count; i++) {
        code[i] = queue_check(d, &r[i]);
        buf[i] = NULL;
        if (code[i] != UHVT_OK || r[i].op == UHVT_BLK_OP_FLUSH)
            continue;
        buf[i] = mem_ptr(&vm->mem, r[i].data, r[i].len);
        if (buf[i] == NULL) {
            vm_report(vm, "guest disk request %u: buffer outside guest memory "
                          "(0x%llx, %u bytes)", i, (unsigned long long)r[i].data,
                      r[i].len);
            return UHVT_EXIT_BAD_HYPERCALL;
        }
    }

    uint32_t queued = 0;
    for (uint32_t i = 0; i < a->count; i++) {
        uint32_t s = q->free[--q->nfree];
        q->slot[s] = (struct blk_slot){.tag = r[i].tag, .len = r[i].len, .op = r[i].op};
        bool nothing = r[i].op == UHVT_BLK_OP_FLUSH && d->read_only;
        if (code[i] != UHVT_OK || nothing) {
            queue_done(q, s, code[i]);
            continue;
        }
        /* The SQ has an entry for every slot: failing here is a monitor bug. */
        struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);
        if (sqe == NULL) {
            vm_report(vm, "disk: no free io_uring submission entry with %u "
                          "slots free", q->nfree);
            return UHVT_EXIT_HOST;
        }
        if (r[i].op == UHVT_BLK_OP_READ) {
            io_uring_prep_read(sqe, 0, buf[i], r[i].len, r[i].offset);
        } else if (r[i].op == UHVT_BLK_OP_WRITE) {
            io_uring_prep_write(sqe, 0, buf[i], r[i].len, r[i].offset);
        } else {
            /* A barrier: after every earlier request, before every later one. */
            io_uring_prep_fsync(sqe, 0, IORING_FSYNC_DATASYNC);
            sqe->flags |= IOSQE_IO_DRAIN;
        }
        sqe->flags |= IOSQE_FIXED_FILE;
        sqe->user_data = s;
        queued++;
    }
    if (queued > 0 && queue_submit(q) < 0) {
        vm_report(vm, "the host could not take disk requests: io_uring_enter "
                      "failed %d times over: %s", SUBMIT_TRIES,
                  strerrordesc_np(errno));
        return UHVT_EXIT_HOST;
    }
    a->done = a->count;
    return VM_CONTINUE;
}

int blk_reap(struct vm *vm, void *arg)
{
    struct uhvt_hc_batch *a = arg;
    struct blk_dev *d = queue_dev(vm, a);
    if (d == NULL)
        return VM_CONTINUE;
    struct uhvt_blk_done *out = hypercall_array(vm, a->items, a->count, sizeof(*out));
    if (out == NULL) {
        vm_report(vm, "guest disk completion array outside guest memory or "
                      "misaligned (0x%llx, %u entries)", (unsigned long long)a->items,
                  a->count);
        return UHVT_EXIT_BAD_HYPERCALL;
    }
    struct blk_queue *q = d->queue;
    blk_queue_collect(d);
    struct uhvt_blk_done c[UHVT_BATCH_MAX] = {{0}};
    uint32_t n = 0;
    while (n < a->count && q->ndone > 0) {
        uint32_t s = q->done[q->head];
        q->head = (q->head + 1) % UHVT_BLK_QUEUE_MAX;
        q->ndone--;
        c[n++] = (struct uhvt_blk_done){.tag = q->slot[s].tag, .ret = q->slot[s].ret};
        q->free[q->nfree++] = s;
    }
    memcpy(out, c, n * sizeof(c[0]));
    a->done = n;
    return VM_CONTINUE;
}
