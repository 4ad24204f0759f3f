/*
 * nostos.h - the runtime's public ABI: what generated code calls.
 *
 * Everything here has the `nos_` prefix. Runtime internals shared between
 * rt/ files use `nos__` and live in rt/internal.h. The compiler never
 * includes this file (codegen declares the same functions through LLVM);
 * keep both sides in step: codegen/rtabi.c lists every symbol used.
 *
 * Values. Every Nostos value fits in one 64-bit word (nos_val_t) when it is
 * stored in a heap slot, a message or passed to a generic runtime function:
 *   Int, Int8..UInt64   the integer, sign- or zero-extended to 64 bits
 *   Float               the IEEE-754 bits of the double
 *   Float32             the float's bits in the low 32 bits
 *   Bool                0 or 1;   Char: the code point;   Unit: 0
 *   everything else     a pointer to GC memory (or to a static constant):
 *     String            nos_str_t *
 *     List              nos_list_t * (NULL is the empty list)
 *     Tuple, Record     nos_val_t[n] (no header; the static type gives n)
 *     Variant           nos_variant_t * (tag + fields); nullary ones are static constants
 *     Closure           nos_closure_t *
 *     Pid               nos_pid_t *
 *     Map, Set          nos_map_t *, nos_set_t * (persistent hash tries)
 *     BigInt, Decimal   nos_bigint_t *, nos_decimal_t *
 *     Int64Array ...    nos_array_t *
 * Objects carry no type header; generic operations (show, ==, compare, hash,
 * copy) get a static type descriptor (nos_type_t) emitted by the compiler.
 * The descriptor of a given type is unique in a program, so two descriptors
 * are the same type exactly when the pointers are equal.
 *
 * Errors. A Nostos exception is a (type, value) pair. Runtime errors are the
 * tuple (String kind, String message), e.g. ("DivisionByZero", "Division by
 * zero"). try/catch uses setjmp frames linked per process.
 */
#ifndef NOSTOS_H
#define NOSTOS_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t nos_val_t;

/* ---- type descriptors ----------------------------------------------------------- */

typedef enum nos_kind {
    NT_UNIT,
    NT_BOOL,
    NT_CHAR,
    NT_INT,     /* Int (i64) */
    NT_I8,
    NT_I16,
    NT_I32,
    NT_U8,
    NT_U16,
    NT_U32,
    NT_U64,
    NT_FLOAT,   /* Float (f64) */
    NT_F32,
    NT_BIGINT,
    NT_DECIMAL,
    NT_STRING,
    NT_PID,
    NT_LIST,    /* elems[0] = element type */
    NT_TUPLE,   /* elems[0..n) */
    NT_RECORD,  /* name, elems[0..n) = field types, field_names */
    NT_VARIANT, /* name, ctors[0..n) */
    NT_FUN,     /* a closure; name = printable signature */
    NT_MAP,     /* elems[0] = key, elems[1] = value */
    NT_SET,     /* elems[0] = element */
    NT_ARRAY_I64,
    NT_ARRAY_F64,
    NT_ARRAY_F32,
    NT_BUFFER,
    NT_OPAQUE   /* runtime handles shown as their name */
} nos_kind_t;

typedef struct nos_type nos_type_t;

typedef struct nos_ctor {
    const char *name;                   /* "Some" */
    uint32_t n;                         /* number of fields */
    const nos_type_t *const *fields;    /* field types */
    const char *const *field_names;     /* NULL for positional constructors */
} nos_ctor_t;

struct nos_type {
    uint32_t kind;                      /* nos_kind_t */
    uint32_t n;                         /* elems (TUPLE, RECORD) or ctors (VARIANT) */
    const char *name;                   /* RECORD/VARIANT: type name for display; FUN: signature */
    const nos_type_t *const *elems;     /* see nos_kind_t */
    const char *const *field_names;     /* RECORD */
    const nos_ctor_t *ctors;            /* VARIANT */
    uint32_t flags;                     /* NOS_TF_* */
};

#define NOS_TF_MUTABLE 1u  /* `var type` record: copied on send */

/* Statically emitted descriptors of the base types (rt/types.c). */
extern const nos_type_t nos_type_unit, nos_type_bool, nos_type_char, nos_type_int,
    nos_type_float, nos_type_string, nos_type_pid;
