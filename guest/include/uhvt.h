/* uhvt.h: uhvt-specific calls for applications (beyond the C library). */
#ifndef UHVT_H
#define UHVT_H

#include <stdint.h>

#include "uhvt_abi.h"

/*
 * Nanoseconds since the guest booted, from the TSC.  Never decreases; the
 * same clock as CLOCK_MONOTONIC.
 */
uint64_t uhvt_clock_monotonic(void);

/*
 * Wait until a declared device has input or the monotonic clock reaches
 * `deadline_ns` (a deadline in the past just checks).  On return *ready
 * (if not NULL) has bit N set when manifest entry N has input; 0 means the
 * deadline passed.  Returns 0, or -(enum uhvt_ret) if the monitor refused
 * the request.  May return before the deadline with *ready == 0.
 */
int uhvt_poll(uint64_t deadline_ns, uint64_t *ready);

/*
 * The ready point: call it once the application is initialised and about
 * to wait for work (listening, caches warm).  Under uhvt --snapshot=FILE
 * the monitor saves the whole guest here and exits; every instance started
 * with uhvt --restore=FILE resumes from this call with its clocks moved on,
 * fresh entropy (getrandom, TCP sequence numbers, ephemeral ports), the
 * NIC's MAC asked again, and the restoring command line's --ipv4= and
 * --ipv4-gateway= applied.  Returns 1 in a restored instance, 0 where the
 * snapshot was taken and the guest goes on (--snapshot-continue), or
 * -UHVT_ENODEV in a run that takes no snapshot (then it does nothing),
 * -UHVT_EIO when the monitor could not write it.
 */
int uhvt_snapshot(void);

/*
 * The boot information the monitor passed (a copy made at boot, so it stays
 * valid for the guest's whole life).
 */
const struct uhvt_boot_info *uhvt_boot_info(void);

/*
 * The handle (manifest index) of the device declared at build time with
 * uhvt-cc --net=NAME or --block=NAME, matching `name` and `type` (enum
 * uhvt_dev_type; UHVT_DEV_NONE matches any type), or -1 if none is.
 */
int uhvt_device_find(const char *name, int type);

/*
 * Network devices (NICs), declared with uhvt-cc --net=NAME; find the handle
 * with uhvt_device_find(NAME, UHVT_DEV_NET).  Frames are whole Ethernet
 * frames (destination, source, EtherType, payload; no FCS).  Each call
 * returns -UHVT_ENODEV for a handle that is not an attached NIC.
 *
 * uhvt_net_info: the NIC's MAC address and the MTU of its host side; a frame
 * is at most mtu + 14 bytes.  Either pointer may be NULL.  Returns 0 or
 * -(enum uhvt_ret).
 */
int uhvt_net_info(int handle, uint8_t mac[6], uint32_t *mtu);

/*
 * Send one frame of `len` bytes: 14 <= len <= mtu + 14, else -UHVT_EINVAL.
 * Returns len, or -(enum uhvt_ret): -UHVT_EIO when the host refused it (the
 * frame is lost, as on a wire).  Never blocks.
 */
long uhvt_net_write(int handle, const void *frame, size_t len);

/*
 * Receive one frame into `buf`.  Returns its length, -UHVT_EAGAIN when none
 * is waiting (wait with uhvt_poll: bit `handle` of its ready set), or
 * -UHVT_EINVAL when len is 0 or the frame was longer than len: that frame is
 * dropped.  Offer mtu + 14 bytes and no frame is ever dropped so.  Never
 * blocks.
 *
 * For both: `frame` and `buf` must lie wholly in guest memory, or the
 * monitor ends the guest (status 123).
 */
long uhvt_net_read(int handle, void *buf, size_t len);

