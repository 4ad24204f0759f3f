/*
 * mono.c - canonical concrete types, instances, per-instance call
 * resolution and closure capture analysis.
 */
#include "mono.h"

#include <string.h>

/* ---- canonical types ------------------------------------------------------------------ */

struct canon_entry {
    char *key;
    ty_t *type;
};

static void canon_key(sbuf_t *b, ty_t *t) {
    t = ty_prune(t);
    switch (t->kind) {
    case TY_VAR: sb_printf(b, "?%d", t->id); return;
    case TY_CON: sb_printf(b, "C%d", t->con->id); break;
    case TY_TUPLE: sb_putc(b, 'T'); break;
    case TY_FUN: sb_putc(b, 'F'); break;
    }
    sb_putc(b, '(');
    for (int i = 0; i < t->nargs; i++) {
        if (i) sb_putc(b, ',');
        canon_key(b, t->args[i]);
    }
    if (t->kind == TY_FUN) {
        sb_puts(b, ")->");
        canon_key(b, t->ret);
        return;
    }
    sb_putc(b, ')');
}

void mono_init(mono_t *m, program_t *p) {
    memset(m, 0, sizeof *m);
    m->p = p;
    m->tc = p->tc;
    m->a = p->arena;
    m->canon_cap = 1024;
    m->canon = calloc((size_t)m->canon_cap, sizeof(struct canon_entry));
}

static ty_t *canon_lookup(mono_t *m, const char *key, ty_t *t) {
    if (m->canon_len * 2 >= m->canon_cap) {
        int nc = m->canon_cap * 2;
        struct canon_entry *ne = calloc((size_t)nc, sizeof *ne);
        for (int i = 0; i < m->canon_cap; i++) {
            if (!m->canon[i].key) continue;
            uint32_t h = (uint32_t)hash_bytes(m->canon[i].key, strlen(m->canon[i].key)) & (uint32_t)(nc - 1);
            while (ne[h].key) h = (h + 1) & (uint32_t)(nc - 1);
            ne[h] = m->canon[i];
        }
        free(m->canon);
        m->canon = ne;
        m->canon_cap = nc;
    }
    uint32_t h = (uint32_t)hash_bytes(key, strlen(key)) & (uint32_t)(m->canon_cap - 1);
    while (m->canon[h].key) {
        if (strcmp(m->canon[h].key, key) == 0) return m->canon[h].type;
        h = (h + 1) & (uint32_t)(m->canon_cap - 1);
    }
    if (!t) return NULL;
    m->canon[h].key = arena_strndup(m->a, key, strlen(key));
    m->canon[h].type = t;
    m->canon_len++;
    return t;
}

ty_t *mono_canon(mono_t *m, ty_t *t) {
    t = ty_prune(t);
    sbuf_t b = {0};
    canon_key(&b, t);
    ty_t *found = canon_lookup(m, sb_cstr(&b), NULL);
    if (!found) {
        /* Store a copy whose children are canonical. */
        ty_t *c = t;
        if (t->nargs || t->kind == TY_FUN) {
            ty_t **na = ARENA_NEWN(m->a, ty_t *, t->nargs ? t->nargs : 1);
            for (int i = 0; i < t->nargs; i++) na[i] = mono_canon(m, t->args[i]);
            if (t->kind == TY_CON) c = ty_con(m->tc, t->con, na, t->nargs);
            else if (t->kind == TY_TUPLE) c = ty_tuple(m->tc, na, t->nargs);
            else c = ty_fun(m->tc, na, t->nargs, mono_canon(m, t->ret));
        }
        found = canon_lookup(m, sb_cstr(&b), c);
    }
    sb_free(&b);
    return found;
}

static ty_t *subst_lookup(subst_t *s, ty_t *v) {
    for (; s; s = s->parent)
        for (int i = 0; i < s->n; i++)
            if (s->vars[i] == v) return s->types[i];
    return NULL;
}