/* (String, String): the type of runtime errors. */
extern const nos_type_t nos_type_error_tuple;

/* ---- heap objects ----------------------------------------------------------------- */

typedef struct nos_str {
    int64_t len;      /* bytes, not counting the trailing NUL */
    int64_t nchars;   /* code points, or -1 if not yet counted */
    char data[];      /* UTF-8, NUL-terminated */
} nos_str_t;

typedef struct nos_list {
    nos_val_t head;
    struct nos_list *tail;
} nos_list_t;

typedef struct nos_variant {
    int64_t tag;      /* constructor index in declaration order */
    nos_val_t fields[];
} nos_variant_t;

typedef struct nos_closure {
    void *fn;         /* the code: fn(nos_closure_t *self, args...) */
    nos_val_t env[];  /* captured values; `var` captures are pointers to cells */
} nos_closure_t;

/* ---- allocation (Boehm GC) ----------------------------------------------------------- */

void *nos_alloc(size_t bytes);        /* may hold pointers */
void *nos_alloc_atomic(size_t bytes); /* never holds pointers (strings, numbers) */

/* ---- program start ---------------------------------------------------------------------- */

/*
 * Called by the generated C `main`: initialises the GC and the scheduler,
 * runs `init` (top-level bindings and mvars, in order) and then `entry`
 * (the Nostos main) as the first process. When entry returns, its result is
 * printed with nos_print_result unless the type is Unit, and the program
 * exits 0 (whatever other processes still run). An uncaught error in the
 * main process prints "Runtime error: <message>" to stderr and exits 1.
 */
int nos_main(int argc, char **argv, void (*init)(void), nos_val_t (*entry)(void),
             const nos_type_t *result_type);

/* ---- strings ------------------------------------------------------------------------------- */

nos_str_t *nos_str_new(const char *bytes, int64_t len);       /* copies */
nos_str_t *nos_str_cstr(const char *s);
nos_str_t *nos_str_concat(nos_str_t *a, nos_str_t *b);
int64_t nos_str_length(nos_str_t *s);                          /* code points */
nos_str_t *nos_str_index(nos_str_t *s, int64_t i);             /* 1-char String; throws IndexOutOfBounds */
bool nos_str_eq(nos_str_t *a, nos_str_t *b);
int nos_str_cmp(nos_str_t *a, nos_str_t *b);                   /* bytewise, <0 0 >0 */
bool nos_str_has_prefix(nos_str_t *s, const char *p, int64_t plen);
nos_str_t *nos_str_drop_bytes(nos_str_t *s, int64_t nbytes);   /* s[nbytes..] */

/* ---- lists ---------------------------------------------------------------------------------- */

nos_list_t *nos_list_cons(nos_val_t head, nos_list_t *tail);
int64_t nos_list_length(nos_list_t *l);
nos_list_t *nos_list_append(nos_list_t *a, nos_list_t *b);    /* a ++ b */
nos_val_t nos_list_index(nos_list_t *l, int64_t i);            /* throws IndexOutOfBounds */
nos_list_t *nos_list_range(int64_t from, int64_t to);          /* [from, to) */

/* ---- generic operations driven by descriptors ---------------------------------------------- */

nos_str_t *nos_show(const nos_type_t *t, nos_val_t v);         /* display format (println, show) */
nos_str_t *nos_show_result(const nos_type_t *t, nos_val_t v);  /* result display of main's value */
void nos_print(const nos_type_t *t, nos_val_t v);              /* print: display, no newline */
void nos_println(const nos_type_t *t, nos_val_t v);
void nos_eprint(const nos_type_t *t, nos_val_t v);
void nos_eprintln(const nos_type_t *t, nos_val_t v);
bool nos_eq(const nos_type_t *t, nos_val_t a, nos_val_t b);    /* structural ==; NaN != NaN */
int nos_cmp(const nos_type_t *t, nos_val_t a, nos_val_t b);    /* total order for Ord types */
int64_t nos_hash(const nos_type_t *t, nos_val_t v);
nos_val_t nos_copy(const nos_type_t *t, nos_val_t v);          /* deep copy of mutable parts */

/* Float formatting as LANGUAGE.md 1.10: shortest round trip, never exponent form. */
nos_str_t *nos_float_to_str(double d);

