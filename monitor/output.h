/* output.h: the monitor's writes to stdout and stderr, which never keep an ending signal waiting. */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stddef.h>

enum output_stream {
    OUTPUT_CONSOLE, /* stdout: the guest's console */
    OUTPUT_REPORT,  /* stderr: the monitor's reports of how the guest ended */
};

/* How long a report waits for a stalled stderr before it is dropped. */
#define OUTPUT_REPORT_WAIT_MS 1000

/*
 * Before the sandbox: when stdout or stderr is a pipe, a FIFO or a terminal,
 * open it again through /proc/self/fd as a description of the monitor's own
 * with O_NONBLOCK (setting O_NONBLOCK on the inherited description would
 * change it for every process sharing it, such as the shell's terminal).
 * Where that fails (no /proc, no permission) or the fd is something else,
 * output_write waits with ppoll and writes at most PIPE_BUF bytes at a time:
 * that never waits on a pipe or FIFO, but a terminal on hold may take
 * fewer bytes than ppoll's POLLOUT promised (docs/security.md).
 * Regular files and block devices are used as they are: no reader can stall
 * them.  Never fails: the stream is then just the inherited fd.
 */
void output_setup(void);

/* The fd output_write uses for `s`: the sandbox allows write on it. */
int output_fd(enum output_stream s);

/*
 * Write `len` bytes of `buf` to `s` without ever blocking in write: wait
 * for room with one ppoll on the stream and `sig_fd` (the signalfd of the
 * ending signals; -1 for none).  Stops early, leaving the signal pending
 * for signals_take, when the stream has no room and a signal is pending;
 * also when it took nothing for `wait_ms` milliseconds (-1: no limit), or
 * a write failed (errno tells).  Returns the bytes written, all of `len`
 * unless it stopped early.
 */
size_t output_write(enum output_stream s, int sig_fd, const void *buf, size_t len,
                    int wait_ms);

#endif
