/* rng.c: getrandom from a ChaCha20 generator keyed by the boot entropy. */
#include <errno.h>
#include <string.h>

#include "cpu.h"
#include "runtime.h"

/*
 * Fast key erasure: each request takes ChaCha20 blocks under the current
 * key, then replaces the key with one more block, so a later compromise of
 * the state does not reveal earlier output.  The counter starts again at 0
 * under every new key, so no (key, counter) pair repeats.
 */
#define CHACHA_BLOCK 64

static uint32_t rng_key[8];

#define GRND_NONBLOCK 0x1
#define GRND_RANDOM 0x2
#define GRND_INSECURE 0x4

static uint32_t rng_rotl(uint32_t v, int n)
{
    return v << n | v >> (32 - n);
}

#define QUARTER(a, b, c, d)                                                   \
    do {                                                                      \
        a += b; d = rng_rotl(d ^ a, 16);                                      \
        c += d; b = rng_rotl(b ^ c, 12);                                      \
        a += b; d = rng_rotl(d ^ a, 8);                                       \
        c += d; b = rng_rotl(b ^ c, 7);                                       \
    } while (0)

/* One block of RFC 8439 ChaCha20 with a 64-bit counter and a zero nonce. */
static void rng_block(const uint32_t key[8], uint64_t counter,
                      uint8_t out[CHACHA_BLOCK])
{
    uint32_t in[16] = {
        0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, /* "expand 32-byte k" */
        key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
        (uint32_t)counter, (uint32_t)(counter >> 32), 0, 0,
    };
    uint32_t x[16];

    memcpy(x, in, sizeof x);
    for (int i = 0; i < 10; i++) {
        QUARTER(x[0], x[4], x[8], x[12]);
        QUARTER(x[1], x[5], x[9], x[13]);
        QUARTER(x[2], x[6], x[10], x[14]);
        QUARTER(x[3], x[7], x[11], x[15]);
        QUARTER(x[0], x[5], x[10], x[15]);
        QUARTER(x[1], x[6], x[11], x[12]);
        QUARTER(x[2], x[7], x[8], x[13]);
        QUARTER(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) {
        uint32_t v = x[i] + in[i];
        out[4 * i + 0] = (uint8_t)v; /* little-endian, as the RFC */
        out[4 * i + 1] = (uint8_t)(v >> 8);
        out[4 * i + 2] = (uint8_t)(v >> 16);
        out[4 * i + 3] = (uint8_t)(v >> 24);
    }
    memset(x, 0, sizeof x);
    memset(in, 0, sizeof in);
    __asm__ __volatile__("" : : "r"(x), "r"(in) : "memory"); /* keep the wipes */
}

void rng_fill(void *buf, size_t len)
{
    uint8_t block[CHACHA_BLOCK];
    uint8_t *p = buf;
    uint64_t counter = 0;

    while (len > 0) {
        size_t n = len < CHACHA_BLOCK ? len : CHACHA_BLOCK;
        rng_block(rng_key, counter++, block);
        memcpy(p, block, n);
        p += n;
        len -= n;
    }
    rng_block(rng_key, counter, block);
    memcpy(rng_key, block, sizeof rng_key);
    memset(block, 0, sizeof block);
    __asm__ __volatile__("" : : "r"(block) : "memory");
}

/* RDRAND, when present, is mixed in: the key is no weaker than the host's. */
static int rng_rdrand(uint64_t *v)
{
    for (int tries = 0; tries < 10; tries++) {
        unsigned char ok;
        __asm__ __volatile__("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return 1;
    }
    return 0;
}

void rng_init(const uint8_t seed[UHVT_BOOT_RANDOM_SIZE])
{
    uint32_t id[4];

    _Static_assert(UHVT_BOOT_RANDOM_SIZE == sizeof rng_key, "key size");
    memcpy(rng_key, seed, sizeof rng_key);
    cpu_cpuid(1, 0, id);
    if (id[2] & (1u << 30)) {
        for (size_t i = 0; i < ARRAY_SIZE(rng_key); i += 2) {
            uint64_t v;
            if (!rng_rdrand(&v))
                break;
            rng_key[i] ^= (uint32_t)v;
            rng_key[i + 1] ^= (uint32_t)(v >> 32);
        }
    }
    /* An empty request rekeys: the boot seed itself is never an output key. */
    rng_fill(NULL, 0);
}

/*
 * A restored snapshot: every instance starts from the same key, so the
 * monitor's fresh bytes (and RDRAND) are mixed in before anything else is
 * drawn, and instances part ways at once.
 */
void rng_reseed(const uint8_t seed[UHVT_BOOT_RANDOM_SIZE])
{
    uint32_t old[8], fresh[8];

    memcpy(old, rng_key, sizeof old);
    memcpy(fresh, seed, sizeof fresh);
    rng_init((const uint8_t *)fresh);
    for (size_t i = 0; i < ARRAY_SIZE(rng_key); i++)
        rng_key[i] ^= old[i];
    rng_fill(NULL, 0);
    memset(old, 0, sizeof old);
    memset(fresh, 0, sizeof fresh);
    __asm__ __volatile__("" : : "r"(old), "r"(fresh) : "memory");
}

long sys_getrandom(const long a[6])
{
    void *buf = (void *)a[0];
    size_t len = (size_t)a[1];

    if (a[2] & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
        return -EINVAL;
    if (len > INT32_MAX)
        len = INT32_MAX; /* as Linux, a large request may be short */
    if (!mem_check(buf, len))
        return -EFAULT;
    rng_fill(buf, len);
    return (long)len;
}
