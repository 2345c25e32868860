/* test_boot.c: argv in the boot area: packed strings, and the real limit. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"

static struct vm vm;
static void setup(void)
{
    cr_assert_eq(mem_init(&vm.mem, MEM_MIN), 0);
    vm.img.phnum = 3;
}
static void teardown(void) { mem_fini(&vm.mem); }
TestSuite(boot, .init = setup, .fini = teardown);

/* `n` arguments: "app.hvt", then n - 1 times "x". */
static char **args(int n)
{
    char **v = calloc((size_t)n + 1, sizeof(*v));
    cr_assert_not_null(v);
    v[0] = "app.hvt";
    for (int i = 1; i < n; i++)
        v[i] = "x";
    return v;
}

Test(boot, ten_thousand_short_arguments_fit)
{
    /* 20 KB of strings: they used to take 8 bytes each and not fit. */
    char **v = args(10001);
    cr_assert_leq(boot_size(&vm, 10001, v), BOOT_MAX);
    cr_assert_eq(boot_write(&vm, 10001, v, 1000000), 0);
    const struct uhvt_boot_info *bi = mem_ptr(&vm.mem, LAYOUT_BOOT, sizeof(*bi));
    cr_assert_eq(bi->argc, 10001);
    const uhvt_gpa_t *gargv = mem_ptr(&vm.mem, bi->argv, 10002 * 8);
    cr_assert_eq(gargv[2] - gargv[1], 2, "packed: \"x\" and its NUL");
    cr_assert_str_eq(mem_ptr(&vm.mem, gargv[10000], 2), "x");
    cr_assert_str_eq(mem_ptr(&vm.mem, gargv[0], 8), "app.hvt");
    cr_assert_eq(gargv[10001], 0);
    free(v);
}

Test(boot, size_counts_pointers_strings_and_headers)
{
    char **v = args(2);
    uint64_t want = sizeof(struct uhvt_boot_info) + 3 * sizeof(Elf64_Phdr) + 3 * 8 +
                    sizeof("app.hvt") + 2;
    cr_assert_eq(boot_size(&vm, 2, v), want);
    free(v);
}

Test(boot, too_many_refused)
{
    char **v = args(20001);
    cr_assert_gt(boot_size(&vm, 20001, v), BOOT_MAX);
    cr_assert_eq(boot_write(&vm, 20001, v, 1000000), -1);
    free(v);
}
