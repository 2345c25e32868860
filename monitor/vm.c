/* vm.c: what the monitor's parts share about the running guest: signals and reports. */
#include "vm.h"

#include <stdarg.h>
#include <stdio.h>

volatile sig_atomic_t vm_signal;

void vm_report(const struct vm *vm, const char *fmt, ...)
{
    if (vm->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("uhvt: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
