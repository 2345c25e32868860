/* output.c: the monitor's writes to stdout and stderr, which never keep an ending signal waiting. */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Each stream's fd, and whether a write to it returns without waiting for
 * a reader: an O_NONBLOCK description of our own, or a regular file.  Per
 * process, as stdout and stderr are.
 */
static struct {
    int fd;
    bool prompt;
} streams[] = {
    [OUTPUT_CONSOLE] = {STDOUT_FILENO, false},
    [OUTPUT_REPORT] = {STDERR_FILENO, false},
};

void output_setup(void)
{
    for (size_t i = 0; i < sizeof(streams) / sizeof(streams[0]); i++) {
        int fd = streams[i].fd;
        struct stat st, own_st;
        if (fstat(fd, &st) < 0)
            continue;
        if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
            streams[i].prompt = true;
            continue;
        }
        /* Sockets cannot be opened again; they keep ppoll and PIPE_BUF. */
        if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
            continue;
        char path[32];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        /* O_NOCTTY: a terminal opened again must not become ours. */
        int own = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (own < 0)
            continue;
        /* The same object, not whatever the path now names. */
        if (fstat(own, &own_st) < 0 || own_st.st_dev != st.st_dev ||
            own_st.st_ino != st.st_ino || own_st.st_rdev != st.st_rdev) {
            close(own);
            continue;
        }
        streams[i].fd = own;
        streams[i].prompt = true;
    }
}

int output_fd(enum output_stream s)
{
    return streams[s].fd;
}

/*
 * Wait until `fd` takes bytes (or has failed: the write will say): true;
 * false if a signal is pending on sig_fd first, or wait_ms passed.
 */
static bool output_wait(int fd, int sig_fd, int wait_ms)
{
    struct pollfd p[2] = {
        {.fd = fd, .events = POLLOUT},
        {.fd = sig_fd, .events = POLLIN}, /* ignored when -1 */
    };
    struct timespec ts = {.tv_sec = wait_ms / 1000,
                          .tv_nsec = (long)(wait_ms % 1000) * 1000000L};
    int n;
    do
        n = ppoll(p, 2, wait_ms < 0 ? NULL : &ts, NULL);
    while (n < 0 && errno == EINTR);
    return n > 0 && p[0].revents != 0;
}

size_t output_write(enum output_stream s, int sig_fd, const void *buf, size_t len,
                    int wait_ms)
{
    const char *p = buf;
    int fd = streams[s].fd;
    bool prompt = streams[s].prompt;
    size_t done = 0;
    while (done < len) {
        /*
         * A blocking fd is written only once ppoll says it has room, and
         * then at most PIPE_BUF bytes: a pipe or FIFO with room has a free
         * page, so that much goes in without waiting for the reader.
         */
        size_t n = len - done;
        if (!prompt) {
            if (!output_wait(fd, sig_fd, wait_ms))
                break;
            if (n > PIPE_BUF)
                n = PIPE_BUF;
        }
        ssize_t w = write(fd, p + done, n);
        if (w > 0) {
            done += (size_t)w;
        } else if (w < 0 && errno == EAGAIN && prompt) {
            if (!output_wait(fd, sig_fd, wait_ms))
                break;
        } else if (!(w < 0 && errno == EINTR)) {
            break;
        }
    }
    return done;
}
