/* blk_many.c: eight disks, d0 to d7: each gets its own first sector, read back from all. */
#include <stdio.h>
#include <string.h>

#include <uhvt.h>

int main(void)
{
    static char buf[512], want[512];
    int h[8];
    for (int i = 0; i < 8; i++) {
        char name[4] = {'d', (char)('0' + i), '\0'};
        h[i] = uhvt_device_find(name, UHVT_DEV_BLOCK);
        memset(buf, 0, sizeof(buf));
        snprintf(buf, sizeof(buf), "this is disk d%d\n", i);
        if (h[i] != i || uhvt_blk_write(h[i], 0, buf, 512) != 0 ||
            uhvt_blk_flush(h[i]) != 0) {
            printf("FAIL: disk d%d (handle %d)\n", i, h[i]);
            return 1;
        }
    }
    for (int i = 0; i < 8; i++) {
        memset(want, 0, sizeof(want));
        snprintf(want, sizeof(want), "this is disk d%d\n", i);
        if (uhvt_blk_read(h[i], 0, buf, 512) != 0 || memcmp(buf, want, 512) != 0) {
            printf("FAIL: disk d%d reads back wrong\n", i);
            return 1;
        }
    }
    puts("8 disks ok");
    return 0;
}
