/* proc_threads.c: test guest, also built for Linux: pthreads — create/join/detach, mutex and condition ping-pong, rwlock, once, TLS and keys, threads blocking on each other through a pipe, a sleeper beside a worker, cancellation, identity; proc_futex.c has the futex calls themselves. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>

#include "probe.h"

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- create and join ---- */

static void *square(void *arg)
{
    long v = (long)arg;
    return (void *)(v * v);
}

static void create_join(void)
{
    pthread_t t[8];
    long sum = 0;

    puts("== create and join");
    for (long i = 0; i < 8; i++)
        if (pthread_create(&t[i], NULL, square, (void *)i) != 0)
            puts("create failed");
    for (int i = 0; i < 8; i++) {
        void *r;
        pthread_join(t[i], &r);
        sum += (long)r;
    }
    printf("sum of squares 0..7: %ld\n", sum);
}

/* ---- detached threads ---- */

static pthread_mutex_t det_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t det_cond = PTHREAD_COND_INITIALIZER;
static int det_done;

static void *detached(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&det_lock);
    det_done++;
    pthread_cond_signal(&det_cond);
    pthread_mutex_unlock(&det_lock);
    return NULL;
}

static void detach(void)
{
    pthread_attr_t a;
    pthread_t t;

    puts("== detached");
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 20; i++)
        pthread_create(&t, &a, detached, NULL);
    pthread_create(&t, NULL, detached, NULL);
    CALL(pthread_detach(t));
    pthread_mutex_lock(&det_lock);
    while (det_done < 21)
        pthread_cond_wait(&det_cond, &det_lock);
    pthread_mutex_unlock(&det_lock);
    printf("detached threads done: %d\n", det_done);
}

/* ---- mutex and condition variable ping-pong ---- */

static pthread_mutex_t pp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cond = PTHREAD_COND_INITIALIZER;
static int pp_turn, pp_count;
#define PP_ROUNDS 10000

static void *pong(void *arg)
{
    int me = (int)(long)arg;

    for (int i = 0; i < PP_ROUNDS; i++) {
        pthread_mutex_lock(&pp_lock);
        while (pp_turn != me)
            pthread_cond_wait(&pp_cond, &pp_lock);
        pp_count++;
        pp_turn = !me;
        pthread_cond_broadcast(&pp_cond);
        pthread_mutex_unlock(&pp_lock);
    }
    return NULL;
}

static void ping_pong(void)
{
    pthread_t a, b;

    puts("== mutex and condition ping-pong");
    pthread_create(&a, NULL, pong, (void *)0L);
    pthread_create(&b, NULL, pong, (void *)1L);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("turns taken: %d\n", pp_count);
    pthread_mutex_t m;
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&m, &ma);
    CALL(pthread_mutex_lock(&m));
    CALL(pthread_mutex_lock(&m) == EDEADLK);
    CALL(pthread_mutex_trylock(&m) == EBUSY);
    CALL(pthread_mutex_unlock(&m));
    CALL(pthread_mutex_unlock(&m) == EPERM);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&pp_lock);
    CALL(pthread_cond_timedwait(&pp_cond, &pp_lock, &ts) == ETIMEDOUT);
    pthread_mutex_unlock(&pp_lock);
}

/* ---- rwlock ---- */

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int rw_readers, rw_max_readers, rw_value;

static void *reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        pthread_rwlock_rdlock(&rw);
        __atomic_add_fetch(&rw_readers, 1, __ATOMIC_SEQ_CST);
        sched_yield();
        __atomic_sub_fetch(&rw_readers, 1, __ATOMIC_SEQ_CST);
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

static void *writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        pthread_rwlock_wrlock(&rw);
        if (__atomic_load_n(&rw_readers, __ATOMIC_SEQ_CST) > rw_max_readers)
            rw_max_readers = rw_readers;
        rw_value++;
        sched_yield();
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

