/* flood.c: a line, then console output without end: for a stalled reader of stdout. */
#include <string.h>
#include <unistd.h>

int main(void)
{
    static char buf[64 * 1024];
    memset(buf, 'x', sizeof(buf));
    for (size_t i = 63; i < sizeof(buf); i += 64)
        buf[i] = '\n';
    static const char first[] = "flooding\n";
    write(STDOUT_FILENO, first, sizeof(first) - 1);
    for (;;)
        write(STDOUT_FILENO, buf, sizeof(buf));
}
