/*
 * ctx_x86_64.S - context switch and stack trampolines for x86-64 (System V).
 *
 * A suspended context is its stack: the six callee-saved registers pushed below the return
 * address, and the saved sp pointing at them. MXCSR and the x87 control word are not saved:
 * the runtime never changes them. An entered context must find rsp 16-byte aligned after the
 * `ret` into nos__ctx_entry, so that the `call` there gives fn the usual rsp % 16 == 8
 * (getting this wrong crashes in printf's movaps; see research/toolchain.md section 3).
 */
#include "sched_asm.h"

#if defined(__x86_64__)

        .text

/* void nos__ctx_switch(uintptr_t *save, uintptr_t to) */
        .globl  nos__ctx_switch
        .type   nos__ctx_switch, @function
        .p2align 4
nos__ctx_switch:
        .cfi_startproc
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, (%rdi)
        movq    %rsi, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .cfi_endproc
        .size   nos__ctx_switch, .-nos__ctx_switch

/*
 * uintptr_t nos__ctx_init(uintptr_t hi, void (*fn)(void *), void *arg)
 * hi is 16-aligned. Layout from the returned sp (= hi - 72, so sp % 16 == 8):
 *   r15 r14 r13=fn r12=arg rbx rbp=0 | ret=nos__ctx_entry | 0 0
 * After the six pops and the ret, rsp = hi - 16 (aligned) and the stub calls fn(arg).
 */
        .globl  nos__ctx_init
        .type   nos__ctx_init, @function
        .p2align 4
nos__ctx_init:
        .cfi_startproc
        leaq    -72(%rdi), %rax
        movq    $0, 0(%rax)
        movq    $0, 8(%rax)
        movq    %rsi, 16(%rax)
        movq    %rdx, 24(%rax)
        movq    $0, 32(%rax)
        movq    $0, 40(%rax)
        leaq    nos__ctx_entry(%rip), %rcx
        movq    %rcx, 48(%rax)
        movq    $0, 56(%rax)
        movq    $0, 64(%rax)
        ret
        .cfi_endproc
        .size   nos__ctx_init, .-nos__ctx_init

        .type   nos__ctx_entry, @function
        .p2align 4
nos__ctx_entry:
        .cfi_startproc
        .cfi_undefined rip
        xorl    %ebp, %ebp
        movq    %r12, %rdi
        call    *%r13
        ud2
        .cfi_endproc
        .size   nos__ctx_entry, .-nos__ctx_entry

/*
 * void *nos__call_on_stack(void *arg, void *(*fn)(void *), uintptr_t new_sp, uintptr_t *save_sp)
 * new_sp is 16-aligned. *save_sp receives the caller's sp before the switch, so that a
 * collection while fn runs scans the caller's stack from there (the callee-saved registers
 * the caller still owns are saved by fn's own prologue on the new stack, or are in the
 * signal frame).
 */
        .globl  nos__call_on_stack
        .type   nos__call_on_stack, @function
        .p2align 4
nos__call_on_stack:
        .cfi_startproc
        pushq   %rbp
        .cfi_def_cfa_offset 16
        .cfi_offset %rbp, -16
        movq    %rsp, %rbp
        .cfi_def_cfa_register %rbp
        movq    %rsp, (%rcx)
        movq    %rdx, %rsp
        call    *%rsi
        movq    %rbp, %rsp
        popq    %rbp
        .cfi_def_cfa %rsp, 8
        ret
        .cfi_endproc
        .size   nos__call_on_stack, .-nos__call_on_stack

/*
 * void *nos__on_sys_fast(void *(*fn)(void *), void *arg): nos__on_system_stack of release
 * builds (sched.c), using 16 bytes of the process's stack instead of a C frame and the
 * trampoline's: the nosplit budget. A process that is not on the system stack yet records
 * its sp in p->sp (the collector scans its stack from there), switches to w->sys_sp with
 * the limit at 0, calls fn(arg) there (fn never parks, so it comes back on the same worker)
 * and restores the limit: poisoned if the watchdog asked this run to yield.
 */
        .globl  nos__on_sys_fast
        .type   nos__on_sys_fast, @function
        .p2align 4
nos__on_sys_fast:
        .cfi_startproc
        movq    nos__tls_worker@gottpoff(%rip), %rax
        movq    %fs:(%rax), %rax
        testq   %rax, %rax
        jz      .Ldirect
        cmpl    $0, NOS_W_ON_SYS(%rax)
        jne     .Ldirect
        movq    NOS_W_CUR(%rax), %rcx
        testq   %rcx, %rcx
        jz      .Ldirect
        pushq   %rbp
        .cfi_def_cfa_offset 16
        .cfi_offset %rbp, -16
        movq    %rsp, %rbp
        .cfi_def_cfa_register %rbp
        movq    %rsp, NOS_P_SP(%rcx)
        movl    $1, NOS_W_ON_SYS(%rax)
        movq    $0, %fs:0x70
        movq    NOS_W_SYS_SP(%rax), %rsp
        movq    %rdi, %r11
        movq    %rsi, %rdi
        call    *%r11
        movq    nos__tls_worker@gottpoff(%rip), %rcx
        movq    %fs:(%rcx), %rcx
        movl    $0, NOS_W_ON_SYS(%rcx)
        movq    NOS_W_TICK(%rcx), %rdx
        cmpq    %rdx, NOS_W_PREEMPT(%rcx)
        movq    $-1, %rdx
        je      1f
        movq    NOS_W_CUR(%rcx), %rdx
        movq    NOS_P_SEG(%rdx), %rdx
        movq    NOS_SEG_BASE(%rdx), %rdx
        addq    nos__stack_reserve(%rip), %rdx
1:      movq    %rdx, %fs:0x70
        movq    %rbp, %rsp
        popq    %rbp
        .cfi_def_cfa %rsp, 8
        ret
.Ldirect:
        movq    %rdi, %r11
        movq    %rsi, %rdi
        jmpq    *%r11
        .cfi_endproc
        .size   nos__on_sys_fast, .-nos__on_sys_fast

        .section .note.GNU-split-stack,"",@progbits
        .section .note.GNU-no-split-stack,"",@progbits
#endif
        .section .note.GNU-stack,"",@progbits
