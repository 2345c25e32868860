/* blk_file.h: the host file or block device behind a disk: open, lock, size. */
#ifndef BLK_FILE_H
#define BLK_FILE_H

#include <stdbool.h>
#include <stdint.h>

#include "options.h"

/*
 * Open `path` (a regular file or a block device) for a disk with sectors of
 * `sector_size` bytes: O_RDWR, or O_RDONLY when `read_only`, close-on-exec.
 * Anything else (a FIFO, a directory, a terminal) is refused without
 * waiting for it.  The whole file is locked with an open-file-description
 * lock (blk_lock_take): a write lock for read-write, a shared one for
 * read-only, so no two monitors attach the same image while one of them
 * may write it.  The lock lasts as long as this fd: closing it, or the
 * monitor's exit however it comes (even SIGKILL), releases it at once --
 * while the disk's io_uring, on its own unlocked description
 * (blk_file_reopen), may still finish a request the dead monitor left in
 * flight: only requests no one acknowledged.
 *
 * On success returns the fd and sets *capacity to the size in bytes, which
 * is a non-zero multiple of `sector_size`.  Returns -1 with a message in
 * `why` if the file cannot be opened, is of another kind, is locked (naming
 * the holder's PID when it can be found), is empty, or its size is not
 * whole sectors.
 */
int blk_file_open(const char *path, bool read_only, uint32_t sector_size,
                  uint64_t *capacity, char why[OPTIONS_WHY_MAX]);

/*
 * A second open file description of `path`, whose locked fd is `fd`, with
 * the same access and no lock: for the disk's io_uring, whose registered
 * files the kernel releases only asynchronously after exit, so the lock's
 * description must stay out of it.  Refuses a path that no longer names
 * the file of `fd`.  Returns the fd, or -1 with `why`.
 */
int blk_file_reopen(int fd, const char *path, bool read_only, char why[OPTIONS_WHY_MAX]);

#endif
