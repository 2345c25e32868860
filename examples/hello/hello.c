/* hello.c: a first unikernel: arguments, the heap, formatting and clocks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);

    printf("Hello from uhvt!\n");
    for (int i = 0; i < argc; i++)
        printf("argv[%d] = \"%s\"\n", i, argv[i]);

    /* Join the arguments into one heap string, as any C program would. */
    size_t len = 1;
    for (int i = 1; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *joined = malloc(len);
    if (joined == NULL) {
        perror("malloc");
        return 1;
    }
    joined[0] = '\0';
    for (int i = 1; i < argc; i++) {
        strcat(joined, argv[i]);
        if (i + 1 < argc)
            strcat(joined, " ");
    }
    char line[128];
    snprintf(line, sizeof line, "%d argument(s): \"%s\"", argc - 1, joined);
    puts(line);
    free(joined);

    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", &tm);
    printf("The host says it is %s.\n", date);

    clock_gettime(CLOCK_MONOTONIC, &end);
    long us = (end.tv_sec - start.tv_sec) * 1000000L +
              (end.tv_nsec - start.tv_nsec) / 1000;
    printf("main ran for %ld us. Goodbye.\n", us);
    return 0;
}
