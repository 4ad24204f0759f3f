/*
 * ast.h - the abstract syntax tree of Nostos.
 *
 * The parser builds it (all nodes in the compilation's arena); name
 * resolution and type inference fill in the fields marked "sema" and never
 * change the shape given by the parser, with one exception: they may set
 * `desugared` on a node to point at an equivalent node they built.
 *
 * Conventions:
 *   - Every node has a span covering its whole source text.
 *   - Names are interned symbols (sym_t): compare with ==.
 *   - Lists are (pointer, count) pairs allocated in the arena.
 *   - Optional children are NULL when absent.
 *
 * Kinds are X-macros so that their names (used by --emit=ast) cannot drift
 * from their values.
 */
#ifndef NOSTOS_AST_H
#define NOSTOS_AST_H

#include "diag.h"
#include "util.h"

struct ty;        /* types.h */
struct binding;   /* a resolved local/global name (sema) */
struct fn_decl;   /* a function after resolution (sema) */
struct callres;   /* how a call/method/operator was resolved (sema) */
struct type_decl; /* a user type after resolution (sema) */

typedef struct expr expr_t;
typedef struct pat pat_t;
typedef struct texpr texpr_t;
typedef struct stmt stmt_t;
typedef struct item item_t;

/* ---- numeric literal kinds (suffixes) --------------------------------------- */

#define NUM_KINDS(X)                                                           \
    X(NUM_INT, "")       /* 42      Int (i64) */                               \
    X(NUM_I8, "i8")                                                            \
    X(NUM_I16, "i16")                                                          \
    X(NUM_I32, "i32")                                                          \
    X(NUM_U8, "u8")                                                            \
    X(NUM_U16, "u16")                                                          \
    X(NUM_U32, "u32")                                                          \
    X(NUM_U64, "u64")                                                          \
    X(NUM_BIGINT, "n")   /* 42n     BigInt; text kept in `text` */             \
    X(NUM_FLOAT, "")     /* 3.14    Float (f64) */                             \
    X(NUM_F32, "f32")    /* 1.5f32  Float32 */                                 \
    X(NUM_DECIMAL, "d")  /* 3.14d   Decimal; text kept in `text` */

typedef enum {
#define X(k, s) k,
    NUM_KINDS(X)
#undef X
} num_kind_t;

/* ---- type expressions ------------------------------------------------------------ */

#define TEXPR_KINDS(X)                                                         \
    X(TE_NAME)    /* Int, a, Mod.Type                      name */             \
    X(TE_GENERIC) /* List[Int], Map[K, V]                  name, args */       \
    X(TE_FUN)     /* (Int, Int) -> Bool, Int -> Int        args, ret */        \
    X(TE_TUPLE)   /* (Int, String)                         args */             \
    X(TE_RECORD)  /* { x: Int, y: Int }                    fields/args */      \
    X(TE_UNIT)    /* () */

typedef enum {
#define X(k) k,
    TEXPR_KINDS(X)
#undef X
} texpr_kind_t;

struct texpr {
    texpr_kind_t kind;
    span_t span;
    sym_t name;          /* TE_NAME, TE_GENERIC: possibly dotted "Mod.Type" */
    texpr_t **args;      /* TE_GENERIC args, TE_FUN params, TE_TUPLE elems, TE_RECORD field types */
    int nargs;
    sym_t *field_names;  /* TE_RECORD: one per arg */
    texpr_t *ret;        /* TE_FUN */
};

/* ---- patterns -------------------------------------------------------------------- */

#define PAT_KINDS(X)                                                           \
    X(P_WILD)     /* _ */                                                      \
    X(P_VAR)      /* x                                    name */              \
    X(P_INT)      /* 42, -1, 0xFF, 5i8, 7n  ival / num / text */               \
    X(P_FLOAT)    /* 3.14, -2.5, 1.5f32, 3.1d fval / num / text */             \
    X(P_STRING)   /* "abc" (no interpolation)           str, str_len */        \
    X(P_CHAR)     /* 'a'                                 ival = code point */  \
    X(P_BOOL)     /* true                                ival = 0/1 */         \
    X(P_UNIT)     /* () */                                                     \
    X(P_TUPLE)    /* (a, b)                              elems */              \
    X(P_LIST)     /* [], [a, b], [h | t], [a, b | t]     elems, rest */        \
    X(P_STRCONS)  /* ["ab" | rest] on a String           strs (prefixes), rest */ \
    X(P_RECORD)   /* {x, y: p, _}                        fields */             \
    X(P_CTOR)     /* None, Some(x), Circle{radius: r}, Point(x: a)  name, elems or fields */ \
    X(P_MAP)      /* %{"k": p}                           keys (exprs), elems */ \
    X(P_SET)      /* #{1, 2}                             elems */              \
    X(P_PIN)      /* ^name or ^(expr)                    pin */                \
    X(P_OR)       /* p1 | p2 | p3                        elems */              \
    X(P_RANGE)    /* 1..10, 1..=10, -5..5                ival, ival2, inclusive */ \
    X(P_ANNOT)    /* p: Type                             elems[0], type */

