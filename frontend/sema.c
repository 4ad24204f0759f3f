/*
 * sema.c - declarations, scopes and the inference driver.
 *
 * Order of work:
 *   1. collect: walk every module's items; group function clauses into
 *      functions (same name, arity and compatible annotations); register
 *      types, constructors, globals, mvars and sub-modules in module scopes.
 *   2. types: resolve the field and constructor types of every type decl.
 *   3. signatures: give every function a provisional type from its
 *      annotations (fresh variables where there are none).
 *   4. infer: functions are inferred on demand (a call infers its callee
 *      first); recursion is detected with Tarjan's lowlink on the stack of
 *      functions in progress, and a recursive group is generalized together
 *      when its root finishes. Everything not reached from main is inferred
 *      afterwards in source order, so all errors are reported.
 *   5. final: pending constraints are solved with defaults; leftovers are
 *      errors.
 *
 * Scopes: a chain of scope_t from the innermost block out to the module; the
 * user's top level sits inside the prelude module, so user names shadow
 * prelude names of the same spelling.
 */
#include "sema_int.h"

#include <string.h>

/* ---- bindings and scopes ----------------------------------------------------------- */

binding_t *sema_new_binding(infer_t *I, sym_t name, binding_kind_t kind, span_t span) {
    binding_t *b = ARENA_NEW(I->a, binding_t);
    b->name = name;
    b->kind = kind;
    b->span = span;
    b->id = I->p->nbindings++;
    b->owner = I->fn;
    return b;
}

void sema_push_scope(infer_t *I, fn_info_t *fn) {
    scope_t *s = ARENA_NEW(I->a, scope_t);
    s->parent = I->scope;
    s->fn = fn;
    s->fn_boundary = !I->scope || I->scope->fn != fn;
    I->scope = s;
}

void sema_pop_scope(infer_t *I) {
    /* Scopes stay alive (local functions keep a pointer to their defining scope). */
    I->scope = I->scope->parent;
}

void sema_declare(infer_t *I, binding_t *b) { vec_push(&I->scope->names, b); }

binding_t *sema_lookup_in_module(module_info_t *m, sym_t name) {
    for (int i = m->scope.len - 1; i >= 0; i--)
        if (m->scope.items[i]->name == name) return m->scope.items[i];
    return NULL;
}

binding_t *sema_lookup(infer_t *I, sym_t name) {
    for (scope_t *s = I->scope; s; s = s->parent) {
        if (s->mod) {
            for (module_info_t *m = s->mod; m; m = m->parent) {
                binding_t *b = sema_lookup_in_module(m, name);
                if (b) return b;
            }
            return NULL;
        }
        for (int i = s->names.len - 1; i >= 0; i--)
            if (s->names.items[i]->name == name) return s->names.items[i];
    }
    return NULL;
}

static module_info_t *new_module(infer_t *I, sym_t name, module_info_t *parent) {
    module_info_t *m = ARENA_NEW(I->a, module_info_t);
    m->name = name;
    m->parent = parent;
    if (parent) vec_push(&parent->children, m);
    return m;
}

static module_info_t *child_module(module_info_t *m, sym_t name) {
    for (int i = 0; i < m->children.len; i++)
        if (m->children.items[i]->name == name) return m->children.items[i];
    return NULL;
}

/* Finds a module by (possibly dotted) name, searching outward from the current module. */
module_info_t *sema_find_module(infer_t *I, sym_t name) {
    const char *dot = strchr(name, '.');
    for (module_info_t *m = I->mod; m; m = m->parent) {
        if (!dot) {
            binding_t *b = sema_lookup_in_module(m, name);
            if (b && b->kind == B_MODULE) return b->mod;
            module_info_t *c = child_module(m, name);
            if (c) return c;
            continue;
        }
        /* Dotted: walk components from m. */
        module_info_t *cur = m;
        const char *s = name;
        while (cur && *s) {
            const char *e = strchr(s, '.');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            sym_t part = sym_intern(I->p->syms, s, n);
            module_info_t *c = child_module(cur, part);
            if (!c) {
                binding_t *b = sema_lookup_in_module(cur, part);
                c = b && b->kind == B_MODULE ? b->mod : NULL;
            }
            cur = c;
            s = e ? e + 1 : s + n;
        }
        if (cur) return cur;
    }
    return NULL;
}

static type_decl_t *find_type_in(module_info_t *m, sym_t name) {
    for (int i = 0; i < m->types.len; i++)
        if (m->types.items[i]->name == name) return m->types.items[i];
    return NULL;
}

type_decl_t *sema_find_type(infer_t *I, sym_t name) {
    const char *dot = strrchr(name, '.');
    if (dot) {
        sym_t mod = sym_intern(I->p->syms, name, (size_t)(dot - name));
        module_info_t *m = sema_find_module(I, mod);
        if (!m) return NULL;
        return find_type_in(m, sym_cstr(I->p->syms, dot + 1));
    }
    for (module_info_t *m = I->mod; m; m = m->parent) {
        type_decl_t *t = find_type_in(m, name);
        if (t) return t;
    }
    /* Types of any user module are visible by their short name too (imports are lenient);
     * the prelude sees only its own. */
    bool in_prelude = I->mod && I->mod->is_prelude;
    for (int i = 0; i < I->p->types.len; i++) {
        type_decl_t *t = I->p->types.items[i];
        if (t->name != name || (in_prelude && !(t->mod && t->mod->is_prelude))) continue;
        return t;
    }
    return NULL;
}

static bool find_ctor_in(module_info_t *m, sym_t name, type_decl_t **td, int *index) {
    for (int i = m->types.len - 1; i >= 0; i--) {
        type_decl_t *t = m->types.items[i];
        if (t->alias) continue;
        for (int k = 0; k < t->nctors; k++)
            if (t->ctors[k].name == name) {
                *td = t;
                *index = k;
                return true;
            }
    }
    return false;
}

bool sema_find_ctor(infer_t *I, sym_t name, type_decl_t **td, int *index) {
    const char *dot = strrchr(name, '.');
    if (dot) {
        /* Shape.Circle or Mod.Ctor or Mod.Shape.Circle */
        sym_t head = sym_intern(I->p->syms, name, (size_t)(dot - name));
        sym_t last = sym_cstr(I->p->syms, dot + 1);
        type_decl_t *t = sema_find_type(I, head);
        if (t) {
            for (int k = 0; k < t->nctors; k++)
                if (t->ctors[k].name == last) {
                    *td = t;
                    *index = k;
                    return true;
                }
        }
        module_info_t *m = sema_find_module(I, head);
        if (m && find_ctor_in(m, last, td, index)) return true;
        return false;
    }
    for (module_info_t *m = I->mod; m; m = m->parent)
        if (find_ctor_in(m, name, td, index)) return true;
    bool in_prelude = I->mod && I->mod->is_prelude;
    for (int i = 0; i < I->p->types.len; i++) {
        type_decl_t *t = I->p->types.items[i];
        if (t->alias || (in_prelude && !(t->mod && t->mod->is_prelude))) continue;
        for (int k = 0; k < t->nctors; k++)
            if (t->ctors[k].name == name) {
                *td = t;
                *index = k;
                return true;
            }
    }
    return false;
}

/* ---- type expressions --------------------------------------------------------------- */

static ty_t *prim_by_name(infer_t *I, sym_t n) {
    ty_ctx_t *c = I->tc;
    static const struct { const char *name; int off; } prims[] = {
        {"Int", 0}, {"Int64", 0}, {"Float", 1}, {"Float64", 1}, {"Bool", 2}, {"Char", 3},
        {"String", 4}, {"Pid", 5}, {"Unit", 6}, {"Int8", 7}, {"Int16", 8}, {"Int32", 9},
        {"UInt8", 10}, {"UInt16", 11}, {"UInt32", 12}, {"UInt64", 13}, {"Float32", 14},
        {"BigInt", 15}, {"Decimal", 16}, {"Any", 17}, {"Int64Array", 18}, {"Float64Array", 19},
        {"Float32Array", 20}, {"Buffer", 21},
    };
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++) {
        if (strcmp(n, prims[i].name) != 0) continue;
        tycon_t *tcs[] = {c->tc_int, c->tc_float, c->tc_bool, c->tc_char, c->tc_string, c->tc_pid,
                          c->tc_unit, c->tc_i8, c->tc_i16, c->tc_i32, c->tc_u8, c->tc_u16, c->tc_u32,
                          c->tc_u64, c->tc_f32, c->tc_bigint, c->tc_decimal, c->tc_dyn,
                          c->tc_arr_i64, c->tc_arr_f64, c->tc_arr_f32, c->tc_buffer};
        return ty_con0(c, tcs[prims[i].off]);
    }
    return NULL;
}

