/* enosys.c: a system call the runtime does not implement fails with ENOSYS. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(void)
{
    long r = syscall(SYS_fork);
    int e = errno;
    long r2 = syscall(100000);
    printf("fork=%ld errno=%d bogus=%ld errno=%d\n", r, e, r2, errno);
    return r == -1 && e == ENOSYS && r2 == -1 && errno == ENOSYS ? 0 : 1;
}
