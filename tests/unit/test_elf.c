/* test_elf.c: the ELF loader refuses every malformed image with a reason, and loads good ones. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf.h"
#include "elf_builder.h"
#include "layout.h"

static struct eb_spec s;
static struct elf_image img;
static char why[ELF_WHY_MAX];

static void setup(void) { eb_default(&s); }
TestSuite(elf, .init = setup);

static int parse_spec(void)
{
    int fd = eb_build(&s);
    why[0] = '\0';
    int rc = elf_parse(fd, &img, why);
    close(fd);
    return rc;
}

/* The image must be refused with a message containing `reason`. */
static void refused(const char *reason)
{
    cr_assert_eq(parse_spec(), -1, "accepted; expected '%s'", reason);
    cr_assert(strstr(why, reason) != NULL, "got '%s', expected '%s'", why, reason);
}

Test(elf, valid_image_parses_and_loads)
{
    cr_assert_eq(parse_spec(), 0, "%s", why);
    cr_assert_eq(img.entry, 0x100000);
    cr_assert_eq(img.nload, 2);
    cr_assert_eq(img.end, 0x103000);
    cr_assert_eq(img.phnum, 3);
    cr_assert_eq(img.manifest.entries, 0);

    struct mem m;
    cr_assert_eq(mem_init(&m, MEM_MIN), 0);
    int fd = eb_build(&s);
    cr_assert_eq(elf_load(fd, &img, &m, why), 0, "%s", why);
    close(fd);
    const uint8_t *text = mem_ptr(&m, 0x100000, 0x100);
    const uint8_t *bss = mem_ptr(&m, 0x101010, 0x1ff0);
    cr_assert_eq(text[0], 0x90);
    cr_assert_eq(text[0xff], 0x90);
    for (size_t i = 0; i < 0x1ff0; i++)
        cr_assert_eq(bss[i], 0);
    mem_fini(&m);
}

/* The build ID identifies the image for snapshots; an unusable one is no ID. */
Test(elf, build_id_read)
{
    s.build_id_len = 20;
    cr_assert_eq(parse_spec(), 0, "%s", why);
    cr_assert_eq(img.build_id_len, 20);
    for (unsigned i = 0; i < 20; i++)
        cr_assert_eq(img.build_id[i], i + 1);
}
Test(elf, build_id_absent)
{
    cr_assert_eq(parse_spec(), 0, "%s", why);
    cr_assert_eq(img.build_id_len, 0);
}
Test(elf, build_id_too_long_is_none)
{
    s.build_id_len = ELF_BUILD_ID_MAX + 1;
    cr_assert_eq(parse_spec(), 0, "%s", why);
    cr_assert_eq(img.build_id_len, 0);
}

Test(elf, not_elf) { s.truncate = 3; refused("not an ELF"); }
Test(elf, wrong_class) { s.class = ELFCLASS32; refused("64-bit"); }
Test(elf, wrong_byte_order) { s.data = ELFDATA2MSB; refused("little-endian"); }
Test(elf, wrong_machine) { s.machine = EM_AARCH64; refused("x86-64"); }
Test(elf, wrong_type) { s.type = ET_DYN; refused("ET_EXEC"); }
Test(elf, dynamic) { s.dynamic = true; refused("dynamically linked"); }
Test(elf, truncated_segment) { s.truncate = 0x2080; refused("past the end of the file"); }
Test(elf, truncated_headers) { s.truncate = 100; refused("program header"); }

Test(elf, filesz_above_memsz)
{
    s.load[1].filesz = 0x3000;
    refused("p_filesz > p_memsz");
}

Test(elf, huge_memsz)
{
    s.load[1].memsz = UINT64_MAX - 0x1000;
    refused("does not fit");
}

Test(elf, vaddr_plus_memsz_overflows)
{
    s.load[1].vaddr = UINT64_MAX - 0xfff;
    s.load[1].memsz = 0x2000;
    refused("does not fit");
}

Test(elf, below_image_base)
{
    s.load[1].vaddr = 0x1000;
    refused("below the image base");
}

Test(elf, offset_beyond_file)
{
    s.load[1].offset = 0x7fffffffffffffffLL;
    refused("past the end of the file");
}

