/* options.c: the command line: monitor options, then the image and the guest's argv. */
#include "options.h"

#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "mem.h"
#include "uhvt_abi.h"

static const char usage_head[] =
    "usage: uhvt [OPTIONS] APP.hvt [ARGS...]\n"
    "Run the unikernel APP.hvt on KVM; ARGS become its argv.\n"
    "\n"
    "  -m, --mem=SIZE       guest memory in MiB, or with a K/M/G suffix\n"
    "                       (default 256M, 4M..4G, rounded up to 2M; populated\n"
    "                       lazily)\n"
    "  -t, --timeout=SECS   end the guest after SECS seconds\n"
    "  -q, --quiet          do not report how the guest ended\n"
    "      --env=KEY=VALUE  set the guest's environment variable KEY (repeat\n"
    "                       for more); --env=KEY passes the host's KEY if set.\n"
    "                       By default the guest has HOME=/ and\n"
    "                       PATH=/bin:/usr/bin, and no TERM\n"
    "      --grace=SECS     when the guest handles SIGINT, SIGTERM or SIGHUP,\n"
    "                       forward them and end it SECS seconds after the\n"
    "                       first (or at a second of the same kind); default\n"
    "                       10, 0 ends it at once as when it has no handler\n"
    "      --boot-trace     print when each boot phase ended (for bench/boot)\n"
    "      --kvm-stats      at the end, print the vCPU's KVM counters (exits,\n"
    "                       emulated instructions: is the guest native?)\n"
    "      --gdb=PORT       wait for gdb on 127.0.0.1:PORT before the first\n"
    "      --gdb=unix:PATH  instruction (or on a Unix socket) and debug the guest\n"
    "      --dumpcore[=DIR] write an ELF core file into DIR (default .) when\n"
    "                       the guest faults or aborts\n"
    "      --profile=FILE[,hz=N]  sample the guest's call stacks N times a\n"
    "                       second of its CPU time (default 99) into FILE\n"
    "                       (folded stacks; docs/debugging.md)\n"
    "      --snapshot=FILE  at the guest's ready point (uhvt_snapshot()), save\n"
    "                       it to FILE and exit 0 (docs/snapshots.md)\n"
    "      --snapshot-continue  after saving, let the guest run on\n"
    "      --snapshot-idle  take it the first time the application waits\n"
    "                       with nothing to do, for a program that does not\n"
    "                       call uhvt_snapshot() (an unchanged one)\n"
    "      --restore=FILE   resume the snapshot FILE of APP.hvt instead of\n"
    "                       booting it; ARGS reach its uhvt_snapshot() call\n"
    "  -h, --help           this text\n"
    "  -V, --version        versions, and the kind of KVM this host has\n"
    "\n"
    "Devices (the application declares them by name: uhvt-cc --net=NAME ...;\n"
    "the :NAME part may be left out when it declares just one of the kind):\n";

static const char usage_tail[] =
    "\n"
    "Exit status:\n"
    "  0-119  the guest's own exit status\n"
    "  120    the guest's exit status was outside 0-119\n"
    "  121    the guest aborted (abort(), failed stack check, hlt)\n"
    "  122    the guest took a CPU exception or triple fault\n"
    "  123    the guest made a malformed hypercall or touched no-man's land\n"
    "  124    --timeout expired\n"
    "  125    uhvt could not start the guest (bad options, image, KVM)\n"
    "  126    the host could not run the guest (a KVM internal error,\n"
    "         emulation or entry failure; io_uring refusing disk I/O)\n"
    "  128+N  ended by signal N: SIGINT, SIGTERM, SIGHUP sent to uhvt (after\n"
    "         --grace when the guest handles it), or the default action of\n"
    "         a signal the guest sent itself\n"
    "A Solo5 image's own status is all of 0-255, as under solo5-hvt (255: it\n"
    "aborted); the codes above still say what the monitor saw (docs/solo5.md).\n";

void options_usage(FILE *f)
{
    size_t n;
    const struct device_type *const *types = device_types(&n);
    fputs(usage_head, f);
    for (size_t t = 0; t < n; t++)
        for (const struct device_option *o = types[t]->options; o->name != NULL;
             o++) {
            char spelled[64];
            snprintf(spelled, sizeof(spelled), "%s[:NAME]%s", o->name,
                     o->value_help ? o->value_help : "");
            fprintf(f, "  %-26s %s\n", spelled, o->help);
        }
    fputs(usage_tail, f);
}

