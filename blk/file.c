/* file.c: the host file or block device behind a disk: open, lock, size. */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * An OFD lock (not a classic POSIX one) belongs to the open file description,
 * so it conflicts even with another fd of this same process: the same image
 * given for two disks of one guest is refused as well.
 */
static int blk_file_lock(int fd, bool read_only)
{
    struct flock fl = {
        .l_type = read_only ? F_RDLCK : F_WRLCK,
        .l_whence = SEEK_SET,
        .l_start = 0,
        .l_len = 0, /* to the end, however the file grows */
    };
    return fcntl(fd, F_OFD_SETLK, &fl);
}

/* The size of an open regular file or block device, or -1 with `why` set. */
static int blk_file_size(int fd, const char *path, uint64_t *size, char *why)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        snprintf(why, OPTIONS_WHY_MAX, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISREG(st.st_mode)) {
        *size = (uint64_t)st.st_size;
        return 0;
    }
    if (S_ISBLK(st.st_mode)) {
        if (ioctl(fd, BLKGETSIZE64, size) < 0) {
            snprintf(why, OPTIONS_WHY_MAX, "%s: BLKGETSIZE64: %s", path,
                     strerror(errno));
            return -1;
        }
        return 0;
    }
    snprintf(why, OPTIONS_WHY_MAX, "%s is not a regular file or block device",
             path);
    return -1;
}

int blk_file_open(const char *path, bool read_only, uint32_t sector_size,
                  uint64_t *capacity, char why[OPTIONS_WHY_MAX])
{
    int fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        snprintf(why, OPTIONS_WHY_MAX, "%s: %s%s", path, strerror(e),
                 !read_only && (e == EACCES || e == EROFS)
                     ? " (--block-ro attaches it read-only)" : "");
        return -1;
    }
    if (blk_file_lock(fd, read_only) < 0) {
        if (errno == EAGAIN || errno == EACCES)
            snprintf(why, OPTIONS_WHY_MAX,
                     "disk image %s is in use by another uhvt", path);
        else
            snprintf(why, OPTIONS_WHY_MAX, "%s: cannot lock: %s", path,
                     strerror(errno));
        goto fail;
    }
    /* Sized under the lock: no other uhvt may be writing it now. */
    uint64_t size;
    if (blk_file_size(fd, path, &size, why) < 0)
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