static void subst_add(mono_t *m, subst_t *s, ty_t *v, ty_t *t) {
    if (s->n == s->cap) {
        int nc = s->cap ? s->cap * 2 : 8;
        ty_t **nv = ARENA_NEWN(m->a, ty_t *, nc), **nt = ARENA_NEWN(m->a, ty_t *, nc);
        if (s->n) {
            memcpy(nv, s->vars, sizeof(ty_t *) * (size_t)s->n);
            memcpy(nt, s->types, sizeof(ty_t *) * (size_t)s->n);
        }
        s->vars = nv;
        s->types = nt;
        s->cap = nc;
    }
    s->vars[s->n] = v;
    s->types[s->n] = t;
    s->n++;
}

static bool g_default_any; /* nested unknown variables default to Any (outgoing values) */

/* Applies s; unknown variables give NULL when `strict`, else their default. */
static ty_t *apply_at(mono_t *m, subst_t *s, ty_t *t, bool strict, int depth);

static ty_t *apply(mono_t *m, subst_t *s, ty_t *t, bool strict) { return apply_at(m, s, t, strict, 0); }

static ty_t *apply_at(mono_t *m, subst_t *s, ty_t *t, bool strict, int depth) {
    t = ty_prune(t);
    if (t->kind == TY_VAR) {
        ty_t *r = subst_lookup(s, t);
        if (r) return r;
        if (strict) return NULL;
        if (t->traits & TR_NUM) return mono_canon(m, m->tc->t_int);
        if (t->traits & TR_ANYDEF) return mono_canon(m, m->tc->t_dyn);
        if (g_default_any && depth > 0) return mono_canon(m, m->tc->t_dyn);
        return mono_canon(m, m->tc->t_unit);
    }
    if (t->kind == TY_CON && t->nargs == 0) return mono_canon(m, t);
    ty_t *buf[16];
    ty_t **na = t->nargs <= 16 ? buf : ARENA_NEWN(m->a, ty_t *, t->nargs);
    for (int i = 0; i < t->nargs; i++) {
        na[i] = apply_at(m, s, t->args[i], strict, depth + 1);
        if (!na[i]) return NULL;
    }
    ty_t *r;
    if (t->kind == TY_CON) r = ty_con(m->tc, t->con, na, t->nargs);
    else if (t->kind == TY_TUPLE) r = ty_tuple(m->tc, na, t->nargs);
    else {
        ty_t *rr = apply_at(m, s, t->ret, strict, depth + 1);
        if (!rr) return NULL;
        r = ty_fun(m->tc, na, t->nargs, rr);
    }
    return mono_canon(m, r);
}

ty_t *mono_type(mono_t *m, subst_t *s, ty_t *t) { return apply(m, s, t, false); }

ty_t *mono_type_outgoing(mono_t *m, subst_t *s, ty_t *t) {
    g_default_any = true;
    ty_t *r = apply(m, s, t, false);
    g_default_any = false;
    return r;
}

/*
 * Extends s so that pattern type p (with unknown variables) matches the
 * concrete type c. Variables already known are left alone.
 */
static void match_into(mono_t *m, subst_t *s, ty_t *p, ty_t *c) {
    p = ty_prune(p);
    c = ty_prune(c);
    if (p->kind == TY_VAR) {
        if (!subst_lookup(s, p)) subst_add(m, s, p, mono_canon(m, c));
        return;
    }
    if (p->kind != c->kind || p->nargs != c->nargs) return;
    for (int i = 0; i < p->nargs; i++) match_into(m, s, p->args[i], c->args[i]);
    if (p->kind == TY_FUN) match_into(m, s, p->ret, c->ret);
}

/* ---- instances ---------------------------------------------------------------------------- */

instance_t *mono_ancestor(instance_t *in, fn_info_t *fn) {
    for (; in; in = in->parent)
        if (in->fn == fn) return in;
    return NULL;
}

static void resolve_instance_pendings(mono_t *m, instance_t *in);

