/* snapshot.c: uhvt_snapshot, the ready point, and waking up restored. */
#include <string.h>

#include "cpu.h"
#include "hypercall.h"
#include "runtime.h"
#include "uhvt.h"

/* The restoring command line's arguments; read once, at the restore. */
#define SNAPSHOT_ARGS_MAX 4096
static char snapshot_args[SNAPSHOT_ARGS_MAX];

/* musl's: what getenv, setenv and the application's environ read. */
extern char **__environ;

/* Set `entry` ("KEY=VALUE", KEY `klen` bytes) in `env` (*n entries): KEY's entry replaced, or appended. */
static void snapshot_setenv(char **env, size_t *n, char *entry, size_t klen)
{
    for (size_t i = 0; i < *n; i++)
        if (strncmp(env[i], entry, klen + 1) == 0) {
            env[i] = entry;
            return;
        }
    env[(*n)++] = entry;
}

/*
 * The restore's --env entries, the last `envc` of the strings in `args`
 * (`len` bytes): each set as setenv(KEY, VALUE, 1) would, in order, so a
 * later one wins and every variable they do not name keeps the snapshot's
 * value.  Not musl's setenv: a restore may wake inside a system call
 * (--snapshot-idle), where musl's malloc would touch vector registers.
 * A new environ array from the runtime's pages instead, pointing into
 * `args`, which nothing writes again; musl copies it when the application
 * next calls setenv, as for any environ it did not allocate.  Returns the
 * bytes before them: the arguments.
 */
static size_t snapshot_env(char *args, size_t len, uint32_t envc)
{
    size_t n = 0, at = len, count = 0;
    if (len > 0 && args[len - 1] != '\0')
        hypercall_abort("uhvt: the monitor's restore answer is malformed");
    for (size_t i = 0; i < len; i += strlen(args + i) + 1)
        n++;
    if (envc > n)
        hypercall_abort("uhvt: the monitor's restore answer is malformed");
    if (envc == 0)
        return len;
    while (__environ != NULL && __environ[count] != NULL)
        count++;
    char **env = mem_alloc((count + envc + 1) * sizeof(*env));
    if (env == NULL)
        hypercall_abort("uhvt: no memory for the restore's --env");
    for (size_t i = 0; i < count; i++)
        env[i] = __environ[i];
    for (size_t i = 0, k = 0; i < len; i += strlen(args + i) + 1, k++) {
        if (k < n - envc)
            continue;
        if (at == len)
            at = i;
        const char *eq = strchr(args + i, '=');
        if (eq == NULL || eq == args + i)
            hypercall_abort("uhvt: the monitor's restore answer is malformed");
        snapshot_setenv(env, &count, args + i, (size_t)(eq - (args + i)));
    }
    __environ = env; /* mem_alloc zeroed it: NULL-terminated */
    return at;
}

/*
 * Everything an instance must not share with its siblings is renewed here,
 * before the application runs again: the generator's key (and with it the
 * TCP ISNs and what getrandom returns), the first ephemeral ports, the
 * clocks.  What stays shared is listed in docs/security.md.
 */
/*
 * --snapshot-idle's state: armed while the application runs (not while the
 * runtime starts, e.g. waits for DHCP, nor once it exits), and spent by
 * the first snapshot call of either kind.  Spent before the call, so that
 * restored instances find it spent.
 */
static int idle_armed, idle_spent;

void snapshot_idle_arm(int on)
{
    idle_armed = on;
}

static int snapshot_take(void)
{
    idle_spent = 1;
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
    tcpip_restore(snapshot_args, snapshot_env(snapshot_args, s.args_len, s.envc));
    signal_restored();
    return 1;
}

PUBLIC int uhvt_snapshot(void)
{
    return snapshot_take();
}

/*
 * The first wait with nothing pending: the program has initialised, and
 * sleeps until work comes.  docs/snapshots.md says why uhvt_snapshot()
 * stays the better ready point for a program that can call it.
 */
int snapshot_idle(void)
{
    if (!idle_armed || idle_spent || !(boot_info.flags & UHVT_BOOT_SNAPSHOT_IDLE))
        return 0;
    return snapshot_take() == 1;
}
