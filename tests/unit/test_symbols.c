/* test_symbols.c: naming guest addresses from an image's symbol table. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "symbols.h"

/*
 * A guest image with its symbol table, kept as a fuzz seed (run from the
 * repository's root, as make test does): its addresses are fixed by the
 * file, read with nm when it was added.
 */
#define IMAGE "tests/fuzz/corpus/elf/symbols.hvt"

static struct symbols s;

static void symbols_free_all(void) { symbols_free(&s); }

static void load(void)
{
    int fd = open(IMAGE, O_RDONLY);
    cr_assert_geq(fd, 0, "run from the repository's root");
    symbols_load(&s, fd);
    close(fd);
    cr_assert_gt(s.n, 100);
}

Test(symbols, function_and_offset, .init = load, .fini = symbols_free_all)
{
    uint64_t off = 99;
    cr_assert_str_eq(symbols_find(&s, 0x104100, &off), "debug_crash_here");
    cr_assert_eq(off, 0);
    cr_assert_str_eq(symbols_find(&s, 0x104106, &off), "debug_crash_here");
    cr_assert_eq(off, 6);
    cr_assert_str_eq(symbols_find(&s, 0x1040f0 + 0xe, &off), "debug_mark");
    cr_assert_eq(off, 0xe);
    char buf[64];
    symbols_describe(&s, 0x104106, buf, sizeof(buf));
    cr_assert_str_eq(buf, " (debug_crash_here+0x6)");
}

Test(symbols, outside_every_function, .init = load, .fini = symbols_free_all)
{
    uint64_t off;
    cr_assert_null(symbols_find(&s, 0, &off));
    cr_assert_null(symbols_find(&s, 0x100000, &off)); /* the headers, before any code */
    cr_assert_null(symbols_find(&s, UINT64_MAX, &off));
    /* Past debug_crash_here's 9 bytes, before the next function. */
    cr_assert_null(symbols_find(&s, 0x104109, &off));
    char buf[8] = "x";
    symbols_describe(&s, 0, buf, sizeof(buf));
    cr_assert_str_eq(buf, "");
}

Test(symbols, no_symbol_table)
{
    struct symbols none;
    int fd = open("/dev/null", O_RDONLY);
    symbols_load(&none, fd);
    close(fd);
    uint64_t off;
    cr_assert_eq(none.n, 0);
    cr_assert_null(symbols_find(&none, 0x104100, &off));
}