/* Type variables named in annotations of one function (T, a, ...). */
typedef struct tvar_env {
    sym_t *names;
    ty_t **vars;
    int n, cap;
} tvar_env_t;

static ty_t *texpr_to_ty(infer_t *I, texpr_t *te, tvar_env_t *env, bool allow_new);

static ty_t *apply_decl(infer_t *I, type_decl_t *td, ty_t **args, int nargs, span_t at) {
    if (nargs != td->nparams) {
        if (nargs == 0) {
            /* Missing arguments: fresh variables (List means List[a]). */
            args = ARENA_NEWN(I->a, ty_t *, td->nparams ? td->nparams : 1);
            for (int i = 0; i < td->nparams; i++) args[i] = ty_var(I->tc);
        } else {
            diag_error(I->d, at, "type %s expects %d type argument%s, found %d", td->name, td->nparams,
                       td->nparams == 1 ? "" : "s", nargs);
            return ty_var(I->tc);
        }
    }
    if (td->alias) {
        /* Expand the alias: substitute its parameters. */
        ty_t **sub = args;
        ty_ctx_t *c = I->tc;
        scheme_t s = {td->nparams, td->params, td->alias};
        ty_t **fresh;
        ty_t *r = ty_instantiate(c, &s, &fresh);
        for (int i = 0; i < td->nparams; i++) ty_unify(c, fresh[i], sub[i], NULL);
        return r;
    }
    return ty_con(I->tc, td->con, args, td->nparams);
}

static ty_t *texpr_to_ty(infer_t *I, texpr_t *te, tvar_env_t *env, bool allow_new) {
    ty_ctx_t *c = I->tc;
    if (!te) return ty_var(c);
    switch (te->kind) {
    case TE_UNIT:
        return c->t_unit;
    case TE_TUPLE: {
        ty_t **el = ARENA_NEWN(I->a, ty_t *, te->nargs ? te->nargs : 1);
        for (int i = 0; i < te->nargs; i++) el[i] = texpr_to_ty(I, te->args[i], env, allow_new);
        if (te->nargs == 1) return el[0];
        return ty_tuple(c, el, te->nargs);
    }
    case TE_FUN: {
        ty_t **ps = ARENA_NEWN(I->a, ty_t *, te->nargs ? te->nargs : 1);
        int np = te->nargs;
        for (int i = 0; i < np; i++) ps[i] = texpr_to_ty(I, te->args[i], env, allow_new);
        /* (()) -> T means no parameters. */
        if (np == 1 && te->args[0]->kind == TE_UNIT) np = 0;
        return ty_fun(c, ps, np, texpr_to_ty(I, te->ret, env, allow_new));
    }
    case TE_RECORD: {
        /* Anonymous record types are not supported; a tuple of the fields is close. */
        diag_error(I->d, te->span, "anonymous record types are not supported; declare a named type");
        return ty_var(c);
    }
    case TE_NAME:
    case TE_GENERIC: {
        sym_t n = te->name;
        ty_t **args = NULL;
        int nargs = te->kind == TE_GENERIC ? te->nargs : 0;
        if (nargs) {
            args = ARENA_NEWN(I->a, ty_t *, nargs);
            for (int i = 0; i < nargs; i++) args[i] = texpr_to_ty(I, te->args[i], env, allow_new);
        }
        /* Type variables: declared params, or any lower-case name, or a single capital letter. */
        if (env) {
            for (int i = 0; i < env->n; i++)
                if (env->names[i] == n) return env->vars[i];
        }
        if (nargs == 0) {
            ty_t *p = prim_by_name(I, n);
            if (p) return p;
        }
        type_decl_t *user = sema_find_type(I, n);
        if (user && !(user->mod && user->mod->is_prelude)) return apply_decl(I, user, args, nargs, te->span);
        if (strcmp(n, "List") == 0) {
            if (nargs == 1) return ty_list(c, args[0]);
            if (nargs == 0) return ty_list(c, ty_var(c));
        }
        if (strcmp(n, "Map") == 0) {
            ty_t *kv[2] = {nargs > 0 ? args[0] : ty_var(c), nargs > 1 ? args[1] : ty_var(c)};
            return ty_con(c, c->tc_map, kv, 2);
        }
        if (strcmp(n, "Set") == 0) {
            ty_t *e = nargs > 0 ? args[0] : ty_var(c);
            return ty_con(c, c->tc_set, &e, 1);
        }
        type_decl_t *td = sema_find_type(I, n);
        if (td) return apply_decl(I, td, args, nargs, te->span);
        bool looks_var = (n[0] >= 'a' && n[0] <= 'z') || (n[1] == 0 && n[0] >= 'A' && n[0] <= 'Z');
        if (env && looks_var && allow_new) {
            if (env->n == env->cap) {
                int nc = env->cap ? env->cap * 2 : 4;
                sym_t *nn = ARENA_NEWN(I->a, sym_t, nc);
                ty_t **nv = ARENA_NEWN(I->a, ty_t *, nc);
                if (env->n) {
                    memcpy(nn, env->names, sizeof(sym_t) * (size_t)env->n);
                    memcpy(nv, env->vars, sizeof(ty_t *) * (size_t)env->n);
                }
                env->names = nn;
                env->vars = nv;
                env->cap = nc;
            }
            ty_t *v = ty_var(c);
            v->name = n;
            env->names[env->n] = n;
            env->vars[env->n] = v;
            env->n++;
            return v;
        }
        diag_error(I->d, te->span, "unknown type '%s'", n);
        return ty_var(c);
    }
    }
    return ty_var(c);
}

ty_t *sema_texpr(infer_t *I, texpr_t *te, ty_t **vars, sym_t *names, int n, bool allow_new) {
    tvar_env_t env = {names, vars, n, n};
    return texpr_to_ty(I, te, &env, allow_new);
}

/* ---- functions ----------------------------------------------------------------------- */

static sym_t param_name(param_t *p) {
    pat_t *q = p->pat;
    while (q && q->kind == P_ANNOT && q->nelems > 0) q = q->elems[0];
    return q && q->kind == P_VAR ? q->name : NULL;
}

fn_info_t *sema_new_fn(infer_t *I, fn_decl_t *decl, fn_kind_t kind, sym_t name) {
    fn_info_t *fi = ARENA_NEW(I->a, fn_info_t);
    fi->decl = decl;
    fi->kind = kind;
    fi->name = name;
    fi->id = I->p->fns.len;
    fi->mod = I->mod;
    decl->sema = fi;
    clause_t *c0 = decl->nclauses ? &decl->clauses[0] : NULL;
    fi->arity = c0 ? c0->nparams : 0;
    fi->param_names = ARENA_NEWN(I->a, sym_t, fi->arity ? fi->arity : 1);
    fi->defaults = ARENA_NEWN(I->a, expr_t *, fi->arity ? fi->arity : 1);
    fi->annotated = ARENA_NEWN(I->a, bool, fi->arity ? fi->arity : 1);
    fi->nrequired = fi->arity;
    for (int k = 0; k < decl->nclauses; k++) {
        clause_t *cl = &decl->clauses[k];
        for (int i = 0; i < cl->nparams && i < fi->arity; i++) {
            if (!fi->param_names[i]) fi->param_names[i] = param_name(&cl->params[i]);
            if (!fi->defaults[i] && cl->params[i].def) fi->defaults[i] = cl->params[i].def;
            if (cl->params[i].type) fi->annotated[i] = true;
        }
    }
    for (int i = fi->arity - 1; i >= 0 && fi->defaults[i]; i--) fi->nrequired = i;
    vec_push(&I->p->fns, fi);
    return fi;
}

/* The key of a parameter annotation for clause grouping ("" when absent). */
static void texpr_key(sbuf_t *b, texpr_t *te) {
    if (!te) return;
    switch (te->kind) {
    case TE_UNIT: sb_puts(b, "()"); return;
    case TE_NAME: sb_puts(b, te->name); return;
    case TE_GENERIC:
    case TE_TUPLE:
    case TE_FUN:
    case TE_RECORD:
        sb_printf(b, "%d:%s[", te->kind, te->name ? te->name : "");
        for (int i = 0; i < te->nargs; i++) {
            texpr_key(b, te->args[i]);
            sb_putc(b, ',');
        }
        if (te->ret) texpr_key(b, te->ret);
        sb_putc(b, ']');
        return;
    }
}

static bool catch_all_pattern(pat_t *p) {
    while (p && p->kind == P_ANNOT && p->nelems) p = p->elems[0];
    return !p || p->kind == P_VAR || p->kind == P_WILD;
}

