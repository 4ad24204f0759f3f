/*
 * cg_fn.c - function instances, closures, globals and the program entry.
 *
 * Calling conventions:
 *   top-level instance      ret sym(params...)
 *   lambda / local function ret sym(ptr env, params...)   env = closure object
 *   closure object          { fnptr, captures... } in 64-bit slots; calling a
 *                           closure passes the object itself as env
 *   top-level as a value    a static closure { sym$clo } whose code drops env
 * Captured `var`s that need a cell are passed as the cell pointer; a spawned
 * body gets fresh cells holding the current values (no sharing across
 * processes).
 */
#include "cg.h"
#include "rtabi.h"

#include <stdlib.h>
#include <string.h>

typedef struct inst_cg {
    LLVMValueRef fn;
    LLVMTypeRef fnty;
    LLVMValueRef closure; /* static closure of a top-level instance */
} inst_cg_t;

static inst_cg_t *icg(cg_t *g, instance_t *in) {
    if (!in->cg) in->cg = arena_alloc(g->p->arena, sizeof(inst_cg_t));
    return in->cg;
}

static bool is_top(fn_info_t *fn) { return fn->kind == FK_TOP || fn->kind == FK_INIT; }

LLVMTypeRef cg_instance_fnty(cg_t *g, instance_t *in) {
    inst_cg_t *c = icg(g, in);
    if (c->fnty) return c->fnty;
    ty_t *ft = ty_prune(in->type);
    int n = ft->nargs;
    int extra = is_top(in->fn) ? 0 : 1;
    LLVMTypeRef *ps = xmalloc(sizeof(LLVMTypeRef) * (size_t)(n + 1));
    if (extra) ps[0] = g->ptr;
    for (int i = 0; i < n; i++) ps[i + extra] = cg_llty(g, ft->args[i]);
    c->fnty = LLVMFunctionType(cg_llty(g, ft->ret), ps, (unsigned)(n + extra), 0);
    free(ps);
    return c->fnty;
}

static void add_str_attr(cg_t *g, LLVMValueRef f, const char *key, const char *val) {
    LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
                            LLVMCreateStringAttribute(g->ctx, key, (unsigned)strlen(key), val, (unsigned)strlen(val)));
}

static void fn_attrs(cg_t *g, LLVMValueRef f) {
    if (g->split_stack) add_str_attr(g, f, "split-stack", "");
    (void)0; /* frame pointers: off (measured: fib 8% slower with them) */
}

LLVMValueRef cg_instance_fn(cg_t *g, instance_t *in) {
    inst_cg_t *c = icg(g, in);
    if (c->fn) return c->fn;
    c->fn = LLVMAddFunction(g->mod, in->symbol, cg_instance_fnty(g, in));
    LLVMSetLinkage(c->fn, LLVMInternalLinkage);
    fn_attrs(g, c->fn);
    return c->fn;
}

/* ---- environments and closures ----------------------------------------------------------------- */

static cg_local_t *find_local_b(cg_t *g, binding_t *b) {
    for (int i = g->locals.len - 1; i >= 0; i--)
        if (g->locals.items[i].b == b) return &g->locals.items[i];
    return NULL;
}

/* Builds {fnptr, captures...} for fn from the current function's locals. */
LLVMValueRef cg_make_env(cg_t *g, fn_info_t *fn, LLVMValueRef fnptr) {
    int n = fn->captures.len;
    LLVMValueRef obj = cg_alloc(g, 1 + n, false);
    LLVMBuildStore(g->b, fnptr ? fnptr : LLVMConstNull(g->ptr), obj);
    for (int i = 0; i < n; i++) {
        binding_t *b = fn->captures.items[i];
        cg_local_t *l = find_local_b(g, b);
        LLVMValueRef slot;
        if (!l) {
            slot = LLVMConstInt(g->i64, 0, 0);
        } else if (l->kind == LK_CELL) {
            if (fn->is_spawn_body) {
                /* A spawned process gets its own copy of the variable. */
                LLVMValueRef cur = LLVMBuildLoad2(g->b, g->i64, l->v, "");
                LLVMValueRef cell = cg_alloc(g, 1, false);
                LLVMBuildStore(g->b, cur, cell);
                slot = LLVMBuildPtrToInt(g->b, cell, g->i64, "");
            } else {
                slot = LLVMBuildPtrToInt(g->b, l->v, g->i64, "");
            }
        } else {
            LLVMValueRef v = l->kind == LK_VAL ? l->v : LLVMBuildLoad2(g->b, cg_llty(g, l->ty), l->v, "");
            slot = cg_to_slot(g, v, l->ty);
        }
        LLVMValueRef idx = LLVMConstInt(g->i64, (unsigned)(i + 1), 0);
        LLVMBuildStore(g->b, slot, LLVMBuildGEP2(g->b, g->i64, obj, &idx, 1, ""));
    }
    return obj;
}