instance_t *mono_instance(mono_t *m, fn_info_t *fn, instance_t *parent, ty_t **targs, int ntargs) {
    for (int i = 0; i < m->instances.len; i++) {
        instance_t *x = m->instances.items[i];
        if (x->fn != fn || x->parent != parent || x->ntargs != ntargs) continue;
        bool same = true;
        for (int k = 0; k < ntargs && same; k++)
            if (x->targs[k] != targs[k]) same = false;
        if (same) return x;
    }
    instance_t *in = ARENA_NEW(m->a, instance_t);
    in->fn = fn;
    in->parent = parent;
    in->ntargs = ntargs;
    in->targs = ARENA_NEWN(m->a, ty_t *, ntargs ? ntargs : 1);
    if (ntargs) memcpy(in->targs, targs, sizeof(ty_t *) * (size_t)ntargs);
    in->subst.parent = parent ? &parent->subst : NULL;
    in->id = m->instances.len;
    if (fn->scheme)
        for (int i = 0; i < ntargs && i < fn->scheme->nvars; i++) subst_add(m, &in->subst, fn->scheme->vars[i], targs[i]);
    resolve_instance_pendings(m, in);
    in->type = mono_type(m, &in->subst, fn->type);
    if (ntargs == 0 && !parent)
        in->symbol = arena_sprintf(m->a, "N.%s", fn->qname);
    else
        in->symbol = arena_sprintf(m->a, "N.%s$%d", fn->qname, in->id);
    vec_push(&m->instances, in);
    vec_push(&m->queue, in);
    return in;
}

instance_t *mono_fn_instance(mono_t *m, instance_t *in, fn_info_t *fn, ty_t **inst, int ninst) {
    int n = fn->scheme && (fn->state == 2) ? fn->scheme->nvars : 0;
    ty_t **targs = ARENA_NEWN(m->a, ty_t *, n ? n : 1);
    for (int i = 0; i < n; i++) {
        ty_t *src = inst && i < ninst ? inst[i] : fn->scheme->vars[i];
        targs[i] = mono_type(m, in ? &in->subst : NULL, src);
    }
    instance_t *parent = NULL;
    if (fn->kind != FK_TOP && fn->kind != FK_INIT) {
        parent = mono_ancestor(in, fn->parent);
        if (!parent) parent = in;
    }
    return mono_instance(m, fn, parent, targs, n);
}

static int annotated_count(fn_info_t *fi) {
    int n = 0;
    for (int i = 0; i < fi->arity; i++)
        if (fi->annotated[i]) n++;
    return n;
}

/* Tries candidate fi for concrete argument types; on success returns its canonical targs. */
static bool try_candidate(mono_t *m, fn_info_t *fi, expr_t *e, bool has_recv, ty_t **argtys, int nargs,
                          ty_t ***targs_out, ty_t **ret_out) {
    expr_t *pargs[64];
    bool untuple = false;
    if (fi->arity > 64) return false;
    if (e) {
        if (!sema_map_args(fi, e, has_recv, pargs, &untuple)) return false;
    } else if (fi->arity != nargs) {
        return false;
    }
    ty_t **fresh = NULL;
    ty_t *t = fi->scheme ? ty_instantiate(m->tc, fi->scheme, &fresh) : fi->type;
    t = ty_prune(t);
    if (t->kind != TY_FUN) return false;
    /* Argument types in parameter order. */
    for (int i = 0; i < fi->arity; i++) {
        ty_t *a = NULL;
        if (!e) a = argtys[i];
        else if (untuple) {
            if (i > 0) break;
            ty_t *tup = ty_tuple(m->tc, t->args, t->nargs);
            if (!ty_unify(m->tc, tup, argtys[0], NULL)) return false;
            break;
        } else if (pargs[i]) {
            /* Find the argument's index in the expression's order. */
            int k = 0;
            if (has_recv) {
                if (pargs[i] == e->lhs) a = argtys[0];
                k = 1;
            }
            for (int q = 0; q < e->nargs && !a; q++)
                if (e->args[q].value == pargs[i]) a = argtys[k + q];
        }
        if (a && !ty_unify(m->tc, t->args[i], a, NULL)) return false;
    }
    int n = fi->scheme ? fi->scheme->nvars : 0;
    ty_t **targs = ARENA_NEWN(m->a, ty_t *, n ? n : 1);
    for (int i = 0; i < n; i++) targs[i] = mono_type(m, NULL, fresh[i]);
    *targs_out = targs;
    *ret_out = t->ret;
    return true;
}

