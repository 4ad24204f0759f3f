/*
 * morestack_x86_64.S - the runtime's own __morestack for LLVM's "split-stack" prologues.
 *
 * A split-stack function starts with
 *     cmp %fs:0x70,%rsp            (or lea -FRAME(%rsp),%r11; cmp %fs:0x70,%r11)
 *     ja  body
 *     mov $FRAME,%r10; mov $ARGBYTES,%r11; call __morestack; ret
 *   body: ...
 * so on entry here: r10 = the frame the function needs, r11 = bytes of its stack arguments,
 * [rsp] = the address of that `ret` (the body starts one byte later), [rsp+8] = the
 * function's own return address, [rsp+16...] = its stack arguments. Argument registers
 * (rdi rsi rdx rcx r8 r9 rax xmm0-7) must reach the body unchanged.
 *
 * nos__morestack_c (stack.c) decides, running on the current segment within
 * NOS_NOSPLIT_BUDGET: a poisoned limit means "preempt" (it yields, and may move the process
 * to another worker); then either there is room after all (returns 0: the body runs here)
 * or it links a new segment and returns its top. In that case the stack arguments are
 * copied there, the body is called on the new segment, and when it returns
 * nos__morestack_done unlinks the segment and restores the limit, and we return through the
 * prologue's `ret` to the function's caller with the body's return registers intact.
 *
 * __morestack_non_split is what lld makes a split-stack function call when it also calls
 * code without split-stack support: it wants nos__nonsplit_room extra bytes. It first checks
 * whether they are there (the common case) and only then falls into __morestack.
 *
 * This object carries both .note.GNU-split-stack and .note.GNU-no-split-stack: without the
 * first the linker would treat calls to __morestack as calls into non-split code, without the
 * second lld refuses the calls into nos__morestack_c (research/toolchain.md section 2).
 */
#if defined(__x86_64__)

#define SAVE 200        /* 8 GPRs + 8 XMMs + 8 bytes padding, keeps rsp 16-aligned */
#define S_RDI   0
#define S_RSI   8
#define S_RDX   16
#define S_RCX   24
#define S_R8    32
#define S_R9    40
#define S_RAX   48
#define S_R11   56
#define S_XMM   64

        .text

        .globl  __morestack
        .type   __morestack, @function
        .p2align 4
__morestack:
        .cfi_startproc
        pushq   %rbp
        .cfi_def_cfa_offset 16
        .cfi_offset %rbp, -16
        movq    %rsp, %rbp
        .cfi_def_cfa_register %rbp
        subq    $SAVE, %rsp
        movq    %rdi, S_RDI(%rsp)
        movq    %rsi, S_RSI(%rsp)
        movq    %rdx, S_RDX(%rsp)
        movq    %rcx, S_RCX(%rsp)
        movq    %r8, S_R8(%rsp)
        movq    %r9, S_R9(%rsp)
        movq    %rax, S_RAX(%rsp)
        movq    %r11, S_R11(%rsp)
        movdqu  %xmm0, S_XMM+0(%rsp)
        movdqu  %xmm1, S_XMM+16(%rsp)
        movdqu  %xmm2, S_XMM+32(%rsp)
        movdqu  %xmm3, S_XMM+48(%rsp)
        movdqu  %xmm4, S_XMM+64(%rsp)
        movdqu  %xmm5, S_XMM+80(%rsp)
        movdqu  %xmm6, S_XMM+96(%rsp)
        movdqu  %xmm7, S_XMM+112(%rsp)

        /* nos__morestack_c(frame, argbytes, function's entry sp, current sp) */
        movq    %r10, %rdi
        movq    %r11, %rsi
        leaq    16(%rbp), %rdx
        movq    %rsp, %rcx
        call    nos__morestack_c
        testq   %rax, %rax
        jz      .Lhere

        /* New segment: rax = its top. Copy the stack arguments below it. */
        movq    -SAVE+S_R11(%rbp), %rcx
        movq    %rax, %rdi
        subq    %rcx, %rdi
        andq    $-16, %rdi
        movq    %rdi, %r10
        leaq    24(%rbp), %rsi
        rep movsb

        movq    -SAVE+S_RDI(%rbp), %rdi
        movq    -SAVE+S_RSI(%rbp), %rsi
        movq    -SAVE+S_RDX(%rbp), %rdx
        movq    -SAVE+S_RCX(%rbp), %rcx
        movq    -SAVE+S_R8(%rbp), %r8
        movq    -SAVE+S_R9(%rbp), %r9
        movq    -SAVE+S_RAX(%rbp), %rax
        movdqu  -SAVE+S_XMM+0(%rbp), %xmm0
        movdqu  -SAVE+S_XMM+16(%rbp), %xmm1
        movdqu  -SAVE+S_XMM+32(%rbp), %xmm2
        movdqu  -SAVE+S_XMM+48(%rbp), %xmm3
        movdqu  -SAVE+S_XMM+64(%rbp), %xmm4
        movdqu  -SAVE+S_XMM+80(%rbp), %xmm5
        movdqu  -SAVE+S_XMM+96(%rbp), %xmm6
        movdqu  -SAVE+S_XMM+112(%rbp), %xmm7
        movq    8(%rbp), %r11
        incq    %r11
        movq    %r10, %rsp
        call    *%r11

        /* Back from the body on the new segment: keep its results in the old frame. */
        movq    %rax, -SAVE+S_RAX(%rbp)
        movq    %rdx, -SAVE+S_RDX(%rbp)
        movdqu  %xmm0, -SAVE+S_XMM+0(%rbp)
        movdqu  %xmm1, -SAVE+S_XMM+16(%rbp)
        call    nos__morestack_done
        leaq    -SAVE(%rbp), %rsp
        movq    S_RAX(%rsp), %rax
        movq    S_RDX(%rsp), %rdx
        movdqu  S_XMM+0(%rsp), %xmm0
        movdqu  S_XMM+16(%rsp), %xmm1
        movq    %rbp, %rsp
        popq    %rbp
        .cfi_def_cfa %rsp, 8
        ret
        .cfi_def_cfa %rbp, 16

