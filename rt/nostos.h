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
    NT_OPAQUE,  /* runtime handles shown as their name */
    NT_DYN      /* a value of a type known only at run time: pointer to {desc, slot} (a
                   message or exception bound by a pattern whose type was not inferred) */
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
    /* RECORD/VARIANT with a user Show implementation: its show, used by every display. */
    struct nos_str *(*show)(nos_val_t v);
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
void nos_print_result(const nos_type_t *t, nos_val_t v);       /* main's result + newline; not Unit */
void nos_flush_stdout(void);
void nos_flush_stderr(void);
/* Partly dynamic types (rt/dyn.c): Any (NT_DYN) in a pattern type matches any type there. */
bool nos_type_matches(const nos_type_t *pat, const nos_type_t *act);
nos_val_t nos_dyn_coerce(const nos_type_t *pat, const nos_type_t *act, nos_val_t v);
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
_Noreturn void nos_err_no_clause(nos_str_t *fname);           /* No clause matched for function 'f' */
_Noreturn void nos_err_pow_negative(void);

/* The message printed for an uncaught exception (what follows "Runtime error: "). */
nos_str_t *nos_exc_message(const nos_type_t *t, nos_val_t v);

/* ==== values: additions to the ABI (rt/types.c, str.c, strlib.c, numlib.c, list.c, map.c,
 * bigint.c, array.c) =================================================================== */

/* Descriptors of the other scalar and numeric base types (rt/types.c). */
extern const nos_type_t nos_type_i8, nos_type_i16, nos_type_i32, nos_type_u8, nos_type_u16,
    nos_type_u32, nos_type_u64, nos_type_f32, nos_type_bigint, nos_type_decimal;

/* Float and Float32 in a word: the IEEE bits (Float32 in the low 32 bits). */
static inline nos_val_t nos_val_of_float(double d)
{
    union { double d; nos_val_t v; } u = { .d = d };
    return u.v;
}
static inline double nos_val_to_float(nos_val_t v)
{
    union { nos_val_t v; double d; } u = { .v = v };
    return u.d;
}
static inline nos_val_t nos_val_of_f32(float f)
{
    union { float f; uint32_t u; } u = { .f = f };
    return (nos_val_t)u.u;
}
static inline float nos_val_to_f32(nos_val_t v)
{
    union { uint32_t u; float f; } u = { .u = (uint32_t)v };
    return u.f;
}

/* ---- tuples, variants, Option and Result ---------------------------------------------------- */

/*
 * Option and Result are ordinary variants declared in the prelude:
 *   type Option[T] = Some(T) | None        Some = tag 0 (one field), None = tag 1 (no field)
 *   type Result[T, E] = Ok(T) | Err(E)     Ok = tag 0 (one field),   Err = tag 1 (one field)
 * A nullary constructor is a pointer to a constant nos_variant_t holding only the tag; any
 * such pointer with the right tag is equal to any other (nothing compares variant pointers).
 */
enum { NOS_TAG_SOME = 0, NOS_TAG_NONE = 1, NOS_TAG_OK = 0, NOS_TAG_ERR = 1 };

nos_val_t *nos_tuple_new(uint32_t n);                  /* n zeroed words */
nos_val_t *nos_tuple2(nos_val_t a, nos_val_t b);
nos_variant_t *nos_variant_new(int64_t tag, uint32_t nfields); /* fields zeroed */
nos_variant_t *nos_some(nos_val_t v);
nos_variant_t *nos_none(void);                          /* a shared constant */
nos_variant_t *nos_ok(nos_val_t v);
nos_variant_t *nos_err(nos_val_t v);

/* ---- more strings (rt/str.c) ------------------------------------------------------------------ */

/*
 * Invariants of nos_str_t: data is UTF-8 (natives that take bytes from outside check with
 * nos_utf8_valid), NUL-terminated, and never changes after the string is published. nchars is
 * a cache filled on first use; a string constant emitted by the compiler (possibly in
 * read-only memory) must carry its real nchars, never -1.
 */
nos_str_t *nos_str_empty(void);                                        /* the shared "" */
nos_str_t *nos_str_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
nos_str_t *nos_str_concat_n(nos_str_t *const *parts, int64_t n);      /* interpolation */
nos_str_t *nos_str_slice_bytes(nos_str_t *s, int64_t from, int64_t to); /* s[from..to), clamped */
nos_str_t *nos_char_to_str(int32_t c);                                 /* 1-char String */
bool nos_utf8_valid(const char *p, int64_t len);

