/* blk.h: block devices, monitor side: attach a disk, serve its hypercalls. */
#ifndef BLK_H
#define BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "hypercall.h"

struct blk_queue; /* queue.c: the batched requests in flight */

/* One attached disk (the state of its struct vm_dev). */
struct blk_dev {
    int fd;               /* the backing file, locked (see blk_file_open) */
    uint64_t capacity;    /* bytes, a non-zero multiple of sector_size */
    uint32_t sector_size; /* 512 or 4096 */
    bool read_only;       /* fd is O_RDONLY; writes get UHVT_EROFS */
    bool failed;          /* a flush failed: nothing more is acknowledged */
    struct blk_queue *queue; /* the io_uring of BLK_SUBMIT; NULL: none */
};

/*
 * Check a request for [offset, offset + len) against disk `d`: both
 * multiples of the sector size, 0 < len <= UHVT_BLK_IO_MAX, and the range
 * inside the capacity, for any 64-bit values (no overflow).  Returns UHVT_OK
 * or UHVT_EINVAL.  Pure.
 */
int blk_check(const struct blk_dev *d, uint64_t offset, uint64_t len);

/* The disk module (DEVICE_MODULE), and its options' indices. */
extern const struct device_type blk_device;
/* BLK_OPT_SECTOR_SIZE is solo5-hvt's spelling of BLK_OPT_SECTOR. */
enum blk_option { BLK_OPT_FILE, BLK_OPT_RO, BLK_OPT_SECTOR, BLK_OPT_SECTOR_SIZE };

/*
 * device_attach_fn for UHVT_DEV_BLOCK: opens --block[:NAME]=FILE, read-only
 * with --block-ro[:NAME], sectors of --block-sector[:NAME]=512|4096 bytes.
 */
device_attach_fn blk_attach;

/*
 * The block hypercalls (hypercall_fn; see uhvt_abi.h for the structs).  A
 * handle that is not an attached disk gets UHVT_ENODEV; a bad range
 * UHVT_EINVAL; a write to a read-only disk UHVT_EROFS; a failed host
 * read, write or fdatasync UHVT_EIO.  A data buffer outside guest memory
 * (for a request otherwise valid) ends the guest: UHVT_EXIT_BAD_HYPERCALL.
 *
 * Durability: a write returns UHVT_OK only once the whole range is in the
 * host's page cache (pwrite completed); a flush returns UHVT_OK only once
 * fdatasync succeeded, so every write acknowledged before it is on stable
 * storage.  After a failed fdatasync the kernel may have dropped the dirty
 * pages, so the disk is marked failed and every later write and flush gets
 * UHVT_EIO: an acknowledgement is never given for data that may be lost.
 */
hypercall_fn blk_info, blk_read, blk_write, blk_flush;

#endif
