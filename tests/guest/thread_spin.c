/* thread_spin.c: test guest: threads are cooperative, so a thread that never blocks keeps the CPU until it waits or yields (docs/threads.md); "forever": a spinning thread starves a sleeping main. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int ran;

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *other(void *arg)
{
    (void)arg;
    ran = 1;
    return NULL;
}

static void *spinner(void *arg)
{
    (void)arg;
    for (;;)
        ran++;
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t t;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "forever") == 0) {
        pthread_create(&t, NULL, spinner, NULL);
        puts("main sleeps 100 ms while a thread spins");
        usleep(100000);
        puts("main woke up"); /* never, without preemption */
        return 0;
    }
    pthread_create(&t, NULL, other, NULL);
    /* System calls that do not block (clock_gettime) switch nothing. */
    uint64_t end = now_ms() + 200;
    while (now_ms() < end)
        ;
    printf("after spinning 200 ms: the other thread ran: %d\n", ran);
    sched_yield();
    printf("after sched_yield: the other thread ran: %d\n", ran);
    pthread_join(t, NULL);
    return 0;
}