fn_info_t *mono_resolve_pending(mono_t *m, instance_t *in, pending_t *pd, ty_t ***targs, int *ntargs) {
    for (instance_t *x = in; x; x = x->parent)
        for (int i = 0; i < x->resolved.len; i++)
            if (x->resolved.items[i].pd == pd) {
                *targs = x->resolved.items[i].targs;
                *ntargs = x->resolved.items[i].ntargs;
                return x->resolved.items[i].fn;
            }
    return NULL;
}

/* Decides the instance's pending calls in dependency order and records derived types. */
static void resolve_instance_pendings(mono_t *m, instance_t *in) {
    fn_info_t *fn = in->fn;
    if (!fn->npend) return;
    bool *done = calloc((size_t)fn->npend, 1);
    for (int round = 0; round < fn->npend + 1; round++) {
        bool progress = false;
        for (int i = 0; i < fn->npend; i++) {
            if (done[i]) continue;
            pending_t *pd = fn->pend[i];
            ty_t **argtys = ARENA_NEWN(m->a, ty_t *, pd->nargs ? pd->nargs : 1);
            bool known = true;
            for (int a = 0; a < pd->nargs && known; a++) {
                argtys[a] = apply(m, &in->subst, pd->args[a], true);
                if (!argtys[a]) known = false;
            }
            if (!known && round < fn->npend) continue;
            if (!known)
                for (int a = 0; a < pd->nargs; a++) argtys[a] = apply(m, &in->subst, pd->args[a], false);
            done[i] = true;
            progress = true;
            if (pd->kind == PEND_FIELD || pd->kind == PEND_INDEX) {
                /* Derive the result type from the concrete receiver. */
                ty_t *rt = argtys[0];
                ty_t *res = NULL;
                if (pd->kind == PEND_FIELD) {
                    if (rt->kind == TY_TUPLE && pd->name[0] >= '0' && pd->name[0] <= '9') {
                        int idx = atoi(pd->name);
                        if (idx < rt->nargs) res = rt->args[idx];
                    } else if (rt->kind == TY_CON && rt->con->decl) {
                        type_decl_t *td = rt->con->decl;
                        for (int c = 0; c < td->nctors && !res; c++)
                            for (int f = 0; f < td->ctors[c].nfields; f++)
                                if (td->ctors[c].field_names && td->ctors[c].field_names[f] == pd->name)
                                    res = sema_ctor_field_type(m->p, td, c, f, rt->args);
                    }
                } else {
                    ty_ctx_t *c = m->tc;
                    if (ty_is_con(rt, c->tc_list)) res = rt->args[0];
                    else if (ty_is_con(rt, c->tc_string)) res = c->t_string;
                    else if (ty_is_con(rt, c->tc_map)) res = rt->args[1];
                    else if (ty_is_con(rt, c->tc_set)) res = c->t_bool;
                    else if (ty_is_con(rt, c->tc_arr_i64)) res = c->t_int;
                    else if (ty_is_con(rt, c->tc_arr_f64) || ty_is_con(rt, c->tc_arr_f32)) res = c->t_float;
                    else if (rt->kind == TY_TUPLE && pd->site && pd->site->rhs && pd->site->rhs->kind == E_INT &&
                             pd->site->rhs->ival >= 0 && pd->site->rhs->ival < rt->nargs)
                        res = rt->args[pd->site->rhs->ival];
                }
                if (res) match_into(m, &in->subst, pd->result, mono_canon(m, res));
                continue;
            }
            /* PEND_CALL */
            expr_t *e = pd->site;
            bool has_recv = e && e->kind == E_METHOD && !(e->res && e->res->sub == 1);
            fn_info_t *best = NULL;
            ty_t **best_targs = NULL;
            ty_t *best_ret = NULL;
            for (int k = 0; k < pd->ncands; k++) {
                ty_t **ta;
                ty_t *rt;
                if (!try_candidate(m, pd->cand_list[k], e, has_recv, argtys, pd->nargs, &ta, &rt)) continue;
                if (!best || annotated_count(pd->cand_list[k]) > annotated_count(best)) {
                    best = pd->cand_list[k];
                    best_targs = ta;
                    best_ret = rt;
                }
            }
            if (!best) continue; /* codegen reports */
            struct pend_res pr = {pd, best, best_targs, best->scheme ? best->scheme->nvars : 0};
            vec_push(&in->resolved, pr);
            /* best_ret is in terms of the candidate's fresh (now bound) variables. */
            match_into(m, &in->subst, pd->result, mono_type(m, NULL, best_ret));
        }
        if (!progress) break;
    }
    free(done);
}

