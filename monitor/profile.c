/* profile.c: --profile: sample the guest's call stacks from the host, write folded stacks. */
#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include "vm.h"

int profile_setup(struct profile *p, const char *spec, char why[WHY_MAX])
{
    char file[4096];
    const char *comma = strchr(spec, ',');
    size_t len = comma ? (size_t)(comma - spec) : strlen(spec);
    p->fd = -1;
    p->hz = PROFILE_HZ_DEFAULT;
    if (len == 0 || len >= sizeof(file))
        return why_fail(why, "--profile=%s: need FILE[,hz=N]", spec);
    memcpy(file, spec, len);
    file[len] = '\0';
    if (comma != NULL) {
        char *end = NULL;
        unsigned long hz = 0;
        if (strncmp(comma + 1, "hz=", 3) == 0 && comma[4] >= '0' && comma[4] <= '9')
            hz = strtoul(comma + 4, &end, 10);
        if (end == NULL || *end != '\0' || hz == 0 || hz > PROFILE_HZ_MAX)
            return why_fail(why, "--profile=%s: hz=N, N from 1 to %d", spec,
                            PROFILE_HZ_MAX);
        p->hz = (unsigned)hz;
    }
    p->fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (p->fd < 0)
        return why_fail(why, "--profile: %s: %s", file, strerror(errno));
    p->stacks = calloc(PROFILE_STACKS, sizeof(*p->stacks));
    if (p->stacks == NULL)
        return why_fail(why, "--profile: %s", strerror(errno));
    return 0;
}

int profile_start(struct profile *p, char why[WHY_MAX])
{
    long us = 1000000L / p->hz;
    struct itimerval t = {{us / 1000000, us % 1000000}, {us / 1000000, us % 1000000}};
    if (setitimer(ITIMER_PROF, &t, NULL) < 0)
        return why_fail(why, "--profile: setitimer: %s", strerror(errno));
    return 0;
}

/* Count one chain in the table (open addressing on a hash of its frames). */
static void count(struct profile *p, const uint64_t *pc, uint32_t depth)
{
    uint64_t h = 1469598103934665603ULL;
    for (uint32_t i = 0; i < depth; i++)
        h = (h ^ pc[i]) * 1099511628211ULL;
    for (size_t k = 0; k < PROFILE_STACKS; k++) {
        struct profile_stack *s = &p->stacks[(h + k) % PROFILE_STACKS];
        if (s->count == 0) {
            s->depth = depth;
            memcpy(s->pc, pc, depth * sizeof(*pc));
        } else if (s->depth != depth || memcmp(s->pc, pc, depth * sizeof(*pc)) != 0) {
            continue;
        }
        s->count++;
        return;
    }
    p->lost++;
}

/* Whether `a` lies in one of the image's executable segments: a return address. */
static bool in_text(const struct elf_image *img, uint64_t a)
{
    for (size_t i = 0; i < img->nload; i++)
        if ((img->load[i].flags & PF_X) && a - img->load[i].gpa < img->load[i].memsz)
            return true;
    return false;
}

void profile_sample(struct profile *p, struct vm *vm)
{
    struct kvm_regs r;
    if (ioctl(vm->kvm.vcpu_fd, KVM_GET_REGS, &r) < 0)
        return;
    uint64_t pc[PROFILE_DEPTH];
    uint32_t depth = 0;
    pc[depth++] = r.rip;
    /*
     * Each frame: [rbp] the caller's rbp, [rbp + 8] the return address.  Code
     * built without frame pointers uses rbp for anything: a frame must lie
     * on the stack above rsp and return into the image's code.
     */
    uint64_t fp = r.rbp;
    while (depth < PROFILE_DEPTH && fp >= r.rsp && fp % 8 == 0) {
        const uint64_t *f = mem_ptr(&vm->mem, fp, 16);
        if (f == NULL || !in_text(&vm->img, f[1]))
            break;
        pc[depth++] = f[1];
        if (f[0] <= fp) /* stacks grow down: a caller's frame lies above */
            break;
        fp = f[0];
    }
    p->samples++;
    count(p, pc, depth);
}

/* write(2) all of it; the profile is lost on a failed write (reported). */
static int put(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

void profile_finish(struct profile *p, struct vm *vm)
{
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_PROF, &off, NULL);
    char line[PROFILE_DEPTH * 19 + 32];
    int bad = 0;
    for (size_t k = 0; k < PROFILE_STACKS && !bad; k++) {
        const struct profile_stack *s = &p->stacks[k];
        if (s->count == 0)
            continue;
        size_t n = 0;
        for (uint32_t i = s->depth; i-- > 0;)
            n += (size_t)snprintf(line + n, sizeof(line) - n, "0x%llx%s",
                                  (unsigned long long)s->pc[i], i ? ";" : "");
        n += (size_t)snprintf(line + n, sizeof(line) - n, " %llu\n",
                              (unsigned long long)s->count);
        bad = put(p->fd, line, n);
    }
    if (bad)
        vm_report(vm, "--profile: writing the samples: %s", strerror(errno));
    else
        vm_report(vm, "profile: %llu samples at %u Hz%s", (unsigned long long)p->samples,
                  p->hz, p->lost ? " (some call chains lost: table full)" : "");
}

int profile_rules(const struct profile *p, void *seccomp_ctx)
{
    scmp_filter_ctx ctx = seccomp_ctx;
    int rc = 0;
    /* profile_finish: the samples, into the file profile_setup opened. */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
                                    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)p->fd));
    /* profile_finish: stop the timer (ITIMER_PROF only). */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setitimer), 1,
                                    SCMP_A0(SCMP_CMP_EQ, ITIMER_PROF));
    return rc;
}