Test(elf, overlapping_segments)
{
    s.load[1].vaddr = 0x100800;
    refused("share a page");
}

Test(elf, writable_and_executable)
{
    s.load[1].flags = PF_R | PF_W | PF_X;
    refused("both writable and executable");
}

Test(elf, entry_outside_text)
{
    s.entry = 0x101000;
    refused("entry point");
}

Test(elf, too_many_segments)
{
    s.nload = ELF_LOAD_MAX + 1;
    for (size_t i = 0; i < s.nload; i++)
        s.load[i] = (struct eb_load){0x200000 + i * 0x1000, 0x10, 0x10,
                                     PF_R | PF_X, -1};
    s.entry = 0x200000;
    refused("loadable segments");
}

Test(elf, phnum_as_the_header_says)
{
    /* libelf would count only the 145 headers the file has room for. */
    int fd = eb_build(&s);
    uint16_t phnum = 4000;
    cr_assert_eq(pwrite(fd, &phnum, 2, offsetof(Elf64_Ehdr, e_phnum)), 2);
    cr_assert_eq(elf_parse(fd, &img, why), -1);
    cr_assert(strstr(why, "4000 program headers, at most 16"), "%s", why);
    close(fd);
}

Test(elf, directory_named)
{
    int fd = open("/tmp", O_RDONLY | O_DIRECTORY);
    cr_assert_eq(elf_parse(fd, &img, why), -1);
    cr_assert(strstr(why, "is a directory"), "%s", why);
    close(fd);
}

Test(elf, fifo_named, .timeout = 10)
{
    char dir[] = "/tmp/uhvt-test-elf.XXXXXX", fifo[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    int fd = open(fifo, O_RDONLY | O_NONBLOCK); /* as main opens the image */
    cr_assert_geq(fd, 0);
    cr_assert_eq(elf_parse(fd, &img, why), -1);
    cr_assert(strstr(why, "is not a regular file: a FIFO"), "%s", why);
    close(fd);
    unlink(fifo);
    rmdir(dir);
}

Test(elf, no_abi_note) { s.abi_note = false; refused("no uhvt ABI note"); }
Test(elf, no_manifest) { s.manifest_note = false; refused("no uhvt manifest"); }

Test(elf, abi_newer)
{
    char want[64];
    s.abi_version = UHVT_ABI_VERSION + 1;
    snprintf(want, sizeof(want), "built for uhvt ABI %d, this monitor runs ABI %d",
             UHVT_ABI_VERSION + 1, UHVT_ABI_VERSION);
    refused(want);
}

/* An older runtime (ABI 3) takes no environment and has no stdin: rebuild. */
Test(elf, abi_older)
{
    s.abi_version = UHVT_ABI_VERSION - 1;
    refused("rebuild it with this uhvt's uhvt-cc");
}

Test(elf, abi_note_wrong_size)
{
    s.abi_descsz = 8;
    refused("malformed or repeated uhvt ABI note");
}

Test(elf, manifest_checks)
{
    struct uhvt_manifest *m = &s.manifest;
    m->entries = 2;
    strcpy(m->e[0].name, "net0");
    m->e[0].type = UHVT_DEV_NET;
    strcpy(m->e[1].name, "disk-1_a");
    m->e[1].type = UHVT_DEV_BLOCK;
    cr_assert_eq(parse_spec(), 0, "%s", why);

    m->entries = UHVT_MANIFEST_MAX + 1;
    refused("at most");
    m->entries = 2;
    strcpy(m->e[1].name, "net0");
    refused("twice");
    strcpy(m->e[1].name, "bad name");
    refused("bad character");
    m->e[1].name[0] = '\0';
    refused("empty");
    memset(m->e[1].name, 'a', UHVT_NAME_MAX);
    refused("unterminated");
    strcpy(m->e[1].name, "ok");
    m->e[1].type = 7;
    refused("unknown type");
    m->e[1].type = UHVT_DEV_BLOCK;
    m->e[1].flags = 1;
    refused("reserved flags");
    m->e[1].flags = 0;
    m->version = 99;
    refused("manifest version");
}
