/* extfs.c: file throughput on an ext4 disk (the guest's libext2fs filesystem): 64 MiB sequential write and read, fsync latency, as JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uhvt.h>
#include <x86intrin.h>

#include "../guest/vfs.h"

/*
 * The filesystem's operations are called directly (as the file calls
 * will), on a fresh mkfs.ext4 image: the numbers are the filesystem's and
 * the disk's, without the system-call layer.  bench/blk.c measures the raw
 * disk in the same run.
 */
extern const struct vfs_type __uhvt_extfs_type;
#define OPS (__uhvt_extfs_type.ops)

enum { FILE_MIB = 64, CHUNK = 1 << 20, SYNCS = 200 };
static _Alignas(4096) uint8_t buf[CHUNK];
static double tsc_hz;

static double secs(uint64_t t0) { return (double)(__rdtsc() - t0) / tsc_hz; }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    void *fs;
    uint64_t root, f, g;
    static double lat[SYNCS];

    tsc_hz = (double)uhvt_boot_info()->tsc_freq;
    int h = uhvt_device_find("disk", UHVT_DEV_BLOCK);
    if (__uhvt_extfs_type.mount(h, 0, &fs, &root) != 0)
        return 2;
    if (OPS->create(fs, root, "big", 3, S_IFREG | 0644, NULL, 0, 0, &f) != 0)
        return 3;
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7 + 3);

    uint64_t t0 = __rdtsc();
    for (uint64_t off = 0; off < (uint64_t)FILE_MIB << 20; off += CHUNK)
        if (OPS->write(fs, f, buf, CHUNK, off) != CHUNK)
            return 4;
    if (OPS->fsync(fs, f, 0) != 0)
        return 5;
    double wr = FILE_MIB / secs(t0);

    t0 = __rdtsc();
    for (uint64_t off = 0; off < (uint64_t)FILE_MIB << 20; off += CHUNK)
        if (OPS->read(fs, f, buf, CHUNK, off) != CHUNK)
            return 6;
    double rd = FILE_MIB / secs(t0);
    for (size_t i = 0; i < sizeof(buf); i++)
        if (buf[i] != (uint8_t)(i * 7 + 3))
            return 7;

    /* fsync latency: append 4 KiB to a small file, then fsync it. */
    if (OPS->create(fs, root, "log", 3, S_IFREG | 0644, NULL, 0, 0, &g) != 0)
        return 8;
    for (int i = 0; i < SYNCS; i++) {
        if (OPS->write(fs, g, buf, 4096, (uint64_t)i * 4096) != 4096)
            return 9;
        t0 = __rdtsc();
        if (OPS->fsync(fs, g, 0) != 0)
            return 10;
        lat[i] = secs(t0) * 1e6;
    }
    qsort(lat, SYNCS, sizeof(lat[0]), cmp_double);
    if (OPS->unmount(fs) != 0)
        return 11;
    printf("{\"name\": \"extfs\", \"file_mib\": %d, \"chunk_kib\": %d, "
           "\"seq_write_mib_s\": %.1f, \"seq_read_mib_s\": %.1f, "
           "\"fsync_4k_us_median\": %.0f, \"fsync_4k_us_p99\": %.0f}\n",
           FILE_MIB, CHUNK >> 10, wr, rd, lat[SYNCS / 2], lat[SYNCS * 99 / 100]);
    return 0;
}
