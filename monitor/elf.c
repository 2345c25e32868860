/* elf.c: validate a guest ELF image, read its uhvt notes, load it into guest memory. */
#include "elf.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device.h"
#include "layout.h"

#define PAGE_MASK (UHVT_PAGE_SIZE - 1)

static int fail(char *why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(char *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, ELF_WHY_MAX, fmt, ap);
    va_end(ap);
    return -1;
}

static uint64_t page_down(uint64_t a) { return a & ~PAGE_MASK; }
static uint64_t page_up(uint64_t a) { return (a + PAGE_MASK) & ~PAGE_MASK; }

int elf_manifest_check(const struct uhvt_manifest *m, char why[ELF_WHY_MAX])
{
    if (m->version != UHVT_ABI_VERSION)
        return fail(why, "manifest version %u, expected %u", m->version,
                    UHVT_ABI_VERSION);
    if (m->entries > UHVT_MANIFEST_MAX)
        return fail(why, "manifest has %u devices, at most %u allowed",
                    m->entries, UHVT_MANIFEST_MAX);
    for (uint32_t i = 0; i < m->entries; i++) {
        const struct uhvt_manifest_entry *e = &m->e[i];
        size_t len = strnlen(e->name, UHVT_NAME_MAX);
        if (len == 0 || len == UHVT_NAME_MAX)
            return fail(why, "manifest device %u: name empty or unterminated", i);
        if (strspn(e->name, "abcdefghijklmnopqrstuvwxyz"
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != len)
            return fail(why, "manifest device %u: bad character in name", i);
        if (device_type_find(e->type) == NULL)
            return fail(why, "manifest device '%s': unknown type %u", e->name,
                        e->type);
        if (e->flags != 0)
            return fail(why, "manifest device '%s': reserved flags set", e->name);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(m->e[j].name, e->name) == 0)
                return fail(why, "manifest names '%s' twice", e->name);
    }
    return 0;
}