/*
 * Several frames with one hypercall and one host system call: `count`
 * (1..UHVT_BATCH_MAX) descriptors, each { data, len, ret }.
 *
 * uhvt_net_writev sends frames[i].len bytes at frames[i].data for each i;
 * frames[i].ret is UHVT_OK, UHVT_EINVAL (length out of range, not sent) or
 * UHVT_EIO (the host refused it: lost).  Returns the number sent.
 *
 * uhvt_net_readv receives waiting frames in arrival order, one into each
 * buffer of frames[i].len bytes: frames[i].ret is UHVT_OK with
 * frames[i].len the frame's length, UHVT_EAGAIN (no frame for this buffer),
 * or UHVT_EINVAL (a frame longer than the buffer, dropped; len its length;
 * the buffer's contents unspecified).  Returns the number received.
 *
 * Both return -(enum uhvt_ret) when the call as a whole is refused
 * (-UHVT_ENODEV, -UHVT_EINVAL for a count out of range); neither blocks.
 * The array and every buffer must lie wholly in guest memory (status 123).
 */
int uhvt_net_writev(int handle, struct uhvt_net_frame *frames, unsigned count);
int uhvt_net_readv(int handle, struct uhvt_net_frame *frames, unsigned count);

/*
 * Block devices (disks), declared with uhvt-cc --block=NAME; find the handle
 * with uhvt_device_find(NAME, UHVT_DEV_BLOCK).  Each call returns 0 or
 * -(enum uhvt_ret): -UHVT_ENODEV for a handle that is not an attached disk.
 * I/O is synchronous: when a call returns, it is done.
 *
 * uhvt_blk_info: the disk's size in bytes (a multiple of the sector size),
 * its sector size (512 or 4096) and whether it is read-only (1) or not (0).
 * Any of the pointers may be NULL.
 */
int uhvt_blk_info(int handle, uint64_t *capacity, uint32_t *sector_size,
                  int *read_only);

/*
 * Read or write `len` bytes at byte `offset` of the disk.  `offset` and
 * `len` must be multiples of the sector size, 0 < len <= UHVT_BLK_IO_MAX
 * (1 MiB), and the range inside the disk: else -UHVT_EINVAL.  A write to a
 * read-only disk gets -UHVT_EROFS; a host I/O error -UHVT_EIO.  `buf` must
 * lie wholly in guest memory, or the monitor ends the guest (status 123).
 *
 * A successful write is acknowledged by the host but survives a host crash
 * only after a successful uhvt_blk_flush.
 */
int uhvt_blk_read(int handle, uint64_t offset, void *buf, size_t len);
int uhvt_blk_write(int handle, uint64_t offset, const void *buf, size_t len);

/*
 * Make every write acknowledged so far durable (the host's fdatasync).
 * 0 only when it is; -UHVT_EIO if the host failed, after which the disk
 * refuses writes and flushes with -UHVT_EIO for the rest of the run.  On a
 * read-only disk there is nothing to flush: 0.
 */
int uhvt_blk_flush(int handle);

/*
 * Batched, asynchronous I/O: up to UHVT_BLK_QUEUE_MAX requests in flight,
 * each { tag, offset, data, len, op (UHVT_BLK_OP_READ, _WRITE, _FLUSH),
 * flags 0 }.  uhvt_blk_submit queues `count` (1..UHVT_BATCH_MAX) of them
 * with one hypercall, or none: -UHVT_EAGAIN when the queue lacks room (reap
 * first).  Returns 0 or -(enum uhvt_ret).  Each request later completes
 * with its tag and its own code, the same as the synchronous call's; a
 * buffer must stay untouched until then.  A FLUSH is a barrier: it starts
 * after every request submitted before it completed, and the requests
 * after it wait for it; on UHVT_OK every earlier write that completed
 * UHVT_OK is durable.
 *
 * uhvt_blk_reap copies up to `max` (1..UHVT_BATCH_MAX) completions into
 * `done` and returns how many (0: none yet; uhvt_poll sets bit `handle`
 * while completions wait), or -(enum uhvt_ret).
 *
 * The synchronous calls are not ordered with batched requests in flight.
 */
int uhvt_blk_submit(int handle, const struct uhvt_blk_req *reqs, unsigned count);
int uhvt_blk_reap(int handle, struct uhvt_blk_done *done, unsigned max);

#endif
