/* snap_env.c: a restore's --env reaches the restored guest (at uhvt_snapshot, or argv[1] "idle": at the first wait); a run that ends before its ready point ("exit", "fault") keeps the old snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uhvt.h>

extern char **environ;

static const char *var(const char *name)
{
    const char *v = getenv(name);
    return v != NULL ? v : "-";
}

/* What the application sees: getenv, and environ itself (no duplicates). */
static void show(const char *when)
{
    int n = 0;
    for (char **e = environ; *e != NULL; e++)
        n++;
    printf("%s KEEP=%s CHANGE=%s NEW=%s HOME=%s count=%d\n", when, var("KEEP"),
           var("CHANGE"), var("NEW"), var("HOME"), n);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "ready";
    printf("before the ready point: %s\n", mode);
    fflush(stdout);
    if (strcmp(mode, "exit") == 0)
        return 7;
    if (strcmp(mode, "fault") == 0) {
        volatile int *p = NULL;
        printf("%d\n", *p);
        return 8;
    }
    if (strcmp(mode, "idle") == 0) {
        /* The ready point under --snapshot-idle: a restore wakes inside it. */
        show("waiting");
        nanosleep(&(struct timespec){0, 1000000}, NULL);
        show("woke");
        return 0;
    }
    show("ready");
    int r = uhvt_snapshot();
    show(r == 1 ? "restored" : "not-restored");
    return r == 1 ? 0 : 10;
}
