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

#endif
