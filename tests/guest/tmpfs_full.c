/* tmpfs_full.c: test guest: /tmp fills its half of guest memory; the write that finds no room fails with ENOSPC, the program can still allocate, and the space comes back with unlink. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char chunk[65536];

/* Write until a write fails; the bytes written. */
static long fill(const char *path, int *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    long total = 0, r;

    if (fd < 0) {
        *err = errno;
        return 0;
    }
    while ((r = write(fd, chunk, sizeof chunk)) > 0)
        total += r;
    *err = r < 0 ? errno : 0;
    close(fd);
    return total;
}

int main(void)
{
    int err;

    memset(chunk, 'x', sizeof chunk);
    long first = fill("/tmp/big", &err);
    printf("wrote %ld MiB, then %s\n", first >> 20,
           err == ENOSPC ? "ENOSPC" : strerror(err));
    /* Even a new name may fail now; what matters is that nothing breaks. */
    int fd = open("/tmp/small", O_WRONLY | O_CREAT, 0600);
    printf("a new file when full: %s\n", fd >= 0 ? "made" : strerror(errno));
    char *p = malloc(4 << 20);
    if (p != NULL)
        memset(p, 1, 4 << 20);
    printf("malloc 4 MiB when full: %s\n", p != NULL ? "ok" : "failed");
    free(p);
    if (fd >= 0) {
        close(fd);
        unlink("/tmp/small");
    }
    printf("unlink: %d\n", unlink("/tmp/big"));
    long second = fill("/tmp/big", &err);
    printf("again: %s\n", second >= first - (first >> 4) && err == ENOSPC ?
                              "as much space as before" : "space was lost");
    return 0;
}
