/* notcpip.c: the TCP/IP stack's hooks when the image has no stack (uhvt-cc without --tcpip). */
#include <errno.h>

#include "runtime.h"

int tcpip_arg(const char *arg)
{
    (void)arg;
    return 0;
}

void tcpip_start(void)
{
}

/* Nothing but the clock can make a descriptor ready. */
void tcpip_wait(uint64_t deadline_ns)
{
    clock_sleep_until(deadline_ns);
}

void tcpip_exit(void)
{
}

void tcpip_restore(const char *args, size_t len)
{
    (void)args;
    (void)len;
}

long tcpip_syscall(unsigned long nr, const long a[6])
{
    (void)nr;
    (void)a;
    return -ENOSYS;
}
