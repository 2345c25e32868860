/* clock.c: the monotonic clock advances, a 100 ms sleep takes at least 100 ms, wall time is sane. */
#include <stdio.h>
#include <time.h>

static long long ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
    long long a = ns(CLOCK_MONOTONIC), b = ns(CLOCK_MONOTONIC);
    if (b < a)
        return 2;
    struct timespec req = {0, 100000000};
    long long t0 = ns(CLOCK_MONOTONIC);
    if (nanosleep(&req, NULL) != 0)
        return 3;
    long long slept = ns(CLOCK_MONOTONIC) - t0;
    printf("slept %lld ms\n", slept / 1000000);
    if (slept < 100000000LL)
        return 4;
    time_t now = time(NULL);
    printf("year ok: %d\n", now > 1700000000);
    return now > 1700000000 ? 0 : 5;
}
