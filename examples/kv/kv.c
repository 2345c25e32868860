/* kv.c: a persistent key-value store in an append-only log on the disk "kv". */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uhvt.h>

/*
 * usage: kv COMMAND...   where COMMAND is one of
 *   put KEY VALUE   store VALUE under KEY; prints "ok" once it is durable
 *   get KEY         print KEY's value on a line of its own
 *   del KEY         forget KEY; prints "ok" once that is durable
 *   list            print every key and its value, "KEY<TAB>VALUE", sorted
 * Commands run in order; the first that fails (a missing key, a full disk)
 * ends the run with status 1.
 *
 * The disk holds a log of records from offset 0.  Each record starts on a
 * sector boundary and fills whole sectors: a 32-byte header, the key, the
 * value, zero padding.  A CRC-32 over the header (crc field 0), key and
 * value, and a sequence number that counts up from 1, mark a record as
 * whole: at boot the log is replayed up to the first record that is not,
 * which is where the next one goes.  A write torn by a crash therefore
 * loses at most the record being written, never one acknowledged before;
 * a fresh (all-zero) disk is an empty store.  Later records override
 * earlier ones.
 */

#define KV_MAGIC 0x3152564bU /* "KVR1" */
#define KV_KEY_MAX 255
#define KV_VALUE_MAX (60U * 1024)
#define KV_DELETE 1U

struct kv_hdr {
    uint32_t magic;
    uint32_t crc;
    uint64_t seq;
    uint32_t klen;
    uint32_t vlen;
    uint32_t flags; /* KV_DELETE */
    uint32_t pad;
};
_Static_assert(sizeof(struct kv_hdr) == 32, "record header");

struct kv_entry {
    char *key, *value;
};

static struct {
    int handle;
    int read_only;
    uint64_t capacity;
    uint32_t sector;
    uint64_t end; /* where the next record goes */
    uint64_t seq; /* its sequence number */
    uint8_t *buf; /* one record, at most */
    size_t nent, cap;
    struct kv_entry *ent;
} kv;

static _Noreturn void die(const char *what)
{
    fprintf(stderr, "kv: %s\n", what);
    exit(1);
}

static uint32_t crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320U & (0U - (crc & 1)));
    }
    return ~crc;
}

static uint64_t record_size(uint32_t klen, uint32_t vlen)
{
    uint64_t n = sizeof(struct kv_hdr) + (uint64_t)klen + vlen;
    return (n + kv.sector - 1) / kv.sector * kv.sector;
}

static struct kv_entry *lookup(const char *key)
{
    for (size_t i = 0; i < kv.nent; i++)
        if (strcmp(kv.ent[i].key, key) == 0)
            return &kv.ent[i];
    return NULL;
}

/* Make the in-memory table reflect one record. */
static void apply(const char *key, size_t klen, const char *value, size_t vlen,
                  uint32_t flags)
{
    struct kv_entry *e = NULL;
    for (size_t i = 0; i < kv.nent; i++)
        if (strlen(kv.ent[i].key) == klen && memcmp(kv.ent[i].key, key, klen) == 0)
            e = &kv.ent[i];
    if (flags & KV_DELETE) {
        if (e != NULL) {
            free(e->key);
            free(e->value);
            *e = kv.ent[--kv.nent];
        }
        return;
    }
    if (e == NULL) {
        if (kv.nent == kv.cap) {
            kv.cap = kv.cap ? 2 * kv.cap : 64;
            kv.ent = realloc(kv.ent, kv.cap * sizeof(*kv.ent));
            if (kv.ent == NULL)
                die("out of memory");
        }
        e = &kv.ent[kv.nent++];
        e->key = strndup(key, klen);
    } else {
        free(e->value);
    }
    e->value = strndup(value, vlen);
    if (e->key == NULL || e->value == NULL)
        die("out of memory");
}

