/* snap_signal.c: a SIGTERM handler installed before the ready point, then wait: a restored instance must still get host signals. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <uhvt.h>

static volatile sig_atomic_t got;

static void on_term(int sig)
{
    got = sig;
}

int main(void)
{
    struct sigaction sa = { .sa_handler = on_term };

    setvbuf(stdout, NULL, _IOLBF, 0);
    sigaction(SIGTERM, &sa, NULL);
    printf("ready\n");
    if (uhvt_snapshot() == 1)
        printf("restored\n");
    while (got == 0)
        pause();
    printf("handler ran for signal %d\n", (int)got);
    return 0;
}
