/*
 * mvarcheck.c - the compile-time mvar safety rules (LANGUAGE.md 1.12).
 *
 * mvar writes lock per statement; these rules reject the shapes that would
 * deadlock or silently lose updates under that scheme:
 *   1. `m = e` where e itself writes m: a nested write (deadlock).
 *   2. compare-and-set: an `if` condition or `match` scrutinee reads m and a
 *      branch writes m with a value that does not mention m (the read and the
 *      write are separate statements, so another process may slip between).
 *   3. a function that reads and writes m and (transitively) calls a function
 *      that blocks in `receive`.
 * Runs after inference, on resolved bindings; wording follows the reference.
 */
#include "sema_int.h"

#include <string.h>

typedef VEC(binding_t *) bvec_t;

static void add_b(bvec_t *v, binding_t *b) {
    for (int i = 0; i < v->len; i++)
        if (v->items[i] == b) return;
    vec_push(v, b);
}

static bool has_b(bvec_t *v, binding_t *b) {
    for (int i = 0; i < v->len; i++)
        if (v->items[i] == b) return true;
    return false;
}

static binding_t *write_target(stmt_t *s) {
    if (s->kind != S_LET || s->let_mode != 2) return NULL;
    pat_t *q = s->pat;
    while (q->kind == P_ANNOT && q->nelems) q = q->elems[0];
    return q->bind;
}

/* ---- reads: every E_VAR naming an mvar (lambdas included) ----------------------------- */

static void reads_expr(expr_t *e, bvec_t *out);

static void reads_stmts(stmt_t **ss, int n, bvec_t *out) {
    for (int i = 0; i < n; i++) {
        stmt_t *s = ss[i];
        if (s->expr) reads_expr(s->expr, out);
        if (s->value) reads_expr(s->value, out);
        if (s->target) reads_expr(s->target, out);
    }
}

static void reads_expr(expr_t *e, bvec_t *out) {
    if (!e) return;
    if (e->desugared) {
        reads_expr(e->desugared, out);
        return;
    }
    if ((e->kind == E_VAR || e->kind == E_FIELD) && e->bind && e->bind->kind == B_MVAR) add_b(out, e->bind);
    if (e->kind == E_METHOD && e->lhs && e->lhs->bind && e->lhs->bind->kind == B_MVAR) add_b(out, e->lhs->bind);
    reads_expr(e->lhs, out);
    reads_expr(e->rhs, out);
    reads_expr(e->cond, out);
    for (int i = 0; i < e->nelems; i++) reads_expr(e->elems[i], out);
    for (int i = 0; i < e->nargs; i++) reads_expr(e->args[i].value, out);
    for (int i = 0; i < e->narms; i++) {
        reads_expr(e->arms[i].guard, out);
        reads_expr(e->arms[i].body, out);
    }
    for (int i = 0; i < e->nparts; i++) reads_expr(e->parts[i].expr, out);
    reads_stmts(e->stmts, e->nstmts, out);
    if (e->kind == E_LAMBDA && e->fn)
        for (int k = 0; k < e->fn->nclauses; k++) reads_expr(e->fn->clauses[k].body, out);
}

static bool mentions(expr_t *e, binding_t *m) {
    bvec_t r = {0};
    reads_expr(e, &r);
    bool yes = has_b(&r, m);
    vec_free(&r);
    return yes;
}

/* ---- writes ------------------------------------------------------------------------------ */

/* Writes of mvars whose value does not mention the mvar itself (not self-updating). */
static void plain_writes(expr_t *e, bvec_t *out);

static void plain_writes_stmts(stmt_t **ss, int n, bvec_t *out) {
    for (int i = 0; i < n; i++) {
        stmt_t *s = ss[i];
        binding_t *m = write_target(s);
        if (m && !mentions(s->value, m)) add_b(out, m);
        if (s->expr) plain_writes(s->expr, out);
        if (s->value) plain_writes(s->value, out);
    }
}

static void plain_writes(expr_t *e, bvec_t *out) {
    if (!e) return;
    if (e->desugared) {
        plain_writes(e->desugared, out);
        return;
    }
    plain_writes(e->lhs, out);
    plain_writes(e->rhs, out);
    plain_writes(e->cond, out);
    for (int i = 0; i < e->nelems; i++) plain_writes(e->elems[i], out);
    for (int i = 0; i < e->nargs; i++) plain_writes(e->args[i].value, out);
    for (int i = 0; i < e->narms; i++) plain_writes(e->arms[i].body, out);
    plain_writes_stmts(e->stmts, e->nstmts, out);
}

