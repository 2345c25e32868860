/* snap_env.c: a restore's --env reaches the restored guest; a run that ends before its ready point (argv[1] "exit" or "fault") keeps the old snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    show("ready");
    int r = uhvt_snapshot();
    show(r == 1 ? "restored" : "not-restored");
    return r == 1 ? 0 : 10;
}
