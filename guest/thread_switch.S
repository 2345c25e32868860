/* thread_switch.S: switching between the runtime's threads, and a new thread's first instruction. */

/*
 * thread_switch(uint64_t *save_rsp, uint64_t rsp): called inside a system
 * call, on the current thread's stack.  Push what the C ABI says a callee
 * keeps, leave the stack pointer in *save_rsp, take the other thread's and
 * pop its registers: the `ret` returns into that thread's own call of
 * thread_switch.  Vector registers need nothing: the runtime never touches
 * them (-mgeneral-regs-only), and each thread's were saved by nobody because
 * every switch is inside a system call, which preserves them.  The FS base
 * is the caller's business (thread.c), before the call.
 */
    .text
    .globl thread_switch
    .hidden thread_switch
    .type thread_switch, @function
    .balign 16
thread_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size thread_switch, . - thread_switch

/*
 * A new thread's first switch frame returns here with rbx pointing at its
 * struct thread_regs: leave the system call as the clone caller's own
 * SYSCALL would, in the child: rax = 0, the argument and scratch registers
 * and rbx as the caller had them, rsp the new stack, then jump to the
 * return address with the caller's flags (restored with popfq just below
 * the new stack, where nothing lives yet).
 */
#define R_RDI 0
#define R_RSI 8
#define R_RDX 16
#define R_R10 24
#define R_R8 32
#define R_R9 40
#define R_RIP 48
#define R_RFLAGS 56
#define R_RBX 64
#define R_RSP 72
    .globl thread_start
    .hidden thread_start
    .type thread_start, @function
thread_start:
    xorl %eax, %eax
    movq R_RSP(%rbx), %rsp
    movq R_RDI(%rbx), %rdi
    movq R_RSI(%rbx), %rsi
    movq R_RDX(%rbx), %rdx
    movq R_R10(%rbx), %r10
    movq R_R8(%rbx), %r8
    movq R_R9(%rbx), %r9
    movq R_RIP(%rbx), %rcx
    movq R_RFLAGS(%rbx), %r11
    pushq %r11
    popfq
    movq R_RBX(%rbx), %rbx
    jmp *%rcx
    .size thread_start, . - thread_start

/*
 * thread_on_stack(fn, stack_top): call fn, which does not return, on
 * another stack (an exiting thread's own may already be unmapped).
 */
    .globl thread_on_stack
    .hidden thread_on_stack
    .type thread_on_stack, @function
thread_on_stack:
    movq %rsi, %rsp
    andq $-16, %rsp
    call *%rdi
    ud2
    .size thread_on_stack, . - thread_on_stack

    .section .note.GNU-stack, "", @progbits
