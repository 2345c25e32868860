/* net_batch.h: several frames per hypercall on a NIC (NET_WRITEV, NET_READV). */
#ifndef NET_BATCH_H
#define NET_BATCH_H

#include "hypercall.h"
#include "net.h"

/*
 * NET_WRITEV and NET_READV (hypercall_fn; see uhvt_abi.h).  Checks, the
 * first failing deciding: the handle (UHVT_ENODEV); count 0 or above
 * UHVT_BATCH_MAX (UHVT_EINVAL); the frame array not 8-byte aligned or not
 * wholly in guest memory, or (after the array is copied out) any frame's
 * buffer with an acceptable length not wholly in guest memory: the guest
 * ends and nothing is sent.  Per frame: a write's len below 14 or above
 * mtu + 14, or a read's len 0, is UHVT_EINVAL and skipped.
 *
 * One write or readv per frame, in order, each straight between guest
 * memory and the (non-blocking) tap.  A read's buffer is followed by a
 * monitor scratch buffer in the same readv, so a frame too long for the
 * guest's buffer shows as a transfer longer than it (the tap cuts frames
 * silently to the room offered) and is dropped with UHVT_EINVAL.  Nothing
 * waits: once the tap is empty the remaining buffers get UHVT_EAGAIN, and a
 * write the tap refuses is UHVT_EIO (lost, as on a wire).
 */
hypercall_fn net_writev, net_readv;

#endif
