/* options.c: the command line: monitor options, then the image and the guest's argv. */
#include "options.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "uhvt_abi.h"

const char options_usage[] =
    "usage: uhvt [OPTIONS] APP.hvt [ARGS...]\n"
    "Run the unikernel APP.hvt on KVM; ARGS become its argv.\n"
    "\n"
    "  -m, --mem=SIZE       guest memory, K/M/G suffixes (default 256M,\n"
    "                       4M..4G, rounded up to 2M; populated lazily)\n"
    "  -t, --timeout=SECS   end the guest after SECS seconds\n"
    "  -q, --quiet          do not report how the guest ended\n"
    "  -h, --help           this text\n"
    "  -V, --version        version and ABI version\n"
    "\n"
    "Exit status:\n"
    "  0-119  the guest's own exit status\n"
    "  120    the guest's exit status was outside 0-119\n"
    "  121    the guest aborted (abort(), failed stack check, hlt)\n"
    "  122    the guest took a CPU exception or triple fault\n"
    "  123    the guest made a malformed hypercall or touched no-man's land\n"
    "  124    --timeout expired\n"
    "  125    uhvt could not start the guest (bad options, image, KVM)\n"
    "  128+N  ended by signal N (SIGINT, SIGTERM, SIGHUP)\n";

int options_parse_size(const char *s, uint64_t *bytes)
{
    if (*s < '0' || *s > '9')
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

static const struct option longopts[] = {
    {"mem", required_argument, NULL, 'm'},
    {"timeout", required_argument, NULL, 't'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

enum options_result options_parse(int argc, char **argv, struct options *o,
                                  char why[OPTIONS_WHY_MAX])
{
    *o = (struct options){.mem_size = MEM_DEFAULT};
    optind = 0; /* glibc: full reset, so repeated calls (tests) start afresh */
    opterr = 0;
    int c;
    /* '+': stop at the image; what follows it is the guest's. */
    while ((c = getopt_long(argc, argv, "+:m:t:qhV", longopts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case 'm':
            if (options_parse_size(optarg, &v) < 0 || v < MEM_MIN ||
                v > UHVT_MEM_MAX) {
                snprintf(why, OPTIONS_WHY_MAX,
                         "--mem=%s: need a size from 4M to 4G", optarg);
                return OPTIONS_ERROR;
            }
            o->mem_size = (v + MEM_ALIGN - 1) & ~(MEM_ALIGN - 1);
            break;
        case 't':
            if (options_parse_size(optarg, &v) < 0 || v == 0 || v > 86400 * 365) {
                snprintf(why, OPTIONS_WHY_MAX,
                         "--timeout=%s: need whole seconds, 1 to a year", optarg);
                return OPTIONS_ERROR;
            }
            o->timeout = (unsigned)v;
            break;
        case 'q': o->quiet = true; break;
        case 'h': return OPTIONS_HELP;
        case 'V': return OPTIONS_VERSION;
        case ':':
            snprintf(why, OPTIONS_WHY_MAX, "option '%s' needs a value",
                     argv[optind - 1]);
            return OPTIONS_ERROR;
        default:
            snprintf(why, OPTIONS_WHY_MAX, "unknown option '%s'", argv[optind - 1]);
            return OPTIONS_ERROR;
        }
    }
    if (optind >= argc) {
        snprintf(why, OPTIONS_WHY_MAX, "no unikernel image given");
        return OPTIONS_ERROR;
    }
    o->image = argv[optind];
    o->guest_argc = argc - optind;
    o->guest_argv = argv + optind;
    return OPTIONS_RUN;
}
