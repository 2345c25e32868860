/* blk_ro.c: a read-only disk reads, refuses every write, and flushes trivially. */
#include <stdio.h>
#include <string.h>

#include <uhvt.h>

int main(void)
{
    static char buf[4096];
    uint64_t cap;
    uint32_t ss;
    int ro, h = uhvt_device_find("disk", UHVT_DEV_BLOCK);
    if (uhvt_blk_info(h, &cap, &ss, &ro) != 0 || !ro) {
        puts("FAIL: not a read-only disk");
        return 1;
    }
    int r1 = uhvt_blk_read(h, 0, buf, ss);
    memset(buf, 'x', sizeof(buf));
    int w1 = uhvt_blk_write(h, 0, buf, ss);
    int w2 = uhvt_blk_write(h, cap - ss, buf, ss);
    int w3 = uhvt_blk_write(h, 1, buf, 1); /* even a bad one: read-only first */
    int f = uhvt_blk_flush(h);
    printf("read %d write %d %d %d flush %d\n", r1, w1, w2, w3, f);
    if (r1 != 0 || w1 != -UHVT_EROFS || w2 != -UHVT_EROFS || w3 != -UHVT_EROFS ||
        f != 0)
        return 1;
    puts("ro ok");
    return 0;
}
