/* blk_bad_buf.c: a disk read into memory the guest does not have is malformed: 123. */
#include <stdint.h>
#include <stdio.h>

#include <uhvt.h>

int main(void)
{
    /* The raw hypercall: the runtime's wrapper would pass it on the same way. */
    static struct uhvt_hc_blk_io a __attribute__((aligned(8)));
    a.handle = (uint32_t)uhvt_device_find("disk", UHVT_DEV_BLOCK);
    a.offset = 0;
    a.data = uhvt_boot_info()->mem_size - 256; /* the last 256 bytes and beyond */
    a.len = 512;
    puts("reading past the end of memory");
    fflush(stdout);
    __asm__ __volatile__("outl %0, %w1"
                         :
                         : "a"((uint32_t)(uintptr_t)&a),
                           "d"((uint16_t)UHVT_HC_PORT(UHVT_HC_BLK_READ))
                         : "memory");
    printf("FAIL: still running, ret %d\n", a.ret);
    return 1;
}
