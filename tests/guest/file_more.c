/* file_more.c: test guest, also built for Linux: symlink depth, O_PATH, statx, fallocate, rename over an open file, removing while reading a directory, the working directory removed or renamed, /dev/std*, /proc/self/fd. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "probe.h"

static char buf[8192];
static char dir[] = "/tmp/file_more.XXXXXX";

/* readlink's answer with the scratch directory's name replaced by DIR. */
static void show_link(const char *path)
{
    long n = readlink(path, buf, sizeof buf - 1);
    size_t dl = strlen(dir);

    if (n < 0) {
        printf("readlink %s: -1 %s\n", path, probe_errno(errno));
        return;
    }
    buf[n] = '\0';
    if (strncmp(buf, dir, dl) == 0)
        printf("readlink %s: DIR%s\n", path, buf + dl);
    else
        printf("readlink %s: %s\n", path, buf);
}

static void show_nlink(const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0)
        printf("nlink %s: -1 %s\n", path, probe_errno(errno));
    else
        printf("nlink %s: %ld\n", path, (long)st.st_nlink);
}

int main(void)
{
    int fd, fd2;
    struct stat st;

    probe_start();
    if (mkdtemp(dir) == NULL || chdir(dir) != 0) {
        printf("no scratch directory: %s\n", probe_errno(errno));
        return 1;
    }
    NOTE("in %s", dir);
    umask(022);

    puts("== symlink depth");
    /* l0 -> f, l1 -> l0, ... l40 -> l39: 40 links to follow is the most. */
    CALL(close(open("f", O_CREAT | O_WRONLY, 0644)));
    CALL(symlink("f", "l0"));
    for (int i = 1; i <= 41; i++) {
        char from[16], to[16];
        snprintf(from, sizeof from, "l%d", i - 1);
        snprintf(to, sizeof to, "l%d", i);
        if (symlink(from, to) != 0)
            printf("symlink %s: %s\n", to, probe_errno(errno));
    }
    CALL(stat("l39", &st));
    CALL(stat("l40", &st));
    CALL(stat("l41", &st));
    CALL(lstat("l41", &st));
    for (int i = 0; i <= 41; i++) {
        snprintf(buf, sizeof buf, "l%d", i);
        unlink(buf);
    }
    CALL(symlink("f/", "slashlink"));
    CALL(open("slashlink", O_RDONLY));
    CALL(unlink("slashlink"));
    CALL(symlink(".", "dot"));
    CALL(open("dot/dot/dot/f", O_RDONLY) >= 0);
    CALL(unlink("dot"));

    puts("== O_PATH");
    CALL(fd = open("f", O_PATH));
    CALL(read(fd, buf, 1));
    CALL(write(fd, buf, 1));
    CALL(fstat(fd, &st));
    CALL(S_ISREG(st.st_mode));
    CALL(syscall(SYS_fchmod, fd, 0600));
    CALL(fsync(fd));
    CALL(fstatat(fd, "", &st, AT_EMPTY_PATH));
    CALL(close(fd));
    CALL(fd = open(".", O_PATH | O_DIRECTORY));
    CALL(openat(fd, "f", O_RDONLY) >= 0);
    CALL(syscall(SYS_getdents64, fd, buf, sizeof buf));
    CALL(close(fd));

    puts("== statx");
    struct {
        uint32_t mask, blksize;
        uint64_t attributes;
        uint32_t nlink, uid, gid;
        uint16_t mode, pad;
        uint64_t ino, size, blocks, amask;
        char rest[256 - 64];
    } sx;
    CALL(pwrite(open("f", O_WRONLY), "statx", 5, 0));
    CALL(syscall(SYS_statx, AT_FDCWD, "f", 0, 0x7ff, &sx));
    printf("statx: basic %d nlink %u mode %o size %lu\n",
           (sx.mask & 0x7ff) == 0x7ff, sx.nlink, sx.mode, (unsigned long)sx.size);
    CALL(syscall(SYS_statx, AT_FDCWD, "missing", 0, 0x7ff, &sx));
    CALL(syscall(SYS_statx, AT_FDCWD, "f", 0x6000, 0x7ff, &sx));
    CALL(syscall(SYS_statx, AT_FDCWD, "f", 0, 0x80000000u, &sx));
    CALL(close(3));

    puts("== fallocate");
    CALL(fd = open("f", O_RDWR));
    CALL(fallocate(fd, 0, 0, 10000));
    CALL(fstat(fd, &st));
    CALL(st.st_size);
    CALL(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 20000));
    CALL(fstat(fd, &st));
    CALL(st.st_size);
    CALL(fallocate(fd, 0, -1, 10));
    CALL(fallocate(fd, 0, 0, 0));
    CALL(pread(fd, buf, 10, 5));
    CALL(buf[0] == 0 && buf[9] == 0);
    CALL(close(fd));
    CALL(fd = open("f", O_RDONLY));
    CALL(fallocate(fd, 0, 0, 10));
    CALL(close(fd));

    puts("== large and sparse");
    {
        static char big[3 << 20];
        unsigned long sum = 0, sum2 = 0;
        for (size_t i = 0; i < sizeof big; i++)
            big[i] = (char)(i * 7 + i / 4096);
        CALL(fd = open("big", O_CREAT | O_RDWR | O_TRUNC, 0644));
        CALL(write(fd, big, sizeof big));
        CALL(pread(fd, big, sizeof big, 0));
        for (size_t i = 0; i < sizeof big; i++) {
            sum += (unsigned char)big[i] * (i % 251 + 1);
            sum2 += (unsigned char)(char)(i * 7 + i / 4096) * (i % 251 + 1);
        }
        CALL(sum == sum2);
        CALL(ftruncate(fd, (3 << 19) + 100));
        CALL(ftruncate(fd, 3 << 20));
        CALL(pread(fd, big, 200, (3 << 19) + 50));
        CALL(big[49] != 0 && big[50] == 0 && big[199] == 0);
        CALL(pwrite(fd, "far", 3, 1LL << 40));
        CALL(fstat(fd, &st));
        CALL(st.st_size == (1LL << 40) + 3);
        CALL(pread(fd, big, 8, (1LL << 40) - 5));
        CALL(memcmp(big, "\0\0\0\0\0far", 8));
        CALL(pread(fd, big, 8, 1LL << 30));
        CALL(big[0] == 0 && big[7] == 0);
        CALL(ftruncate(fd, 10));
        CALL(pread(fd, big, 8, 1LL << 40));
        CALL(pwrite(fd, "x", 1, 0x7fffffffffffffffLL));
        CALL(close(fd));
        CALL(unlink("big"));
    }

    puts("== rename over an open file");
    CALL(fd = open("old", O_CREAT | O_RDWR, 0644));
    CALL(write(fd, "old data", 8));
    CALL(fd2 = open("new", O_CREAT | O_WRONLY, 0644));
    CALL(write(fd2, "new", 3));
    CALL(close(fd2));
    CALL(rename("new", "old"));
    CALL(pread(fd, buf, 100, 0));
    CALL(fstat(fd, &st));
    CALL(st.st_nlink);
    CALL(fd2 = open("old", O_RDONLY));
    CALL(read(fd2, buf, 100));
    CALL(close(fd2));
    CALL(close(fd));
    CALL(access("new", F_OK));

    puts("== directory link counts");
    CALL(mkdir("d", 0755));
    show_nlink("d");
    CALL(mkdir("d/a", 0755));
    CALL(mkdir("d/b", 0755));
    show_nlink("d");
    CALL(rename("d/a", "d/b/a"));
    show_nlink("d");
    show_nlink("d/b");
    CALL(rename("d/b/a", "d/b"));
    CALL(rmdir("d/b/a"));
    CALL(rename("d/b", "d/c"));
    show_nlink("d");

    puts("== removing while reading a directory");
    for (int i = 0; i < 100; i++) {
        snprintf(buf, sizeof buf, "d/x%03d", i);
        close(open(buf, O_CREAT | O_WRONLY, 0644));
    }
    DIR *dp = opendir("d");
    struct dirent *e;
    int seen = 0, removed = 0;
    while ((e = readdir(dp)) != NULL) {
        seen++;
        if (e->d_name[0] == 'x') {
            snprintf(buf, sizeof buf, "d/%s", e->d_name);
            removed += unlink(buf) == 0;
        }
    }
    closedir(dp);
    printf("seen %d, removed %d\n", seen, removed);
    CALL(rmdir("d/c"));
    CALL(rmdir("d"));

    puts("== working directory removed, renamed");
    CALL(mkdir("w", 0755));
    CALL(mkdir("w/in", 0755));
    CALL(chdir("w/in"));
    CALL(rename("../../w", "../../w2"));
    CALL(getcwd(buf, sizeof buf) != NULL);
    printf("cwd ends in %s\n", strrchr(buf, '/') - 3);
    CALL(rmdir("../in"));
    CALL(getcwd(buf, sizeof buf) != NULL);
    CALL(open("x", O_CREAT | O_WRONLY, 0644));
    CALL(mkdir("y", 0755));
    CALL(chdir(".."));
    CALL(getcwd(buf, sizeof buf) != NULL);
    CALL(rmdir("../w2"));
    CALL(chdir(dir));

    puts("== sendfile, copy_file_range");
    {
        int src, dst, pp[2];
        off_t off = 2;
        CALL(src = open("src", O_CREAT | O_RDWR, 0644));
        for (int i = 0; i < 3000; i++)
            dprintf(src, "%04d ", i);
        CALL(lseek(src, 5, SEEK_SET));
        CALL(pipe(pp));
        CALL(sendfile(pp[1], src, &off, 10));
        CALL(off);
        CALL(lseek(src, 0, SEEK_CUR));
        CALL(sendfile(pp[1], src, NULL, 5));
        CALL(lseek(src, 0, SEEK_CUR));
        memset(buf, 0, 64);
        CALL(read(pp[0], buf, 64));
        printf("through the pipe: %s\n", buf);
        CALL(sendfile(pp[1], pp[0], NULL, 5));
        CALL(sendfile(src, pp[1], NULL, 5));
        CALL(sendfile(99, src, NULL, 5));
        off = 15000;
        CALL(sendfile(pp[1], src, &off, 5));
        CALL(dst = open("dst", O_CREAT | O_RDWR, 0644));
        off_t in = 100, outo = 0;
        CALL(copy_file_range(src, &in, dst, &outo, 20000, 0));
        CALL(in);
        CALL(outo);
        CALL(pread(dst, buf, 10, 0));
        printf("copied: %.10s\n", buf);
        CALL(copy_file_range(src, NULL, dst, NULL, 10, 0));
        CALL(lseek(src, 0, SEEK_CUR));
        CALL(lseek(dst, 0, SEEK_CUR));
        CALL(copy_file_range(src, NULL, dst, NULL, 10, 1));
        in = 0;
        outo = 5;
        CALL(copy_file_range(src, &in, src, &outo, 10, 0));
        CALL(copy_file_range(src, NULL, pp[1], NULL, 10, 0));
        CALL(close(pp[0]));
        CALL(close(pp[1]));
        CALL(close(src));
        CALL(close(dst));
        CALL(unlink("src"));
        CALL(unlink("dst"));
    }

    puts("== flock, fadvise, readahead");
    {
        int lf, pp[2];
        CALL(lf = open("lockfile", O_CREAT | O_RDWR, 0644));
        CALL(flock(lf, LOCK_EX));
        CALL(flock(lf, LOCK_SH | LOCK_NB));
        CALL(flock(lf, LOCK_UN));
        CALL(flock(lf, 0));
        CALL(flock(lf, LOCK_SH | LOCK_EX));
        CALL(flock(99, LOCK_EX));
        CALL(posix_fadvise(lf, 0, 0, POSIX_FADV_SEQUENTIAL));
        CALL(posix_fadvise(lf, 0, 0, 77));
        CALL(posix_fadvise(lf, 0, -1, POSIX_FADV_NORMAL));
        CALL(posix_fadvise(99, 0, 0, POSIX_FADV_NORMAL));
        CALL(pipe(pp));
        CALL(posix_fadvise(pp[0], 0, 0, POSIX_FADV_NORMAL));
        CALL(flock(pp[0], LOCK_EX));
        CALL(readahead(lf, 0, 4096));
        CALL(readahead(pp[0], 0, 4096));
        CALL(close(pp[0]));
        CALL(close(pp[1]));
        CALL(close(lf));
        CALL(unlink("lockfile"));
    }

    puts("== tmpfile");
    FILE *t = tmpfile();
    CALL(t != NULL);
    CALL(fputs("in a tmpfile", t) >= 0);
    rewind(t);
    CALL(fgets(buf, sizeof buf, t) != NULL && strcmp(buf, "in a tmpfile") == 0);
    CALL(fclose(t));

    puts("== /dev/std*, /proc/self");
    int p[2];
    char pname[64];
    CALL(pipe(p));
    snprintf(pname, sizeof pname, "/proc/self/fd/%d", p[1]);
    CALL(fd = open(pname, O_WRONLY));
    CALL(write(fd, "via /proc", 9));
    CALL(read(p[0], buf, sizeof buf));
    CALL(close(fd));
    CALL(close(p[0]));
    CALL(close(p[1]));
    CALL(fd = open("f", O_RDONLY));
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    show_link(link);
    CALL(fd2 = open(link, O_RDONLY));
    CALL(read(fd2, buf, 5));
    {
        char link2[64];
        snprintf(link2, sizeof link2, "/proc/self/fd/%d", fd2);
        show_link(link2);
    }
    CALL(close(fd2));
    CALL(rename("f", "g"));
    CALL(fd2 = open(link, O_RDONLY));
    CALL(close(fd2));
    CALL(close(fd));
    CALL(open(link, O_RDONLY));
    show_link("/dev/stdin");
    show_link("/dev/fd");
    show_link("/proc/self/cwd");
    CALL(stat("/dev/stdout", &st));
    CALL(fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY));
    CALL(syscall(SYS_getdents64, fd, buf, sizeof buf) > 0);
    CALL(close(fd));
    CALL(access("/proc/self/fd/0", F_OK));
    CALL(access("/proc/self/fd/77", F_OK));
    CALL(unlink("g"));
    CALL(unlink("old"));
    CALL(chdir("/"));
    CALL(rmdir(dir));
    puts("done");
    return 0;
}
