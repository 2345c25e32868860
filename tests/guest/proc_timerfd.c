/* proc_timerfd.c: test guest, also built for Linux: timerfd_create, timerfd_settime and timerfd_gettime — one-shot, periodic and absolute timers, reads, poll and epoll, errors. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>

#include "probe.h"

static uint64_t now_ms(clockid_t c)
{
    struct timespec ts;

    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct itimerspec its(long value_ms, long interval_ms)
{
    return (struct itimerspec){
        .it_value = { value_ms / 1000, value_ms % 1000 * 1000000 },
        .it_interval = { interval_ms / 1000, interval_ms % 1000 * 1000000 },
    };
}

static int tfd;

static void *reader_thread(void *arg)
{
    uint64_t n = 0;

    (void)arg;
    if (read(tfd, &n, sizeof n) != sizeof n)
        return (void *)-1L;
    return (void *)(long)n;
}

int main(void)
{
    struct itimerspec v = its(50, 0), bad = its(0, 0), got;
    uint64_t n = 0;
    int p[2];

    probe_start();
    puts("== creation");
    CALL(timerfd_create(99, 0));
    CALL(timerfd_create(CLOCK_MONOTONIC, 0x10));
    CALL(timerfd_create(CLOCK_REALTIME_ALARM, 0));
    CALL(tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
    CALL(fcntl(tfd, F_GETFD));
    CALL(fcntl(tfd, F_GETFL) & O_ACCMODE);

    puts("== errors");
    bad.it_value.tv_nsec = 1000000000;
    CALL(timerfd_settime(tfd, 0, &bad, NULL));
    CALL(timerfd_settime(tfd, 0x10, &v, NULL));
    CALL(timerfd_settime(tfd, 0, BAD, NULL));
    CALL(timerfd_settime(-1, 0, &v, NULL));
    pipe(p);
    CALL(timerfd_settime(p[0], 0, &v, NULL));
    CALL(timerfd_gettime(p[0], &got));
    CALL(timerfd_gettime(tfd, BAD));
    CALL(write(tfd, &n, sizeof n));
    CALL(read(tfd, &n, 4));
    CALL(fcntl(tfd, F_SETFL, O_NONBLOCK));
    CALL(read(tfd, &n, sizeof n));
    CALL(fcntl(tfd, F_SETFL, 0));

    puts("== one-shot");
    uint64_t t0 = now_ms(CLOCK_MONOTONIC);
    CALL(timerfd_settime(tfd, 0, &v, NULL));
    timerfd_gettime(tfd, &got);
    printf("remaining in (0, 50 ms]: %d, interval %ld.%09ld\n",
           got.it_value.tv_sec == 0 && got.it_value.tv_nsec > 0 &&
               got.it_value.tv_nsec <= 50000000,
           (long)got.it_interval.tv_sec, got.it_interval.tv_nsec);
    struct pollfd pf = { tfd, POLLIN, 0 };
    CALL(poll(&pf, 1, 0));
    CALL(read(tfd, &n, sizeof n));
    printf("expirations %llu, after at least 50 ms: %d\n", (unsigned long long)n,
           now_ms(CLOCK_MONOTONIC) - t0 >= 50);
    timerfd_gettime(tfd, &got);
    printf("then: value %ld.%09ld interval %ld.%09ld\n", (long)got.it_value.tv_sec,
           got.it_value.tv_nsec, (long)got.it_interval.tv_sec,
           got.it_interval.tv_nsec);

    puts("== periodic");
    v = its(10, 10);
    CALL(timerfd_settime(tfd, 0, &v, NULL));
    usleep(55000);
    CALL(poll(&pf, 1, 0));
    printf("revents %#x\n", pf.revents);
    read(tfd, &n, sizeof n);
    printf("at least 5 expirations in 55 ms: %d\n", n >= 5);
    struct itimerspec old;
    v = its(0, 0);
    CALL(timerfd_settime(tfd, 0, &v, &old));
    printf("old interval %ld.%09ld, disarmed: poll %d\n",
           (long)old.it_interval.tv_sec, old.it_interval.tv_nsec,
           poll(&pf, 1, 30));

    puts("== absolute, on the wall clock");
    int rt = timerfd_create(CLOCK_REALTIME, 0);
    uint64_t wall = now_ms(CLOCK_REALTIME) + 30;
    v = its((long)wall, 0);
    t0 = now_ms(CLOCK_MONOTONIC);
    CALL(timerfd_settime(rt, TFD_TIMER_ABSTIME, &v, NULL));
    CALL(read(rt, &n, sizeof n));
    printf("expirations %llu, after about 30 ms: %d\n", (unsigned long long)n,
           now_ms(CLOCK_MONOTONIC) - t0 >= 25);
    v = its(1, 0); /* 1970: long past */
    CALL(timerfd_settime(rt, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &v, NULL));
    CALL(read(rt, &n, sizeof n));
    close(rt);

    puts("== epoll");
    int ep = epoll_create1(0);
    struct epoll_event e = { .events = EPOLLIN, .data.u64 = 77 }, out;
    CALL(epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &e));
    v = its(20, 0);
    t0 = now_ms(CLOCK_MONOTONIC);
    timerfd_settime(tfd, 0, &v, NULL);
    CALL(epoll_wait(ep, &out, 1, 2000));
    printf("data %llu events %#x after at least 20 ms: %d\n",
           (unsigned long long)out.data.u64, out.events,
           now_ms(CLOCK_MONOTONIC) - t0 >= 20);
    read(tfd, &n, sizeof n);
    CALL(epoll_wait(ep, &out, 1, 0));

    puts("== a thread blocked in read");
    pthread_t t;
    void *r;
    pthread_create(&t, NULL, reader_thread, NULL);
    v = its(20, 0);
    timerfd_settime(tfd, 0, &v, NULL);
    pthread_join(t, &r);
    printf("the thread read %ld\n", (long)r);
    puts("done");
    return 0;
}
