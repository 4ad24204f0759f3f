/*
 * sched_asm.h - the few structure offsets that assembly code uses (morestack_x86_64.S).
 * Plain #defines so that .S files can include it; rt/stack.c checks each against offsetof.
 */
#ifndef NOSTOS_SCHED_ASM_H
#define NOSTOS_SCHED_ASM_H

/* struct nos__worker */
#define NOS_W_CUR 0
#define NOS_W_SYS_SP 8
#define NOS_W_ON_SYS 16
#define NOS_W_SPARE 24
#define NOS_W_TICK 32
#define NOS_W_PREEMPT 40
#define NOS_W_MORESTACK 48
#define NOS_W_MS 56
/* __morestack's save area in the worker: rdi rsi rdx rcx r8 r9 rax r10 r11, one word of
 * padding, then xmm0-xmm7 */
#define NOS_W_MS_WORDS 26
#define NOS_MS_RDI 0
#define NOS_MS_RSI 8
#define NOS_MS_RDX 16
#define NOS_MS_RCX 24
#define NOS_MS_R8 32
#define NOS_MS_R9 40
#define NOS_MS_RAX 48
#define NOS_MS_R10 56
#define NOS_MS_R11 64
#define NOS_MS_XMM 80

/* struct nos_pid */
#define NOS_P_SP 0
#define NOS_P_SEG 8
#define NOS_P_STACK_BYTES 56

/* struct nos__seg */
#define NOS_SEG_PREV 0
#define NOS_SEG_BASE 8
#define NOS_SEG_SAVED_SP 16
#define NOS_SEG_BYTES 24

#endif