/* The environment of a local function, made once per execution of its defining block. */
LLVMValueRef cg_localfn_env(cg_t *g, fn_info_t *fn) {
    for (int i = g->fnenvs.len - 1; i >= 0; i--)
        if (g->fnenvs.items[i].fn == fn) return g->fnenvs.items[i].env;
    if (g->in && g->in->fn == fn) return g->env;
    LLVMValueRef env = fn->captures.len ? cg_make_env(g, fn, NULL) : LLVMConstNull(g->ptr);
    cg_localfn_env_t e = {fn, env};
    vec_push(&g->fnenvs, e);
    return env;
}

/* A wrapper sym$clo(ptr self, params...) calling a top-level instance. */
static LLVMValueRef top_closure(cg_t *g, instance_t *in) {
    inst_cg_t *c = icg(g, in);
    if (c->closure) return c->closure;
    ty_t *ft = ty_prune(in->type);
    LLVMTypeRef wty = cg_closure_fnty(g, ft);
    char *name = arena_sprintf(g->p->arena, "%s$clo", in->symbol);
    LLVMValueRef w = LLVMAddFunction(g->mod, name, wty);
    LLVMSetLinkage(w, LLVMInternalLinkage);
    fn_attrs(g, w);
    LLVMBasicBlockRef saved = LLVMGetInsertBlock(g->b);
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(g->ctx, w, "entry");
    LLVMPositionBuilderAtEnd(g->b, bb);
    int n = ft->nargs;
    LLVMValueRef *av = xmalloc(sizeof(LLVMValueRef) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) av[i] = LLVMGetParam(w, (unsigned)i + 1);
    LLVMValueRef r = LLVMBuildCall2(g->b, cg_instance_fnty(g, in), cg_instance_fn(g, in), av, (unsigned)n, "");
    LLVMSetTailCall(r, 1);
    LLVMBuildRet(g->b, r);
    free(av);
    if (saved) LLVMPositionBuilderAtEnd(g->b, saved);
    LLVMValueRef init = LLVMConstStructInContext(g->ctx, &w, 1, 0);
    LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), arena_sprintf(g->p->arena, "%s.closure", in->symbol));
    LLVMSetInitializer(gv, init);
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetLinkage(gv, LLVMInternalLinkage);
    LLVMSetAlignment(gv, 16);
    c->closure = gv;
    return gv;
}

LLVMValueRef cg_closure_of_instance(cg_t *g, instance_t *in, LLVMValueRef env_src) {
    (void)env_src;
    if (is_top(in->fn)) return top_closure(g, in);
    return cg_make_env(g, in->fn, cg_instance_fn(g, in));
}

LLVMValueRef cg_build_ctor(cg_t *g, type_decl_t *td, int k, ty_t *t, LLVMValueRef *fields);

/* A constructor used as a function value: a static closure over a wrapper that builds it. */
LLVMValueRef cg_ctor_closure(cg_t *g, type_decl_t *td, int k, ty_t *funty);
LLVMValueRef cg_ctor_closure(cg_t *g, type_decl_t *td, int k, ty_t *funty) {
    ty_t *ft = ty_prune(funty);
    LLVMTypeRef wty = cg_closure_fnty(g, ft);
    static int counter;
    char *name = arena_sprintf(g->p->arena, "ctor.%s.%d", td->ctors[k].name, counter++);
    LLVMValueRef w = LLVMAddFunction(g->mod, name, wty);
    LLVMSetLinkage(w, LLVMInternalLinkage);
    LLVMBasicBlockRef saved = LLVMGetInsertBlock(g->b);
    LLVMValueRef saved_fn = g->fn;
    g->fn = w;
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(g->ctx, w, "entry");
    LLVMPositionBuilderAtEnd(g->b, bb);
    int n = ft->nargs;
    LLVMValueRef *fields = xmalloc(sizeof(LLVMValueRef) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) fields[i] = LLVMGetParam(w, (unsigned)i + 1);
    LLVMBuildRet(g->b, cg_build_ctor(g, td, k, ft->ret, fields));
    free(fields);
    g->fn = saved_fn;
    if (saved) LLVMPositionBuilderAtEnd(g->b, saved);
    LLVMValueRef init = LLVMConstStructInContext(g->ctx, &w, 1, 0);
    LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), "ctor.closure");
    LLVMSetInitializer(gv, init);
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetLinkage(gv, LLVMInternalLinkage);
    LLVMSetAlignment(gv, 16);
    return gv;
}