/* Read the uhvt notes and the GNU build ID of one PT_NOTE segment; other notes are ignored. */
static int read_notes(Elf *e, const GElf_Phdr *ph, bool *have_abi,
                      bool *have_mft, struct elf_image *img, char *why)
{
    /* libelf checks that the chunk lies inside the file. */
    Elf_Data *d = elf_getdata_rawchunk(e, (int64_t)ph->p_offset, ph->p_filesz,
                                       ELF_T_NHDR);
    if (d == NULL)
        return fail(why, "PT_NOTE outside the file: %s", elf_errmsg(-1));
    _Static_assert(SOLO5_NOTE_WHY_MAX == ELF_WHY_MAX, "one size of reason");
    if (solo5_note_scan(d->d_buf, d->d_size, &img->s5, why) < 0)
        return -1;
    GElf_Nhdr nh;
    size_t off = 0, name_off, desc_off, next;
    while (off < d->d_size &&
           (next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
        const char *name = (const char *)d->d_buf + name_off;
        const void *desc = (const char *)d->d_buf + desc_off;
        off = next;
        /* The first usable build ID names the image (snapshot_image_id). */
        if (nh.n_namesz == sizeof(ELF_NOTE_GNU) && nh.n_type == NT_GNU_BUILD_ID &&
            memcmp(name, ELF_NOTE_GNU, sizeof(ELF_NOTE_GNU)) == 0) {
            if (img->build_id_len == 0 && nh.n_descsz > 0 &&
                nh.n_descsz <= sizeof(img->build_id)) {
                memcpy(img->build_id, desc, nh.n_descsz);
                img->build_id_len = nh.n_descsz;
            }
            continue;
        }
        if (nh.n_namesz != sizeof(UHVT_NOTE_NAME) ||
            memcmp(name, UHVT_NOTE_NAME, sizeof(UHVT_NOTE_NAME)) != 0)
            continue;
        if (nh.n_type == UHVT_NOTE_ABI) {
            struct uhvt_note_abi abi;
            if (*have_abi || nh.n_descsz != sizeof(abi))
                return fail(why, "malformed or repeated uhvt ABI note");
            memcpy(&abi, desc, sizeof(abi));
            if (abi.version != UHVT_ABI_VERSION)
                return fail(why, "built for uhvt ABI %u, this monitor runs ABI %u%s",
                            abi.version, UHVT_ABI_VERSION,
                            abi.version < UHVT_ABI_VERSION
                                ? ": rebuild it with this uhvt's uhvt-cc"
                                : "");
            *have_abi = true;
        } else if (nh.n_type == UHVT_NOTE_MANIFEST) {
            if (*have_mft || nh.n_descsz != sizeof(img->manifest))
                return fail(why, "malformed or repeated uhvt manifest note");
            memcpy(&img->manifest, desc, sizeof(img->manifest));
            *have_mft = true;
        } else {
            return fail(why, "unknown uhvt note type %u", (unsigned)nh.n_type);
        }
    }
    if (off < d->d_size)
        return fail(why, "truncated note in PT_NOTE");
    return 0;
}

static int check_load(const GElf_Phdr *ph, uint64_t file_size, size_t i,
                      char *why)
{
    if (ph->p_filesz > ph->p_memsz)
        return fail(why, "segment %zu: p_filesz > p_memsz", i);
    if (ph->p_offset > file_size || ph->p_filesz > file_size - ph->p_offset)
        return fail(why, "segment %zu: extends past the end of the file", i);
    if (ph->p_vaddr < LAYOUT_IMAGE_MIN)
        return fail(why, "segment %zu: at 0x%llx, below the image base 0x%llx",
                    i, (unsigned long long)ph->p_vaddr, LAYOUT_IMAGE_MIN);
    if (ph->p_memsz > UHVT_MEM_MAX || ph->p_vaddr > UHVT_MEM_MAX - ph->p_memsz)
        return fail(why, "segment %zu: does not fit in %llu GiB of guest memory",
                    i, UHVT_MEM_MAX >> 30);
    if (ph->p_align > 1 && ((ph->p_align & (ph->p_align - 1)) != 0 ||
                            ph->p_vaddr % ph->p_align != ph->p_offset % ph->p_align))
        return fail(why, "segment %zu: bad alignment 0x%llx", i,
                    (unsigned long long)ph->p_align);
    if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
        return fail(why, "segment %zu: both writable and executable", i);
    return 0;
}

static int parse(Elf *e, uint64_t file_size, struct elf_image *img, char *why)
{
    if (elf_kind(e) != ELF_K_ELF)
        return fail(why, "not an ELF file");
    const char *ident = elf_getident(e, NULL);
    if (ident == NULL || ident[EI_CLASS] != ELFCLASS64)
        return fail(why, "not a 64-bit ELF file");
    if (ident[EI_DATA] != ELFDATA2LSB)
        return fail(why, "not a little-endian ELF file");
    GElf_Ehdr eh;
    if (gelf_getehdr(e, &eh) == NULL)
        return fail(why, "bad ELF header: %s", elf_errmsg(-1));
    if (eh.e_machine != EM_X86_64)
        return fail(why, "not an x86-64 ELF file (machine %u)", eh.e_machine);
    if (eh.e_type != ET_EXEC)
        return fail(why, "not a static executable (ET_EXEC); build it with uhvt-cc");

    /* libelf cuts a count to what the file holds: judge the header's own. */
    if (eh.e_phnum != PN_XNUM && eh.e_phnum > ELF_PHDR_MAX)
        return fail(why, "%u program headers, at most %d allowed", eh.e_phnum,
                    ELF_PHDR_MAX);
    size_t phnum;
    if (elf_getphdrnum(e, &phnum) != 0)
        return fail(why, "bad program header table: %s", elf_errmsg(-1));
    if (phnum > ELF_PHDR_MAX)
        return fail(why, "%zu program headers, at most %d allowed", phnum,
                    ELF_PHDR_MAX);
    /* libelf reports a table cut short by the file's end as empty. */
    if (phnum != eh.e_phnum && eh.e_phnum != PN_XNUM)
        return fail(why, "program header table past the end of the file");
    if (phnum > 0 && (eh.e_phentsize != sizeof(Elf64_Phdr) ||
                      eh.e_phoff > file_size ||
                      phnum * sizeof(Elf64_Phdr) > file_size - eh.e_phoff))
        return fail(why, "program header table past the end of the file");

    bool have_abi = false, have_mft = false, interp = false;
    img->entry = eh.e_entry;
    img->phnum = phnum;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(e, (int)i, &ph) == NULL)
            return fail(why, "program header %zu: %s", i, elf_errmsg(-1));
        img->phdr[i] = (Elf64_Phdr){ph.p_type,   ph.p_flags, ph.p_offset,
                                    ph.p_vaddr,  ph.p_paddr, ph.p_filesz,
                                    ph.p_memsz, ph.p_align};
        switch (ph.p_type) {
        case PT_LOAD:
            if (ph.p_memsz == 0)
                break;
            if (img->nload == ELF_LOAD_MAX)
                return fail(why, "more than %d loadable segments", ELF_LOAD_MAX);
            if (check_load(&ph, file_size, i, why) < 0)
                return -1;
            img->load[img->nload++] = (struct elf_load){
                ph.p_vaddr, ph.p_offset, ph.p_filesz, ph.p_memsz, ph.p_flags};
            break;
        case PT_NOTE:
            if (read_notes(e, &ph, &have_abi, &have_mft, img, why) < 0)
                return -1;
            break;
        case PT_INTERP: /* Solo5 images carry one to keep Linux from running them */
            interp = true;
            break;
        case PT_DYNAMIC:
            return fail(why, "dynamically linked; build it with uhvt-cc");
        default:
            break;
        }
    }
    if (img->nload == 0)
        return fail(why, "no loadable segments");
    if (solo5_note_found(&img->s5)) {
        if (have_abi || have_mft)
            return fail(why, "has both uhvt and Solo5 notes");
        if (solo5_note_check(&img->s5, &img->manifest, why) < 0)
            return -1;
        img->solo5 = true;
    } else if (interp) {
        return fail(why, "dynamically linked; build it with uhvt-cc");
    } else if (!have_abi)
        return fail(why, "no uhvt ABI note: not a uhvt unikernel (build it with uhvt-cc)");
    else if (!have_mft)
        return fail(why, "no uhvt manifest note (build it with uhvt-cc)");
    else if (elf_manifest_check(&img->manifest, why) < 0)
        return -1;

    bool entry_ok = false;
    for (size_t i = 0; i < img->nload; i++) {
        const struct elf_load *a = &img->load[i];
        uint64_t a_end = page_up(a->gpa + a->memsz);
        for (size_t j = 0; j < i; j++) {
            const struct elf_load *b = &img->load[j];
            if (page_down(a->gpa) < page_up(b->gpa + b->memsz) &&
                page_down(b->gpa) < a_end)
                return fail(why, "segments %zu and %zu share a page", j, i);
        }
        if ((a->flags & PF_X) && img->entry >= a->gpa &&
            img->entry - a->gpa < a->memsz)
            entry_ok = true;
        if (a_end > img->end)
            img->end = a_end;
    }
    if (!entry_ok)
        return fail(why, "entry point 0x%llx is not in an executable segment",
                    (unsigned long long)img->entry);
    return 0;
}