/*
 * Do two clauses belong to one function? Same arity and, position by
 * position, the same annotation; where only one of them is annotated, the
 * other must constrain that position by its pattern (`f(0)` goes with
 * `f(n: Int)`), while a bare untyped parameter (`f(x)` next to `f(x: Int)`)
 * makes a separate overload, the annotated one being preferred.
 */
static bool annotations_compatible(clause_t *a, clause_t *b) {
    if (a->nparams != b->nparams) return false;
    for (int i = 0; i < a->nparams; i++) {
        texpr_t *x = a->params[i].type, *y = b->params[i].type;
        if (!x && !y) continue;
        if (!x || !y) {
            pat_t *untyped = x ? b->params[i].pat : a->params[i].pat;
            if (catch_all_pattern(untyped)) return false;
            continue;
        }
        sbuf_t s1 = {0}, s2 = {0};
        texpr_key(&s1, x);
        texpr_key(&s2, y);
        bool same = strcmp(sb_cstr(&s1), sb_cstr(&s2)) == 0;
        sb_free(&s1);
        sb_free(&s2);
        if (!same) return false;
    }
    return true;
}

/* Adds a clause to fi's decl (decls are arena-allocated; clause arrays grow by copying). */
static void add_clause(infer_t *I, fn_decl_t *d, clause_t *c) {
    clause_t *nc = ARENA_NEWN(I->a, clause_t, d->nclauses + 1);
    memcpy(nc, d->clauses, sizeof(clause_t) * (size_t)d->nclauses);
    nc[d->nclauses] = *c;
    d->clauses = nc;
    d->nclauses++;
}

static sym_t qualify(infer_t *I, module_info_t *m, sym_t name) {
    if (!m || !m->name || !*m->name) return name;
    return sym_cstr(I->p->syms, arena_sprintf(I->a, "%s.%s", m->name, name));
}

static binding_t *module_fns_binding(infer_t *I, module_info_t *m, sym_t name, span_t at) {
    binding_t *b = sema_lookup_in_module(m, name);
    if (b && b->kind == B_FNS) return b;
    b = ARENA_NEW(I->a, binding_t);
    b->name = name;
    b->kind = B_FNS;
    b->span = at;
    b->id = I->p->nbindings++;
    b->fns = ARENA_NEW(I->a, fn_group_t);
    b->fns->name = name;
    vec_push(&m->scope, b);
    return b;
}

/* Adds one function item (a clause) to module m. */
static void collect_fn(infer_t *I, module_info_t *m, item_t *it) {
    fn_decl_t *d = it->fn;
    if (!d || !d->name || d->nclauses == 0) return;
    binding_t *b = module_fns_binding(I, m, d->name, d->name_span);
    for (int i = 0; i < b->fns->fns.len; i++) {
        fn_info_t *fi = b->fns->fns.items[i];
        if (fi->decl->nclauses && annotations_compatible(&fi->decl->clauses[0], &d->clauses[0])) {
            for (int k = 0; k < d->nclauses; k++) add_clause(I, fi->decl, &d->clauses[k]);
            /* Re-derive parameter info with the new clauses. */
            for (int k = 0; k < fi->arity; k++) {
                if (!fi->param_names[k] && k < d->clauses[0].nparams)
                    fi->param_names[k] = param_name(&d->clauses[0].params[k]);
                if (!fi->defaults[k] && k < d->clauses[0].nparams && d->clauses[0].params[k].def)
                    fi->defaults[k] = d->clauses[0].params[k].def;
            }
            fi->nrequired = fi->arity;
            for (int k = fi->arity - 1; k >= 0 && fi->defaults[k]; k--) fi->nrequired = k;
            if (it->pub) fi->pub = true;
            return;
        }
    }
    module_info_t *saved = I->mod;
    I->mod = m;
    /* Copy the decl: the clause array grows as more clauses arrive. */
    fn_decl_t *nd = ARENA_NEW(I->a, fn_decl_t);
    *nd = *d;
    fn_info_t *fi = sema_new_fn(I, nd, FK_TOP, d->name);
    I->mod = saved;
    fi->pub = it->pub;
    fi->qname = qualify(I, m, d->name);
    vec_push(&b->fns->fns, fi);
}

static void collect_type(infer_t *I, module_info_t *m, item_t *it) {
    type_decl_t *td = ARENA_NEW(I->a, type_decl_t);
    td->name = it->name;
    td->qname = qualify(I, m, it->name);
    td->span = it->span;
    td->item = it;
    td->mod = m;
    td->pub = it->pub;
    td->mutable_ = it->mutable_ || it->reactive; /* reactive records: mutable fields (no change tracking yet) */
    td->nparams = it->ntparams;
    td->params = ARENA_NEWN(I->a, ty_t *, it->ntparams ? it->ntparams : 1);
    for (int i = 0; i < it->ntparams; i++) {
        td->params[i] = ty_var(I->tc);
        td->params[i]->name = it->tparams[i].name;
        td->params[i]->generic = i;
    }
    tycon_kind_t k = it->body == TB_RECORD ? TC_RECORD : TC_VARIANT;
    td->is_record = it->body == TB_RECORD;
    if (it->body != TB_ALIAS) {
        td->con = ty_new_tycon(I->tc, it->name, k, it->ntparams);
        td->con->decl = td;
    }
    vec_push(&m->types, td);
    vec_push(&I->p->types, td);
}

static void collect_global(infer_t *I, module_info_t *m, item_t *it, bool is_mvar, bool is_const) {
    sym_t name = it->name;
    pat_t *pt = it->pat;
    if (!name && pt) {
        pat_t *q = pt;
        while (q->kind == P_ANNOT && q->nelems) q = q->elems[0];
        if (q->kind == P_VAR) name = q->name;
    }
    if (!name) {
        diag_error(I->d, it->span, "top-level destructuring bindings are not supported; bind one name");
        return;
    }
    global_info_t *g = ARENA_NEW(I->a, global_info_t);
    g->name = name;
    g->qname = qualify(I, m, name);
    g->item = it;
    g->is_mvar = is_mvar;
    g->is_const = is_const;
    g->mod = m;
    g->order = I->p->globals.len;
    vec_push(&I->p->globals, g);
    binding_t *b = ARENA_NEW(I->a, binding_t);
    b->name = name;
    b->kind = is_mvar ? B_MVAR : B_GLOBAL;
    b->span = it->span;
    b->id = I->p->nbindings++;
    b->global = g;
    vec_push(&m->scope, b);
}

static void collect_items(infer_t *I, module_info_t *m, item_t **items, int n);

/* ---- traits -------------------------------------------------------------------------------
 *
 * A trait names methods; an impl `Type: Trait` supplies them for Type. Impl methods are
 * ordinary functions whose first parameter (self) is annotated with the impl's type, so
 * that calls pick them by overloading on the receiver's type, like any annotated overload,
 * and generic code reaches them through pending constraints decided per instance. `Self`
 * in annotations means the impl's type. Trait methods with a default body that an impl
 * does not define are copied into the impl.
 */

static const char *const builtin_traits[] = {"Show", "Eq", "Ord", "Num", "Hash", "Copy", "Concat", NULL};

static bool is_builtin_trait(sym_t n) {
    for (int i = 0; builtin_traits[i]; i++)
        if (strcmp(n, builtin_traits[i]) == 0) return true;
    return false;
}

static item_t *find_trait(infer_t *I, sym_t name, int before) {
    for (int i = 0; i < I->p->traits.len && (before < 0 || i < before); i++)
        if (I->p->traits.items[i]->name == name) return I->p->traits.items[i];
    return NULL;
}

static void collect_trait(infer_t *I, module_info_t *m, item_t *it) {
    (void)m;
    /* Supertraits must be declared before (this also rejects cycles and self-reference). */
    for (int i = 0; i < it->nsupers; i++)
        if (!find_trait(I, it->supers[i], I->p->traits.len) && !is_builtin_trait(it->supers[i]))
            diag_error(I->d, it->span, "unknown trait '%s' (supertrait of %s)", it->supers[i], it->name);
    it->sema = m;
    vec_push(&I->p->traits, it);
}

/* A copy of te with every `Self` replaced by self_te. */
static texpr_t *subst_self(infer_t *I, texpr_t *te, texpr_t *self_te) {
    if (!te) return NULL;
    if (te->kind == TE_NAME && strcmp(te->name, "Self") == 0) return self_te;
    if (!te->nargs && !te->ret) return te;
    texpr_t *c = ARENA_NEW(I->a, texpr_t);
    *c = *te;
    c->args = ARENA_NEWN(I->a, texpr_t *, te->nargs ? te->nargs : 1);
    for (int i = 0; i < te->nargs; i++) c->args[i] = subst_self(I, te->args[i], self_te);
    c->ret = subst_self(I, te->ret, self_te);
    return c;
}

