/* proc_dup.c: test guest, also built for Linux: dup, dup2, dup3 and fcntl — shared open descriptions, FD_CLOEXEC, F_DUPFD, status flags, record locks. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "probe.h"

static char in[64];

static void show_lock(int fd, int cmd, short type, short whence, long start,
                      long len, int pid)
{
    struct flock l = { .l_type = type, .l_whence = whence, .l_start = start,
                       .l_len = len, .l_pid = pid };
    int r = fcntl(fd, cmd, &l);

    printf("lock fd %d cmd %d type %d whence %d start %ld len %ld pid %d: ",
           fd, cmd, type, whence, start, len, pid);
    if (r < 0)
        printf("-1 %s\n", probe_errno(errno));
    else
        printf("%d, l_type %d\n", r, l.l_type);
}

int main(void)
{
    int p[2], q[2], one = 1, zero = 0;

    probe_start();
    signal(SIGPIPE, SIG_IGN);
    /* The same limit on both sides, below the guest's 1024. */
    struct rlimit lim;
    CALL(getrlimit(RLIMIT_NOFILE, &lim));
    lim.rlim_cur = 256;
    CALL(setrlimit(RLIMIT_NOFILE, &lim));

    puts("== dup");
    CALL(pipe(p));
    CALL(dup(p[0]));
    CALL(dup(99));
    CALL(dup(-1));
    CALL(fcntl(5, F_GETFL));

    puts("== dup2");
    CALL(dup2(p[1], 10));
    CALL(dup2(p[1], p[1]));
    CALL(dup2(50, 50));
    CALL(dup2(50, 51));
    CALL(dup2(p[1], -1));
    CALL(dup2(p[1], 256));
    CALL(dup2(p[1], 255));
    CALL(close(255));

    /* musl's dup3 calls dup2 unless O_CLOEXEC is given: the system call. */
    puts("== dup3");
    CALL(syscall(SYS_dup3, p[1], p[1], 0));
    CALL(syscall(SYS_dup3, 50, 50, 0));
    CALL(syscall(SYS_dup3, 50, 51, 0));
    CALL(dup3(p[1], 11, O_CLOEXEC));
    CALL(syscall(SYS_dup3, p[1], 12, O_NONBLOCK));
    CALL(dup3(p[1], 256, O_CLOEXEC));
    CALL(fcntl(11, F_GETFD));
    CALL(fcntl(10, F_GETFD));

    puts("== a shared description");
    CALL(fcntl(10, F_SETFL, O_NONBLOCK));
    CALL(fcntl(p[1], F_GETFL));
    CALL(fcntl(11, F_GETFL));
    CALL(fcntl(p[1], F_SETFD, FD_CLOEXEC));
    CALL(fcntl(p[1], F_GETFD));
    CALL(fcntl(10, F_GETFD));
    CALL(ioctl(5, FIONBIO, &one));
    CALL(fcntl(p[0], F_GETFL));
    CALL(ioctl(5, FIONBIO, &zero));
    CALL(fcntl(p[0], F_GETFL));
    CALL(ioctl(5, FIOCLEX));
    CALL(fcntl(5, F_GETFD));
    CALL(fcntl(p[0], F_GETFD));
    CALL(ioctl(5, FIONCLEX));
    CALL(fcntl(5, F_GETFD));
    CALL(write(10, "abc", 3));
    CALL(read(5, in, sizeof in));
    printf("read \"%.3s\"\n", in);

    puts("== the last descriptor closes");
    CALL(close(p[1]));
    CALL(write(10, "x", 1));
    CALL(read(p[0], in, sizeof in));
    CALL(close(10));
    CALL(write(11, "y", 1));
    CALL(close(11));
    CALL(read(5, in, sizeof in));
    CALL(read(p[0], in, sizeof in));
    CALL(close(p[0]));
    CALL(write(5, "z", 1));
    CALL(close(5));

    puts("== dup2 closes the descriptor it replaces");
    CALL(pipe(q));
    CALL(dup2(q[0], q[1]));
    CALL(fcntl(q[1], F_GETFL));
    CALL(read(q[0], in, sizeof in));
    CALL(pipe(p));
    printf("fds %d %d\n", p[0], p[1]);
    CALL(close(q[0]));
    CALL(close(q[1]));
    CALL(close(p[0]));
    CALL(close(p[1]));

    puts("== F_DUPFD, F_DUPFD_CLOEXEC");
    CALL(pipe(p));
    CALL(fcntl(p[0], F_DUPFD, 20));
    CALL(fcntl(p[0], F_DUPFD, 20));
    CALL(fcntl(p[0], F_DUPFD, 0));
    CALL(fcntl(p[0], F_DUPFD_CLOEXEC, 30));
    CALL(fcntl(30, F_GETFD));
    CALL(fcntl(20, F_GETFD));
    CALL(fcntl(p[0], F_DUPFD, -1));
    CALL(fcntl(p[0], F_DUPFD, 256));
    CALL(fcntl(p[0], F_DUPFD, 255));
    CALL(fcntl(p[0], F_DUPFD, 255));
    CALL(fcntl(99, F_DUPFD, 0));
    CALL(close(255));

    puts("== other fcntl commands");
    CALL(fcntl(99, F_GETFD));
    CALL(fcntl(99, F_SETFL, 0));
    CALL(fcntl(p[0], 9999));
    CALL(fcntl(p[0], F_SETFD, 0xff));
    CALL(fcntl(p[0], F_GETFD));
    CALL(fcntl(p[0], F_SETFL, O_APPEND | O_NONBLOCK | O_CREAT | O_TRUNC));
    CALL(fcntl(p[0], F_GETFL));
    CALL(fcntl(p[0], F_SETFL, 0));
    CALL(fcntl(p[0], F_GETFL));
    CALL(fcntl(p[0], F_GETOWN));
    CALL(fcntl(p[0], F_SETOWN, getpid()));
    CALL(fcntl(20, F_GETOWN) == getpid());

    puts("== record locks");
    show_lock(p[1], F_SETLK, F_WRLCK, SEEK_SET, 0, 0, 0);
    show_lock(p[0], F_SETLK, F_WRLCK, SEEK_SET, 0, 0, 0);
    show_lock(p[0], F_SETLK, F_RDLCK, SEEK_SET, 0, 10, 0);
    show_lock(p[1], F_SETLK, F_RDLCK, SEEK_SET, 0, 10, 0);
    show_lock(p[1], F_SETLKW, F_WRLCK, SEEK_CUR, 5, 10, 0);
    show_lock(p[0], F_SETLK, F_UNLCK, SEEK_END, 0, 0, 0);
    show_lock(p[1], F_SETLK, F_UNLCK, SEEK_SET, 0, 0, 0);
    show_lock(p[0], F_GETLK, F_WRLCK, SEEK_SET, 0, 0, 0);
    show_lock(p[0], F_GETLK, F_RDLCK, SEEK_SET, 0, 0, 0);
    show_lock(p[0], F_GETLK, F_UNLCK, SEEK_SET, 0, 0, 0);
    show_lock(p[0], F_SETLK, 7, SEEK_SET, 0, 0, 0);
    show_lock(p[0], F_SETLK, F_RDLCK, 9, 0, 0, 0);
    show_lock(p[0], F_SETLK, F_RDLCK, SEEK_SET, -1, 0, 0);
    show_lock(p[0], F_SETLK, F_RDLCK, SEEK_SET, 10, -11, 0);
    show_lock(p[0], F_SETLK, F_RDLCK, SEEK_SET, 10, -10, 0);
    show_lock(p[0], F_SETLK, F_RDLCK, SEEK_SET, 10, 0x7fffffffffffffffL, 0);
    show_lock(p[0], F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 0, 0);
    show_lock(p[0], F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 0, 5);
    show_lock(p[0], F_OFD_GETLK, F_RDLCK, SEEK_SET, 0, 0, 0);
    CALL(fcntl(p[0], F_SETLK, BAD));
    CALL(fcntl(p[0], F_GETLK, BAD));

    puts("== close");
    CALL(close(-1));
    CALL(close(99));
    CALL(close(20));
    CALL(close(20));
    CALL(close(21));
    CALL(close(30));
    CALL(close(p[0]));
    CALL(close(p[1]));
    CALL(close(5));
    CALL(dup(0));
    puts("done");
    return 0;
}
