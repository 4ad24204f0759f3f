/*
 * infer.c - type inference of expressions, patterns, calls and blocks.
 *
 * Bidirectional where it pays: a lambda argument is inferred after the
 * callee is known, against the parameter type the callee expects, so that
 * `xs.map(x => x.length())` knows x before it looks up `length`.
 *
 * Calls to overloaded names (several functions of one name: by arity, by
 * annotated parameter types, or the type-associated modules of UFCS) are
 * decided as soon as exactly one candidate fits; otherwise they become
 * pending constraints (sema.h) that are retried as inference learns more.
 */
#include "sema_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static ty_t *infer_block(infer_t *I, expr_t *e, ty_t *expected);
static bool pick_ctor(infer_t *I, sym_t name, ty_t *hint, expr_t *e, type_decl_t **td, int *k);
static ty_t *tuple_length(infer_t *I, expr_t *e, expr_t *arg, ty_t *at);

/* ---- errors ------------------------------------------------------------------------------ */

void infer_mismatch(infer_t *I, span_t at, ty_t *expected, ty_t *found) {
    const char *es, *fs;
    ty_str2(I->tc, expected, found, &es, &fs);
    diag_error(I->d, at, "type mismatch: expected %s, found %s", es, fs);
}

/* Unifies; on failure reports at `at` and returns false. */
bool infer_unify(infer_t *I, span_t at, ty_t *expected, ty_t *found) {
    const char *why = NULL;
    ty_t *e0 = ty_prune(expected), *f0 = ty_prune(found);
    /* Remember printable forms before unification changes them. */
    const char *es, *fs;
    ty_str2(I->tc, e0, f0, &es, &fs);
    I->tc->why_type = NULL;
    if (ty_unify(I->tc, expected, found, &why)) return true;
    /* A numeric literal meeting another type reads best as a mismatch with Int. */
    bool lit = (e0->kind == TY_VAR && e0->literal) || (f0->kind == TY_VAR && f0->literal);
    if (e0->kind == TY_VAR && e0->literal) es = "Int";
    if (f0->kind == TY_VAR && f0->literal) fs = "Int";
    if (e0->kind == TY_FUN && f0->kind == TY_FUN && e0->nargs != f0->nargs) {
        diag_error(I->d, at, "Wrong number of arguments: the function given takes %d, expected %d (expected %s, found %s)",
                   f0->nargs, e0->nargs, es, fs);
    } else if (why && !lit && (ty_is_var(e0) || ty_is_var(f0) || I->tc->why_type)) {
        /* The type that lacks the trait, found deep inside if need be. */
        ty_t *concrete = I->tc->why_type ? I->tc->why_type : ty_is_var(e0) ? f0 : e0;
        diag_error(I->d, at, "type mismatch: %s does not implement %s", ty_str(I->tc, concrete), why);
    } else if (e0->kind == TY_FUN && f0->kind != TY_FUN && (f0->kind != TY_VAR || f0->literal)) {
        diag_error(I->d, at, "type mismatch: expected function %s, found %s", es, fs);
    } else {
        diag_error(I->d, at, "type mismatch: expected %s, found %s", es, fs);
    }
    return false;
}

static void require(infer_t *I, span_t at, ty_t *t, uint32_t traits) {
    const char *failed = NULL;
    if (!ty_require(I->tc, t, traits, &failed))
        diag_error(I->d, at, "type mismatch: %s does not implement %s%s", ty_str(I->tc, t), failed ? failed : "?",
                   failed && strcmp(failed, "Ord") == 0 ? " (its values are not comparable with <, >, <=, >=)" : "");
}

static callres_t *new_res(infer_t *I, expr_t *e, callres_kind_t k) {
    callres_t *r = ARENA_NEW(I->a, callres_t);
    r->kind = k;
    e->res = r;
    return r;
}

static ty_t *num_type(infer_t *I, num_kind_t k) {
    ty_ctx_t *c = I->tc;
    switch (k) {
    case NUM_INT: return c->t_int;
    case NUM_I8: return ty_con0(c, c->tc_i8);
    case NUM_I16: return ty_con0(c, c->tc_i16);
    case NUM_I32: return ty_con0(c, c->tc_i32);
    case NUM_U8: return ty_con0(c, c->tc_u8);
    case NUM_U16: return ty_con0(c, c->tc_u16);
    case NUM_U32: return ty_con0(c, c->tc_u32);
    case NUM_U64: return ty_con0(c, c->tc_u64);
    case NUM_BIGINT: return ty_con0(c, c->tc_bigint);
    case NUM_FLOAT: return c->t_float;
    case NUM_F32: return ty_con0(c, c->tc_f32);
    case NUM_DECIMAL: return ty_con0(c, c->tc_decimal);
    }
    return c->t_int;
}

/* ---- bindings: captures and cells ---------------------------------------------------------- */

static void note_use(infer_t *I, binding_t *b) {
    if (!b->owner || b->owner == I->fn) return;
    if (b->kind == B_LOCAL || b->kind == B_VAR || b->kind == B_LOCALFN) {
        b->captured = true;
        if (b->kind == B_VAR) b->needs_cell = true;
    }
}

static bool is_upper(sym_t s) { return s && s[0] >= 'A' && s[0] <= 'Z'; }

/* ---- patterns -------------------------------------------------------------------------------- */

typedef struct or_ctx {
    VEC(binding_t *) names;  /* bindings made by the first alternative */
    bool later;              /* inside the second or a later alternative */
} or_ctx_t;

static or_ctx_t *g_or;

static binding_t *declare_local(infer_t *I, sym_t name, span_t at, ty_t *t, bool mutable_) {
    binding_t *b = sema_new_binding(I, name, mutable_ ? B_VAR : B_LOCAL, at);
    b->ty = t;
    sema_declare(I, b);
    return b;
}

static type_decl_t *record_with_fields(infer_t *I, pat_t *pt) {
    type_decl_t *found = NULL;
    for (int i = 0; i < I->p->types.len; i++) {
        type_decl_t *td = I->p->types.items[i];
        if (!td->is_record || !td->nctors) continue;
        ctor_info_t *c = &td->ctors[0];
        bool all = true;
        for (int f = 0; f < pt->nfields && all; f++) {
            if (!pt->fields[f].name) continue;
            bool has = false;
            for (int k = 0; k < c->nfields; k++)
                if (c->field_names && c->field_names[k] == pt->fields[f].name) has = true;
            all = has;
        }
        if (all) {
            if (found) return NULL; /* ambiguous */
            found = td;
        }
    }
    return found;
}

static ty_t *decl_type(infer_t *I, type_decl_t *td, ty_t ***targs_out) {
    ty_t **targs = ARENA_NEWN(I->a, ty_t *, td->nparams ? td->nparams : 1);
    for (int i = 0; i < td->nparams; i++) targs[i] = ty_var(I->tc);
    if (targs_out) *targs_out = targs;
    return ty_con(I->tc, td->con, targs, td->nparams);
}

static void infer_fields_pat(infer_t *I, pat_t *pt, type_decl_t *td, int ctor, ty_t **targs, bool fresh_only) {
    ctor_info_t *c = &td->ctors[ctor];
    for (int f = 0; f < pt->nfields; f++) {
        pat_field_t *pf = &pt->fields[f];
        if (!pf->name) continue; /* `_` rest */
        int k = -1;
        for (int q = 0; q < c->nfields; q++)
            if (c->field_names && c->field_names[q] == pf->name) k = q;
        if (k < 0) {
            diag_error(I->d, pf->span, "%s has no field %s", c->name, pf->name);
            continue;
        }
        ty_t *ft = sema_ctor_field_type(I->p, td, ctor, k, targs);
        if (pf->pat) {
            infer_pat(I, pf->pat, ft, fresh_only);
        } else {
            /* Punned {x}: binds x (or tests it, by the constraint rule). */
            pat_t *v = ARENA_NEW(I->a, pat_t);
            v->kind = P_VAR;
            v->name = pf->name;
            v->span = pf->span;
            pf->pat = v;
            infer_pat(I, v, ft, fresh_only);
        }
    }
}

/* A pattern's shape against the value's type: a mismatch names both. */
static void pat_unify(infer_t *I, span_t at, ty_t *value, ty_t *pat) {
    if (ty_unifiable(I->tc, value, pat)) {
        infer_unify(I, at, value, pat);
        return;
    }
    const char *vs, *ps;
    ty_str2(I->tc, value, pat, &vs, &ps);
    diag_error(I->d, at, "type mismatch: Cannot unify types %s and %s: a pattern of type %s cannot match a value of type %s",
               vs, ps, ps, vs);
}

void infer_pat(infer_t *I, pat_t *pt, ty_t *t, bool fresh_only) {
    ty_ctx_t *c = I->tc;
    pt->ty = t;
    switch (pt->kind) {
    case P_WILD:
        return;
    case P_VAR: {
        if (g_or && g_or->later) {
            for (int i = 0; i < g_or->names.len; i++)
                if (g_or->names.items[i]->name == pt->name) {
                    pt->bind = g_or->names.items[i];
                    pt->var_mode = 0;
                    infer_unify(I, pt->span, pt->bind->ty, t);
                    return;
                }
        }
        if (!fresh_only) {
            binding_t *b = sema_lookup(I, pt->name);
            if (b && (b->kind == B_LOCAL || b->kind == B_VAR) && b->owner) {
                /* The variable-as-constraint rule: an existing immutable local is an equality
                 * test; an existing var is overwritten. */
                pt->bind = b;
                pt->var_mode = b->kind == B_LOCAL ? 1 : 2;
                note_use(I, b);
                if (b->kind == B_VAR && I->try_depth > 0) b->needs_cell = true;
                infer_unify(I, pt->span, b->ty, t);
                if (pt->var_mode == 1) require(I, pt->span, t, TR_EQ);
                return;
            }
        }
        pt->bind = declare_local(I, pt->name, pt->span, t, false);
        pt->var_mode = 0;
        if (g_or && !g_or->later) vec_push(&g_or->names, pt->bind);
        return;
    }
    case P_INT:
    case P_RANGE:
        if (pt->num == NUM_INT) {
            /* Like integer literals: any numeric type. */
            require(I, pt->span, t, TR_NUM);
            return;
        }
        infer_unify(I, pt->span, t, num_type(I, pt->num));
        return;
    case P_FLOAT:
        infer_unify(I, pt->span, t, num_type(I, pt->num));
        return;
    case P_STRING:
        infer_unify(I, pt->span, t, c->t_string);
        return;
    case P_CHAR:
        infer_unify(I, pt->span, t, c->t_char);
        return;
    case P_BOOL:
        infer_unify(I, pt->span, t, c->t_bool);
        return;
    case P_UNIT:
        infer_unify(I, pt->span, t, c->t_unit);
        return;
    case P_TUPLE: {
        ty_t **el = ARENA_NEWN(I->a, ty_t *, pt->nelems ? pt->nelems : 1);
        for (int i = 0; i < pt->nelems; i++) el[i] = ty_var(c);
        pat_unify(I, pt->span, t, ty_tuple(c, el, pt->nelems));
        for (int i = 0; i < pt->nelems; i++) infer_pat(I, pt->elems[i], el[i], fresh_only);
        return;
    }
    case P_LIST: {
        /* ["ab" | rest] on a String is a prefix pattern. */
        bool strs = pt->rest && pt->nelems > 0;
        for (int i = 0; i < pt->nelems && strs; i++)
            if (pt->elems[i]->kind != P_STRING) strs = false;
        if (strs && ty_is_con(t, c->tc_string)) {
            pt->kind = P_STRCONS;
            pt->nstrs = pt->nelems;
            pt->strs = ARENA_NEWN(I->a, const char *, pt->nelems);
            pt->str_lens = ARENA_NEWN(I->a, uint32_t, pt->nelems);
            for (int i = 0; i < pt->nelems; i++) {
                pt->strs[i] = pt->elems[i]->str;
                pt->str_lens[i] = pt->elems[i]->str_len;
            }
            infer_pat(I, pt->rest, c->t_string, fresh_only);
            return;
        }
        ty_t *el = ty_var(c);
        pat_unify(I, pt->span, t, ty_list(c, el));
        for (int i = 0; i < pt->nelems; i++) infer_pat(I, pt->elems[i], el, fresh_only);
        if (pt->rest) infer_pat(I, pt->rest, ty_list(c, el), fresh_only);
        return;
    }
    case P_STRCONS:
        if (ty_is_con(t, c->tc_list)) {
            /* ["+" | rest] on a List[String] is an ordinary list pattern. */
            pt->kind = P_LIST;
            pt->nelems = pt->nstrs;
            pt->elems = ARENA_NEWN(I->a, pat_t *, pt->nstrs ? pt->nstrs : 1);
            for (int i = 0; i < pt->nstrs; i++) {
                pat_t *sp = ARENA_NEW(I->a, pat_t);
                sp->kind = P_STRING;
                sp->span = pt->span;
                sp->str = pt->strs[i];
                sp->str_len = pt->str_lens[i];
                pt->elems[i] = sp;
            }
            infer_pat(I, pt, t, fresh_only);
            return;
        }
        infer_unify(I, pt->span, t, c->t_string);
        if (pt->rest) infer_pat(I, pt->rest, c->t_string, fresh_only);
        return;
    case P_RECORD: {
        ty_t *pr = ty_prune(t);
        type_decl_t *td = NULL;
        ty_t **targs = NULL;
        if (pr->kind == TY_CON && pr->con->decl && pr->con->decl->nctors == 1 && pr->con->decl->ctors[0].field_names) {
            td = pr->con->decl;
            targs = pr->args;
        } else {
            td = record_with_fields(I, pt);
            if (!td) {
                diag_error(I->d, pt->span, "cannot tell the record type of this pattern; add a type annotation");
                return;
            }
            infer_unify(I, pt->span, t, decl_type(I, td, &targs));
        }
        pt->tdecl = td;
        infer_fields_pat(I, pt, td, 0, targs, fresh_only);
        return;
    }
    case P_CTOR: {
        type_decl_t *td;
        int k;
        if (!pick_ctor(I, pt->name, t, NULL, &td, &k)) {
            diag_error(I->d, pt->span, "unknown constructor '%s'", pt->name);
            return;
        }
        pt->tdecl = td;
        pt->ctor_index = k;
        ty_t **targs;
        ty_t *ct = decl_type(I, td, &targs);
        infer_unify(I, pt->span, t, ct);
        ctor_info_t *ci = &td->ctors[k];
        if (pt->ctor_args == CTOR_NAMED) {
            infer_fields_pat(I, pt, td, k, targs, fresh_only);
            return;
        }
        int n = pt->ctor_args == CTOR_UNIT ? 0 : pt->nelems;
        if (n != ci->nfields) {
            /* A single tuple pattern over several fields is allowed: Pair((a, b)). */
            if (!(n == 0 && pt->ctor_args == CTOR_UNIT && ci->nfields == 0))
                diag_error(I->d, pt->span, "constructor %s has %d field%s, pattern has %d", ci->name,
                           ci->nfields, ci->nfields == 1 ? "" : "s", n);
            if (n > ci->nfields) n = ci->nfields;
        }
        for (int i = 0; i < n; i++)
            infer_pat(I, pt->elems[i], sema_ctor_field_type(I->p, td, k, i, targs), fresh_only);
        return;
    }
    case P_MAP: {
        ty_t *kv[2] = {ty_var(c), ty_var(c)};
        infer_unify(I, pt->span, t, ty_con(c, c->tc_map, kv, 2));
        for (int i = 0; i < pt->nelems; i++) {
            ty_t *kt = infer_expr(I, pt->keys[i], NULL);
            infer_unify(I, pt->keys[i]->span, kv[0], kt);
            infer_pat(I, pt->elems[i], kv[1], fresh_only);
        }
        return;
    }
    case P_SET: {
        ty_t *el = ty_var(c);
        infer_unify(I, pt->span, t, ty_con(c, c->tc_set, &el, 1));
        for (int i = 0; i < pt->nelems; i++) infer_pat(I, pt->elems[i], el, fresh_only);
        return;
    }
    case P_PIN: {
        ty_t *pt2 = infer_expr(I, pt->pin, NULL);
        infer_unify(I, pt->span, t, pt2);
        require(I, pt->span, t, TR_EQ);
        return;
    }
    case P_OR: {
        or_ctx_t *saved = g_or;
        or_ctx_t oc = {0};
        g_or = &oc;
        for (int i = 0; i < pt->nelems; i++) {
            oc.later = i > 0;
            infer_pat(I, pt->elems[i], t, fresh_only);
        }
        vec_free(&oc.names);
        g_or = saved;
        return;
    }
    case P_ANNOT: {
        ty_t *at = sema_texpr(I, pt->type, NULL, NULL, 0, false);
        infer_unify(I, pt->span, t, at);
        if (pt->nelems) infer_pat(I, pt->elems[0], t, fresh_only);
        return;
    }
    }
}

