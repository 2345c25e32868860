/* elf_builder.h: build small guest ELF images in memory for the loader's tests. */
#ifndef ELF_BUILDER_H
#define ELF_BUILDER_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uhvt_abi.h"

#define EB_LOAD_MAX 12

struct eb_load {
    uint64_t vaddr, filesz, memsz;
    uint32_t flags;
    int64_t offset; /* -1: placed by the builder */
};

/* A valid image by default (eb_default); tests break one field at a time. */
struct eb_spec {
    unsigned char class, data;
    uint16_t machine, type;
    uint64_t entry;
    size_t nload;
    struct eb_load load[EB_LOAD_MAX];
    bool abi_note, manifest_note, dynamic;
    uint32_t abi_version;
    uint32_t abi_descsz; /* normally 4 */
    struct uhvt_manifest manifest;
    uint32_t build_id_len; /* a GNU build ID note of bytes 1, 2, 3...; 0: none */
    size_t truncate; /* if non-zero, keep only this many bytes */
};

void eb_default(struct eb_spec *s);

/* A memfd holding the image; the caller closes it. */
int eb_build(const struct eb_spec *s);

#endif
