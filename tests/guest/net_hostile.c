/* net_hostile.c: wrong requests to the NIC: each gets its error code, or ends the guest. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <uhvt.h>

static uint8_t frame[70000];

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    int h = uhvt_device_find("net0", UHVT_DEV_NET);
    uint8_t mac[6];
    uint32_t mtu;
    if (h < 0 || uhvt_net_info(h, mac, &mtu) < 0) {
        printf("no net0\n");
        return 1;
    }
    /* A frame from us to nobody: broadcast, an unused EtherType. */
    memset(frame, 0xff, 6);
    memcpy(frame + 6, mac, 6);
    frame[12] = 0x88;
    frame[13] = 0xb5;

    if (strcmp(mode, "oversize") == 0) {
        long big = uhvt_net_write(h, frame, mtu + 15);
        long zero = uhvt_net_write(h, frame, 0);
        long runt = uhvt_net_write(h, frame, 13);
        long max = uhvt_net_write(h, frame, mtu + 14);
        printf("mtu %u: oversize %ld zero %ld runt %ld max %ld\n", (unsigned)mtu,
               big, zero, runt, max);
        return big == -UHVT_EINVAL && zero == -UHVT_EINVAL && runt == -UHVT_EINVAL &&
                       max == (long)mtu + 14 ? 0 : 1;
    }
    if (strcmp(mode, "badaddr") == 0) {
        /* Straddles the end of guest memory: the monitor ends us (123). */
        uintptr_t end = (uintptr_t)uhvt_boot_info()->mem_size;
        printf("writing from 0x%lx\n", (unsigned long)(end - 10));
        fflush(stdout);
        long r = uhvt_net_write(h, (const void *)(end - 10), 100);
        printf("still running: %ld\n", r);
        return 1;
    }
    if (strcmp(mode, "badhandle") == 0) {
        int bad[] = {h + 1, UHVT_MANIFEST_MAX - 1, UHVT_MANIFEST_MAX, 1000, -1};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            int a = uhvt_net_info(bad[i], mac, &mtu);
            long b = uhvt_net_write(bad[i], frame, 60);
            long c = uhvt_net_read(bad[i], frame, sizeof(frame));
            if (a != -UHVT_ENODEV || b != -UHVT_ENODEV || c != -UHVT_ENODEV) {
                printf("handle %d: %d %ld %ld\n", bad[i], a, b, c);
                return 1;
            }
        }
        printf("enodev ok\n");
        return 0;
    }
    if (strcmp(mode, "smallread") == 0) {
        /* Until a frame longer than 64 bytes comes: it must be dropped. */
        printf("ready\n");
        fflush(stdout);
        uint64_t deadline = uhvt_clock_monotonic() + 30000000000ULL;
        while (uhvt_clock_monotonic() < deadline) {
            uhvt_poll(deadline, NULL);
            long r;
            while ((r = uhvt_net_read(h, frame, 64)) != -UHVT_EAGAIN) {
                if (r == -UHVT_EINVAL) {
                    /* The next read must see the next frame, not the rest. */
                    printf("dropped: EINVAL\n");
                    return 0;
                }
                if (r < 0) {
                    printf("read: %ld\n", r);
                    return 1;
                }
            }
        }
        printf("no long frame came\n");
        return 1;
    }
    printf("usage: net_hostile oversize|badaddr|badhandle|smallread\n");
    return 2;
}
