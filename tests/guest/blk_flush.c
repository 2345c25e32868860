/* blk_flush.c: write TEXT into sector N (zero-padded), flush, say so, then wait to be killed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uhvt.h>

int main(int argc, char **argv)
{
    static char buf[4096];
    uint32_t ss;
    int h = uhvt_device_find("disk", UHVT_DEV_BLOCK);
    if (argc != 3 || uhvt_blk_info(h, NULL, &ss, NULL) != 0 ||
        strlen(argv[2]) > ss) {
        puts("usage: blk_flush.hvt SECTOR TEXT");
        return 2;
    }
    memcpy(buf, argv[2], strlen(argv[2]));
    int w = uhvt_blk_write(h, strtoull(argv[1], NULL, 10) * ss, buf, ss);
    int f = uhvt_blk_flush(h);
    if (w != 0 || f != 0) {
        printf("FAIL: write %d flush %d\n", w, f);
        return 1;
    }
    puts("flushed");
    fflush(stdout);
    sleep(60);
    return 0;
}
