/* file_mmap.c: mmap of files (a copy in the guest) probed against Linux: contents, offsets, the zeroed tail, private writes, and the errors. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "probe.h"

#define PATH "/tmp/file_mmap.data"
#define SIZE 10000 /* two pages and a part */

static char want[SIZE];

/* Whether p holds the file's bytes from off, then zeros to the page's end. */
static int file_mmap_same(const char *p, size_t off, size_t len)
{
    size_t i;

    for (i = 0; i < len && off + i < SIZE; i++)
        if (p[i] != want[off + i])
            return 0;
    for (; i < len; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

int main(void)
{
    char *p;
    int fd, wr, pfd[2];

    probe_start();
    for (int i = 0; i < SIZE; i++)
        want[i] = (char)(i * 31 + 7);
    unlink(PATH);
    fd = CALL(open(PATH, O_RDWR | O_CREAT | O_EXCL, 0600));
    CALL(write(fd, want, SIZE));

    /* Private, read-only: the file's bytes, zeros past its end. */
    p = mmap(NULL, 12288, PROT_READ, MAP_PRIVATE, fd, 0);
    CALL(p != MAP_FAILED);
    CALL(file_mmap_same(p, 0, 12288));
    CALL(munmap(p, 12288));
    /* From a page offset. */
    p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 4096);
    CALL(p != MAP_FAILED);
    CALL(file_mmap_same(p, 4096, 8192));
    CALL(munmap(p, 8192));
    /* Private and writable: the writes stay in the mapping. */
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CALL(p != MAP_FAILED);
    memset(p, 'x', 100);
    char buf[100];
    CALL(pread(fd, buf, sizeof buf, 0));
    CALL(memcmp(buf, want, sizeof buf) == 0);
    CALL(munmap(p, 4096));
    /* Shared, read-only. */
    p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CALL(p != MAP_FAILED);
    CALL(file_mmap_same(p, 0, 4096));
    CALL(munmap(p, 4096));

    /* The errors. */
    CALL(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED);
    CALL(errno == EINVAL);
    CALL(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED);
    CALL(errno == EBADF);
    wr = CALL(open(PATH, O_WRONLY));
    CALL(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, wr, 0) == MAP_FAILED);
    CALL(errno == EACCES);
    close(wr);
    wr = CALL(open(PATH, O_RDONLY));
    CALL(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, wr, 0) == MAP_FAILED);
    CALL(errno == EACCES);
    close(wr);
    wr = CALL(open("/tmp", O_RDONLY | O_DIRECTORY));
    CALL(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, wr, 0) == MAP_FAILED);
    CALL(errno == ENODEV);
    close(wr);
    CALL(pipe(pfd));
    CALL(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, pfd[0], 0) == MAP_FAILED);
    CALL(errno == ENODEV);
    /* Shared and writable: Linux maps it, the guest says ENODEV. */
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    NOTE("shared writable: %s", p == MAP_FAILED ? probe_errno(errno) : "mapped");

    CALL(close(fd));
    CALL(unlink(PATH));
    puts("done");
    return 0;
}