/* ---- string library (rt/strlib.c; exact semantics are documented there) ---------------------- */

nos_list_t *nos_str_chars(nos_str_t *s);                  /* List[Char] */
nos_str_t *nos_str_from_chars(nos_list_t *chars);
nos_variant_t *nos_str_to_int(nos_str_t *s);              /* Option[Int] (toInt, parseInt) */
nos_variant_t *nos_str_to_float(nos_str_t *s);            /* Option[Float] (toFloat, parseFloat) */
nos_variant_t *nos_str_to_bigint(nos_str_t *s);           /* Option[BigInt] */
nos_str_t *nos_str_trim(nos_str_t *s);
nos_str_t *nos_str_trim_start(nos_str_t *s);
nos_str_t *nos_str_trim_end(nos_str_t *s);
nos_str_t *nos_str_to_upper(nos_str_t *s);
nos_str_t *nos_str_to_lower(nos_str_t *s);
bool nos_str_contains(nos_str_t *s, nos_str_t *sub);
bool nos_str_starts_with(nos_str_t *s, nos_str_t *prefix);
bool nos_str_ends_with(nos_str_t *s, nos_str_t *suffix);
nos_str_t *nos_str_replace(nos_str_t *s, nos_str_t *from, nos_str_t *to);     /* first */
nos_str_t *nos_str_replace_all(nos_str_t *s, nos_str_t *from, nos_str_t *to);
int64_t nos_str_index_of(nos_str_t *s, nos_str_t *sub);        /* byte offset or -1 */
int64_t nos_str_last_index_of(nos_str_t *s, nos_str_t *sub);
nos_str_t *nos_str_substring(nos_str_t *s, int64_t start, int64_t end); /* char indices */
nos_str_t *nos_str_repeat(nos_str_t *s, int64_t n);
nos_str_t *nos_str_pad_start(nos_str_t *s, int64_t len, nos_str_t *pad);
nos_str_t *nos_str_pad_end(nos_str_t *s, int64_t len, nos_str_t *pad);
nos_str_t *nos_str_reverse(nos_str_t *s);
nos_list_t *nos_str_lines(nos_str_t *s);
nos_list_t *nos_str_words(nos_str_t *s);
nos_list_t *nos_str_split(nos_str_t *s, nos_str_t *delim);
nos_str_t *nos_str_join(nos_list_t *strs, nos_str_t *sep);        /* List[String] */
nos_str_t *nos_str_join_chars(nos_list_t *chars, nos_str_t *sep); /* List[Char] */
nos_str_t *nos_str_take(nos_str_t *s, int64_t n);
nos_str_t *nos_str_drop(nos_str_t *s, int64_t n);
bool nos_str_is_empty(nos_str_t *s);

bool nos_char_is_digit(int32_t c);
bool nos_char_is_alpha(int32_t c);
bool nos_char_is_alnum(int32_t c);
bool nos_char_is_upper(int32_t c);
bool nos_char_is_lower(int32_t c);
bool nos_char_is_whitespace(int32_t c);
int32_t nos_char_to_upper(int32_t c);
int32_t nos_char_to_lower(int32_t c);
int32_t nos_char_from_int(int64_t n);   /* toChar: throws ("Panic", ...) if not a scalar value */

/* ---- numbers (rt/numlib.c, rt/floatfmt.c) --------------------------------------------------- */

int64_t nos_int_pow(int64_t base, int64_t exp);   /* wrapping; exp < 0 throws */
int64_t nos_int_div(int64_t a, int64_t b);        /* truncating; b == 0 throws; MIN / -1 = MIN */
int64_t nos_int_rem(int64_t a, int64_t b);        /* dividend's sign; b == 0 throws; MIN % -1 = 0 */
int64_t nos_int_abs(int64_t n);                   /* wrapping: abs(MIN) = MIN */
int64_t nos_float_to_int(double d);               /* truncate, saturate, NaN -> 0 (fptosi.sat) */
int64_t nos_float_floor(double d);
int64_t nos_float_ceil(double d);
int64_t nos_float_round(double d);                /* half away from zero */
nos_str_t *nos_int_to_str(int64_t n);
nos_str_t *nos_uint_to_str(uint64_t n);
nos_str_t *nos_f32_to_str(float f);               /* Float32 display: shortest, no exponent */
/* Rust's i64/f64 from_str: no surrounding whitespace; true and *out on success. */
bool nos_parse_int(const char *p, int64_t len, int64_t *out);
bool nos_parse_float(const char *p, int64_t len, double *out);

