/* boottrace.h: --boot-trace: when each boot phase ended, for bench/boot. */
#ifndef BOOTTRACE_H
#define BOOTTRACE_H

#include <stdbool.h>

extern bool boottrace_on;

/* Note that phase `name` (a string constant) just ended; cheap, no output. */
void boottrace_mark(const char *name);

/*
 * Print every mark as "uhvt-boot: NAME NS" on stderr, NS being
 * CLOCK_MONOTONIC in nanoseconds, so a parent can subtract its own clock.
 */
void boottrace_print(void);

#endif
