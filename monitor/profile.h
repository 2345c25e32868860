/* profile.h: --profile: sample the guest's call stacks from the host, write folded stacks. */
#ifndef PROFILE_H
#define PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "why.h"

#define PROFILE_HZ_DEFAULT 99
#define PROFILE_HZ_MAX 10000
#define PROFILE_DEPTH 64    /* frames kept of a call chain */
#define PROFILE_STACKS 8192 /* distinct call chains kept; more are counted as lost */

struct profile_stack {
    uint64_t count;
    uint32_t depth;
    uint64_t pc[PROFILE_DEPTH]; /* leaf first */
};

struct profile {
    int fd;
    unsigned hz;
    uint64_t samples, lost;
    struct profile_stack *stacks; /* open hash table of PROFILE_STACKS */
};

struct vm;

/*
 * Parse "FILE[,hz=N]" (N from 1 to PROFILE_HZ_MAX, default
 * PROFILE_HZ_DEFAULT), create or truncate FILE (never through a symlink:
 * O_NOFOLLOW) and allocate the table.  0, or -1 with a reason in `why`.
 */
int profile_setup(struct profile *p, const char *spec, char why[WHY_MAX]);

/*
 * Start the timer: SIGPROF every 1/hz seconds of the monitor's CPU time,
 * which includes the guest's (KVM_RUN), so an idle guest is not sampled.
 */
int profile_start(struct profile *p, char why[WHY_MAX]);

/*
 * One sample of the stopped vCPU: rip, then the return addresses along the
 * frame-pointer chain from rbp, each frame read through mem_ptr (a chain
 * that leaves guest memory, goes down or is misaligned ends there).
 * Never allocates.
 */
void profile_sample(struct profile *p, struct vm *vm);

/*
 * Write the samples to the file as folded stacks, one line per call chain:
 * hex addresses root first, ';'-separated, a space, the count
 * (scripts/uhvt-profile names them).  Stops the timer.
 */
void profile_finish(struct profile *p, struct vm *vm);

/* The sandbox rules --profile adds (docs/security.md); 0 or -errno. */
int profile_rules(const struct profile *p, void *seccomp_ctx);

#endif
