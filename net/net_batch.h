/* net_batch.h: a NIC's frames between guest memory and the tap: NET_WRITE/NET_READ are batches of one. */
#ifndef NET_BATCH_H
#define NET_BATCH_H

#include "hypercall.h"
#include "net.h"

/*
 * The frame calls (hypercall_fn; see uhvt_abi.h): NET_WRITEV and NET_READV,
 * and NET_WRITE and NET_READ, which are the same with one frame carried in
 * the call.  Checks, the first failing deciding: the handle (UHVT_ENODEV);
 * for a batch, count 0 or above UHVT_BATCH_MAX (UHVT_EINVAL) and the frame
 * array not 8-byte aligned or not wholly in guest memory (the guest ends);
 * then, on the monitor's copy, a write's len below 14 or above mtu + 14, or
 * a read's len 0, is UHVT_EINVAL and skipped; any other frame's buffer not
 * wholly in guest memory ends the guest before any frame moves.
 *
 * One write or readv per frame, in order, each straight between guest
 * memory and the (non-blocking) tap.  A read's buffer is followed by a
 * monitor scratch buffer in the same readv, so a frame too long for the
 * guest's buffer shows as a transfer longer than it (the tap cuts frames
 * silently to the room offered) and is dropped with UHVT_EINVAL and its
 * length; the buffer's contents are then unspecified.  Nothing waits: once
 * the tap is empty the remaining buffers get UHVT_EAGAIN, and a write the
 * tap refuses is UHVT_EIO (lost, as on a wire).
 */
hypercall_fn net_write, net_read, net_writev, net_readv;

#endif
