/* debug.h: the opt-in debug tools (--gdb, --dumpcore, --profile) and their few hooks into the run. */
#ifndef DEBUG_H
#define DEBUG_H

#include <stdbool.h>

#include "core.h"
#include "gdb.h"
#include "profile.h"
#include "solo5_abi.h"
#include "uhvt_abi.h"
#include "why.h"

struct vm;
struct options;

/*
 * Zero-initialised means every tool is off: the default run, and its
 * sandbox, are exactly what they are without this module.
 */
struct debug {
    bool dumpcore, gdb_on, profile_on;
    struct core core;
    struct gdb gdb;
    struct profile prof;
    bool faulted;               /* the guest reported a fault: */
    struct uhvt_hc_fault fault; /* its report, the state when it struck */
    /* A Solo5 guest halted with a trap frame (solo5_hypercall.c): where
     * the trap struck, as Solo5's own core dumps take it. */
    bool solo5_trapped;
    struct solo5_trap_regs solo5_trap;
};

/* debug_fault's "not the debugger's: report the fault as usual". */
#define DEBUG_PASS (-2)

/*
 * Before the sandbox, after everything else is set up: check the options'
 * values, open what each tool writes, and (--gdb) wait for gdb to connect.
 * Returns 0, or -1 with a reason in `why`.
 */
int debug_setup(struct vm *vm, const struct options *o, char why[WHY_MAX]);

/*
 * Add to the seccomp filter being built (a scmp_filter_ctx) the rules of
 * the tools that are on, and nothing when none is: 0 or -errno.
 */
int debug_rules(const struct vm *vm, void *seccomp_ctx);

/*
 * Before the first guest instruction: under --gdb, hand control to gdb.
 * VM_CONTINUE, or the exit status when gdb ended the guest.
 */
int debug_start(struct vm *vm);

/*
 * A fault the guest reported (hc_fault): kept for the core file; a #BP or
 * #DB the debugger planted resumes or stops the guest for gdb.  Returns
 * DEBUG_PASS (report it and end the guest as usual), VM_CONTINUE, or an
 * exit status.
 */
int debug_fault(struct vm *vm, const struct uhvt_hc_fault *f);

/*
 * KVM_RUN returned EINTR without an ending signal: a profiler tick or a
 * Ctrl-C from gdb.  VM_CONTINUE, or the exit status when gdb ended it.
 */
int debug_interrupted(struct vm *vm);

/*
 * The guest ended with `status`: write the core (a fault, an abort), tell
 * gdb, write the profile.  Returns the status uhvt exits with.
 */
int debug_end(struct vm *vm, int status);

#endif
