/*
 * internal.h - declarations shared between rt/ files, never called by generated code.
 *
 * Everything here has the `nos__` prefix. The file has one section per owner so that the
 * scheduler half (sched*, ctx*, stack*, mailbox*, mvar*, gc*) and the value half (alloc,
 * types, str, strlib, list, show, eq, error, floatfmt, numlib, map, bigint, array) can add
 * declarations without stepping on each other.
 */
#ifndef NOSTOS_INTERNAL_H
#define NOSTOS_INTERNAL_H

#include "nostos.h"

#include <stdarg.h>

/* ==== provided by the scheduler half ================================================= */

/*
 * The head of the current process's chain of try frames. Any thread, but the answer is only
 * valid until the process next yields (it may then move to another worker): call it again
 * after anything that may yield, never cache it.
 */
nos_exc_frame_t **nos__exc_slot(void);
/* Allocation from the scheduler's per-worker free lists (rt/gc.c; stand-ins in test/rt). */
void *nos__gc_alloc(size_t bytes);
void *nos__gc_alloc_atomic(size_t bytes);

/*
 * An exception reached the bottom of the current process with no try frame. Prints
 * "Runtime error: <nos_exc_message>" and exits 1 for main; for other processes prints
 * "process <pid:N> crashed: <message>" and ends only that process.
 */
_Noreturn void nos__uncaught(const nos_type_t *t, nos_val_t v);

/* Pop stack segments entered after `addr` (a try frame) before jumping to it (stack.c). */
void nos__stack_unwind_to(const void *addr);

/* Run fn(arg) on the worker's own pthread stack; directly if already there or outside a
 * process. fn must not park (and the value half never throws out of it). */
void *nos__on_system_stack(void *(*fn)(void *), void *arg);

/* ==== provided by the value half ======================================================== */

/* Abort the program for a broken runtime invariant: prints "runtime: <what>" (Go's throw). */
_Noreturn void nos__fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- string builder (rt/str.c) -------------------------------------------------------------
 * A growable byte buffer in GC memory; nos__sb_finish turns it into a nos_str_t without a
 * copy. Builders live on the C stack of one process and are never shared.
 */
typedef struct nos__sb {
    nos_str_t *s;   /* s->len is the length so far; capacity is cap */
    int64_t cap;
} nos__sb_t;

void nos__sb_init(nos__sb_t *b, int64_t cap);
void nos__sb_reserve(nos__sb_t *b, int64_t extra);
void nos__sb_add(nos__sb_t *b, const char *p, int64_t n);
void nos__sb_adds(nos__sb_t *b, const char *cstr);
void nos__sb_addc(nos__sb_t *b, char c);
void nos__sb_add_utf8(nos__sb_t *b, int32_t cp);
void nos__sb_add_str(nos__sb_t *b, const nos_str_t *s);
void nos__sb_printf(nos__sb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nos__sb_vprintf(nos__sb_t *b, const char *fmt, va_list ap);
nos_str_t *nos__sb_finish(nos__sb_t *b);

/* Allocate a string of len bytes (NUL set, contents uninitialised, nchars unknown). */
nos_str_t *nos__str_alloc(int64_t len);

/* ---- UTF-8 (rt/str.c) ------------------------------------------------------------------------ */

/* Bytes of the sequence led by byte b (1 for ASCII and for bytes that cannot lead). */
static inline int nos__utf8_seqlen(unsigned char b)
{
    if (b < 0xC0)
        return 1;
    if (b < 0xE0)
        return 2;
    if (b < 0xF0)
        return 3;
    if (b < 0xF8)
        return 4;
    return 1;
}
/* Decode the code point at p (end bounds the read); *adv gets the bytes used (>= 1). */
int32_t nos__utf8_decode(const char *p, const char *end, int *adv);
/* Encode cp into out (4 bytes room); returns the byte count. */
int nos__utf8_encode(int32_t cp, char *out);
/* Byte offset of code point number `ci` (clamped to the string's end). */
int64_t nos__str_char_offset(nos_str_t *s, int64_t ci);

/* ---- numbers (rt/floatfmt.c) --------------------------------------------------------------- */

/* Append the display form of a Float / Float32 (see nos_float_to_str). */
void nos__fmt_float(nos__sb_t *b, double d);
void nos__fmt_f32(nos__sb_t *b, float f);

/* ---- generic operations (rt/show.c, rt/eq.c) ---------------------------------------------- */

/*
 * Runtime C code may use about 16 KiB of a process stack (sched.h, point 5). The recursive
 * walks over values (show, eq, cmp, hash, copy) count their depth and, on reaching
 * NOS__HOP_DEPTH, continue on the worker's system stack through nos__on_system_stack.
 */
#define NOS__HOP_DEPTH 12

/* Append the display (result = false) or result display (result = true) form of v. */
void nos__show_into(nos__sb_t *b, const nos_type_t *t, nos_val_t v, bool result);
/* Does a value of type t contain anything mutable (so nos_copy must copy)? */
bool nos__type_mutable(const nos_type_t *t);
/* 64-bit FNV-1a over bytes, the basis of nos_hash. */
uint64_t nos__fnv1a(const void *p, size_t n);

/* ---- maps and sets (rt/map.c) ------------------------------------------------------------- */

/* Call f(k, v, ctx) for every entry in trie order. */
void nos__map_each(nos_map_t *m, void (*f)(nos_val_t k, nos_val_t v, void *ctx), void *ctx);
void nos__set_each(nos_set_t *s, void (*f)(nos_val_t x, nos_val_t unused, void *ctx), void *ctx);
bool nos__map_eq(const nos_type_t *mt, nos_map_t *a, nos_map_t *b);
bool nos__set_eq(const nos_type_t *st, nos_set_t *a, nos_set_t *b);
/* ANDed into every key hash; unit tests narrow it to force collisions. Never set it in a
 * program with live maps (their keys would no longer be found). */
extern uint64_t nos__map_hash_mask;

/* ---- BigInt / Decimal (rt/bigint.c) --------------------------------------------------------- */

uint64_t nos__bigint_hash(nos_bigint_t *a);
uint64_t nos__decimal_hash(nos_decimal_t *a);

/* ---- errors (rt/error.c) -------------------------------------------------------------------- */

/* Throw the runtime error (kind, message) with an already built message. */
_Noreturn void nos__throw_kind(const char *kind, nos_str_t *msg);

#endif
