/* layout.h: where the monitor puts things in low guest memory. */
#ifndef LAYOUT_H
#define LAYOUT_H

/*
 * Page 0 stays unmapped so a NULL dereference faults.  Everything the monitor
 * writes lives below LAYOUT_IMAGE_MIN; the ELF image must start at or above
 * it.  The GDT page (with the TSS at LAYOUT_GDT + 0x80: a PVM guest keeps
 * the monitor's GDT rather than pay a trap to load its own) and the page
 * tables (CR3) stay in use while the guest runs; the boot area the guest
 * may reuse once it has read its boot info.
 */
#define LAYOUT_GDT 0x1000ULL
#define LAYOUT_BOOT 0x2000ULL     /* boot info, program headers, argv */
#define LAYOUT_BOOT_END 0x20000ULL
/*
 * Page tables.  The PML4 comes first and sits on an odd page: PVM runs a
 * guest natively only when CR3 has bit 12 set (it follows Linux's page-table
 * isolation, where that bit selects the user half); with an even CR3 every
 * instruction goes through KVM's emulator, which has no SSE.
 */
#define LAYOUT_PT 0x21000ULL
#define LAYOUT_PT_END 0x100000ULL
#define LAYOUT_IMAGE_MIN 0x100000ULL

_Static_assert(LAYOUT_PT & 0x1000, "the PML4 must sit on an odd page");

#endif
