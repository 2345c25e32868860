/* start.S: the guest's entry point and its ABI version note. */
#include "note.h"

/*
 * The monitor enters here with rdi = the boot info's address and rsp = the
 * top of memory, already 16-byte aligned by the ABI; align anyway so a
 * monitor bug cannot misalign every frame.  rbp = 0 ends frame-pointer
 * backtraces here.  __uhvt_boot does not return.
 */
    .text
    .globl _start
    .type _start, @function
_start:
    xorl %ebp, %ebp
    andq $-16, %rsp
    call __uhvt_boot
    ud2
    .size _start, . - _start

/*
 * The ABI note the monitor checks before it touches KVM.  It lives here
 * because start.o is linked explicitly into every image.
 */
    .section .note.uhvt, "a", @note
    .balign 4
    .long 2f - 1f          /* namesz, including the NUL */
    .long 4f - 3f          /* descsz */
    .long NOTE_ABI_TYPE
1:  .asciz "uhvt"
2:  .balign 4
3:  .long NOTE_ABI_VERSION /* struct uhvt_note_abi */
4:  .balign 4

    .section .note.GNU-stack, "", @progbits
