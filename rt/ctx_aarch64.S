/*
 * ctx_aarch64.S - context switch and stack trampolines for AArch64 (AAPCS64).
 *
 * A suspended context is a 176-byte frame at its saved sp: x19-x28, x29 (fp), x30 (lr)
 * and d8-d15, plus 16 bytes of padding to keep sp 16-aligned. A new context enters
 * nos__ctx_entry, which calls fn(arg) with fn in x20 and arg in x19.
 */
#if defined(__aarch64__)

        .text

/* void nos__ctx_switch(uintptr_t *save, uintptr_t to) */
        .globl  nos__ctx_switch
        .type   nos__ctx_switch, %function
        .p2align 4
nos__ctx_switch:
        sub     sp, sp, #176
        stp     x19, x20, [sp, #0]
        stp     x21, x22, [sp, #16]
        stp     x23, x24, [sp, #32]
        stp     x25, x26, [sp, #48]
        stp     x27, x28, [sp, #64]
        stp     x29, x30, [sp, #80]
        stp     d8, d9, [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
        mov     x9, sp
        str     x9, [x0]
        mov     sp, x1
        ldp     x19, x20, [sp, #0]
        ldp     x21, x22, [sp, #16]
        ldp     x23, x24, [sp, #32]
        ldp     x25, x26, [sp, #48]
        ldp     x27, x28, [sp, #64]
        ldp     x29, x30, [sp, #80]
        ldp     d8, d9, [sp, #96]
        ldp     d10, d11, [sp, #112]
        ldp     d12, d13, [sp, #128]
        ldp     d14, d15, [sp, #144]
        add     sp, sp, #176
        ret
        .size   nos__ctx_switch, .-nos__ctx_switch

/* uintptr_t nos__ctx_init(uintptr_t hi, void (*fn)(void *), void *arg) */
        .globl  nos__ctx_init
        .type   nos__ctx_init, %function
        .p2align 4
nos__ctx_init:
        sub     x9, x0, #176
        mov     x10, #0
        mov     x11, x9
1:      str     x10, [x11], #8
        cmp     x11, x0
        b.lo    1b
        str     x2, [x9, #0]            /* x19 = arg */
        str     x1, [x9, #8]            /* x20 = fn */
        adr     x10, nos__ctx_entry
        str     x10, [x9, #88]          /* x30 */
        mov     x0, x9
        ret
        .size   nos__ctx_init, .-nos__ctx_init

        .type   nos__ctx_entry, %function
        .p2align 4
nos__ctx_entry:
        mov     x29, #0
        mov     x30, #0
        mov     x0, x19
        blr     x20
        brk     #0
        .size   nos__ctx_entry, .-nos__ctx_entry

/* void *nos__call_on_stack(void *arg, void *(*fn)(void *), uintptr_t new_sp, uintptr_t *save_sp) */
        .globl  nos__call_on_stack
        .type   nos__call_on_stack, %function
        .p2align 4
nos__call_on_stack:
        stp     x29, x30, [sp, #-16]!
        mov     x29, sp
        mov     x9, sp
        str     x9, [x3]
        mov     sp, x2
        blr     x1
        mov     sp, x29
        ldp     x29, x30, [sp], #16
        ret
        .size   nos__call_on_stack, .-nos__call_on_stack

#endif
        .section .note.GNU-stack,"",%progbits