int options_parse_size(const char *s, uint64_t *bytes)
{
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: return -1;
    }
    /* strtoull saturates at ULLONG_MAX, which the shift check also rejects. */
    if (*end != '\0' || v > (UINT64_MAX >> shift) || v == ULLONG_MAX)
        return -1;
    *bytes = (uint64_t)v << shift;
    return 0;
}

/*
 * Parse `arg` if it is option `k` of device type `t`: 1 if it was, 0 if
 * not, -1 on error.  Names are checked here only for shape; the manifest
 * decides if they exist.
 */
static int parse_dev_option(const char *arg, const struct device_type *t,
                            unsigned k, struct options *o, char *why)
{
    const struct device_option *opt = &t->options[k];
    size_t n = strlen(opt->name);
    if (strncmp(arg, opt->name, n) != 0 ||
        (arg[n] != '\0' && arg[n] != ':' && arg[n] != '='))
        return 0;
    const char *rest = arg + n, *name = NULL, *value = strchr(rest, '=');
    size_t name_len = 0;
    if (*rest == ':') {
        name = rest + 1;
        name_len = value ? (size_t)(value - name) : strlen(name);
        if (name_len == 0 || name_len >= UHVT_NAME_MAX ||
            strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789_-") < name_len) {
            snprintf(why, OPTIONS_WHY_MAX, "%s: bad device name", arg);
            return -1;
        }
    }
    if (opt->flag != (value == NULL)) {
        snprintf(why, OPTIONS_WHY_MAX, "%s: %s", arg,
                 opt->flag ? "takes no value" : "needs =VALUE");
        return -1;
    }
    if (value && value[1] == '\0') {
        snprintf(why, OPTIONS_WHY_MAX, "%s: empty value", arg);
        return -1;
    }
    for (size_t i = 0; i < o->ndev; i++) {
        const struct options_dev *d = &o->dev[i];
        bool same = d->name == NULL || name == NULL
                        ? d->name == name
                        : strlen(d->name) == name_len &&
                              strncmp(d->name, name, name_len) == 0;
        if (d->type == t && d->option == k && same) {
            snprintf(why, OPTIONS_WHY_MAX, "%s: given twice", arg);
            return -1;
        }
    }
    if (o->ndev == OPTIONS_DEV_MAX) {
        snprintf(why, OPTIONS_WHY_MAX, "too many device options");
        return -1;
    }
    /* The name is kept NUL-terminated in a copy the options own. */
    struct options_dev *d = &o->dev[o->ndev];
    d->type = t;
    d->option = k;
    d->name = NULL;
    if (name) {
        memcpy(o->dev_names[o->ndev], name, name_len);
        o->dev_names[o->ndev][name_len] = '\0';
        d->name = o->dev_names[o->ndev];
    }
    d->value = value ? value + 1 : NULL;
    o->ndev++;
    return 1;
}

/* Parse `arg` if it is a device option (of any module). */
static int parse_dev(const char *arg, struct options *o, char *why)
{
    size_t n;
    const struct device_type *const *types = device_types(&n);
    for (size_t t = 0; t < n; t++) {
        const struct device_option *opts = types[t]->options;
        for (unsigned k = 0; opts[k].name != NULL; k++) {
            int r = parse_dev_option(arg, types[t], k, o, why);
            if (r != 0)
                return r;
        }
    }
    return 0;
}

const char *options_dev_option(const struct options_dev *d)
{
    return d->type->options[d->option].name;
}

const char *options_dev_value(const struct options *o,
                              const struct device_type *type, unsigned option,
                              const char *name, bool only)
{
    for (size_t i = 0; i < o->ndev; i++) {
        const struct options_dev *d = &o->dev[i];
        if (d->type != type || d->option != option)
            continue;
        if (d->name == NULL ? only : strcmp(d->name, name) == 0)
            return d->value ? d->value : "";
    }
    return NULL;
}

/*
 * The long-only options' letters: below ' ', so no argument spells them.
 * --dumpcore's value is optional: --NAME or --NAME=VALUE.
 */
enum {
    OPT_BOOT_TRACE = 1, OPT_KVM_STATS, OPT_GDB, OPT_DUMPCORE, OPT_PROFILE,
    OPT_SNAPSHOT, OPT_SNAPSHOT_CONTINUE, OPT_SNAPSHOT_IDLE, OPT_RESTORE, OPT_GRACE, OPT_ENV,
};
#define OPTIONAL_VALUE OPT_DUMPCORE

