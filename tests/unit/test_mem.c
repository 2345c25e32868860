/* test_mem.c: the guest-address door: every range in, every overflow out. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "mem.h"

static struct mem m;

static void setup(void) { cr_assert_eq(mem_init(&m, MEM_MIN), 0); }
static void teardown(void) { mem_fini(&m); }

TestSuite(mem, .init = setup, .fini = teardown);

Test(mem, inside_ranges)
{
    cr_assert_eq(mem_ptr(&m, 0, 1), m.base);
    cr_assert_eq(mem_ptr(&m, 0, m.size), m.base);
    cr_assert_eq(mem_ptr(&m, m.size - 1, 1), m.base + m.size - 1);
    cr_assert_eq(mem_ptr(&m, m.size, 0), m.base + m.size);
    cr_assert_eq(mem_ptr(&m, 4096, 4096), m.base + 4096);
}

Test(mem, outside_ranges)
{
    cr_assert_null(mem_ptr(&m, m.size, 1));
    cr_assert_null(mem_ptr(&m, m.size - 1, 2));
    cr_assert_null(mem_ptr(&m, 0, m.size + 1));
    cr_assert_null(mem_ptr(&m, m.size + 1, 0));
    cr_assert_null(mem_ptr(&m, UINT64_MAX, 0));
}

Test(mem, overflowing_ranges)
{
    /* gpa + len wraps to something small: must still be refused. */
    cr_assert_null(mem_ptr(&m, 1, UINT64_MAX));
    cr_assert_null(mem_ptr(&m, UINT64_MAX, 2));
    cr_assert_null(mem_ptr(&m, m.size - 1, UINT64_MAX - m.size + 2));
    cr_assert_null(mem_ptr(&m, 4096, UINT64_MAX - 4095));
}

Test(mem, fresh_memory_is_zero)
{
    uint8_t *p = mem_ptr(&m, m.size - 8, 8);
    cr_assert_not_null(p);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(p[i], 0);
}
