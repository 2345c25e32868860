/* blk_batch.c: batched asynchronous disk I/O: round trips against a shadow, bad requests, durability. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uhvt.h>

/*
 * Modes: (none) round trips and every well-formed bad request, on an
 * all-zero read-write disk of at least 2 MiB; "ro" on a read-only disk;
 * "badarray" and "badbuf" end the guest (123); "flush N TEXT" writes TEXT
 * to sector N with a batch ending in a flush, prints "flushed" once the
 * flush completed, then waits to be killed.
 */
static int h, failures;
static uint64_t cap;
static uint32_t ss;
static uint8_t *shadow, *bufs;
static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

#define EXPECT(call, want)                                                    \
    do {                                                                      \
        long got_ = (call);                                                   \
        if (got_ != (long)(want)) {                                           \
            printf("FAIL line %d: %s = %ld, want %ld\n", __LINE__, #call,     \
                   got_, (long)(want));                                       \
            failures++;                                                       \
        }                                                                     \
    } while (0)

/* Submit, then wait (poll) for every completion; ret[tag] gets each code. */
static void run(const struct uhvt_blk_req *r, unsigned n, int32_t *ret)
{
    EXPECT(uhvt_blk_submit(h, r, n), 0);
    static struct uhvt_blk_done done[UHVT_BATCH_MAX];
    for (unsigned got = 0; got < n;) {
        uint64_t ready = 0;
        uhvt_poll(uhvt_clock_monotonic() + 5000000000ULL, &ready);
        int k = uhvt_blk_reap(h, done, UHVT_BATCH_MAX);
        if (k < 0 || (k == 0 && !(ready & (1ULL << h)) && ready != 0)) {
            printf("FAIL: reap %d, ready 0x%llx\n", k, (unsigned long long)ready);
            failures++;
            return;
        }
        if (k == 0 && ready == 0) {
            printf("FAIL: %u of %u completions after 5 s\n", got, n);
            failures++;
            return;
        }
        for (int i = 0; i < k; i++)
            ret[done[i].tag] = done[i].ret;
        got += (unsigned)k;
    }
}

/* One batch of random reads and writes, no two overlapping, then a check. */
static void batch_round(unsigned n, unsigned max_sectors)
{
    struct uhvt_blk_req r[UHVT_BATCH_MAX];
    int32_t ret[UHVT_BATCH_MAX];
    uint64_t slot = cap / n / ss * ss; /* each request in its own region */
    for (unsigned i = 0; i < n; i++) {
        uint64_t sectors = 1 + next() % max_sectors;
        if (sectors * ss > slot)
            sectors = slot / ss;
        uint64_t off = i * slot + next() % ((slot - sectors * ss) / ss + 1) * ss;
        uint8_t *b = bufs + (size_t)i * UHVT_BLK_IO_MAX;
        uint16_t op = next() % 2 ? UHVT_BLK_OP_WRITE : UHVT_BLK_OP_READ;
        if (op == UHVT_BLK_OP_WRITE) {
            for (uint64_t k = 0; k < sectors * ss; k += 8) {
                uint64_t v = next();
                memcpy(b + k, &v, 8);
            }
            memcpy(shadow + off, b, sectors * ss);
        } else {
            memset(b, 0xee, sectors * ss);
        }
        r[i] = (struct uhvt_blk_req){.tag = i, .offset = off, .data = (uintptr_t)b,
                                     .len = (uint32_t)(sectors * ss), .op = op};
        ret[i] = 99;
    }
    run(r, n, ret);
    for (unsigned i = 0; i < n; i++) {
        EXPECT(ret[i], UHVT_OK);
        if (r[i].op == UHVT_BLK_OP_READ &&
            memcmp(bufs + (size_t)i * UHVT_BLK_IO_MAX, shadow + r[i].offset, r[i].len)) {
            printf("FAIL: batched read %u differs from the shadow\n", i);
            failures++;
        }
    }
}

static int32_t one(struct uhvt_blk_req r)
{
    int32_t ret[1] = {99};
    r.tag = 0;
    run(&r, 1, ret);
    return ret[0];
}