/* Types self and Self of one impl method clause. */
static void type_self(infer_t *I, clause_t *cl, texpr_t *self_te) {
    for (int i = 0; i < cl->nparams; i++) {
        param_t *pm = &cl->params[i];
        if (i == 0 && !pm->type) pm->type = self_te;
        else pm->type = subst_self(I, pm->type, self_te);
    }
    cl->ret = subst_self(I, cl->ret, self_te);
}

static void add_impl_fn(infer_t *I, module_info_t *m, item_t *impl, fn_decl_t *d) {
    fn_decl_t *nd = ARENA_NEW(I->a, fn_decl_t);
    *nd = *d;
    nd->clauses = ARENA_NEWN(I->a, clause_t, d->nclauses ? d->nclauses : 1);
    for (int k = 0; k < d->nclauses; k++) {
        nd->clauses[k] = d->clauses[k];
        nd->clauses[k].params = ARENA_NEWN(I->a, param_t, d->clauses[k].nparams ? d->clauses[k].nparams : 1);
        memcpy(nd->clauses[k].params, d->clauses[k].params, sizeof(param_t) * (size_t)d->clauses[k].nparams);
        /* The trait's declared result type binds an impl method that does not state its own. */
        if (!nd->clauses[k].ret) {
            item_t *tr = find_trait(I, impl->trait_name, -1);
            for (int q = 0; tr && q < tr->nmethods; q++)
                if (tr->methods[q].name == d->name && tr->methods[q].nparams == d->clauses[k].nparams)
                    nd->clauses[k].ret = tr->methods[q].ret;
        }
        type_self(I, &nd->clauses[k], impl->alias);
    }
    item_t *cp = ARENA_NEW(I->a, item_t);
    cp->kind = I_FN;
    cp->span = impl->span;
    cp->pub = impl->pub;
    cp->fn = nd;
    collect_fn(I, m, cp);
}

static void collect_impl(infer_t *I, module_info_t *m, item_t *it) {
    it->sema = m;
    /* Methods of a private trait are not exported with `use M.*`. */
    item_t *tr = find_trait(I, it->trait_name, -1);
    it->pub = !tr || tr->pub || m->is_prelude;
    for (int k = 0; k < it->nfns; k++) add_impl_fn(I, m, it, it->fns[k]);
    vec_push(&I->p->impls, it);
}

/* After all items: traits of impls exist, supertraits are implemented, defaults are copied. */
/* ty_ctx_t.user_trait: an impl `T: Num` (or Eq, Ord, Show...) for the user type tc. */
static bool user_trait(ty_ctx_t *c, tycon_t *tc, uint32_t trait) {
    program_t *p = c->user;
    const char *name = trait == TR_NUM ? "Num" : trait == TR_ORD ? "Ord" : trait == TR_EQ ? "Eq" : trait == TR_SHOW ? "Show" : NULL;
    if (!name || !tc->decl) return false;
    for (int i = 0; i < p->impls.len; i++) {
        item_t *it = p->impls.items[i];
        if (strcmp(it->trait_name, name) != 0 || !it->alias || !it->alias->name) continue;
        const char *tn = it->alias->name;
        const char *dot = strrchr(tn, '.');
        if (strcmp(dot ? dot + 1 : tn, tc->decl->name) == 0) return true;
    }
    return false;
}

/*
 * ty_ctx_t.user_fields: Eq/Ord/Hash of a user type's value need them of every
 * field (a record holding a function is not comparable). A type already being
 * checked further up (recursive types) counts as fine.
 */
static bool user_fields(ty_ctx_t *c, ty_t *t, uint32_t traits, const char **failed, bool commit) {
    static _Thread_local type_decl_t *busy[32];
    static _Thread_local int nbusy;
    type_decl_t *td = t->con->decl;
    if (!td || td->alias) return true;
    for (int i = 0; i < nbusy; i++)
        if (busy[i] == td) return true;
    if (nbusy == 32) return true;
    busy[nbusy++] = td;
    bool ok = true;
    for (int k = 0; k < td->nctors && ok; k++)
        for (int f = 0; f < td->ctors[k].nfields && ok; f++) {
            ty_t *ft = sema_ctor_field_type(c->user, td, k, f, t->args);
            ok = commit ? ty_require(c, ft, traits, failed) : ty_has_traits(c, ft, traits, failed);
        }
    nbusy--;
    return ok;
}

static void check_impls(infer_t *I) {
    I->tc->user_trait = user_trait;
    I->tc->user_fields = user_fields;
    I->tc->user = I->p;
    for (int i = 0; i < I->p->impls.len; i++) {
        item_t *it = I->p->impls.items[i];
        item_t *tr = find_trait(I, it->trait_name, -1);
        if (!tr) {
            if (!is_builtin_trait(it->trait_name))
                diag_error(I->d, it->span, "unknown trait '%s'", it->trait_name);
            continue;
        }
        sbuf_t k1 = {0};
        texpr_key(&k1, it->alias);
        for (int sidx = 0; sidx < tr->nsupers; sidx++) {
            bool found = is_builtin_trait(tr->supers[sidx]);
            for (int j = 0; j < I->p->impls.len && !found; j++) {
                item_t *o = I->p->impls.items[j];
                if (o->trait_name != tr->supers[sidx]) continue;
                sbuf_t k2 = {0};
                texpr_key(&k2, o->alias);
                if (strcmp(sb_cstr(&k1), sb_cstr(&k2)) == 0) found = true;
                sb_free(&k2);
            }
            if (!found)
                diag_error(I->d, it->span, "%s must implement supertrait %s to implement %s",
                           it->alias && it->alias->name ? it->alias->name : "type", tr->supers[sidx], tr->name);
        }
        sb_free(&k1);
        /* Default methods the impl leaves out. */
        for (int q = 0; q < tr->nmethods; q++) {
            trait_method_t *tm = &tr->methods[q];
            if (!tm->def) continue;
            bool defined = false;
            for (int k = 0; k < it->nfns; k++)
                if (it->fns[k]->name == tm->name) defined = true;
            if (defined) continue;
            fn_decl_t *d = ARENA_NEW(I->a, fn_decl_t);
            d->name = tm->name;
            d->span = tm->span;
            d->name_span = tm->span;
            d->nclauses = 1;
            d->clauses = ARENA_NEW(I->a, clause_t);
            d->clauses[0].params = tm->params;
            d->clauses[0].nparams = tm->nparams;
            d->clauses[0].ret = tm->ret;
            d->clauses[0].body = tm->def;
            d->clauses[0].span = tm->span;
            /* Each impl types its own copy of the default's body and parameters. */
            d = ast_clone_fn(I->a, d);
            module_info_t *saved = I->mod;
            add_impl_fn(I, (module_info_t *)it->sema ? (module_info_t *)it->sema : I->p->root, it, d);
            I->mod = saved;
        }
    }
}

static module_info_t *module_for_decl(infer_t *I, module_info_t *parent, sym_t name) {
    module_info_t *c = child_module(parent, name);
    if (c) return c;
    /* A nested module's own name is qualified (a.b); its binding in the parent is short. */
    binding_t *old = sema_lookup_in_module(parent, name);
    if (old && old->kind == B_MODULE && old->mod->parent == parent) return old->mod;
    sym_t full = qualify(I, parent, name);
    c = new_module(I, full, parent);
    c->is_prelude = parent->is_prelude;
    binding_t *b = ARENA_NEW(I->a, binding_t);
    b->name = name;
    b->kind = B_MODULE;
    b->mod = c;
    b->id = I->p->nbindings++;
    vec_push(&parent->scope, b);
    /* Module names of child modules are short for lookup; keep the short one in `name`. */
    c->name = full;
    return c;
}

/* The module a file's items belong to: geometry/shapes.nos is module shapes inside geometry. */
static module_info_t *file_module(infer_t *I, module_ast_t *m) {
    program_t *p = I->p;
    source_t *src = diag_file(p->diag, m->file);
    if (src && strncmp(src->path, "<prelude>", 9) == 0) return p->prelude;
    module_info_t *target = p->root;
    for (const char *s = src && src->module ? src->module : ""; *s;) {
        const char *e = strchr(s, '.');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        target = module_for_decl(I, target, sym_intern(p->syms, s, n));
        s = e ? e + 1 : s + n;
    }
    return target;
}

