/* options.h: the command line: monitor options, then the image and the guest's argv. */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "uhvt_abi.h"

#define OPTIONS_WHY_MAX 160
#define OPTIONS_DEV_MAX 64
#define OPTIONS_ENV_MAX 256U       /* --env options */
#define OPTIONS_ENV_LEN 8192U      /* bytes of one, KEY=VALUE */
#define OPTIONS_GRACE_DEFAULT 10U  /* seconds */

/*
 * A device option, one of those a device module declares (device.h):
 * --KIND=VALUE (the only device of its type) or --KIND:NAME=VALUE.
 */
struct device_type;
struct options_dev {
    const struct device_type *type;
    unsigned option;   /* index into type->options */
    const char *name;  /* NULL: the application's only device of the type */
    const char *value; /* NULL for flags */
};

struct options {
    uint64_t mem_size;     /* bytes, a multiple of MEM_ALIGN */
    unsigned timeout;      /* seconds; 0 for none */
    bool quiet;
    bool boot_trace;       /* --boot-trace */
    bool kvm_stats;        /* --kvm-stats */
    /* The debug options (debug.h), checked there; NULL when not given. */
    const char *gdb;       /* --gdb=PORT or unix:PATH */
    const char *dumpcore;  /* --dumpcore[=DIR]: the directory, "." without */
    const char *profile;   /* --profile=FILE[,hz=N] */
    const char *snapshot;  /* --snapshot=FILE (snapshot.h) */
    bool snapshot_continue; /* --snapshot-continue */
    bool snapshot_idle;     /* --snapshot-idle */
    const char *restore;   /* --restore=FILE (restore.h) */
    unsigned grace;        /* --grace, seconds */
    size_t nenv;           /* --env values, in order: KEY=VALUE or KEY */
    const char *env[OPTIONS_ENV_MAX];
    const char *image;     /* argv[optind] */
    int guest_argc;        /* the image path and what follows it */
    char **guest_argv;
    size_t ndev;
    struct options_dev dev[OPTIONS_DEV_MAX];
    char dev_names[OPTIONS_DEV_MAX][UHVT_NAME_MAX];
};

enum options_result { OPTIONS_RUN, OPTIONS_HELP, OPTIONS_VERSION, OPTIONS_ERROR };

/*
 * Parse GNU-style options up to the image path; everything after it belongs
 * to the guest (its argv[0] is the image path).  Long options take their
 * value after '=' or as the next argument; short ones may be bundled (-qm64M).
 * On OPTIONS_ERROR `why` says what is wrong.  Pure: no global state.
 */
enum options_result options_parse(int argc, char **argv, struct options *o,
                                  char why[OPTIONS_WHY_MAX]);

/*
 * The value of option `option` of device type `type` for the manifest
 * device `name`: given as --KIND:NAME=..., or as plain --KIND=... when
 * `only` (the application declares no other device of that type).  "" for
 * a flag; NULL if absent.
 */
const char *options_dev_value(const struct options *o,
                              const struct device_type *type, unsigned option,
                              const char *name, bool only);

/* The option's spelling without :NAME, e.g. "--net". */
const char *options_dev_option(const struct options_dev *d);

/* "256M", "1G", "4096K", "1048576": bytes; -1 if malformed or overflowing. */
int options_parse_size(const char *s, uint64_t *bytes);

/* uhvt --help, the devices' options from their modules. */
void options_usage(FILE *f);

#endif
