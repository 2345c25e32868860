/* thread_overflow.c: test guest: a thread whose recursion runs through its stack into musl's guard pages is stopped with a message at its next system call that can switch (docs/threads.md). */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

static volatile int depth;

static int recurse(int n)
{
    volatile char frame[512];

    memset((char *)frame, n, sizeof frame);
    depth = n;
    sched_yield();
    return recurse(n + 1) + frame[n % sizeof frame];
}

static void *deep(void *arg)
{
    (void)arg;
    return (void *)(long)recurse(0);
}

int main(void)
{
    pthread_attr_t a;
    pthread_t t;

    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 64 * 1024);
    pthread_create(&t, &a, deep, NULL);
    puts("a thread recurses without end on a 64 KiB stack");
    pthread_join(t, NULL);
    printf("NOT STOPPED at depth %d\n", depth);
    return 0;
}
