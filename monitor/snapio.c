/* snapio.c: the snapshot file's I/O: whole reads and writes, and a file that appears whole or not at all. */
#include "snapio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Tries at a free temporary name before giving up (EEXIST). */
#define SNAPIO_TMP_TRIES 16

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

/*
 * The i-th temporary name: dot-prefixed, with our pid, so that it is no
 * other uhvt's and hidden from a plain ls.
 */
static void tmp_name(struct snapio_file *f, unsigned i)
{
    snprintf(f->tmp, sizeof(f->tmp), ".%.200s.uhvt-%d-%u", f->base, f->pid, i);
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
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char dir[PATH_MAX];
    size_t dir_len = slash == NULL ? 0 : slash == path ? 1 : (size_t)(slash - path);
    if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return why_fail(why, "%s=%s: %s", opt, path, strerror(EISDIR));
    if (strlen(base) >= sizeof(f->base) || dir_len >= sizeof(dir))
        return why_fail(why, "%s=%s: %s", opt, path, strerror(ENAMETOOLONG));
    memcpy(f->base, base, strlen(base) + 1);
    if (dir_len == 0)
        memcpy(dir, ".", 2);
    else {
        memcpy(dir, path, dir_len);
        dir[dir_len] = '\0';
    }
    f->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (f->dir_fd < 0)
        return why_fail(why, "%s=%s: %s", opt, path, strerror(errno));
    if (check_target(f, opt, why) < 0)
        return -1;
    f->pid = (int)getpid();
    f->named = false;
    f->fd = openat(f->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    /* EOPNOTSUPP, or EISDIR from kernels that predate O_TMPFILE. */
    if (f->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
        f->named = true;
        errno = EEXIST;
        for (unsigned i = 0; i < SNAPIO_TMP_TRIES && f->fd < 0 && errno == EEXIST; i++) {
            tmp_name(f, i);
            f->fd = openat(f->dir_fd, f->tmp,
                           O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        }
    }
    if (f->fd < 0)
        return why_fail(why, "%s=%s: cannot create a file in its directory: %s",
                        opt, path, strerror(errno));
    snprintf(f->proc, sizeof(f->proc), "/proc/self/fd/%d", f->fd);
    return 0;
}

int snapio_name(struct snapio_file *f)
{
    /*
     * linkat cannot replace a file, and linkat(AT_EMPTY_PATH) needs
     * CAP_DAC_READ_SEARCH: a link from /proc/self/fd under a temporary
     * name, then rename, which replaces atomically.
     */
    int rc = f->named ? 0 : -1;
    for (unsigned i = 0; i < SNAPIO_TMP_TRIES && rc < 0; i++) {
        tmp_name(f, i);
        rc = linkat(AT_FDCWD, f->proc, f->dir_fd, f->tmp, AT_SYMLINK_FOLLOW);
        if (rc < 0 && errno != EEXIST)
            return -1;
    }
    if (rc < 0)
        return -1;
    f->named = true;
    rc = renameat(f->dir_fd, f->tmp, f->dir_fd, f->base);
    int e = errno;
    if (rc < 0)
        unlinkat(f->dir_fd, f->tmp, 0);
    f->named = false; /* renamed or removed */
    if (rc < 0) {
        errno = e;
        return -1;
    }
    /* The new name is durable once the directory is. */
    return fsync(f->dir_fd);
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
    int rc = 0;
    /*
     * snapio_name: a temporary name in the file's directory only, from
     * /proc/self/fd (linkat never replaces an existing file).
     */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(linkat), 3,
                                    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffU,
                                            (uint32_t)AT_FDCWD),
                                    SCMP_A2(SCMP_CMP_EQ, dir),
                                    SCMP_A4(SCMP_CMP_EQ, AT_SYMLINK_FOLLOW));
    /* snapio_name: that name over the file's, within the directory. */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(renameat), 2,
                                    SCMP_A0(SCMP_CMP_EQ, dir), SCMP_A2(SCMP_CMP_EQ, dir));
    /* snapio_name, snapio_drop: the temporary name, when it is not renamed. */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unlinkat), 2,
                                    SCMP_A0(SCMP_CMP_EQ, dir), SCMP_A2(SCMP_CMP_EQ, 0));
    /* snapio_name: the directory, so the new name survives a crash. */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fsync), 1,
                                    SCMP_A0(SCMP_CMP_EQ, dir));
    return rc;
}
