/* solo5_note.h: recognise a Solo5 hvt image by its ELF notes, and check its manifest. */
#ifndef SOLO5_NOTE_H
#define SOLO5_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solo5_abi.h"
#include "uhvt_abi.h"

#define SOLO5_NOTE_WHY_MAX 160
/* The largest manifest Solo5 defines: its header and 64 entries. */
#define SOLO5_MFT_SIZE_MAX \
    (sizeof(struct solo5_mft) + SOLO5_MFT_ENTRIES_MAX * sizeof(struct solo5_mft_entry))

/* What an image's "Solo5" notes said; all zero when it has none. */
struct solo5_image {
    bool have_abi;
    bool have_mft;
    struct solo5_note_abi abi;
    size_t mft_size; /* bytes of mft in use */
    _Alignas(8) uint8_t mft[SOLO5_MFT_SIZE_MAX]; /* struct solo5_mft, as in the image */
};

/*
 * Read the notes in `len` bytes of one PT_NOTE segment (4-byte aligned
 * Elf64_Nhdr records), keeping those owned by "Solo5"; others are left to
 * their readers.  A note that runs past the end, a Solo5 note of a known
 * type seen twice or of the wrong size, is refused.  Pure: bytes in, a
 * description or a reason out; the fuzzers call it directly.
 */
int solo5_note_scan(const void *buf, size_t len, struct solo5_image *s,
                    char why[SOLO5_NOTE_WHY_MAX]);

/* Whether the notes seen so far make this a Solo5 image at all. */
bool solo5_note_found(const struct solo5_image *s);

/*
 * Check the notes of a Solo5 image as solo5-hvt would (ABI target hvt and
 * version 2; manifest version 1, exact size, entry 0 reserved, names
 * terminated, nothing marked attached), and what uhvt needs besides (at
 * most UHVT_MANIFEST_MAX entries, names of [A-Za-z0-9_-] shorter than
 * UHVT_NAME_MAX, no name twice).  On success `out` is the same manifest in
 * uhvt's terms, entry for entry, so a handle means the same device in both;
 * the reserved entry 0 becomes UHVT_DEV_NONE.
 */
int solo5_note_check(const struct solo5_image *s, struct uhvt_manifest *out,
                     char why[SOLO5_NOTE_WHY_MAX]);

#endif