static void collect_items(infer_t *I, module_info_t *m, item_t **items, int n) {
    for (int i = 0; i < n; i++) {
        item_t *it = items[i];
        switch (it->kind) {
        case I_FN: collect_fn(I, m, it); break;
        case I_TYPE: collect_type(I, m, it); break;
        case I_MODULE: {
            module_info_t *c = module_for_decl(I, m, it->name);
            collect_items(I, c, it->items, it->nitems);
            break;
        }
        case I_BINDING: collect_global(I, m, it, false, false); break;
        case I_MVAR: collect_global(I, m, it, true, false); break;
        case I_CONST: collect_global(I, m, it, false, true); break;
        case I_USE: break; /* after all modules exist */
        case I_TEST: break;
        case I_TRAIT:
            collect_trait(I, m, it);
            break;
        case I_IMPL:
            collect_impl(I, m, it);
            break;
        case I_EXTERN:
            diag_error(I->d, it->span, "extern declarations are not supported");
            break;
        }
    }
}

/*
 * What `use src.*` brings of one binding of src: functions declared in src
 * and public (a group narrowed to those), globals declared there; nothing
 * src imported from elsewhere. The prelude exports everything.
 */
static binding_t *star_export(infer_t *I, module_info_t *src, binding_t *bb) {
    if (src->is_prelude) return bb;
    switch (bb->kind) {
    case B_FNS: {
        int keep = 0;
        for (int q = 0; q < bb->fns->fns.len; q++) {
            fn_info_t *f = bb->fns->fns.items[q];
            if (f->pub && f->mod == src) keep++;
        }
        if (keep == bb->fns->fns.len) return bb;
        if (keep == 0) return NULL;
        fn_group_t *g = ARENA_NEW(I->a, fn_group_t);
        g->name = bb->fns->name;
        for (int q = 0; q < bb->fns->fns.len; q++) {
            fn_info_t *f = bb->fns->fns.items[q];
            if (f->pub && f->mod == src) vec_push(&g->fns, f);
        }
        binding_t *cp = ARENA_NEW(I->a, binding_t);
        *cp = *bb;
        cp->fns = g;
        return cp;
    }
    case B_GLOBAL:
    case B_MVAR: return bb->global && bb->global->mod == src ? bb : NULL;
    default: return bb;
    }
}

static void process_uses(infer_t *I, module_info_t *m, item_t **items, int n) {
    for (int i = 0; i < n; i++) {
        item_t *it = items[i];
        if (it->kind == I_MODULE) {
            module_info_t *c = child_module(m, qualify(I, m, it->name));
            if (!c) c = child_module(m, it->name);
            if (c) process_uses(I, c, it->items, it->nitems);
            continue;
        }
        if (it->kind != I_USE || it->npath == 0) continue;
        /* Resolve the path as a module. */
        sbuf_t b = {0};
        for (int k = 0; k < it->npath; k++) {
            if (k) sb_putc(&b, '.');
            sb_puts(&b, it->path[k]);
        }
        sym_t path = sym_cstr(I->p->syms, sb_cstr(&b));
        sb_free(&b);
        module_info_t *saved = I->mod;
        I->mod = m;
        module_info_t *src = sema_find_module(I, path);
        sym_t single = NULL;
        if (!src && it->npath >= 2 && it->nuses == 0) {
            /* use a.b.name: the last component is the imported name. */
            sbuf_t b2 = {0};
            for (int k = 0; k < it->npath - 1; k++) {
                if (k) sb_putc(&b2, '.');
                sb_puts(&b2, it->path[k]);
            }
            src = sema_find_module(I, sym_cstr(I->p->syms, sb_cstr(&b2)));
            sb_free(&b2);
            single = it->path[it->npath - 1];
        }
        I->mod = saved;
        if (!src) {
            /* stdlib.* modules that we fold into the prelude are accepted silently. */
            if (strcmp(it->path[0], "stdlib") != 0)
                diag_error(I->d, it->span, "unknown module '%s'", path);
            continue;
        }
        if (it->nuses < 0 || (it->nuses == 0 && !single)) {
            /* use m.*: every public name declared in m (not what m imports itself). */
            for (int k = 0; k < src->scope.len; k++) {
                binding_t *bb = star_export(I, src, src->scope.items[k]);
                if (bb) vec_push(&m->scope, bb);
            }
            for (int k = 0; k < src->types.len; k++)
                if (src->types.items[k]->mod == src || src->is_prelude) vec_push(&m->types, src->types.items[k]);
            continue;
        }
        int nu = single ? 1 : it->nuses;
        for (int k = 0; k < nu; k++) {
            sym_t name = single ? single : it->uses[k].name;
            sym_t alias = single ? NULL : it->uses[k].alias;
            span_t at = single ? it->span : it->uses[k].span;
            binding_t *bb = sema_lookup_in_module(src, name);
            type_decl_t *td = find_type_in(src, name);
            type_decl_t *ctd = NULL;
            for (int q = 0; !bb && !td && !ctd && q < src->types.len; q++) {
                /* Constructors are not resolved yet: look in the declarations. */
                item_t *ti = src->types.items[q]->item;
                for (int r = 0; ti && ti->body == TB_VARIANT && r < ti->nctors; r++)
                    if (ti->ctors[r].name == name) ctd = src->types.items[q];
            }
            if (ctd) {
                /* A constructor by name: it comes with its type. */
                if (!ctd->pub && !src->is_prelude)
                    diag_error(I->d, at, "'%s' is private in module %s", name, path);
                else
                    vec_push(&m->types, ctd);
                continue;
            }
            if (!bb && !td) {
                /* Traits are program-wide: importing one by name only checks it exists. */
                if (find_trait(I, name, I->p->traits.len)) continue;
                diag_error(I->d, at, "module '%s' has no item '%s'", path, name);
                continue;
            }
            if (bb) {
                bool priv = false;
                if (bb->kind == B_FNS) {
                    priv = true;
                    for (int q = 0; q < bb->fns->fns.len; q++)
                        if (bb->fns->fns.items[q]->pub) priv = false;
                }
                if (priv && !src->is_prelude)
                    diag_error(I->d, at, "'%s' is private in module %s", name, path);
                if (alias) {
                    binding_t *cp = ARENA_NEW(I->a, binding_t);
                    *cp = *bb;
                    cp->name = alias;
                    vec_push(&m->scope, cp);
                } else {
                    vec_push(&m->scope, bb);
                }
            }
            if (td) vec_push(&m->types, td);
        }
    }
}

/* ---- type declarations ------------------------------------------------------------------ */

static void resolve_type(infer_t *I, type_decl_t *td) {
    item_t *it = td->item;
    module_info_t *saved = I->mod;
    I->mod = td->mod;
    sym_t *names = ARENA_NEWN(I->a, sym_t, td->nparams ? td->nparams : 1);
    for (int i = 0; i < td->nparams; i++) names[i] = it->tparams[i].name;
    tvar_env_t env = {names, td->params, td->nparams, td->nparams};
    if (it->body == TB_ALIAS) {
        td->alias = texpr_to_ty(I, it->alias, &env, false);
    } else if (it->body == TB_RECORD) {
        td->nctors = 1;
        td->ctors = ARENA_NEW(I->a, ctor_info_t);
        ctor_info_t *c = &td->ctors[0];
        c->name = td->name;
        c->nfields = it->nfields;
        c->span = it->span;
        c->fields = ARENA_NEWN(I->a, ty_t *, it->nfields ? it->nfields : 1);
        c->field_names = ARENA_NEWN(I->a, sym_t, it->nfields ? it->nfields : 1);
        for (int i = 0; i < it->nfields; i++) {
            c->fields[i] = texpr_to_ty(I, it->fields[i].type, &env, false);
            c->field_names[i] = it->fields[i].name;
        }
    } else {
        td->nctors = it->nctors;
        td->ctors = ARENA_NEWN(I->a, ctor_info_t, it->nctors ? it->nctors : 1);
        for (int k = 0; k < it->nctors; k++) {
            ctor_decl_t *cd = &it->ctors[k];
            ctor_info_t *c = &td->ctors[k];
            c->name = cd->name;
            c->index = k;
            c->span = cd->span;
            if (cd->kind == CTOR_NAMED) {
                c->nfields = cd->nfields;
                c->fields = ARENA_NEWN(I->a, ty_t *, cd->nfields ? cd->nfields : 1);
                c->field_names = ARENA_NEWN(I->a, sym_t, cd->nfields ? cd->nfields : 1);
                for (int i = 0; i < cd->nfields; i++) {
                    c->fields[i] = texpr_to_ty(I, cd->fields[i].type, &env, false);
                    c->field_names[i] = cd->fields[i].name;
                }
            } else if (cd->kind == CTOR_POSITIONAL) {
                c->nfields = cd->ntypes;
                c->fields = ARENA_NEWN(I->a, ty_t *, cd->ntypes ? cd->ntypes : 1);
                for (int i = 0; i < cd->ntypes; i++) c->fields[i] = texpr_to_ty(I, cd->types[i], &env, false);
            }
        }
        /* `type P = P { name: String }`: a single named-field constructor with the type's
         * own name acts as a record. */
        if (td->nctors == 1 && td->ctors[0].field_names && td->ctors[0].name == td->name)
            td->is_record = true;
    }
    I->mod = saved;
}

