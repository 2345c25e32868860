/* console.c: a mebibyte of console output arrives intact (16384 numbered 64-byte lines). */
#include <stdio.h>

int main(void)
{
    for (int i = 0; i < 16384; i++)
        printf("%06d abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345\n", i);
    return 0;
}
