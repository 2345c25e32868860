/* file_basic.c: test guest, also built for Linux: the core file calls on /tmp — open's flags, read/write/lseek and shared offsets, pread/pwrite and holes, O_APPEND, truncation, stat, directories and getdents, rename, links, symlinks, errno classes. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include "probe.h"

static char buf[8192];

static void show_stat(const char *path, int follow)
{
    struct stat st;
    int r = follow ? stat(path, &st) : lstat(path, &st);

    if (r < 0) {
        printf("stat %s: -1 %s\n", path, probe_errno(errno));
        return;
    }
    printf("stat %s: type %o perm %o nlink %ld size %ld\n", path,
           (unsigned)(st.st_mode & S_IFMT) >> 12, (unsigned)(st.st_mode & 07777),
           (long)st.st_nlink, S_ISDIR(st.st_mode) ? -1L : (long)st.st_size);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted (the order is the filesystem's). */
static void show_dir(const char *path)
{
    static char names[64][NAME_MAX + 8];
    char *sorted[64];
    int n = 0;
    DIR *d = opendir(path);
    struct dirent *e;

    if (d == NULL) {
        printf("opendir %s: %s\n", path, probe_errno(errno));
        return;
    }
    while ((e = readdir(d)) != NULL && n < 64) {
        snprintf(names[n], sizeof names[n], "%s:%d", e->d_name, e->d_type);
        sorted[n] = names[n];
        n++;
    }
    closedir(d);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp);
    printf("dir %s:", path);
    for (int i = 0; i < n; i++)
        printf(" %s", sorted[i]);
    putchar('\n');
}

static void show_read(int fd, size_t len)
{
    memset(buf, '?', sizeof buf);
    long r = read(fd, buf, len);
    printf("read %zu: %ld", len, r);
    if (r > 0) {
        printf(" \"");
        for (long i = 0; i < r; i++)
            putchar(buf[i] ? buf[i] : '0');
        putchar('"');
    }
    putchar('\n');
}

