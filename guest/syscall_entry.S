/* syscall_entry.S: the SYSCALL entry point, called by musl's system calls. */

/*
 * SYSCALL from ring 0 does not switch stacks and pushes nothing: rcx holds
 * the return rip and r11 the caller's rflags (FMASK has cleared IF, TF, DF,
 * NT and AC on hardware KVM; PVM ignores FMASK, so DF is cleared here for
 * both: the C ABI wants it clear).  The caller may keep live data in the 128-byte red zone below
 * rsp, so step over it before pushing anything.
 *
 * As on Linux, only rax (the result), rcx and r11 change; every other
 * register is preserved.  The C side is built with -mgeneral-regs-only, so
 * no vector or x87 register is touched and none needs saving.
 *
 * The return is an indirect jump, never SYSRET (which would enter ring 3).
 */
    .text
    .globl syscall_entry
    .hidden syscall_entry
    .type syscall_entry, @function
    .balign 16
syscall_entry:
    cld
    leaq -128(%rsp), %rsp
    /* struct syscall_frame, from the top: flags, rip, a[5..0], nr. */
    pushq %r11
    pushq %rcx
    pushq %r9
    pushq %r8
    pushq %r10
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rax
    pushq %rbx              /* callee-saved: keeps the unaligned rsp */
    leaq 8(%rsp), %rdi
    movq %rsp, %rbx
    andq $-16, %rsp         /* the caller's rsp may be anything */
    call syscall_dispatch
    movq %rbx, %rsp
    popq %rbx
    addq $8, %rsp           /* nr: rax now holds the result */
    popq %rdi
    popq %rsi
    popq %rdx
    popq %r10
    popq %r8
    popq %r9
    popq %rcx
    popq %r11
    /*
     * Restore rflags while still below the red zone, then step back with
     * lea, which leaves the flags alone.
     */
    pushq %r11
    popfq
    leaq 128(%rsp), %rsp
    jmp *%rcx
    .size syscall_entry, . - syscall_entry

    .section .note.GNU-stack, "", @progbits
