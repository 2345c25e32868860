/* console.c: descriptors 0, 1 and 2: stdin from the host's, output to the console. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <termios.h>

#include "hypercall.h"
#include "runtime.h"

/*
 * Descriptors 1 and 2 behave as a terminal whatever the host's are: they
 * answer TIOCGWINSZ, so musl line-buffers stdout and a line reaches the
 * console as soon as it is complete rather than at exit (or never, if the
 * guest crashes).  Descriptor 0 tells the truth: it is a terminal (TCGETS,
 * TIOCGWINSZ) only when the host's stdin is one (UHVT_BOOT_STDIN_TTY).
 *
 * Input is read from the host's stdin through UHVT_HC_STDIN, a buffer at a
 * time; a read finding nothing waits in poll_until's way, with
 * UHVT_POLL_STDIN asked of the monitor's poll while some reader waits.
 */

struct console {
    int fd; /* 0, 1 or 2 */
};
static struct console streams[3] = { { 0 }, { 1 }, { 2 } };

static struct {
    char buf[4096];
    uint32_t off, len;
    int eof;    /* the monitor said end of file: the next read returns 0 */
    int wanted; /* a reader waits: UHVT_POLL_STDIN */
} in;

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

    (void)flags;
    if (((struct console *)obj)->fd == 0 && !(boot_info.flags & UHVT_BOOT_STDIN_TTY))
        return -EBADF;
    for (int i = 0; i < n; i++) {
        long r = console_write(iov[i].iov_base, iov[i].iov_len);
        if (r < 0)
            return total > 0 ? (long)total : r;
        total += (size_t)r;
    }
    return (long)total;
}

/* Fill the buffer if it is empty and the monitor has something. */
static void console_fill(void)
{
    if (in.off < in.len || in.eof)
        return;
    struct uhvt_hc_stdin r = { .data = (uintptr_t)in.buf, .len = sizeof in.buf };
    hypercall(UHVT_HC_STDIN, &r);
    if (r.ret == UHVT_OK && r.got > 0) {
        in.off = 0;
        in.len = r.got;
    } else if (r.ret == UHVT_OK) {
        in.eof = 1;
    } else {
        in.wanted = 1;
    }
}

static long console_read_try(void *ctx)
{
    struct iov_cursor *c = ctx;

    console_fill();
    if (in.off < in.len) {
        size_t n = fd_iov_out(c, in.buf + in.off, in.len - in.off);
        in.off += (uint32_t)n;
        return (long)n;
    }
    if (in.eof) {
        in.eof = 0; /* a terminal may give more after ^D */
        return 0;
    }
    return -EAGAIN;
}

/* Like a pipe: what is there, up to the buffers' size; waits for some. */
static long console_readv(void *obj, const struct iovec *iov, int n, int flags)
{
    struct console *con = obj;
    struct iov_cursor c = { .iov = iov, .n = n };

    if (con->fd != 0)
        return -EBADF;
    if (fd_iov_check(iov, n) == 0)
        return 0;
    if (flags & O_NONBLOCK)
        return console_read_try(&c);
    return poll_until(console_read_try, &c, -EAGAIN, UINT64_MAX);
}

static unsigned console_poll(void *obj, uint32_t *gen)
{
    struct console *con = obj;

    *gen = 0;
    if (con->fd != 0)
        return POLLOUT;
    console_fill();
    *gen = in.off ^ in.len ^ (uint32_t)in.eof;
    return in.off < in.len || in.eof ? POLLIN : 0;
}

uint32_t console_poll_flags(void)
{
    return in.wanted ? UHVT_POLL_STDIN : 0;
}

void console_polled(uint64_t ready)
{
    if (ready & UHVT_POLL_READY_STDIN)
        in.wanted = 0;
}

static int console_tty(const struct console *con)
{
    return con->fd != 0 || (boot_info.flags & UHVT_BOOT_STDIN_TTY);
}

/* The modes of a terminal as Linux sets one up: cooked, echoing. */
static void console_termios(struct termios *t)
{
    static const cc_t cc[NCCS] = {
        [VINTR] = 3, [VQUIT] = 28, [VERASE] = 127, [VKILL] = 21, [VEOF] = 4,
        [VMIN] = 1, [VSTART] = 17, [VSTOP] = 19, [VSUSP] = 26, [VREPRINT] = 18,
        [VWERASE] = 23, [VLNEXT] = 22,
    };

    memset(t, 0, sizeof *t);
    t->c_iflag = ICRNL | IXON | IUTF8;
    t->c_oflag = OPOST | ONLCR;
    t->c_cflag = B38400 | CS8 | CREAD | HUPCL;
    t->c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN | ECHOCTL | ECHOKE;
    memcpy(t->c_cc, cc, sizeof cc);
}

/* musl's isatty asks TIOCGWINSZ; tcgetattr asks TCGETS. */
static long console_ioctl(void *obj, unsigned long req, void *arg)
{
    struct console *con = obj;

    if (!console_tty(con))
        return -ENOTTY;
    switch (req) {
    case TIOCGWINSZ: {
        struct winsize *ws = arg;
        if (!mem_check(ws, sizeof *ws))
            return -EFAULT;
        *ws = (struct winsize){ .ws_row = 24, .ws_col = 80 };
        return 0;
    }
    case TCGETS: {
        /* The kernel's struct termios: musl's without the speeds at its end. */
        struct termios t;
        if (!mem_check(arg, offsetof(struct termios, __c_ispeed)))
            return -EFAULT;
        console_termios(&t);
        memcpy(arg, &t, offsetof(struct termios, __c_ispeed));
        return 0;
    }
    default:
        return -ENOTTY;
    }
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
        (void)fd_alloc(&console_ops, &streams[i], 0);
}
