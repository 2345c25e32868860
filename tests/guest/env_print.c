/* env_print.c: print the environment the guest was given, one variable a line. */
#include <stdio.h>

extern char **environ;

int main(void)
{
    for (char **e = environ; *e != NULL; e++)
        printf("env %s\n", *e);
    printf("done\n");
    return 0;
}
