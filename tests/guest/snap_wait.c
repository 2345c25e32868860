/* snap_wait.c: a program that never calls uhvt_snapshot(): --snapshot-idle takes it at its first wait. */
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

/* Guest memory the snapshot must carry: 41 before the wait, 42 after it. */
static volatile int counter;

int main(void)
{
    unsigned char rnd[16];

    for (int i = 0; i < 41; i++)
        counter++;
    /* Drawn before the wait: the same in every restore, as docs/security.md says. */
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        return 12;
    printf("waiting counter=%d\n", counter);
    fflush(stdout);
    /* The first wait: the ready point under --snapshot-idle. */
    nanosleep(&(struct timespec){0, 200000000}, NULL);
    counter++;
    printf("woke counter=%d before=%02x%02x", counter, rnd[0], rnd[1]);
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        return 12;
    printf(" random=");
    for (size_t i = 0; i < sizeof rnd; i++)
        printf("%02x", rnd[i]);
    printf("\n");
    return 0;
}