/* ---- functions and lambdas ------------------------------------------------------------------------- */

/* Binds a clause's parameters and infers guard and body against fi->type. */
static void infer_clause(infer_t *I, fn_info_t *fi, clause_t *cl, ty_t **ptys, int nptys, ty_t *ret) {
    sema_push_scope(I, fi);
    I->scope->fresh_params = true;
    for (int i = 0; i < cl->nparams && i < nptys; i++) {
        param_t *pm = &cl->params[i];
        infer_pat(I, pm->pat, ptys[i], true);
        if (pm->type && fi->kind == FK_LAMBDA) {
            ty_t *at = sema_texpr(I, pm->type, NULL, NULL, 0, false);
            infer_unify(I, pm->span, ptys[i], at);
        }
    }
    /* Defaults may use earlier parameters. */
    for (int i = 0; i < cl->nparams && i < nptys; i++) {
        param_t *pm = &cl->params[i];
        if (!pm->def) continue;
        ty_t *dt = infer_expr(I, pm->def, ptys[i]);
        infer_unify(I, pm->def->span, ptys[i], dt);
    }
    if (cl->guard) {
        ty_t *g = infer_expr(I, cl->guard, I->tc->t_bool);
        infer_unify(I, cl->guard->span, I->tc->t_bool, g);
    }
    if (cl->body) {
        ty_t *bt = infer_expr(I, cl->body, ret);
        infer_unify(I, cl->body->span, ret, bt);
    }
    sema_pop_scope(I);
}

static bool is_native_body(infer_t *I, expr_t *body, const char **sym) {
    if (!body || body->kind != E_CALL || !body->lhs || body->lhs->kind != E_VAR) return false;
    if (body->lhs->name != I->s_native || body->nargs < 1) return false;
    expr_t *s = body->args[0].value;
    if (s->kind != E_STRING) return false;
    *sym = s->str;
    return true;
}

void infer_fn_body(infer_t *I, fn_info_t *fi) {
    I->fn = fi;
    I->mod = fi->mod ? fi->mod : I->mod;
    I->loop = NULL;
    I->try_depth = 0;
    I->ret_ty = fi->type->ret;
    if (fi->def_scope) {
        I->scope = fi->def_scope;
    } else {
        /* Top level: the module scope. */
        scope_t *s = ARENA_NEW(I->a, scope_t);
        s->mod = fi->mod;
        I->scope = s;
    }
    fi->inferring_body = true;
    for (int k = 0; k < fi->decl->nclauses; k++) {
        clause_t *cl = &fi->decl->clauses[k];
        const char *nat;
        if (is_native_body(I, cl->body, &nat)) fi->native = nat;
        infer_clause(I, fi, cl, fi->type->args, fi->type->nargs, fi->type->ret);
    }
    fi->inferring_body = false;
    infer_solve_pending(I, false);
}

fn_info_t *infer_lambda_fn(infer_t *I, expr_t *e) {
    fn_decl_t *d = e->fn;
    if (d->sema) return d->sema;
    module_info_t *saved_mod = I->mod;
    fn_info_t *fi = sema_new_fn(I, d, FK_LAMBDA, sym_cstr(I->p->syms, "lambda"));
    I->mod = saved_mod;
    fi->parent = I->fn;
    fi->qname = sym_cstr(I->p->syms, arena_sprintf(I->a, "%s$lambda%d", I->fn ? I->fn->qname : "top", fi->id));
    return fi;
}

static ty_t *infer_lambda(infer_t *I, expr_t *e, ty_t *expected) {
    fn_info_t *fi = infer_lambda_fn(I, e);
    clause_t *cl = &e->fn->clauses[0];
    int n = cl->nparams;
    ty_t *exp = expected ? ty_prune(expected) : NULL;
    ty_t **ps = ARENA_NEWN(I->a, ty_t *, n ? n : 1);
    for (int i = 0; i < n; i++) ps[i] = ty_var(I->tc);
    ty_t *ret = ty_var(I->tc);
    ty_t *ftype;
    if (exp && exp->kind == TY_FUN && exp->nargs == 1 && n > 1) {
        /* One tuple argument spread over n parameters. */
        ty_t *tup = ty_tuple(I->tc, ps, n);
        ty_t *tp = ty_prune(exp->args[0]);
        if (tp->kind == TY_VAR || (tp->kind == TY_TUPLE && tp->nargs == n)) {
            fi->untuple = true;
            ftype = ty_fun(I->tc, &tup, 1, ret);
        } else {
            ftype = ty_fun(I->tc, ps, n, ret);
        }
    } else {
        ftype = ty_fun(I->tc, ps, n, ret);
    }
    fi->type = ftype;
    if (exp && exp->kind == TY_FUN) ty_unify(I->tc, exp, ftype, NULL); /* errors surface at the call */
    /* Infer the body in a nested context. */
    fn_info_t *saved_fn = I->fn;
    ty_t *saved_ret = I->ret_ty;
    loop_ctx_t *saved_loop = I->loop;
    int saved_try = I->try_depth;
    I->fn = fi;
    I->ret_ty = ret;
    I->loop = NULL;
    I->try_depth = 0;
    fi->level = I->tc->level;
    infer_clause(I, fi, cl, ps, n, ret);
    I->fn = saved_fn;
    I->ret_ty = saved_ret;
    I->loop = saved_loop;
    I->try_depth = saved_try;
    fi->state = 2;
    return ftype;
}

/* ---- calls ----------------------------------------------------------------------------------------- */

/*
 * The call shape: the receiver (UFCS, becomes parameter 0) and the
 * arguments as written. A candidate fits the shape if the positional
 * arguments fill leading parameters, named arguments name the others, and
 * every parameter left out has a default.
 */
typedef struct shape {
    expr_t *recv;
    ty_t *recv_ty;
    arg_t *args;
    int nargs;
    ty_t **arg_tys;   /* inferred types of args (NULL for lambdas not inferred yet) */
    sym_t trait;      /* a trait method called on a receiver of unknown type: wait for it */
} shape_t;

/* Arguments typed after the callee is chosen, against its parameter type: lambdas and named
 * functions (which may need eta-expansion). */
static infer_t *g_I;
static bool is_lambda_arg(expr_t *e) {
    if (e->kind == E_LAMBDA) return true;
    if (e->kind == E_VAR && g_I) {
        binding_t *b = sema_lookup(g_I, e->name);
        return b && b->kind == B_FNS;
    }
    return false;
}

/* Maps the shape onto fi's parameters: out[i] = argument index (-1 receiver, -2 default). */
static bool shape_map(fn_info_t *fi, shape_t *sh, int *out, bool *untuple) {
    int npos = 0;
    *untuple = false;
    for (int i = 0; i < sh->nargs; i++)
        if (!sh->args[i].name) npos++;
    int total_pos = npos + (sh->recv ? 1 : 0);
    for (int i = 0; i < fi->arity; i++) out[i] = -2;
    if (total_pos > fi->arity) return false;
    int p = 0;
    if (sh->recv) out[p++] = -1;
    for (int i = 0; i < sh->nargs; i++) {
        if (sh->args[i].name) continue;
        out[p++] = i;
    }
    for (int i = 0; i < sh->nargs; i++) {
        if (!sh->args[i].name) continue;
        int k = -1;
        for (int q = 0; q < fi->arity; q++)
            if (fi->param_names[q] == sh->args[i].name) k = q;
        if (k < 0 || out[k] != -2) return false;
        out[k] = i;
    }
    for (int i = 0; i < fi->arity; i++)
        if (out[i] == -2 && !fi->defaults[i]) {
            /* Auto-untupling: f(a, b) called with one tuple. */
            if (total_pos == 1 && fi->arity > 1 && sh->nargs + (sh->recv ? 1 : 0) == 1 && fi->nrequired > 1) {
                *untuple = true;
                return true;
            }
            return false;
        }
    return true;
}

static ty_t *shape_arg_ty(shape_t *sh, int idx) { return idx == -1 ? sh->recv_ty : sh->arg_tys[idx]; }
static expr_t *shape_arg_expr(shape_t *sh, int idx) { return idx == -1 ? sh->recv : sh->args[idx].value; }

/* The type of fi for a trial: its scheme instantiated without side effects. */
static ty_t *trial_type(infer_t *I, fn_info_t *fi) {
    if ((fi->kind == FK_TOP || fi->kind == FK_LOCAL) && fi->state == 0) sema_infer_fn(I, fi);
    if (fi->state == 2 && fi->scheme) return ty_instantiate(I->tc, fi->scheme, NULL);
    return fi->type;
}

/* Whether fi can take the shape's arguments with their current types. */
static bool candidate_fits(infer_t *I, fn_info_t *fi, shape_t *sh) {
    int map[64];
    bool untuple;
    if (fi->arity > 64 || !shape_map(fi, sh, map, &untuple)) return false;
    ty_t *t = ty_prune(trial_type(I, fi));
    if (t->kind != TY_FUN) return true;
    if (untuple) {
        ty_t *a = shape_arg_ty(sh, map[0] == -2 ? 0 : map[0]);
        if (!a) return true;
        ty_t *tup = ty_tuple(I->tc, t->args, t->nargs);
        return ty_unifiable(I->tc, tup, a);
    }
    /* Check all argument types together (shared variables matter). */
    int n = 0;
    ty_t *ps[64], *as[64];
    for (int i = 0; i < fi->arity && i < t->nargs; i++) {
        if (map[i] == -2) continue;
        ty_t *a = shape_arg_ty(sh, map[i]);
        expr_t *ae = shape_arg_expr(sh, map[i]);
        if (!a) {
            /* A lambda argument: check its arity against a known function parameter. */
            ty_t *pt = ty_prune(t->args[i]);
            if (ae && ae->kind == E_LAMBDA && pt->kind == TY_FUN) {
                int ln = ae->fn->clauses[0].nparams;
                if (pt->nargs != ln && !(pt->nargs == 1 && ln > 1)) return false;
            } else if (ae && ae->kind == E_LAMBDA && pt->kind != TY_VAR) {
                return false;
            }
            continue;
        }
        ps[n] = t->args[i];
        as[n] = a;
        n++;
    }
    if (n == 0) return true;
    ty_t *pt = ty_tuple(I->tc, ps, n), *at = ty_tuple(I->tc, as, n);
    return ty_unifiable(I->tc, pt, at);
}

static int annotated_count(fn_info_t *fi) {
    int n = 0;
    for (int i = 0; i < fi->arity; i++)
        if (fi->annotated[i]) n++;
    return n;
}

static bool shape_ground(shape_t *sh) {
    if (sh->recv_ty && !ty_is_ground(sh->recv_ty)) return false;
    for (int i = 0; i < sh->nargs; i++)
        if (sh->arg_tys[i] && !ty_is_ground(sh->arg_tys[i])) return false;
    return true;
}

/*
 * Among viable candidates, the one to take now, or NULL to wait. One viable
 * candidate is taken at once. With several: if the argument types are fully
 * known, the most specific (most annotated parameters; the earliest on a tie)
 * wins; otherwise wait, unless `final`.
 */
static fn_info_t *choose(infer_t *I, fn_info_t **viable, int n, shape_t *sh, bool final) {
    if (n == 1) return viable[0];
    if (n == 0) return NULL;
    /* Several fit: only fully known argument types may decide (never guess: a wrong guess
     * compiles into a program that silently misbehaves). */
    if (!shape_ground(sh)) return NULL;
    fn_info_t *best = viable[0];
    int bc = annotated_count(best);
    for (int i = 1; i < n; i++) {
        int c = annotated_count(viable[i]);
        if (c > bc) {
            best = viable[i];
            bc = c;
        }
    }
    (void)I;
    return best;
}

/* Infers a lambda argument against the parameter type it meets. */
static ty_t *infer_arg(infer_t *I, expr_t *a, ty_t *expected) {
    ty_t *t = infer_expr(I, a, expected);
    return t;
}

/* Commits a call to fi: unify parameters with arguments, record the resolution. */
/*
 * Explicit type arguments f[Int](x) of a function declared f[T](...): walk
 * the declared annotations beside the instantiated type and unify each place
 * the annotation names T with the given type.
 */
static void bind_targ(infer_t *I, span_t at, texpr_t *te, ty_t *t, fn_decl_t *d, ty_t **targs, int ntargs) {
    if (!te || !t) return;
    t = ty_prune(t);
    switch (te->kind) {
    case TE_NAME:
        for (int k = 0; k < d->ntparams && k < ntargs; k++)
            if (d->tparams[k].name == te->name) infer_unify(I, at, targs[k], t);
        return;
    case TE_GENERIC:
    case TE_TUPLE:
        if (t->nargs == te->nargs)
            for (int i = 0; i < te->nargs; i++) bind_targ(I, at, te->args[i], t->args[i], d, targs, ntargs);
        return;
    case TE_FUN:
        if (t->kind == TY_FUN && t->nargs == te->nargs) {
            for (int i = 0; i < te->nargs; i++) bind_targ(I, at, te->args[i], t->args[i], d, targs, ntargs);
            bind_targ(I, at, te->ret, t->ret, d, targs, ntargs);
        }
        return;
    default: return;
    }
}

static void bind_targs(infer_t *I, expr_t *e, fn_info_t *fi, ty_t *ft) {
    fn_decl_t *d = fi->decl;
    if (!d || !d->nclauses || ft->kind != TY_FUN) return;
    if (d->ntparams == 0) {
        diag_error(I->d, e->span, "'%s' takes no type arguments", d->name ? d->name : "function");
        return;
    }
    if (e->ntargs > d->ntparams) {
        diag_error(I->d, e->span, "'%s' takes %d type argument%s, given %d", d->name, d->ntparams,
                   d->ntparams == 1 ? "" : "s", e->ntargs);
        return;
    }
    ty_t **targs = ARENA_NEWN(I->a, ty_t *, e->ntargs);
    for (int k = 0; k < e->ntargs; k++) targs[k] = sema_texpr(I, e->targs[k], NULL, NULL, 0, false);
    clause_t *c = &d->clauses[0];
    for (int i = 0; i < c->nparams && i < ft->nargs; i++) bind_targ(I, e->span, c->params[i].type, ft->args[i], d, targs, e->ntargs);
    bind_targ(I, e->span, c->ret, ft->ret, d, targs, e->ntargs);
}

static ty_t *commit_call(infer_t *I, expr_t *e, fn_info_t *fi, shape_t *sh, ty_t *result_hint) {
    int map[64];
    bool untuple;
    shape_map(fi, sh, map, &untuple);
    ty_t **inst = NULL;
    ty_t *t = ty_prune(sema_instantiate_fn(I, fi, &inst));
    callres_t *r = e ? new_res(I, e, CR_FN) : NULL;
    if (r) {
        r->fn = fi;
        r->inst = inst;
        r->ninst = fi->scheme && fi->state == 2 ? fi->scheme->nvars : 0;
        r->untuple = untuple;
        r->npargs = fi->arity;
        r->pargs = ARENA_NEWN(I->a, expr_t *, fi->arity ? fi->arity : 1);
    }
    if (t->kind != TY_FUN) {
        ty_t **ps = ARENA_NEWN(I->a, ty_t *, fi->arity ? fi->arity : 1);
        for (int i = 0; i < fi->arity; i++) ps[i] = ty_var(I->tc);
        ty_t *ft = ty_fun(I->tc, ps, fi->arity, ty_var(I->tc));
        infer_unify(I, e ? e->span : sh->recv->span, ft, t);
        t = ft;
    }
    if (e && e->kind == E_CALL && e->ntargs) bind_targs(I, e, fi, t);
    if (untuple) {
        int ai = sh->recv ? -1 : 0;
        ty_t *a = shape_arg_ty(sh, ai);
        expr_t *ae = shape_arg_expr(sh, ai);
        ty_t *tup = ty_tuple(I->tc, t->args, t->nargs);
        if (!a) a = sh->arg_tys[0] = infer_arg(I, ae, tup);
        infer_unify(I, ae->span, tup, a);
        if (r) r->pargs[0] = ae;
    } else {
        /* Non-lambda arguments first, then lambdas against their parameter types. */
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < fi->arity && i < t->nargs; i++) {
                if (map[i] == -2) continue;
                expr_t *ae = shape_arg_expr(sh, map[i]);
                if (r) r->pargs[i] = ae;
                ty_t *a = shape_arg_ty(sh, map[i]);
                if ((pass == 0) != (a != NULL)) continue;
                if (!a) {
                    a = infer_arg(I, ae, t->args[i]);
                    if (map[i] >= 0) sh->arg_tys[map[i]] = a;
                }
                infer_unify(I, ae->span, t->args[i], a);
            }
        }
    }
    if (result_hint) (void)result_hint;
    return t->ret;
}

