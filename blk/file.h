/* file.h: the host file or block device behind a disk: open, lock, size. */
#ifndef BLK_FILE_H
#define BLK_FILE_H

#include <stdbool.h>
#include <stdint.h>

#include "options.h"

/*
 * Open `path` (a regular file or a block device) for a disk with sectors of
 * `sector_size` bytes: O_RDWR, or O_RDONLY when `read_only`, close-on-exec.
 * The whole file is locked with an open-file-description lock: a write lock
 * for read-write, a shared one for read-only, so no two monitors ever have
 * the same image open while one of them may write it.  The lock lasts as
 * long as the fd (the life of the monitor).
 *
 * On success returns the fd and sets *capacity to the size in bytes, which
 * is a non-zero multiple of `sector_size`.  Returns -1 with a message in
 * `why` if the file cannot be opened, is of another kind, is locked, is
 * empty, or its size is not whole sectors.
 */
int blk_file_open(const char *path, bool read_only, uint32_t sector_size,
                  uint64_t *capacity, char why[OPTIONS_WHY_MAX]);

#endif
