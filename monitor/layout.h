/* layout.h: where the monitor puts things in low guest memory. */
#ifndef LAYOUT_H
#define LAYOUT_H

/*
 * Page 0 stays unmapped so a NULL dereference faults.  Everything the monitor
 * writes lives below LAYOUT_IMAGE_MIN; the ELF image must start at or above
 * it, and the guest may reuse this area once it has set up its own tables.
 */
#define LAYOUT_GDT 0x1000ULL
#define LAYOUT_BOOT 0x2000ULL     /* boot info, program headers, argv */
#define LAYOUT_BOOT_END 0x20000ULL
#define LAYOUT_PT 0x20000ULL      /* page tables */
#define LAYOUT_PT_END 0x100000ULL
#define LAYOUT_IMAGE_MIN 0x100000ULL

/* GDT selectors the monitor loads; the guest runtime installs its own. */
#define LAYOUT_SEL_CODE 0x08
#define LAYOUT_SEL_DATA 0x10
#define LAYOUT_SEL_TSS 0x18

#endif
