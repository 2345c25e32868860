/* blk.c: block throughput from the guest: sequential MiB/s and 4 KiB random IOPS, as JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <uhvt.h>
#include <x86intrin.h>

static _Alignas(4096) uint8_t buf[UHVT_BLK_IO_MAX];
static double tsc_hz;

static double secs(uint64_t t0) { return (double)(__rdtsc() - t0) / tsc_hz; }

/* xorshift: the same "random" offsets every run. */
static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(void)
{
    tsc_hz = (double)uhvt_boot_info()->tsc_freq;
    int h = uhvt_device_find("disk", UHVT_DEV_BLOCK);
    uint64_t cap;
    uint32_t sector;
    int ro;
    if (h < 0 || uhvt_blk_info(h, &cap, &sector, &ro) != 0 || ro || cap < 2 * UHVT_BLK_IO_MAX)
        return 2;
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;

    uint64_t t0 = __rdtsc();
    for (uint64_t off = 0; off < cap; off += UHVT_BLK_IO_MAX)
        if (uhvt_blk_write(h, off, buf, UHVT_BLK_IO_MAX) != 0)
            return 3;
    if (uhvt_blk_flush(h) != 0)
        return 4;
    double wr = (double)cap / (1 << 20) / secs(t0);

    t0 = __rdtsc();
    for (uint64_t off = 0; off < cap; off += UHVT_BLK_IO_MAX)
        if (uhvt_blk_read(h, off, buf, UHVT_BLK_IO_MAX) != 0)
            return 5;
    double rd = (double)cap / (1 << 20) / secs(t0);

    enum { N = 2000 };
    uint64_t blocks = cap / 4096;
    t0 = __rdtsc();
    for (int i = 0; i < N; i++)
        if (uhvt_blk_read(h, next() % blocks * 4096, buf, 4096) != 0)
            return 6;
    double rr = N / secs(t0);
    t0 = __rdtsc();
    for (int i = 0; i < N; i++)
        if (uhvt_blk_write(h, next() % blocks * 4096, buf, 4096) != 0)
            return 7;
    double rw = N / secs(t0);

    printf("{\"name\": \"blk_sync\", \"capacity_mib\": %llu, \"seq_write_mib_s\": %.1f, "
           "\"seq_read_mib_s\": %.1f, \"rand_read_4k_iops\": %.0f, "
           "\"rand_write_4k_iops\": %.0f}\n",
           (unsigned long long)(cap >> 20), wr, rd, rr, rw);
    return 0;
}
