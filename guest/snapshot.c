/* snapshot.c: uhvt_snapshot, the ready point, and waking up restored. */
#include "cpu.h"
#include "hypercall.h"
#include "runtime.h"
#include "uhvt.h"

/* The restoring command line's arguments; read once, at the restore. */
#define SNAPSHOT_ARGS_MAX 4096
static char snapshot_args[SNAPSHOT_ARGS_MAX];

/*
 * Everything an instance must not share with its siblings is renewed here,
 * before the application runs again: the generator's key (and with it the
 * TCP ISNs and what getrandom returns), the first ephemeral ports, the
 * clocks.  What stays shared is listed in docs/security.md.
 */
static int snapshot_take(void)
{
    struct uhvt_hc_snapshot s = {
        .args = (uintptr_t)snapshot_args,
        .args_len = sizeof snapshot_args,
    };
    uint64_t mono = clock_monotonic(), cpu = clock_cpu();

    hypercall(UHVT_HC_SNAPSHOT, &s);
    if (s.ret != UHVT_OK)
        return -s.ret;
    if (!s.restored)
        return 0;
    if (s.tsc_freq == 0 || s.args_len > sizeof snapshot_args)
        hypercall_abort("uhvt: the monitor's restore answer is malformed");
    clock_restore(s.tsc_freq, mono, cpu);
    rng_reseed(s.random);
    tcpip_restore(snapshot_args, s.args_len);
    signal_restored();
    return 1;
}

PUBLIC int uhvt_snapshot(void)
{
    return snapshot_take();
}

/*
 * The first wait with nothing pending: the program has initialised, and
 * sleeps until work comes.  Set before the call, so restored instances
 * find it taken.  docs/snapshots.md says why uhvt_snapshot() stays the
 * better ready point for a program that can call it.
 */
int snapshot_idle(void)
{
    static int taken;

    if (taken || !(boot_info.flags & UHVT_BOOT_SNAPSHOT_IDLE))
        return 0;
    taken = 1;
    return snapshot_take() == 1;
}