static void rwlock(void)
{
    pthread_t t[4];

    puts("== rwlock");
    pthread_create(&t[0], NULL, reader, NULL);
    pthread_create(&t[1], NULL, writer, NULL);
    pthread_create(&t[2], NULL, reader, NULL);
    pthread_create(&t[3], NULL, writer, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("writes %d, readers seen by a writer %d\n", rw_value,
           rw_max_readers);
    pthread_rwlock_rdlock(&rw);
    CALL(pthread_rwlock_trywrlock(&rw) == EBUSY);
    CALL(pthread_rwlock_tryrdlock(&rw));
    pthread_rwlock_unlock(&rw);
    pthread_rwlock_unlock(&rw);
}

/* ---- once, TLS, keys ---- */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static __thread int tls_value = 7;
static __thread char tls_big[256];
static pthread_key_t key;
static int key_destroyed;

static void once_init(void)
{
    once_runs++;
    sched_yield();
}

static void key_destroy(void *v)
{
    __atomic_add_fetch(&key_destroyed, (int)(long)v, __ATOMIC_SEQ_CST);
}

static void *tls_thread(void *arg)
{
    long me = (long)arg;
    long bad = 0;

    pthread_once(&once, once_init);
    bad += tls_value != 7;
    tls_value = (int)me * 100;
    memset(tls_big, (int)me, sizeof tls_big);
    pthread_setspecific(key, (void *)me);
    for (int i = 0; i < 50; i++) {
        sched_yield();
        usleep(100);
        bad += tls_value != (int)me * 100;
        bad += tls_big[i] != (char)me;
        bad += pthread_getspecific(key) != (void *)me;
    }
    return (void *)bad;
}

static void tls(void)
{
    pthread_t t[5];
    long bad = 0;

    puts("== once, __thread and keys");
    pthread_key_create(&key, key_destroy);
    for (long i = 0; i < 5; i++)
        pthread_create(&t[i], NULL, tls_thread, (void *)(i + 1));
    for (int i = 0; i < 5; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += (long)r;
    }
    printf("once ran %d time(s); wrong values %ld; main's tls %d; "
           "destructors got %d\n", once_runs, bad, tls_value, key_destroyed);
}

/* ---- threads blocking on each other through pipes ---- */

static int to_worker[2], from_worker[2];

static void *echo_worker(void *arg)
{
    char buf[4096];
    long n, total = 0;

    (void)arg;
    while ((n = read(to_worker[0], buf, sizeof buf)) > 0) {
        for (long i = 0; i < n; i++)
            buf[i] = (char)(buf[i] + 1);
        if (write(from_worker[1], buf, (size_t)n) != n)
            break;
        total += n;
    }
    close(from_worker[1]);
    return (void *)total;
}

static char big_out[1 << 20], big_in[1 << 20];

static void *big_reader(void *arg)
{
    size_t got = 0;
    long n;

    (void)arg;
    while ((n = read(to_worker[0], big_in + got, sizeof big_in - got)) > 0)
        got += (size_t)n;
    return (void *)got;
}

static int closed_fd;

static void *read_closed(void *arg)
{
    char b[16];

    (void)arg;
    return (void *)read(closed_fd, b, sizeof b);
}

static void pipes(void)
{
    pthread_t t;
    void *r;
    char line[32];
    int bad = 0;

    puts("== threads blocking on each other through pipes");
    pipe(to_worker);
    pipe(from_worker);
    pthread_create(&t, NULL, echo_worker, NULL);
    for (int i = 0; i < 1000; i++) {
        int len = snprintf(line, sizeof line, "line %d", i);
        write(to_worker[1], line, (size_t)len);
        char back[32];
        long n = 0;
        while (n < len) {
            long k = read(from_worker[0], back + n, (size_t)(len - n));
            if (k <= 0)
                break;
            n += k;
        }
        for (int j = 0; j < len; j++)
            bad += back[j] != (char)(line[j] + 1);
    }
    close(to_worker[1]);
    pthread_join(t, &r);
    printf("echoed %ld bytes, %d wrong; then EOF: read = %ld\n", (long)r, bad,
           (long)read(from_worker[0], line, sizeof line));
    close(to_worker[0]);
    close(from_worker[0]);

    /* One write bigger than the pipe: the writer blocks part-way through. */
    for (size_t i = 0; i < sizeof big_out; i++)
        big_out[i] = (char)(i % 253);
    pipe(to_worker);
    pthread_create(&t, NULL, big_reader, NULL);
    printf("one 1 MiB write: %ld\n",
           (long)write(to_worker[1], big_out, sizeof big_out));
    close(to_worker[1]);
    pthread_join(t, &r);
    printf("read %ld bytes, %s\n", (long)r,
           memcmp(big_in, big_out, sizeof big_in) ? "DIFFERENT" : "the same");
    close(to_worker[0]);

    /* A read under way keeps its description when the descriptor closes. */
    pipe(to_worker);
    closed_fd = to_worker[0];
    pthread_create(&t, NULL, read_closed, NULL);
    usleep(20000);
    CALL(close(to_worker[0]));
    CALL(write(to_worker[1], "still read", 10));
    pthread_join(t, &r);
    printf("the waiting read got %ld\n", (long)r);
    CALL(write(to_worker[1], "x", 1));
    close(to_worker[1]);
}

/* ---- a sleeper beside a worker ---- */

static volatile int work_done;

static void *sleeper(void *arg)
{
    (void)arg;
    uint64_t t0 = now_ns();
    usleep(200000);
    return (void *)(long)((now_ns() - t0) / 1000000);
}

static void *worker(void *arg)
{
    int *p = arg;

    for (int i = 0; i < 100; i++) {
        (*p)++;
        usleep(1000); /* blocks only this thread */
    }
    work_done = 1;
    return NULL;
}

static void sleep_and_work(void)
{
    pthread_t s, w;
    int count = 0;
    void *r;

    puts("== a sleeper beside a worker");
    uint64_t t0 = now_ns();
    pthread_create(&s, NULL, sleeper, NULL);
    pthread_create(&w, NULL, worker, &count);
    pthread_join(w, NULL);
    pthread_join(s, &r);
    long ms = (long)((now_ns() - t0) / 1000000);
    printf("worker counted %d; sleeper slept at least 200 ms: %d\n", count,
           (long)r >= 200);
    NOTE("together %ld ms, sleeper %ld ms", ms, (long)r);
}

/* ---- CPU time per thread ---- */

static uint64_t thread_cpu_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Spin until this thread has used 50 ms of CPU: the amount, not the time. */
static void *cpu_spinner(void *arg)
{
    struct rusage ru;

    (void)arg;
    while (thread_cpu_ms() < 50)
        ;
    getrusage(RUSAGE_THREAD, &ru);
    return (void *)(long)(ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 +
                          ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000);
}

static void *cpu_sleeper(void *arg)
{
    (void)arg;
    usleep(100000);
    return (void *)(long)thread_cpu_ms();
}

static void thread_cpu(void)
{
    pthread_t s, z;
    void *spun, *slept;

    puts("== CPU time per thread");
    uint64_t main0 = thread_cpu_ms();
    pthread_create(&s, NULL, cpu_spinner, NULL);
    pthread_create(&z, NULL, cpu_sleeper, NULL);
    pthread_join(s, &spun);
    pthread_join(z, &slept);
    printf("the spinner's RUSAGE_THREAD at least 45 ms: %d\n", (long)spun >= 45);
    printf("the sleeper's CPU under 10 ms: %d\n", (long)slept < 10);
    printf("main's own CPU grew under 10 ms: %d\n", thread_cpu_ms() - main0 < 10);
    NOTE("spinner %ld ms, sleeper %ld ms", (long)spun, (long)slept);
}

/* ---- cancellation ---- */

static pthread_mutex_t c_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c_cond = PTHREAD_COND_INITIALIZER;
static int c_cleanups;

static void cleanup(void *arg)
{
    (void)arg;
    c_cleanups++;
    pthread_mutex_unlock(&c_lock);
}

static void *cancel_cond(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&c_lock);
    pthread_cleanup_push(cleanup, NULL);
    for (;;)
        pthread_cond_wait(&c_cond, &c_lock);
    pthread_cleanup_pop(1);
    return NULL;
}