int main(void)
{
    char dir[] = "/tmp/file_basic.XXXXXX";
    int fd, fd2, fd3;

    probe_start();
    if (mkdtemp(dir) == NULL || chdir(dir) != 0) {
        printf("no scratch directory: %s\n", probe_errno(errno));
        return 1;
    }
    NOTE("in %s", dir);
    umask(022);

    puts("== open");
    CALL(fd = open("a", O_WRONLY | O_CREAT | O_EXCL, 0666));
    CALL(write(fd, "hello", 5));
    CALL(close(fd));
    CALL(open("a", O_WRONLY | O_CREAT | O_EXCL, 0666));
    CALL(open("missing", O_RDONLY));
    CALL(open("a/", O_RDONLY));
    CALL(open("a/b", O_RDONLY));
    CALL(open("new/", O_WRONLY | O_CREAT, 0644));
    CALL(open("a", O_RDONLY | O_DIRECTORY));
    CALL(open(".", O_WRONLY));
    CALL(open(".", O_RDWR));
    CALL(open(".", O_RDONLY | O_TRUNC));
    CALL(open("", O_RDONLY));
    CALL(open(BAD, O_RDONLY));
    CALL(open("nodir/x", O_RDONLY | O_CREAT, 0644));
    show_stat("a", 1);

    puts("== read, write, lseek");
    CALL(fd = open("a", O_RDWR));
    show_read(fd, 3);
    CALL(lseek(fd, 0, SEEK_CUR));
    show_read(fd, 100);
    show_read(fd, 100);
    CALL(lseek(fd, 1, SEEK_SET));
    show_read(fd, 2);
    CALL(lseek(fd, -1, SEEK_END));
    show_read(fd, 10);
    CALL(lseek(fd, -10, SEEK_SET));
    CALL(lseek(fd, 0, 7));
    CALL(lseek(fd, 0, SEEK_DATA));
    CALL(lseek(fd, 5, SEEK_DATA));
    CALL(lseek(fd, 0, SEEK_HOLE));
    CALL(lseek(fd, 0, SEEK_SET));
    CALL(read(fd, BAD, 4));
    CALL(lseek(fd, 0, SEEK_CUR));
    CALL(write(fd, "HE", 2));
    show_read(fd, 10);

    puts("== pread, pwrite, holes");
    CALL(pwrite(fd, "Z", 1, 10));
    show_stat("a", 1);
    CALL(lseek(fd, 0, SEEK_CUR));
    CALL(pread(fd, buf, 20, 3));
    CALL(memcmp(buf, "lo\0\0\0\0\0Z", 8));
    CALL(pread(fd, buf, 4, -1));
    CALL(pread(fd, buf, 4, 100));
    CALL(pwrite(fd, "q", 1, 8192 * 3 + 5));
    show_stat("a", 1);
    CALL(pread(fd, buf, 2, 8192 * 2));
    CALL(buf[0] == 0 && buf[1] == 0);
    struct iovec v[2] = { { buf, 2 }, { buf + 100, 3 } };
    CALL(preadv(fd, v, 2, 0));
    CALL(memcmp(buf, "HE", 2) == 0 && memcmp(buf + 100, "llo", 3) == 0);
    CALL(lseek(fd, 0, SEEK_SET));
    CALL(readv(fd, v, 2));
    CALL(lseek(fd, 0, SEEK_CUR));
    CALL(pipe((int[2]){ 0 }));
    CALL(pread(5, buf, 1, 0));
    CALL(close(5));
    CALL(close(6));

    puts("== dup shares the offset; open does not");
    CALL(fd2 = dup(fd));
    CALL(lseek(fd, 2, SEEK_SET));
    CALL(lseek(fd2, 0, SEEK_CUR));
    CALL(fd3 = open("a", O_RDONLY));
    CALL(lseek(fd3, 0, SEEK_CUR));
    CALL(write(fd3, "x", 1));
    CALL(close(fd2));
    CALL(close(fd3));

    puts("== O_APPEND");
    CALL(fd2 = open("a", O_WRONLY | O_APPEND));
    CALL(lseek(fd2, 0, SEEK_SET));
    CALL(write(fd2, "END", 3));
    CALL(lseek(fd2, 0, SEEK_CUR));
    CALL(fcntl(fd2, F_GETFL) & O_APPEND);
    CALL(fcntl(fd2, F_SETFL, 0));
    CALL(lseek(fd2, 0, SEEK_SET));
    CALL(write(fd2, "S", 1));
    show_stat("a", 1);
    CALL(close(fd2));

    puts("== truncate");
    CALL(ftruncate(fd, 3));
    show_stat("a", 1);
    CALL(lseek(fd, 0, SEEK_SET));
    show_read(fd, 10);
    CALL(ftruncate(fd, -1));
    CALL(fd2 = open("a", O_RDONLY));
    CALL(ftruncate(fd2, 1));
    CALL(close(fd2));
    CALL(truncate("a", 6));
    CALL(pread(fd, buf, 10, 0));
    CALL(memcmp(buf, "HEl\0\0\0", 6));
    CALL(truncate("missing", 1));
    CALL(truncate(".", 1));
    CALL(fd2 = open("a", O_RDWR | O_TRUNC));
    show_stat("a", 1);
    CALL(close(fd2));
    CALL(write(fd, "abcdef", 6));
    CALL(close(fd));

    puts("== directories");
    CALL(mkdir("d", 0777));
    CALL(mkdir("d", 0777));
    CALL(mkdir("d/x/y", 0777));
    CALL(mkdir("a/x", 0777));
    CALL(mkdir("d2/", 0700));
    show_stat("d", 1);
    show_stat("d2", 1);
    CALL(close(open("d/f1", O_CREAT | O_WRONLY, 0600)));
    CALL(close(open("d/f2", O_CREAT | O_WRONLY, 0600)));
    CALL(mkdir("d/sub", 0755));
    show_stat("d", 1);
    show_dir("d");
    show_dir(".");
    CALL(rmdir("d"));
    CALL(rmdir("a"));
    CALL(rmdir("."));
    CALL(rmdir("d/sub/.."));
    CALL(rmdir("missing"));
    CALL(unlink("d"));
    CALL(unlink("d/sub/"));
    CALL(unlink("a/"));
    CALL(fd = open("d", O_RDONLY | O_DIRECTORY));
    CALL(read(fd, buf, 10));
    CALL(write(fd, buf, 1));
    CALL(syscall(SYS_getdents64, fd, buf, 10));
    CALL(syscall(SYS_getdents64, fd, BAD, sizeof buf));
    CALL(close(fd));
    CALL(fd = open("a", O_RDONLY));
    CALL(syscall(SYS_getdents64, fd, buf, sizeof buf));
    CALL(close(fd));

    puts("== rename");
    CALL(rename("a", "d/f1"));
    show_stat("d/f1", 1);
    show_stat("a", 1);
    CALL(rename("d/f1", "d/f1"));
    CALL(rename("missing", "b"));
    CALL(rename("d/sub", "d/f2"));
    CALL(rename("d/f2", "d/sub"));
    CALL(rename("d", "d/sub/inner"));
    CALL(rename("d", "d"));
    CALL(mkdir("e", 0755));
    CALL(rename("e", "d"));
    CALL(rename("d", "e"));
    show_dir("e");
    CALL(rename("e/f2", "e/f2/"));
    CALL(rename(".", "x"));
    CALL(rename("e/sub", "e/sub2/"));
    CALL(syscall(SYS_renameat2, AT_FDCWD, "e/f1", AT_FDCWD, "e/f2", 1));
    CALL(syscall(SYS_renameat2, AT_FDCWD, "e/f1", AT_FDCWD, "e/f3", 1));
    CALL(syscall(SYS_renameat2, AT_FDCWD, "e/f3", AT_FDCWD, "e/f4", 8 << 8));
    show_dir("e");

    puts("== links");
    CALL(link("e/f3", "h"));
    show_stat("h", 1);
    CALL(link("e/f3", "h"));
    CALL(link("e", "edir"));
    CALL(link("missing", "m"));
    CALL(unlink("e/f3"));
    show_stat("h", 1);

    puts("== symlinks");
    CALL(symlink("h", "s"));
    CALL(symlink("h", "s"));
    CALL(symlink("", "s2"));
    CALL(readlink("s", buf, sizeof buf));
    CALL(readlink("s", buf, 1));
    CALL(buf[0] == 'h');
    CALL(readlink("h", buf, sizeof buf));
    CALL(syscall(SYS_readlink, "s", buf, 0));
    show_stat("s", 1);
    show_stat("s", 0);
    CALL(fd = open("s", O_RDONLY));
    CALL(close(fd));
    CALL(open("s", O_RDONLY | O_NOFOLLOW));
    CALL(open("s/", O_RDONLY));
    CALL(open("s", O_CREAT | O_EXCL | O_WRONLY, 0644));
    CALL(symlink("loop2", "loop1"));
    CALL(symlink("loop1", "loop2"));
    CALL(open("loop1", O_RDONLY));
    CALL(symlink("nowhere", "dangle"));
    show_stat("dangle", 1);
    show_stat("dangle", 0);
    CALL(symlink("e", "elink"));
    show_dir("elink/");
    show_stat("elink/sub", 1);
    CALL(symlink("/", "rootlink"));
    CALL(access("rootlink/tmp", F_OK));
    CALL(unlink("elink"));
    CALL(unlink("dangle"));
    CALL(unlink("loop1"));
    CALL(unlink("loop2"));
    CALL(unlink("rootlink"));

    puts("== names");
    memset(buf, 'n', 300);
    buf[255] = '\0';
    CALL(close(open(buf, O_CREAT | O_WRONLY, 0644)));
    CALL(unlink(buf));
    buf[255] = 'n';
    buf[256] = '\0';
    CALL(open(buf, O_CREAT | O_WRONLY, 0644));
    CALL(mkdir(buf, 0755));
    for (int i = 0; i < 5000; i++)
        buf[i] = i % 2 ? '/' : '.';
    buf[5000] = '\0';
    CALL(open(buf, O_RDONLY));
    buf[4094] = '\0';
    CALL(open(buf, O_RDONLY | O_DIRECTORY) >= 0);

    puts("== unlinked but open");
    char tmpl[] = "tmpXXXXXX";
    CALL((fd = mkstemp(tmpl)) >= 0);
    CALL(unlink(tmpl));
    CALL(write(fd, "kept", 4));
    struct stat st;
    CALL(fstat(fd, &st));
    printf("fstat: nlink %ld size %ld\n", (long)st.st_nlink, (long)st.st_size);
    CALL(pread(fd, buf, 10, 0));
    CALL(access(tmpl, F_OK));
    CALL(close(fd));

    puts("== working directory");
    char cwd[PATH_MAX];
    CALL(getcwd(cwd, sizeof cwd) != NULL);
    CALL(strcmp(cwd, dir));
    CALL(chdir("e/sub"));
    CALL(getcwd(cwd, sizeof cwd) != NULL);
    CALL(strcmp(cwd + strlen(dir), "/e/sub"));
    CALL(getcwd(cwd, 3) != NULL);
    CALL(chdir("../.."));
    CALL(chdir("h"));
    CALL(chdir("missing"));
    CALL(fd = open("e", O_RDONLY | O_DIRECTORY));
    CALL(fchdir(fd));
    CALL(access("sub", F_OK));
    CALL(chdir(dir));
    CALL(openat(fd, "sub", O_RDONLY | O_DIRECTORY) >= 0);
    CALL(mkdirat(fd, "sub/deeper", 0755));
    CALL(faccessat(fd, "sub/deeper", F_OK, 0));
    CALL(unlinkat(fd, "sub/deeper", AT_REMOVEDIR));
    CALL(fd2 = open("h", O_RDONLY));
    CALL(openat(fd2, "x", O_RDONLY));
    CALL(openat(99, "x", O_RDONLY));
    CALL(openat(99, "/tmp", O_RDONLY | O_DIRECTORY) >= 0);
    CALL(fchdir(fd2));
    CALL(close(fd2));

    puts("== attributes");
    CALL(chmod("h", 0640));
    show_stat("h", 1);
    CALL(fd2 = open("h", O_RDONLY));
    CALL(fchmod(fd2, 0604));
    show_stat("h", 1);
    struct timespec ts[2] = { { 1000000000, 5 }, { 1200000000, 7 } };
    CALL(utimensat(AT_FDCWD, "h", ts, 0));
    CALL(fstat(fd2, &st));
    printf("times %ld.%ld %ld.%ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1].tv_nsec = 1000000000;
    CALL(utimensat(AT_FDCWD, "h", ts, 0));
    CALL(fstatat(AT_FDCWD, "h", &st, 0x1));
    CALL(fstatat(fd2, "", &st, AT_EMPTY_PATH));
    CALL(st.st_size);
    CALL(access("h", R_OK));
    CALL(access("h", 8));
    CALL(access("missing", F_OK));
    CALL(close(fd2));

    puts("== poll on a file");
    CALL(fd2 = open("h", O_RDWR));
    struct pollfd p = { .fd = fd2, .events = POLLIN | POLLOUT };
    CALL(poll(&p, 1, 0));
    CALL(p.revents);
    int ep;
    CALL(ep = epoll_create1(0));
    struct epoll_event ev = { .events = EPOLLIN };
    CALL(epoll_ctl(ep, EPOLL_CTL_ADD, fd2, &ev));
    CALL(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    CALL(close(ep));
    CALL(fsync(fd2));
    CALL(fdatasync(fd2));
    CALL(fsync(99));
    CALL(close(fd2));
    CALL(close(fd));

    puts("== devices");
    CALL(fd = open("/dev/null", O_RDWR));
    CALL(write(fd, "gone", 4));
    CALL(read(fd, buf, 10));
    CALL(lseek(fd, 100, SEEK_SET));
    CALL(close(fd));
    CALL(fd = open("/dev/zero", O_RDONLY));
    memset(buf, 1, 8);
    CALL(read(fd, buf, 8));
    CALL(buf[0] | buf[7]);
    CALL(close(fd));
    CALL(fd = open("/dev/full", O_WRONLY));
    CALL(write(fd, "x", 1));
    CALL(close(fd));
    CALL(fd = open("/dev/urandom", O_RDONLY));
    CALL(read(fd, buf, 64));
    CALL(close(fd));
    CALL(stat("/dev/null", &st));
    printf("/dev/null: chr %d rdev %u:%u\n", S_ISCHR(st.st_mode),
           major(st.st_rdev), minor(st.st_rdev));
    CALL(mknod("fifo", S_IFCHR | 0600, 0x103));
    CALL(close(open("/dev/null", O_WRONLY | O_TRUNC)));

    puts("== cleanup");
    CALL(unlink("h"));
    CALL(unlink("s"));
    CALL(rmdir("e/sub"));
    CALL(unlink("e/f2"));
    CALL(unlink("e/f4"));
    CALL(rmdir("e"));
    CALL(rmdir("d2"));
    show_dir(".");
    CALL(chdir("/"));
    CALL(rmdir(dir));
    puts("done");
    return 0;
}