/* ---- more lists (rt/list.c) ------------------------------------------------------------------ */

nos_list_t *nos_list_from_array(const nos_val_t *v, int64_t n);
nos_list_t *nos_list_reverse(nos_list_t *l);
nos_val_t nos_list_head(nos_list_t *l);                      /* throws IndexOutOfBounds */
nos_list_t *nos_list_tail(nos_list_t *l);                    /* throws IndexOutOfBounds */
nos_val_t nos_list_last(nos_list_t *l);                      /* throws IndexOutOfBounds */
nos_list_t *nos_list_take(nos_list_t *l, int64_t n);
nos_list_t *nos_list_drop(nos_list_t *l, int64_t n);
bool nos_list_contains(const nos_type_t *elem, nos_list_t *l, nos_val_t x);
/* Stable merge sorts. `elem` is the element type (not the list type). */
nos_list_t *nos_list_sort(const nos_type_t *elem, nos_list_t *l);
/* cmp: a Nostos closure (a, b) -> Int, called as
 * ((int64_t (*)(nos_closure_t *, nos_val_t, nos_val_t))cmp->fn)(cmp, a, b); < 0 means a first. */
nos_list_t *nos_list_sort_by(nos_list_t *l, nos_closure_t *cmp);

/* ---- maps and sets (rt/map.c): persistent hash tries ----------------------------------------- */

/*
 * `mt` is the map's descriptor (NT_MAP: elems[0] key, elems[1] value) and `st` the set's
 * (NT_SET: elems[0] element); keys are hashed and compared through them. The empty map or
 * set is any nos_map_t/nos_set_t of size 0 (nos_map_empty returns a shared one); NULL is
 * also accepted as empty everywhere. Iteration order (keys, values, toList, show) is the
 * trie's order: deterministic for a given set of keys, otherwise unspecified.
 */
typedef struct nos_map nos_map_t;
typedef struct nos_set nos_set_t;

nos_map_t *nos_map_empty(void);
int64_t nos_map_size(nos_map_t *m);
nos_map_t *nos_map_insert(const nos_type_t *mt, nos_map_t *m, nos_val_t k, nos_val_t v);
nos_map_t *nos_map_remove(const nos_type_t *mt, nos_map_t *m, nos_val_t k);
bool nos_map_get(const nos_type_t *mt, nos_map_t *m, nos_val_t k, nos_val_t *out);
bool nos_map_contains(const nos_type_t *mt, nos_map_t *m, nos_val_t k);
nos_val_t nos_map_get_or_throw(const nos_type_t *mt, nos_map_t *m, nos_val_t k);
nos_list_t *nos_map_keys(nos_map_t *m);
nos_list_t *nos_map_values(nos_map_t *m);
nos_list_t *nos_map_to_list(nos_map_t *m);                       /* List[(K, V)] */
nos_map_t *nos_map_from_list(const nos_type_t *mt, nos_list_t *pairs); /* later pairs win */
nos_map_t *nos_map_union(const nos_type_t *mt, nos_map_t *a, nos_map_t *b); /* a wins */
nos_map_t *nos_map_intersection(const nos_type_t *mt, nos_map_t *a, nos_map_t *b); /* a's values */
nos_map_t *nos_map_difference(const nos_type_t *mt, nos_map_t *a, nos_map_t *b);

/* Iteration without allocation: `it` must be zeroed before the first call. */
typedef struct nos_map_iter {
    void *stack[16];
    uint32_t pos[16];
    int32_t depth;
    int32_t started;
} nos_map_iter_t;
bool nos_map_next(nos_map_t *m, nos_map_iter_t *it, nos_val_t *k, nos_val_t *v);
bool nos_set_next(nos_set_t *s, nos_map_iter_t *it, nos_val_t *x);

