/* trap.S: entry stubs for CPU exceptions 0-31. */

/*
 * On hardware KVM every gate uses an IST stack (see cpu.c), so these run
 * on a known good stack; under PVM, which has no IST, on the faulting
 * code's own stack (a stack overflow there becomes a triple fault the
 * monitor reports).  Each stub makes the frame uniform (a 0 error code where the CPU
 * pushes none), adds its vector and hands the frame to trap_report, which
 * ends the guest: nothing here ever returns to the faulting code.
 */
    .text

.macro TRAP vector, has_error
    .balign 16
trap_\vector:
    .if \has_error == 0
    pushq $0
    .endif
    pushq $\vector
    jmp trap_common
.endm

    TRAP 0, 0
    TRAP 1, 0
    TRAP 2, 0
    TRAP 3, 0
    TRAP 4, 0
    TRAP 5, 0
    TRAP 6, 0
    TRAP 7, 0
    TRAP 8, 1
    TRAP 9, 0
    TRAP 10, 1
    TRAP 11, 1
    TRAP 12, 1
    TRAP 13, 1
    TRAP 14, 1
    TRAP 15, 0
    TRAP 16, 0
    TRAP 17, 1
    TRAP 18, 0
    TRAP 19, 0
    TRAP 20, 0
    TRAP 21, 1
    TRAP 22, 0
    TRAP 23, 0
    TRAP 24, 0
    TRAP 25, 0
    TRAP 26, 0
    TRAP 27, 0
    TRAP 28, 0
    TRAP 29, 1
    TRAP 30, 1
    TRAP 31, 0

trap_common:
    /* The interrupted code's registers, for the report (struct trap_frame). */
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    cld
    movq %rsp, %rdi         /* struct trap_frame */
    andq $-16, %rsp
    call trap_report
    ud2

    .section .rodata
    .balign 8
    .globl trap_stubs
    .hidden trap_stubs
    .type trap_stubs, @object
trap_stubs:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad trap_\v
    .endr
    .size trap_stubs, . - trap_stubs

    .section .note.GNU-stack, "", @progbits
