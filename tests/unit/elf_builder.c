/* elf_builder.c: build small guest ELF images in memory for the loader's tests. */
#include "elf_builder.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void eb_default(struct eb_spec *s)
{
    *s = (struct eb_spec){
        .class = ELFCLASS64, .data = ELFDATA2LSB, .machine = EM_X86_64,
        .type = ET_EXEC, .entry = 0x100000, .nload = 2,
        .load = {{0x100000, 0x100, 0x100, PF_R | PF_X, -1},
                 {0x101000, 0x10, 0x2000, PF_R | PF_W, -1}},
        .abi_note = true, .manifest_note = true,
        .abi_version = UHVT_ABI_VERSION, .abi_descsz = 4,
        .manifest = {.version = UHVT_ABI_VERSION},
    };
}

/* A uhvt note declaring `descsz` bytes of which `len` come from desc. */
static size_t put_note(uint8_t *p, uint32_t type, const void *desc, size_t len,
                       uint32_t descsz)
{
    Elf64_Nhdr nh = {sizeof(UHVT_NOTE_NAME), descsz, type};
    memcpy(p, &nh, sizeof(nh));
    memcpy(p + sizeof(nh), UHVT_NOTE_NAME, sizeof(UHVT_NOTE_NAME));
    size_t off = sizeof(nh) + 8; /* name padded to 4: "uhvt\0" -> 8 */
    memcpy(p + off, desc, len < descsz ? len : descsz);
    return off + ((descsz + 3) & ~3U);
}

/* A GNU build ID note of `len` bytes 1, 2, 3... */
static size_t put_build_id(uint8_t *p, uint32_t len)
{
    Elf64_Nhdr nh = {sizeof(ELF_NOTE_GNU), len, NT_GNU_BUILD_ID};
    memcpy(p, &nh, sizeof(nh));
    memcpy(p + sizeof(nh), ELF_NOTE_GNU, sizeof(ELF_NOTE_GNU));
    size_t off = sizeof(nh) + 4; /* "GNU\0" */
    for (uint32_t i = 0; i < len; i++)
        p[off + i] = (uint8_t)(i + 1);
    return off + ((len + 3) & ~3U);
}

int eb_build(const struct eb_spec *s)
{
    size_t size = 0x4000 + 0x1000 * EB_LOAD_MAX;
    uint8_t *buf = calloc(1, size);
    cr_assert_not_null(buf);

    Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = s->class;
    eh->e_ident[EI_DATA] = s->data;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = s->type;
    eh->e_machine = s->machine;
    eh->e_version = EV_CURRENT;
    eh->e_entry = s->entry;
    eh->e_phoff = sizeof(*eh);
    eh->e_ehsize = sizeof(*eh);
    eh->e_phentsize = sizeof(Elf64_Phdr);

    Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof(*eh));
    size_t n = 0;
    size_t notes_off = 0x1000, notes_len = 0;
    if (s->abi_note) {
        struct uhvt_note_abi abi = {s->abi_version};
        notes_len += put_note(buf + notes_off, UHVT_NOTE_ABI, &abi, sizeof(abi),
                              s->abi_descsz);
    }
    if (s->manifest_note)
        notes_len += put_note(buf + notes_off + notes_len, UHVT_NOTE_MANIFEST,
                              &s->manifest, sizeof(s->manifest),
                              sizeof(s->manifest));
    if (s->build_id_len)
        notes_len += put_build_id(buf + notes_off + notes_len, s->build_id_len);
    if (notes_len)
        ph[n++] = (Elf64_Phdr){.p_type = PT_NOTE, .p_flags = PF_R,
                               .p_offset = notes_off, .p_filesz = notes_len,
                               .p_memsz = notes_len, .p_align = 4};
    if (s->dynamic)
        ph[n++] = (Elf64_Phdr){.p_type = PT_DYNAMIC, .p_flags = PF_R};
    size_t data_off = 0x2000;
    for (size_t i = 0; i < s->nload; i++) {
        const struct eb_load *l = &s->load[i];
        uint64_t off = l->offset >= 0 ? (uint64_t)l->offset
                                      : data_off + (l->vaddr & 0xfff);
        if (l->offset < 0) {
            memset(buf + off, 0x90 + (int)i, l->filesz < 0x800 ? l->filesz : 0x800);
            data_off += 0x1000;
        }
        ph[n++] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = l->flags,
                               .p_offset = off, .p_vaddr = l->vaddr,
                               .p_paddr = l->vaddr, .p_filesz = l->filesz,
                               .p_memsz = l->memsz, .p_align = 0x1000};
    }
    eh->e_phnum = (uint16_t)n;

    int fd = memfd_create("eb", 0);
    cr_assert_geq(fd, 0);
    size_t len = s->truncate ? s->truncate : data_off;
    cr_assert_eq(write(fd, buf, len), (ssize_t)len);
    free(buf);
    return fd;
}