nos_set_t *nos_set_empty(void);
int64_t nos_set_size(nos_set_t *s);
nos_set_t *nos_set_insert(const nos_type_t *st, nos_set_t *s, nos_val_t x);
nos_set_t *nos_set_remove(const nos_type_t *st, nos_set_t *s, nos_val_t x);
bool nos_set_contains(const nos_type_t *st, nos_set_t *s, nos_val_t x);
nos_list_t *nos_set_to_list(nos_set_t *s);
nos_set_t *nos_set_from_list(const nos_type_t *st, nos_list_t *xs);
nos_set_t *nos_set_union(const nos_type_t *st, nos_set_t *a, nos_set_t *b);
nos_set_t *nos_set_intersection(const nos_type_t *st, nos_set_t *a, nos_set_t *b);
nos_set_t *nos_set_difference(const nos_type_t *st, nos_set_t *a, nos_set_t *b);
nos_set_t *nos_set_symmetric_difference(const nos_type_t *st, nos_set_t *a, nos_set_t *b);
bool nos_set_is_subset(const nos_type_t *st, nos_set_t *a, nos_set_t *b);        /* a ⊆ b */
bool nos_set_is_proper_subset(const nos_type_t *st, nos_set_t *a, nos_set_t *b);

/* ---- BigInt and Decimal (rt/bigint.c) ----------------------------------------------------------- */

/* value = sign * sum(d[i] * 2^(32 i)); n == 0 exactly for zero (then sign == 0). Immutable. */
typedef struct nos_bigint {
    int32_t sign;       /* -1, 0 or 1 */
    uint32_t n;         /* limbs in use; d[n - 1] != 0 */
    uint32_t d[];
} nos_bigint_t;

/* value = mant / 10^scale. Immutable. */
typedef struct nos_decimal {
    nos_bigint_t *mant;
    int64_t scale;      /* 0 ..= 28 */
} nos_decimal_t;

nos_bigint_t *nos_bigint_from_i64(int64_t n);
nos_bigint_t *nos_bigint_parse(const char *p, int64_t len);     /* NULL if not [+-]digits */
nos_bigint_t *nos_bigint_add(nos_bigint_t *a, nos_bigint_t *b);
nos_bigint_t *nos_bigint_sub(nos_bigint_t *a, nos_bigint_t *b);
nos_bigint_t *nos_bigint_mul(nos_bigint_t *a, nos_bigint_t *b);
nos_bigint_t *nos_bigint_div(nos_bigint_t *a, nos_bigint_t *b); /* truncating; b == 0 throws */
nos_bigint_t *nos_bigint_rem(nos_bigint_t *a, nos_bigint_t *b); /* dividend's sign */
nos_bigint_t *nos_bigint_neg(nos_bigint_t *a);
nos_bigint_t *nos_bigint_pow(nos_bigint_t *a, int64_t exp);     /* exp < 0 throws */
int nos_bigint_cmp(nos_bigint_t *a, nos_bigint_t *b);
int64_t nos_bigint_to_i64(nos_bigint_t *a);                     /* wrapping (low 64 bits) */
double nos_bigint_to_float(nos_bigint_t *a);
nos_str_t *nos_bigint_to_str(nos_bigint_t *a);

nos_decimal_t *nos_decimal_from_i64(int64_t n);
nos_decimal_t *nos_decimal_parse(const char *p, int64_t len);   /* NULL if invalid */
nos_decimal_t *nos_decimal_add(nos_decimal_t *a, nos_decimal_t *b);
nos_decimal_t *nos_decimal_sub(nos_decimal_t *a, nos_decimal_t *b);
nos_decimal_t *nos_decimal_mul(nos_decimal_t *a, nos_decimal_t *b);
nos_decimal_t *nos_decimal_div(nos_decimal_t *a, nos_decimal_t *b); /* b == 0 throws */
nos_decimal_t *nos_decimal_rem(nos_decimal_t *a, nos_decimal_t *b);
nos_decimal_t *nos_decimal_neg(nos_decimal_t *a);
int nos_decimal_cmp(nos_decimal_t *a, nos_decimal_t *b);        /* numeric: 1.50 == 1.5 */
double nos_decimal_to_float(nos_decimal_t *a);
nos_str_t *nos_decimal_to_str(nos_decimal_t *a);                /* keeps the scale: 1.50 */