/* ---- function bodies --------------------------------------------------------------------------------- */

/* The number of direct calls of fn inside e (lambdas not included). */
static int count_calls(expr_t *e, fn_info_t *fn, int depth) {
    if (!e || depth > 200) return 0;
    if (e->desugared) return count_calls(e->desugared, fn, depth + 1);
    int n = 0;
    if (e->res && e->res->fn == fn) n++;
    else if (e->res && e->res->kind == CR_PENDING && e->res->pend)
        for (int i = 0; i < e->res->pend->ncands; i++)
            if (e->res->pend->cand_list[i] == fn) {
                n++;
                break;
            }
    n += count_calls(e->lhs, fn, depth + 1) + count_calls(e->rhs, fn, depth + 1) + count_calls(e->cond, fn, depth + 1);
    for (int i = 0; i < e->nelems; i++) n += count_calls(e->elems[i], fn, depth + 1);
    for (int i = 0; i < e->nargs; i++) n += count_calls(e->args[i].value, fn, depth + 1);
    for (int i = 0; i < e->narms; i++) n += count_calls(e->arms[i].guard, fn, depth + 1) + count_calls(e->arms[i].body, fn, depth + 1);
    for (int i = 0; i < e->nparts; i++) n += count_calls(e->parts[i].expr, fn, depth + 1);
    for (int i = 0; i < e->nstmts; i++) n += count_calls(e->stmts[i]->expr, fn, depth + 1) + count_calls(e->stmts[i]->value, fn, depth + 1);
    return n;
}

/*
 * Does fn need a preemption poll at entry? LLVM's tail recursion elimination
 * may turn a self call into a loop (also `f(n) = 1 + f(n + 1)`, by
 * accumulating); the loop then has no prologue check. A body with two or
 * more self calls keeps at least one real call per iteration (fib), whose
 * prologue is the poll; with exactly one, poll explicitly.
 */
static bool needs_entry_poll(fn_info_t *fn) {
    int n = 0;
    for (int k = 0; k < fn->decl->nclauses; k++) n += count_calls(fn->decl->clauses[k].body, fn, 0);
    return n == 1;
}


