/* blk_queue.h: a disk's batched asynchronous requests on its io_uring (BLK_SUBMIT, BLK_REAP). */
#ifndef BLK_QUEUE_H
#define BLK_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "blk.h"
#include "hypercall.h"

/*
 * Give disk `d` (device `index`) its ring: created disabled, restricted to
 * READ (and WRITE and FSYNC unless read-only) on `file`, the disk's file,
 * as fixed file 0, then enabled; its fd becomes the device's poll_fd.  The
 * ring takes its own reference to `file`: the caller may close it.  `file`
 * should not be d->fd's locked description (blk_file_reopen says why).
 * Before the sandbox, at attach time: a guest without disks never pays for
 * a ring.  Returns 0 or -1 with `why`.
 */
int blk_queue_init(struct vm *vm, uint32_t index, struct blk_dev *d, int file,
                   char why[OPTIONS_WHY_MAX]);

/*
 * vm_dev.has_input for a disk: whether completions wait, collected or still
 * in the ring.  Only asks: BLK_REAP collects them.  Never blocks.
 */
bool blk_queue_has_done(void *state);

/*
 * Move the ring's completions into the disk's done list, judging each (and
 * setting the failed-flush latch): before anything that reads the latch or
 * hands out completions.  Nothing for a disk without a ring.
 */
void blk_queue_collect(struct blk_dev *d);

/*
 * BLK_SUBMIT and BLK_REAP (hypercall_fn; see uhvt_abi.h).  Checks, the
 * first failing deciding: the handle (UHVT_ENODEV); count 0 or above
 * UHVT_BATCH_MAX (UHVT_EINVAL); the array not 8-byte aligned or not wholly
 * in guest memory (ends the guest); SUBMIT: fewer free slots than count
 * (UHVT_EAGAIN).  The array is copied out of guest memory before any of it
 * is checked.  Then each request, in order: an unknown op or non-zero
 * flags, or a flush with a non-zero field (UHVT_EINVAL); a write to a
 * read-only disk (UHVT_EROFS; a flush there is UHVT_OK at once); blk_check
 * (UHVT_EINVAL); a data buffer outside guest memory ends the guest before
 * any request of the batch is queued; a write or flush after a failed flush
 * (UHVT_EIO).  A refused request completes at once with its code.  If the
 * host's io_uring will not take the requests, the guest ends with
 * UHVT_EXIT_HOST: the host's failure, not the guest's.
 */
hypercall_fn blk_submit, blk_reap;

#endif
