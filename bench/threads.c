/* threads.c: the runtime's threads, measured in the guest: a system call for scale, a switch (sched_yield ping-pong), a futex wake to the woken thread running, and pipe throughput between two threads, as JSON. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int rounds;

static void *yielder(void *arg)
{
    (void)arg;
    for (int i = 0; i < rounds; i++)
        sched_yield();
    return NULL;
}

/* A system call that does nothing, for scale: every switch is inside one. */
static void bench_syscall(void)
{
    uint64_t t0 = now_ns();
    for (int i = 0; i < rounds; i++)
        syscall(SYS_getppid);
    uint64_t ns = now_ns() - t0;
    printf("{\"name\": \"syscall_getppid\", \"calls\": %d, \"ns_per_call\": %.0f}\n",
           rounds, (double)ns / rounds);
}

/* Two threads yielding to each other: each yield is one switch. */
static void bench_switch(void)
{
    pthread_t t;

    pthread_create(&t, NULL, yielder, NULL);
    uint64_t t0 = now_ns();
    for (int i = 0; i < rounds; i++)
        sched_yield();
    uint64_t ns = now_ns() - t0;
    pthread_join(t, NULL);
    printf("{\"name\": \"thread_switch_yield\", \"switches\": %d, \"ns_per_switch\": %.0f}\n",
           2 * rounds, (double)ns / (2.0 * rounds));
}

static volatile int word;

static void futex_wait(volatile int *w, int v)
{
    while (*w == v)
        syscall(SYS_futex, w, 128 /* FUTEX_WAIT_PRIVATE */, v, NULL);
}

static void futex_wake(volatile int *w)
{
    syscall(SYS_futex, w, 129 /* FUTEX_WAKE_PRIVATE */, 1);
}

static void *ponger(void *arg)
{
    (void)arg;
    for (int i = 0; i < rounds; i++) {
        futex_wait(&word, 0);
        word = 0;
        futex_wake(&word);
    }
    return NULL;
}

/* A round trip is two wakes, each followed by the woken thread running. */
static void bench_futex(void)
{
    pthread_t t;

    pthread_create(&t, NULL, ponger, NULL);
    uint64_t t0 = now_ns();
    for (int i = 0; i < rounds; i++) {
        word = 1;
        futex_wake(&word);
        futex_wait(&word, 1);
    }
    uint64_t ns = now_ns() - t0;
    pthread_join(t, NULL);
    printf("{\"name\": \"futex_wake_to_run\", \"round_trips\": %d, \"ns_per_wake\": %.0f}\n",
           rounds, (double)ns / (2.0 * rounds));
}

#define PIPE_TOTAL (256u << 20)
#define PIPE_CHUNK 65536
static int pfd[2];

static void *drain(void *arg)
{
    static char buf[PIPE_CHUNK];
    size_t got = 0;
    long n;

    (void)arg;
    while ((n = read(pfd[0], buf, sizeof buf)) > 0)
        got += (size_t)n;
    return (void *)got;
}

static void bench_pipe(void)
{
    static char buf[PIPE_CHUNK];
    pthread_t t;
    void *got;

    if (pipe(pfd) != 0)
        return;
    pthread_create(&t, NULL, drain, NULL);
    uint64_t t0 = now_ns();
    for (size_t done = 0; done < PIPE_TOTAL; done += sizeof buf)
        if (write(pfd[1], buf, sizeof buf) != (long)sizeof buf)
            break;
    close(pfd[1]);
    pthread_join(t, &got);
    uint64_t ns = now_ns() - t0;
    printf("{\"name\": \"pipe_between_threads\", \"bytes\": %zu, \"chunk\": %d, \"MiB_per_s\": %.0f}\n",
           (size_t)got, PIPE_CHUNK, (double)(size_t)got / (1 << 20) / ((double)ns / 1e9));
}

int main(int argc, char **argv)
{
    rounds = argc > 1 ? atoi(argv[1]) : 100000;
    bench_syscall();
    bench_switch();
    bench_futex();
    bench_pipe();
    return 0;
}
