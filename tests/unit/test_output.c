/* test_output.c: a stalled reader of stdout or stderr never keeps an ending signal waiting. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "output.h"

/* 1 MiB: more than any pipe or terminal holds unread. */
#define FLOOD (1 << 20)
static char flood[FLOOD];

/* A signalfd with SIGUSR1 pending on it, as signals_setup routes SIGTERM. */
static int pending_signal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    cr_assert_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    cr_assert_geq(fd, 0);
    raise(SIGUSR1);
    return fd;
}

/* stdout becomes the write end of a pipe nobody reads; returns its read end. */
static int stalled_pipe_on_stdout(void)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    cr_assert_eq(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);
    close(p[1]);
    return p[0];
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Each test runs in its own process: stdout and the streams are its own. */

Test(output, stalled_pipe_yields_to_a_signal, .timeout = 10)
{
    int r = stalled_pipe_on_stdout();
    output_setup();
    cr_assert_neq(output_fd(OUTPUT_CONSOLE), STDOUT_FILENO, "a description of our own");
    int sig = pending_signal();
    size_t n = output_write(OUTPUT_CONSOLE, sig, flood, FLOOD, -1);
    cr_assert_gt(n, 0, "what fits is written");
    cr_assert_lt(n, FLOOD, "the rest waits for nobody");
    close(r);
}

Test(output, stalled_pipe_without_setup_yields_to_a_signal, .timeout = 10)
{
    /* The fallback: the inherited blocking fd, ppoll and PIPE_BUF writes. */
    int r = stalled_pipe_on_stdout();
    int sig = pending_signal();
    size_t n = output_write(OUTPUT_CONSOLE, sig, flood, FLOOD, -1);
    cr_assert_gt(n, 0);
    cr_assert_lt(n, FLOOD);
    close(r);
}

Test(output, stalled_terminal_yields_to_a_signal, .timeout = 10)
{
    /*
     * A terminal says it has room as soon as it has one byte of it, so a
     * blocking write may still wait for the reader: only a non-blocking
     * description of our own is safe.  Nobody reads this pty's master.
     */
    for (size_t i = 0; i < FLOOD; i++)
        flood[i] = i % 3 == 2 ? '\n' : 'x'; /* "\n" becomes "\r\n": odd sizes */
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    cr_assert_geq(master, 0);
    cr_assert_eq(grantpt(master), 0);
    cr_assert_eq(unlockpt(master), 0);
    int slave = open(ptsname(master), O_WRONLY | O_NOCTTY);
    cr_assert_geq(slave, 0);
    cr_assert_eq(dup2(slave, STDOUT_FILENO), STDOUT_FILENO);
    output_setup();
    int sig = pending_signal();
    size_t n = output_write(OUTPUT_CONSOLE, sig, flood, FLOOD, -1);
    cr_assert_lt(n, FLOOD);
}

Test(output, stalled_stderr_gives_up_after_the_wait, .timeout = 10)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    cr_assert_eq(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
    output_setup();
    double t0 = now();
    size_t n = output_write(OUTPUT_REPORT, -1, flood, FLOOD, 200);
    double took = now() - t0;
    cr_assert_lt(n, FLOOD);
    cr_assert(took >= 0.15 && took < 5, "waited %.3f s, not about 0.2", took);
}

Test(output, all_of_it_when_there_is_room)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    cr_assert_eq(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);
    output_setup();
    int sig = pending_signal();
    /* A pending signal does not drop what the stream can take at once. */
    cr_assert_eq(output_write(OUTPUT_CONSOLE, sig, "hello\n", 6, -1), 6);
    char buf[8];
    cr_assert_eq(read(p[0], buf, sizeof(buf)), 6);
    cr_assert_arr_eq(buf, "hello\n", 6);
}

Test(output, regular_file_used_as_it_is)
{
    char path[] = "/tmp/uhvt-test-output.XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    cr_assert_eq(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
    output_setup();
    /* Its offset is shared with whoever redirected to it: no new open. */
    cr_assert_eq(output_fd(OUTPUT_CONSOLE), STDOUT_FILENO);
    cr_assert_eq(output_write(OUTPUT_CONSOLE, -1, flood, FLOOD, -1), FLOOD);
    cr_assert_eq(lseek(fd, 0, SEEK_CUR), FLOOD);
}
