/* probe.h: test guests built twice, for uhvt and for Linux (-DNATIVE), print calls' results in one format so the two outputs can be compared. */
#ifndef TESTS_GUEST_PROBE_H
#define TESTS_GUEST_PROBE_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

/*
 * CALL(expr) prints "expr = value", or "expr = -1 ENAME" when it returns
 * -1, and yields the value.  Lines starting with "#" (NOTE) hold what
 * legitimately differs between the unikernel and the host (limits, pids,
 * CPUs): the suite leaves them out of the comparison and checks the
 * guest's by pattern.  A pointer no call may write through is BAD.
 */
#define CALL(e) probe_show(#e, (long)(e))
#define NOTE(...) (printf("# " __VA_ARGS__), putchar('\n'))
#define BAD ((void *)(uintptr_t)probe_bad)

static volatile uintptr_t probe_bad = 8;

static const char *probe_errno(int e)
{
    static char other[16];

    switch (e) {
#define E(x) case x: return #x
        E(EPERM); E(ENOENT); E(ESRCH); E(EINTR); E(EIO); E(EBADF);
        E(EAGAIN); E(ENOMEM); E(EACCES); E(EFAULT); E(EBUSY); E(EEXIST);
        E(ENODEV); E(EINVAL); E(ENFILE); E(EMFILE); E(ENOTTY); E(ESPIPE);
        E(EPIPE); E(ERANGE); E(EDEADLK); E(ENOSYS); E(ENOTSOCK);
        E(EOPNOTSUPP); E(EAFNOSUPPORT); E(EOVERFLOW); E(ENOTDIR);
        E(EISDIR); E(ENOTEMPTY); E(ELOOP); E(ENAMETOOLONG); E(EXDEV);
        E(EROFS); E(ENOSPC); E(EFBIG); E(ENXIO); E(EMLINK); E(ETXTBSY);
        E(ETIMEDOUT); E(ESOCKTNOSUPPORT); E(EPROTONOSUPPORT); E(EMSGSIZE);
#undef E
    }
    snprintf(other, sizeof other, "errno%d", e);
    return other;
}

static long probe_show(const char *what, long r)
{
    if (r == -1)
        printf("%s = -1 %s\n", what, probe_errno(errno));
    else
        printf("%s = %ld\n", what, r);
    return r;
}

/*
 * The same start on both sides: descriptors 0-2 only (a shell may leave
 * others open), and, natively, no root: the guest has no capabilities
 * (CAP_SYS_RESOURCE would let Linux raise hard limits), so the host run
 * drops to nobody.
 */
static void probe_start(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
#ifdef NATIVE
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
        NOTE("could not drop root");
#endif
}

#endif
