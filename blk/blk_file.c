/* blk_file.c: the host file or block device behind a disk: open, lock, size. */
#include "blk_file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blk_lock.h"

/*
 * Open `path` without waiting: O_NONBLOCK, so that a FIFO (which would wait
 * for a writer) or a device cannot hang the open, then refuse anything but
 * a regular file or a block device.  O_NONBLOCK is then cleared: an io_uring
 * would fail a read that must wait for the disk with EAGAIN rather than
 * retry it.  Returns the fd and its stat, or -1 with `why` set.
 */
static int file_open(const char *path, bool read_only, struct stat *st, char *why)
{
    int fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY |
                            O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        snprintf(why, OPTIONS_WHY_MAX, "%s: %s%s", path, strerror(e),
                 !read_only && (e == EACCES || e == EROFS)
                     ? " (--block-ro attaches it read-only)" : "");
        return -1;
    }
    if (fstat(fd, st) < 0) {
        snprintf(why, OPTIONS_WHY_MAX, "%s: %s", path, strerror(errno));
    } else if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode)) {
        snprintf(why, OPTIONS_WHY_MAX, "%s is %s, not a regular file or block device",
                 path, S_ISDIR(st->st_mode)    ? "a directory"
                       : S_ISFIFO(st->st_mode) ? "a FIFO"
                       : S_ISCHR(st->st_mode)  ? "a character device"
                       : S_ISSOCK(st->st_mode) ? "a socket"
                                               : "something else");
    } else {
        int flags = fcntl(fd, F_GETFL);
        if (flags >= 0 && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0)
            return fd;
        snprintf(why, OPTIONS_WHY_MAX, "%s: %s", path, strerror(errno));
    }
    close(fd);
    return -1;
}

/* The size of an open regular file or block device, or -1 with `why` set. */
static int file_size(int fd, const struct stat *st, const char *path,
                     uint64_t *size, char *why)
{
    if (S_ISREG(st->st_mode)) {
        *size = (uint64_t)st->st_size;
        return 0;
    }
    if (ioctl(fd, BLKGETSIZE64, size) < 0) {
        snprintf(why, OPTIONS_WHY_MAX, "%s: BLKGETSIZE64: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* `why` for a lock someone else holds: who, when the kernel lets us see. */
static void file_locked(int fd, const char *path, bool read_only, char *why)
{
    char comm[16];
    pid_t pid = blk_lock_holder(fd, read_only, comm);
    if (pid == getpid())
        snprintf(why, OPTIONS_WHY_MAX, "disk image %s is given for two disks", path);
    else if (pid > 0)
        snprintf(why, OPTIONS_WHY_MAX, "disk image %s is in use by PID %d (%s)", path,
                 (int)pid, comm[0] != '\0' ? comm : "?");
    else
        snprintf(why, OPTIONS_WHY_MAX, "disk image %s is in use by another process "
                 "(one this user cannot see)", path);
}

int blk_file_open(const char *path, bool read_only, uint32_t sector_size,
                  uint64_t *capacity, char why[OPTIONS_WHY_MAX])
{
    struct stat st;
    int fd = file_open(path, read_only, &st, why);
    if (fd < 0)
        return -1;
    if (blk_lock_take(fd, read_only) < 0) {
        if (errno == EAGAIN || errno == EACCES)
            file_locked(fd, path, read_only, why);
        else
            snprintf(why, OPTIONS_WHY_MAX, "%s: cannot lock: %s", path,
                     strerror(errno));
        goto fail;
    }
    /* Sized under the lock: no other uhvt may be writing it now. */
    uint64_t size;
    if (fstat(fd, &st) < 0) {
        snprintf(why, OPTIONS_WHY_MAX, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if (file_size(fd, &st, path, &size, why) < 0)
        goto fail;
    if (size == 0) {
        snprintf(why, OPTIONS_WHY_MAX, "disk image %s is empty", path);
        goto fail;
    }
    if (size % sector_size != 0) {
        snprintf(why, OPTIONS_WHY_MAX,
                 "disk image %s is %llu bytes, not a multiple of the %u-byte "
                 "sector size", path, (unsigned long long)size, sector_size);
        goto fail;
    }
    *capacity = size;
    return fd;
fail:
    close(fd);
    return -1;
}

int blk_file_reopen(int fd, const char *path, bool read_only, char why[OPTIONS_WHY_MAX])
{
    struct stat st, again;
    if (fstat(fd, &st) < 0) {
        snprintf(why, OPTIONS_WHY_MAX, "%s: %s", path, strerror(errno));
        return -1;
    }
    int other = file_open(path, read_only, &again, why);
    if (other < 0)
        return -1;
    if (again.st_dev != st.st_dev || again.st_ino != st.st_ino) {
        snprintf(why, OPTIONS_WHY_MAX, "disk image %s was replaced while uhvt "
                 "opened it", path);
        close(other);
        return -1;
    }
    return other;
}