/* Any write of m inside e. */
static bool writes(expr_t *e, binding_t *m);

static bool writes_stmts(stmt_t **ss, int n, binding_t *m) {
    for (int i = 0; i < n; i++) {
        stmt_t *s = ss[i];
        if (write_target(s) == m) return true;
        if ((s->expr && writes(s->expr, m)) || (s->value && writes(s->value, m))) return true;
    }
    return false;
}

static bool writes(expr_t *e, binding_t *m) {
    if (!e) return false;
    if (e->desugared) return writes(e->desugared, m);
    if (writes(e->lhs, m) || writes(e->rhs, m) || writes(e->cond, m)) return true;
    for (int i = 0; i < e->nelems; i++)
        if (writes(e->elems[i], m)) return true;
    for (int i = 0; i < e->nargs; i++)
        if (writes(e->args[i].value, m)) return true;
    for (int i = 0; i < e->narms; i++)
        if (writes(e->arms[i].body, m)) return true;
    if (e->kind == E_LAMBDA && e->fn)
        for (int k = 0; k < e->fn->nclauses; k++)
            if (writes(e->fn->clauses[k].body, m)) return true;
    return writes_stmts(e->stmts, e->nstmts, m);
}

/* ---- rule 2: compare-and-set ----------------------------------------------------------------- */

static binding_t *compare_and_set(expr_t *e) {
    if (!e) return NULL;
    if (e->desugared) return compare_and_set(e->desugared);
    binding_t *hit = NULL;
    if (e->kind == E_IF) {
        bvec_t reads = {0}, w = {0};
        reads_expr(e->cond, &reads);
        plain_writes(e->lhs, &w);
        plain_writes(e->rhs, &w);
        for (int i = 0; i < reads.len && !hit; i++)
            if (has_b(&w, reads.items[i])) hit = reads.items[i];
        vec_free(&reads);
        vec_free(&w);
        if (hit) return hit;
        if ((hit = compare_and_set(e->lhs)) || (hit = compare_and_set(e->rhs))) return hit;
        return compare_and_set(e->cond);
    }
    if (e->kind == E_MATCH) {
        bvec_t reads = {0};
        reads_expr(e->lhs, &reads);
        for (int a = 0; a < e->narms && !hit; a++) {
            bvec_t w = {0};
            plain_writes(e->arms[a].body, &w);
            for (int i = 0; i < reads.len && !hit; i++)
                if (has_b(&w, reads.items[i])) hit = reads.items[i];
            vec_free(&w);
            if (!hit) hit = compare_and_set(e->arms[a].body);
        }
        vec_free(&reads);
        return hit ? hit : compare_and_set(e->lhs);
    }
    if (e->kind == E_BLOCK) {
        for (int i = 0; i < e->nstmts && !hit; i++) {
            stmt_t *s = e->stmts[i];
            if (s->expr) hit = compare_and_set(s->expr);
            if (!hit && s->value) hit = compare_and_set(s->value);
            if (!hit && s->kind == S_FN && s->fn)
                for (int k = 0; k < s->fn->nclauses && !hit; k++) hit = compare_and_set(s->fn->clauses[k].body);
        }
        return hit;
    }
    if (e->kind == E_LAMBDA && e->fn) return compare_and_set(e->fn->clauses[0].body);
    return NULL;
}

/* ---- rule 1: nested writes ------------------------------------------------------------------------ */

static void nested_writes(program_t *p, expr_t *e);

static void nested_writes_stmts(program_t *p, stmt_t **ss, int n) {
    for (int i = 0; i < n; i++) {
        stmt_t *s = ss[i];
        binding_t *m = write_target(s);
        if (m && writes(s->value, m))
            diag_error(p->diag, s->span,
                       "nested write to mvar `%s` would cause deadlock - cannot write to the same mvar being assigned",
                       m->name);
        if (s->expr) nested_writes(p, s->expr);
        if (s->value) nested_writes(p, s->value);
    }
}

