/* snap_counter.c: take a snapshot at the ready point, then show what a restored instance kept and renewed. */
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <uhvt.h>

/* Guest memory the snapshot must carry: 41 before it, 42 in every restore. */
static volatile int counter;

static long long ms_between(const struct timespec *a, const struct timespec *b)
{
    return (long long)(b->tv_sec - a->tv_sec) * 1000 +
           (b->tv_nsec - a->tv_nsec) / 1000000;
}

int main(int argc, char **argv)
{
    struct timespec m0, m1, w1;
    unsigned char rnd[16];

    for (int i = 0; i < 41; i++)
        counter++;
    clock_gettime(CLOCK_MONOTONIC, &m0);
    printf("ready counter=%d argc=%d\n", counter, argc);
    fflush(stdout);
    int r = uhvt_snapshot();
    counter++;
    clock_gettime(CLOCK_MONOTONIC, &m1);
    clock_gettime(CLOCK_REALTIME, &w1);
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        return 12;
    printf("snapshot=%d counter=%d mono_ms=%lld wall_s=%lld random=", r,
           counter, ms_between(&m0, &m1), (long long)w1.tv_sec);
    for (size_t i = 0; i < sizeof rnd; i++)
        printf("%02x", rnd[i]);
    printf("\n");
    return r == 1 ? 0 : r == 0 ? 10 : 11;
}
