/*
 * sema.h - name resolution and type inference results.
 *
 * sema_check() resolves every name of the program (the prelude in lib/ plus
 * the user's files), infers types (Hindley-Milner with let-polymorphism,
 * overloading by arity and annotated parameter types, UFCS) and records the
 * results on the AST:
 *   expr->ty      the expression's type (may contain generic variables of
 *                 the enclosing function's scheme; mono.c substitutes them)
 *   expr->bind    for names: the binding referenced
 *   expr->res     for calls, methods, operators, constructors: a callres_t
 *   pat->bind     for variables in patterns
 * Each function-like thing (top-level function, local function, lambda,
 * top-level binding initializer) has a fn_info_t in fn_decl->sema.
 *
 * Deferred questions (an overloaded call whose argument types are not yet
 * known, a field of a not yet known record) are pending constraints: tried
 * again whenever inference learns more, carried in a function's scheme when
 * they concern its generic variables, and decided per instance by mono.c.
 */
#ifndef NOSTOS_SEMA_H
#define NOSTOS_SEMA_H

#include "ast.h"
#include "types.h"

typedef struct fn_info fn_info_t;
typedef struct binding binding_t;
typedef struct callres callres_t;
typedef struct type_decl type_decl_t;
typedef struct module_info module_info_t;
typedef struct fn_group fn_group_t;
typedef struct pending pending_t;

/* ---- user types ----------------------------------------------------------------- */

typedef struct ctor_info {
    sym_t name;
    int index;              /* tag */
    int nfields;
    ty_t **fields;          /* in terms of the decl's type parameters (generic vars) */
    sym_t *field_names;     /* NULL for positional */
    span_t span;
} ctor_info_t;

struct type_decl {
    sym_t name;             /* short name, as displayed */
    sym_t qname;            /* module-qualified */
    span_t span;
    tycon_t *con;
    int nparams;
    ty_t **params;          /* generic vars 0..nparams-1 */
    bool is_record;         /* record (one constructor named like the type) */
    bool mutable_;          /* var type */
    int nctors;
    ctor_info_t *ctors;     /* records: exactly one */
    ty_t *alias;            /* type aliases: the aliased type (generic in params) */
    item_t *item;
    module_info_t *mod;
    bool pub;
};

/* ---- bindings ------------------------------------------------------------------- */

typedef enum {
    B_LOCAL,    /* immutable local (let, parameter, pattern variable) */
    B_VAR,      /* mutable local (`var`) */
    B_FNS,      /* a set of top-level/module functions with this name */
    B_LOCALFN,  /* local function definitions in a block (all clauses/arities) */
    B_GLOBAL,   /* top-level value binding */
    B_MVAR,     /* module-level mvar */
    B_MODULE,   /* a module name (String, List, or a user module) */
} binding_kind_t;

struct binding {
    sym_t name;
    binding_kind_t kind;
    span_t span;
    int id;
    ty_t *ty;               /* locals, globals, mvars: the type */
    scheme_t *scheme;       /* let-polymorphic locals (lambdas bound by let), B_GLOBAL lambdas */
    fn_info_t *owner;       /* the function whose frame holds it (NULL for globals) */
    bool captured;          /* used from a nested function */
    bool needs_cell;        /* `var` shared with closures or live across a try: heap cell */
    bool assigned_in_try;
    VEC(expr_t *) uses;     /* E_VAR uses (needed for polymorphic locals) */
    fn_group_t *fns;        /* B_FNS, B_LOCALFN */
    struct global_info *global; /* B_GLOBAL, B_MVAR */
    module_info_t *mod;     /* B_MODULE */
    fn_info_t *local_fn;    /* a let-bound lambda: its function (for direct calls) */
    int index;              /* codegen slot */
};

/* ---- functions ------------------------------------------------------------------- */

typedef enum { FK_TOP, FK_LOCAL, FK_LAMBDA, FK_INIT } fn_kind_t;

