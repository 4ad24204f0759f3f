/*
 * types.h - Nostos types, unification and type schemes.
 *
 * A type is a tree of ty_t nodes. Type variables are union-find cells: a
 * bound variable points at its binding through `link` and ty_prune() follows
 * the chain. Unification is destructive (it binds variables) and records
 * nothing for undo; ty_unifiable() answers the same question without
 * binding anything, for overload resolution.
 *
 * Generalization uses levels (Remy): every unbound variable carries the
 * let-depth at which it was created; leaving a let lowers nothing but
 * generalizes the variables whose level is deeper than the enclosing one.
 * A generalized variable is marked `generic` with an index into its scheme;
 * instantiation copies the type with fresh variables for generic ones.
 *
 * Built-in trait constraints (Num, Eq, Ord, Show, Hash, Concat) are a bit set
 * on variables, checked when the variable meets a concrete type. Other
 * deferred questions (overloaded calls, fields of yet unknown records) are
 * sema's "pending constraints" (see sema.h).
 */
#ifndef NOSTOS_TYPES_H
#define NOSTOS_TYPES_H

#include "diag.h"
#include "util.h"

typedef struct ty ty_t;
typedef struct tycon tycon_t;

typedef enum { TY_VAR, TY_CON, TY_FUN, TY_TUPLE } ty_kind_t;

/* Built-in trait constraints carried by type variables. */
enum {
    TR_NUM = 1u << 0,
    TR_EQ = 1u << 1,
    TR_ORD = 1u << 2,
    TR_SHOW = 1u << 3,
    TR_HASH = 1u << 4,
    TR_CONCAT = 1u << 5, /* String or List */
    TR_INTEGRAL = 1u << 6, /* integer kinds only (bit operations, %) - unused by default */
    TR_ANYDEF = 1u << 7,   /* not a requirement: left unknown, this becomes Any (bound `Any`: values
                              decoded at run time, e.g. database rows) */
};

struct ty {
    ty_kind_t kind;
    /* TY_VAR */
    ty_t *link;        /* bound to this type, or NULL */
    int level;         /* let-depth of creation (unbound vars) */
    int id;            /* for printing and hashing */
    uint32_t traits;   /* TR_* required of whatever this becomes */
    int generic;       /* >= 0: index of a quantified variable in its scheme; -1 otherwise */
    sym_t name;        /* declared name (T in f[T]), or NULL */
    bool literal;      /* the type of an integer literal (for messages: "found Int") */
    /* TY_CON */
    tycon_t *con;
    /* TY_CON args, TY_FUN params, TY_TUPLE elements */
    ty_t **args;
    int nargs;
    ty_t *ret;         /* TY_FUN */
};

typedef enum {
    TC_PRIM,     /* Int, Float, Bool, ... (no args) */
    TC_LIST,     /* List[T] */
    TC_MAP,      /* Map[K, V] */
    TC_SET,      /* Set[T] */
    TC_RECORD,   /* user record type */
    TC_VARIANT,  /* user variant type */
    TC_OPAQUE,   /* runtime handles, typed arrays, Dyn */
} tycon_kind_t;

/* Primitive type identities (tycon_t.prim). */
typedef enum {
    PRIM_NONE,
    PRIM_UNIT,
    PRIM_BOOL,
    PRIM_CHAR,
    PRIM_INT,
    PRIM_I8,
    PRIM_I16,
    PRIM_I32,
    PRIM_U8,
    PRIM_U16,
    PRIM_U32,
    PRIM_U64,
    PRIM_FLOAT,
    PRIM_F32,
    PRIM_BIGINT,
    PRIM_DECIMAL,
    PRIM_STRING,
    PRIM_PID,
} prim_t;

struct type_decl; /* sema.h */

struct tycon {
    sym_t name;          /* as printed: "Int", "List", "Point" */
    tycon_kind_t kind;
    prim_t prim;
    int arity;
    struct type_decl *decl; /* TC_RECORD, TC_VARIANT */
    int id;
};

typedef struct ty_ctx {
    arena_t *arena;
    symtab_t *syms;
    int next_id;
    int level;           /* current let-depth */
    struct ty *why_type; /* after a failed ty_unify: the type lacking a trait (NULL if none or a literal's) */
    /* The built-in constructors. */
    tycon_t *tc_unit, *tc_bool, *tc_char, *tc_int, *tc_i8, *tc_i16, *tc_i32, *tc_u8, *tc_u16,
        *tc_u32, *tc_u64, *tc_float, *tc_f32, *tc_bigint, *tc_decimal, *tc_string, *tc_pid,
        *tc_list, *tc_map, *tc_set, *tc_dyn, *tc_arr_i64, *tc_arr_f64, *tc_arr_f32, *tc_buffer;
    ty_t *t_unit, *t_bool, *t_char, *t_int, *t_float, *t_string, *t_pid, *t_dyn;
    /* Does a user type implement a built-in trait (e.g. `Vec2: Num`)? Set by sema. */
    bool (*user_trait)(struct ty_ctx *c, tycon_t *tc, uint32_t trait);
    /* Eq/Ord/Hash of a user type need them of its fields (sema): false with *failed set if not. */
    bool (*user_fields)(struct ty_ctx *c, struct ty *t, uint32_t traits, const char **failed, bool commit);
    void *user;
} ty_ctx_t;