static fn_info_t *receiver_candidate(infer_t *I, fn_info_t **cands, int ncands, shape_t *sh, ty_t *first);

/* The trait that declares a method of this name, or NULL. */
static sym_t trait_of_method(infer_t *I, sym_t name) {
    for (int t = 0; t < I->p->traits.len; t++) {
        item_t *tr = I->p->traits.items[t];
        for (int q = 0; q < tr->nmethods; q++)
            if (tr->methods[q].name == name) return tr->name;
    }
    return NULL;
}

/* Whether some candidate's first parameter has the receiver's outermost type (an impl exists). */
static bool has_impl_method(infer_t *I, fn_info_t **cands, int n, shape_t *sh) {
    return receiver_candidate(I, cands, n, sh, sh->recv_ty) != NULL;
}

/* "type T has no method m", with the reference's hints for length on maps and sets. */
static void report_no_method(infer_t *I, span_t at, sym_t name, ty_t *recv) {
    ty_t *r = ty_prune(recv);
    if (name == I->s_length && ty_is_con(r, I->tc->tc_map))
        diag_error(I->d, at, "type %s has no method length; use .size() for Map", ty_str(I->tc, r));
    else if (name == I->s_length && ty_is_con(r, I->tc->tc_set))
        diag_error(I->d, at, "type %s has no method length; use .size() for Set", ty_str(I->tc, r));
    else if (name == I->s_length)
        diag_error(I->d, at, "type %s has no method length: expected List, String, Tuple, or Array", ty_str(I->tc, r));
    else
        diag_error(I->d, at, "type %s has no method %s", ty_str(I->tc, r), name);
}

/* Whether two types could agree at their outermost constructor. */
static bool same_head(ty_ctx_t *c, ty_t *a, ty_t *b) {
    a = ty_prune(a);
    b = ty_prune(b);
    if ((a->kind == TY_VAR && a->literal) || (b->kind == TY_VAR && b->literal)) return ty_unifiable(c, a, b);
    if (a->kind == TY_VAR || b->kind == TY_VAR) return true;
    if (a->kind != b->kind) return false;
    if (a->kind == TY_CON) return a->con == b->con;
    return a->nargs == b->nargs;
}

/*
 * The candidate (of the right shape) whose first parameter can take a value
 * of type `first`, when there is exactly one; NULL if none can. With several,
 * the first of them. A receiver whose type is still a variable fits any.
 */
static fn_info_t *receiver_candidate(infer_t *I, fn_info_t **cands, int ncands, shape_t *sh, ty_t *first) {
    for (int i = 0; i < ncands; i++) {
        int map[64];
        bool u;
        if (cands[i]->arity > 64 || cands[i]->arity == 0 || !shape_map(cands[i], sh, map, &u) || u) continue;
        ty_t *t = ty_prune(trial_type(I, cands[i]));
        if (t->kind != TY_FUN || t->nargs == 0) return cands[i];
        if (same_head(I->tc, t->args[0], first)) return cands[i];
    }
    return NULL;
}

static void report_no_candidate(infer_t *I, span_t at, sym_t name, fn_info_t **cands, int ncands, shape_t *sh) {
    int given = sh->nargs + (sh->recv ? 1 : 0);
    /* Arity problems first. */
    fn_info_t *shape_ok = NULL;
    for (int i = 0; i < ncands; i++) {
        int map[64];
        bool u;
        if (cands[i]->arity <= 64 && shape_map(cands[i], sh, map, &u) && !u) {
            shape_ok = cands[i];
            break;
        }
    }
    if (!shape_ok) {
        if (ncands == 1) {
            fn_info_t *f = cands[0];
            int named_bad = 0;
            for (int i = 0; i < sh->nargs; i++)
                if (sh->args[i].name) {
                    bool found = false;
                    for (int q = 0; q < f->arity; q++)
                        if (f->param_names[q] == sh->args[i].name) found = true;
                    if (!found) {
                        diag_error(I->d, sh->args[i].span, "function '%s' has no parameter named '%s'", name,
                                   sh->args[i].name);
                        named_bad++;
                    }
                }
            if (!named_bad)
                diag_error(I->d, at, "Wrong number of arguments: '%s' expects %d argument%s, found %d", name,
                           f->arity, f->arity == 1 ? "" : "s", given);
        } else {
            diag_error(I->d, at, "Wrong number of arguments: no function '%s' takes %d argument%s", name, given,
                       given == 1 ? "" : "s");
        }
        return;
    }
    /*
     * Types. A receiver (or length's argument) that no candidate takes has
     * no such method; otherwise unify against the candidate whose first
     * parameter takes it, for the precise message.
     */
    int before = I->d->nerrors;
    ty_t *first = sh->recv ? sh->recv_ty : sh->nargs == 1 && name == I->s_length ? sh->arg_tys[0] : NULL;
    if (first) {
        fn_info_t *takes = receiver_candidate(I, cands, ncands, sh, first);
        if (!takes) {
            report_no_method(I, at, name, first);
            return;
        }
        shape_ok = takes;
    }
    commit_call(I, NULL, shape_ok, sh, NULL);
    if (I->d->nerrors == before)
        diag_error(I->d, at, "type mismatch: no overload of '%s' accepts these arguments", name);
}

/* Collects candidate functions from a group into a vector. */
typedef VEC(fn_info_t *) fnvec_t;

static void add_group(fnvec_t *v, fn_group_t *g) {
    if (!g) return;
    for (int i = 0; i < g->fns.len; i++) {
        bool dup = false;
        for (int k = 0; k < v->len; k++)
            if (v->items[k] == g->fns.items[i]) dup = true;
        if (!dup) vec_push(v, g->fns.items[i]);
    }
}

/*
 * x.m() where no m is in scope: a trait method is callable wherever a value
 * of an implementing type goes, so every impl's m (defined or defaulted) is
 * a candidate and the receiver's type picks.
 */
static item_t *add_trait_impl_fns(infer_t *I, fnvec_t *cands, sym_t name) {
    item_t *hidden = NULL;
    for (int i = 0; i < I->p->impls.len; i++) {
        item_t *it = I->p->impls.items[i];
        bool has = false;
        item_t *trait = NULL;
        for (int k = 0; k < it->nfns && !has; k++) has = it->fns[k]->name == name;
        for (int t = 0; t < I->p->traits.len; t++) {
            item_t *tr = I->p->traits.items[t];
            if (tr->name != it->trait_name) continue;
            trait = tr;
            for (int q = 0; q < tr->nmethods && !has; q++) has = tr->methods[q].name == name;
        }
        if (!has || !it->sema) continue;
        if (trait && !trait->pub && trait->sema && !((module_info_t *)trait->sema)->is_prelude) {
            /* A private trait's methods stay inside the module that declares the trait. */
            bool inside = false;
            for (module_info_t *m = I->mod; m && !inside; m = m->parent) inside = m == (module_info_t *)trait->sema;
            if (!inside) {
                hidden = trait;
                continue;
            }
        }
        binding_t *b = sema_lookup_in_module((module_info_t *)it->sema, name);
        if (b && b->kind == B_FNS) add_group(cands, b->fns);
    }
    return cands->len ? NULL : hidden;
}


/*
 * Resolves and types a call of one of `cands` with the given shape. Returns
 * the result type; records e->res (CR_FN now, or CR_PENDING).
 */
static ty_t *call_candidates_fb(infer_t *I, expr_t *e, sym_t name, fnvec_t *cands, fnvec_t *fallback, shape_t *sh,
                                ty_t *expected);

static ty_t *call_candidates(infer_t *I, expr_t *e, sym_t name, fnvec_t *cands, shape_t *sh, ty_t *expected) {
    return call_candidates_fb(I, e, name, cands, NULL, sh, expected);
}

/*
 * Like call_candidates; when no candidate of `cands` fits the arguments, the
 * functions of `fallback` (the same name in enclosing modules: a user's
 * show(self: Point) does not hide the prelude's show for an Int) are tried too.
 */
static ty_t *call_candidates_fb(infer_t *I, expr_t *e, sym_t name, fnvec_t *cands, fnvec_t *fallback, shape_t *sh,
                                ty_t *expected) {
    g_I = I;
    /* Infer non-lambda arguments. */
    for (int i = 0; i < sh->nargs; i++) {
        if (sh->arg_tys[i]) continue;
        if (!is_lambda_arg(sh->args[i].value)) sh->arg_tys[i] = infer_expr(I, sh->args[i].value, NULL);
    }
    fnvec_t viable = {0};
    for (int i = 0; i < cands->len; i++)
        if (candidate_fits(I, cands->items[i], sh)) vec_push(&viable, cands->items[i]);
    if (viable.len == 0 && fallback && fallback->len) {
        for (int i = 0; i < fallback->len; i++) {
            vec_push(cands, fallback->items[i]);
            if (candidate_fits(I, fallback->items[i], sh)) vec_push(&viable, fallback->items[i]);
        }
    }
    bool wait_recv = sh->trait && sh->recv_ty && ty_prune(sh->recv_ty)->kind == TY_VAR;
    fn_info_t *pick = wait_recv ? NULL : choose(I, viable.items, viable.len, sh, false);
    if (pick) {
        vec_free(&viable);
        return commit_call(I, e, pick, sh, expected);
    }
    if (viable.len == 0 && !wait_recv) {
        report_no_candidate(I, e->span, name, cands->items, cands->len, sh);
        vec_free(&viable);
        /* Lambdas still get inferred for their own errors. */
        for (int i = 0; i < sh->nargs; i++)
            if (!sh->arg_tys[i]) sh->arg_tys[i] = infer_expr(I, sh->args[i].value, NULL);
        return ty_var(I->tc);
    }
    /* Wait: infer lambdas without expectations, record a pending constraint. */
    for (int i = 0; i < sh->nargs; i++)
        if (!sh->arg_tys[i]) {
            /* If all viable candidates agree on the parameter's function shape, use it. */
            sh->arg_tys[i] = infer_expr(I, sh->args[i].value, NULL);
        }
    pending_t *pd = ARENA_NEW(I->a, pending_t);
    pd->kind = PEND_CALL;
    pd->span = e->span;
    pd->expr = e;
    pd->site = e;
    pd->name = name;
    pd->cand_list = ARENA_NEWN(I->a, fn_info_t *, viable.len);
    memcpy(pd->cand_list, viable.items, sizeof(fn_info_t *) * (size_t)viable.len);
    pd->ncands = viable.len;
    int n = sh->nargs + (sh->recv ? 1 : 0);
    pd->args = ARENA_NEWN(I->a, ty_t *, n ? n : 1);
    int k = 0;
    if (sh->recv) pd->args[k++] = sh->recv_ty;
    for (int i = 0; i < sh->nargs; i++) pd->args[k++] = sh->arg_tys[i];
    pd->nargs = n;
    pd->result = ty_var(I->tc);
    pd->owner = I->fn;
    pd->trait = wait_recv ? sh->trait : NULL;
    vec_push(&I->pending, pd);
    callres_t *r = new_res(I, e, CR_PENDING);
    r->pend = pd;
    vec_free(&viable);
    return pd->result;
}

/* Rebuilds a shape from a pending call's expression and current argument types. */
static void pending_shape(pending_t *pd, shape_t *sh) {
    expr_t *e = pd->site;
    memset(sh, 0, sizeof *sh);
    int k = 0;
    if (e && e->kind == E_METHOD && !(e->res && e->res->kind == CR_PENDING && e->res->sub == 1)) {
        sh->recv = e->lhs;
        sh->recv_ty = pd->args[k++];
    } else if (e && e->kind == E_METHOD) {
        /* Module-qualified call: no receiver. */
    }
    sh->args = e ? e->args : NULL;
    sh->nargs = e ? e->nargs : pd->nargs - k;
    sh->arg_tys = pd->args + k;
}

bool pending_try(infer_t *I, pending_t *pd, bool final) {
    if (pd->resolved) return false;
    if (pd->kind == PEND_FIELD || pd->kind == PEND_INDEX) {
        ty_t *rt = ty_prune(pd->args[0]);
        if (rt->kind == TY_VAR) {
            if (final && !pd->reported) {
                pd->reported = true;
                diag_error(I->d, pd->span, "cannot infer the type whose %s '%s' is used here; add a type annotation",
                           pd->kind == PEND_FIELD ? "field" : "index", pd->name ? pd->name : "");
            }
            return false;
        }
        pd->resolved = true;
        if (pd->kind == PEND_FIELD) {
            /* Tuple index or record field. */
            if (pd->name[0] >= '0' && pd->name[0] <= '9') {
                int idx = atoi(pd->name);
                if (rt->kind != TY_TUPLE || idx >= rt->nargs) {
                    diag_error(I->d, pd->span, "type %s has no field %s", ty_str(I->tc, rt), pd->name);
                    return true;
                }
                infer_unify(I, pd->span, pd->result, rt->args[idx]);
                return true;
            }
            if (rt->kind == TY_CON && rt->con->decl && rt->con->decl->nctors >= 1) {
                type_decl_t *td = rt->con->decl;
                for (int c = 0; c < td->nctors; c++) {
                    ctor_info_t *ci = &td->ctors[c];
                    for (int f = 0; f < ci->nfields; f++)
                        if (ci->field_names && ci->field_names[f] == pd->name) {
                            infer_unify(I, pd->span, pd->result, sema_ctor_field_type(I->p, td, c, f, rt->args));
                            return true;
                        }
                }
            }
            diag_error(I->d, pd->span, "type %s has no field %s", ty_str(I->tc, rt), pd->name);
            return true;
        }
        /* PEND_INDEX: xs[i] */
        ty_ctx_t *c = I->tc;
        ty_t *it = pd->args[1];
        if (ty_is_con(rt, c->tc_list)) {
            infer_unify(I, pd->span, c->t_int, it);
            infer_unify(I, pd->span, pd->result, rt->args[0]);
        } else if (ty_is_con(rt, c->tc_string)) {
            infer_unify(I, pd->span, c->t_int, it);
            infer_unify(I, pd->span, pd->result, c->t_string);
        } else if (ty_is_con(rt, c->tc_map)) {
            infer_unify(I, pd->span, rt->args[0], it);
            infer_unify(I, pd->span, pd->result, rt->args[1]);
        } else if (ty_is_con(rt, c->tc_set)) {
            infer_unify(I, pd->span, rt->args[0], it);
            infer_unify(I, pd->span, pd->result, c->t_bool);
        } else if (ty_is_con(rt, c->tc_arr_i64)) {
            infer_unify(I, pd->span, c->t_int, it);
            infer_unify(I, pd->span, pd->result, c->t_int);
        } else if (ty_is_con(rt, c->tc_arr_f64) || ty_is_con(rt, c->tc_arr_f32)) {
            infer_unify(I, pd->span, c->t_int, it);
            infer_unify(I, pd->span, pd->result, c->t_float);
        } else if (rt->kind == TY_TUPLE && pd->site && pd->site->rhs && pd->site->rhs->kind == E_INT) {
            int64_t idx = pd->site->rhs->ival;
            if (idx < 0 || idx >= rt->nargs) diag_error(I->d, pd->span, "tuple index %lld out of bounds", (long long)idx);
            else infer_unify(I, pd->span, pd->result, rt->args[idx]);
        } else {
            diag_error(I->d, pd->span, "cannot index a value of type %s: expected List, String, Tuple, or Array",
                       ty_str(I->tc, rt));
        }
        return true;
    }
    /* PEND_CALL */
    shape_t sh;
    pending_shape(pd, &sh);
    if (pd->trait && sh.recv_ty && ty_prune(sh.recv_ty)->kind == TY_VAR) {
        if (!final) return false;
        if (pd->ncands == 0) {
            pd->resolved = true;
            if (!pd->reported) {
                pd->reported = true;
                diag_error(I->d, pd->span, "cannot infer the type whose method '%s' (trait %s) is called here; add a type annotation",
                           pd->name, pd->trait);
            }
            return true;
        }
    }
    fnvec_t viable = {0};
    for (int i = 0; i < pd->ncands; i++)
        if (candidate_fits(I, pd->cand_list[i], &sh)) vec_push(&viable, pd->cand_list[i]);
    if (viable.len == 0) {
        pd->resolved = true;
        if (!pd->reported) {
            pd->reported = true;
            if (pd->trait && sh.recv_ty && !has_impl_method(I, pd->cand_list, pd->ncands, &sh))
                diag_error(I->d, pd->span, "type %s does not implement %s (its method '%s' is called here)",
                           ty_str(I->tc, sh.recv_ty), pd->trait, pd->name);
            else
                report_no_candidate(I, pd->span, pd->name, pd->cand_list, pd->ncands, &sh);
        }
        vec_free(&viable);
        return true;
    }
    fn_info_t *pick = choose(I, viable.items, viable.len, &sh, final);
    vec_free(&viable);
    if (!pick) return false;
    pd->resolved = true;
    /* Commit: unify with the pick's instantiated type. */
    expr_t *e = pd->expr;
    if (e) {
        ty_t *r = commit_call(I, e, pick, &sh, NULL);
        infer_unify(I, pd->span, pd->result, r);
    } else {
        ty_t *r = commit_call(I, NULL, pick, &sh, NULL);
        infer_unify(I, pd->span, pd->result, r);
    }
    return true;
}