struct fn_info {
    fn_decl_t *decl;
    fn_kind_t kind;
    sym_t name;             /* short name; "lambda" for lambdas */
    sym_t qname;            /* unique, for symbols: "main", "String.trim", "f$2" */
    int arity;
    int nrequired;          /* parameters without defaults */
    sym_t *param_names;     /* for named arguments: NULL entries where not a plain name */
    expr_t **defaults;      /* per parameter, or NULL */
    bool *annotated;        /* per parameter: has a type annotation */
    ty_t *type;             /* TY_FUN */
    scheme_t *scheme;       /* after generalization */
    pending_t **pend;       /* pending constraints carried by the scheme */
    int npend;
    fn_info_t *parent;      /* enclosing function for locals/lambdas */
    VEC(binding_t *) captures; /* bindings of enclosing functions used here */
    VEC(binding_t *) params;   /* bindings of simple parameters (codegen) */
    module_info_t *mod;
    bool pub;
    bool untuple;           /* lambda of N params used where one N-tuple comes */
    const char *native;     /* body is __native__("sym", params...): the C symbol */
    int scc;                /* dependency order */
    int state;              /* 0 = new, 1 = in progress, 2 = done */
    bool has_receive;       /* contains a receive (mvar safety check) */
    bool is_spawn_body;
    bool uses_self_recursion;
    binding_t *self_binding; /* local functions: the binding naming them */
    int level;              /* let-depth of the function's body */
    int id;
    void *def_scope;        /* scope_t * where a local function was defined */
    bool inferring_body;
    void *cg;               /* codegen's per-function data */
};

/* All functions of one name visible in a scope (overloads by arity and annotations). */
struct fn_group {
    sym_t name;
    VEC(fn_info_t *) fns;
};

/* ---- globals ------------------------------------------------------------------------ */

typedef struct global_info {
    sym_t name;
    sym_t qname;
    item_t *item;
    ty_t *ty;
    fn_info_t *init;        /* the initializer as a zero-parameter function */
    bool is_mvar;
    bool is_const;
    int order;              /* initialization order */
    module_info_t *mod;
    void *cg;
} global_info_t;

/* ---- modules ---------------------------------------------------------------------------- */

struct module_info {
    sym_t name;             /* "" for the main file's top level; "String"; "a.b" */
    module_info_t *parent;
    VEC(binding_t *) scope; /* top-level names of this module */
    VEC(type_decl_t *) types;
    VEC(module_info_t *) children;
    bool is_prelude;
};

/* ---- call resolution ---------------------------------------------------------------------- */

typedef enum {
    CR_NONE,
    CR_FN,          /* direct call of a known function instance */
    CR_VALUE,       /* call of a closure value (the callee expression) */
    CR_CTOR,        /* variant constructor */
    CR_RECORD,      /* record construction */
    CR_UPDATE,      /* record update Point(p, x: 1) */
    CR_FIELD_CALL,  /* r.f(args) where field f holds a function */
    CR_PENDING,     /* overloaded: resolved per instance by mono */
    CR_BUILTIN,     /* an operator or intrinsic handled by codegen */
    CR_NATIVE,      /* __native__("sym", args) */
} callres_kind_t;

/* Intrinsics that codegen expands inline. */
#define BUILTIN_KINDS(X)                                                        \
    X(BI_NONE)                                                                  \
    X(BI_ARITH)        /* + - * / % ** on numbers (with Int->Float promotion) */ \
    X(BI_CMP)          /* == != < <= > >= */                                    \
    X(BI_CONCAT)       /* ++ on String or List */                               \
    X(BI_CONS)         /* :: */                                                 \
    X(BI_SHOW)         /* show(x) / toString(x) */                              \
    X(BI_PRINT)        /* print println eprint eprintln */                      \
    X(BI_EQ)           /* == as a function */                                   \
    X(BI_ASSERT)       /* assert(c) / assert(c, msg) */                         \
    X(BI_ASSERT_EQ)    /* assert_eq(a, b) */                                    \
    X(BI_PANIC)        /* panic(msg) */                                         \
    X(BI_THROW)        /* throw(v) */                                           \
    X(BI_HASH)         /* hash(x) */                                            \
    X(BI_COPY)         /* copy(x) */                                            \
    X(BI_COMPARE)      /* compare(a, b) -> Int (sort helpers) */                \
    X(BI_SELF)         /* self() */                                             \
    X(BI_SEND)         /* send(pid, msg) */                                     \
    X(BI_SLEEP)        /* sleep(ms) */                                          \
    X(BI_INDEX)        /* xs[i] on List/String/Tuple/Map/arrays */              \
    X(BI_CONVERT)      /* numeric conversions toInt/toFloat/asInt32/... */      \
    X(BI_TYPEOF)       /* typeOf(x) */                                          \
    X(BI_MVAR_UPDATE)  /* m.update(f) */

