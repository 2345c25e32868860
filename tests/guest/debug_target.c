/* debug_target.c: a guest for the debug tools: a breakpoint target, a crash, a busy function. */
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Read by gdb (print debug_counter) at the breakpoint. */
volatile int debug_counter = 7;

__attribute__((noinline)) void debug_mark(int n)
{
    debug_counter += n;
}

/* The fault the core file must show: a write through NULL, two frames deep. */
__attribute__((noinline)) void debug_crash_here(volatile int *p)
{
    *p = debug_counter;
}

__attribute__((noinline)) void debug_crash_caller(void)
{
    debug_crash_here(NULL);
    puts("not reached");
}

/*
 * Where --profile must find the guest: spinning here for about `ms`, with
 * a system call (the clock) only every few million rounds, so that the time
 * is this function's own.
 */
__attribute__((noinline)) unsigned long debug_spin_here(long ms)
{
    struct timespec t0, t;
    unsigned long n = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        for (volatile int i = 0; i < 4000000; i++)
            n += (unsigned long)i * 2654435761u;
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
    return n;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "crash") == 0) {
        puts("crashing now");
        fflush(stdout);
        debug_crash_caller();
    } else if (argc > 1 && strcmp(argv[1], "spin") == 0) {
        puts("spinning");
        printf("spun %lu\n", debug_spin_here(1500) & 1);
        return 0;
    }
    puts("before mark");
    debug_mark(35);
    printf("counter %d\n", debug_counter);
    return 3;
}