typedef enum {
#define X(k) k,
    PAT_KINDS(X)
#undef X
} pat_kind_t;

typedef struct pat_field {
    sym_t name;        /* field name; NULL for the `_` rest marker */
    pat_t *pat;        /* NULL when punned ({x} binds x) or for the rest marker */
    span_t span;
} pat_field_t;

typedef enum { CTOR_UNIT, CTOR_POSITIONAL, CTOR_NAMED } ctor_args_t;

struct pat {
    pat_kind_t kind;
    span_t span;
    sym_t name;            /* P_VAR, P_CTOR (possibly dotted) */
    int64_t ival, ival2;   /* P_INT, P_CHAR, P_BOOL, P_RANGE */
    double fval;           /* P_FLOAT */
    num_kind_t num;        /* P_INT, P_FLOAT, P_RANGE */
    const char *text;      /* P_INT/P_FLOAT with BigInt/Decimal: digits as written */
    const char *str;       /* P_STRING */
    uint32_t str_len;
    bool inclusive;        /* P_RANGE */
    pat_t **elems;         /* P_TUPLE, P_LIST, P_CTOR positional, P_MAP values, P_SET, P_OR, P_ANNOT (1) */
    int nelems;
    pat_t *rest;           /* P_LIST [.. | rest], P_STRCONS rest */
    const char **strs;     /* P_STRCONS prefixes (decoded bytes, NUL-terminated) */
    uint32_t *str_lens;
    int nstrs;
    pat_field_t *fields;   /* P_RECORD, P_CTOR named */
    int nfields;
    ctor_args_t ctor_args; /* P_CTOR */
    expr_t **keys;         /* P_MAP keys */
    expr_t *pin;           /* P_PIN */
    texpr_t *type;         /* P_ANNOT */

    /* sema */
    struct ty *ty;
    struct binding *bind;  /* P_VAR: the new binding, or the existing one it tests/overwrites */
    int var_mode;          /* P_VAR: 0 = binds, 1 = equality test (existing immutable), 2 = overwrites a var */
    struct type_decl *tdecl; /* P_CTOR, P_RECORD: the type */
    int ctor_index;        /* P_CTOR: constructor index in tdecl */
};

/* ---- expressions ------------------------------------------------------------------- */

