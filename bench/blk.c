/* blk.c: block throughput from the guest, synchronous and batched: sequential MiB/s and 4 KiB random IOPS, as JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uhvt.h>
#include <x86intrin.h>

static _Alignas(4096) uint8_t buf[UHVT_BLK_IO_MAX];
/* Batched: SEQ_QD requests of 1 MiB or RAND_QD of 4 KiB in flight, each its own buffer. */
enum { SEQ_QD = 16, RAND_QD = UHVT_BLK_QUEUE_MAX };
static _Alignas(4096) uint8_t qbuf[SEQ_QD * UHVT_BLK_IO_MAX];
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

/*
 * n requests of `len` bytes (offset i * len, or random when `len` is
 * 4 KiB), keeping up to `qd` in flight: each submit call tops the queue up,
 * each reap takes every completion there is, uhvt_poll waits in between.
 * Returns seconds, or -1 on an error.
 */
static double batched(int h, uint16_t op, uint64_t n, uint32_t len, unsigned qd,
                      uint64_t blocks)
{
    static struct uhvt_blk_req r[UHVT_BATCH_MAX];
    static struct uhvt_blk_done d[UHVT_BATCH_MAX];
    uint8_t slot_free[UHVT_BLK_QUEUE_MAX];
    for (unsigned i = 0; i < qd; i++)
        slot_free[i] = 1;
    uint64_t sent = 0, done = 0;
    unsigned inflight = 0;
    uint64_t t0 = __rdtsc();
    while (done < n) {
        unsigned k = 0;
        for (unsigned s = 0; s < qd && inflight + k < qd && sent + k < n; s++) {
            if (!slot_free[s])
                continue;
            uint64_t i = sent + k;
            uint64_t off = len == 4096 ? next() % blocks * 4096 : i * len;
            r[k++] = (struct uhvt_blk_req){.tag = s, .offset = off,
                                           .data = (uintptr_t)(qbuf + (size_t)s * len),
                                           .len = len, .op = op};
            slot_free[s] = 0;
        }
        if (k > 0) {
            if (uhvt_blk_submit(h, r, k) != 0)
                return -1;
            sent += k;
            inflight += k;
        }
        int got = uhvt_blk_reap(h, d, UHVT_BATCH_MAX);
        if (got < 0)
            return -1;
        if (got == 0 && inflight == qd) {
            uhvt_poll(uhvt_clock_monotonic() + 1000000000ULL, NULL);
            continue;
        }
        for (int j = 0; j < got; j++) {
            if (d[j].ret != UHVT_OK)
                return -1;
            slot_free[d[j].tag] = 1;
        }
        inflight -= (unsigned)got;
        done += (uint64_t)got;
        if (got == 0 && sent == n)
            uhvt_poll(uhvt_clock_monotonic() + 1000000000ULL, NULL);
    }
    return secs(t0);
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

    /* The same work through BLK_SUBMIT/BLK_REAP; the flush as a barrier request. */
    uint64_t seq = cap / UHVT_BLK_IO_MAX;
    for (unsigned i = 0; i < SEQ_QD; i++)
        memcpy(qbuf + (size_t)i * UHVT_BLK_IO_MAX, buf, UHVT_BLK_IO_MAX);
    double t = batched(h, UHVT_BLK_OP_WRITE, seq, UHVT_BLK_IO_MAX, SEQ_QD, 0);
    t0 = __rdtsc();
    static struct uhvt_blk_req f = {.tag = 0, .op = UHVT_BLK_OP_FLUSH};
    static struct uhvt_blk_done fd;
    if (t < 0 || uhvt_blk_submit(h, &f, 1) != 0)
        return 8;
    while (uhvt_blk_reap(h, &fd, 1) == 0)
        uhvt_poll(uhvt_clock_monotonic() + 1000000000ULL, NULL);
    if (fd.ret != UHVT_OK)
        return 9;
    double bwr = (double)cap / (1 << 20) / (t + secs(t0));
    t = batched(h, UHVT_BLK_OP_READ, seq, UHVT_BLK_IO_MAX, SEQ_QD, 0);
    double brd = (double)cap / (1 << 20) / t;
    double brr = N / batched(h, UHVT_BLK_OP_READ, N, 4096, RAND_QD, blocks);
    double brw = N / batched(h, UHVT_BLK_OP_WRITE, N, 4096, RAND_QD, blocks);
    if (brd < 0 || brr < 0 || brw < 0)
        return 10;
    printf("{\"name\": \"blk_batched\", \"capacity_mib\": %llu, \"seq_queue_depth\": %d, "
           "\"rand_queue_depth\": %d, \"seq_write_mib_s\": %.1f, \"seq_read_mib_s\": %.1f, "
           "\"rand_read_4k_iops\": %.0f, \"rand_write_4k_iops\": %.0f}\n",
           (unsigned long long)(cap >> 20), SEQ_QD, RAND_QD, bwr, brd, brr, brw);
    return 0;
}
