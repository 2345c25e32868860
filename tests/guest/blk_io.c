/* blk_io.c: disk round trips against a shadow copy, and every kind of bad request. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uhvt.h>

/*
 * The disk must start out all zero.  Every write goes to a shadow copy of
 * the disk too; each is read back at once, and at the end (after the bad
 * requests, which must change nothing) the whole disk is compared.
 */
static int h, failures;
static uint64_t cap;
static uint32_t ss;
static uint8_t *shadow, *wbuf, *rbuf;
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

#define EXPECT(call, want)                                                    \
    do {                                                                      \
        int got_ = (call);                                                    \
        if (got_ != (want)) {                                                 \
            printf("FAIL line %d: %s = %d, want %d\n", __LINE__, #call, got_, \
                   (int)(want));                                              \
            failures++;                                                       \
        }                                                                     \
    } while (0)

/* Write `len` bytes of a fresh pattern at `off`, then read them back. */
static void round_trip(uint64_t off, size_t len)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = next();
        memcpy(wbuf + i, &v, 8);
    }
    EXPECT(uhvt_blk_write(h, off, wbuf, len), 0);
    memcpy(shadow + off, wbuf, len);
    memset(rbuf, 0xee, len);
    EXPECT(uhvt_blk_read(h, off, rbuf, len), 0);
    if (memcmp(rbuf, wbuf, len) != 0) {
        printf("FAIL: read back differs at %llu (+%zu)\n", (unsigned long long)off, len);
        failures++;
    }
}

static void bad(uint64_t off, size_t len, int want)
{
    EXPECT(uhvt_blk_read(h, off, rbuf, len), want);
    EXPECT(uhvt_blk_write(h, off, wbuf, len), want);
}

int main(void)
{
    int ro;
    h = uhvt_device_find("disk", UHVT_DEV_BLOCK);
    if (h < 0 || uhvt_blk_info(h, &cap, &ss, &ro) != 0) {
        puts("FAIL: no disk");
        return 1;
    }
    printf("disk: %llu bytes, %u-byte sectors, %s\n", (unsigned long long)cap,
           ss, ro ? "read-only" : "read-write");
    size_t max = UHVT_BLK_IO_MAX;
    shadow = calloc(1, cap);
    wbuf = malloc(max + 2 * 4096);
    rbuf = malloc(max + 2 * 4096);
    if (ro || cap < 2 * max || !shadow || !wbuf || !rbuf) {
        puts("FAIL: need a writable disk of at least 2 MiB");
        return 1;
    }

    /* First, last and whole-sector runs; the largest request; random ones. */
    round_trip(0, ss);
    round_trip(cap - ss, ss);
    round_trip(ss, 3 * ss);
    round_trip(cap - 5 * ss, 5 * ss);
    round_trip(0, max);
    round_trip(cap - max, max);
    for (int i = 0; i < 200; i++) {
        uint64_t sectors = 1 + next() % (i < 150 ? 16 : max / ss);
        uint64_t off = next() % (cap / ss - sectors + 1) * ss;
        round_trip(off, sectors * ss);
    }

    /* Well-formed but invalid: each refused, nothing changed. */
    bad(cap, ss, -UHVT_EINVAL);                       /* just past the end */
    bad(cap - ss, 2 * ss, -UHVT_EINVAL);              /* straddles the end */
    bad(cap + 1024 * (uint64_t)ss, ss, -UHVT_EINVAL); /* far past it */
    bad(0 - (uint64_t)ss, ss, -UHVT_EINVAL);          /* near UINT64_MAX */
    bad(0 - (uint64_t)ss, 2 * ss, -UHVT_EINVAL);      /* offset + len wraps to ss */
    bad(UINT64_MAX, ss, -UHVT_EINVAL);
    bad(1, ss, -UHVT_EINVAL);                          /* misaligned offset */
    bad(ss / 2, ss, -UHVT_EINVAL);
    bad(0, ss + 1, -UHVT_EINVAL);                      /* misaligned length */
    bad(0, ss / 2, -UHVT_EINVAL);
    bad(0, 1, -UHVT_EINVAL);
    bad(0, 0, -UHVT_EINVAL);                           /* empty */
    bad(0, max + ss, -UHVT_EINVAL);                    /* oversize */
    bad(0, 2 * max, -UHVT_EINVAL);
    bad(0, (size_t)1 << 32, -UHVT_EINVAL);             /* beyond the ABI's 32 bits */
    if (ss == 4096)
        bad(512, 4096, -UHVT_EINVAL);                  /* 512-aligned is not enough */
    /* No such disk. */
    EXPECT(uhvt_blk_read(h + 1, 0, rbuf, ss), -UHVT_ENODEV);
    EXPECT(uhvt_blk_write(-1, 0, wbuf, ss), -UHVT_ENODEV);
    EXPECT(uhvt_blk_write(15, 0, wbuf, ss), -UHVT_ENODEV);
    EXPECT(uhvt_blk_flush(h + 1), -UHVT_ENODEV);
    EXPECT(uhvt_blk_info(UHVT_MANIFEST_MAX, NULL, NULL, NULL), -UHVT_ENODEV);
    EXPECT(uhvt_blk_flush(h), 0);

    /* The whole disk, as the shadow says. */
    for (uint64_t off = 0; off < cap; off += max) {
        size_t len = cap - off < max ? cap - off : max;
        EXPECT(uhvt_blk_read(h, off, rbuf, len), 0);
        if (memcmp(rbuf, shadow + off, len) != 0) {
            printf("FAIL: disk differs from its shadow in [%llu, +%zu)\n",
                   (unsigned long long)off, len);
            failures++;
        }
    }
    if (failures)
        return 1;
    puts("blk_io ok");
    return 0;
}
