/* file_random.c: test guest, also built for Linux: a fixed pseudo-random sequence of name operations (create, mkdir, rmdir, unlink, rename, link, symlink, truncate, stat) over a small tree, every answer printed, so any difference from Linux shows. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <dirent.h>

#include "probe.h"

static const char *const paths[] = {
    "a", "b", "c", "a/a", "a/b", "b/a", "b/c", "a/a/a", "a/b/c", "c/a/b",
    "s", "s/a", "s/b", "a/s", "a/..", "b/.", ".", "a/", "b/a/", "a/a/..",
    "t", "t/a", "../x", "s/..", "a/b/../c",
};
#define NPATHS (sizeof paths / sizeof paths[0])

static uint64_t seed = 0x9e3779b97f4a7c15ULL;

static unsigned next(unsigned n)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return (unsigned)(seed % n);
}

/* A stat's answer in one number: type, links, size (not a directory's). */
static long summary(const struct stat *st)
{
    return (long)((st->st_mode & S_IFMT) >> 12) * 1000000 +
           (long)st->st_nlink * 100000 +
           (S_ISDIR(st->st_mode) ? 0 : (long)st->st_size % 100000);
}

static void show(int i, const char *what, long r)
{
    if (r < 0)
        printf("%d %s = -1 %s\n", i, what, probe_errno(errno));
    else
        printf("%d %s = %ld\n", i, what, r);
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/file_random.XXXXXX", what[128];

    probe_start();
    if (argc > 1) /* another sequence */
        seed ^= strtoull(argv[1], NULL, 0) * 0x2545f4914f6cdd1dULL;
    /* Two levels down, so that a symlink "../x" made at d/x still points
       inside the scratch directory (at its x). */
    if (mkdtemp(dir) == NULL || chdir(dir) != 0 || mkdir("d", 0755) != 0 ||
        mkdir("d/w", 0755) != 0 || chdir("d/w") != 0) {
        printf("no scratch directory: %s\n", probe_errno(errno));
        return 1;
    }
    NOTE("in %s", dir);
    umask(022);
    int held = -1;
    for (int i = 0; i < 3000; i++) {
        const char *p = paths[next(NPATHS)], *q = paths[next(NPATHS)];
        struct stat st;
        int fd;
        long r;
        char buf[256];
        switch (next(18)) {
        case 0:
            snprintf(what, sizeof what, "create %s", p);
            r = fd = open(p, O_CREAT | O_EXCL | O_WRONLY, 0644);
            if (fd >= 0)
                close(fd);
            break;
        case 1:
            snprintf(what, sizeof what, "mkdir %s", p);
            r = mkdir(p, 0755);
            break;
        case 2:
            snprintf(what, sizeof what, "rmdir %s", p);
            r = rmdir(p);
            break;
        case 3:
            snprintf(what, sizeof what, "unlink %s", p);
            r = unlink(p);
            break;
        case 4:
            snprintf(what, sizeof what, "rename %s %s", p, q);
            r = rename(p, q);
            break;
        case 5:
            snprintf(what, sizeof what, "link %s %s", p, q);
            r = link(p, q);
            break;
        case 6:
            snprintf(what, sizeof what, "symlink %s %s", p, q);
            r = symlink(p, q);
            break;
        case 7:
            snprintf(what, sizeof what, "truncate %s", p);
            r = truncate(p, (off_t)next(10000));
            break;
        case 8:
            snprintf(what, sizeof what, "noreplace %s %s", p, q);
            r = syscall(SYS_renameat2, AT_FDCWD, p, AT_FDCWD, q, 1);
            break;
        case 9:
            snprintf(what, sizeof what, "open %s", p);
            r = fd = open(p, next(2) ? O_RDONLY : O_RDWR | O_APPEND);
            if (fd >= 0) {
                r = write(fd, "xyz", 3);
                close(fd);
            }
            break;
        case 10:
            snprintf(what, sizeof what, "stat %s", p);
            r = stat(p, &st);
            if (r == 0)
                r = summary(&st);
            break;
        case 11:
            snprintf(what, sizeof what, "readlink %s", p);
            r = readlink(p, buf, sizeof buf);
            if (r > 0)
                r = r * 1000 + (unsigned char)buf[0];
            break;
        case 12: {
            int fl = O_CREAT | O_WRONLY | (next(2) ? O_TRUNC : 0) |
                     (next(2) ? O_NOFOLLOW : 0);
            snprintf(what, sizeof what, "open-creat %x %s", fl, p);
            r = fd = open(p, fl, 0600);
            if (fd >= 0)
                close(fd);
            break;
        }
        case 13:
            snprintf(what, sizeof what, "getdents %s", p);
            r = fd = open(p, O_RDONLY | O_DIRECTORY);
            if (fd >= 0) {
                char dents[4096];
                long n, count = 0;
                while ((n = syscall(SYS_getdents64, fd, dents, sizeof dents)) > 0)
                    for (long off = 0; off < n;
                         off += ((struct dirent *)(dents + off))->d_reclen)
                        count++;
                r = n < 0 ? n : count;
                close(fd);
            }
            break;
        case 14:
            snprintf(what, sizeof what, "hold %s", p);
            if (held >= 0)
                close(held);
            r = held = open(p, O_RDWR);
            break;
        case 15:
            snprintf(what, sizeof what, "held");
            r = fstat(held, &st);
            if (r == 0) {
                r = summary(&st);
                if (write(held, "ab", 2) != 2 || pread(held, buf, 1, 0) != 1)
                    r = -r;
            }
            break;
        case 16:
            snprintf(what, sizeof what, "link-follow %s %s", p, q);
            r = linkat(AT_FDCWD, p, AT_FDCWD, q, AT_SYMLINK_FOLLOW);
            break;
        default:
            snprintf(what, sizeof what, "lstat %s", p);
            r = lstat(p, &st);
            if (r == 0)
                r = summary(&st);
        }
        show(i, what, r);
    }
    if (held >= 0)
        close(held);
    /* Clean up whatever the sequence left, deepest first. */
    static const char *const rm[] = {
        "a/b/c", "c/a/b", "a/a/a", "a/a", "a/b", "b/a", "b/c", "a/s", "c/a",
        "t/a", "a", "b", "c", "s", "t",
    };
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < sizeof rm / sizeof rm[0]; i++)
            if (unlink(rm[i]) != 0)
                rmdir(rm[i]);
    CALL(chdir(".."));
    CALL(rmdir("w"));
    unlink("x");
    CALL(chdir(".."));
    CALL(rmdir("d"));
    unlink("x");
    CALL(chdir("/"));
    CALL(rmdir(dir));
    puts("done");
    return 0;
}
