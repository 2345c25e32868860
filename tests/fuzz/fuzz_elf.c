/* fuzz_elf.c: libFuzzer harness: any bytes as a guest image through the loader, its symbols and page tables. */
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu_x86_64.h"
#include "elf.h"
#include "symbols.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0)
        fd = memfd_create("fuzz_elf", 0);
    if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;
    struct elf_image img;
    char why[ELF_WHY_MAX];
    /* The symbols are read from any file the parser accepts. */
    if (elf_parse(fd, &img, why) < 0)
        return 0;
    struct symbols syms;
    symbols_load(&syms, fd);
    uint64_t off;
    symbols_find(&syms, img.entry, &off);
    symbols_free(&syms);
    /* Images that would fit a small guest are loaded and mapped too. */
    uint64_t need = img.end + UHVT_PAGE_SIZE + UHVT_STACK_SIZE;
    if (need > (64ULL << 20))
        return 0;
    struct mem m;
    if (mem_init(&m, 64ULL << 20) < 0)
        return 0;
    if (elf_load(fd, &img, &m, why) == 0)
        cpu_page_tables(&m, &img);
    mem_fini(&m);
    return 0;
}
