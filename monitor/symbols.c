/* symbols.c: the image's function symbols, to name a guest address (function+offset). */
#include "symbols.h"

#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_addr(const void *a, const void *b)
{
    const struct symbols_entry *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Section `ndx` of `e` if it holds code, else false. */
static bool executable(Elf *e, size_t ndx, GElf_Shdr *sh)
{
    Elf_Scn *scn = elf_getscn(e, ndx);
    return scn != NULL && gelf_getshdr(scn, sh) != NULL &&
           (sh->sh_flags & SHF_EXECINSTR);
}

/* Append the functions of symbol table `scn`; false when over the limits. */
static bool read_table(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh,
                       struct symbols *s, size_t *names_len)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    if (d == NULL || sh->sh_entsize == 0)
        return true;
    size_t count = d->d_size / sh->sh_entsize;
    for (size_t i = 0; i < count; i++) {
        GElf_Sym sym;
        if (gelf_getsym(d, (int)i, &sym) == NULL)
            break;
        int type = GELF_ST_TYPE(sym.st_info);
        GElf_Shdr code;
        if (sym.st_value == 0 || sym.st_shndx == SHN_UNDEF ||
            sym.st_shndx >= SHN_LORESERVE || (type != STT_FUNC && type != STT_NOTYPE) ||
            !executable(e, sym.st_shndx, &code) || sym.st_value < code.sh_addr ||
            sym.st_value - code.sh_addr >= code.sh_size)
            continue;
        /* An assembler label without a size reaches at most to its section's end. */
        uint64_t size = sym.st_size ? sym.st_size
                                    : code.sh_addr + code.sh_size - sym.st_value;
        /* libelf checks that the name lies inside the string table. */
        const char *name = elf_strptr(e, sh->sh_link, sym.st_name);
        if (name == NULL || name[0] == '\0' || name[0] == '.')
            continue;
        size_t len = strlen(name) + 1;
        if (s->n == SYMBOLS_MAX || len > SYMBOLS_NAMES_MAX - *names_len)
            return false;
        memcpy(s->names + *names_len, name, len);
        s->v[s->n++] = (struct symbols_entry){sym.st_value, size,
                                              (uint32_t)*names_len, sym.st_size != 0};
        *names_len += len;
    }
    return true;
}

void symbols_load(struct symbols *s, int fd)
{
    memset(s, 0, sizeof(*s));
    if (elf_version(EV_CURRENT) == EV_NONE)
        return;
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    if (e == NULL)
        return;
    size_t names_len = 0;
    s->v = malloc(SYMBOLS_MAX * sizeof(*s->v));
    s->names = malloc(SYMBOLS_NAMES_MAX);
    bool ok = s->v != NULL && s->names != NULL;
    for (Elf_Scn *scn = NULL; ok && (scn = elf_nextscn(e, scn)) != NULL;) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) != NULL && sh.sh_type == SHT_SYMTAB)
            ok = read_table(e, scn, &sh, s, &names_len);
    }
    elf_end(e);
    if (!ok || s->n == 0) {
        symbols_free(s);
        return;
    }
    qsort(s->v, s->n, sizeof(*s->v), by_addr);
    /* Give back what the image did not need. */
    void *v = realloc(s->v, s->n * sizeof(*s->v));
    void *names = realloc(s->names, names_len);
    if (v != NULL)
        s->v = v;
    if (names != NULL)
        s->names = names;
}

void symbols_free(struct symbols *s)
{
    free(s->v);
    free(s->names);
    memset(s, 0, sizeof(*s));
}

const char *symbols_find(const struct symbols *s, uint64_t addr, uint64_t *offset)
{
    /*
     * The last symbol at or below addr (a label inside a function names the
     * part after it); among equal addresses, one with a size of its own.
     */
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    size_t i = lo - 1;
    while (i > 0 && s->v[i - 1].addr == s->v[i].addr && !s->v[i].sized)
        i--;
    const struct symbols_entry *e = &s->v[i];
    uint64_t off = addr - e->addr;
    if (off >= e->size)
        return NULL;
    *offset = off;
    return s->names + e->name;
}

void symbols_describe(const struct symbols *s, uint64_t addr, char *buf, size_t len)
{
    uint64_t off;
    const char *name = symbols_find(s, addr, &off);
    if (len == 0)
        return;
    buf[0] = '\0';
    if (name != NULL)
        snprintf(buf, len, " (%s+0x%llx)", name, (unsigned long long)off);
}
