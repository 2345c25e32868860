/* mount_fill.c: fill the disk at /data with one file until ENOSPC, then close it: the image must stay consistent (suite-programs checks it with e2fsck). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    static char buf[65536];
    long n = 0, r;
    int fd = open("/data/fill", O_WRONLY | O_CREAT | O_TRUNC, 0600);

    if (fd < 0) {
        perror("open /data/fill");
        return 1;
    }
    memset(buf, 'f', sizeof buf);
    while ((r = write(fd, buf, sizeof buf)) > 0)
        n += r;
    printf("wrote %ld bytes, then %s\n", n, r < 0 ? strerror(errno) : "0");
    if (close(fd) != 0) {
        perror("close");
        return 1;
    }
    printf("closed\n");
    return 0;
}