static const struct {
    const char *name;
    char letter;
    bool has_value;
} std_opts[] = {
    {"mem", 'm', true},  {"timeout", 't', true}, {"quiet", 'q', false},
    {"help", 'h', false}, {"version", 'V', false},
    {"boot-trace", OPT_BOOT_TRACE, false}, {"kvm-stats", OPT_KVM_STATS, false},
    {"gdb", OPT_GDB, true}, {"dumpcore", OPT_DUMPCORE, false},
    {"profile", OPT_PROFILE, true},
    {"snapshot", OPT_SNAPSHOT, true},
    {"snapshot-continue", OPT_SNAPSHOT_CONTINUE, false},
    {"snapshot-idle", OPT_SNAPSHOT_IDLE, false},
    {"restore", OPT_RESTORE, true},
    {"grace", OPT_GRACE, true}, {"env", OPT_ENV, true},
};

/*
 * --env=KEY=VALUE, or --env=KEY for the host's value (main looks it up).
 * KEY: letters, digits and '_', not starting with a digit, as POSIX names
 * portable variables; anything else is refused here, with the sizes.
 */
static enum options_result env_add(struct options *o, const char *value,
                                   char why[OPTIONS_WHY_MAX])
{
    size_t key = strcspn(value, "=");
    bool ok = key > 0 && !(value[0] >= '0' && value[0] <= '9');
    for (size_t i = 0; ok && i < key; i++)
        ok = value[i] == '_' || (value[i] >= 'A' && value[i] <= 'Z') ||
             (value[i] >= 'a' && value[i] <= 'z') ||
             (value[i] >= '0' && value[i] <= '9');
    if (!ok) {
        snprintf(why, OPTIONS_WHY_MAX, "--env=%.40s%s: need KEY=VALUE or KEY, "
                 "KEY of letters, digits and _", value, strlen(value) > 40 ? "..." : "");
        return OPTIONS_ERROR;
    }
    if (strlen(value) > OPTIONS_ENV_LEN) {
        snprintf(why, OPTIONS_WHY_MAX, "--env=%.*s...: longer than %u bytes",
                 (int)(key < 40 ? key : 40), value, OPTIONS_ENV_LEN);
        return OPTIONS_ERROR;
    }
    if (o->nenv == OPTIONS_ENV_MAX) {
        snprintf(why, OPTIONS_WHY_MAX, "more than %u --env options", OPTIONS_ENV_MAX);
        return OPTIONS_ERROR;
    }
    o->env[o->nenv++] = value;
    return OPTIONS_RUN;
}

/* Apply one standard option; returns OPTIONS_RUN to go on. */
static enum options_result apply(char letter, const char *value,
                                 struct options *o, char *why)
{
    uint64_t v;
    switch (letter) {
    case 'm':
        if (options_parse_size(value, &v) < 0)
            v = 0;
        else if (value[strlen(value) - 1] <= '9') /* bare: MiB, as solo5-hvt */
            v = v > (UHVT_MEM_MAX >> 20) ? 0 : v << 20;
        if (v < MEM_MIN || v > UHVT_MEM_MAX) {
            snprintf(why, OPTIONS_WHY_MAX, "--mem=%s: need a size from 4M to 4G "
                     "(a bare number is MiB)", value);
            return OPTIONS_ERROR;
        }
        o->mem_size = (v + MEM_ALIGN - 1) & ~(MEM_ALIGN - 1);
        return OPTIONS_RUN;
    case 't': {
        char *end;
        unsigned long t = strtoul(value, &end, 10);
        if (*value < '0' || *value > '9' || *end != '\0' || t == 0 ||
            t > 86400UL * 365) {
            snprintf(why, OPTIONS_WHY_MAX,
                     "--timeout=%s: need whole seconds, 1 to a year", value);
            return OPTIONS_ERROR;
        }
        o->timeout = (unsigned)t;
        return OPTIONS_RUN;
    }
    case 'q': o->quiet = true; return OPTIONS_RUN;
    case OPT_GRACE: {
        char *end;
        unsigned long g = strtoul(value, &end, 10);
        if (*value < '0' || *value > '9' || *end != '\0' || g > 3600) {
            snprintf(why, OPTIONS_WHY_MAX,
                     "--grace=%s: need whole seconds, 0 to 3600", value);
            return OPTIONS_ERROR;
        }
        o->grace = (unsigned)g;
        return OPTIONS_RUN;
    }
    case OPT_ENV:
        return env_add(o, value, why);
    case OPT_BOOT_TRACE: o->boot_trace = true; return OPTIONS_RUN;
    case OPT_KVM_STATS: o->kvm_stats = true; return OPTIONS_RUN;
    case OPT_GDB: o->gdb = value; return OPTIONS_RUN;
    case OPT_DUMPCORE: o->dumpcore = value ? value : "."; return OPTIONS_RUN;
    case OPT_PROFILE: o->profile = value; return OPTIONS_RUN;
    case OPT_SNAPSHOT: o->snapshot = value; return OPTIONS_RUN;
    case OPT_SNAPSHOT_CONTINUE: o->snapshot_continue = true; return OPTIONS_RUN;
    case OPT_SNAPSHOT_IDLE: o->snapshot_idle = true; return OPTIONS_RUN;
    case OPT_RESTORE: o->restore = value; return OPTIONS_RUN;
    case 'h': return OPTIONS_HELP;
    default: return OPTIONS_VERSION;
    }
}