#define EXPR_KINDS(X)                                                          \
    X(E_INT)       /* 42, 0xFF, 5i8, 10n          ival, num, text (BigInt) */  \
    X(E_FLOAT)     /* 3.14, 1.5f32, 0.1d          fval, num, text (Decimal) */ \
    X(E_STRING)    /* "abc"                       str, str_len */              \
    X(E_INTERP)    /* "a ${x} b"                  parts: str pieces and exprs */ \
    X(E_CHAR)      /* 'a'                         ival */                      \
    X(E_BOOL)      /* true                        ival */                      \
    X(E_UNIT)      /* () */                                                    \
    X(E_WILDCARD)  /* _ in expression position (rare) */                       \
    X(E_VAR)       /* x, Some, String (a bare identifier)  name */             \
    X(E_BINOP)     /* a + b                       op, lhs, rhs */              \
    X(E_UNOP)      /* -a, !a, not a               op, lhs */                   \
    X(E_CALL)      /* f(a, b: 2), f[Int](x)       lhs = callee, args, targs */ \
    X(E_METHOD)    /* x.f(a), String.length(s)    lhs = receiver, name, args */ \
    X(E_FIELD)     /* x.f, Mod.value              lhs, name */                 \
    X(E_TUPLE_INDEX) /* t.0                       lhs, ival */                 \
    X(E_INDEX)     /* xs[i]                       lhs, rhs */                  \
    X(E_LAMBDA)    /* (a, b) => e                 fn */                        \
    X(E_IF)        /* if c then a else b          cond, lhs (then), rhs (else, may be NULL) */ \
    X(E_MATCH)     /* match e { arms }            lhs = scrutinee, arms */     \
    X(E_TUPLE)     /* (a, b)                      elems */                     \
    X(E_LIST)      /* [a, b], [a, b | t]          elems, rhs = tail */         \
    X(E_RANGE)     /* [a..b], [a..=b]             lhs, rhs, inclusive */       \
    X(E_MAP)       /* %{k: v}                     keys = elems (even), values (odd) */ \
    X(E_SET)       /* #{a, b}                     elems */                     \
    X(E_CTOR)      /* Point(1, 2), Some(x), None(), Point(p, x: 1), Shape.Circle(1.0)  name, args; \
                      always written with parentheses: a bare `None` is an E_VAR */ \
    X(E_BLOCK)     /* { s1; s2 }                  stmts */                     \
    X(E_TRY)       /* try e catch { arms } finally f   lhs, arms, rhs = finally */ \
    X(E_WHILE)     /* while c body                cond, lhs = body */          \
    X(E_FOR)       /* for i = a to b body         name, cond = from, rhs = to, lhs = body */ \
    X(E_BREAK)     /* break [e]                   lhs */                       \
    X(E_CONTINUE)  /* continue */                                              \
    X(E_RETURN)    /* return [e]                  lhs */                       \
    X(E_RECEIVE)   /* receive { arms after t -> e }  arms, cond = timeout, lhs = after body */ \
    X(E_SPAWN)     /* spawn { b }, spawn(f)       lhs = body/callee, ival = kind */ \
    X(E_SEND)      /* pid <- msg                  lhs, rhs */                  \
    X(E_TRY_OP)    /* e?                          lhs */                       \
    X(E_ASCRIBE)   /* e : T (where the grammar allows it)  lhs, type */        \
    X(E_QUOTE)     /* quote { e } (Tier 3, rejected later) lhs */              \
    X(E_SPLICE)    /* ~e (Tier 3, rejected later) lhs */

typedef enum {
#define X(k) k,
    EXPR_KINDS(X)
#undef X
} expr_kind_t;

#define BINOP_KINDS(X)                                                         \
    X(OP_ADD, "+")                                                             \
    X(OP_SUB, "-")                                                             \
    X(OP_MUL, "*")                                                             \
    X(OP_DIV, "/")                                                             \
    X(OP_MOD, "%")                                                             \
    X(OP_POW, "**")                                                            \
    X(OP_EQ, "==")                                                             \
    X(OP_NE, "!=")                                                             \
    X(OP_LT, "<")                                                              \
    X(OP_LE, "<=")                                                             \
    X(OP_GT, ">")                                                              \
    X(OP_GE, ">=")                                                             \
    X(OP_AND, "&&")                                                            \
    X(OP_OR, "||")                                                             \
    X(OP_CONCAT, "++")                                                         \
    X(OP_CONS, "::")                                                           \
    X(OP_PIPE, "|>")                                                           \
    X(OP_NEG, "-")  /* unary */                                                \
    X(OP_NOT, "!")  /* unary; `not` too */

typedef enum {
#define X(k, s) k,
    BINOP_KINDS(X)
#undef X
} op_t;

typedef enum { SPAWN_NORMAL, SPAWN_LINK, SPAWN_MONITOR } spawn_kind_t;

typedef struct arg {
    sym_t name;      /* named argument `name: e`, else NULL */
    expr_t *value;
    span_t span;
} arg_t;

typedef struct arm {
    pat_t *pat;
    expr_t *guard;   /* `when` guard, or NULL */
    expr_t *body;    /* a statement: may be an assignment block (see stmt) */
    span_t span;
} arm_t;

typedef struct interp_part {
    const char *str; /* literal text (decoded), or NULL when expr is set */
    uint32_t len;
    expr_t *expr;
} interp_part_t;

