/* snapshot.h: uhvt --snapshot: save a guest at its ready point (UHVT_HC_SNAPSHOT). */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <stdint.h>

#include "options.h"
#include "vm.h"
#include "why.h"

#ifndef UHVT_VERSION
#define UHVT_VERSION "0.1"
#endif

/*
 * --snapshot=FILE: open an unnamed file in FILE's directory (mode 0600,
 * snapio_open: FILE itself is replaced only once the snapshot is written,
 * and never through a symlink), open the host's view
 * of which guest pages were ever touched (/proc/self/pagemap), reserve the
 * run table, and register both fds for the sandbox (vm->snap is set then):
 * everything snapshot_call needs, since it runs sandboxed and may not
 * allocate.  After KVM is set up, before the sandbox.  Without --snapshot,
 * does nothing.  Returns 0, or -1 with a reason in `why`.
 */
int snapshot_prepare(struct vm *vm, const struct options *o, char why[WHY_MAX]);

/*
 * UHVT_HC_SNAPSHOT.  The first call under --snapshot completes the call
 * (RIP past the OUT, so a restored vCPU resumes after it), saves the vCPU
 * and the touched guest pages, names the file, and exits 0 (or, with
 * --snapshot-continue, returns `restored` 0).  Any other call gets UHVT_ENODEV.  A snapshot the
 * host could not write ends the guest with UHVT_EXIT_HOST (with
 * --snapshot-continue: UHVT_EIO, and the guest goes on).
 */
int snapshot_call(struct vm *vm, void *arg);

/*
 * At the end of the run, or of a failed setup: a snapshot that was never
 * named leaves no temporary file behind (snapio_drop).
 */
void snapshot_end(struct vm *vm);

/*
 * The sandbox rules --snapshot adds (docs/security.md): none without it,
 * so the default policy is unchanged.  0 or -errno.
 */
int snapshot_rules(const struct vm *vm, void *seccomp_ctx);

/*
 * The identity of the image open as `fd` (named `path` in reasons), parsed
 * as `img`, which a snapshot records and a restore checks: its size, and
 * snapfile_hash of its build ID (the linker's hash of the whole file, which
 * uhvt-cc asks for) or, for an image without one, of all its bytes.  0, or
 * -1 with `why`.
 */
int snapshot_image_id(int fd, const char *path, const struct elf_image *img,
                      uint64_t *hash, uint64_t *size, char why[WHY_MAX]);

#endif
