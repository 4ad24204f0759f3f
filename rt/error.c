/*
 * error.c - exceptions: try frames, throw and rethrow, the runtime's own errors, and the
 * message printed for an exception nobody caught.
 *
 * An exception is a (descriptor, value) pair. Runtime errors are (String kind, String
 * message) tuples typed &nos_type_error_tuple; the kinds are listed in ERROR_KINDS.
 * Try frames live in the frames of the Nostos functions that opened them and are linked per
 * process through nos__exc_slot(). A process can move to another worker thread whenever it
 * yields, so the slot is fetched afresh by every function here and never kept across a call
 * that may yield. Jumps use _longjmp, matching the _setjmp the compiler emits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"


void nos__fatal(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("runtime: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

/*
 * The kinds the runtime itself raises. An uncaught error of one of these kinds is reported
 * by its message alone ("Division by zero", "Assertion failed: 1 != 2"); any other
 * exception is reported as "Uncaught exception: <value>" (see nos_exc_message).
 */
#define ERROR_KINDS(X)                                                                      \
    X(PANIC, "Panic")                                                                        \
    X(DIV_ZERO, "DivisionByZero")                                                            \
    X(INDEX, "IndexOutOfBounds")                                                             \
    X(STACK, "StackOverflow")                                                                \
    X(TYPE, "TypeError")

static const char *const runtime_kinds[] = {
#define X(id, name) name,
    ERROR_KINDS(X)
#undef X
};

void nos_try_push(nos_exc_frame_t *f)
{
    nos_exc_frame_t **slot = nos__exc_slot();
    f->prev = *slot;
    f->type = NULL;
    f->value = 0;
    *slot = f;
}

void nos_try_pop(nos_exc_frame_t *f)
{
    nos_exc_frame_t **slot = nos__exc_slot();
    if (*slot != f)
        nos__fatal("try frames popped out of order");
    *slot = f->prev;
}

void nos_throw(const nos_type_t *t, nos_val_t v)
{
    nos_exc_frame_t **slot = nos__exc_slot();
    nos_exc_frame_t *f = *slot;
    if (!f)
        nos__uncaught(t, v);
    *slot = f->prev;
    f->type = t;
    f->value = v;
    nos__stack_unwind_to(f);
    _longjmp(f->jb, 1);
}

void nos_rethrow(nos_exc_frame_t *f)
{
    nos_throw(f->type, f->value);
}

void nos__throw_kind(const char *kind, nos_str_t *msg)
{
    nos_val_t *t = nos_tuple2((nos_val_t)(uintptr_t)nos_str_cstr(kind), (nos_val_t)(uintptr_t)msg);
    nos_throw(&nos_type_error_tuple, (nos_val_t)(uintptr_t)t);
}

void nos_throw_error(const char *kind, const char *fmt, ...)
{
    nos__sb_t b;
    va_list ap;
    nos__sb_init(&b, 64);
    va_start(ap, fmt);
    nos__sb_vprintf(&b, fmt, ap);
    va_end(ap);
    nos__throw_kind(kind, nos__sb_finish(&b));
}

void nos_err_div_zero(void)
{
    nos_throw_error("DivisionByZero", "Division by zero");
}

void nos_err_match(void)
{
    nos_throw_error("Panic", "Non-exhaustive match: no pattern matched");
}

void nos_err_index(int64_t i, int64_t len)
{
    nos_throw_error("IndexOutOfBounds", "Index %lld out of bounds (length %lld)", (long long)i,
                    (long long)len);
}

/* assert(c) and assert(c, msg): "Assertion failed" or "Assertion failed: <msg>". */
void nos_err_assert(const char *msg)
{
    if (msg)
        nos_throw_error("Panic", "Assertion failed: %s", msg);
    nos_throw_error("Panic", "Assertion failed");
}

/* assert_eq(a, b): "Assertion failed: <a> != <b>", both in display form. */
void nos_err_assert_eq(const nos_type_t *t, nos_val_t a, nos_val_t b)
{
    nos__sb_t sb;
    nos__sb_init(&sb, 64);
    nos__sb_adds(&sb, "Assertion failed: ");
    nos__show_into(&sb, t, a, false);
    nos__sb_adds(&sb, " != ");
    nos__show_into(&sb, t, b, false);
    nos__throw_kind("Panic", nos__sb_finish(&sb));
}

/* panic(msg): the message as given (the caller passes show(msg) for non-String values). */
void nos_panic(nos_str_t *msg)
{
    nos__throw_kind("Panic", msg);
}

void nos_err_pow_negative(void)
{
    nos_throw_error("Panic", "Negative exponent for Int power");
}

static bool is_runtime_kind(nos_str_t *kind)
{
    for (size_t i = 0; i < sizeof runtime_kinds / sizeof runtime_kinds[0]; i++)
        if (strcmp(kind->data, runtime_kinds[i]) == 0)
            return true;
    return false;
}

/*
 * The text after "Runtime error: " for an uncaught exception:
 *   a runtime error (kind, msg) with a kind of ERROR_KINDS   -> msg
 *   any other (String, String) pair, e.g. ("io_error", msg)  -> Uncaught exception: (kind, msg)
 *   any other value v                                        -> Uncaught exception: <show(v)>
 * (The reference prints "Panic: Uncaught exception: ..." for the last two, and
 * "Panic: <msg>" for panics.)
 */
nos_str_t *nos_exc_message(const nos_type_t *t, nos_val_t v)
{
    if (t == &nos_type_error_tuple) {
        nos_val_t *tup = (nos_val_t *)(uintptr_t)v;
        nos_str_t *kind = (nos_str_t *)(uintptr_t)tup[0];
        nos_str_t *msg = (nos_str_t *)(uintptr_t)tup[1];
        if (is_runtime_kind(kind))
            return msg;
        nos__sb_t b;
        nos__sb_init(&b, 64);
        nos__sb_adds(&b, "Uncaught exception: (");
        nos__sb_add_str(&b, kind);
        nos__sb_adds(&b, ", ");
        nos__sb_add_str(&b, msg);
        nos__sb_addc(&b, ')');
        return nos__sb_finish(&b);
    }
    nos__sb_t b;
    nos__sb_init(&b, 64);
    nos__sb_adds(&b, "Uncaught exception: ");
    nos__show_into(&b, t, v, false);
    return nos__sb_finish(&b);
}

/* assert(c, msg) with a String message: "Assertion failed: <msg>". */
/* A function was called with arguments no clause of it matches. */
void nos_err_no_clause(nos_str_t *fname)
{
    nos__throw_kind("Panic", nos_str_fmt("No clause matched for function '%s'", fname->data));
}

void nos_err_assert_str(nos_str_t *msg)
{
    if (!msg)
        nos__throw_kind("Panic", nos_str_cstr("Assertion failed"));
    nos__sb_t b;
    nos__sb_init(&b, msg->len + 20);
    nos__sb_adds(&b, "Assertion failed: ");
    nos__sb_add_str(&b, msg);
    nos__throw_kind("Panic", nos__sb_finish(&b));
}