void ty_ctx_init(ty_ctx_t *c, arena_t *a, symtab_t *syms);

ty_t *ty_var(ty_ctx_t *c);                     /* fresh variable at the current level */
ty_t *ty_con(ty_ctx_t *c, tycon_t *tc, ty_t **args, int nargs);
ty_t *ty_con0(ty_ctx_t *c, tycon_t *tc);
ty_t *ty_list(ty_ctx_t *c, ty_t *elem);
ty_t *ty_fun(ty_ctx_t *c, ty_t **params, int nparams, ty_t *ret);
ty_t *ty_tuple(ty_ctx_t *c, ty_t **elems, int n);
tycon_t *ty_new_tycon(ty_ctx_t *c, sym_t name, tycon_kind_t kind, int arity);

ty_t *ty_prune(ty_t *t);                       /* follow variable links */
bool ty_is_con(ty_t *t, tycon_t *tc);          /* pruned t is tc[...] */
bool ty_is_var(ty_t *t);                       /* pruned t is an unbound variable */
bool ty_is_numeric_con(tycon_t *tc);
bool ty_is_integral_con(tycon_t *tc);

/*
 * Unification. On failure returns false and leaves the two types partly
 * unified; the caller reports. `why` (if not NULL) receives the name of a
 * trait the failure was about ("Num", ...) or NULL for a plain mismatch.
 */
bool ty_unify(ty_ctx_t *c, ty_t *a, ty_t *b, const char **why);
/* Could a and b be unified? Binds nothing. */
bool ty_unifiable(ty_ctx_t *c, ty_t *a, ty_t *b);
/* Does concrete-or-partial type t satisfy the traits? (false only when it surely cannot) */
bool ty_has_traits(ty_ctx_t *c, ty_t *t, uint32_t traits, const char **failed);
/* Adds trait requirements to t (a variable gets them; a concrete type is checked). */
bool ty_require(ty_ctx_t *c, ty_t *t, uint32_t traits, const char **failed);

bool ty_occurs(ty_t *var, ty_t *t);
bool ty_is_ground(ty_t *t);                    /* no unbound variables */
bool ty_equal(ty_t *a, ty_t *b);               /* structural, after pruning */

/* ---- schemes ------------------------------------------------------------------- */

typedef struct scheme {
    int nvars;         /* quantified variables: generic indices 0..nvars-1 */
    ty_t **vars;       /* the generic variable nodes, by index */
    ty_t *type;
} scheme_t;

/*
 * Generalizes t over the unbound variables deeper than the current level
 * (c->level), marking them generic. The returned scheme owns the numbering.
 */
scheme_t *ty_generalize(ty_ctx_t *c, ty_t *t);
/*
 * Generalizes several types together (a recursive group): one shared list of
 * quantified variables; out[i] gets the scheme of types[i].
 */
void ty_generalize_group(ty_ctx_t *c, ty_t **types, int n, scheme_t **out);
/* A scheme with no quantified variables. */
scheme_t *ty_mono_scheme(ty_ctx_t *c, ty_t *t);
/*
 * Instantiates: copies s->type with fresh variables for the generic ones.
 * `inst` (if not NULL) receives the fresh variables, one per scheme var.
 */
ty_t *ty_instantiate(ty_ctx_t *c, scheme_t *s, ty_t ***inst);
/* Copies t replacing generic variables by subst[generic index] (NULL entries stay). */
ty_t *ty_subst(ty_ctx_t *c, ty_t *t, ty_t **subst, int n);

/* ---- printing --------------------------------------------------------------------- */

/* Appends t as the user writes it: Int, List[String], (Int, Int) -> Bool, a. */
void ty_print(sbuf_t *b, ty_t *t);
const char *ty_str(ty_ctx_t *c, ty_t *t);      /* arena-allocated; variables named a, b, ... */
void ty_str2(ty_ctx_t *c, ty_t *t1, ty_t *t2, const char **s1, const char **s2); /* shared naming */
/* Prints t naming its variables a, b, c... in order of first appearance (stable output). */
void ty_print_normalized(sbuf_t *b, ty_t *t);
/* The same with a shared naming across several calls: begin, print parts, end (adds "where" traits). */
void ty_names_begin(void);
void ty_print_named(sbuf_t *b, ty_t *t);
void ty_names_end(sbuf_t *b);

#endif
