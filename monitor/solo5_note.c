/* solo5_note.c: recognise a Solo5 hvt image by its ELF notes, and check its manifest. */
#include "solo5_note.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(char *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, SOLO5_NOTE_WHY_MAX, fmt, ap);
    va_end(ap);
    return -1;
}

static size_t align4(size_t n) { return (n + 3) & ~(size_t)3; }

/* Keep one Solo5 note's descriptor. */
static int keep(uint32_t type, const uint8_t *desc, size_t descsz,
                struct solo5_image *s, char *why)
{
    if (type == SOLO5_NOTE_ABI) {
        if (s->have_abi || descsz != sizeof(s->abi))
            return fail(why, "malformed or repeated Solo5 ABI note");
        memcpy(&s->abi, desc, sizeof(s->abi));
        s->have_abi = true;
    } else if (type == SOLO5_NOTE_MFT) {
        if (s->have_mft || descsz < SOLO5_NOTE_MFT_PAD + sizeof(struct solo5_mft) ||
            descsz - SOLO5_NOTE_MFT_PAD > sizeof(s->mft))
            return fail(why, "malformed or repeated Solo5 manifest note");
        s->mft_size = descsz - SOLO5_NOTE_MFT_PAD;
        memcpy(s->mft, desc + SOLO5_NOTE_MFT_PAD, s->mft_size);
        s->have_mft = true;
    }
    /* Other Solo5 note types are not the hvt tender's business either. */
    return 0;
}

int solo5_note_scan(const void *buf, size_t len, struct solo5_image *s,
                    char why[SOLO5_NOTE_WHY_MAX])
{
    const uint8_t *p = buf;
    size_t off = 0;
    while (off < len) {
        uint32_t hdr[3];
        if (len - off < sizeof(hdr))
            return fail(why, "truncated note in PT_NOTE");
        memcpy(hdr, p + off, sizeof(hdr));
        off += sizeof(hdr);
        /* Sizes are 32-bit and len fits memory: no sum below can wrap. */
        size_t namesz = hdr[0], descsz = hdr[1];
        if (align4(namesz) > len - off ||
            align4(descsz) > len - off - align4(namesz))
            return fail(why, "truncated note in PT_NOTE");
        const uint8_t *name = p + off, *desc = p + off + align4(namesz);
        off += align4(namesz) + align4(descsz);
        if (namesz == sizeof(SOLO5_NOTE_NAME) &&
            memcmp(name, SOLO5_NOTE_NAME, sizeof(SOLO5_NOTE_NAME)) == 0 &&
            keep(hdr[2], desc, descsz, s, why) < 0)
            return -1;
    }
    return 0;
}

bool solo5_note_found(const struct solo5_image *s)
{
    return s->have_abi || s->have_mft;
}

static int check_entry(const struct solo5_mft_entry *e, uint32_t i,
                       struct uhvt_manifest_entry *out, char *why)
{
    if (e->name[SOLO5_MFT_NAME_SIZE - 1] != '\0')
        return fail(why, "Solo5 manifest entry %u: name unterminated", i);
    if (e->attached != 0)
        return fail(why, "Solo5 manifest entry %u: marked attached in the image", i);
    size_t n = strlen(e->name);
    if (i == 0) {
        if (e->type != SOLO5_MFT_RESERVED_FIRST || n != 0)
            return fail(why, "Solo5 manifest entry 0 is not the reserved one");
        out->type = UHVT_DEV_NONE;
        return 0;
    }
    if (e->type == SOLO5_MFT_BLOCK)
        out->type = UHVT_DEV_BLOCK;
    else if (e->type == SOLO5_MFT_NET)
        out->type = UHVT_DEV_NET;
    else if (e->type >= SOLO5_MFT_RESERVED_FIRST)
        out->type = UHVT_DEV_NONE; /* solo5-hvt ignores these too */
    else
        return fail(why, "Solo5 manifest entry %u: unknown type %u", i, e->type);
    if (out->type == UHVT_DEV_NONE)
        return 0;
    if (n == 0 || n >= UHVT_NAME_MAX)
        return fail(why, "Solo5 manifest entry %u: name empty or longer than "
                         "uhvt's %d characters", i, UHVT_NAME_MAX - 1);
    if (strspn(e->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789_-") != n)
        return fail(why, "Solo5 manifest entry %u: bad character in name", i);
    memcpy(out->name, e->name, n + 1);
    return 0;
}

int solo5_note_check(const struct solo5_image *s, struct uhvt_manifest *out,
                     char why[SOLO5_NOTE_WHY_MAX])
{
    memset(out, 0, sizeof(*out));
    if (!s->have_abi)
        return fail(why, "no Solo5 ABI note: not a Solo5 unikernel");
    if (s->abi.target != SOLO5_ABI_TARGET_HVT)
        return fail(why, "a Solo5 unikernel for ABI target %u, not hvt (%u)",
                    s->abi.target, SOLO5_ABI_TARGET_HVT);
    if (s->abi.version != SOLO5_HVT_ABI_VERSION)
        return fail(why, "built for Solo5 hvt ABI %u; uhvt runs ABI %u",
                    s->abi.version, SOLO5_HVT_ABI_VERSION);
    if (!s->have_mft)
        return fail(why, "no Solo5 manifest note");
    struct solo5_mft h;
    memcpy(&h, s->mft, sizeof(h));
    if (h.version != SOLO5_MFT_VERSION)
        return fail(why, "Solo5 manifest version %u, expected %u", h.version,
                    SOLO5_MFT_VERSION);
    if (h.entries < 1 || h.entries > SOLO5_MFT_ENTRIES_MAX ||
        s->mft_size != sizeof(h) + h.entries * sizeof(struct solo5_mft_entry))
        return fail(why, "Solo5 manifest: %u entries in %zu bytes", h.entries,
                    s->mft_size);
    if (h.entries > UHVT_MANIFEST_MAX)
        return fail(why, "Solo5 manifest has %u entries; uhvt serves at most %u",
                    h.entries, UHVT_MANIFEST_MAX);
    out->version = UHVT_ABI_VERSION;
    out->entries = h.entries;
    for (uint32_t i = 0; i < h.entries; i++) {
        struct solo5_mft_entry e;
        memcpy(&e, s->mft + sizeof(h) + i * sizeof(e), sizeof(e));
        if (check_entry(&e, i, &out->e[i], why) < 0)
            return -1;
        for (uint32_t j = 1; j < i && out->e[i].type != UHVT_DEV_NONE; j++)
            if (strcmp(out->e[j].name, out->e[i].name) == 0)
                return fail(why, "Solo5 manifest names '%s' twice", e.name);
    }
    return 0;
}
