/* elf.h: validate a guest ELF image, read its uhvt notes, load it into guest memory. */
#ifndef ELF_H
#define ELF_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "solo5_note.h"
#include "uhvt_abi.h"

#define ELF_LOAD_MAX 8  /* PT_LOAD segments */
#define ELF_PHDR_MAX 16 /* program headers of any type */
#define ELF_WHY_MAX 160

struct elf_load {
    uint64_t gpa;    /* p_vaddr: the guest runs identity-mapped */
    uint64_t offset; /* in the file */
    uint64_t filesz;
    uint64_t memsz;
    uint32_t flags; /* PF_R, PF_W, PF_X */
};

/* The longest GNU build ID kept: ld's --build-id=sha1 is 20 bytes. */
#define ELF_BUILD_ID_MAX 64

struct elf_image {
    uint64_t entry;
    uint64_t end; /* page-aligned end of the highest segment */
    size_t nload;
    struct elf_load load[ELF_LOAD_MAX];
    size_t phnum;
    Elf64_Phdr phdr[ELF_PHDR_MAX]; /* handed to the guest for its TLS */
    struct uhvt_manifest manifest;
    /*
     * The linker's build ID (a GNU NT_GNU_BUILD_ID note, `--build-id`: a hash
     * of the whole file), as the image has it; build_id_len 0 without one.
     */
    uint8_t build_id[ELF_BUILD_ID_MAX];
    size_t build_id_len;
    /*
     * A Solo5 hvt image (docs/solo5.md): recognised by its "Solo5" notes,
     * served through solo5_abi.h; `manifest` is then its manifest in uhvt's
     * terms, and `s5` the notes as the image has them.
     */
    bool solo5;
    struct solo5_image s5;
};

/*
 * Parse and validate the image in `fd` (read with pread only; the offset is
 * untouched), which must be a regular file (a directory, FIFO or device is
 * refused by name).  Everything is checked before anything is used: ELF class,
 * byte order, machine, type, every program header (bounds in the file,
 * p_filesz <= p_memsz, no overflow, placed at or above LAYOUT_IMAGE_MIN and
 * below UHVT_MEM_MAX, no two segments sharing a page, none both writable and
 * executable), the entry point, and both uhvt notes (ABI version must equal
 * UHVT_ABI_VERSION; manifest well-formed) -- or, for a Solo5 image, its two
 * Solo5 notes (solo5_note_check), whose PT_INTERP is then allowed.  Returns 0, or -1 with a message
 * naming the problem in `why`.  Never needs KVM.
 */
int elf_parse(int fd, struct elf_image *img, char why[ELF_WHY_MAX]);

/*
 * Check a manifest read from an image: version, entry count, names
 * ([A-Za-z0-9_-], 1..UHVT_NAME_MAX-1 chars, unique), types and flags.
 */
int elf_manifest_check(const struct uhvt_manifest *m, char why[ELF_WHY_MAX]);

/*
 * Copy the image's segments into guest memory, which must be fresh (zeroed)
 * and large enough: the caller checks img->end against its layout first.
 * Returns 0 or -1 with `why`.
 */
int elf_load(int fd, const struct elf_image *img, const struct mem *m,
             char why[ELF_WHY_MAX]);

#endif
