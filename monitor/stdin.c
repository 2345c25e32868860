/* stdin.c: the host's stdin, read for the guest without ever blocking the vCPU thread. */
#include "stdin.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "uhvt_abi.h"

/*
 * uhvt never changes its stdin's file status flags (O_NONBLOCK belongs to
 * the open file description, shared with the shell or the pipe's other
 * processes), so a read is made only after poll says it will not block:
 * a regular file always, a pipe or terminal when input (or its end) is
 * there.  The one way this can still block is another process taking the
 * same input between the two calls; uhvt's --timeout and signals still end
 * it then, since the read is interrupted.
 */

void stdin_setup(struct vm *vm)
{
    /*
     * A closed fd 0 would be taken by the next file uhvt opens (the image,
     * /dev/kvm): hold it with /dev/null, and give the guest end of file.
     */
    if (fcntl(STDIN_FILENO, F_GETFD) < 0 && errno == EBADF) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd > STDIN_FILENO)
            close(fd);
        vm->stdin_fd = -1;
        return;
    }
    vm->stdin_fd = STDIN_FILENO;
    vm->stdin_tty = isatty(STDIN_FILENO);
}

bool stdin_ready(const struct vm *vm)
{
    if (vm->stdin_fd < 0)
        return true;
    struct pollfd p = {.fd = vm->stdin_fd, .events = POLLIN};
    struct timespec now = {0, 0};
    return ppoll(&p, 1, &now, NULL) > 0 && p.revents != 0;
}

int stdin_hc_read(struct vm *vm, void *arg)
{
    struct uhvt_hc_stdin *a = arg;
    a->got = 0;
    if (a->len > UHVT_STDIN_MAX) {
        a->ret = UHVT_EINVAL;
        return VM_CONTINUE;
    }
    uint8_t *p = mem_ptr(&vm->mem, a->data, a->len);
    if (p == NULL) {
        vm_report(vm, "guest stdin read outside guest memory (0x%llx, %u bytes)",
                  (unsigned long long)a->data, a->len);
        return UHVT_EXIT_BAD_HYPERCALL;
    }
    a->ret = UHVT_OK;
    if (vm->stdin_fd < 0 || a->len == 0)
        return VM_CONTINUE;
    if (!stdin_ready(vm)) {
        a->ret = UHVT_EAGAIN;
        return VM_CONTINUE;
    }
    ssize_t n = read(vm->stdin_fd, p, a->len);
    if (n > 0) {
        a->got = (uint32_t)n;
    } else if (n == 0) {
        /* A terminal's end of file (^D) is one read's: more may follow. */
        if (!vm->stdin_tty)
            vm->stdin_fd = -1;
    } else if (errno == EAGAIN || errno == EINTR) {
        a->ret = UHVT_EAGAIN;
    } else if (errno == EBADF || errno == EISDIR) {
        vm->stdin_fd = -1; /* not readable: nothing to read */
    } else {
        a->ret = UHVT_EIO;
    }
    return VM_CONTINUE;
}
