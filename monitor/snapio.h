/* snapio.h: the snapshot file's I/O: whole reads and writes, and a file that appears whole or not at all. */
#ifndef SNAPIO_H
#define SNAPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "why.h"

/*
 * Read or write exactly `len` bytes at `off`, across short transfers and
 * EINTR.  Return 0, or -errno (errno set too): -EIO when the file ends
 * before `len` bytes (pread) or a write makes no progress (pwrite).
 */
int snapio_pread(int fd, void *buf, size_t len, uint64_t off);
int snapio_pwrite(int fd, const void *buf, size_t len, uint64_t off);

/* A file written unnamed and given its name only once complete. */
struct snapio_file {
    const char *path; /* as given */
    int dir_fd;       /* the directory that will hold it */
    int fd;           /* an unnamed file in it (O_TMPFILE), write-only */
    /* The names snapio_name and snapio_drop use, pinned (pin.h): */
    const char *base; /* the name in that directory */
    const char *tmp;  /* .BASE.uhvt-RANDOM, the temporary one */
    const char *proc; /* /proc/self/fd/N: linkat's way to name an O_TMPFILE */
    /*
     * fd is at `tmp` now: linked there at the end, or, where the filesystem
     * has no O_TMPFILE (9p, NFS), created there from the start; renamed by
     * snapio_name or removed by snapio_drop.
     */
    bool named;
};

/*
 * Before the sandbox: open the directory of `path` and an unnamed file in
 * it (O_TMPFILE, mode 0600), or, on a filesystem without unnamed files, a
 * new file under a temporary name there, so that the file at `path`, if
 * any, stays as it is until snapio_name.  Refuses a symlink at `path`
 * (never followed, not even later), a directory or other non-regular file
 * there, and a directory it cannot create files in.  `opt` names the option in the reason ("--snapshot").  Returns 0,
 * or -1 with a reason in `why`.
 */
int snapio_open(struct snapio_file *f, const char *opt, const char *path,
                char why[WHY_MAX]);

/*
 * Once the file is written and synced: give it its name atomically (a
 * link under a unique temporary name in the same directory, renamed over
 * `path`: a reader sees the old file or the new one, never a part), then
 * sync the directory.  A symlink planted at `path` meanwhile is replaced,
 * not followed.  Returns 0, or -1 with errno.
 */
int snapio_name(struct snapio_file *f);

/*
 * When the file will not be named (the run ended before the ready point):
 * remove the temporary name, if it has one.
 */
void snapio_drop(struct snapio_file *f);

/* The sandbox rules snapio_name needs (docs/security.md); 0 or -errno. */
int snapio_rules(const struct snapio_file *f, void *seccomp_ctx);

#endif
