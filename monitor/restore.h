/* restore.h: uhvt --restore: resume a snapshot instead of booting the image. */
#ifndef RESTORE_H
#define RESTORE_H

#include "options.h"
#include "vm.h"
#include "why.h"

/*
 * In place of booting: check the image and the snapshot file (untrusted:
 * snapfile_read), refuse a snapshot of another image, monitor version or
 * KVM kind, attach the devices the command line names (checked against the
 * image's manifest, which the snapshot's must equal), map the stored pages
 * copy-on-write from the file (MAP_PRIVATE: every instance shares the page
 * cache) over zeroed memory, create the VM, set the saved vCPU state, and
 * write the snapshot call's answer for this instance (restored 1, fresh
 * entropy, TSC frequency, the guest arguments after the image).  --mem is
 * ignored: the snapshot's size is used.  Returns 0, or -1 with a reason in
 * `why` (which begins "--restore=FILE:" when the file was refused).
 */
int restore_setup(struct vm *vm, const struct options *o, char why[WHY_MAX]);

#endif