/*
 * A value decoded at run time (a type variable bound `Any`, e.g. a database
 * row) used only through `.0`, `.1`, ...: a tuple as wide as the highest
 * index used, its elements decoded at run time too unless something fixes
 * them.
 */
static bool pending_tuple_default(infer_t *I, pending_t *pd) {
    if (pd->kind != PEND_FIELD || !pd->name || !(pd->name[0] >= '0' && pd->name[0] <= '9')) return false;
    ty_t *rt = ty_prune(pd->args[0]);
    if (rt->kind != TY_VAR || !(rt->traits & TR_ANYDEF)) return false;
    int width = 0;
    for (int i = 0; i < I->pending.len; i++) {
        pending_t *q = I->pending.items[i];
        if (q->resolved || q->kind != PEND_FIELD || !q->name || !(q->name[0] >= '0' && q->name[0] <= '9')) continue;
        if (ty_prune(q->args[0]) != rt) continue;
        int idx = atoi(q->name);
        if (idx + 1 > width) width = idx + 1;
    }
    if (width <= 0 || width > 64) return false;
    ty_t **es = ARENA_NEWN(I->a, ty_t *, width);
    for (int i = 0; i < width; i++) {
        es[i] = ty_var(I->tc);
        es[i]->traits = TR_ANYDEF;
    }
    return ty_unify(I->tc, rt, ty_tuple(I->tc, es, width), NULL);
}

/* Retries pending constraints until nothing moves. `final` applies defaults and reports. */
bool infer_solve_pending(infer_t *I, bool final) {
    bool any = false;
    for (int round = 0; round < 50; round++) {
        bool progress = false;
        for (int i = 0; i < I->pending.len; i++) {
            pending_t *pd = I->pending.items[i];
            if (pd->resolved) continue;
            /* Only constraints of functions no longer being inferred... all are fair game. */
            if (pending_try(I, pd, false)) progress = true;
        }
        if (!progress && final) {
            /* Default numeric variables to Int, then try once more with `final`. */
            for (int i = 0; i < I->pending.len; i++) {
                pending_t *pd = I->pending.items[i];
                if (pd->resolved) continue;
                for (int a = 0; a < pd->nargs; a++) {
                    ty_t *t = ty_prune(pd->args[a]);
                    if (t->kind == TY_VAR && (t->traits & TR_NUM)) {
                        ty_unify(I->tc, t, I->tc->t_int, NULL);
                        progress = true;
                    }
                }
                if (pending_tuple_default(I, pd)) progress = true;
            }
            if (!progress) {
                for (int i = 0; i < I->pending.len; i++) {
                    pending_t *pd = I->pending.items[i];
                    if (pd->resolved) continue;
                    if (pending_try(I, pd, true)) progress = true;
                }
            }
        }
        if (!progress) break;
        any = true;
    }
    /* Drop resolved ones. */
    int w = 0;
    for (int i = 0; i < I->pending.len; i++)
        if (!I->pending.items[i]->resolved) I->pending.items[w++] = I->pending.items[i];
    I->pending.len = w;
    if (final) {
        for (int i = 0; i < I->pending.len; i++) {
            pending_t *pd = I->pending.items[i];
            if (pd->reported || !pd->expr) continue;
            pd->reported = true;
            diag_error(I->d, pd->span, "Type annotation required: cannot decide which '%s' is meant here",
                       pd->name ? pd->name : "function");
        }
    }
    return any;
}

/* ---- builtins ---------------------------------------------------------------------------------------- */

typedef struct builtin_name {
    const char *name;
    builtin_t bi;
    int sub;
} builtin_name_t;

static const builtin_name_t builtin_names[] = {
    {"show", BI_SHOW, 0},       {"print", BI_PRINT, 0},     {"println", BI_PRINT, 1},
    {"eprint", BI_PRINT, 2},    {"eprintln", BI_PRINT, 3},  {"assert", BI_ASSERT, 0},
    {"assert_eq", BI_ASSERT_EQ, 0}, {"panic", BI_PANIC, 0}, {"throw", BI_THROW, 0},
    {"hash", BI_HASH, 0},       {"copy", BI_COPY, 0},       {"compare", BI_COMPARE, 0},
    {"eq", BI_EQ, 0},           {"self", BI_SELF, 0},       {"send", BI_SEND, 0},
    {"sleep", BI_SLEEP, 0},     {"typeOf", BI_TYPEOF, 0},   {"convert", BI_CONVERT, 0},
};

static ty_t *infer_builtin_call(infer_t *I, expr_t *e) {
    /* __builtin__("name", args...): types come from the enclosing prelude function's annotations. */
    if (e->nargs < 1 || e->args[0].value->kind != E_STRING) {
        diag_error(I->d, e->span, "__builtin__ needs a name");
        return ty_var(I->tc);
    }
    const char *n = e->args[0].value->str;
    callres_t *r = new_res(I, e, CR_BUILTIN);
    r->builtin = BI_NONE;
    for (size_t i = 0; i < sizeof builtin_names / sizeof builtin_names[0]; i++)
        if (strcmp(builtin_names[i].name, n) == 0) {
            r->builtin = builtin_names[i].bi;
            r->sub = builtin_names[i].sub;
        }
    r->native = n; /* codegen also handles builtins by name */
    for (int i = 1; i < e->nargs; i++) infer_expr(I, e->args[i].value, NULL);
    return ty_var(I->tc);
}

static ty_t *infer_native_call(infer_t *I, expr_t *e) {
    if (e->nargs < 1 || e->args[0].value->kind != E_STRING) {
        diag_error(I->d, e->span, "__native__ needs a C symbol name");
        return ty_var(I->tc);
    }
    callres_t *r = new_res(I, e, CR_NATIVE);
    r->native = e->args[0].value->str;
    for (int i = 1; i < e->nargs; i++) infer_expr(I, e->args[i].value, NULL);
    return ty_var(I->tc);
}

/* ---- expressions ---------------------------------------------------------------------------------------- */

static ty_t *call_value(infer_t *I, expr_t *e, ty_t *ft, arg_t *args, int nargs) {
    ty_t **as = ARENA_NEWN(I->a, ty_t *, nargs ? nargs : 1);
    ty_t *f = ty_prune(ft);
    for (int i = 0; i < nargs; i++) {
        if (args[i].name) diag_error(I->d, args[i].span, "named arguments need a known function");
        ty_t *exp = f->kind == TY_FUN && i < f->nargs ? f->args[i] : NULL;
        as[i] = infer_expr(I, args[i].value, exp);
    }
    callres_t *r = new_res(I, e, CR_VALUE);
    (void)r;
    /* A function of several parameters called with one tuple. */
    if (f->kind == TY_FUN && f->nargs > 1 && nargs == 1) {
        ty_t *tup = ty_tuple(I->tc, f->args, f->nargs);
        if (ty_unifiable(I->tc, tup, as[0])) {
            r->untuple = true;
            infer_unify(I, args[0].value->span, tup, as[0]);
            return f->ret;
        }
    }
    ty_t *ret = ty_var(I->tc);
    ty_t *want = ty_fun(I->tc, as, nargs, ret);
    if (f->kind == TY_FUN && f->nargs != nargs) {
        diag_error(I->d, e->span, "Wrong number of arguments: function expects %d argument%s, found %d", f->nargs,
                   f->nargs == 1 ? "" : "s", nargs);
        return f->ret;
    }
    if (f->kind != TY_FUN && f->kind != TY_VAR) {
        diag_error(I->d, e->span, "expected function, found %s", ty_str(I->tc, f));
        return ret;
    }
    infer_unify(I, e->span, f, want);
    return ret;
}

static ty_t *ctor_fn_type(infer_t *I, type_decl_t *td, int k, ty_t **targs) {
    ctor_info_t *ci = &td->ctors[k];
    ty_t **ps = ARENA_NEWN(I->a, ty_t *, ci->nfields ? ci->nfields : 1);
    for (int i = 0; i < ci->nfields; i++) ps[i] = sema_ctor_field_type(I->p, td, k, i, targs);
    return ty_fun(I->tc, ps, ci->nfields, ty_con(I->tc, td->con, targs, td->nparams));
}

static prim_t conversion_target(sym_t n) {
    static const struct { const char *name; prim_t p; } tab[] = {
        {"Int", PRIM_INT}, {"Float", PRIM_FLOAT}, {"Int8", PRIM_I8}, {"Int16", PRIM_I16}, {"Int32", PRIM_I32},
        {"Int64", PRIM_INT}, {"UInt8", PRIM_U8}, {"UInt16", PRIM_U16}, {"UInt32", PRIM_U32}, {"UInt64", PRIM_U64},
        {"Float32", PRIM_F32}, {"Float64", PRIM_FLOAT}, {"BigInt", PRIM_BIGINT}, {"Decimal", PRIM_DECIMAL},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(n, tab[i].name) == 0) return tab[i].p;
    return PRIM_NONE;
}

static ty_t *prim_type(infer_t *I, prim_t p) {
    ty_ctx_t *c = I->tc;
    tycon_t *tcs[] = {NULL, c->tc_unit, c->tc_bool, c->tc_char, c->tc_int, c->tc_i8, c->tc_i16, c->tc_i32,
                      c->tc_u8, c->tc_u16, c->tc_u32, c->tc_u64, c->tc_float, c->tc_f32, c->tc_bigint,
                      c->tc_decimal, c->tc_string, c->tc_pid};
    return ty_con0(c, tcs[p]);
}

/* All constructors named `name` (a short name may belong to several types). */
static int find_ctors(infer_t *I, sym_t name, type_decl_t **tds, int *ks, int max) {
    int n = 0;
    type_decl_t *td;
    int k;
    if (strchr(name, '.')) {
        if (sema_find_ctor(I, name, &td, &k)) {
            tds[0] = td;
            ks[0] = k;
            return 1;
        }
        return 0;
    }
    bool in_prelude = I->mod && I->mod->is_prelude;
    for (int i = 0; i < I->p->types.len && n < max; i++) {
        type_decl_t *t = I->p->types.items[i];
        if (t->alias || (in_prelude && !(t->mod && t->mod->is_prelude))) continue;
        for (int c = 0; c < t->nctors; c++)
            if (t->ctors[c].name == name) {
                tds[n] = t;
                ks[n] = c;
                n++;
            }
    }
    return n;
}

/*
 * The constructor a name means here: the only one, or the one of the type
 * the context expects, or the one whose field types fit the arguments.
 */
/*
 * A type declared without `pub` is private to its module: its constructors
 * can be used there and in the modules nested in it, not elsewhere.
 */
static void check_type_visible(infer_t *I, span_t at, type_decl_t *td) {
    if (td->pub || !td->mod || td->mod->is_prelude) return;
    for (module_info_t *m = I->mod; m; m = m->parent)
        if (m == td->mod) return;
    diag_error(I->d, at, "type '%s' is private in module '%s'", td->name, td->mod->name);
    diag_note(I->d, td->span, "declared here without `pub`");
}

static bool pick_ctor(infer_t *I, sym_t name, ty_t *hint, expr_t *e, type_decl_t **td, int *k) {
    type_decl_t *tds[16];
    int ks[16];
    int n = find_ctors(I, name, tds, ks, 16);
    if (n <= 1) {
        if (n == 1) {
            *td = tds[0];
            *k = ks[0];
            return true;
        }
        return sema_find_ctor(I, name, td, k);
    }
    ty_t *h = hint ? ty_prune(hint) : NULL;
    if (h && h->kind == TY_CON && h->con->decl)
        for (int i = 0; i < n; i++)
            if (tds[i] == h->con->decl) {
                *td = tds[i];
                *k = ks[i];
                return true;
            }
    if (e) {
        for (int a = 0; a < e->nargs; a++)
            if (!e->args[a].name && !e->args[a].value->ty && e->args[a].value->kind != E_LAMBDA)
                infer_expr(I, e->args[a].value, NULL);
        /* The program's own constructors before the prelude's. */
        for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n; i++) {
            bool prelude = tds[i]->mod && tds[i]->mod->is_prelude;
            if (prelude != (pass == 1)) continue;
            ctor_info_t *ci = &tds[i]->ctors[ks[i]];
            if (ci->nfields != e->nargs) continue;
            bool ok = true;
            ty_t **targs;
            decl_type(I, tds[i], &targs);
            for (int a = 0; a < e->nargs && ok; a++) {
                if (e->args[a].name || !e->args[a].value->ty) continue;
                ok = ty_unifiable(I->tc, sema_ctor_field_type(I->p, tds[i], ks[i], a, targs), e->args[a].value->ty);
            }
            if (ok) {
                *td = tds[i];
                *k = ks[i];
                return true;
            }
        }
    }
    /* The innermost declaration wins. */
    return sema_find_ctor(I, name, td, k);
}

static ty_t *infer_ctor(infer_t *I, expr_t *e, ty_t *expected) {
    (void)expected;
    /* Constructor-style casts: Float(x), Int(x). */
    prim_t conv = conversion_target(e->name);
    if (conv != PRIM_NONE && e->nargs == 1) {
        ty_t *a = infer_expr(I, e->args[0].value, NULL);
        require(I, e->args[0].value->span, a, TR_NUM);
        callres_t *r = new_res(I, e, CR_BUILTIN);
        r->builtin = BI_CONVERT;
        r->sub = conv;
        return prim_type(I, conv);
    }
    type_decl_t *td;
    int k;
    if (!pick_ctor(I, e->name, expected, e, &td, &k)) {
        /* Maybe a module or type used as a value. */
        diag_error(I->d, e->span, "unknown constructor '%s'", e->name);
        for (int i = 0; i < e->nargs; i++) infer_expr(I, e->args[i].value, NULL);
        return ty_var(I->tc);
    }
    check_type_visible(I, e->span, td);
    ctor_info_t *ci = &td->ctors[k];
    ty_t **targs;
    ty_t *rt = decl_type(I, td, &targs);
    /* A constructor with fields used without arguments is a function value. */
    if (e->nargs == 0 && ci->nfields > 0 && !e->has_parens) {
        callres_t *r = new_res(I, e, CR_CTOR);
        r->tdecl = td;
        r->ctor = k;
        r->tinst = targs;
        r->sub = 1; /* as a function value */
        return ctor_fn_type(I, td, k, targs);
    }
    int npos = 0, nnamed = 0;
    for (int i = 0; i < e->nargs; i++) {
        if (e->args[i].name) nnamed++;
        else npos++;
    }
    /* Record update: Point(p, x: 10). */
    if (td->is_record && npos == 1 && nnamed >= 1 && e->args[0].name == NULL && ci->nfields > 1) {
        ty_t *bt = infer_expr(I, e->args[0].value, rt);
        ty_t *bp = ty_prune(bt);
        bool is_update = (bp->kind == TY_CON && bp->con == td->con) ||
                         (bp->kind == TY_VAR && !ty_unifiable(I->tc, bt, sema_ctor_field_type(I->p, td, k, 0, targs)));
        if (!is_update && bp->kind == TY_VAR) is_update = true;
        if (is_update) {
            infer_unify(I, e->args[0].value->span, rt, bt);
            callres_t *r = new_res(I, e, CR_UPDATE);
            r->tdecl = td;
            r->ctor = k;
            r->tinst = targs;
            for (int i = 1; i < e->nargs; i++) {
                int f = -1;
                for (int q = 0; q < ci->nfields; q++)
                    if (ci->field_names[q] == e->args[i].name) f = q;
                if (f < 0) {
                    diag_error(I->d, e->args[i].span, "%s has no field %s", td->name, e->args[i].name);
                    infer_expr(I, e->args[i].value, NULL);
                    continue;
                }
                ty_t *ft = sema_ctor_field_type(I->p, td, k, f, targs);
                ty_t *at = infer_expr(I, e->args[i].value, ft);
                infer_unify(I, e->args[i].value->span, ft, at);
            }
            return rt;
        }
        /* Not an update after all: fall through as construction (arg 0 already inferred). */
    }
    callres_t *r = new_res(I, e, td->is_record && k == 0 && td->nctors == 1 ? CR_RECORD : CR_CTOR);
    r->tdecl = td;
    r->ctor = k;
    r->tinst = targs;
    r->npargs = ci->nfields;
    r->pargs = ARENA_NEWN(I->a, expr_t *, ci->nfields ? ci->nfields : 1);
    int p = 0;
    for (int i = 0; i < e->nargs; i++) {
        int f;
        if (e->args[i].name) {
            f = -1;
            for (int q = 0; q < ci->nfields; q++)
                if (ci->field_names && ci->field_names[q] == e->args[i].name) f = q;
            if (f < 0) {
                diag_error(I->d, e->args[i].span, "%s has no field %s", ci->name, e->args[i].name);
                infer_expr(I, e->args[i].value, NULL);
                continue;
            }
        } else {
            f = p++;
        }
        if (f >= ci->nfields) {
            /* A single tuple argument to a multi-field constructor is spread. */
            diag_error(I->d, e->args[i].span, "Wrong number of arguments: %s takes %d argument%s, found %d", ci->name, ci->nfields,
                       ci->nfields == 1 ? "" : "s", e->nargs);
            infer_expr(I, e->args[i].value, NULL);
            continue;
        }
        if (r->pargs[f]) diag_error(I->d, e->args[i].span, "field %s given twice", ci->field_names ? ci->field_names[f] : "");
        r->pargs[f] = e->args[i].value;
        ty_t *ft = sema_ctor_field_type(I->p, td, k, f, targs);
        ty_t *at = e->args[i].value->ty ? e->args[i].value->ty : infer_expr(I, e->args[i].value, ft);
        infer_unify(I, e->args[i].value->span, ft, at);
    }
    for (int f = 0; f < ci->nfields; f++)
        if (!r->pargs[f]) {
            if (ci->field_names)
                diag_error(I->d, e->span, "missing field %s in %s", ci->field_names[f], ci->name);
            else
                diag_error(I->d, e->span, "Wrong number of arguments: %s takes %d argument%s, found %d", ci->name, ci->nfields,
                           ci->nfields == 1 ? "" : "s", npos);
            break;
        }
    return rt;
}

