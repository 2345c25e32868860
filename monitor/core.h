/* core.h: --dumpcore: an ELF core file of a guest that faulted or aborted, for gdb. */
#ifndef CORE_H
#define CORE_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "why.h"

/* At most this many runs of touched memory get their own PT_LOAD. */
#define CORE_SEGS_MAX 512

struct core {
    const char *dir; /* as given */
    int dir_fd;      /* the directory */
    int fd;          /* an unnamed file in it (O_TMPFILE), named on a dump */
    const char *name; /* core.uhvt.PID, pinned (pin.h) */
    const char *proc; /* /proc/self/fd/N: linkat's way to name an O_TMPFILE; pinned */
    unsigned char *resident; /* mincore's vector, one byte a page */
    size_t pages;
    char image[16];  /* the image's file name, cut, for NT_PRPSINFO */
};

/*
 * Before the sandbox: open `dir` (O_DIRECTORY|O_NOFOLLOW: never through a
 * symlink) and an unnamed file in it (O_TMPFILE, mode 0600), and the buffer
 * core_write needs, so that it allocates nothing and opens no path later.
 * Returns 0, or -1 with a reason in `why` (a filesystem without O_TMPFILE
 * is named).
 */
int core_setup(struct core *c, const char *dir, const char *image,
               const struct mem *m, char why[WHY_MAX]);

/*
 * Write the core of a guest that ended: registers `r` and `s` (the state
 * when it struck), `f` (x87 and SSE), the signal gdb shows (`sig`), and every page of guest
 * memory the host has populated and that is not all zero, as PT_LOADs at
 * their guest addresses (identity-mapped: virtual == physical), zero pages
 * left as holes.  Then give the file its name with linkat, which never
 * replaces an existing file.  Returns 0, or -errno; `path` (at least 128
 * bytes) gets the name written.
 */
int core_write(struct core *c, const struct mem *m, const struct kvm_regs *r,
               const struct kvm_sregs *s, const struct kvm_fpu *f, int sig,
               char *path, size_t len);

/* The sandbox rules --dumpcore adds (docs/security.md); 0 or -errno. */
int core_rules(const struct core *c, int vcpu_fd, void *seccomp_ctx);

#endif