struct expr {
    expr_kind_t kind;
    span_t span;
    op_t op;                 /* E_BINOP, E_UNOP */
    int64_t ival;            /* E_INT, E_CHAR, E_BOOL, E_TUPLE_INDEX, E_SPAWN (kind) */
    double fval;             /* E_FLOAT */
    num_kind_t num;          /* E_INT, E_FLOAT */
    const char *text;        /* BigInt/Decimal digits */
    const char *str;         /* E_STRING (decoded, NUL-terminated) */
    uint32_t str_len;
    sym_t name;              /* E_VAR, E_METHOD, E_FIELD, E_FOR (loop variable), E_CTOR (possibly dotted) */
    span_t name_span;        /* span of `name` alone */
    expr_t *lhs, *rhs, *cond;
    expr_t **elems;          /* E_TUPLE, E_LIST, E_SET, E_MAP (k0, v0, k1, v1, ...) */
    int nelems;
    arg_t *args;             /* E_CALL, E_METHOD, E_CTOR */
    int nargs;
    bool has_parens;         /* E_METHOD: x.f() vs x.f  (always true for E_METHOD);
                                E_SPAWN: spawn(e) (true) vs spawn { ... } (false) */
    bool inclusive;          /* E_RANGE */
    texpr_t **targs;         /* E_CALL explicit type args f[Int](x) */
    int ntargs;
    arm_t *arms;             /* E_MATCH, E_TRY, E_RECEIVE */
    int narms;
    stmt_t **stmts;          /* E_BLOCK */
    int nstmts;
    interp_part_t *parts;    /* E_INTERP */
    int nparts;
    struct fn_decl *fn;      /* E_LAMBDA (built by the parser: see fn_decl below) */
    texpr_t *type;           /* E_ASCRIBE */

    /* sema */
    struct ty *ty;           /* the expression's type */
    struct binding *bind;    /* E_VAR / E_FOR: what the name refers to */
    struct callres *res;     /* E_CALL, E_METHOD, E_BINOP, E_INDEX, ...: resolution */
    expr_t *desugared;       /* if set, compile this instead */
};

/* ---- statements ---------------------------------------------------------------------- */

#define STMT_KINDS(X)                                                          \
    X(S_EXPR)    /* e */                                                       \
    X(S_LET)     /* [var] pat [: T] = e       (x = e may turn out to be an assignment) */ \
    X(S_ASSIGN)  /* r.f = e, xs[i] = e        target (E_FIELD/E_INDEX), value */ \
    X(S_FN)      /* helper(a, b) = body       fn (local function clause) */

typedef enum {
#define X(k) k,
    STMT_KINDS(X)
#undef X
} stmt_kind_t;

struct stmt {
    stmt_kind_t kind;
    span_t span;
    expr_t *expr;          /* S_EXPR */
    bool mutable_;         /* S_LET: `var` */
    pat_t *pat;            /* S_LET */
    texpr_t *type;         /* S_LET annotation */
    expr_t *target;        /* S_ASSIGN */
    expr_t *value;         /* S_LET, S_ASSIGN */
    struct fn_decl *fn;    /* S_FN: one clause (sema groups clauses by name) */

    /* sema */
    int let_mode;          /* S_LET: 0 = new binding, 1 = assignment to var, 2 = mvar write,
                              3 = another name for named functions (f = g; no code) */
};

/* ---- functions --------------------------------------------------------------------------- */

typedef struct param {
    pat_t *pat;
    texpr_t *type;     /* annotation or NULL */
    expr_t *def;       /* default value or NULL */
    span_t span;
} param_t;

typedef struct type_param {
    sym_t name;
    sym_t *bounds;     /* T: Show + Eq */
    int nbounds;
    span_t span;
} type_param_t;

typedef struct clause {
    param_t *params;
    int nparams;
    expr_t *guard;     /* `when` guard or NULL */
    texpr_t *ret;      /* return type annotation or NULL */
    expr_t *body;
    span_t span;
} clause_t;

/*
 * A function: a top-level definition (all its clauses), a local function in a
 * block (the parser makes one fn_decl per clause; sema merges them), or a
 * lambda (one clause, name NULL).
 */
typedef struct fn_decl {
    sym_t name;            /* NULL for lambdas */
    span_t span;
    span_t name_span;
    bool pub;
    type_param_t *tparams;
    int ntparams;
    clause_t *clauses;
    int nclauses;
    bool is_lambda;
    bool is_template;      /* template name(fn) = quote { ... } (Tier 3) */

    /* sema: filled by resolution/inference (see sema.h) */
    void *sema;
} fn_decl_t;

/* ---- items -------------------------------------------------------------------------------- */

typedef struct field_decl {
    sym_t name;
    texpr_t *type;
    bool private_;
    span_t span;
} field_decl_t;

typedef struct ctor_decl {
    sym_t name;
    span_t span;
    ctor_args_t kind;      /* CTOR_UNIT, CTOR_POSITIONAL (types), CTOR_NAMED (fields) */
    texpr_t **types;       /* positional */
    int ntypes;
    field_decl_t *fields;  /* named */
    int nfields;
} ctor_decl_t;

typedef enum { TB_RECORD, TB_VARIANT, TB_ALIAS, TB_EMPTY } type_body_t;