static void *cancel_sleep(void *arg)
{
    (void)arg;
    for (;;)
        sleep(10);
    return NULL;
}

static int cancel_pipe[2];

static void *cancel_read(void *arg)
{
    char b;

    (void)arg;
    for (;;)
        read(cancel_pipe[0], &b, 1);
    return NULL;
}

static void *cancel_disabled(void *arg)
{
    (void)arg;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    usleep(50000);
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
    return (void *)42L;
}

static void cancel(void)
{
    pthread_t t;
    void *r;

    puts("== cancellation");
    pthread_create(&t, NULL, cancel_cond, NULL);
    usleep(20000);
    CALL(pthread_cancel(t));
    pthread_join(t, &r);
    printf("in a condition wait: %s, cleanups %d\n",
           r == PTHREAD_CANCELED ? "cancelled" : "NOT cancelled", c_cleanups);
    pthread_create(&t, NULL, cancel_sleep, NULL);
    usleep(20000);
    CALL(pthread_cancel(t));
    pthread_join(t, &r);
    printf("in sleep: %s\n", r == PTHREAD_CANCELED ? "cancelled" : "NOT cancelled");
    pipe(cancel_pipe);
    pthread_create(&t, NULL, cancel_read, NULL);
    usleep(20000);
    CALL(pthread_cancel(t));
    pthread_join(t, &r);
    printf("in a pipe read: %s\n", r == PTHREAD_CANCELED ? "cancelled" : "NOT cancelled");
    close(cancel_pipe[0]);
    close(cancel_pipe[1]);
    pthread_create(&t, NULL, cancel_disabled, NULL);
    usleep(10000);
    CALL(pthread_cancel(t));
    pthread_join(t, &r);
    printf("with cancellation disabled: returned %ld\n", (long)r);
}