/* The receiver names a module (String.length, Mod.f, Outer.Inner.f) rather than a value? */
static module_info_t *receiver_module(infer_t *I, expr_t *recv) {
    if (recv->kind == E_VAR || (recv->kind == E_CTOR && recv->nargs == 0 && !recv->has_parens)) {
        binding_t *b = sema_lookup(I, recv->name);
        if (b && b->kind != B_MODULE && b->kind != B_FNS) return NULL;
        if (!is_upper(recv->name) && !(b && b->kind == B_MODULE)) {
            /* lower-case module names come from files (use a.b) */
            if (!b) return sema_find_module(I, recv->name);
            return NULL;
        }
        return sema_find_module(I, recv->name);
    }
    if (recv->kind == E_FIELD) {
        module_info_t *m = receiver_module(I, recv->lhs);
        if (!m) return NULL;
        sym_t full = sym_cstr(I->p->syms, arena_sprintf(I->a, "%s.%s", m->name, recv->name));
        module_info_t *saved = I->mod;
        I->mod = I->p->root;
        module_info_t *r = sema_find_module(I, full);
        I->mod = saved;
        return r;
    }
    return NULL;
}

/* All prelude type-module functions of a name (for methods on receivers of unknown type). */
static void add_all_type_module_fns(infer_t *I, fnvec_t *v, sym_t name) {
    module_info_t *pre = I->p->prelude;
    for (int i = 0; i < pre->children.len; i++) {
        binding_t *b = sema_lookup_in_module(pre->children.items[i], name);
        if (b && b->kind == B_FNS) add_group(v, b->fns);
    }
}

/*
 * M.f(...) from outside module M (or a module nested in it) needs a pub f. A group of
 * several arities or clauses is reachable if any of them is pub.
 */
static void check_private_call(infer_t *I, expr_t *e, module_info_t *m, fn_group_t *g) {
    module_info_t *home = NULL;
    if (m->is_prelude) return;
    for (int i = 0; i < g->fns.len; i++) {
        if (g->fns.items[i]->pub || !g->fns.items[i]->mod || g->fns.items[i]->mod->is_prelude) return;
        home = g->fns.items[i]->mod;
    }
    for (module_info_t *c = I->mod; c; c = c->parent)
        if (c == home) return;
    if (home)
        diag_error(I->d, e->name_span.end ? e->name_span : e->span,
                   "cannot access private function `%s` from outside module `%s` (declare it `pub %s`)",
                   e->name, home->name, e->name);
}

static ty_t *method_call(infer_t *I, expr_t *e, ty_t *expected) {
    expr_t *recv = e->lhs;
    /* Module-qualified call. */
    module_info_t *m = receiver_module(I, recv);
    if (m) {
        binding_t *b = sema_lookup_in_module(m, e->name);
        shape_t sh = {0};
        sh.args = e->args;
        sh.nargs = e->nargs;
        sh.arg_tys = ARENA_NEWN(I->a, ty_t *, e->nargs ? e->nargs : 1);
        if (!b || b->kind != B_FNS) {
            if (b && (b->kind == B_GLOBAL || b->kind == B_MVAR)) {
                ty_t *gt = sema_global_type(I, b->global);
                return call_value(I, e, gt, e->args, e->nargs);
            }
            diag_error(I->d, e->name_span.end ? e->name_span : e->span, "unknown function %s.%s", m->name, e->name);
            for (int i = 0; i < e->nargs; i++) infer_expr(I, e->args[i].value, NULL);
            return ty_var(I->tc);
        }
        check_private_call(I, e, m, b->fns);
        fnvec_t cands = {0};
        add_group(&cands, b->fns);
        ty_t *r = call_candidates(I, e, e->name, &cands, &sh, expected);
        if (e->res && e->res->kind == CR_PENDING) e->res->sub = 1; /* no receiver */
        vec_free(&cands);
        return r;
    }
    /* mvar.update(f) */
    if (e->name == I->s_update && recv->kind == E_VAR) {
        binding_t *b = sema_lookup(I, recv->name);
        if (b && b->kind == B_MVAR && e->nargs == 1) {
            ty_t *mt = sema_global_type(I, b->global);
            recv->bind = b;
            recv->ty = mt;
            ty_t *ft = ty_fun(I->tc, &mt, 1, mt);
            ty_t *at = infer_expr(I, e->args[0].value, ft);
            infer_unify(I, e->args[0].value->span, ft, at);
            callres_t *r = new_res(I, e, CR_BUILTIN);
            r->builtin = BI_MVAR_UPDATE;
            return mt;
        }
    }
    ty_t *rt = infer_expr(I, recv, NULL);
    ty_t *rp = ty_prune(rt);
    if (rp->kind == TY_TUPLE && e->name == I->s_length && e->nargs == 0) return tuple_length(I, e, recv, rt);
    /* A function-valued record field: cb.action(5). */
    if (rp->kind == TY_CON && rp->con->decl && rp->con->decl->nctors == 1) {
        type_decl_t *td = rp->con->decl;
        ctor_info_t *ci = &td->ctors[0];
        for (int f = 0; f < ci->nfields; f++) {
            if (!ci->field_names || ci->field_names[f] != e->name) continue;
            ty_t *ft = sema_ctor_field_type(I->p, td, 0, f, rp->args);
            if (ty_prune(ft)->kind != TY_FUN) break;
            ty_t *res = call_value(I, e, ft, e->args, e->nargs);
            e->res->kind = CR_FIELD_CALL;
            e->res->field = f;
            e->res->tdecl = td;
            return res;
        }
    }
    fnvec_t cands = {0};
    module_info_t *tm = sema_type_module(I, rt);
    if (tm) {
        binding_t *b = sema_lookup_in_module(tm, e->name);
        if (b && b->kind == B_FNS) add_group(&cands, b->fns);
    } else if (rp->kind == TY_VAR) {
        add_all_type_module_fns(I, &cands, e->name);
    }
    /* User module of the receiver's type (methods defined next to the type). */
    if (rp->kind == TY_CON && rp->con->decl && rp->con->decl->mod) {
        binding_t *b = sema_lookup_in_module(rp->con->decl->mod, e->name);
        if (b && b->kind == B_FNS) add_group(&cands, b->fns);
    }
    binding_t *gb = sema_lookup(I, e->name);
    if (gb && (gb->kind == B_LOCAL || gb->kind == B_VAR) && ty_prune(gb->ty)->kind != TY_FUN) {
        /* A local value of that name does not hide the functions: xs.take(n) with a
         * parameter named take. */
        for (module_info_t *mm = I->mod; mm; mm = mm->parent) {
            binding_t *ob = sema_lookup_in_module(mm, e->name);
            if (ob && ob->kind == B_FNS) add_group(&cands, ob->fns);
        }
    }
    if (gb && (gb->kind == B_FNS || gb->kind == B_LOCALFN)) {
        note_use(I, gb);
        add_group(&cands, gb->fns);
        /* Functions of this name in enclosing modules are candidates too: the receiver's type picks. */
        for (module_info_t *mm = I->mod; mm; mm = mm->parent) {
            binding_t *ob = sema_lookup_in_module(mm, e->name);
            if (ob && ob->kind == B_FNS && ob != gb) add_group(&cands, ob->fns);
        }
    } else if (gb && (gb->kind == B_LOCAL || gb->kind == B_VAR) &&
               (ty_prune(gb->ty)->kind == TY_FUN || (ty_prune(gb->ty)->kind == TY_VAR && !cands.len))) {
        /* x.f(a) where f is a local closure: f(x, a). */
        ty_t *ft = gb->scheme ? ty_instantiate(I->tc, gb->scheme, NULL) : gb->ty;
        note_use(I, gb);
        if (!cands.len) {
            arg_t *all = ARENA_NEWN(I->a, arg_t, e->nargs + 1);
            all[0].value = recv;
            all[0].span = recv->span;
            for (int i = 0; i < e->nargs; i++) all[i + 1] = e->args[i];
            e->args = all;
            e->nargs++;
            expr_t *fv = ARENA_NEW(I->a, expr_t);
            fv->kind = E_VAR;
            fv->name = e->name;
            fv->span = e->name_span.end ? e->name_span : e->span;
            fv->bind = gb;
            fv->ty = ft;
            vec_push(&gb->uses, fv);
            e->lhs = fv;
            recv->ty = NULL; /* re-inferred below as an argument */
            e->kind = E_CALL;
            ty_t *res = call_value(I, e, ft, e->args, e->nargs);
            return res;
        }
    }
    if (cands.len == 0 && rp->kind == TY_VAR) {
        /* r.f(x) on a receiver not known yet: if exactly one record type has a function
         * field f, that is the receiver's type. */
        type_decl_t *only = NULL;
        int count = 0, fidx = -1;
        for (int i = 0; i < I->p->types.len; i++) {
            type_decl_t *td = I->p->types.items[i];
            if (td->nctors != 1 || !td->ctors[0].field_names) continue;
            for (int f = 0; f < td->ctors[0].nfields; f++)
                if (td->ctors[0].field_names[f] == e->name && ty_prune(td->ctors[0].fields[f])->kind == TY_FUN) {
                    only = td;
                    fidx = f;
                    count++;
                }
        }
        if (count == 1) {
            ty_t **targs;
            ty_t *dt = decl_type(I, only, &targs);
            infer_unify(I, recv->span, dt, rt);
            ty_t *ft = sema_ctor_field_type(I->p, only, 0, fidx, targs);
            ty_t *res = call_value(I, e, ft, e->args, e->nargs);
            e->res->kind = CR_FIELD_CALL;
            e->res->field = fidx;
            e->res->tdecl = only;
            vec_free(&cands);
            return res;
        }
    }
    item_t *private_trait = cands.len == 0 ? add_trait_impl_fns(I, &cands, e->name) : NULL;
    bool trait_wait = rp->kind == TY_VAR && !private_trait && trait_of_method(I, e->name);
    if (cands.len == 0 && !trait_wait) {
        if (private_trait)
            diag_error(I->d, e->name_span.end ? e->name_span : e->span,
                       "type %s has no method `%s`: trait %s, which has it, is private in module '%s'", ty_str(I->tc, rt),
                       e->name, private_trait->name, ((module_info_t *)private_trait->sema)->name);
        else if (rp->kind == TY_VAR)
            diag_error(I->d, e->name_span.end ? e->name_span : e->span, "unknown function '%s'", e->name);
        else
            report_no_method(I, e->name_span.end ? e->name_span : e->span, e->name, rt);
        for (int i = 0; i < e->nargs; i++) infer_expr(I, e->args[i].value, NULL);
        return ty_var(I->tc);
    }
    shape_t sh = {0};
    sh.recv = recv;
    sh.recv_ty = rt;
    sh.args = e->args;
    sh.nargs = e->nargs;
    sh.arg_tys = ARENA_NEWN(I->a, ty_t *, e->nargs ? e->nargs : 1);
    if (rp->kind == TY_VAR) sh.trait = trait_of_method(I, e->name);
    ty_t *r = call_candidates(I, e, e->name, &cands, &sh, expected);
    vec_free(&cands);
    return r;
}

/* length(t) / t.length() on a tuple: its number of elements (no function type can say "any tuple"). */
static ty_t *tuple_length(infer_t *I, expr_t *e, expr_t *arg, ty_t *at) {
    ty_t *t = ty_prune(at);
    callres_t *r = new_res(I, e, CR_BUILTIN);
    r->builtin = BI_NONE;
    r->native = "tuple_length";
    r->sub = t->nargs;
    r->pargs = ARENA_NEWN(I->a, expr_t *, 1);
    r->pargs[0] = arg;
    r->npargs = 1;
    return I->tc->t_int;
}

/* A type written in a string, "Wrapper[Int]" or "List[(Int, String)]", as a type expression. */
static texpr_t *texpr_of_string(infer_t *I, const char **sp, span_t at, int depth) {
    const char *s = *sp;
    while (*s == ' ') s++;
    texpr_t *te = ARENA_NEW(I->a, texpr_t);
    te->span = at;
    if (depth > 64) return NULL;
    if (*s == '(') {
        s++;
        texpr_t *items[32];
        int n = 0;
        while (*s == ' ') s++;
        while (*s && *s != ')') {
            *sp = s;
            texpr_t *x = texpr_of_string(I, sp, at, depth + 1);
            if (!x || n == 32) return NULL;
            items[n++] = x;
            s = *sp;
            while (*s == ' ') s++;
            if (*s == ',') s++;
            else if (*s != ')') return NULL;
        }
        if (*s != ')') return NULL;
        s++;
        te->kind = n ? TE_TUPLE : TE_UNIT;
        te->nargs = n;
        te->args = ARENA_NEWN(I->a, texpr_t *, n ? n : 1);
        memcpy(te->args, items, sizeof(texpr_t *) * (size_t)n);
        *sp = s;
        return te;
    }
    const char *b = s;
    while (isalnum((unsigned char)*s) || *s == '_' || *s == '.') s++;
    if (s == b) return NULL;
    te->kind = TE_NAME;
    te->name = sym_intern(I->p->syms, b, (size_t)(s - b));
    while (*s == ' ') s++;
    if (*s == '[') {
        s++;
        texpr_t *items[32];
        int n = 0;
        while (*s && *s != ']') {
            *sp = s;
            texpr_t *x = texpr_of_string(I, sp, at, depth + 1);
            if (!x || n == 32) return NULL;
            items[n++] = x;
            s = *sp;
            while (*s == ' ') s++;
            if (*s == ',') s++;
            else if (*s != ']') return NULL;
        }
        if (*s != ']' || !n) return NULL;
        s++;
        te->kind = TE_GENERIC;
        te->nargs = n;
        te->args = ARENA_NEWN(I->a, texpr_t *, n);
        memcpy(te->args, items, sizeof(texpr_t *) * (size_t)n);
    }
    *sp = s;
    return te;
}

/*
 * fromJsonValue("Person", j) and jsonToTypeByName("Person", j): the type is
 * named by a string literal, so the call is jsonToType[Person](j). A type
 * named at run time has no static type to give the result; it is an error.
 */
