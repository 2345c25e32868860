/* proc_futex.c: test guest, also built for Linux: the futex calls musl makes for its locks, called directly — values, timeouts, errors, wakes, requeues — and robust mutexes whose owner exits. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>

#include "probe.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

static long futex(void *a, int op, int val, const struct timespec *ts,
                  void *a2, int val3)
{
    return syscall(SYS_futex, a, op, val, ts, a2, val3);
}

/* ---- futex ---- */

static int fword, fword2;

static void *futex_waker(void *arg)
{
    (void)arg;
    usleep(20000);
    __atomic_store_n(&fword, 1, __ATOMIC_SEQ_CST);
    return (void *)futex(&fword, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL,
                         NULL, 0);
}

static void *futex_waiter(void *arg)
{
    (void)arg;
    return (void *)futex(&fword2, FUTEX_WAIT, 0, NULL, NULL, 0);
}

static void futexes(void)
{
    struct timespec ms10 = { 0, 10000000 }, bad = { 0, 1000000000 };
    struct timespec past = { 1, 0 };
    pthread_t t, w[3];
    void *r;

    puts("== futex");
    CALL(futex(&fword, FUTEX_WAIT, 1, NULL, NULL, 0));
    CALL(futex(&fword, FUTEX_WAIT, 0, &ms10, NULL, 0));
    CALL(futex(&fword, FUTEX_WAIT, 0, &bad, NULL, 0));
    CALL(futex((char *)&fword + 1, FUTEX_WAIT, 0, &ms10, NULL, 0));
    CALL(futex(&fword, FUTEX_WAIT_BITSET, 0, &past, NULL, 0));
    CALL(futex(&fword, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &past, NULL, -1));
    CALL(futex(&fword, FUTEX_WAIT_BITSET, 0, &ms10, NULL, 0));
    CALL(futex(&fword, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, &ms10, NULL, 0));
    CALL(futex(BAD, FUTEX_WAIT, 0, &ms10, NULL, 0));
    CALL(futex(&fword, FUTEX_WAKE, 1, NULL, NULL, 0));
    CALL(futex(&fword, 99, 0, NULL, NULL, 0));
    pthread_create(&t, NULL, futex_waker, NULL);
    CALL(futex(&fword, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0));
    pthread_join(t, &r);
    printf("the waker woke %ld\n", (long)r);
    for (int i = 0; i < 3; i++)
        pthread_create(&w[i], NULL, futex_waiter, NULL);
    usleep(20000);
    CALL(futex(&fword2, FUTEX_CMP_REQUEUE, 1, (void *)1L, &fword, 5));
    CALL(futex(&fword2, FUTEX_CMP_REQUEUE, 1, (void *)1L, &fword, 0));
    CALL(futex(&fword2, FUTEX_WAKE, 5, NULL, NULL, 0));
    CALL(futex(&fword, FUTEX_WAKE, 5, NULL, NULL, 0));
    long sum = 0;
    for (int i = 0; i < 3; i++) {
        pthread_join(w[i], &r);
        sum += (long)r;
    }
    printf("the waiters' FUTEX_WAIT results add up to %ld\n", sum);
}

/* ---- robust mutexes ---- */

static pthread_mutex_t robust;

static void *lock_and_exit(void *arg)
{
    (void)arg;
    return (void *)(long)pthread_mutex_lock(&robust);
}

static void robust_mutex(void)
{
    pthread_mutexattr_t a;
    pthread_t t;
    void *r;

    puts("== a robust mutex whose owner exits");
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &a);
    pthread_create(&t, NULL, lock_and_exit, NULL);
    pthread_join(t, &r);
    printf("the thread locked it: %ld\n", (long)r);
    CALL(pthread_mutex_lock(&robust) == EOWNERDEAD);
    CALL(pthread_mutex_consistent(&robust));
    CALL(pthread_mutex_unlock(&robust));
    CALL(pthread_mutex_lock(&robust));
    CALL(pthread_mutex_unlock(&robust));
}

int main(void)
{
    probe_start();
    futexes();
    robust_mutex();
    puts("done");
    return 0;
}