/* ---- identity ---- */

static void *tid_thread(void *arg)
{
    *(long *)arg = syscall(SYS_gettid);
    return NULL;
}

static void identity(void)
{
    pthread_t t;
    long tid = 0;

    puts("== identity");
    pthread_create(&t, NULL, tid_thread, &tid);
    pthread_join(t, NULL);
    printf("a thread's tid differs from the pid: %d\n", tid != getpid());
    printf("main's tid is the pid: %d\n", syscall(SYS_gettid) == getpid());
    NOTE("thread tid %ld", tid);
    CALL(syscall(SYS_tgkill, getpid(), 0x3fffffff, 0));
    CALL(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), 0));
    CALL(syscall(SYS_tkill, -1, 0));
    CALL(syscall(SYS_clone, CLONE_THREAD, NULL, NULL, NULL, NULL));
    CALL(syscall(SYS_clone, CLONE_SIGHAND, NULL, NULL, NULL, NULL));
}

/* Outlives main: the last thread's exit ends the process, status 0. */
static void *finisher(void *arg)
{
    (void)arg;
    usleep(20000);
    puts("main has exited; this thread still runs");
    puts("done");
    return NULL;
}

int main(void)
{
    probe_start();
    signal(SIGPIPE, SIG_IGN); /* the guest raises none; Linux would kill */
    create_join();
    detach();
    ping_pong();
    rwlock();
    tls();
    pipes();
    sleep_and_work();
    thread_cpu();
    cancel();
    identity();
    pthread_t t;
    pthread_create(&t, NULL, finisher, NULL);
    pthread_exit(NULL);
}