static bool rewrite_typename_call(infer_t *I, expr_t *e, int at, const char *target) {
    expr_t *a0 = e->args[at].value;
    if (a0->kind != E_STRING) {
        diag_error(I->d, a0->span, "the type name given to %s must be a string literal", e->lhs->name);
        diag_note(I->d, a0->span, "write jsonToType[T](json) to name the type directly");
        return false;
    }
    const char *s = a0->str;
    texpr_t *te = texpr_of_string(I, &s, a0->span, 0);
    while (te && *s == ' ') s++;
    if (!te || *s) {
        diag_error(I->d, a0->span, "'%s' is not a type", a0->str);
        return false;
    }
    e->lhs->name = sym_cstr(I->p->syms, target);
    e->targs = ARENA_NEWN(I->a, texpr_t *, 1);
    e->targs[0] = te;
    e->ntargs = 1;
    /* Drop the name argument. */
    arg_t *na = ARENA_NEWN(I->a, arg_t, e->nargs);
    int k = 0;
    for (int i = 0; i < e->nargs; i++)
        if (i != at) na[k++] = e->args[i];
    e->args = na;
    e->nargs = k;
    return true;
}

static ty_t *infer_call(infer_t *I, expr_t *e, ty_t *expected) {
    expr_t *callee = e->lhs;
    bool is_var = callee->kind == E_VAR && callee->name;
    bool json_by_name = is_var && (strcmp(callee->name, "fromJsonValue") == 0 || strcmp(callee->name, "jsonToTypeByName") == 0);
    bool req_by_name = is_var && strcmp(callee->name, "requestToType") == 0;
    if ((json_by_name || req_by_name) && e->nargs == 2 && !e->ntargs && (json_by_name ? !sema_lookup(I, callee->name) : req_by_name)) {
        if (!rewrite_typename_call(I, e, json_by_name ? 0 : 1, json_by_name ? "jsonToType" : "requestToType")) {
            for (int i = 0; i < e->nargs; i++) infer_expr(I, e->args[i].value, NULL);
            return ty_var(I->tc);
        }
    }
    if (callee->kind == E_VAR && strcmp(callee->name, "assertType") == 0 && e->ntargs == 1 && e->nargs == 1) {
        /* assertType[T](e): a compile-time check that e has type T; the value is e. */
        ty_t *want = sema_texpr(I, e->targs[0], NULL, NULL, 0, false);
        ty_t *got = infer_expr(I, e->args[0].value, want);
        infer_unify(I, e->args[0].value->span, want, got);
        e->desugared = e->args[0].value;
        return got;
    }
    if (callee->kind == E_VAR && callee->name == I->s_length && e->nargs == 1 && !e->args[0].name &&
        e->args[0].value->kind == E_TUPLE) {
        ty_t *at = infer_expr(I, e->args[0].value, NULL);
        return tuple_length(I, e, e->args[0].value, at);
    }
    if (callee->kind == E_VAR) {
        if (callee->name == I->s_native) return infer_native_call(I, e);
        if (callee->name == I->s_builtin) return infer_builtin_call(I, e);
        binding_t *b = sema_lookup(I, callee->name);
        if (!b) {
            type_decl_t *td;
            int k;
            if (is_upper(callee->name) && sema_find_ctor(I, callee->name, &td, &k)) {
                /* Parsed as a call: treat as constructor application. */
                e->kind = E_CTOR;
                e->name = callee->name;
                e->has_parens = true;
                return infer_ctor(I, e, expected);
            }
            diag_error(I->d, callee->span, "unknown function '%s'", callee->name);
            diag_note(I->d, callee->span, "unknown variable '%s': no function or value of this name is in scope",
                      callee->name);
            for (int i = 0; i < e->nargs; i++) infer_expr(I, e->args[i].value, NULL);
            return ty_var(I->tc);
        }
        callee->bind = b;
        if (b->kind == B_FNS || b->kind == B_LOCALFN) {
            note_use(I, b);
            fnvec_t cands = {0}, outer = {0};
            add_group(&cands, b->fns);
            /* The same name in enclosing modules (the prelude) is tried when nothing here fits. */
            if (b->kind == B_FNS) {
                for (module_info_t *m = I->mod; m; m = m->parent) {
                    binding_t *ob = sema_lookup_in_module(m, callee->name);
                    if (ob && ob->kind == B_FNS && ob != b) add_group(&outer, ob->fns);
                }
                for (module_info_t *m = I->p->prelude; m; m = NULL) {
                    binding_t *ob = sema_lookup_in_module(m, callee->name);
                    if (ob && ob->kind == B_FNS && ob != b) add_group(&outer, ob->fns);
                }
            }
            shape_t sh = {0};
            sh.args = e->args;
            sh.nargs = e->nargs;
            sh.arg_tys = ARENA_NEWN(I->a, ty_t *, e->nargs ? e->nargs : 1);
            ty_t *r = call_candidates_fb(I, e, callee->name, &cands, &outer, &sh, expected);
            vec_free(&cands);
            vec_free(&outer);
            return r;
        }
        if (b->kind == B_MODULE) {
            diag_error(I->d, callee->span, "'%s' is a module, not a function", callee->name);
            return ty_var(I->tc);
        }
    }
    ty_t *ft = infer_expr(I, callee, NULL);
    return call_value(I, e, ft, e->args, e->nargs);
}

/*
 * Eta-expansion: a lambda `($0, ..., $n-1) => name($0, ..., $n-1)` standing for
 * the named function `e` (used for `f = g` let-polymorphism and for passing an
 * n-ary function where one tuple argument comes).
 */
static expr_t *eta_expand(infer_t *I, expr_t *e, int arity) {
    fn_decl_t *d = ARENA_NEW(I->a, fn_decl_t);
    d->span = e->span;
    d->is_lambda = true;
    d->nclauses = 1;
    d->clauses = ARENA_NEW(I->a, clause_t);
    clause_t *cl = &d->clauses[0];
    cl->span = e->span;
    cl->nparams = arity;
    cl->params = ARENA_NEWN(I->a, param_t, arity ? arity : 1);
    expr_t *call = ARENA_NEW(I->a, expr_t);
    call->kind = E_CALL;
    call->span = e->span;
    expr_t *callee = ARENA_NEW(I->a, expr_t);
    *callee = *e;
    callee->desugared = NULL;
    callee->ty = NULL;
    callee->res = NULL;
    callee->bind = NULL;
    call->lhs = callee;
    call->nargs = arity;
    call->args = ARENA_NEWN(I->a, arg_t, arity ? arity : 1);
    for (int i = 0; i < arity; i++) {
        sym_t nm = sym_cstr(I->p->syms, arena_sprintf(I->a, "$eta%d", i));
        pat_t *pv = ARENA_NEW(I->a, pat_t);
        pv->kind = P_VAR;
        pv->name = nm;
        pv->span = e->span;
        cl->params[i].pat = pv;
        cl->params[i].span = e->span;
        expr_t *av = ARENA_NEW(I->a, expr_t);
        av->kind = E_VAR;
        av->name = nm;
        av->span = e->span;
        call->args[i].value = av;
        call->args[i].span = e->span;
    }
    cl->body = call;
    expr_t *lam = ARENA_NEW(I->a, expr_t);
    lam->kind = E_LAMBDA;
    lam->span = e->span;
    lam->fn = d;
    return lam;
}

static ty_t *infer_var(infer_t *I, expr_t *e, ty_t *expected) {
    binding_t *b = sema_lookup(I, e->name);
    if (!b) {
        type_decl_t *td;
        int k;
        if (is_upper(e->name) && sema_find_ctor(I, e->name, &td, &k)) {
            e->kind = E_CTOR;
            return infer_ctor(I, e, expected);
        }
        diag_error(I->d, e->span, "unknown variable '%s'", e->name);
        return ty_var(I->tc);
    }
    e->bind = b;
    note_use(I, b);
    switch (b->kind) {
    case B_LOCAL:
    case B_VAR:
        vec_push(&b->uses, e);
        if (b->scheme) {
            ty_t **inst;
            /* A let-bound lambda: instantiate through its function so that its pending
             * constraints come along. */
            ty_t *t = b->local_fn && b->local_fn->scheme == b->scheme ? sema_instantiate_fn(I, b->local_fn, &inst)
                                                                       : ty_instantiate(I->tc, b->scheme, &inst);
            callres_t *r = new_res(I, e, CR_VALUE);
            r->inst = inst;
            r->ninst = b->scheme->nvars;
            return t;
        }
        return b->ty;
    case B_GLOBAL:
    case B_MVAR:
        return sema_global_type(I, b->global);
    case B_MODULE:
        diag_error(I->d, e->span, "'%s' is a module, not a value", e->name);
        return ty_var(I->tc);
    case B_FNS:
    case B_LOCALFN: {
        /* A named function as a value: the one matching the expected arity, else the only one. */
        fn_group_t *g = b->fns;
        ty_t *ex = expected ? ty_prune(expected) : NULL;
        if (ex && ex->kind == TY_FUN && ex->nargs == 1 && g->fns.len) {
            /* f(a, b) passed where a function of one pair comes: spread the pair. */
            bool has1 = false;
            int multi = 0;
            for (int i = 0; i < g->fns.len; i++) {
                if (g->fns.items[i]->arity == 1) has1 = true;
                else if (g->fns.items[i]->arity > 1) multi = g->fns.items[i]->arity;
            }
            ty_t *a0 = ty_prune(ex->args[0]);
            bool pair_like = (a0->kind == TY_TUPLE && a0->nargs == multi) ||
                             (a0->kind == TY_VAR && !a0->literal && !(a0->traits & TR_NUM));
            if (!has1 && multi && pair_like) {
                e->desugared = eta_expand(I, e, multi);
                return infer_expr(I, e->desugared, expected);
            }
        }
        fn_info_t *pick = NULL;
        ty_t *exp = expected ? ty_prune(expected) : NULL;
        for (int i = 0; i < g->fns.len; i++) {
            fn_info_t *f = g->fns.items[i];
            if (exp && exp->kind == TY_FUN) {
                if (f->arity == exp->nargs) {
                    ty_t *tt = trial_type(I, f);
                    if (ty_unifiable(I->tc, tt, exp)) {
                        pick = f;
                        break;
                    }
                }
            } else if (!pick) {
                pick = f;
            }
        }
        if (!pick && g->fns.len) pick = g->fns.items[0];
        if (!pick) {
            diag_error(I->d, e->span, "unknown variable '%s'", e->name);
            return ty_var(I->tc);
        }
        ty_t **inst;
        ty_t *t = sema_instantiate_fn(I, pick, &inst);
        callres_t *r = new_res(I, e, CR_FN);
        r->fn = pick;
        r->inst = inst;
        r->ninst = pick->scheme && pick->state == 2 ? pick->scheme->nvars : 0;
        return t;
    }
    }
    return ty_var(I->tc);
}

static ty_t *infer_field(infer_t *I, expr_t *e) {
    /* Mod.value or Mod.f */
    module_info_t *m = receiver_module(I, e->lhs);
    if (m) {
        binding_t *b = sema_lookup_in_module(m, e->name);
        if (!b) {
            diag_error(I->d, e->span, "unknown name %s.%s", m->name, e->name);
            return ty_var(I->tc);
        }
        expr_t tmp = *e;
        tmp.kind = E_VAR;
        /* Resolve as a variable in that module. */
        module_info_t *saved = I->mod;
        scope_t *saved_scope = I->scope;
        scope_t ms = {0};
        ms.mod = m;
        I->scope = &ms;
        I->mod = m;
        ty_t *t = infer_var(I, &tmp, NULL);
        I->scope = saved_scope;
        I->mod = saved;
        e->bind = tmp.bind;
        e->res = tmp.res;
        e->kind = tmp.kind == E_CTOR ? E_CTOR : E_VAR; /* compile as the name it resolved to */
        if (e->kind == E_CTOR) {
            e->name = tmp.name;
            e->args = tmp.args;
            e->nargs = tmp.nargs;
        }
        return t;
    }
    ty_t *rt = infer_expr(I, e->lhs, NULL);
    ty_t *rp = ty_prune(rt);
    if (rp->kind == TY_CON && rp->con->decl) {
        type_decl_t *td = rp->con->decl;
        for (int c = 0; c < td->nctors; c++) {
            ctor_info_t *ci = &td->ctors[c];
            for (int f = 0; f < ci->nfields; f++)
                if (ci->field_names && ci->field_names[f] == e->name)
                    return sema_ctor_field_type(I->p, td, c, f, rp->args);
        }
        diag_error(I->d, e->name_span.end ? e->name_span : e->span, "type %s has no field %s", ty_str(I->tc, rt), e->name);
        return ty_var(I->tc);
    }
    if (rp->kind == TY_VAR) {
        /* A field of a record type we do not know yet: if only one record has it, that is it. */
        type_decl_t *only = NULL;
        int count = 0;
        for (int i = 0; i < I->p->types.len; i++) {
            type_decl_t *td = I->p->types.items[i];
            if (!td->nctors || !td->ctors[0].field_names || td->nctors != 1) continue;
            for (int f = 0; f < td->ctors[0].nfields; f++)
                if (td->ctors[0].field_names[f] == e->name) {
                    only = td;
                    count++;
                }
        }
        if (count == 1 && only->nparams == 0) {
            ty_t *dt = decl_type(I, only, NULL);
            if (!infer_unify(I, e->span, dt, rt)) return ty_var(I->tc);
            for (int f = 0; f < only->ctors[0].nfields; f++)
                if (only->ctors[0].field_names[f] == e->name) return sema_ctor_field_type(I->p, only, 0, f, NULL);
        }
        pending_t *pd = ARENA_NEW(I->a, pending_t);
        pd->kind = PEND_FIELD;
        pd->span = e->span;
        pd->expr = e;
        pd->site = e;
        pd->name = e->name;
        pd->args = ARENA_NEWN(I->a, ty_t *, 1);
        pd->args[0] = rt;
        pd->nargs = 1;
        pd->result = ty_var(I->tc);
        pd->owner = I->fn;
        vec_push(&I->pending, pd);
        return pd->result;
    }
    diag_error(I->d, e->name_span.end ? e->name_span : e->span, "type %s has no field %s", ty_str(I->tc, rt), e->name);
    return ty_var(I->tc);
}

static ty_t *pending_index(infer_t *I, expr_t *e, pending_kind_t k, sym_t name, ty_t *base, ty_t *idx) {
    pending_t *pd = ARENA_NEW(I->a, pending_t);
    pd->kind = k;
    pd->span = e->span;
    pd->expr = e;
    pd->site = e;
    pd->name = name;
    pd->args = ARENA_NEWN(I->a, ty_t *, 2);
    pd->args[0] = base;
    pd->args[1] = idx;
    pd->nargs = idx ? 2 : 1;
    pd->result = ty_var(I->tc);
    pd->owner = I->fn;
    vec_push(&I->pending, pd);
    pending_try(I, pd, false);
    return pd->result;
}

/* Is there a user function `name` whose first parameter is declared with type constructor tc? */
static bool user_method_for(infer_t *I, sym_t name, tycon_t *tc) {
    for (int i = 0; i < I->p->fns.len; i++) {
        fn_info_t *f = I->p->fns.items[i];
        if (f->name != name || f->kind != FK_TOP || f->arity < 1 || !f->annotated[0]) continue;
        if (f->mod && f->mod->is_prelude) continue;
        ty_t *p0 = ty_prune(f->type->args[0]);
        if (p0->kind == TY_CON && p0->con == tc) return true;
    }
    return false;
}

