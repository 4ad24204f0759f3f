/*
 * sema_int.h - internals shared by sema.c (declarations, scopes, driver)
 * and infer.c (expressions, patterns, calls, pending constraints).
 */
#ifndef NOSTOS_SEMA_INT_H
#define NOSTOS_SEMA_INT_H

#include "sema.h"

typedef struct scope scope_t;

struct scope {
    scope_t *parent;
    VEC(binding_t *) names;
    fn_info_t *fn;          /* the function whose frame this scope belongs to */
    module_info_t *mod;     /* module scopes: the module */
    bool fn_boundary;       /* first scope of a function (parameters) */
    bool fresh_params;      /* lambda parameter scope: patterns always bind */
};

typedef struct loop_ctx {
    struct loop_ctx *outer;
    ty_t *break_ty;         /* type of `break e` values, or NULL */
} loop_ctx_t;

typedef struct infer {
    program_t *p;
    ty_ctx_t *tc;
    diag_t *d;
    arena_t *a;
    scope_t *scope;
    fn_info_t *fn;          /* current function */
    module_info_t *mod;     /* module of the current function */
    VEC(pending_t *) pending; /* unresolved constraints (all functions still being inferred) */
    VEC(ty_t *) dyn_candidates; /* types of receive/catch patterns: Dyn if never inferred */
    loop_ctx_t *loop;
    int try_depth;
    ty_t *ret_ty;           /* current function's result type */
    int nerr_at_start;
    /* Symbols used often. */
    sym_t s_main, s_update, s_native, s_builtin, s_length, s_self, s_underscore;
} infer_t;

/* sema.c */
binding_t *sema_new_binding(infer_t *I, sym_t name, binding_kind_t kind, span_t span);
void sema_push_scope(infer_t *I, fn_info_t *fn);
void sema_pop_scope(infer_t *I);
void sema_declare(infer_t *I, binding_t *b);
binding_t *sema_lookup(infer_t *I, sym_t name);
binding_t *sema_lookup_in_module(module_info_t *m, sym_t name);
module_info_t *sema_find_module(infer_t *I, sym_t name);
type_decl_t *sema_find_type(infer_t *I, sym_t name);
bool sema_find_ctor(infer_t *I, sym_t name, type_decl_t **td, int *index);
ty_t *sema_texpr(infer_t *I, texpr_t *te, ty_t **tparams_names_vars, sym_t *tparam_names, int ntparams,
                 bool allow_new_vars);
fn_info_t *sema_new_fn(infer_t *I, fn_decl_t *decl, fn_kind_t kind, sym_t name);
void sema_infer_fn(infer_t *I, fn_info_t *fi);
ty_t *sema_instantiate_fn(infer_t *I, fn_info_t *fi, ty_t ***inst);
void sema_generalize_group(infer_t *I, fn_info_t **members, int n, int level);
ty_t *sema_subst_vars(ty_ctx_t *c, ty_t *t, ty_t **vars, ty_t **by, int n);
ty_t *sema_global_type(infer_t *I, global_info_t *g);
type_decl_t *sema_type_module_decl(infer_t *I, ty_t *t);
module_info_t *sema_type_module(infer_t *I, ty_t *t);

/* mvarcheck.c: the compile-time mvar safety rules */
void sema_check_mvars(program_t *p);

/* infer.c */
ty_t *infer_expr(infer_t *I, expr_t *e, ty_t *expected);
void infer_pat(infer_t *I, pat_t *pt, ty_t *t, bool fresh_only);
void infer_fn_body(infer_t *I, fn_info_t *fi);
bool infer_solve_pending(infer_t *I, bool final);
void infer_mismatch(infer_t *I, span_t at, ty_t *expected, ty_t *found);
bool infer_unify(infer_t *I, span_t at, ty_t *expected, ty_t *found);
fn_info_t *infer_lambda_fn(infer_t *I, expr_t *e);
bool pending_try(infer_t *I, pending_t *pd, bool final);

#endif