ty_t *sema_ctor_field_type(program_t *p, type_decl_t *td, int ctor, int field, ty_t **targs) {
    scheme_t s = {td->nparams, td->params, td->ctors[ctor].fields[field]};
    if (td->nparams == 0) return s.type;
    ty_t **fresh;
    ty_t *r = ty_instantiate(p->tc, &s, &fresh);
    for (int i = 0; i < td->nparams; i++) ty_unify(p->tc, fresh[i], targs[i], NULL);
    return r;
}

/* The module that holds a type's methods: List for List[T], String for String, ... */
module_info_t *sema_type_module(infer_t *I, ty_t *t) {
    t = ty_prune(t);
    const char *name = NULL;
    ty_ctx_t *c = I->tc;
    if (t->kind == TY_CON) {
        if (t->con == c->tc_list) name = "List";
        else if (t->con == c->tc_map) name = "Map";
        else if (t->con == c->tc_set) name = "Set";
        else if (t->con->kind == TC_PRIM || t->con->kind == TC_OPAQUE) name = t->con->name;
        else if (t->con->decl) {
            type_decl_t *td = t->con->decl;
            if (td->mod && td->mod->is_prelude) name = td->name; /* Option, Result */
        }
    } else if (t->kind == TY_TUPLE) {
        name = "Tuple";
    }
    if (!name) return NULL;
    if (strcmp(name, "Int64") == 0) name = "Int";
    sym_t s = sym_cstr(I->p->syms, name);
    return I->p->prelude ? child_module(I->p->prelude, s) : NULL;
}

type_decl_t *sema_type_module_decl(infer_t *I, ty_t *t) {
    t = ty_prune(t);
    return t->kind == TY_CON ? t->con->decl : NULL;
}

/* ---- function signatures and inference driver ----------------------------------------------- */

/*
 * A function's provisional type: annotated parameter and result types, fresh
 * variables elsewhere. Named type parameters (f[T]) and lower-case names in
 * annotations are shared across the clauses.
 */
static void make_signature(infer_t *I, fn_info_t *fi) {
    fn_decl_t *d = fi->decl;
    tvar_env_t env = {0};
    for (int i = 0; i < d->ntparams; i++) {
        ty_t *v = ty_var(I->tc);
        v->name = d->tparams[i].name;
        for (int k = 0; k < d->tparams[i].nbounds; k++) {
            sym_t bnd = d->tparams[i].bounds[k];
            if (strcmp(bnd, "Num") == 0) v->traits |= TR_NUM;
            else if (strcmp(bnd, "Eq") == 0) v->traits |= TR_EQ;
            else if (strcmp(bnd, "Ord") == 0) v->traits |= TR_ORD | TR_EQ;
            else if (strcmp(bnd, "Hash") == 0) v->traits |= TR_HASH;
            else if (strcmp(bnd, "Show") == 0) v->traits |= TR_SHOW;
            else if (strcmp(bnd, "Any") == 0) v->traits |= TR_ANYDEF;
        }
        if (env.n == env.cap) {
            int nc = env.cap ? env.cap * 2 : 4;
            sym_t *nn = ARENA_NEWN(I->a, sym_t, nc);
            ty_t **nv = ARENA_NEWN(I->a, ty_t *, nc);
            if (env.n) {
                memcpy(nn, env.names, sizeof(sym_t) * (size_t)env.n);
                memcpy(nv, env.vars, sizeof(ty_t *) * (size_t)env.n);
            }
            env.names = nn;
            env.vars = nv;
            env.cap = nc;
        }
        env.names[env.n] = v->name;
        env.vars[env.n] = v;
        env.n++;
    }
    ty_t **ps = ARENA_NEWN(I->a, ty_t *, fi->arity ? fi->arity : 1);
    for (int i = 0; i < fi->arity; i++) ps[i] = ty_var(I->tc);
    ty_t *ret = ty_var(I->tc);
    for (int k = 0; k < d->nclauses; k++) {
        clause_t *cl = &d->clauses[k];
        for (int i = 0; i < cl->nparams && i < fi->arity; i++) {
            if (!cl->params[i].type) continue;
            ty_t *t = texpr_to_ty(I, cl->params[i].type, &env, true);
            ty_unify(I->tc, ps[i], t, NULL);
        }
        if (cl->ret) {
            ty_t *t = texpr_to_ty(I, cl->ret, &env, true);
            if (!ty_unify(I->tc, ret, t, NULL))
                diag_error(I->d, cl->ret->span, "clauses of '%s' declare different result types", fi->name);
        }
    }
    fi->type = ty_fun(I->tc, ps, fi->arity, ret);
}

/* Stack of named functions being inferred (Tarjan's lowlink detects recursive groups). */
typedef struct fn_frame {
    fn_info_t *fi;
    int index;
    int lowlink;
    int saved_level;
} fn_frame_t;

static VEC(fn_frame_t) g_stack;
static VEC(fn_info_t *) g_waiting; /* finished but not yet generalized (members of a group) */

static int frame_of(fn_info_t *fi) {
    for (int i = g_stack.len - 1; i >= 0; i--)
        if (g_stack.items[i].fi == fi) return i;
    return -1;
}

/* Moves the pending constraints that only concern generic variables of the group into the
 * schemes' pending lists (so that callers learn from them). */
static bool pend_mentions_generic(ty_t *t) {
    t = ty_prune(t);
    if (t->kind == TY_VAR) return t->generic >= 0;
    for (int i = 0; i < t->nargs; i++)
        if (pend_mentions_generic(t->args[i])) return true;
    if (t->kind == TY_FUN) return pend_mentions_generic(t->ret);
    return false;
}

static bool fn_within(fn_info_t *inner, fn_info_t *outer) {
    for (fn_info_t *f = inner; f; f = f->parent)
        if (f == outer) return true;
    return false;
}

void sema_generalize_group(infer_t *I, fn_info_t **members, int n, int level) {
    if (n == 1 && members[0] == I->p->main_fn) {
        /* main is never polymorphic: what it leaves open is decided at the end (defaults, Dyn). */
        members[0]->scheme = ty_mono_scheme(I->tc, members[0]->type);
        members[0]->state = 2;
        return;
    }
    int saved = I->tc->level;
    I->tc->level = level;
    /* Pending constraints of these functions (and their lambdas) still open now go with the
     * schemes, and their variables are quantified too (qualified types). */
    VEC(pending_t *) carried = {0};
    for (int k = 0; k < I->pending.len; k++) {
        pending_t *pd = I->pending.items[k];
        if (pd->resolved || !pd->owner) continue;
        for (int i = 0; i < n; i++)
            if (fn_within(pd->owner, members[i])) {
                vec_push(&carried, pd);
                break;
            }
    }
    VEC(ty_t *) types = {0};
    for (int i = 0; i < n; i++) vec_push(&types, members[i]->type);
    for (int k = 0; k < carried.len; k++) {
        pending_t *pd = carried.items[k];
        for (int a = 0; a < pd->nargs; a++) vec_push(&types, pd->args[a]);
        if (pd->result) vec_push(&types, pd->result);
    }
    scheme_t **out = ARENA_NEWN(I->a, scheme_t *, types.len ? types.len : 1);
    ty_generalize_group(I->tc, types.items, types.len, out);
    for (int i = 0; i < n; i++) {
        members[i]->scheme = out[i];
        members[i]->state = 2;
    }
    /* Keep in each scheme the constraints that mention its generic variables. */
    for (int i = 0; i < n; i++) {
        fn_info_t *fi = members[i];
        VEC(pending_t *) mine = {0};
        for (int k = 0; k < carried.len; k++) {
            pending_t *pd = carried.items[k];
            if (!fn_within(pd->owner, fi)) continue;
            bool gen = false;
            for (int a = 0; a < pd->nargs && !gen; a++) gen = pend_mentions_generic(pd->args[a]);
            if (!gen && pd->result) gen = pend_mentions_generic(pd->result);
            if (gen) vec_push(&mine, pd);
        }
        if (mine.len) {
            fi->pend = ARENA_NEWN(I->a, pending_t *, mine.len);
            memcpy(fi->pend, mine.items, sizeof(pending_t *) * (size_t)mine.len);
            fi->npend = mine.len;
        }
        vec_free(&mine);
    }
    /* Constraints now carried by schemes leave the working list (mono decides them per instance). */
    int w = 0;
    for (int k = 0; k < I->pending.len; k++) {
        pending_t *pd = I->pending.items[k];
        bool kept = false;
        for (int i = 0; i < n && !kept; i++)
            for (int q = 0; q < members[i]->npend; q++)
                if (members[i]->pend[q] == pd) kept = true;
        if (!kept && !pd->resolved) I->pending.items[w++] = pd;
    }
    I->pending.len = w;
    vec_free(&carried);
    vec_free(&types);
    I->tc->level = saved;
}