static ty_t *infer_binop(infer_t *I, expr_t *e) {
    ty_ctx_t *c = I->tc;
    if (e->op == OP_PIPE) {
        /* x |> f(a)  =  f(x, a);  x |> M.f(a) = M.f(x, a);  x |> g  =  g(x) */
        expr_t *r = e->rhs;
        expr_t *n = ARENA_NEW(I->a, expr_t);
        arg_t first = {NULL, e->lhs, e->lhs->span};
        if (r->kind == E_CALL || r->kind == E_METHOD) {
            *n = *r;
            n->args = ARENA_NEWN(I->a, arg_t, r->nargs + 1);
            n->args[0] = first;
            memcpy(n->args + 1, r->args, sizeof(arg_t) * (size_t)r->nargs);
            n->nargs = r->nargs + 1;
            if (r->kind == E_METHOD && !receiver_module(I, r->lhs)) {
                /* x |> obj.m(a): call the method's value... treat as m(obj, x, a)? Use the value. */
            }
        } else {
            n->kind = E_CALL;
            n->lhs = r;
            n->args = ARENA_NEWN(I->a, arg_t, 1);
            n->args[0] = first;
            n->nargs = 1;
        }
        n->span = e->span;
        e->desugared = n;
        return infer_expr(I, n, NULL);
    }
    ty_t *lt = infer_expr(I, e->lhs, NULL);
    if (e->op == OP_AND || e->op == OP_OR) {
        infer_unify(I, e->lhs->span, c->t_bool, lt);
        ty_t *rt = infer_expr(I, e->rhs, c->t_bool);
        infer_unify(I, e->rhs->span, c->t_bool, rt);
        return c->t_bool;
    }
    if (e->op == OP_CONS) {
        ty_t *rt = infer_expr(I, e->rhs, ty_list(c, lt));
        infer_unify(I, e->rhs->span, ty_list(c, lt), rt);
        callres_t *r = new_res(I, e, CR_BUILTIN);
        r->builtin = BI_CONS;
        return ty_list(c, lt);
    }
    ty_t *rt = infer_expr(I, e->rhs, NULL);
    /* Operators on a user type that implements them (Num: add sub mul div, Eq: eq,
     * Ord: lt gt lte gte) call the implementation. */
    {
        static const struct { op_t op; const char *method; bool negate; } ops[] = {
            {OP_ADD, "add", false}, {OP_SUB, "sub", false}, {OP_MUL, "mul", false}, {OP_DIV, "div", false},
            {OP_MOD, "mod", false}, {OP_EQ, "eq", false},   {OP_NE, "eq", true},     {OP_LT, "lt", false},
            {OP_GT, "gt", false},   {OP_LE, "lte", false},  {OP_GE, "gte", false},
        };
        ty_t *l = ty_prune(lt);
        for (size_t i = 0; i < sizeof ops / sizeof ops[0] && l->kind == TY_CON && l->con->decl; i++) {
            if (ops[i].op != e->op) continue;
            sym_t mname = sym_cstr(I->p->syms, ops[i].method);
            if (!user_method_for(I, mname, l->con)) break;
            expr_t *call = ARENA_NEW(I->a, expr_t);
            call->kind = E_METHOD;
            call->span = e->span;
            call->lhs = e->lhs;
            call->name = mname;
            call->name_span = e->span;
            call->has_parens = true;
            call->nargs = 1;
            call->args = ARENA_NEWN(I->a, arg_t, 1);
            call->args[0].value = e->rhs;
            call->args[0].span = e->rhs->span;
            expr_t *res = call;
            if (ops[i].negate) {
                res = ARENA_NEW(I->a, expr_t);
                res->kind = E_UNOP;
                res->op = OP_NOT;
                res->span = e->span;
                res->lhs = call;
            }
            e->desugared = res;
            return infer_expr(I, res, NULL);
        }
    }
    callres_t *r = new_res(I, e, CR_BUILTIN);
    switch (e->op) {
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
    case OP_MOD:
    case OP_POW: {
        r->builtin = BI_ARITH;
        ty_t *l = ty_prune(lt), *rr = ty_prune(rt);
        if (ty_is_con(l, c->tc_int) && ty_is_con(rr, c->tc_float)) {
            r->promote_lhs = true;
            return c->t_float;
        }
        if (ty_is_con(l, c->tc_float) && ty_is_con(rr, c->tc_int)) {
            r->promote_rhs = true;
            return c->t_float;
        }
        if (ty_is_con(l, c->tc_int) && ty_is_con(rr, c->tc_bigint)) {
            r->promote_lhs = true;
            return rr;
        }
        if (ty_is_con(l, c->tc_bigint) && ty_is_con(rr, c->tc_int)) {
            r->promote_rhs = true;
            return l;
        }
        if (ty_is_con(l, c->tc_string) && ty_is_con(rr, c->tc_string) && e->op == OP_ADD) {
            diag_error(I->d, e->span, "String does not implement Num; use ++ to join strings");
            return c->t_string;
        }
        /* A concrete non-numeric operand: say that, rather than a mismatch with the other side. */
        {
            const char *failed = NULL;
            if (l->kind != TY_VAR && !ty_has_traits(c, l, TR_NUM, &failed)) {
                require(I, e->lhs->span, l, TR_NUM);
                return rt;
            }
            if (rr->kind != TY_VAR && !ty_has_traits(c, rr, TR_NUM, &failed)) {
                require(I, e->rhs->span, rr, TR_NUM);
                return lt;
            }
        }
        if (!infer_unify(I, e->span, lt, rt)) return lt;
        require(I, e->span, lt, TR_NUM);
        return lt;
    }
    case OP_EQ:
    case OP_NE:
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE:
        r->builtin = BI_CMP;
        if (!ty_unifiable(c, lt, rt)) {
            ty_t *l = ty_prune(lt), *rr = ty_prune(rt);
            /* Int against Float compares numerically. */
            if (ty_is_con(l, c->tc_int) && ty_is_con(rr, c->tc_float)) r->promote_lhs = true;
            else if (ty_is_con(l, c->tc_float) && ty_is_con(rr, c->tc_int)) r->promote_rhs = true;
            else infer_unify(I, e->span, lt, rt);
            return c->t_bool;
        }
        infer_unify(I, e->span, lt, rt);
        require(I, e->span, lt, e->op == OP_EQ || e->op == OP_NE ? TR_EQ : TR_ORD);
        return c->t_bool;
    case OP_CONCAT:
        r->builtin = BI_CONCAT;
        infer_unify(I, e->span, lt, rt);
        require(I, e->span, lt, TR_CONCAT);
        return lt;
    default:
        break;
    }
    return ty_var(c);
}

/* Is this binding name immutable and visible (the reassignment error)? */
static ty_t *infer_assign_name(infer_t *I, stmt_t *s, binding_t *b) {
    /* x = e where x is a var: assignment. */
    s->let_mode = 1;
    s->pat->bind = b;
    s->pat->var_mode = 2;
    note_use(I, b);
    if (I->try_depth > 0) b->needs_cell = true;
    ty_t *vt = infer_expr(I, s->value, b->ty);
    infer_unify(I, s->value->span, b->ty, vt);
    return I->tc->t_unit;
}

static bool value_is_lambda(expr_t *v) { return v && v->kind == E_LAMBDA; }

static void infer_let(infer_t *I, stmt_t *s) {
    ty_ctx_t *c = I->tc;
    pat_t *pt = s->pat;
    pat_t *core = pt;
    while (core->kind == P_ANNOT && core->nelems) core = core->elems[0];
    if (!s->mutable_ && core->kind == P_VAR) {
        binding_t *b = sema_lookup(I, core->name);
        if (b && b->kind == B_VAR && b->owner) {
            infer_assign_name(I, s, b);
            return;
        }
        if (b && b->kind == B_MVAR) {
            s->let_mode = 2;
            core->bind = b;
            ty_t *mt = sema_global_type(I, b->global);
            ty_t *vt = infer_expr(I, s->value, mt);
            infer_unify(I, s->value->span, mt, vt);
            return;
        }
        if (b && b->kind == B_LOCAL && b->owner) {
            diag_error(I->d, pt->span,
                       "cannot reassign immutable variable '%s'; use 'var' to declare a mutable variable", core->name);
            infer_expr(I, s->value, NULL);
            return;
        }
    }
    ty_t *ann = s->type ? sema_texpr(I, s->type, NULL, NULL, 0, false) : NULL;
    if (!s->mutable_ && core->kind == P_VAR && s->value->kind == E_VAR && !ann && pt == core) {
        /* f = g for a named function g: the same as f = (x...) => g(x...), so f is as
         * polymorphic as g. */
        binding_t *fb = sema_lookup(I, s->value->name);
        if (fb && (fb->kind == B_FNS || fb->kind == B_LOCALFN) && fb->fns->fns.len >= 1) {
            /* f = g for named functions g: f names the same functions (defaults, named
             * arguments, overloads and polymorphism included); the statement emits nothing. */
            infer_expr(I, s->value, NULL);
            binding_t *alias = sema_new_binding(I, core->name, fb->kind, core->span);
            alias->fns = fb->fns;
            alias->owner = fb->owner;
            sema_declare(I, alias);
            core->bind = alias;
            core->ty = s->value->ty;
            s->let_mode = 3;
            return;
        }
    }
    if (!s->mutable_ && core->kind == P_VAR && value_is_lambda(s->value) && !ann && pt == core) {
        /* A lambda bound to a name is a local function: visible in its own body (recursion),
         * generalized (let-polymorphism) with its pending constraints. */
        I->tc->level++;
        ty_t *self_ty = ty_var(c);
        binding_t *b = declare_local(I, core->name, core->span, self_ty, false);
        core->bind = b;
        fn_info_t *fi = infer_lambda_fn(I, s->value);
        b->local_fn = fi;
        ty_t *vt = infer_expr(I, s->value, NULL);
        infer_unify(I, s->value->span, self_ty, vt);
        infer_solve_pending(I, false);
        I->tc->level--;
        sema_generalize_group(I, &fi, 1, I->tc->level);
        b->scheme = fi->scheme;
        b->ty = vt;
        core->ty = vt;
        return;
    }
    ty_t *vt = infer_expr(I, s->value, ann);
    if (ann) infer_unify(I, s->value->span, ann, vt);
    if (s->mutable_) {
        if (core->kind != P_VAR) {
            diag_error(I->d, pt->span, "var bindings need a plain name");
            return;
        }
        if (pt->kind == P_ANNOT) {
            ty_t *at = sema_texpr(I, pt->type, NULL, NULL, 0, false);
            infer_unify(I, pt->span, at, vt);
        }
        core->bind = declare_local(I, core->name, core->span, vt, true);
        core->ty = vt;
        pt->ty = vt;
        return;
    }
    infer_pat(I, pt, vt, core->kind == P_VAR);
}

/* Declares the local functions of a block up front (all clauses of a name, any arity). */
static void predeclare_local_fns(infer_t *I, expr_t *blk) {
    for (int i = 0; i < blk->nstmts; i++) {
        stmt_t *s = blk->stmts[i];
        if (s->kind != S_FN || !s->fn || !s->fn->name) continue;
        fn_decl_t *d = s->fn;
        /* Find an existing binding of this name declared in this block scope. */
        binding_t *b = NULL;
        for (int k = 0; k < I->scope->names.len; k++)
            if (I->scope->names.items[k]->name == d->name && I->scope->names.items[k]->kind == B_LOCALFN)
                b = I->scope->names.items[k];
        if (!b) {
            b = sema_new_binding(I, d->name, B_LOCALFN, d->name_span);
            b->fns = ARENA_NEW(I->a, fn_group_t);
            b->fns->name = d->name;
            sema_declare(I, b);
        }
        fn_info_t *target = NULL;
        for (int k = 0; k < b->fns->fns.len; k++) {
            fn_info_t *f = b->fns->fns.items[k];
            if (f->arity == (d->nclauses ? d->clauses[0].nparams : 0)) target = f;
        }
        if (target) {
            clause_t *nc = ARENA_NEWN(I->a, clause_t, target->decl->nclauses + d->nclauses);
            memcpy(nc, target->decl->clauses, sizeof(clause_t) * (size_t)target->decl->nclauses);
            memcpy(nc + target->decl->nclauses, d->clauses, sizeof(clause_t) * (size_t)d->nclauses);
            target->decl->clauses = nc;
            target->decl->nclauses += d->nclauses;
            d->sema = target;
            for (int k = 0; k < target->arity && d->nclauses; k++)
                if (!target->defaults[k] && k < d->clauses[0].nparams && d->clauses[0].params[k].def)
                    target->defaults[k] = d->clauses[0].params[k].def;
            target->nrequired = target->arity;
            for (int k = target->arity - 1; k >= 0 && target->defaults[k]; k--) target->nrequired = k;
            continue;
        }
        fn_decl_t *nd = ARENA_NEW(I->a, fn_decl_t);
        *nd = *d;
        module_info_t *saved = I->mod;
        fn_info_t *fi = sema_new_fn(I, nd, FK_LOCAL, d->name);
        I->mod = saved;
        d->sema = fi;
        fi->parent = I->fn;
        fi->def_scope = I->scope;
        fi->self_binding = b;
        fi->qname = sym_cstr(I->p->syms, arena_sprintf(I->a, "%s$%s%d", I->fn ? I->fn->qname : "top", d->name, fi->id));
        /* Provisional signature from annotations. */
        ty_t **ps = ARENA_NEWN(I->a, ty_t *, fi->arity ? fi->arity : 1);
        for (int k = 0; k < fi->arity; k++) {
            ps[k] = ty_var(I->tc);
            ps[k]->level = I->tc->level + 1;
            for (int q = 0; q < nd->nclauses; q++)
                if (k < nd->clauses[q].nparams && nd->clauses[q].params[k].type) {
                    ty_t *at = sema_texpr(I, nd->clauses[q].params[k].type, NULL, NULL, 0, true);
                    ty_unify(I->tc, ps[k], at, NULL);
                    fi->annotated[k] = true;
                }
        }
        ty_t *ret = ty_var(I->tc);
        ret->level = I->tc->level + 1;
        if (nd->nclauses && nd->clauses[0].ret) ty_unify(I->tc, ret, sema_texpr(I, nd->clauses[0].ret, NULL, NULL, 0, true), NULL);
        fi->type = ty_fun(I->tc, ps, fi->arity, ret);
        vec_push(&b->fns->fns, fi);
    }
}

static ty_t *infer_block(infer_t *I, expr_t *e, ty_t *expected) {
    sema_push_scope(I, I->fn);
    predeclare_local_fns(I, e);
    ty_t *last = I->tc->t_unit;
    for (int i = 0; i < e->nstmts; i++) {
        stmt_t *s = e->stmts[i];
        bool is_last = i == e->nstmts - 1;
        switch (s->kind) {
        case S_EXPR:
            last = infer_expr(I, s->expr, is_last ? expected : NULL);
            if (!is_last) last = I->tc->t_unit;
            break;
        case S_LET:
            infer_let(I, s);
            last = I->tc->t_unit;
            break;
        case S_ASSIGN: {
            expr_t *t = s->target;
            if (t->kind == E_FIELD) {
                ty_t *ft = infer_expr(I, t, NULL);
                ty_t *rt = ty_prune(t->lhs->ty);
                if (rt->kind == TY_CON && rt->con->decl && !rt->con->decl->mutable_)
                    diag_error(I->d, t->span, "cannot assign to field %s: %s is not a `var type`", t->name,
                               rt->con->decl->name);
                ty_t *vt = infer_expr(I, s->value, ft);
                infer_unify(I, s->value->span, ft, vt);
            } else if (t->kind == E_INDEX) {
                ty_t *bt = infer_expr(I, t->lhs, NULL);
                ty_t *it = infer_expr(I, t->rhs, NULL);
                ty_t *bp = ty_prune(bt);
                ty_t *vt = infer_expr(I, s->value, NULL);
                if (ty_is_con(bp, I->tc->tc_map)) {
                    infer_unify(I, t->rhs->span, bp->args[0], it);
                    infer_unify(I, s->value->span, bp->args[1], vt);
                    if (t->lhs->kind != E_VAR) diag_error(I->d, t->span, "m[k] = v needs a variable on the left");
                } else if (ty_is_con(bp, I->tc->tc_arr_i64)) {
                    infer_unify(I, t->rhs->span, I->tc->t_int, it);
                    infer_unify(I, s->value->span, I->tc->t_int, vt);
                } else if (ty_is_con(bp, I->tc->tc_arr_f64) || ty_is_con(bp, I->tc->tc_arr_f32)) {
                    infer_unify(I, t->rhs->span, I->tc->t_int, it);
                    infer_unify(I, s->value->span, I->tc->t_float, vt);
                } else if (ty_is_con(bp, I->tc->tc_list) && t->lhs->kind == E_VAR) {
                    infer_unify(I, t->rhs->span, I->tc->t_int, it);
                    infer_unify(I, s->value->span, bp->args[0], vt);
                } else if (bp->kind == TY_VAR) {
                    /* Decided once the collection's type is known (per instance at worst). */
                    ty_t *et = pending_index(I, t, PEND_INDEX, NULL, bt, it);
                    infer_unify(I, s->value->span, et, vt);
                } else {
                    diag_error(I->d, t->span, "cannot assign into a value of type %s", ty_str(I->tc, bt));
                }
            } else {
                diag_error(I->d, s->span, "invalid assignment target");
            }
            last = I->tc->t_unit;
            break;
        }
        case S_FN: {
            fn_info_t *fi = s->fn->sema;
            if (fi && fi->kind == FK_LOCAL) sema_infer_fn(I, fi);
            last = I->tc->t_unit;
            break;
        }
        }
        infer_solve_pending(I, false);
    }
    sema_pop_scope(I);
    return last;
}

