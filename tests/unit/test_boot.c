/* test_boot.c: argv in the boot area: packed strings, and the real limit. */
#include <criterion/criterion.h>
#include <stdio.h>
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
    char why[WHY_MAX];
    cr_assert_eq(boot_write(&vm, 10001, v, 1000000, why), 0, "%s", why);
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
    /* argv's two pointers and 0, the environment's 0 (none here). */
    uint64_t want = sizeof(struct uhvt_boot_info) + 3 * sizeof(Elf64_Phdr) + 4 * 8 +
                    sizeof("app.hvt") + 2;
    cr_assert_eq(boot_size(&vm, 2, v), want);
    free(v);
}

Test(boot, environment_follows_argv)
{
    char **v = args(2);
    static char *env[] = {"HOME=/", "A=1"};
    vm.envc = 2;
    vm.env = env;
    char why[WHY_MAX];
    cr_assert_eq(boot_write(&vm, 2, v, 1000000, why), 0, "%s", why);
    const struct uhvt_boot_info *bi = mem_ptr(&vm.mem, LAYOUT_BOOT, sizeof(*bi));
    const uhvt_gpa_t *gargv = mem_ptr(&vm.mem, bi->argv, 6 * 8);
    cr_assert_eq(bi->argc, 2);
    cr_assert_eq(gargv[2], 0);
    cr_assert_str_eq(mem_ptr(&vm.mem, gargv[3], 7), "HOME=/");
    cr_assert_str_eq(mem_ptr(&vm.mem, gargv[4], 4), "A=1");
    cr_assert_eq(gargv[5], 0);
    vm.envc = 0;
    vm.env = NULL;
    free(v);
}

Test(boot, too_many_refused)
{
    char **v = args(20001);
    cr_assert_gt(boot_size(&vm, 20001, v), BOOT_MAX);
    char why[WHY_MAX];
    cr_assert_eq(boot_check(&vm, 20001, v, why), -1);
    /* 7 + 1 bytes of "app.hvt", 20000 times 2 of "x". */
    char want[WHY_MAX];
    snprintf(want, sizeof(want), "guest arguments too long: 20001 strings (argv[0] "
             "too) and 0 of environment, of 40008 bytes with their NULs, and an 8-byte pointer each, "
             "need %llu bytes of boot memory, more than its 122880",
             (unsigned long long)boot_size(&vm, 20001, v));
    cr_assert_str_eq(why, want);
    char write_why[WHY_MAX];
    cr_assert_eq(boot_write(&vm, 20001, v, 1000000, write_why), -1);
    cr_assert_str_eq(write_why, why);
    free(v);
}

Test(boot, check_passes_what_fits)
{
    char **v = args(10001);
    char why[WHY_MAX];
    cr_assert_eq(boot_check(&vm, 10001, v, why), 0);
    free(v);
}

Test(boot, memory_ending_in_the_boot_area_refused)
{
    /* A memory that ends before the boot info does: never from --mem. */
    struct vm small = {.mem = {.base = vm.mem.base, .size = LAYOUT_BOOT}};
    char *v[] = {"app.hvt", NULL};
    char why[WHY_MAX];
    cr_assert_eq(boot_write(&small, 1, v, 1000000, why), -1);
    cr_assert_str_eq(why, "boot information does not fit guest memory");
}

Test(boot, writes_the_clock_and_memory)
{
    char *v[] = {"app.hvt", NULL};
    char why[WHY_MAX];
    cr_assert_eq(boot_write(&vm, 1, v, 2500000000ULL, why), 0, "%s", why);
    const struct uhvt_boot_info *bi = mem_ptr(&vm.mem, LAYOUT_BOOT, sizeof(*bi));
    cr_assert_eq(bi->tsc_freq, 2500000000ULL);
    cr_assert_eq(bi->mem_size, MEM_MIN);
    cr_assert_eq(bi->phnum, 3);
}