typedef struct trait_method {
    sym_t name;
    span_t span;
    param_t *params;
    int nparams;
    texpr_t *ret;
    expr_t *def;           /* default body or NULL */
} trait_method_t;

#define ITEM_KINDS(X)                                                          \
    X(I_FN)      /* f(x) = e                 fn (one clause per item; sema groups) */ \
    X(I_TYPE)    /* type T[a] = ...          name, tparams, body */            \
    X(I_TRAIT)   /* trait T ... end          name, supers, methods */          \
    X(I_IMPL)    /* Type: Trait ... end      type, trait name, fns */          \
    X(I_MODULE)  /* module M ... end         name, items */                    \
    X(I_USE)     /* use a.b.{c, d as e}      path, uses */                     \
    X(I_BINDING) /* x = e (top level)        pat, value */                     \
    X(I_MVAR)    /* mvar m: T = e            name, type, value */              \
    X(I_CONST)   /* const X = e              name, value */                    \
    X(I_TEST)    /* test "name" = e          str, value */                     \
    X(I_EXTERN)  /* extern ...               (Tier 3) */

typedef enum {
#define X(k) k,
    ITEM_KINDS(X)
#undef X
} item_kind_t;

typedef struct use_item {
    sym_t name;
    sym_t alias;   /* or NULL */
    span_t span;
} use_item_t;

struct item {
    item_kind_t kind;
    span_t span;
    bool pub;
    sym_t name;                 /* I_TYPE, I_TRAIT, I_MODULE, I_MVAR, I_CONST */
    span_t name_span;
    fn_decl_t *fn;              /* I_FN */
    /* I_TYPE */
    type_param_t *tparams;
    int ntparams;
    type_body_t body;
    bool mutable_;              /* var type T = {...} */
    bool reactive;              /* reactive T = {...} (Tier 3) */
    field_decl_t *fields;       /* TB_RECORD */
    int nfields;
    ctor_decl_t *ctors;         /* TB_VARIANT */
    int nctors;
    texpr_t *alias;             /* TB_ALIAS; also I_IMPL's type, I_MVAR's type and
                                   I_BINDING's annotation (x: T = e), or NULL */
    /* I_TRAIT */
    sym_t *supers;
    int nsupers;
    trait_method_t *methods;
    int nmethods;
    /* I_IMPL */
    sym_t trait_name;
    fn_decl_t **fns;            /* I_IMPL methods */
    int nfns;
    type_param_t *when_bounds;  /* I_IMPL `when T: Show` */
    int nwhen;
    /* I_MODULE */
    item_t **items;
    int nitems;
    /* I_USE */
    sym_t *path;
    int npath;
    use_item_t *uses;           /* NULL with nuses == -1 means `.*` */
    int nuses;
    /* I_BINDING, I_MVAR, I_CONST, I_TEST */
    bool mutable_binding;       /* I_BINDING with var */
    pat_t *pat;                 /* I_BINDING */
    expr_t *value;
    const char *str;            /* I_TEST name; I_EXTERN library ("from" string) */
    /* I_EXTERN: `extern type T` sets name (fn NULL); `extern f(a: T) -> R from "lib"`
       sets fn (one clause: annotated params and ret, body NULL) and str. */
    expr_t **decorators;        /* @name / @name(args) before I_FN, I_TYPE (Tier 3):
                                   E_VAR name or E_CALL of E_VAR name */
    int ndecorators;

    /* sema */
    void *sema;
};

typedef struct module_ast {
    item_t **items;
    int nitems;
    uint32_t file;
} module_ast_t;

/* ---- names of kinds (for dumps and diagnostics) ------------------------------------------------ */

const char *expr_kind_name(expr_kind_t k);
const char *pat_kind_name(pat_kind_t k);
const char *stmt_kind_name(stmt_kind_t k);
const char *item_kind_name(item_kind_t k);
const char *texpr_kind_name(texpr_kind_t k);
const char *op_name(op_t op);
const char *num_suffix(num_kind_t k);

/* Writes the tree in the --emit=ast format (an indented S-expression, one node per line). */
/* Deep copies with sema fields cleared (for code typed once per context). */
expr_t *ast_clone_expr(arena_t *a, expr_t *e);
fn_decl_t *ast_clone_fn(arena_t *a, fn_decl_t *d);

void ast_dump(FILE *out, diag_t *d, module_ast_t *m);
void ast_dump_expr(FILE *out, diag_t *d, expr_t *e, int indent);

#endif
