/* kvmstats.c: the vCPU's counters from KVM's binary statistics, for --kvm-stats. */
#include "kvmstats.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* In this order when present; KVM versions differ in what they keep. */
static const char *const wanted[KVMSTATS_MAX] = {
    "exits", "io_exits", "mmio_exits", "halt_exits", "signal_exits",
    "insn_emulation", "insn_emulation_fail",
};

/* The stats name size is KVM's choice: read a descriptor into this much. */
#define DESC_MAX 512

static int find(struct kvmstats *st, const struct kvm_stats_header *h,
                char why[WHY_MAX])
{
    size_t desc_size = sizeof(struct kvm_stats_desc) + h->name_size;
    _Alignas(struct kvm_stats_desc) char buf[DESC_MAX];
    const struct kvm_stats_desc *d = (const void *)buf;
    if (desc_size > sizeof(buf) || h->name_size == 0)
        return why_fail(why, "--kvm-stats: KVM statistics: descriptor of %zu bytes",
                        desc_size);
    for (size_t w = 0; w < KVMSTATS_MAX && wanted[w]; w++) {
        for (uint32_t i = 0; i < h->num_desc; i++) {
            off_t at = (off_t)h->desc_offset + (off_t)i * (off_t)desc_size;
            if (pread(st->fd, buf, desc_size, at) != (ssize_t)desc_size)
                return why_fail(why, "--kvm-stats: KVM statistics: %s",
                                strerror(errno));
            buf[desc_size - 1] = '\0';
            /* Plain 64-bit counters only. */
            if (strcmp(d->name, wanted[w]) != 0 || d->size != 1 ||
                (d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE)
                continue;
            st->stat[st->n].name = wanted[w];
            st->stat[st->n].offset = h->data_offset + d->offset;
            st->n++;
            break;
        }
    }
    return 0;
}

int kvmstats_open(struct kvmstats *st, const struct vm_kvm *k, char why[WHY_MAX])
{
    st->n = 0;
    st->fd = ioctl(k->vcpu_fd, KVM_GET_STATS_FD, NULL);
    if (st->fd < 0)
        return why_fail(why, "--kvm-stats: KVM_GET_STATS_FD: %s", strerror(errno));
    struct kvm_stats_header h;
    if (pread(st->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
        return why_fail(why, "--kvm-stats: KVM statistics header: %s",
                        strerror(errno));
    return find(st, &h, why);
}

size_t kvmstats_format(const struct kvmstats *st, const struct vm_kvm *k,
                       char *buf, size_t len)
{
    int n = snprintf(buf, len, "uhvt: kvm-stats (%s):", vm_kvm_name(k));
    size_t used = n > 0 ? (size_t)n : 0;
    for (size_t i = 0; i < st->n && used < len; i++) {
        uint64_t v;
        if (pread(st->fd, &v, sizeof(v), (off_t)st->stat[i].offset) != sizeof(v))
            continue;
        n = snprintf(buf + used, len - used, " %s=%llu", st->stat[i].name,
                     (unsigned long long)v);
        if (n > 0)
            used += (size_t)n;
    }
    if (used > len - 2)
        used = len - 2; /* cut, keeping room for the newline */
    buf[used++] = '\n';
    buf[used] = '\0';
    return used;
}