instance_t *mono_call_target(mono_t *m, instance_t *in, callres_t *r, fn_info_t **fn_out) {
    if (r->kind == CR_PENDING) {
        ty_t **targs;
        int n;
        fn_info_t *fn = mono_resolve_pending(m, in, r->pend, &targs, &n);
        if (fn_out) *fn_out = fn;
        if (!fn) return NULL;
        instance_t *parent = NULL;
        if (fn->kind != FK_TOP && fn->kind != FK_INIT) parent = mono_ancestor(in, fn->parent);
        return mono_instance(m, fn, parent, targs, n);
    }
    if (fn_out) *fn_out = r->fn;
    if (!r->fn) return NULL;
    return mono_fn_instance(m, in, r->fn, r->inst, r->ninst);
}

/* ---- captures ------------------------------------------------------------------------------ */

typedef struct cap_info {
    VEC(binding_t *) direct;   /* bindings used directly */
    VEC(fn_info_t *) calls;    /* local functions / let-bound poly lambdas referenced */
    VEC(fn_info_t *) children; /* lambdas and local functions defined inside */
} cap_info_t;

static bool is_ancestor(fn_info_t *anc, fn_info_t *f) {
    for (fn_info_t *x = f ? f->parent : NULL; x; x = x->parent)
        if (x == anc) return true;
    return false;
}

static void add_unique_b(cap_info_t *ci, binding_t *b) {
    for (int i = 0; i < ci->direct.len; i++)
        if (ci->direct.items[i] == b) return;
    vec_push(&ci->direct, b);
}

static void add_unique_f(fn_info_t ***items, int *len, int *cap, fn_info_t *f) {
    for (int i = 0; i < *len; i++)
        if ((*items)[i] == f) return;
    if (*len == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        *items = xrealloc(*items, sizeof(fn_info_t *) * (size_t)*cap);
    }
    (*items)[(*len)++] = f;
}

static void walk_expr(cap_info_t *ci, expr_t *e);

static void note_binding(cap_info_t *ci, binding_t *b) {
    if (!b) return;
    if (b->kind == B_LOCALFN) return; /* through the functions it names (calls) */
    if (b->kind != B_LOCAL && b->kind != B_VAR) return;
    if (b->local_fn && b->local_fn->scheme) {
        add_unique_f(&ci->calls.items, &ci->calls.len, &ci->calls.cap, b->local_fn);
        return;
    }
    add_unique_b(ci, b);
}

static void walk_pat(cap_info_t *ci, pat_t *p) {
    if (!p) return;
    if (p->kind == P_VAR && p->var_mode != 0) note_binding(ci, p->bind);
    for (int i = 0; i < p->nelems; i++) walk_pat(ci, p->elems[i]);
    if (p->rest) walk_pat(ci, p->rest);
    for (int i = 0; i < p->nfields; i++) walk_pat(ci, p->fields[i].pat);
    for (int i = 0; i < p->nelems && p->keys; i++) walk_expr(ci, p->keys[i]);
    if (p->pin) walk_expr(ci, p->pin);
}

static void note_res(cap_info_t *ci, callres_t *r) {
    if (!r) return;
    if (r->fn && r->fn->kind == FK_LOCAL) add_unique_f(&ci->calls.items, &ci->calls.len, &ci->calls.cap, r->fn);
    if (r->kind == CR_PENDING && r->pend) {
        for (int i = 0; i < r->pend->ncands; i++)
            if (r->pend->cand_list[i]->kind == FK_LOCAL)
                add_unique_f(&ci->calls.items, &ci->calls.len, &ci->calls.cap, r->pend->cand_list[i]);
    }
}

static void walk_fn_decl(cap_info_t *ci, fn_decl_t *d) {
    fn_info_t *fi = d->sema;
    if (fi) add_unique_f(&ci->children.items, &ci->children.len, &ci->children.cap, fi);
}

