/* note.h: the ABI note's numbers, for start.S (internal). */
#ifndef GUEST_NOTE_H
#define GUEST_NOTE_H

/*
 * uhvt_abi.h is C, not assembler, so start.S takes its numbers from here;
 * boot.c checks them against uhvt_abi.h at compile time.
 */
#define NOTE_ABI_TYPE 1    /* UHVT_NOTE_ABI */
#define NOTE_ABI_VERSION 4 /* UHVT_ABI_VERSION */

#endif
