/* test_core.c: --dumpcore's file: named only when written, never through a symlink, never over a file. */
#include <criterion/criterion.h>
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

static char dir[64];
static struct mem m;

static void setup(void)
{
    strcpy(dir, "/dev/shm/uhvt-core-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(mem_init(&m, MEM_MIN), 0);
    memset(mem_ptr(&m, 0x100000, 4096), 0xab, 4096); /* one touched page */
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    mem_fini(&m);
}

static int write_core(struct core *c, char *path)
{
    struct kvm_regs r = {.rip = 0x100010, .rsp = 0x3ff000};
    struct kvm_sregs s = {0};
    struct kvm_fpu f = {0};
    return core_write(c, &m, &r, &s, &f, 11, path, 128);
}

Test(core, written_named_and_private, .init = setup, .fini = teardown)
{
    struct core c;
    char why[WHY_MAX], path[128], name[128];
    cr_assert_eq(core_setup(&c, dir, "x/app.hvt", &m, why), 0, "%s", why);
    /* Nothing named until the core is written. */
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "[ -z \"$(ls -A %s)\" ]", dir);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(write_core(&c, path), 0);
    snprintf(name, sizeof(name), "%s/core.uhvt.%d", dir, (int)getpid());
    cr_assert_str_eq(path, name);
    struct stat st;
    cr_assert_eq(stat(name, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    /* Only the touched page is data: far less than the 4 MiB of memory. */
    cr_assert_lt(st.st_size, 64 * 1024);
    Elf64_Ehdr e;
    int fd = open(name, O_RDONLY);
    cr_assert_eq(pread(fd, &e, sizeof(e), 0), sizeof(e));
    cr_assert_eq(memcmp(e.e_ident, ELFMAG, SELFMAG), 0);
    cr_assert_eq(e.e_type, ET_CORE);
    cr_assert_eq(e.e_machine, EM_X86_64);
    uint8_t page[16];
    /* The touched page's bytes are in the file (after the headers, page-aligned). */
    Elf64_Phdr ph;
    int found = 0;
    for (int i = 1; i < e.e_phnum; i++) {
        cr_assert_eq(pread(fd, &ph, sizeof(ph), (off_t)(e.e_phoff + i * sizeof(ph))),
                     sizeof(ph));
        if (ph.p_vaddr <= 0x100000 && 0x100000 < ph.p_vaddr + ph.p_memsz) {
            cr_assert_eq(pread(fd, page, 16, (off_t)(ph.p_offset + 0x100000 - ph.p_vaddr)), 16);
            found = page[0] == 0xab && page[15] == 0xab;
        }
    }
    close(fd);
    cr_assert(found, "the touched page is not in the core");
    close(c.fd);
    close(c.dir_fd);
    free(c.resident);
}

Test(core, never_replaces_a_file, .init = setup, .fini = teardown)
{
    struct core c;
    char why[WHY_MAX], path[128], name[128];
    cr_assert_eq(core_setup(&c, dir, "app.hvt", &m, why), 0, "%s", why);
    snprintf(name, sizeof(name), "%s/core.uhvt.%d", dir, (int)getpid());
    int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
    cr_assert_eq(write(fd, "mine", 4), 4);
    close(fd);
    cr_assert_lt(write_core(&c, path), 0);
    struct stat st;
    cr_assert_eq(stat(name, &st), 0);
    cr_assert_eq(st.st_size, 4);
    close(c.fd);
    close(c.dir_fd);
    free(c.resident);
}

Test(core, no_symlinked_directory, .init = setup, .fini = teardown)
{
    struct core c;
    char why[WHY_MAX], link[80], real[80];
    snprintf(link, sizeof(link), "%s/link", dir);
    snprintf(real, sizeof(real), "%s/real", dir);
    cr_assert_eq(mkdir(real, 0700), 0);
    cr_assert_eq(symlink("real", link), 0);
    cr_assert_eq(core_setup(&c, link, "app.hvt", &m, why), -1);
    cr_assert(strstr(why, "symlinks are not followed") != NULL, "%s", why);
}
