/* argv.c: the monitor's ARGS arrive as argv, intact and in order. */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=<%s>\n", i, argv[i]);
    return argv[argc] == NULL ? 0 : 1;
}