static void infer_arms(infer_t *I, arm_t *arms, int narms, ty_t *scrut, bool fresh_types, ty_t *result) {
    for (int i = 0; i < narms; i++) {
        arm_t *a = &arms[i];
        sema_push_scope(I, I->fn);
        ty_t *pt = fresh_types ? ty_var(I->tc) : scrut;
        if (fresh_types) vec_push(&I->dyn_candidates, pt);
        infer_pat(I, a->pat, pt, false);
        if (a->guard) {
            ty_t *g = infer_expr(I, a->guard, I->tc->t_bool);
            infer_unify(I, a->guard->span, I->tc->t_bool, g);
        }
        ty_t *bt = infer_expr(I, a->body, result);
        infer_unify(I, a->body->span, result, bt);
        sema_pop_scope(I);
    }
}

/* Compile-time exhaustiveness of a match over Bool, Option, Result or a user variant. */
static bool pat_irrefutable(pat_t *p) {
    if (!p) return true;
    switch (p->kind) {
    case P_WILD: return true;
    case P_VAR: return p->var_mode != 1;
    case P_ANNOT: return p->nelems ? pat_irrefutable(p->elems[0]) : true;
    case P_TUPLE:
        for (int i = 0; i < p->nelems; i++)
            if (!pat_irrefutable(p->elems[i])) return false;
        return true;
    case P_OR:
        for (int i = 0; i < p->nelems; i++)
            if (pat_irrefutable(p->elems[i])) return true;
        return false;
    default: return false;
    }
}

static void covered_ctors(pat_t *p, bool *cov, int n, int *bools) {
    if (p->kind == P_OR) {
        for (int i = 0; i < p->nelems; i++) covered_ctors(p->elems[i], cov, n, bools);
        return;
    }
    if (p->kind == P_ANNOT && p->nelems) {
        covered_ctors(p->elems[0], cov, n, bools);
        return;
    }
    if (p->kind == P_CTOR && p->ctor_index < n) {
        bool all = true;
        for (int i = 0; i < p->nelems; i++)
            if (!pat_irrefutable(p->elems[i])) all = false;
        for (int i = 0; i < p->nfields; i++)
            if (p->fields[i].pat && !pat_irrefutable(p->fields[i].pat)) all = false;
        if (all) cov[p->ctor_index] = true;
    }
    if (p->kind == P_BOOL) *bools |= p->ival ? 2 : 1;
}

static void check_exhaustive(infer_t *I, expr_t *e, ty_t *scrut) {
    ty_t *t = ty_prune(scrut);
    for (int i = 0; i < e->narms; i++)
        if (!e->arms[i].guard && pat_irrefutable(e->arms[i].pat)) return;
    if (ty_is_con(t, I->tc->tc_bool)) {
        int bools = 0;
        for (int i = 0; i < e->narms; i++)
            if (!e->arms[i].guard) covered_ctors(e->arms[i].pat, NULL, 0, &bools);
        if (bools != 3)
            diag_error(I->d, e->span, "non-exhaustive patterns: `%s` not covered", bools & 2 ? "false" : "true");
        return;
    }
    if (t->kind != TY_CON || !t->con->decl || t->con->decl->is_record) return;
    type_decl_t *td = t->con->decl;
    bool *cov = calloc((size_t)td->nctors + 1, 1);
    int bools = 0;
    for (int i = 0; i < e->narms; i++)
        if (!e->arms[i].guard) covered_ctors(e->arms[i].pat, cov, td->nctors, &bools);
    for (int k = 0; k < td->nctors; k++)
        if (!cov[k]) {
            /* Only report when no arm mentions the constructor at all (nested patterns may still cover it). */
            bool mentioned = false;
            for (int i = 0; i < e->narms; i++) {
                pat_t *p = e->arms[i].pat;
                if (p->kind == P_CTOR && p->ctor_index == k) mentioned = true;
                if (p->kind == P_OR)
                    for (int q = 0; q < p->nelems; q++)
                        if (p->elems[q]->kind == P_CTOR && p->elems[q]->ctor_index == k) mentioned = true;
            }
            if (!mentioned) {
                diag_error(I->d, e->span, "non-exhaustive patterns: `%s%s` not covered", td->ctors[k].name,
                           td->ctors[k].nfields ? "(_)" : "");
                break;
            }
        }
    free(cov);
}

static ty_t *infer_spawn(infer_t *I, expr_t *e) {
    /* The body becomes a zero-parameter lambda run in the new process. */
    expr_t *b = e->lhs;
    expr_t *body = b;
    if (b->kind == E_LAMBDA && b->fn->nclauses && b->fn->clauses[0].nparams == 0) {
        body = b->fn->clauses[0].body;
    } else if (b->kind == E_VAR) {
        binding_t *bb = sema_lookup(I, b->name);
        if (bb && (bb->kind == B_FNS || bb->kind == B_LOCALFN || bb->kind == B_LOCAL || bb->kind == B_VAR)) {
            /* spawn(f): call f() in the child. */
            expr_t *call = ARENA_NEW(I->a, expr_t);
            call->kind = E_CALL;
            call->span = b->span;
            call->lhs = b;
            body = call;
        }
    }
    fn_decl_t *d = ARENA_NEW(I->a, fn_decl_t);
    d->span = e->span;
    d->is_lambda = true;
    d->nclauses = 1;
    d->clauses = ARENA_NEW(I->a, clause_t);
    d->clauses[0].body = body;
    d->clauses[0].span = body->span;
    expr_t *lam = ARENA_NEW(I->a, expr_t);
    lam->kind = E_LAMBDA;
    lam->span = e->span;
    lam->fn = d;
    e->lhs = lam;
    infer_expr(I, lam, NULL);
    fn_info_t *fi = d->sema;
    fi->is_spawn_body = true;
    return I->tc->t_pid;
}

ty_t *infer_expr(infer_t *I, expr_t *e, ty_t *expected) {
    ty_ctx_t *c = I->tc;
    ty_t *t = NULL;
    switch (e->kind) {
    case E_INT:
        if (e->num == NUM_INT) {
            /* A plain integer literal is any numeric type (Int unless something says otherwise). */
            t = ty_var(c);
            t->traits = TR_NUM;
            t->literal = true;
        } else {
            t = num_type(I, e->num);
        }
        break;
    case E_FLOAT:
        t = num_type(I, e->num);
        break;
    case E_STRING:
        t = c->t_string;
        break;
    case E_INTERP:
        for (int i = 0; i < e->nparts; i++)
            if (e->parts[i].expr) infer_expr(I, e->parts[i].expr, NULL);
        t = c->t_string;
        break;
    case E_CHAR:
        t = c->t_char;
        break;
    case E_BOOL:
        t = c->t_bool;
        break;
    case E_UNIT:
        t = c->t_unit;
        break;
    case E_WILDCARD:
        t = ty_var(c);
        break;
    case E_VAR:
        t = infer_var(I, e, expected);
        break;
    case E_BINOP:
        t = infer_binop(I, e);
        break;
    case E_UNOP: {
        ty_t *a = infer_expr(I, e->lhs, NULL);
        if (e->op == OP_NOT) {
            infer_unify(I, e->lhs->span, c->t_bool, a);
            t = c->t_bool;
        } else {
            require(I, e->span, a, TR_NUM);
            t = a;
        }
        break;
    }
    case E_CALL:
        t = infer_call(I, e, expected);
        break;
    case E_METHOD:
        t = method_call(I, e, expected);
        break;
    case E_FIELD:
        t = infer_field(I, e);
        break;
    case E_TUPLE_INDEX: {
        ty_t *bt = infer_expr(I, e->lhs, NULL);
        ty_t *bp = ty_prune(bt);
        if (bp->kind == TY_TUPLE) {
            if (e->ival < 0 || e->ival >= bp->nargs) {
                diag_error(I->d, e->span, "tuple of %d elements has no field %lld", bp->nargs, (long long)e->ival);
                t = ty_var(c);
            } else {
                t = bp->args[e->ival];
            }
        } else if (bp->kind == TY_VAR) {
            t = pending_index(I, e, PEND_FIELD, sym_cstr(I->p->syms, arena_sprintf(I->a, "%lld", (long long)e->ival)),
                              bt, NULL);
        } else {
            diag_error(I->d, e->span, "type %s has no field %lld", ty_str(c, bt), (long long)e->ival);
            t = ty_var(c);
        }
        break;
    }
    case E_INDEX: {
        ty_t *bt = infer_expr(I, e->lhs, NULL);
        ty_t *it = infer_expr(I, e->rhs, NULL);
        callres_t *r = new_res(I, e, CR_BUILTIN);
        r->builtin = BI_INDEX;
        t = pending_index(I, e, PEND_INDEX, NULL, bt, it);
        break;
    }
    case E_LAMBDA:
        t = infer_lambda(I, e, expected);
        break;
    case E_IF: {
        ty_t *ct = infer_expr(I, e->cond, c->t_bool);
        infer_unify(I, e->cond->span, c->t_bool, ct);
        if (e->rhs) {
            ty_t *a = infer_expr(I, e->lhs, expected);
            ty_t *b = infer_expr(I, e->rhs, a);
            infer_unify(I, e->rhs->span, a, b);
            t = a;
        } else {
            infer_expr(I, e->lhs, NULL);
            t = c->t_unit;
        }
        break;
    }
    case E_MATCH: {
        ty_t *st = infer_expr(I, e->lhs, NULL);
        ty_t *res = expected ? expected : ty_var(c);
        res = ty_var(c);
        infer_arms(I, e->arms, e->narms, st, false, res);
        infer_solve_pending(I, false);
        check_exhaustive(I, e, st);
        t = res;
        break;
    }
    case E_TUPLE: {
        ty_t **el = ARENA_NEWN(I->a, ty_t *, e->nelems ? e->nelems : 1);
        ty_t *ex = expected ? ty_prune(expected) : NULL;
        for (int i = 0; i < e->nelems; i++)
            el[i] = infer_expr(I, e->elems[i], ex && ex->kind == TY_TUPLE && ex->nargs == e->nelems ? ex->args[i] : NULL);
        t = ty_tuple(c, el, e->nelems);
        break;
    }
    case E_LIST: {
        ty_t *el = ty_var(c);
        ty_t *ex = expected ? ty_prune(expected) : NULL;
        ty_t *eexp = ex && ty_is_con(ex, c->tc_list) ? ex->args[0] : NULL;
        for (int i = 0; i < e->nelems; i++) {
            ty_t *a = infer_expr(I, e->elems[i], eexp ? eexp : el);
            infer_unify(I, e->elems[i]->span, el, a);
        }
        if (e->rhs) {
            ty_t *tt = infer_expr(I, e->rhs, ty_list(c, el));
            infer_unify(I, e->rhs->span, ty_list(c, el), tt);
        }
        t = ty_list(c, el);
        break;
    }
    case E_RANGE: {
        ty_t *a = infer_expr(I, e->lhs, c->t_int);
        infer_unify(I, e->lhs->span, c->t_int, a);
        ty_t *b = infer_expr(I, e->rhs, c->t_int);
        infer_unify(I, e->rhs->span, c->t_int, b);
        t = ty_list(c, c->t_int);
        break;
    }
    case E_MAP: {
        ty_t *kv[2] = {ty_var(c), ty_var(c)};
        for (int i = 0; i + 1 < e->nelems; i += 2) {
            infer_unify(I, e->elems[i]->span, kv[0], infer_expr(I, e->elems[i], kv[0]));
            infer_unify(I, e->elems[i + 1]->span, kv[1], infer_expr(I, e->elems[i + 1], kv[1]));
        }
        t = ty_con(c, c->tc_map, kv, 2);
        break;
    }
    case E_SET: {
        ty_t *el = ty_var(c);
        for (int i = 0; i < e->nelems; i++) infer_unify(I, e->elems[i]->span, el, infer_expr(I, e->elems[i], el));
        t = ty_con(c, c->tc_set, &el, 1);
        break;
    }
    case E_CTOR:
        t = infer_ctor(I, e, expected);
        break;
    case E_BLOCK:
        t = infer_block(I, e, expected);
        break;
    case E_TRY: {
        I->try_depth++;
        ty_t *bt = infer_expr(I, e->lhs, expected);
        I->try_depth--;
        infer_arms(I, e->arms, e->narms, NULL, true, bt);
        if (e->rhs) infer_expr(I, e->rhs, NULL);
        t = bt;
        break;
    }
    case E_WHILE: {
        ty_t *ct = infer_expr(I, e->cond, c->t_bool);
        infer_unify(I, e->cond->span, c->t_bool, ct);
        loop_ctx_t lc = {I->loop, NULL};
        I->loop = &lc;
        infer_expr(I, e->lhs, NULL);
        I->loop = lc.outer;
        t = lc.break_ty ? lc.break_ty : c->t_unit;
        break;
    }
    case E_FOR: {
        ty_t *a = infer_expr(I, e->cond, c->t_int);
        infer_unify(I, e->cond->span, c->t_int, a);
        ty_t *b = infer_expr(I, e->rhs, c->t_int);
        infer_unify(I, e->rhs->span, c->t_int, b);
        sema_push_scope(I, I->fn);
        e->bind = declare_local(I, e->name, e->name_span.end ? e->name_span : e->span, c->t_int, false);
        loop_ctx_t lc = {I->loop, NULL};
        I->loop = &lc;
        infer_expr(I, e->lhs, NULL);
        I->loop = lc.outer;
        sema_pop_scope(I);
        t = lc.break_ty ? lc.break_ty : c->t_unit;
        break;
    }
    case E_BREAK:
    case E_CONTINUE:
        if (!I->loop) {
            diag_error(I->d, e->span, "'%s' outside of a loop", e->kind == E_BREAK ? "break" : "continue");
        } else if (e->kind == E_BREAK && e->lhs) {
            ty_t *v = infer_expr(I, e->lhs, NULL);
            if (!I->loop->break_ty) I->loop->break_ty = v;
            else infer_unify(I, e->lhs->span, I->loop->break_ty, v);
        }
        t = ty_var(c);
        break;
    case E_RETURN: {
        ty_t *v = e->lhs ? infer_expr(I, e->lhs, I->ret_ty) : c->t_unit;
        if (I->ret_ty) infer_unify(I, e->lhs ? e->lhs->span : e->span, I->ret_ty, v);
        t = ty_var(c);
        break;
    }
    case E_RECEIVE: {
        ty_t *res = ty_var(c);
        infer_arms(I, e->arms, e->narms, NULL, true, res);
        if (e->cond) {
            ty_t *tt = infer_expr(I, e->cond, c->t_int);
            infer_unify(I, e->cond->span, c->t_int, tt);
            if (e->lhs) infer_unify(I, e->lhs->span, res, infer_expr(I, e->lhs, res));
        }
        if (I->fn) I->fn->has_receive = true;
        t = res;
        break;
    }
    case E_SPAWN:
        t = infer_spawn(I, e);
        break;
    case E_SEND: {
        ty_t *p = infer_expr(I, e->lhs, c->t_pid);
        infer_unify(I, e->lhs->span, c->t_pid, p);
        infer_expr(I, e->rhs, NULL);
        t = c->t_unit;
        break;
    }
    case E_TRY_OP:
        t = infer_expr(I, e->lhs, expected);
        break;
    case E_ASCRIBE: {
        ty_t *at = sema_texpr(I, e->type, NULL, NULL, 0, false);
        ty_t *v = infer_expr(I, e->lhs, at);
        infer_unify(I, e->span, at, v);
        t = at;
        break;
    }
    case E_QUOTE:
    case E_SPLICE:
        diag_error(I->d, e->span, "templates (quote and ~splice) are not supported");
        t = ty_var(c);
        break;
    }
    if (!t) t = ty_var(c);
    e->ty = t;
    return t;
}

/* ---- argument mapping for later stages ------------------------------------------------------------------ */

/*
 * Maps a call expression onto fi's parameters: pargs[i] = the argument
 * expression for parameter i, or NULL where the default applies. Returns
 * false if the call's shape does not fit fi.
 */
bool sema_map_args(fn_info_t *fi, expr_t *e, bool has_recv, expr_t **pargs, bool *untuple) {
    shape_t sh = {0};
    if (has_recv) sh.recv = e->lhs;
    sh.args = e->args;
    sh.nargs = e->nargs;
    int map[64];
    if (fi->arity > 64 || !shape_map(fi, &sh, map, untuple)) return false;
    if (*untuple) {
        pargs[0] = has_recv ? e->lhs : e->args[0].value;
        return true;
    }
    for (int i = 0; i < fi->arity; i++) pargs[i] = map[i] == -2 ? NULL : shape_arg_expr(&sh, map[i]);
    return true;
}