static void raise_levels(ty_t *t, int level) {
    t = ty_prune(t);
    if (t->kind == TY_VAR) {
        if (t->generic < 0) t->level = level;
        return;
    }
    for (int i = 0; i < t->nargs; i++) raise_levels(t->args[i], level);
    if (t->kind == TY_FUN) raise_levels(t->ret, level);
}

/*
 * Infers a named function (top-level or local) if not done yet. Calls from
 * inside a recursive group see the provisional (monomorphic) type.
 */
void sema_infer_fn(infer_t *I, fn_info_t *fi) {
    if (fi->state == 2) return;
    if (fi->state == 1 || fi->state == 3) {
        /* Recursive reference: the current top of stack joins fi's group. */
        int f = frame_of(fi);
        if (f < 0) {
            /* fi is waiting (finished, not generalized): find the frame of its group root. */
            return;
        }
        if (g_stack.len > 0) {
            fn_frame_t *top = &vec_last(&g_stack);
            if (f < top->lowlink) top->lowlink = f;
        }
        return;
    }
    fi->state = 1;
    /* Save the context of the function in progress. */
    scope_t *saved_scope = I->scope;
    fn_info_t *saved_fn = I->fn;
    module_info_t *saved_mod = I->mod;
    loop_ctx_t *saved_loop = I->loop;
    int saved_try = I->try_depth;
    ty_t *saved_ret = I->ret_ty;

    fn_frame_t fr = {fi, g_stack.len, g_stack.len, I->tc->level};
    vec_push(&g_stack, fr);
    I->tc->level++;
    fi->level = I->tc->level;
    /* The provisional signature was made before inference: its variables belong here. */
    raise_levels(fi->type, I->tc->level);

    infer_fn_body(I, fi);

    I->tc->level = fr.saved_level;
    fn_frame_t done = vec_last(&g_stack);
    g_stack.len--;

    I->scope = saved_scope;
    I->fn = saved_fn;
    I->mod = saved_mod;
    I->loop = saved_loop;
    I->try_depth = saved_try;
    I->ret_ty = saved_ret;

    if (done.lowlink < done.index) {
        /* Part of a group whose root is lower on the stack: wait for it. */
        fi->state = 3;
        vec_push(&g_waiting, fi);
        fn_frame_t *below = &vec_last(&g_stack);
        if (done.lowlink < below->lowlink) below->lowlink = done.lowlink;
        return;
    }
    /* Root of its group: generalize it with every waiting member pushed after it. */
    VEC(fn_info_t *) members = {0};
    vec_push(&members, fi);
    int w = 0;
    for (int i = 0; i < g_waiting.len; i++) {
        fn_info_t *m = g_waiting.items[i];
        /* Members waiting for this root were pushed while it was in progress. */
        if (m->state == 3 && frame_of(m) < 0) vec_push(&members, m);
        else g_waiting.items[w++] = m;
    }
    g_waiting.len = w;
    infer_solve_pending(I, false);
    sema_generalize_group(I, members.items, members.len, fr.saved_level);
    vec_free(&members);
}

/* The type of a use of fi: a fresh instance of its scheme, or its provisional type in a group. */
ty_t *sema_instantiate_fn(infer_t *I, fn_info_t *fi, ty_t ***inst) {
    if (fi->kind == FK_TOP || fi->kind == FK_LOCAL) sema_infer_fn(I, fi);
    if (fi->state != 2 || !fi->scheme) {
        if (inst) *inst = NULL;
        return fi->type;
    }
    ty_t **fresh = NULL;
    ty_t *t = ty_instantiate(I->tc, fi->scheme, &fresh);
    if (inst) *inst = fresh;
    /* Carry the scheme's pending constraints into the caller with the same fresh variables. */
    for (int i = 0; i < fi->npend; i++) {
        pending_t *src = fi->pend[i];
        pending_t *pd = ARENA_NEW(I->a, pending_t);
        *pd = *src;
        pd->expr = NULL; /* propagation only: the callee's own copy records resolutions */
        pd->resolved = false;
        pd->reported = false;
        pd->owner = I->fn;
        pd->args = ARENA_NEWN(I->a, ty_t *, src->nargs ? src->nargs : 1);
        for (int a = 0; a < src->nargs; a++)
            pd->args[a] = sema_subst_vars(I->tc, src->args[a], fi->scheme->vars, fresh, fi->scheme->nvars);
        if (src->result)
            pd->result = sema_subst_vars(I->tc, src->result, fi->scheme->vars, fresh, fi->scheme->nvars);
        vec_push(&I->pending, pd);
    }
    return t;
}

/* Replaces the variables vars[i] (by identity) with by[i]. */
ty_t *sema_subst_vars(ty_ctx_t *c, ty_t *t, ty_t **vars, ty_t **by, int n) {
    t = ty_prune(t);
    if (t->kind == TY_VAR) {
        for (int i = 0; i < n; i++)
            if (vars[i] == t) return by[i];
        return t;
    }
    if (t->nargs == 0 && t->kind == TY_CON) return t;
    ty_t **na = ARENA_NEWN(c->arena, ty_t *, t->nargs ? t->nargs : 1);
    bool changed = false;
    for (int i = 0; i < t->nargs; i++) {
        na[i] = sema_subst_vars(c, t->args[i], vars, by, n);
        if (na[i] != t->args[i]) changed = true;
    }
    ty_t *nr = t->kind == TY_FUN ? sema_subst_vars(c, t->ret, vars, by, n) : NULL;
    if (nr != t->ret) changed = true;
    if (!changed) return t;
    if (t->kind == TY_CON) return ty_con(c, t->con, na, t->nargs);
    if (t->kind == TY_TUPLE) return ty_tuple(c, na, t->nargs);
    return ty_fun(c, na, t->nargs, nr);
}

/* ---- globals ------------------------------------------------------------------------------------ */

static void infer_global(infer_t *I, global_info_t *g) {
    if (g->init) return;
    item_t *it = g->item;
    /* The initializer is a zero-parameter function; its result is the global's value. */
    fn_decl_t *d = ARENA_NEW(I->a, fn_decl_t);
    d->name = g->name;
    d->span = it->span;
    d->nclauses = 1;
    d->clauses = ARENA_NEW(I->a, clause_t);
    d->clauses[0].body = it->value;
    d->clauses[0].span = it->span;
    d->clauses[0].ret = it->alias ? it->alias : (it->pat && it->pat->kind == P_ANNOT ? it->pat->type : NULL);
    module_info_t *saved_mod = I->mod;
    I->mod = g->mod;
    fn_info_t *fi = sema_new_fn(I, d, FK_INIT, g->name);
    fi->qname = sym_cstr(I->p->syms, arena_sprintf(I->a, "%s$init", g->qname));
    g->init = fi;
    make_signature(I, fi);
    g->ty = fi->type->ret;
    if (it->kind == I_MVAR && !it->alias)
        diag_error(I->d, it->span, "mvar '%s' needs a type annotation", g->name);
    I->mod = saved_mod;
    /* Globals are monomorphic: infer at the outer level, no generalization. */
    scope_t *saved_scope = I->scope;
    fn_info_t *saved_fn = I->fn;
    loop_ctx_t *saved_loop = I->loop;
    ty_t *saved_ret = I->ret_ty;
    fi->state = 1;
    fn_frame_t fr = {fi, g_stack.len, g_stack.len, I->tc->level};
    vec_push(&g_stack, fr);
    infer_fn_body(I, fi);
    g_stack.len--;
    fi->state = 2;
    fi->scheme = ty_mono_scheme(I->tc, fi->type);
    I->scope = saved_scope;
    I->fn = saved_fn;
    I->mod = saved_mod;
    I->loop = saved_loop;
    I->ret_ty = saved_ret;
}