static void nested_writes(program_t *p, expr_t *e) {
    if (!e) return;
    if (e->desugared) {
        nested_writes(p, e->desugared);
        return;
    }
    nested_writes(p, e->lhs);
    nested_writes(p, e->rhs);
    nested_writes(p, e->cond);
    for (int i = 0; i < e->nelems; i++) nested_writes(p, e->elems[i]);
    for (int i = 0; i < e->nargs; i++) nested_writes(p, e->args[i].value);
    for (int i = 0; i < e->narms; i++) nested_writes(p, e->arms[i].body);
    nested_writes_stmts(p, e->stmts, e->nstmts);
}

/* ---- rule 3: holding an mvar across a blocking receive ----------------------------------------------- */

typedef VEC(fn_info_t *) fvec_t;

static void callees(expr_t *e, fvec_t *out) {
    if (!e) return;
    if (e->desugared) {
        callees(e->desugared, out);
        return;
    }
    if (e->res && e->res->fn) {
        bool dup = false;
        for (int i = 0; i < out->len; i++)
            if (out->items[i] == e->res->fn) dup = true;
        if (!dup) vec_push(out, e->res->fn);
    }
    callees(e->lhs, out);
    callees(e->rhs, out);
    callees(e->cond, out);
    for (int i = 0; i < e->nelems; i++) callees(e->elems[i], out);
    for (int i = 0; i < e->nargs; i++) callees(e->args[i].value, out);
    for (int i = 0; i < e->narms; i++) {
        callees(e->arms[i].guard, out);
        callees(e->arms[i].body, out);
    }
    for (int i = 0; i < e->nstmts; i++) {
        stmt_t *s = e->stmts[i];
        callees(s->expr, out);
        callees(s->value, out);
    }
}

/* The first function reachable from fi (itself excluded) that contains a receive, or NULL. */
static fn_info_t *blocking_callee(fn_info_t *fi) {
    fvec_t seen = {0}, work = {0};
    for (int k = 0; k < fi->decl->nclauses; k++) callees(fi->decl->clauses[k].body, &work);
    fn_info_t *found = NULL;
    while (work.len && !found) {
        fn_info_t *f = work.items[--work.len];
        bool dup = false;
        for (int i = 0; i < seen.len; i++)
            if (seen.items[i] == f) dup = true;
        if (dup || f == fi || (f->mod && f->mod->is_prelude)) continue;
        vec_push(&seen, f);
        if (f->has_receive) {
            found = f;
            break;
        }
        for (int k = 0; k < f->decl->nclauses; k++) callees(f->decl->clauses[k].body, &work);
    }
    vec_free(&seen);
    vec_free(&work);
    return found;
}

void sema_check_mvars(program_t *p) {
    bool any_mvar = false;
    for (int i = 0; i < p->globals.len; i++)
        if (p->globals.items[i]->is_mvar) any_mvar = true;
    if (!any_mvar) return;
    for (int i = 0; i < p->fns.len; i++) {
        fn_info_t *fi = p->fns.items[i];
        if (fi->kind != FK_TOP || (fi->mod && fi->mod->is_prelude)) continue;
        for (int k = 0; k < fi->decl->nclauses; k++) {
            expr_t *body = fi->decl->clauses[k].body;
            nested_writes(p, body);
            binding_t *m = compare_and_set(body);
            if (m) {
                diag_error(p->diag, fi->decl->span.end ? fi->decl->span : fi->decl->clauses[k].span,
                           "function `%s` reads mvar `%s` and later writes it with a different value - this pattern "
                           "can cause deadlock. Use `%s = %s + 1` (self-updating) instead of `x = %s; %s = x + 1` "
                           "(read-then-write).",
                           fi->name, m->name, m->name, m->name, m->name, m->name);
                break;
            }
            bvec_t r = {0};
            reads_expr(body, &r);
            for (int q = 0; q < r.len; q++) {
                if (!writes(body, r.items[q])) continue;
                fn_info_t *g = blocking_callee(fi);
                if (g) {
                    diag_error(p->diag, fi->decl->clauses[k].span,
                               "mvar safety violation: function `%s` holds lock on mvar `%s` and calls `%s` which "
                               "blocks (receive)",
                               fi->name, r.items[q]->name, g->name);
                    break;
                }
            }
            vec_free(&r);
        }
    }
}