typedef enum {
#define X(k) k,
    BUILTIN_KINDS(X)
#undef X
} builtin_t;

struct callres {
    callres_kind_t kind;
    builtin_t builtin;
    int sub;                /* builtin detail: print variant, conversion target prim, ... */
    fn_info_t *fn;          /* CR_FN */
    ty_t **inst;            /* CR_FN: the fn's scheme variables as seen at this call */
    int ninst;
    type_decl_t *tdecl;     /* CR_CTOR, CR_RECORD, CR_UPDATE */
    int ctor;               /* CR_CTOR: constructor index */
    ty_t **tinst;           /* type arguments of tdecl at this use */
    /* Argument mapping: for each callee parameter, the expression (args, receiver) or NULL = default. */
    expr_t **pargs;
    int npargs;
    bool untuple;           /* one tuple argument spread over the parameters */
    const char *native;     /* CR_NATIVE */
    pending_t *pend;        /* CR_PENDING */
    int field;              /* CR_FIELD_CALL, field access: field index */
    bool promote_lhs, promote_rhs; /* BI_ARITH: Int operand promoted to Float */
};

/* ---- pending constraints -------------------------------------------------------------------- */

typedef enum { PEND_CALL, PEND_FIELD, PEND_INDEX } pending_kind_t;

struct pending {
    pending_kind_t kind;
    span_t span;
    expr_t *expr;           /* the call/method/field expression resolved (NULL for copies) */
    expr_t *site;           /* the call expression whose shape (arguments) this is */
    sym_t name;             /* function or field name */
    fn_group_t *cands;      /* PEND_CALL: candidate functions */
    fn_info_t **cand_list;  /* PEND_CALL: the viable candidates */
    int ncands;
    ty_t **args;            /* argument types (PEND_CALL), [receiver] (PEND_FIELD) */
    int nargs;
    ty_t *result;           /* the call's/field's type */
    bool resolved;
    bool reported;
    fn_info_t *owner;       /* function whose body holds it */
    sym_t trait;            /* PEND_CALL of a trait's method on a receiver of unknown type: the
                               trait; the receiver's type picks the impl, per instance */
};

/* ---- the program ------------------------------------------------------------------------------ */

typedef struct program {
    arena_t *arena;
    symtab_t *syms;
    diag_t *diag;
    ty_ctx_t *tc;
    VEC(module_ast_t *) asts;       /* prelude files first, then the user's */
    module_info_t *root;            /* user top level */
    module_info_t *prelude;         /* prelude top level (parent scope of root) */
    VEC(fn_info_t *) fns;           /* every function, lambdas included */
    VEC(global_info_t *) globals;   /* in initialization order */
    VEC(type_decl_t *) types;
    VEC(item_t *) traits;           /* trait declarations, in source order */
    VEC(item_t *) impls;            /* `Type: Trait` blocks */
    fn_info_t *main_fn;
    type_decl_t *option_decl, *result_decl;
    int nbindings;
} program_t;

/* Runs resolution and inference on the parsed modules. Returns false on errors (reported). */
bool sema_check(program_t *p);

/* Instantiates a type_decl's field/ctor types for the given type arguments. */
ty_t *sema_ctor_field_type(program_t *p, type_decl_t *td, int ctor, int field, ty_t **targs);

/* Maps a call's arguments onto fi's parameters (see infer.c). */
bool sema_map_args(fn_info_t *fi, expr_t *e, bool has_recv, expr_t **pargs, bool *untuple);

/* --emit=types: prints every user function's type scheme. */
void sema_dump_types(program_t *p, FILE *out);

#endif
