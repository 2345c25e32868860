/* thread_idle.c: test guest: when every thread waits (a sleep, a pipe read, a condition variable, a join), the guest halts in the monitor: CPU time does not grow (docs/threads.md). */
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int p[2];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready;

static long cpu_us(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec;
}

static void *sleeper(void *arg)
{
    (void)arg;
    usleep(300000);
    return (void *)(long)write(p[1], "x", 1);
}

static void *reader(void *arg)
{
    char c;

    (void)arg;
    long n = read(p[0], &c, 1);
    pthread_mutex_lock(&lock);
    ready = 1;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
    return (void *)n;
}

static void *waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    while (!ready)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    return (void *)1L;
}

int main(void)
{
    pthread_t t[3];
    void *(*fn[3])(void *) = { sleeper, reader, waiter };
    struct timespec a, b;
    long ok = 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(p) != 0)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &a);
    long c0 = cpu_us();
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, fn[i], NULL);
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(t[i], &r);
        ok += (long)r;
    }
    long cpu = cpu_us() - c0;
    clock_gettime(CLOCK_MONOTONIC, &b);
    long wall = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    printf("threads done: %ld of 3\n", ok);
    printf("wall %ld ms, cpu %ld ms\n", wall, cpu / 1000);
    return 0;
}