/* ---- errors and exceptions --------------------------------------------------------------------- */

typedef struct nos_exc_frame {
    struct nos_exc_frame *prev;
    const nos_type_t *type;  /* set when an exception lands here */
    nos_val_t value;
    jmp_buf jb;
} nos_exc_frame_t;

/*
 * try:   nos_try_push(&f); if (_setjmp(f.jb) == 0) { body; nos_try_pop(&f); }
 *        else { exception is (f.type, f.value); frame already popped }
 * A throw with no frame in the current process ends the process (main: the
 * program, with "Runtime error: ..." and exit 1).
 */
void nos_try_push(nos_exc_frame_t *f);
void nos_try_pop(nos_exc_frame_t *f);
_Noreturn void nos_throw(const nos_type_t *t, nos_val_t v);
_Noreturn void nos_throw_error(const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Rethrow the exception held in a frame (catch arms did not match). */
_Noreturn void nos_rethrow(nos_exc_frame_t *f);

/* Common runtime errors, called from generated code (cold paths). */
_Noreturn void nos_err_div_zero(void);                        /* ("DivisionByZero", "Division by zero") */
_Noreturn void nos_err_match(void);                           /* Non-exhaustive match: no pattern matched */
_Noreturn void nos_err_index(int64_t i, int64_t len);         /* IndexOutOfBounds */
_Noreturn void nos_err_assert(const char *msg);               /* ("Panic", "Assertion failed...") */
_Noreturn void nos_err_assert_eq(const nos_type_t *t, nos_val_t a, nos_val_t b);
_Noreturn void nos_panic(nos_str_t *msg);
_Noreturn void nos_err_pow_negative(void);

/* The message printed for an uncaught exception (what follows "Runtime error: "). */
nos_str_t *nos_exc_message(const nos_type_t *t, nos_val_t v);

/* ---- processes (rt/sched.c and friends) ---------------------------------------------------------- */

typedef struct nos_pid nos_pid_t;   /* opaque handle; its number shows as <pid:N> */

typedef struct nos_msg {
    struct nos_msg *next;
    const nos_type_t *type;
    nos_val_t value;
} nos_msg_t;

/* Scan state of one `receive`; lives in the receiving frame. */
typedef struct nos_recv {
    nos_msg_t *cursor;       /* last message examined (NULL: start of mailbox) */
    int64_t deadline_ns;     /* monotonic deadline, or -1 for no `after` */
    uintptr_t reserved[2];
} nos_recv_t;

nos_pid_t *nos_spawn(nos_closure_t *body);                  /* body: nos_val_t fn(nos_closure_t *) */
nos_pid_t *nos_self(void);
void nos_send(nos_pid_t *to, const nos_type_t *t, nos_val_t v);
int64_t nos_pid_id(nos_pid_t *p);

/*
 * receive { arms after T -> e }:
 *   nos_recv_begin(&r, T or -1);
 *   for (;;) {
 *     nos_msg_t *m = nos_recv_next(&r);   // next unexamined message, oldest first;
 *                                         // parks until one arrives; NULL = timed out
 *     if (!m) { after-body; break; }
 *     if (arm i matches m) { nos_recv_take(&r, m); arm body; break; }
 *   }
 */
void nos_recv_begin(nos_recv_t *r, int64_t timeout_ms);
nos_msg_t *nos_recv_next(nos_recv_t *r);
void nos_recv_take(nos_recv_t *r, nos_msg_t *m);

void nos_sleep(int64_t ms);
void nos_yield(void);

/* ---- mvars --------------------------------------------------------------------------------------- */

typedef struct nos_mvar {
    nos_val_t value;
    const nos_type_t *type;
    uintptr_t lock[6];       /* rt/mvar.c's reader-writer lock with a FIFO of parked processes */
} nos_mvar_t;

void nos_mvar_init(nos_mvar_t *m, const nos_type_t *t);
void nos_mvar_lock_shared(nos_mvar_t *m);
void nos_mvar_unlock_shared(nos_mvar_t *m);
void nos_mvar_lock(nos_mvar_t *m);      /* exclusive; re-entrant per process */
void nos_mvar_unlock(nos_mvar_t *m);

#endif
