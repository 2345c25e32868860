/* options.h: the command line: monitor options, then the image and the guest's argv. */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#define OPTIONS_WHY_MAX 160

struct options {
    uint64_t mem_size;     /* bytes, a multiple of MEM_ALIGN */
    unsigned timeout;      /* seconds; 0 for none */
    bool quiet;
    const char *image;     /* argv[optind] */
    int guest_argc;        /* the image path and what follows it */
    char **guest_argv;
};

enum options_result { OPTIONS_RUN, OPTIONS_HELP, OPTIONS_VERSION, OPTIONS_ERROR };

/*
 * Parse GNU-style options up to the image path; everything after it belongs
 * to the guest (its argv[0] is the image path).  On OPTIONS_ERROR `why` says
 * what is wrong.  Pure apart from getopt's global state, which it resets.
 */
enum options_result options_parse(int argc, char **argv, struct options *o,
                                  char why[OPTIONS_WHY_MAX]);

/* "256M", "1G", "4096K", "1048576": bytes; -1 if malformed or overflowing. */
int options_parse_size(const char *s, uint64_t *bytes);

/* The text of uhvt --help. */
extern const char options_usage[];

#endif