/* Replay the log; leaves kv.end and kv.seq after its last whole record. */
static void replay(void)
{
    kv.end = 0;
    kv.seq = 1;
    for (;;) {
        if (kv.capacity - kv.end < kv.sector)
            return;
        if (uhvt_blk_read(kv.handle, kv.end, kv.buf, kv.sector) != 0)
            die("cannot read the disk");
        struct kv_hdr h;
        memcpy(&h, kv.buf, sizeof(h));
        if (h.magic != KV_MAGIC || h.seq != kv.seq || h.klen == 0 ||
            h.klen > KV_KEY_MAX || h.vlen > KV_VALUE_MAX || (h.flags & ~KV_DELETE))
            return;
        uint64_t size = record_size(h.klen, h.vlen);
        if (size > kv.capacity - kv.end)
            return;
        if (size > kv.sector &&
            uhvt_blk_read(kv.handle, kv.end + kv.sector, kv.buf + kv.sector,
                          size - kv.sector) != 0)
            die("cannot read the disk");
        uint32_t crc = h.crc;
        memset(kv.buf + offsetof(struct kv_hdr, crc), 0, sizeof(h.crc));
        if (crc32(0, kv.buf, sizeof(h) + h.klen + h.vlen) != crc)
            return; /* torn or never written: the log ends here */
        const char *key = (const char *)kv.buf + sizeof(h);
        apply(key, h.klen, key + h.klen, h.vlen, h.flags);
        kv.end += size;
        kv.seq++;
    }
}

/* Append a record and make it durable. */
static void append(const char *key, const char *value, uint32_t flags)
{
    size_t klen = strlen(key), vlen = value ? strlen(value) : 0;
    if (kv.read_only)
        die("the disk is attached read-only");
    if (klen == 0 || klen > KV_KEY_MAX)
        die("keys are 1 to 255 bytes");
    if (vlen > KV_VALUE_MAX)
        die("values are at most 61440 bytes");
    uint64_t size = record_size((uint32_t)klen, (uint32_t)vlen);
    if (size > kv.capacity - kv.end)
        die("the disk is full");
    struct kv_hdr h = {
        .magic = KV_MAGIC, .seq = kv.seq, .flags = flags,
        .klen = (uint32_t)klen, .vlen = (uint32_t)vlen,
    };
    memset(kv.buf, 0, size);
    memcpy(kv.buf, &h, sizeof(h));
    memcpy(kv.buf + sizeof(h), key, klen);
    if (vlen)
        memcpy(kv.buf + sizeof(h) + klen, value, vlen);
    h.crc = crc32(0, kv.buf, sizeof(h) + klen + vlen);
    memcpy(kv.buf + offsetof(struct kv_hdr, crc), &h.crc, sizeof(h.crc));
    if (uhvt_blk_write(kv.handle, kv.end, kv.buf, size) != 0 ||
        uhvt_blk_flush(kv.handle) != 0)
        die("cannot write the disk");
    kv.end += size;
    kv.seq++;
    apply(key, klen, value ? value : "", vlen, flags);
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const struct kv_entry *)a)->key, ((const struct kv_entry *)b)->key);
}

static _Noreturn void usage(void)
{
    fputs("usage: kv put KEY VALUE | get KEY | del KEY | list ...\n", stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    kv.handle = uhvt_device_find("kv", UHVT_DEV_BLOCK);
    if (kv.handle < 0 ||
        uhvt_blk_info(kv.handle, &kv.capacity, &kv.sector, &kv.read_only) != 0)
        die("no disk 'kv' (run with --block=FILE)");
    kv.buf = malloc(record_size(KV_KEY_MAX, KV_VALUE_MAX));
    if (kv.buf == NULL)
        die("out of memory");
    replay();

    for (int i = 1; i < argc;) {
        const char *cmd = argv[i];
        if (strcmp(cmd, "put") == 0 && i + 2 < argc) {
            append(argv[i + 1], argv[i + 2], 0);
            puts("ok");
            i += 3;
        } else if (strcmp(cmd, "del") == 0 && i + 1 < argc) {
            if (lookup(argv[i + 1]) == NULL) {
                fprintf(stderr, "kv: no key '%s'\n", argv[i + 1]);
                return 1;
            }
            append(argv[i + 1], NULL, KV_DELETE);
            puts("ok");
            i += 2;
        } else if (strcmp(cmd, "get") == 0 && i + 1 < argc) {
            const struct kv_entry *e = lookup(argv[i + 1]);
            if (e == NULL) {
                fprintf(stderr, "kv: no key '%s'\n", argv[i + 1]);
                return 1;
            }
            puts(e->value);
            i += 2;
        } else if (strcmp(cmd, "list") == 0) {
            qsort(kv.ent, kv.nent, sizeof(*kv.ent), by_key);
            for (size_t j = 0; j < kv.nent; j++)
                printf("%s\t%s\n", kv.ent[j].key, kv.ent[j].value);
            i++;
        } else {
            usage();
        }
        fflush(stdout);
    }
    return 0;
}