int elf_parse(int fd, struct elf_image *img, char why[ELF_WHY_MAX])
{
    memset(img, 0, sizeof(*img));
    struct stat st;
    if (fstat(fd, &st) < 0)
        return fail(why, "fstat: %s", strerror(errno));
    if (S_ISDIR(st.st_mode))
        return fail(why, "is a directory, not an ELF file");
    if (!S_ISREG(st.st_mode))
        return fail(why, "is not a regular file: %s",
                    S_ISFIFO(st.st_mode)   ? "a FIFO"
                    : S_ISCHR(st.st_mode)  ? "a character device"
                    : S_ISBLK(st.st_mode)  ? "a block device"
                    : S_ISSOCK(st.st_mode) ? "a socket"
                                           : "of an unknown kind");
    if (elf_version(EV_CURRENT) == EV_NONE)
        return fail(why, "libelf: %s", elf_errmsg(-1));
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    if (e == NULL)
        return fail(why, "not an ELF file: %s", elf_errmsg(-1));
    int rc = parse(e, (uint64_t)st.st_size, img, why);
    elf_end(e);
    return rc;
}

int elf_load(int fd, const struct elf_image *img, const struct mem *m,
             char why[ELF_WHY_MAX])
{
    for (size_t i = 0; i < img->nload; i++) {
        const struct elf_load *s = &img->load[i];
        /* The whole of memsz is checked; the tail past filesz stays zero. */
        uint8_t *dst = mem_ptr(m, s->gpa, s->memsz);
        if (dst == NULL)
            return fail(why, "segment %zu does not fit in guest memory", i);
        for (uint64_t done = 0; done < s->filesz;) {
            ssize_t n = pread(fd, dst + done, s->filesz - done,
                              (off_t)(s->offset + done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return fail(why, "segment %zu: %s", i,
                            n < 0 ? strerror(errno) : "file shrank while loading");
            done += (uint64_t)n;
        }
    }
    return 0;
}
