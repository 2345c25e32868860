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
    /*
     * Call frame information, so that a debugger and a core file unwind
     * through a system call into the code that made it (an abort's
     * backtrace reaches main): the caller's rsp is the CFA, its rip is in
     * rcx, then in the rcx slot of the frame.
     */
    .cfi_startproc simple
    .cfi_def_cfa %rsp, 0
    .cfi_register %rip, %rcx
    cld
    leaq -128(%rsp), %rsp
    .cfi_def_cfa_offset 128
    /* struct syscall_frame, from the top: flags, rip, a[5..0], nr. */
    pushq %r11
    .cfi_def_cfa_offset 136
    pushq %rcx
    .cfi_def_cfa_offset 144
    .cfi_offset %rip, -144
    pushq %r9
    .cfi_adjust_cfa_offset 8
    pushq %r8
    .cfi_adjust_cfa_offset 8
    pushq %r10
    .cfi_adjust_cfa_offset 8
    pushq %rdx
    .cfi_adjust_cfa_offset 8
    pushq %rsi
    .cfi_adjust_cfa_offset 8
    pushq %rdi
    .cfi_adjust_cfa_offset 8
    pushq %rax
    .cfi_adjust_cfa_offset 8
    pushq %rbx              /* callee-saved: keeps the unaligned rsp */
    .cfi_def_cfa_offset 208
    .cfi_offset %rbx, -208
    leaq 8(%rsp), %rdi
    movq %rsp, %rbx
    .cfi_def_cfa_register %rbx
    andq $-16, %rsp         /* the caller's rsp may be anything */
    call syscall_dispatch
    movq %rbx, %rsp
    .cfi_def_cfa_register %rsp
    popq %rbx
    .cfi_def_cfa_offset 200
    .cfi_restore %rbx
    addq $8, %rsp           /* nr: rax now holds the result */
    .cfi_adjust_cfa_offset -8
    popq %rdi
    .cfi_adjust_cfa_offset -8
    popq %rsi
    .cfi_adjust_cfa_offset -8
    popq %rdx
    .cfi_adjust_cfa_offset -8
    popq %r10
    .cfi_adjust_cfa_offset -8
    popq %r8
    .cfi_adjust_cfa_offset -8
    popq %r9
    .cfi_adjust_cfa_offset -8
    popq %rcx
    .cfi_def_cfa_offset 136
    .cfi_register %rip, %rcx
    popq %r11
    .cfi_def_cfa_offset 128
    /*
     * Restore rflags while still below the red zone, then step back with
     * lea, which leaves the flags alone.
     */
    pushq %r11
    .cfi_def_cfa_offset 136
    popfq
    .cfi_def_cfa_offset 128
    leaq 128(%rsp), %rsp
    .cfi_def_cfa_offset 0
    jmp *%rcx
    .cfi_endproc
    .size syscall_entry, . - syscall_entry

    .section .note.GNU-stack, "", @progbits
