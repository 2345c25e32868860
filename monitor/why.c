/* why.c: the setup steps' one error convention: 0, or -1 with the reason in a buffer. */
#include "why.h"

#include <stdarg.h>
#include <stdio.h>

int why_fail(char why[WHY_MAX], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, WHY_MAX, fmt, ap);
    va_end(ap);
    return -1;
}