enum options_result options_parse(int argc, char **argv, struct options *o,
                                  char why[OPTIONS_WHY_MAX])
{
    memset(o, 0, sizeof(*o));
    o->mem_size = MEM_DEFAULT;
    o->grace = OPTIONS_GRACE_DEFAULT;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0')
            break; /* the image: the rest is the guest's */
        int d = parse_dev(a, o, why);
        if (d < 0)
            return OPTIONS_ERROR;
        if (d > 0)
            continue;

        size_t k = 0, nstd = sizeof(std_opts) / sizeof(std_opts[0]);
        const char *value = NULL;
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            while (k < nstd && (strlen(std_opts[k].name) != len ||
                                strncmp(std_opts[k].name, name, len) != 0))
                k++;
            if (k == nstd) {
                snprintf(why, OPTIONS_WHY_MAX, "unknown option '%.*s'",
                         (int)(len + 2), a);
                return OPTIONS_ERROR;
            }
            if (eq && !std_opts[k].has_value && std_opts[k].letter != OPTIONAL_VALUE) {
                snprintf(why, OPTIONS_WHY_MAX, "option '--%s' takes no value",
                         std_opts[k].name);
                return OPTIONS_ERROR;
            }
            value = eq ? eq + 1 : NULL;
        } else {
            /* A bundle of short flags, the last of which may take a value. */
            for (const char *c = a + 1; *c; c++) {
                for (k = 0; k < nstd && (std_opts[k].letter != *c || *c < ' ');
                     k++)
                    ;
                if (k == nstd) {
                    snprintf(why, OPTIONS_WHY_MAX, "unknown option '-%c'", *c);
                    return OPTIONS_ERROR;
                }
                if (std_opts[k].has_value) {
                    value = c[1] ? c + 1 : NULL;
                    break;
                }
                enum options_result r = apply(std_opts[k].letter, NULL, o, why);
                if (r != OPTIONS_RUN)
                    return r;
                k = nstd;
            }
            if (k == nstd)
                continue;
        }
        if (std_opts[k].has_value && value == NULL) {
            if (i + 1 >= argc) {
                snprintf(why, OPTIONS_WHY_MAX, "option '--%s' needs a value",
                         std_opts[k].name);
                return OPTIONS_ERROR;
            }
            value = argv[++i];
        }
        enum options_result r = apply(std_opts[k].letter, value, o, why);
        if (r != OPTIONS_RUN)
            return r;
    }
    if (i >= argc) {
        snprintf(why, OPTIONS_WHY_MAX, "no unikernel image given");
        return OPTIONS_ERROR;
    }
    if (o->snapshot != NULL && o->restore != NULL) {
        snprintf(why, OPTIONS_WHY_MAX, "--snapshot and --restore together");
        return OPTIONS_ERROR;
    }
    if ((o->snapshot_continue || o->snapshot_idle) && o->snapshot == NULL) {
        snprintf(why, OPTIONS_WHY_MAX, "--snapshot-%s needs --snapshot=FILE",
                 o->snapshot_continue ? "continue" : "idle");
        return OPTIONS_ERROR;
    }
    o->image = argv[i];
    o->guest_argc = argc - i;
    o->guest_argv = argv + i;
    return OPTIONS_RUN;
}