.Lhere:
        /* Room on this segment after all: restore and enter the body in place. */
        movq    S_RDI(%rsp), %rdi
        movq    S_RSI(%rsp), %rsi
        movq    S_RDX(%rsp), %rdx
        movq    S_RCX(%rsp), %rcx
        movq    S_R8(%rsp), %r8
        movq    S_R9(%rsp), %r9
        movq    S_RAX(%rsp), %rax
        movdqu  S_XMM+0(%rsp), %xmm0
        movdqu  S_XMM+16(%rsp), %xmm1
        movdqu  S_XMM+32(%rsp), %xmm2
        movdqu  S_XMM+48(%rsp), %xmm3
        movdqu  S_XMM+64(%rsp), %xmm4
        movdqu  S_XMM+80(%rsp), %xmm5
        movdqu  S_XMM+96(%rsp), %xmm6
        movdqu  S_XMM+112(%rsp), %xmm7
        movq    %rbp, %rsp
        popq    %rbp
        .cfi_def_cfa %rsp, 8
        popq    %r11
        .cfi_def_cfa_offset 0
        incq    %r11
        jmpq    *%r11
        .cfi_endproc
        .size   __morestack, .-__morestack

        .globl  __morestack_non_split
        .type   __morestack_non_split, @function
        .p2align 4
__morestack_non_split:
        .cfi_startproc
        pushq   %rax
        .cfi_def_cfa_offset 16
        leaq    16(%rsp), %rax              /* the function's entry sp */
        subq    %r10, %rax
        jb      1f
        subq    nos__nonsplit_room(%rip), %rax
        jb      1f
        cmpq    %fs:0x70, %rax
        jbe     1f                          /* short, or the limit is poisoned (~0) */
        popq    %rax
        .cfi_def_cfa_offset 8
        popq    %r11
        .cfi_def_cfa_offset 0
        incq    %r11
        jmpq    *%r11
1:
        .cfi_def_cfa_offset 16
        popq    %rax
        .cfi_def_cfa_offset 8
        addq    nos__nonsplit_room(%rip), %r10
        jmp     __morestack
        .cfi_endproc
        .size   __morestack_non_split, .-__morestack_non_split

        .section .note.GNU-split-stack,"",@progbits
        .section .note.GNU-no-split-stack,"",@progbits
#endif
        .section .note.GNU-stack,"",@progbits
