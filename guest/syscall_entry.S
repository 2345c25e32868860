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
 * Every general register goes into struct syscall_frame (runtime.h), so
 * that signal.c can hand a handler the caller's whole context and
 * rt_sigreturn can put back whatever the handler's ucontext says.  After the
 * call, sigframe_return says how to leave:
 *   0: the common way, as before: only rax, rcx and r11 change;
 *   1: every register from the frame, rsp and rip included (rt_sigreturn,
 *      a restarted call);
 *   else: a handler is to run: sigframe_build writes its frame on the stack
 *      whose top sigframe_return returned, then leave as for 1.
 * The full way ends with `ret $128` from just below the new rsp's red zone,
 * so that no register, flags included, is left clobbered.
 *
 * The return is an indirect jump or ret, never SYSRET (which would enter
 * ring 3).
 */
#define F_RAX 48
#define F_RIP 128
#define F_FLAGS 136
#define F_RSP 144

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
     * rcx, then in the rip slot of the frame.
     */
    .cfi_startproc simple
    .cfi_def_cfa %rsp, 0
    .cfi_register %rip, %rcx
    cld
    leaq -128(%rsp), %rsp
    .cfi_def_cfa_offset 128
    /* struct syscall_frame, from the top: rsp, flags, rip, r11, rcx,
     * a[5..0], nr, rax, rbx, rbp, r12..r15. */
    pushq %rsp              /* the value before the push: rsp - 128 */
    .cfi_def_cfa_offset 136
    addq $128, (%rsp)
    pushq %r11
    .cfi_def_cfa_offset 144
    pushq %rcx
    .cfi_def_cfa_offset 152
    .cfi_offset %rip, -152
    pushq %r11
    .cfi_adjust_cfa_offset 8
    pushq %rcx
    .cfi_adjust_cfa_offset 8
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
    pushq %rax              /* nr */
    .cfi_adjust_cfa_offset 8
    pushq %rax              /* rax: the result goes here */
    .cfi_adjust_cfa_offset 8
    pushq %rbx
    .cfi_def_cfa_offset 240
    .cfi_offset %rbx, -240
    pushq %rbp
    .cfi_def_cfa_offset 248
    .cfi_offset %rbp, -248
    pushq %r12
    .cfi_def_cfa_offset 256
    .cfi_offset %r12, -256
    pushq %r13
    .cfi_def_cfa_offset 264
    .cfi_offset %r13, -264
    pushq %r14
    .cfi_def_cfa_offset 272
    .cfi_offset %r14, -272
    pushq %r15
    .cfi_def_cfa_offset 280
    .cfi_offset %r15, -280
    movq %rsp, %rbx         /* callee-saved: the frame, whatever rsp was */
    .cfi_def_cfa_register %rbx
    andq $-16, %rsp
    movq %rbx, %rdi
    call syscall_dispatch
    movq %rax, F_RAX(%rbx)
    movq %rbx, %rdi
    call sigframe_return
    testq %rax, %rax
    jnz 1f
    .cfi_remember_state
    movq %rbx, %rsp
    .cfi_def_cfa_register %rsp
    addq $40, %rsp          /* r15..rbp: callee-saved, never changed */
    .cfi_def_cfa_offset 240
    .cfi_restore %r15
    .cfi_restore %r14
    .cfi_restore %r13
    .cfi_restore %r12
    .cfi_restore %rbp
    popq %rbx
    .cfi_def_cfa_offset 232
    .cfi_restore %rbx
    popq %rax
    .cfi_adjust_cfa_offset -8
    addq $8, %rsp           /* nr */
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
    addq $16, %rsp          /* rcx, r11 */
    .cfi_def_cfa_offset 152
    popq %rcx               /* rip */
    .cfi_def_cfa_offset 144
    .cfi_register %rip, %rcx
    popq %r11               /* flags */
    .cfi_def_cfa_offset 136
    /*
     * Restore rflags while still below the red zone, then step back with
     * lea, which leaves the flags alone.
     */
    pushq %r11
    .cfi_def_cfa_offset 144
    popfq
    .cfi_def_cfa_offset 136
    leaq 136(%rsp), %rsp    /* the rsp slot and the red zone */
    .cfi_def_cfa_offset 0
    jmp *%rcx

1:  .cfi_restore_state
    cmpq $1, %rax
    je 2f
    movq %rax, %rsp         /* below the handler's frame: 16-byte aligned */
    movq %rbx, %rdi
    call sigframe_build
2:  movq F_RSP(%rbx), %rax
    movq F_RIP(%rbx), %rcx
    movq %rcx, -136(%rax)
    movq F_FLAGS(%rbx), %rcx
    movq %rcx, -144(%rax)
    movq 0(%rbx), %r15
    movq 8(%rbx), %r14
    movq 16(%rbx), %r13
    movq 24(%rbx), %r12
    movq 32(%rbx), %rbp
    movq 64(%rbx), %rdi
    movq 72(%rbx), %rsi
    movq 80(%rbx), %rdx
    movq 88(%rbx), %r10
    movq 96(%rbx), %r8
    movq 104(%rbx), %r9
    movq 112(%rbx), %rcx
    movq 120(%rbx), %r11
    leaq -144(%rax), %rsp
    /* From here the frame being entered is the one unwound to. */
    .cfi_def_cfa %rsp, 144
    .cfi_offset %rip, -136
    .cfi_restore %r15
    .cfi_restore %r14
    .cfi_restore %r13
    .cfi_restore %r12
    .cfi_restore %rbp
    movq F_RAX(%rbx), %rax
    movq 40(%rbx), %rbx
    .cfi_restore %rbx
    popfq
    .cfi_def_cfa_offset 136
    ret $128
    .cfi_endproc
    .size syscall_entry, . - syscall_entry

    .section .note.GNU-stack, "", @progbits