static void emit_instance(cg_t *g, instance_t *in) {
    fn_info_t *fn = in->fn;
    LLVMValueRef f = cg_instance_fn(g, in);
    if (LLVMCountBasicBlocks(f) > 0) return;
    g->in = in;
    g->fn = f;
    g->locals.len = 0;
    g->fnenvs.len = 0;
    g->tries.len = 0;
    g->loop = NULL;
    ty_t *ft = ty_prune(in->type);
    int n = ft->nargs;
    int extra = is_top(fn) ? 0 : 1;
    LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(g->ctx, f, "entry");
    LLVMPositionBuilderAtEnd(g->b, entry);
    g->env = extra ? LLVMGetParam(f, 0) : NULL;
    /* Captured bindings from the environment. */
    if (extra) {
        for (int i = 0; i < fn->captures.len; i++) {
            binding_t *b = fn->captures.items[i];
            ty_t *bt = cg_ty(g, b->ty);
            LLVMValueRef idx = LLVMConstInt(g->i64, (unsigned)(i + 1), 0);
            LLVMValueRef s = LLVMBuildLoad2(g->b, g->i64, LLVMBuildGEP2(g->b, g->i64, g->env, &idx, 1, ""), "");
            cg_local_t l = {b, LK_VAL, NULL, bt};
            if (b->needs_cell) {
                l.kind = LK_CELL;
                l.v = LLVMBuildIntToPtr(g->b, s, g->ptr, "");
            } else {
                l.v = cg_from_slot(g, s, bt);
            }
            vec_push(&g->locals, l);
        }
    }
    /* Parameters live in slots so that self tail calls can reassign them. */
    g->nparams = n;
    g->param_slots = arena_alloc(g->p->arena, sizeof(LLVMValueRef) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        g->param_slots[i] = LLVMBuildAlloca(g->b, cg_llty(g, ft->args[i]), "p");
        LLVMBuildStore(g->b, LLVMGetParam(f, (unsigned)(i + extra)), g->param_slots[i]);
    }
    /* A self-recursive function may become a loop: poll for preemption on entry. On aarch64
     * every function checks its stack here, which is a preemption point too. */
    if (g->tls_stack_limit) cg_entry_stack_check(g);
    else if (needs_entry_poll(fn)) cg_preempt_poll(g);
    g->self_entry = LLVMAppendBasicBlockInContext(g->ctx, f, "start");
    LLVMBuildBr(g->b, g->self_entry);
    LLVMPositionBuilderAtEnd(g->b, g->self_entry);
    if (!extra && g->preempt_checks) {
        /* Function entry of top-level functions also yields when asked (tail loops). */
    }
    LLVMValueRef *vals = xmalloc(sizeof(LLVMValueRef) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) vals[i] = LLVMBuildLoad2(g->b, cg_llty(g, ft->args[i]), g->param_slots[i], "");
    LLVMBasicBlockRef fail = LLVMAppendBasicBlockInContext(g->ctx, f, "noclause");
    int base_locals = g->locals.len;
    for (int k = 0; k < fn->decl->nclauses; k++) {
        clause_t *cl = &fn->decl->clauses[k];
        LLVMBasicBlockRef next = k + 1 < fn->decl->nclauses ? LLVMAppendBasicBlockInContext(g->ctx, f, "clause") : fail;
        g->locals.len = base_locals;
        if (fn->untuple) {
            ty_t *tt = ty_prune(ft->args[0]);
            for (int i = 0; i < cl->nparams && i < tt->nargs; i++) {
                LLVMValueRef idx = LLVMConstInt(g->i64, (unsigned)i, 0);
                LLVMValueRef s = LLVMBuildLoad2(g->b, g->i64, LLVMBuildGEP2(g->b, g->i64, vals[0], &idx, 1, ""), "");
                cg_pat(g, cl->params[i].pat, cg_from_slot(g, s, tt->args[i]), tt->args[i], next);
            }
        } else {
            for (int i = 0; i < cl->nparams && i < n; i++) cg_pat(g, cl->params[i].pat, vals[i], ft->args[i], next);
        }
        if (cl->guard) {
            LLVMValueRef c = cg_expr(g, cl->guard, false);
            LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(g->ctx, f, "body");
            LLVMBuildCondBr(g->b, c, body, next);
            LLVMPositionBuilderAtEnd(g->b, body);
        }
        LLVMValueRef r = cl->body ? cg_expr(g, cl->body, true) : LLVMConstNull(cg_llty(g, ft->ret));
        if (!cg_terminated(g)) cg_ret(g, r);
        if (k + 1 < fn->decl->nclauses) LLVMPositionBuilderAtEnd(g->b, next);
    }
    free(vals);
    LLVMPositionBuilderAtEnd(g->b, fail);
    if (fn->kind == FK_TOP || fn->kind == FK_LOCAL) {
        const char *nm = fn->name ? fn->name : "?";
        LLVMValueRef name = cg_str_const(g, nm, strlen(nm));
        LLVMTypeRef pt[] = {g->ptr};
        cg_noreturn_call(g, "nos_err_no_clause", pt, &name, 1);
    } else {
        cg_noreturn_call(g, "nos_err_match", NULL, NULL, 0);
    }
    /* Close any block left open (dead code after returns). */
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(f); bb; bb = LLVMGetNextBasicBlock(bb)) {
        if (!LLVMGetBasicBlockTerminator(bb)) {
            LLVMPositionBuilderAtEnd(g->b, bb);
            LLVMBuildUnreachable(g->b);
        }
    }
    g->in = NULL;
}

/* ---- program ------------------------------------------------------------------------------------------------ */

