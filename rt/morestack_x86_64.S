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
 * A process on one of its segments: __morestack uses only 24 bytes of the segment it was
 * called on (it may have been called from deep in the segment's reserve). It saves the
 * argument registers in the worker (w->ms_save: nothing parks before they are reloaded),
 * records the segment's sp in p->sp for the collector and runs nos__morestack_sys on the
 * worker's system stack. That decides (stack.c):
 *   0    there is room after all: the body runs here;
 *   1    the watchdog asked the process to yield (or it was killed) and there is room here
 *        for that and for the body: the arguments are saved on this stack around
 *        nos__preempt_point, then the body runs here;
 *   top  a new segment was linked; bit 0 set: yield first, on the new segment. The stack
 *        arguments are copied there, the body is called on it, and when it returns
 *        nos__morestack_done unlinks the segment and restores the limit, and we return
 *        through the prologue's `ret` to the function's caller with the body's return
 *        registers intact.
 * Anywhere else (a thread that is not a worker, the system stack, a sanitizer build whose
 * instrumented runtime needs more stack than a reserve holds) the old way is taken: the
 * registers are saved on the current stack and nos__morestack_c decides there.
 *
 * __morestack_non_split is what lld makes a split-stack function call when it also calls
 * code without split-stack support: it wants nos__nonsplit_room extra bytes. It first checks
 * whether they are there (the common case) and only then falls into __morestack.
 *
 * This object carries both .note.GNU-split-stack and .note.GNU-no-split-stack: without the
 * first the linker would treat calls to __morestack as calls into non-split code, without the
 * second lld refuses the calls into nos__morestack_c (research/toolchain.md section 2).
 */
#include "sched_asm.h"

#if defined(__x86_64__)

#define SAVE 208        /* 8 GPRs + 8 XMMs + 16 bytes padding, keeps rsp 16-aligned */
#define S_RDI   0
#define S_RSI   8
#define S_RDX   16
#define S_RCX   24
#define S_R8    32
#define S_R9    40
#define S_RAX   48
#define S_R11   56
#define S_XMM   64

#define MS(reg) NOS_W_MS+NOS_MS_##reg

/* Argument registers from the worker's save area at \w (xmm and the six GPRs, not rax). */
.macro RELOAD_ARGS w
        movq    MS(RDI)(\w), %rdi
        movq    MS(RSI)(\w), %rsi
        movq    MS(RDX)(\w), %rdx
        movq    MS(RCX)(\w), %rcx
        movq    MS(R8)(\w), %r8
        movq    MS(R9)(\w), %r9
        movdqu  MS(XMM)+0(\w), %xmm0
        movdqu  MS(XMM)+16(\w), %xmm1
        movdqu  MS(XMM)+32(\w), %xmm2
        movdqu  MS(XMM)+48(\w), %xmm3
        movdqu  MS(XMM)+64(\w), %xmm4
        movdqu  MS(XMM)+80(\w), %xmm5
        movdqu  MS(XMM)+96(\w), %xmm6
        movdqu  MS(XMM)+112(\w), %xmm7
.endm

/* Argument registers (not rax) to / from a SAVE area at (%rsp). */
.macro SAVE_ARGS
        movq    %rdi, S_RDI(%rsp)
        movq    %rsi, S_RSI(%rsp)
        movq    %rdx, S_RDX(%rsp)
        movq    %rcx, S_RCX(%rsp)
        movq    %r8, S_R8(%rsp)
        movq    %r9, S_R9(%rsp)
        movdqu  %xmm0, S_XMM+0(%rsp)
        movdqu  %xmm1, S_XMM+16(%rsp)
        movdqu  %xmm2, S_XMM+32(%rsp)
        movdqu  %xmm3, S_XMM+48(%rsp)
        movdqu  %xmm4, S_XMM+64(%rsp)
        movdqu  %xmm5, S_XMM+80(%rsp)
        movdqu  %xmm6, S_XMM+96(%rsp)
        movdqu  %xmm7, S_XMM+112(%rsp)
.endm
.macro RESTORE_ARGS
        movq    S_RDI(%rsp), %rdi
        movq    S_RSI(%rsp), %rsi
        movq    S_RDX(%rsp), %rdx
        movq    S_RCX(%rsp), %rcx
        movq    S_R8(%rsp), %r8
        movq    S_R9(%rsp), %r9
        movdqu  S_XMM+0(%rsp), %xmm0
        movdqu  S_XMM+16(%rsp), %xmm1
        movdqu  S_XMM+32(%rsp), %xmm2
        movdqu  S_XMM+48(%rsp), %xmm3
        movdqu  S_XMM+64(%rsp), %xmm4
        movdqu  S_XMM+80(%rsp), %xmm5
        movdqu  S_XMM+96(%rsp), %xmm6
        movdqu  S_XMM+112(%rsp), %xmm7
.endm

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
        pushq   %rax                        /* -8(%rbp): the caller's rax */
        pushq   %rcx                        /* -16(%rbp): the caller's rcx */
        movq    nos__tls_worker@gottpoff(%rip), %rax
        movq    %fs:(%rax), %rax
        testq   %rax, %rax
        jz      .Linplace
        cmpl    $0, nos__morestack_inplace(%rip)
        jne     .Linplace
        cmpl    $0, NOS_W_ON_SYS(%rax)
        jne     .Linplace
        cmpq    $0, NOS_W_CUR(%rax)
        je      .Linplace
        movq    %r10, MS(R10)(%rax)
        movq    %r11, MS(R11)(%rax)

        /*
         * The common case, in registers only: not a yield request, the worker's spare segment
         * is big enough, and this sp lies in the process's innermost segment. Link the spare
         * below it and call the body there. Scratch: rax (w), rcx, r10, r11.
         */
        cmpq    $-1, %fs:0x70
        je      .Lsys
        movq    NOS_W_SPARE(%rax), %r10     /* n */
        testq   %r10, %r10
        jz      .Lsys
        movq    %r10, %r11
        subq    NOS_SEG_BASE(%r10), %r11    /* n's stack bytes */
        subq    MS(R10)(%rax), %r11
        subq    MS(R11)(%rax), %r11
        subq    nos__stack_reserve(%rip), %r11
        cmpq    $64, %r11
        jl      .Lsys
        movq    NOS_W_CUR(%rax), %rcx
        movq    NOS_P_SEG(%rcx), %r11       /* s */
        cmpq    NOS_SEG_BASE(%r11), %rbp
        jbe     .Lsys
        cmpq    %r11, %rbp
        jae     .Lsys
        movq    %r11, NOS_SEG_PREV(%r10)
        movq    %r10, NOS_SEG_SAVED_SP(%r10)
        movq    %rsp, NOS_SEG_SAVED_SP(%r11) /* the sp left on s, for the collector */
        movq    $0, NOS_W_SPARE(%rax)
        incq    NOS_W_MORESTACK(%rax)
        movl    NOS_SEG_BYTES(%r10), %r11d
        addl    %r11d, NOS_P_STACK_BYTES(%rcx)
        movq    %r10, NOS_P_SEG(%rcx)       /* after n's links: the collector may look now */
        movq    NOS_SEG_BASE(%r10), %rcx
        addq    nos__stack_reserve(%rip), %rcx
        movq    %rcx, %fs:0x70
        movq    MS(R11)(%rax), %rcx         /* copy the stack arguments below n's top */
        movq    %r10, %rax
        subq    %rcx, %rax
        andq    $-16, %rax
1:      subq    $8, %rcx
        jb      2f
        movq    24(%rbp,%rcx), %r11
        movq    %r11, (%rax,%rcx)
        jmp     1b
2:      movq    -16(%rbp), %rcx
        movq    %rax, %rsp
        movq    -8(%rbp), %rax
        jmp     .Lcall_body

.Lsys:
        /* Everything else, decided in C on the system stack (the arguments wait in w). */
        movq    -16(%rbp), %rcx
        movq    %rdi, MS(RDI)(%rax)
        movq    %rsi, MS(RSI)(%rax)
        movq    %rdx, MS(RDX)(%rax)
        movq    %rcx, MS(RCX)(%rax)
        movq    %r8, MS(R8)(%rax)
        movq    %r9, MS(R9)(%rax)
        movdqu  %xmm0, MS(XMM)+0(%rax)
        movdqu  %xmm1, MS(XMM)+16(%rax)
        movdqu  %xmm2, MS(XMM)+32(%rax)
        movdqu  %xmm3, MS(XMM)+48(%rax)
        movdqu  %xmm4, MS(XMM)+64(%rax)
        movdqu  %xmm5, MS(XMM)+80(%rax)
        movdqu  %xmm6, MS(XMM)+96(%rax)
        movdqu  %xmm7, MS(XMM)+112(%rax)
        movq    -8(%rbp), %rdi
        movq    %rdi, MS(RAX)(%rax)
        movq    NOS_W_CUR(%rax), %rdi
        movq    %rsp, NOS_P_SP(%rdi)        /* where this stack's live part starts (GC) */
        movl    $1, NOS_W_ON_SYS(%rax)
        movq    NOS_W_SYS_SP(%rax), %rsp
        movq    %rax, %rdi                  /* nos__morestack_sys(w, entry sp, this sp) */
        leaq    16(%rbp), %rsi
        leaq    -16(%rbp), %rdx
        call    nos__morestack_sys
        movq    nos__tls_worker@gottpoff(%rip), %r11
        movq    %fs:(%r11), %r11            /* the same worker: nothing parked */
        movl    $0, NOS_W_ON_SYS(%r11)
        cmpq    $1, %rax
        ja      .Lnew

        /* The body runs on this segment (rax = 1: yield first). */
        movq    %rax, %r10
        RELOAD_ARGS %r11
        leaq    -16(%rbp), %rsp
        testq   %r10, %r10
        jz      .Lenter_here
        subq    $SAVE+8, %rsp               /* nos__morestack_sys checked the room */
        SAVE_ARGS
        call    nos__preempt_point
        RESTORE_ARGS
        leaq    -16(%rbp), %rsp
.Lenter_here:
        popq    %rcx
        popq    %rax
        popq    %rbp
        .cfi_remember_state
        .cfi_def_cfa %rsp, 8
        popq    %r11
        .cfi_def_cfa_offset 0
        incq    %r11
        jmpq    *%r11
        .cfi_restore_state

.Lnew:
        /* rax = the new segment's top | yield flag. Copy the stack arguments below it. */
        movq    %rax, %r10
        andl    $1, %r10d
        andq    $-2, %rax
        movq    MS(R11)(%r11), %rcx
        movq    %rax, %rdi
        subq    %rcx, %rdi
        andq    $-16, %rdi
        movq    %rdi, %rax
        leaq    24(%rbp), %rsi
        rep movsb
        RELOAD_ARGS %r11
        movq    %rax, %rsp
        movq    -8(%rbp), %rax
        testq   %r10, %r10
        jz      .Lcall_body
        subq    $SAVE, %rsp
        movq    %rax, S_RAX(%rsp)
        SAVE_ARGS
        call    nos__preempt_point
        RESTORE_ARGS
        movq    S_RAX(%rsp), %rax
        addq    $SAVE, %rsp
        jmp     .Lcall_body

.Linplace:
        /* Not a process on a segment: save everything here and decide here. */
        subq    $SAVE+8, %rsp
        movq    %rdi, S_RDI(%rsp)
        movq    %rsi, S_RSI(%rsp)
        movq    %rdx, S_RDX(%rsp)
        movq    %rcx, S_RCX(%rsp)
        movq    %r8, S_R8(%rsp)
        movq    %r9, S_R9(%rsp)
        movq    -8(%rbp), %rax
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
        movq    S_R11(%rsp), %rcx
        movq    %rax, %rdi
        subq    %rcx, %rdi
        andq    $-16, %rdi
        movq    %rdi, %r10
        leaq    24(%rbp), %rsi
        rep movsb
        movq    S_RAX(%rsp), %rax
        RESTORE_ARGS
        movq    %r10, %rsp

.Lcall_body:
        movq    8(%rbp), %r11
        incq    %r11
        call    *%r11

        /*
         * Back from the body on the new segment n (results in rax rdx xmm0 xmm1; rcx rsi rdi
         * r8-r11 are free). Unlink n and make it the worker's spare; with a spare there already,
         * nos__morestack_done frees one.
         */
        movq    nos__tls_worker@gottpoff(%rip), %r11
        movq    %fs:(%r11), %r11            /* the worker now (the process may have moved) */
        testq   %r11, %r11
        jz      .Ldone_c
        cmpq    $0, NOS_W_SPARE(%r11)
        jne     .Ldone_c
        movq    NOS_W_CUR(%r11), %r10       /* p */
        testq   %r10, %r10
        jz      .Ldone_c
        movq    NOS_P_SEG(%r10), %r9        /* n */
        movq    NOS_SEG_PREV(%r9), %r8      /* the segment we return to */
        testq   %r8, %r8
        jz      .Ldone_c
        movq    %r8, NOS_P_SEG(%r10)
        movl    NOS_SEG_BYTES(%r9), %ecx
        subl    %ecx, NOS_P_STACK_BYTES(%r10)
        movq    %r9, NOS_W_SPARE(%r11)      /* we still run on it until the ret below */
        movq    NOS_W_TICK(%r11), %rcx
        cmpq    %rcx, NOS_W_PREEMPT(%r11)
        movq    $-1, %rcx                   /* poisoned if this run was asked to yield */
        je      3f
        movq    NOS_SEG_BASE(%r8), %rcx
        addq    nos__stack_reserve(%rip), %rcx
3:      movq    %rcx, %fs:0x70
        movq    %rbp, %rsp
        popq    %rbp
        .cfi_remember_state
        .cfi_def_cfa %rsp, 8
        ret
        .cfi_restore_state

.Ldone_c:
        subq    $48, %rsp
        movq    %rax, 0(%rsp)
        movq    %rdx, 8(%rsp)
        movdqu  %xmm0, 16(%rsp)
        movdqu  %xmm1, 32(%rsp)
        call    nos__morestack_done
        movq    0(%rsp), %rax
        movq    8(%rsp), %rdx
        movdqu  16(%rsp), %xmm0
        movdqu  32(%rsp), %xmm1
        movq    %rbp, %rsp
        popq    %rbp
        .cfi_remember_state
        .cfi_def_cfa %rsp, 8
        ret
        .cfi_restore_state

.Lhere:
        /* Room on this segment after all: restore and enter the body in place. */
        movq    S_RAX(%rsp), %rax
        RESTORE_ARGS
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
