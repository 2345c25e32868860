/* kvmstats.h: the vCPU's counters from KVM's binary statistics, for --kvm-stats. */
#ifndef KVMSTATS_H
#define KVMSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "kvm.h"
#include "why.h"

#define KVMSTATS_MAX 8

struct kvmstats {
    int fd; /* the vCPU's stats fd; -1 when off */
    size_t n;
    struct {
        const char *name;
        uint64_t offset; /* of the value in fd */
    } stat[KVMSTATS_MAX];
};

/*
 * Open the vCPU's stats fd and find the counters worth showing (exits by
 * kind, and instructions KVM emulated: a guest running natively has few).
 * Reads everything it needs to know now, so that kvmstats_format needs only
 * pread64 on the fd (the sandbox allows that much).  Returns 0, or -1 with
 * a reason in `why` when KVM has no binary statistics.
 */
int kvmstats_open(struct kvmstats *st, const struct vm_kvm *k, char why[WHY_MAX]);

/*
 * One line into buf (len at least 2; NUL-terminated, cut to fit): "uhvt: kvm-stats (KIND):
 * name=value ...\n".  Returns its length.
 */
size_t kvmstats_format(const struct kvmstats *st, const struct vm_kvm *k,
                       char *buf, size_t len);

#endif
