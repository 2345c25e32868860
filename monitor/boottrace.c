/* boottrace.c: --boot-trace: when each boot phase ended, for bench/boot. */
#include "boottrace.h"

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "output.h"

#define MARKS_MAX 16

bool boottrace_on;
static struct {
    const char *name;
    uint64_t ns;
} marks[MARKS_MAX];
static int nmarks;

void boottrace_mark(const char *name)
{
    if (!boottrace_on || nmarks == MARKS_MAX)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    marks[nmarks].name = name;
    marks[nmarks++].ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void boottrace_print(void)
{
    for (int i = 0; i < nmarks; i++) {
        char line[80];
        int n = snprintf(line, sizeof(line), "uhvt-boot: %s %llu\n", marks[i].name,
                         (unsigned long long)marks[i].ns);
        /* The guest has ended: a stalled stderr gets the usual grace only. */
        if (n > 0 && (size_t)n < sizeof(line))
            output_write(OUTPUT_REPORT, -1, line, (size_t)n, OUTPUT_REPORT_WAIT_MS);
    }
}
