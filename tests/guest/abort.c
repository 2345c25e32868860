/* abort.c: abort() ends the guest with the abort exit code. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    puts("about to abort");
    fflush(stdout);
    abort();
}
