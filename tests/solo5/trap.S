/* trap.S: exception entry stubs for the Solo5-ABI test guests: a trap frame, then guest_trap. */
/*
 * Each stub is 16 bytes at guest_vectors + 16 * vector.  Vectors that push
 * no error code push a zero, so the frame is always the CPU's with an error
 * code; the common code completes struct solo5_trap_regs (cr2 first) on the
 * IST stack the gate names and never returns.
 */
    .text
    .globl guest_vectors
    .balign 16
guest_vectors:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20
    .balign 16
    .if \v == 8 || (\v >= 10 && \v <= 14) || \v == 17
    pushq $\v
    jmp trap_common
    .else
    pushq $0
    pushq $\v
    jmp trap_common
    .endif
    .endr

trap_common:
    popq %rdi            /* the vector */
    movq %cr2, %rax
    pushq %rax           /* cr2, then ec rip cs rflags rsp ss above it */
    movq %rsp, %rsi
    andq $-16, %rsp
    call guest_trap
1:  jmp 1b
    .section .note.GNU-stack,"",@progbits
