/* test_pagetables.c: the guest's page tables: NULL page, W^X, stack guard, large pages. */
#include <criterion/criterion.h>

#include "cpu_x86_64.h"
#include "layout.h"

static struct mem m;
static struct elf_image img;
static uint64_t cr3;

static void setup(void)
{
    cr_assert_eq(mem_init(&m, 64ULL << 20), 0);
    img = (struct elf_image){
        .entry = 0x100000, .nload = 3,
        .load = {{0x100000, 0, 0x3000, 0x3000, PF_R | PF_X},
                 {0x103000, 0, 0x1000, 0x1000, PF_R},
                 {0x104000, 0, 0x10, 0x300000, PF_R | PF_W}},
    };
    cr3 = cpu_page_tables(&m, &img);
    cr_assert_eq(cr3, LAYOUT_PT);
}
static void teardown(void) { mem_fini(&m); }
TestSuite(pagetables, .init = setup, .fini = teardown);

/* The leaf entry for gpa and its page size. */
static uint64_t walk(uint64_t gpa, uint64_t *size)
{
    uint64_t *pml4 = mem_ptr(&m, cr3, 4096);
    uint64_t e = pml4[(gpa >> 39) & 511];
    cr_assert(e & PTE_P);
    uint64_t *pdpt = mem_ptr(&m, e & 0xffffffffff000ULL, 4096);
    e = pdpt[(gpa >> 30) & 511];
    cr_assert(e & PTE_P);
    uint64_t *pd = mem_ptr(&m, e & 0xffffffffff000ULL, 4096);
    e = pd[(gpa >> 21) & 511];
    if (e & PTE_PS) {
        *size = 2 << 20;
        return e;
    }
    if (!(e & PTE_P))
        return e;
    uint64_t *pt = mem_ptr(&m, e & 0xffffffffff000ULL, 4096);
    *size = 4096;
    return pt[(gpa >> 12) & 511];
}

Test(pagetables, null_page_unmapped)
{
    uint64_t size;
    cr_assert_eq(walk(0, &size) & PTE_P, 0);
    cr_assert_eq(walk(0xfff, &size) & PTE_P, 0);
    cr_assert(walk(0x1000, &size) & PTE_P);
}

Test(pagetables, image_permissions)
{
    uint64_t size, text = walk(0x101000, &size);
    cr_assert((text & PTE_P) && !(text & PTE_W) && !(text & PTE_NX));
    uint64_t ro = walk(0x103000, &size);
    cr_assert((ro & PTE_P) && !(ro & PTE_W) && (ro & PTE_NX));
    uint64_t data = walk(0x200000, &size);
    cr_assert((data & PTE_P) && (data & PTE_W) && (data & PTE_NX));
    cr_assert_eq(data & 0xffffffffff000ULL, 0x200000);
}

Test(pagetables, identity_and_large_pages)
{
    uint64_t size;
    for (uint64_t gpa = 0x1000; gpa < m.size; gpa += 0x1000) {
        if (gpa == cpu_stack_guard(&m))
            continue;
        uint64_t e = walk(gpa, &size);
        cr_assert(e & PTE_P, "0x%lx unmapped", gpa);
        cr_assert_eq(e & 0xffffffffff000ULL & ~(size - 1), gpa & ~(size - 1));
    }
    uint64_t e = walk(32ULL << 20, &size);
    cr_assert_eq(size, 2 << 20);
    cr_assert((e & PTE_W) && (e & PTE_NX));
}

Test(pagetables, stack_guard_unmapped)
{
    uint64_t size, g = cpu_stack_guard(&m);
    cr_assert_eq(g, m.size - UHVT_STACK_SIZE - 4096);
    cr_assert_eq(walk(g, &size) & PTE_P, 0);
    cr_assert(walk(g + 4096, &size) & PTE_P);
    cr_assert(walk(g - 4096, &size) & PTE_P);
}

/* PVM runs the guest at CPL 3 and natively only with the PML4 on an odd page. */
Test(pagetables, pvm_user_bit_and_odd_pml4)
{
    cr_assert(cr3 & 0x1000, "cr3 0x%lx: PML4 on an even page", cr3);
    uint64_t *pml4 = mem_ptr(&m, cr3, 4096);
    cr_assert(pml4[0] & PTE_U);
    uint64_t *pdpt = mem_ptr(&m, pml4[0] & 0xffffffffff000ULL, 4096);
    for (uint64_t gpa = 0x1000; gpa < m.size; gpa += 0x1000) {
        uint64_t size, e = walk(gpa, &size);
        uint64_t pdpte = pdpt[(gpa >> 30) & 511];
        cr_assert(pdpte & PTE_U);
        const uint64_t *pd = mem_ptr(&m, pdpte & 0xffffffffff000ULL, 4096);
        uint64_t pde = pd[(gpa >> 21) & 511];
        if (pde & PTE_P)
            cr_assert(pde & PTE_U, "0x%lx: no U bit in its PD entry", gpa);
        if (e & PTE_P)
            cr_assert(e & PTE_U, "0x%lx: no U bit", gpa);
    }
}
