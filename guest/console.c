/* console.c: descriptors 0, 1 and 2: stdin at end of file, output to the console. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "hypercall.h"
#include "runtime.h"

/*
 * The three descriptors behave as a terminal: they answer TIOCGWINSZ, so
 * musl line-buffers stdout and a line reaches the console as soon as it is
 * complete rather than at exit (or never, if the guest crashes).
 */

/* Returns bytes written or -EIO if the monitor refused the first chunk. */
long console_write(const char *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        size_t n = len - done;
        if (n > UHVT_CONSOLE_MAX)
            n = UHVT_CONSOLE_MAX;
        struct uhvt_hc_console c = {
            .data = (uintptr_t)(buf + done),
            .len = (uint32_t)n,
        };
        hypercall(UHVT_HC_CONSOLE, &c);
        if (c.ret != UHVT_OK)
            return done > 0 ? (long)done : -EIO;
        done += n;
    }
    return (long)done;
}

/* fd.c has checked the vector and its buffers. */
static long console_writev(void *obj, const struct iovec *iov, int n,
                           int flags)
{
    size_t total = 0;

    (void)obj;
    (void)flags;
    for (int i = 0; i < n; i++) {
        long r = console_write(iov[i].iov_base, iov[i].iov_len);
        if (r < 0)
            return total > 0 ? (long)total : r;
        total += (size_t)r;
    }
    return (long)total;
}

/* Input is always at end of file. */
static long console_readv(void *obj, const struct iovec *iov, int n, int flags)
{
    (void)obj;
    (void)iov;
    (void)n;
    (void)flags;
    return 0;
}

static unsigned console_poll(void *obj, uint32_t *gen)
{
    (void)obj;
    (void)gen;
    return POLLIN | POLLOUT;
}

static long console_ioctl(void *obj, unsigned long req, void *arg)
{
    struct winsize *ws = arg;

    (void)obj;
    if (req != TIOCGWINSZ)
        return -ENOTTY;
    if (!mem_check(ws, sizeof *ws))
        return -EFAULT;
    *ws = (struct winsize){ .ws_row = 24, .ws_col = 80 };
    return 0;
}

static const struct fd_ops console_ops = {
    .mode = S_IFCHR | 0620,
    .access = O_RDWR,
    .readv = console_readv,
    .writev = console_writev,
    .poll = console_poll,
    .ioctl = console_ioctl,
};

void console_init(void)
{
    for (int i = 0; i < 3; i++)
        (void)fd_alloc(&console_ops, NULL, 0);
}