static void walk_expr(cap_info_t *ci, expr_t *e) {
    if (!e) return;
    if (e->desugared) {
        walk_expr(ci, e->desugared);
        return;
    }
    note_res(ci, e->res);
    switch (e->kind) {
    case E_VAR: note_binding(ci, e->bind); break;
    case E_FOR: break;
    case E_LAMBDA: walk_fn_decl(ci, e->fn); return;
    default: break;
    }
    walk_expr(ci, e->lhs);
    walk_expr(ci, e->rhs);
    walk_expr(ci, e->cond);
    for (int i = 0; i < e->nelems; i++) walk_expr(ci, e->elems[i]);
    for (int i = 0; i < e->nargs; i++) walk_expr(ci, e->args[i].value);
    for (int i = 0; i < e->narms; i++) {
        walk_pat(ci, e->arms[i].pat);
        walk_expr(ci, e->arms[i].guard);
        walk_expr(ci, e->arms[i].body);
    }
    for (int i = 0; i < e->nparts; i++) walk_expr(ci, e->parts[i].expr);
    for (int i = 0; i < e->nstmts; i++) {
        stmt_t *s = e->stmts[i];
        switch (s->kind) {
        case S_EXPR: walk_expr(ci, s->expr); break;
        case S_LET:
            walk_expr(ci, s->value);
            walk_pat(ci, s->pat);
            if (s->let_mode == 1) {
                pat_t *q = s->pat;
                while (q->kind == P_ANNOT && q->nelems) q = q->elems[0];
                note_binding(ci, q->bind);
            }
            break;
        case S_ASSIGN:
            walk_expr(ci, s->target);
            walk_expr(ci, s->value);
            break;
        case S_FN:
            if (s->fn) walk_fn_decl(ci, s->fn);
            break;
        }
    }
}

static void walk_fn(cap_info_t *ci, fn_info_t *fi) {
    for (int k = 0; k < fi->decl->nclauses; k++) {
        clause_t *cl = &fi->decl->clauses[k];
        for (int i = 0; i < cl->nparams; i++) {
            walk_pat(ci, cl->params[i].pat);
            walk_expr(ci, cl->params[i].def);
        }
        walk_expr(ci, cl->guard);
        walk_expr(ci, cl->body);
    }
}

void mono_compute_captures(mono_t *m) {
    if (m->captures_done) return;
    m->captures_done = true;
    program_t *p = m->p;
    int n = p->fns.len;
    cap_info_t *info = calloc((size_t)n, sizeof(cap_info_t));
    for (int i = 0; i < n; i++) {
        fn_info_t *fi = p->fns.items[i];
        fi->captures.len = 0;
        if (fi->state != 2 && fi->kind != FK_LAMBDA) continue;
        walk_fn(&info[i], fi);
    }
    /* captures(f) = bindings owned by proper ancestors of f, used by f, its children or its callees. */
    bool changed = true;
    while (changed) {
        changed = false;
        for (int i = 0; i < n; i++) {
            fn_info_t *fi = p->fns.items[i];
            if (fi->kind == FK_TOP || fi->kind == FK_INIT) continue;
            cap_info_t *ci = &info[i];
            VEC(binding_t *) want = {0};
            for (int k = 0; k < ci->direct.len; k++) vec_push(&want, ci->direct.items[k]);
            for (int k = 0; k < ci->children.len; k++) {
                fn_info_t *c = ci->children.items[k];
                for (int q = 0; q < c->captures.len; q++) vec_push(&want, c->captures.items[q]);
            }
            for (int k = 0; k < ci->calls.len; k++) {
                fn_info_t *c = ci->calls.items[k];
                if (c == fi) continue;
                for (int q = 0; q < c->captures.len; q++) vec_push(&want, c->captures.items[q]);
            }
            for (int k = 0; k < want.len; k++) {
                binding_t *b = want.items[k];
                if (!b->owner || !is_ancestor(b->owner, fi)) continue;
                bool have = false;
                for (int q = 0; q < fi->captures.len; q++)
                    if (fi->captures.items[q] == b) have = true;
                if (!have) {
                    vec_push(&fi->captures, b);
                    changed = true;
                }
            }
            vec_free(&want);
        }
    }
    for (int i = 0; i < n; i++) {
        vec_free(&info[i].direct);
        free(info[i].calls.items);
        free(info[i].children.items);
    }
    free(info);
}
