/* snapio.c: the snapshot file's I/O: whole reads and writes, and a file that appears whole or not at all. */
#include "snapio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pin.h"

/* Whole transfers both ways: one loop, so reads and writes fail alike. */
static int whole(int fd, uint8_t *p, size_t len, uint64_t off, bool write)
{
    while (len > 0) {
        ssize_t n = write ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -errno;
        }
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

int snapio_pread(int fd, void *buf, size_t len, uint64_t off)
{
    return whole(fd, buf, len, off, false);
}

int snapio_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
    /* Not written through: pwrite only reads it. */
    return whole(fd, (uint8_t *)(uintptr_t)buf, len, off, true);
}

/* What is at `base` now: nothing, or a regular file, or a refusal. */
static int check_target(const struct snapio_file *f, const char *opt,
                        char why[WHY_MAX])
{
    struct stat st;
    if (fstatat(f->dir_fd, f->base, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : why_fail(why, "%s=%s: %s", opt, f->path,
                                              strerror(errno));
    /* Another user's symlink, planted in a shared /tmp: never followed. */
    if (S_ISLNK(st.st_mode))
        return why_fail(why, "%s=%s: %s (a symlink is not followed: name the "
                             "file itself)", opt, f->path, strerror(ELOOP));
    if (!S_ISREG(st.st_mode))
        return why_fail(why, "%s=%s: %s", opt, f->path,
                        S_ISDIR(st.st_mode) ? strerror(EISDIR)
                                            : "not a regular file");
    return 0;
}

int snapio_open(struct snapio_file *f, const char *opt, const char *path,
                char why[WHY_MAX])
{
    f->path = path;
    f->dir_fd = f->fd = -1;
    f->named = false;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char dir[PATH_MAX], tmp[NAME_MAX + 1], proc[64];
    size_t dir_len = slash == NULL ? 0 : slash == path ? 1 : (size_t)(slash - path);
    if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return why_fail(why, "%s=%s: %s", opt, path, strerror(EISDIR));
    /*
     * One temporary name, unguessable so that no one can take it first:
     * the sandbox allows no other (pin.h).
     */
    uint64_t r;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        return why_fail(why, "getrandom: %s", strerror(errno));
    int n = snprintf(tmp, sizeof(tmp), ".%s.uhvt-%016llx", base, (unsigned long long)r);
    if (n < 0 || (size_t)n >= sizeof(tmp) || dir_len >= sizeof(dir))
        return why_fail(why, "%s=%s: %s", opt, path, strerror(ENAMETOOLONG));
    if (dir_len == 0)
        memcpy(dir, ".", 2);
    else {
        memcpy(dir, path, dir_len);
        dir[dir_len] = '\0';
    }
    if ((f->base = pin_string(base)) == NULL || (f->tmp = pin_string(tmp)) == NULL)
        return why_fail(why, "%s: %s", opt, strerror(errno));
    f->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (f->dir_fd < 0)
        return why_fail(why, "%s=%s: %s", opt, path, strerror(errno));
    if (check_target(f, opt, why) < 0)
        return -1;
    f->fd = openat(f->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    /* EOPNOTSUPP, or EISDIR from kernels that predate O_TMPFILE. */
    if (f->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
        f->fd = openat(f->dir_fd, f->tmp,
                       O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        f->named = f->fd >= 0;
    }
    if (f->fd < 0)
        return why_fail(why, "%s=%s: cannot create a file in its directory: %s",
                        opt, path, strerror(errno));
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);
    if ((f->proc = pin_string(proc)) == NULL)
        return why_fail(why, "%s: %s", opt, strerror(errno));
    /* Found now, not at the ready point: naming an O_TMPFILE needs /proc. */
    struct stat st;
    if (!f->named && stat(f->proc, &st) < 0)
        return why_fail(why, "%s=%s: %s: %s (is /proc mounted?)", opt, path,
                        f->proc, strerror(errno));
    return 0;
}

int snapio_name(struct snapio_file *f)
{
    /*
     * linkat cannot replace a file, and linkat(AT_EMPTY_PATH) needs
     * CAP_DAC_READ_SEARCH: a link from /proc/self/fd under the temporary
     * name, then rename, which replaces atomically.
     */
    if (!f->named && linkat(AT_FDCWD, f->proc, f->dir_fd, f->tmp, AT_SYMLINK_FOLLOW) < 0)
        return -1;
    f->named = true;
    int rc = renameat(f->dir_fd, f->tmp, f->dir_fd, f->base);
    int e = errno;
    if (rc < 0)
        unlinkat(f->dir_fd, f->tmp, 0);
    f->named = false; /* renamed or removed */
    if (rc < 0) {
        errno = e;
        return -1;
    }
    /*
     * The new name is durable once the directory is.  The file is in place
     * whatever this says: a directory that cannot be synced (EINVAL: some
     * network filesystems) is not a failed snapshot.
     */
    if (fsync(f->dir_fd) < 0 && errno != EINVAL)
        return -1;
    return 0;
}

void snapio_drop(struct snapio_file *f)
{
    if (f->named && unlinkat(f->dir_fd, f->tmp, 0) == 0)
        f->named = false;
}

int snapio_rules(const struct snapio_file *f, void *seccomp_ctx)
{
    scmp_filter_ctx ctx = seccomp_ctx;
    scmp_datum_t dir = (scmp_datum_t)f->dir_fd;
    scmp_datum_t base = (scmp_datum_t)(uintptr_t)f->base;
    scmp_datum_t tmp = (scmp_datum_t)(uintptr_t)f->tmp;
    scmp_datum_t proc = (scmp_datum_t)(uintptr_t)f->proc;
    int rc = 0;
    /*
     * Every name by its pinned address (pin.h): the directory fd alone
     * would allow any absolute path or "..".
     * snapio_name: the temporary name, from /proc/self/fd (linkat never
     * replaces an existing file).
     */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(linkat), 5,
                                    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffU,
                                            (uint32_t)AT_FDCWD),
                                    SCMP_A1(SCMP_CMP_EQ, proc), SCMP_A2(SCMP_CMP_EQ, dir),
                                    SCMP_A3(SCMP_CMP_EQ, tmp),
                                    SCMP_A4(SCMP_CMP_EQ, AT_SYMLINK_FOLLOW));
    /* snapio_name: that name over the file's. */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(renameat), 4,
                                    SCMP_A0(SCMP_CMP_EQ, dir), SCMP_A1(SCMP_CMP_EQ, tmp),
                                    SCMP_A2(SCMP_CMP_EQ, dir), SCMP_A3(SCMP_CMP_EQ, base));
    /* snapio_name, snapio_drop: the temporary name, when it is not renamed. */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unlinkat), 3,
                                    SCMP_A0(SCMP_CMP_EQ, dir), SCMP_A1(SCMP_CMP_EQ, tmp),
                                    SCMP_A2(SCMP_CMP_EQ, 0));
    /* snapio_name: the directory, so the new name survives a crash. */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fsync), 1,
                                    SCMP_A0(SCMP_CMP_EQ, dir));
    return rc;
}