/* ---- typed arrays (rt/array.c): mutable, fixed length, zero-filled ------------------------------ */

typedef struct nos_array {
    int64_t len;
    int64_t data[];     /* len int64_t, len double or len float (packed), by the array's kind */
} nos_array_t;
static inline int64_t *nos_array_i64(nos_array_t *a) { return a->data; }
static inline double *nos_array_f64(nos_array_t *a) { return (double *)(void *)a->data; }
static inline float *nos_array_f32(nos_array_t *a) { return (float *)(void *)a->data; }

nos_array_t *nos_array_new(uint32_t kind, int64_t len);  /* NT_ARRAY_I64 / _F64 / _F32 */
nos_val_t nos_array_get(uint32_t kind, nos_array_t *a, int64_t i);        /* throws */
void nos_array_set(uint32_t kind, nos_array_t *a, int64_t i, nos_val_t v); /* throws */
nos_array_t *nos_array_from_list(uint32_t kind, nos_list_t *l);
nos_list_t *nos_array_to_list(uint32_t kind, nos_array_t *a);  /* F32 elements read back as Float */

/* ---- entry points in natural C types for codegen and the lib/ natives --------------------- */

nos_val_t nos_map_get_or_unit(const nos_type_t *mt, nos_map_t *m, nos_val_t k); /* absent: 0 = () */
nos_variant_t *nos_map_lookup(const nos_type_t *mt, nos_map_t *m, nos_val_t k); /* Option[V] */
nos_map_t *nos_map_union_right(const nos_type_t *mt, nos_map_t *a, nos_map_t *b); /* b wins */
nos_list_t *nos_list_set(nos_list_t *l, int64_t i, nos_val_t v);    /* out of range: l itself */
_Noreturn void nos_err_assert_str(nos_str_t *msg);                 /* "Assertion failed: msg" */

nos_bigint_t *nos_bigint_lit(nos_str_t *text);           /* "123" / "123n" / "1_000" */
nos_decimal_t *nos_decimal_lit(nos_str_t *text);         /* "3.14" / "3.14d" */
nos_bigint_t *nos_bigint_abs(nos_bigint_t *a);
nos_bigint_t *nos_bigint_pow_big(nos_bigint_t *a, nos_bigint_t *exp);
nos_decimal_t *nos_decimal_abs(nos_decimal_t *a);
nos_decimal_t *nos_decimal_pow(nos_decimal_t *a, nos_decimal_t *exp);
nos_decimal_t *nos_decimal_from_float(double d);         /* shortest digits; NaN/inf throw */

nos_array_t *nos_array_i64_new(int64_t n);
nos_array_t *nos_array_f64_new(int64_t n);
nos_array_t *nos_array_f32_new(int64_t n);
nos_array_t *nos_array_i64_make(int64_t n, int64_t x);
nos_array_t *nos_array_f64_make(int64_t n, double x);
nos_array_t *nos_array_f32_make(int64_t n, double x);
int64_t nos_array_length(nos_array_t *a);
int64_t nos_array_i64_get(nos_array_t *a, int64_t i);    /* all get/set throw IndexOutOfBounds */
double nos_array_f64_get(nos_array_t *a, int64_t i);
double nos_array_f32_get(nos_array_t *a, int64_t i);
void nos_array_i64_set(nos_array_t *a, int64_t i, int64_t x);
void nos_array_f64_set(nos_array_t *a, int64_t i, double x);
void nos_array_f32_set(nos_array_t *a, int64_t i, double x);
nos_array_t *nos_array_i64_set_ret(nos_array_t *a, int64_t i, int64_t x); /* returns a */
nos_array_t *nos_array_f64_set_ret(nos_array_t *a, int64_t i, double x);
nos_array_t *nos_array_f32_set_ret(nos_array_t *a, int64_t i, double x);
nos_array_t *nos_array_i64_from_list(nos_list_t *l);
nos_array_t *nos_array_f64_from_list(nos_list_t *l);
nos_array_t *nos_array_f32_from_list(nos_list_t *l);
nos_list_t *nos_array_i64_to_list(nos_array_t *a);
nos_list_t *nos_array_f64_to_list(nos_array_t *a);
nos_list_t *nos_array_f32_to_list(nos_array_t *a);