/* The type of a global (inferring its initializer on first use). */
ty_t *sema_global_type(infer_t *I, global_info_t *g) {
    if (!g->init) infer_global(I, g);
    return g->ty;
}

/* ---- the driver ------------------------------------------------------------------------------------ */

static void init_infer(infer_t *I, program_t *p) {
    memset(I, 0, sizeof *I);
    I->p = p;
    I->tc = p->tc;
    I->d = p->diag;
    I->a = p->arena;
    I->s_main = sym_cstr(p->syms, "main");
    I->s_update = sym_cstr(p->syms, "update");
    I->s_native = sym_cstr(p->syms, "__native__");
    I->s_builtin = sym_cstr(p->syms, "__builtin__");
    I->s_length = sym_cstr(p->syms, "length");
    I->s_self = sym_cstr(p->syms, "self");
    I->s_underscore = sym_cstr(p->syms, "_");
}

static void num_default(infer_t *I, ty_t *t, int depth) {
    t = ty_prune(t);
    if (depth > 50) return;
    if (t->kind == TY_VAR) {
        if (t->traits & TR_NUM) ty_unify(I->tc, t, I->tc->t_int, NULL);
        return;
    }
    for (int i = 0; i < t->nargs; i++) num_default(I, t->args[i], depth + 1);
    if (t->kind == TY_FUN) num_default(I, t->ret, depth + 1);
}

/* Open variables of a message/exception pattern type become Any (numeric ones stay: Int). */
static void dyn_default(infer_t *I, ty_t *t, int depth) {
    t = ty_prune(t);
    if (depth > 50) return;
    if (t->kind == TY_VAR) {
        if (t->generic < 0 && !(t->traits & TR_NUM)) ty_unify(I->tc, t, I->tc->t_dyn, NULL);
        return;
    }
    for (int i = 0; i < t->nargs; i++) dyn_default(I, t->args[i], depth + 1);
    if (t->kind == TY_FUN) dyn_default(I, t->ret, depth + 1);
}

bool sema_check(program_t *p) {
    infer_t I0, *I = &I0;
    init_infer(I, p);
    g_stack.len = 0;
    g_waiting.len = 0;
    p->prelude = new_module(I, sym_cstr(p->syms, ""), NULL);
    p->prelude->is_prelude = true;
    p->root = new_module(I, sym_cstr(p->syms, ""), p->prelude);

    /* 1. collect */
    for (int i = 0; i < p->asts.len; i++) {
        module_ast_t *m = p->asts.items[i];
        module_info_t *target = file_module(I, m);
        I->mod = target;
        collect_items(I, target, m->items, m->nitems);
    }
    for (int i = 0; i < p->asts.len; i++) {
        module_ast_t *m = p->asts.items[i];
        module_info_t *target = file_module(I, m);
        process_uses(I, target, m->items, m->nitems);
    }

    check_impls(I);

    /* Option and Result come from the prelude. */
    {
        I->mod = p->prelude;
        p->option_decl = sema_find_type(I, sym_cstr(p->syms, "Option"));
        p->result_decl = sema_find_type(I, sym_cstr(p->syms, "Result"));
    }

    /* 2. types */
    for (int i = 0; i < p->types.len; i++) resolve_type(I, p->types.items[i]);

    /* 3. signatures */
    for (int i = 0; i < p->fns.len; i++) {
        fn_info_t *fi = p->fns.items[i];
        I->mod = fi->mod;
        make_signature(I, fi);
    }

    /* main */
    binding_t *mb = sema_lookup_in_module(p->root, I->s_main);
    if (mb && mb->kind == B_FNS) {
        for (int i = 0; i < mb->fns->fns.len; i++)
            if (mb->fns->fns.items[i]->arity == 0) p->main_fn = mb->fns->fns.items[i];
    }
    if (!p->main_fn && p->diag->nerrors == 0) {
        uint32_t file = p->asts.len ? p->asts.items[p->asts.len - 1]->file : 0;
        span_t at = {file, 0, 0};
        diag_error(p->diag, at, "no main() function found; define `main() = ...`");
    }

    /* 4. infer: globals in order, main, then everything else (for errors). */
    I->mod = p->root;
    for (int i = 0; i < p->globals.len; i++) sema_global_type(I, p->globals.items[i]);
    if (p->main_fn) {
        I->mod = p->main_fn->mod;
        sema_infer_fn(I, p->main_fn);
    }
    int nfns = p->fns.len;
    for (int i = 0; i < nfns && i < p->fns.len; i++) {
        fn_info_t *fi = p->fns.items[i];
        if (fi->kind != FK_TOP || fi->state == 2) continue;
        if (fi->mod && fi->mod->is_prelude) continue; /* the prelude is checked when used */
        I->mod = fi->mod;
        sema_infer_fn(I, fi);
    }

    /* 5. final */
    infer_solve_pending(I, true);
    /* A message or exception pattern whose type nothing determined matches any value (Dyn). */
    for (int i = 0; i < I->dyn_candidates.len; i++) dyn_default(I, I->dyn_candidates.items[i], 0);
    /* main is monomorphic: numeric literals it leaves open are Int (as codegen would decide). */
    if (p->main_fn) num_default(I, p->main_fn->type, 0);
    vec_free(&I->dyn_candidates);
    vec_free(&I->pending);
    if (p->diag->nerrors == 0) sema_check_mvars(p);
    return p->diag->nerrors == 0;
}

/* ---- --emit=types ---------------------------------------------------------------------------------- */

static void print_scheme(FILE *out, fn_info_t *fi) {
    sbuf_t b = {0};
    ty_t *t = fi->scheme ? fi->scheme->type : fi->type;
    ty_names_begin();
    ty_print_named(&b, t);
    /* Calls and fields decided per instance (carried constraints). */
    for (int i = 0; i < fi->npend; i++) {
        pending_t *pd = fi->pend[i];
        sb_puts(&b, i ? ", " : " with ");
        if (pd->kind == PEND_CALL) {
            sb_printf(&b, "%s(", pd->name);
            for (int a = 0; a < pd->nargs; a++) {
                if (a) sb_puts(&b, ", ");
                ty_print_named(&b, pd->args[a]);
            }
            sb_puts(&b, ") : ");
        } else {
            ty_print_named(&b, pd->args[0]);
            sb_printf(&b, pd->kind == PEND_FIELD ? ".%s : " : "[_] : ", pd->name ? pd->name : "");
        }
        ty_print_named(&b, pd->result);
    }
    ty_names_end(&b);
    fprintf(out, "%s : %s\n", fi->qname ? fi->qname : fi->name, sb_cstr(&b));
    sb_free(&b);
}

void sema_dump_types(program_t *p, FILE *out) {
    for (int i = 0; i < p->types.len; i++) {
        type_decl_t *td = p->types.items[i];
        if (td->mod && td->mod->is_prelude) continue;
        fprintf(out, "type %s", td->qname);
        for (int k = 0; k < td->nparams; k++) fprintf(out, "%s%s", k ? ", " : "[", td->params[k]->name);
        fprintf(out, "%s =", td->nparams ? "]" : "");
        if (td->alias) {
            sbuf_t b = {0};
            ty_print(&b, td->alias);
            fprintf(out, " %s\n", sb_cstr(&b));
            sb_free(&b);
            continue;
        }
        for (int k = 0; k < td->nctors; k++) {
            ctor_info_t *c = &td->ctors[k];
            fprintf(out, "%s %s", k ? " |" : "", c->name);
            if (c->nfields) fputc('(', out);
            for (int f = 0; f < c->nfields; f++) {
                sbuf_t b = {0};
                ty_print(&b, c->fields[f]);
                fprintf(out, "%s%s%s%s", f ? ", " : "", c->field_names ? c->field_names[f] : "",
                        c->field_names ? ": " : "", sb_cstr(&b));
                sb_free(&b);
            }
            if (c->nfields) fputc(')', out);
        }
        fputc('\n', out);
    }
    for (int i = 0; i < p->globals.len; i++) {
        global_info_t *g = p->globals.items[i];
        if (g->mod && g->mod->is_prelude) continue;
        sbuf_t b = {0};
        ty_print_normalized(&b, g->ty);
        fprintf(out, "%s%s : %s\n", g->is_mvar ? "mvar " : "", g->qname, sb_cstr(&b));
        sb_free(&b);
    }
    for (int i = 0; i < p->fns.len; i++) {
        fn_info_t *fi = p->fns.items[i];
        if (fi->kind != FK_TOP || (fi->mod && fi->mod->is_prelude)) continue;
        print_scheme(out, fi);
    }
}