static void drain(cg_t *g) {
    while (g->m->queue.len) {
        instance_t *in = g->m->queue.items[0];
        memmove(g->m->queue.items, g->m->queue.items + 1, sizeof(instance_t *) * (size_t)(g->m->queue.len - 1));
        g->m->queue.len--;
        emit_instance(g, in);
    }
}

bool cg_program(cg_t *g) {
    program_t *p = g->p;
    mono_compute_captures(g->m);
    cg_init_types(g);
    /* Global initializers, in order: void nos.init() */
    LLVMTypeRef vfty = LLVMFunctionType(g->void_t, NULL, 0, 0);
    LLVMValueRef init = LLVMAddFunction(g->mod, "nos.init", vfty);
    LLVMSetLinkage(init, LLVMInternalLinkage);
    LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, init, "entry"));
    g->fn = init;
    for (int i = 0; i < p->globals.len; i++) {
        global_info_t *gl = p->globals.items[i];
        if (!gl->init) continue;
        if (gl->mod && gl->mod->is_prelude && !gl->is_mvar) {
            /* Prelude globals are initialized like the user's (they are few). */
        }
        instance_t *in = mono_instance(g->m, gl->init, NULL, NULL, 0);
        ty_t *t = mono_type(g->m, NULL, gl->ty);
        LLVMValueRef v = LLVMBuildCall2(g->b, cg_instance_fnty(g, in), cg_instance_fn(g, in), NULL, 0, "");
        LLVMValueRef gp = cg_global_ptr(g, gl);
        if (gl->is_mvar) {
            LLVMTypeRef pt[] = {g->ptr, g->ptr};
            LLVMValueRef av[] = {gp, cg_desc(g, t)};
            cg_call_rt(g, "nos_mvar_init", g->void_t, pt, av, 2);
            LLVMBuildStore(g->b, cg_to_slot(g, v, t), gp);
        } else {
            LLVMBuildStore(g->b, v, gp);
        }
    }
    LLVMBuildRetVoid(g->b);

    /* i64 nos.entry(): runs main and returns its value as a slot. */
    if (!p->main_fn) return false;
    LLVMTypeRef efty = LLVMFunctionType(g->i64, NULL, 0, 0);
    LLVMValueRef entry = LLVMAddFunction(g->mod, "nos.entry", efty);
    LLVMSetLinkage(entry, LLVMInternalLinkage);
    fn_attrs(g, entry);
    LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, entry, "entry"));
    g->fn = entry;
    instance_t *mi = mono_instance(g->m, p->main_fn, NULL, NULL, 0);
    ty_t *rt = ty_prune(mi->type)->ret;
    LLVMValueRef r = LLVMBuildCall2(g->b, cg_instance_fnty(g, mi), cg_instance_fn(g, mi), NULL, 0, "");
    if (ty_is_con(rt, g->tc->tc_dyn)) {
        /* A result whose type is only known at run time: print it here, report Unit. */
        LLVMTypeRef pt[] = {g->ptr, g->i64};
        LLVMValueRef box = r;
        LLVMValueRef av[] = {cg_desc(g, rt), LLVMBuildPtrToInt(g->b, box, g->i64, "")};
        cg_call_rt(g, "nos_print_result", g->void_t, pt, av, 2);
        rt = mono_canon(g->m, g->tc->t_unit);
        r = cg_unit(g);
    }
    LLVMBuildRet(g->b, cg_to_slot(g, r, rt));

    /* int main(int argc, char **argv) */
    LLVMTypeRef mps[] = {g->i32, g->ptr};
    LLVMValueRef cmain = LLVMAddFunction(g->mod, "main", LLVMFunctionType(g->i32, mps, 2, 0));
    LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, cmain, "entry"));
    g->fn = cmain;
    LLVMTypeRef nps[] = {g->i32, g->ptr, g->ptr, g->ptr, g->ptr};
    LLVMValueRef nav[] = {LLVMGetParam(cmain, 0), LLVMGetParam(cmain, 1), init, entry, cg_desc(g, rt)};
    LLVMValueRef rc = cg_call_rt(g, "nos_main", g->i32, nps, nav, 5);
    LLVMBuildRet(g->b, rc);

    drain(g);
    return g->d->nerrors == 0;
}