static int bad_requests(void)
{
    uint8_t *b = bufs;
    uintptr_t B = (uintptr_t)b;
    struct uhvt_blk_req w = {.data = B, .len = ss, .op = UHVT_BLK_OP_WRITE};
    /* Each well-formed bad request completes with its code; nothing changes. */
    struct { uint64_t off; uint32_t len; } range[] = {
        {cap, ss}, {cap - ss, 2 * ss}, {0 - (uint64_t)ss, 2 * ss}, {UINT64_MAX, ss},
        {1, ss}, {0, ss + 1}, {0, 0}, {0, UHVT_BLK_IO_MAX + ss},
    };
    for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
        w.offset = range[i].off;
        w.len = range[i].len;
        w.op = UHVT_BLK_OP_WRITE;
        EXPECT(one(w), UHVT_EINVAL);
        w.op = UHVT_BLK_OP_READ;
        EXPECT(one(w), UHVT_EINVAL);
    }
    EXPECT(one((struct uhvt_blk_req){.data = B, .len = ss, .op = 0}), UHVT_EINVAL);
    EXPECT(one((struct uhvt_blk_req){.data = B, .len = ss, .op = 7}), UHVT_EINVAL);
    EXPECT(one((struct uhvt_blk_req){.data = B, .len = ss, .op = UHVT_BLK_OP_READ,
                                     .flags = 1}), UHVT_EINVAL);
    EXPECT(one((struct uhvt_blk_req){.len = ss, .op = UHVT_BLK_OP_FLUSH}), UHVT_EINVAL);
    EXPECT(one((struct uhvt_blk_req){.offset = ss, .op = UHVT_BLK_OP_FLUSH}), UHVT_EINVAL);
    EXPECT(one((struct uhvt_blk_req){.op = UHVT_BLK_OP_FLUSH}), UHVT_OK);
    /* Whole calls refused. */
    struct uhvt_blk_req ok = {.data = B, .len = ss, .op = UHVT_BLK_OP_READ};
    static struct uhvt_blk_done done[UHVT_BATCH_MAX];
    EXPECT(uhvt_blk_submit(h, &ok, 0), -UHVT_EINVAL);
    EXPECT(uhvt_blk_submit(h, &ok, UHVT_BATCH_MAX + 1), -UHVT_EINVAL);
    EXPECT(uhvt_blk_submit(h + 1, &ok, 1), -UHVT_ENODEV);
    EXPECT(uhvt_blk_submit(-1, &ok, 1), -UHVT_ENODEV);
    EXPECT(uhvt_blk_submit(UHVT_MANIFEST_MAX, &ok, 1), -UHVT_ENODEV);
    EXPECT(uhvt_blk_reap(h, done, 0), -UHVT_EINVAL);
    EXPECT(uhvt_blk_reap(h, done, UHVT_BATCH_MAX + 1), -UHVT_EINVAL);
    EXPECT(uhvt_blk_reap(h + 1, done, 1), -UHVT_ENODEV);
    EXPECT(uhvt_blk_reap(h, done, UHVT_BATCH_MAX), 0);
    /* A full queue: all UHVT_BLK_QUEUE_MAX slots taken until reaped. */
    struct uhvt_blk_req many[UHVT_BATCH_MAX];
    for (unsigned i = 0; i < UHVT_BATCH_MAX; i++)
        many[i] = (struct uhvt_blk_req){.tag = i, .offset = i * ss, .data = B,
                                        .len = ss, .op = UHVT_BLK_OP_READ};
    EXPECT(uhvt_blk_submit(h, many, UHVT_BATCH_MAX), 0);
    EXPECT(uhvt_blk_submit(h, many, 1), -UHVT_EAGAIN);
    int got = 0;
    for (int spins = 0; got < (int)UHVT_BATCH_MAX && spins < 1000; spins++) {
        uhvt_poll(uhvt_clock_monotonic() + 1000000000ULL, NULL);
        int k = uhvt_blk_reap(h, done, 7);
        got += k > 0 ? k : 0;
    }
    EXPECT(got, UHVT_BATCH_MAX);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    int ro;
    h = uhvt_device_find("disk", UHVT_DEV_BLOCK);
    if (h < 0 || uhvt_blk_info(h, &cap, &ss, &ro) != 0) {
        puts("FAIL: no disk");
        return 1;
    }
    bufs = aligned_alloc(4096, (size_t)UHVT_BATCH_MAX * UHVT_BLK_IO_MAX);
    if (bufs == NULL)
        return 1;

    if (strcmp(mode, "badarray") == 0) {
        uintptr_t end = (uintptr_t)uhvt_boot_info()->mem_size;
        puts("submitting an array that leaves memory");
        fflush(stdout);
        uhvt_blk_submit(h, (const struct uhvt_blk_req *)(end - 32), 2);
        puts("still running");
        return 1;
    }
    if (strcmp(mode, "badbuf") == 0) {
        uintptr_t end = (uintptr_t)uhvt_boot_info()->mem_size;
        struct uhvt_blk_req r[2] = {
            {.data = (uintptr_t)bufs, .len = ss, .op = UHVT_BLK_OP_WRITE},
            {.offset = ss, .data = end - ss / 2, .len = ss, .op = UHVT_BLK_OP_WRITE},
        };
        memset(bufs, 'X', ss);
        puts("submitting a buffer that leaves memory");
        fflush(stdout);
        uhvt_blk_submit(h, r, 2);
        puts("still running");
        return 1;
    }
    if (strcmp(mode, "flush") == 0 && argc == 4) {
        uint64_t sector = strtoull(argv[2], NULL, 10);
        memset(bufs, 0, ss);
        strncpy((char *)bufs, argv[3], ss - 1);
        struct uhvt_blk_req r[2] = {
            {.tag = 0, .offset = sector * ss, .data = (uintptr_t)bufs, .len = ss,
             .op = UHVT_BLK_OP_WRITE},
            {.tag = 1, .op = UHVT_BLK_OP_FLUSH},
        };
        int32_t ret[2] = {99, 99};
        run(r, 2, ret);
        if (failures || ret[0] != UHVT_OK || ret[1] != UHVT_OK) {
            printf("FAIL: write %d flush %d\n", ret[0], ret[1]);
            return 1;
        }
        puts("flushed");
        fflush(stdout);
        for (;;)
            uhvt_poll(uhvt_clock_monotonic() + 60000000000ULL, NULL);
    }
    if (strcmp(mode, "ro") == 0) {
        struct uhvt_blk_req r[3] = {
            {.tag = 0, .data = (uintptr_t)bufs, .len = ss, .op = UHVT_BLK_OP_WRITE},
            {.tag = 1, .op = UHVT_BLK_OP_FLUSH},
            {.tag = 2, .data = (uintptr_t)bufs, .len = ss, .op = UHVT_BLK_OP_READ},
        };
        int32_t ret[3] = {99, 99, 99};
        run(r, 3, ret);
        EXPECT(ret[0], UHVT_EROFS);
        EXPECT(ret[1], UHVT_OK);
        EXPECT(ret[2], UHVT_OK);
        if (failures)
            return 1;
        puts("batch ro ok");
        return 0;
    }

    shadow = calloc(1, cap);
    if (ro || cap < 2 * UHVT_BLK_IO_MAX || shadow == NULL) {
        puts("FAIL: need a writable disk of at least 2 MiB");
        return 1;
    }
    for (int i = 0; i < 20; i++)
        batch_round(1 + (unsigned)(next() % UHVT_BATCH_MAX), i < 15 ? 16 : UHVT_BLK_IO_MAX / ss);
    /* A flush in the middle of a batch: the writes before it complete first. */
    struct uhvt_blk_req r[3] = {
        {.tag = 0, .offset = 0, .data = (uintptr_t)bufs, .len = ss, .op = UHVT_BLK_OP_WRITE},
        {.tag = 1, .op = UHVT_BLK_OP_FLUSH},
        {.tag = 2, .offset = 0, .data = (uintptr_t)bufs + ss, .len = ss, .op = UHVT_BLK_OP_READ},
    };
    memset(bufs, 'F', ss);
    memcpy(shadow, bufs, ss);
    int32_t ret[3] = {99, 99, 99};
    run(r, 3, ret);
    EXPECT(ret[0], UHVT_OK);
    EXPECT(ret[1], UHVT_OK);
    EXPECT(ret[2], UHVT_OK);
    EXPECT(memcmp(bufs + ss, bufs, ss), 0);
    bad_requests();
    /* The whole disk, read synchronously, as the shadow says. */
    for (uint64_t off = 0; off < cap; off += UHVT_BLK_IO_MAX) {
        size_t len = cap - off < UHVT_BLK_IO_MAX ? cap - off : UHVT_BLK_IO_MAX;
        EXPECT(uhvt_blk_read(h, off, bufs, len), 0);
        if (memcmp(bufs, shadow + off, len) != 0) {
            printf("FAIL: disk differs from its shadow in [%llu, +%zu)\n",
                   (unsigned long long)off, len);
            failures++;
        }
    }
    if (failures)
        return 1;
    puts("blk_batch ok");
    return 0;
}
