/* vm.c: what the monitor's parts share about the running guest: devices, fds and reports. */
#include "vm.h"

#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "uhvt_abi.h"

void vm_report(const struct vm *vm, const char *fmt, ...)
{
    if (vm->quiet)
        return;
    static const char prefix[] = "uhvt: ";
    char line[VM_REPORT_MAX];
    memcpy(line, prefix, sizeof(prefix) - 1);
    size_t room = sizeof(line) - sizeof(prefix); /* the newline's byte kept */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line + sizeof(prefix) - 1, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = sizeof(prefix) - 1 + ((size_t)n < room ? (size_t)n : room - 1);
    line[len++] = '\n';
    vm_print(vm, line, len);
}

void vm_print(const struct vm *vm, const char *text, size_t len)
{
    output_write(OUTPUT_REPORT, vm->sig_fd, text, len, OUTPUT_REPORT_WAIT_MS);
}

void *vm_dev(const struct vm *vm, uint32_t handle, uint32_t type)
{
    if (handle >= UHVT_MANIFEST_MAX || vm->dev[handle].type != type)
        return NULL;
    return vm->dev[handle].state;
}

void vm_fd_register(struct vm *vm, int fd, unsigned uses)
{
    if (vm->nfds == VM_FDS_MAX)
        errx(UHVT_EXIT_SETUP, "too many device files");
    vm->fds[vm->nfds].fd = fd;
    vm->fds[vm->nfds].uses = uses;
    vm->nfds++;
}