/* ---- processes (rt/sched.c, proc.c, mailbox.c, timer.c, stack.c) ------------------------------------ */

/*
 * Processes are stackful coroutines on N worker threads (NOSTOS_THREADS, default: CPUs).
 * The contract for generated code (split-stack attribute, loop back-edge polls, linking
 * with lld, which runtime calls are cheap) is at the top of rt/sched_internal.h.
 */
typedef struct nos_pid nos_pid_t;   /* a process; never reused; shows as <pid:N> */

typedef struct nos_msg {
    struct nos_msg *next;
    const nos_type_t *type;
    nos_val_t value;
} nos_msg_t;

/* Scan state of one `receive`; lives in the receiving frame. */
typedef struct nos_recv {
    nos_msg_t *cursor;       /* where the scan is (NULL: start of mailbox) */
    int64_t deadline_ns;     /* monotonic deadline, or -1 for no `after` */
    uintptr_t reserved[2];
} nos_recv_t;

nos_pid_t *nos_spawn(nos_closure_t *body);                  /* body: nos_val_t fn(nos_closure_t *) */
nos_pid_t *nos_self(void);
/* Sends by pointer (mutable parts are copied); a dead target drops the message silently. */
void nos_send(nos_pid_t *to, const nos_type_t *t, nos_val_t v);
int64_t nos_pid_id(nos_pid_t *p);

/*
 * receive { arms after T -> e }:
 *   nos_recv_begin(&r, T or -1);        // T is computed once, here; T = 0 polls
 *   for (;;) {
 *     nos_msg_t *m = nos_recv_next(&r);   // next unexamined message, oldest first;
 *                                         // parks until one arrives; NULL = timed out
 *     if (!m) { after-body; break; }
 *     if (arm i matches m) { nos_recv_take(&r, m); arm body; break; }
 *   }
 * Unmatched messages stay in the mailbox, in order (true selective receive). Arms check
 * m->type == &descriptor before matching m->value. m->value stays valid after take
 * (m->type does not).
 */
void nos_recv_begin(nos_recv_t *r, int64_t timeout_ms);
nos_msg_t *nos_recv_next(nos_recv_t *r);
void nos_recv_take(nos_recv_t *r, nos_msg_t *m);

void nos_sleep(int64_t ms);   /* parks only the caller */
void nos_yield(void);

/* Loop back-edge poll: call when the stack limit reads ~0 (see rt/sched_internal.h). */
void nos_preempt(void);
/* aarch64 function-entry check failed: preempt, or throw StackOverflow. */
void nos_stack_check(void);

/* Process.all / alive / info / time / kill and vmStats() (LANGUAGE.md 2.9). */
nos_list_t *nos_process_all(void);                 /* List[Pid] of live processes */
bool nos_process_alive(nos_pid_t *p);
/* ProcessInfo record {status: String, mailbox: Int, uptime: Int} as nos_val_t[3];
 * status is "running", "waiting", "sleeping" or "exited" (then mailbox 0, uptime -1). */
nos_val_t *nos_process_info(nos_pid_t *p);
int64_t nos_process_time(nos_pid_t *p);            /* uptime in ms, -1 if dead */
bool nos_process_kill(nos_pid_t *p);               /* false for self, main, or a dead pid */
nos_val_t *nos_vm_stats(void);                     /* (spawned, exited, active) as nos_val_t[3] */

/* ---- mvars --------------------------------------------------------------------------------------- */

typedef struct nos_mvar {
    nos_val_t value;
    const nos_type_t *type;
    uintptr_t lock[6];       /* rt/mvar.c's reader-writer lock with a FIFO of parked processes */
} nos_mvar_t;

/*
 * A process waiting for a lock parks (FIFO); locks are re-entrant per process (the exclusive
 * holder may also lock shared) and are released if the holder dies. Generated code reads
 * and writes m->value itself while holding the lock. Several mvars in one statement: lock
 * them in declaration order.
 */
void nos_mvar_init(nos_mvar_t *m, const nos_type_t *t);
void nos_mvar_lock_shared(nos_mvar_t *m);
void nos_mvar_unlock_shared(nos_mvar_t *m);
void nos_mvar_lock(nos_mvar_t *m);      /* exclusive; re-entrant per process */
void nos_mvar_unlock(nos_mvar_t *m);

#endif
