/*
 * types.c - type construction, unification, generalization, printing.
 */
#include "types.h"

#include <string.h>

tycon_t *ty_new_tycon(ty_ctx_t *c, sym_t name, tycon_kind_t kind, int arity) {
    tycon_t *tc = ARENA_NEW(c->arena, tycon_t);
    tc->name = name;
    tc->kind = kind;
    tc->arity = arity;
    tc->id = c->next_id++;
    return tc;
}

static tycon_t *prim(ty_ctx_t *c, const char *name, prim_t p) {
    tycon_t *tc = ty_new_tycon(c, sym_cstr(c->syms, name), TC_PRIM, 0);
    tc->prim = p;
    return tc;
}

void ty_ctx_init(ty_ctx_t *c, arena_t *a, symtab_t *syms) {
    memset(c, 0, sizeof *c);
    c->arena = a;
    c->syms = syms;
    c->next_id = 1;
    c->tc_unit = prim(c, "()", PRIM_UNIT);
    c->tc_bool = prim(c, "Bool", PRIM_BOOL);
    c->tc_char = prim(c, "Char", PRIM_CHAR);
    c->tc_int = prim(c, "Int", PRIM_INT);
    c->tc_i8 = prim(c, "Int8", PRIM_I8);
    c->tc_i16 = prim(c, "Int16", PRIM_I16);
    c->tc_i32 = prim(c, "Int32", PRIM_I32);
    c->tc_u8 = prim(c, "UInt8", PRIM_U8);
    c->tc_u16 = prim(c, "UInt16", PRIM_U16);
    c->tc_u32 = prim(c, "UInt32", PRIM_U32);
    c->tc_u64 = prim(c, "UInt64", PRIM_U64);
    c->tc_float = prim(c, "Float", PRIM_FLOAT);
    c->tc_f32 = prim(c, "Float32", PRIM_F32);
    c->tc_bigint = prim(c, "BigInt", PRIM_BIGINT);
    c->tc_decimal = prim(c, "Decimal", PRIM_DECIMAL);
    c->tc_string = prim(c, "String", PRIM_STRING);
    c->tc_pid = prim(c, "Pid", PRIM_PID);
    c->tc_list = ty_new_tycon(c, sym_cstr(syms, "List"), TC_LIST, 1);
    c->tc_map = ty_new_tycon(c, sym_cstr(syms, "Map"), TC_MAP, 2);
    c->tc_set = ty_new_tycon(c, sym_cstr(syms, "Set"), TC_SET, 1);
    c->tc_dyn = ty_new_tycon(c, sym_cstr(syms, "Any"), TC_OPAQUE, 0);
    c->tc_arr_i64 = ty_new_tycon(c, sym_cstr(syms, "Int64Array"), TC_OPAQUE, 0);
    c->tc_arr_f64 = ty_new_tycon(c, sym_cstr(syms, "Float64Array"), TC_OPAQUE, 0);
    c->tc_arr_f32 = ty_new_tycon(c, sym_cstr(syms, "Float32Array"), TC_OPAQUE, 0);
    c->tc_buffer = ty_new_tycon(c, sym_cstr(syms, "Buffer"), TC_OPAQUE, 0);
    c->t_unit = ty_con0(c, c->tc_unit);
    c->t_bool = ty_con0(c, c->tc_bool);
    c->t_char = ty_con0(c, c->tc_char);
    c->t_int = ty_con0(c, c->tc_int);
    c->t_float = ty_con0(c, c->tc_float);
    c->t_string = ty_con0(c, c->tc_string);
    c->t_pid = ty_con0(c, c->tc_pid);
    c->t_dyn = ty_con0(c, c->tc_dyn);
}

ty_t *ty_var(ty_ctx_t *c) {
    ty_t *t = ARENA_NEW(c->arena, ty_t);
    t->kind = TY_VAR;
    t->level = c->level;
    t->id = c->next_id++;
    t->generic = -1;
    return t;
}

ty_t *ty_con(ty_ctx_t *c, tycon_t *tc, ty_t **args, int nargs) {
    ty_t *t = ARENA_NEW(c->arena, ty_t);
    t->kind = TY_CON;
    t->con = tc;
    t->id = c->next_id++;
    t->generic = -1;
    if (nargs) {
        t->args = ARENA_NEWN(c->arena, ty_t *, nargs);
        memcpy(t->args, args, sizeof(ty_t *) * (size_t)nargs);
    }
    t->nargs = nargs;
    return t;
}

ty_t *ty_con0(ty_ctx_t *c, tycon_t *tc) { return ty_con(c, tc, NULL, 0); }

ty_t *ty_list(ty_ctx_t *c, ty_t *elem) { return ty_con(c, c->tc_list, &elem, 1); }

ty_t *ty_fun(ty_ctx_t *c, ty_t **params, int nparams, ty_t *ret) {
    ty_t *t = ARENA_NEW(c->arena, ty_t);
    t->kind = TY_FUN;
    t->id = c->next_id++;
    t->generic = -1;
    if (nparams) {
        t->args = ARENA_NEWN(c->arena, ty_t *, nparams);
        memcpy(t->args, params, sizeof(ty_t *) * (size_t)nparams);
    }
    t->nargs = nparams;
    t->ret = ret;
    return t;
}

ty_t *ty_tuple(ty_ctx_t *c, ty_t **elems, int n) {
    ty_t *t = ARENA_NEW(c->arena, ty_t);
    t->kind = TY_TUPLE;
    t->id = c->next_id++;
    t->generic = -1;
    t->args = ARENA_NEWN(c->arena, ty_t *, n ? n : 1);
    if (n) memcpy(t->args, elems, sizeof(ty_t *) * (size_t)n);
    t->nargs = n;
    return t;
}

/*
 * Nonzero while a trial unification runs: its links are undone afterwards, so
 * a path compressed through one of them would survive it (a variable left
 * pointing at a type the trial only tried).
 */
static _Thread_local int trial_active;

ty_t *ty_prune(ty_t *t) {
    while (t && t->kind == TY_VAR && t->link) {
        /* Path compression, except during a trial. */
        if (!trial_active && t->link->kind == TY_VAR && t->link->link) t->link = t->link->link;
        t = t->link;
    }
    return t;
}

bool ty_is_con(ty_t *t, tycon_t *tc) {
    t = ty_prune(t);
    return t && t->kind == TY_CON && t->con == tc;
}

bool ty_is_var(ty_t *t) {
    t = ty_prune(t);
    return t && t->kind == TY_VAR;
}

bool ty_is_numeric_con(tycon_t *tc) {
    if (tc->kind != TC_PRIM) return false;
    switch (tc->prim) {
    case PRIM_INT: case PRIM_I8: case PRIM_I16: case PRIM_I32: case PRIM_U8: case PRIM_U16:
    case PRIM_U32: case PRIM_U64: case PRIM_FLOAT: case PRIM_F32: case PRIM_BIGINT: case PRIM_DECIMAL:
        return true;
    default:
        return false;
    }
}

bool ty_is_integral_con(tycon_t *tc) {
    if (tc->kind != TC_PRIM) return false;
    switch (tc->prim) {
    case PRIM_INT: case PRIM_I8: case PRIM_I16: case PRIM_I32: case PRIM_U8: case PRIM_U16:
    case PRIM_U32: case PRIM_U64: case PRIM_BIGINT:
        return true;
    default:
        return false;
    }
}

bool ty_occurs(ty_t *var, ty_t *t) {
    t = ty_prune(t);
    if (t == var) return true;
    if (t->kind == TY_VAR) return false;
    for (int i = 0; i < t->nargs; i++)
        if (ty_occurs(var, t->args[i])) return true;
    if (t->kind == TY_FUN && ty_occurs(var, t->ret)) return true;
    return false;
}

/* Lowers levels of the variables in t to at most `level` (for generalization). */
static void adjust_levels(ty_t *t, int level) {
    t = ty_prune(t);
    if (t->kind == TY_VAR) {
        if (t->generic < 0 && t->level > level) t->level = level;
        return;
    }
    for (int i = 0; i < t->nargs; i++) adjust_levels(t->args[i], level);
    if (t->kind == TY_FUN) adjust_levels(t->ret, level);
}

static const char *trait_name(uint32_t tr) {
    if (tr & TR_NUM) return "Num";
    if (tr & TR_ORD) return "Ord";
    if (tr & TR_EQ) return "Eq";
    if (tr & TR_HASH) return "Hash";
    if (tr & TR_CONCAT) return "Concat";
    if (tr & TR_SHOW) return "Show";
    if (tr & TR_INTEGRAL) return "Integral";
    return "?";
}

/*
 * Whether a (possibly partial) type can satisfy the traits. Variables inside
 * compound types get the requirement pushed down where it is structural
 * (Eq, Ord, Show, Hash of a List need them of the element).
 */
static void mark_anydef(ty_t *t, int depth) {
    t = ty_prune(t);
    if (depth > 100) return;
    if (t->kind == TY_VAR) {
        t->traits |= TR_ANYDEF;
        return;
    }
    for (int i = 0; i < t->nargs; i++) mark_anydef(t->args[i], depth + 1);
    if (t->kind == TY_FUN) mark_anydef(t->ret, depth + 1);
}

static bool require(ty_ctx_t *c, ty_t *t, uint32_t traits, const char **failed, bool commit) {
    t = ty_prune(t);
    if (!traits) return true;
    if (t->kind != TY_VAR && (traits & TR_ANYDEF)) {
        /* Not a requirement: the unknown parts of whatever it became are decoded at run time too. */
        if (commit) mark_anydef(t, 0);
        traits &= ~TR_ANYDEF;
        if (!traits) return true;
    }
    if (t->kind == TY_VAR) {
        /* No type is both a number and a String/List. */
        uint32_t all = t->traits | traits;
        if ((all & TR_NUM) && (all & TR_CONCAT)) {
            if (failed) *failed = (traits & TR_CONCAT) ? "Concat" : "Num";
            return false;
        }
        if (commit) t->traits |= traits;
        return true;
    }
    uint32_t structural = traits & (TR_EQ | TR_ORD | TR_SHOW | TR_HASH);
    if (t->kind == TY_FUN) {
        uint32_t bad = traits & (TR_NUM | TR_ORD | TR_HASH | TR_CONCAT | TR_INTEGRAL | TR_EQ);
        if (bad) {
            if (failed) *failed = trait_name(bad);
            return false;
        }
        return true;
    }
    if (t->kind == TY_TUPLE) {
        uint32_t bad = traits & (TR_NUM | TR_CONCAT | TR_INTEGRAL);
        if (bad) {
            if (failed) *failed = trait_name(bad);
            return false;
        }
        for (int i = 0; i < t->nargs; i++)
            if (!require(c, t->args[i], structural, failed, commit)) return false;
        return true;
    }
    tycon_t *tc = t->con;
    if ((traits & TR_NUM) && !ty_is_numeric_con(tc) && tc->decl && c->user_trait && c->user_trait(c, tc, TR_NUM))
        traits &= ~(uint32_t)TR_NUM;
    if (traits & TR_NUM && !ty_is_numeric_con(tc)) {
        if (failed) *failed = "Num";
        return false;
    }
    if (traits & TR_INTEGRAL && !ty_is_integral_con(tc)) {
        if (failed) *failed = "Integral";
        return false;
    }
    if (traits & TR_CONCAT && !(tc == c->tc_string || tc == c->tc_list)) {
        if (failed) *failed = "Concat";
        return false;
    }
    if (traits & TR_HASH && (tc == c->tc_float || tc == c->tc_f32)) {
        if (failed) *failed = "Hash";
        return false;
    }
    if ((traits & TR_ORD) && (tc == c->tc_bool || tc == c->tc_unit)) {
        if (failed) *failed = "Ord";
        return false;
    }
    if (tc->kind == TC_OPAQUE && tc != c->tc_dyn && (traits & (TR_ORD | TR_HASH))) {
        if (failed) *failed = trait_name(traits & (TR_ORD | TR_HASH));
        return false;
    }
    if (tc->kind == TC_MAP || tc->kind == TC_SET) {
        /* Maps and sets are comparable for equality but not ordered. */
        if (traits & TR_ORD) {
            if (failed) *failed = "Ord";
            return false;
        }
    }
    /* A user type is compared and hashed field by field, unless it implements the trait itself. */
    if (tc->decl && c->user_fields) {
        uint32_t need = structural & (TR_EQ | TR_ORD | TR_HASH);
        if (need && c->user_trait) {
            if ((need & TR_EQ) && c->user_trait(c, tc, TR_EQ)) need &= ~(uint32_t)TR_EQ;
            if ((need & TR_ORD) && c->user_trait(c, tc, TR_ORD)) need &= ~(uint32_t)TR_ORD;
        }
        if (need && !c->user_fields(c, t, need, failed, commit)) return false;
        return true;
    }
    /* Structural requirements of type arguments. */
    if (tc->kind == TC_LIST || tc->kind == TC_MAP || tc->kind == TC_SET) {
        uint32_t sub = structural & ~(uint32_t)((tc->kind == TC_LIST) ? 0 : TR_ORD);
        for (int i = 0; i < t->nargs; i++) {
            uint32_t s = sub;
            if (tc->kind != TC_LIST && i == 0) s |= TR_HASH & 0; /* keys are hashed at runtime; Float keys allowed as the reference does */
            if (!require(c, t->args[i], s, failed, commit)) return false;
        }
    }
    return true;
}

bool ty_has_traits(ty_ctx_t *c, ty_t *t, uint32_t traits, const char **failed) {
    return require(c, t, traits, failed, false);
}

bool ty_require(ty_ctx_t *c, ty_t *t, uint32_t traits, const char **failed) {
    return require(c, t, traits, failed, true);
}

static bool bind_var(ty_ctx_t *c, ty_t *v, ty_t *t, const char **why) {
    if (v == t) return true;
    if (ty_occurs(v, t)) {
        if (why) *why = NULL;
        return false;
    }
    if (t->kind == TY_VAR) {
        /* Merge constraints and keep the shallower level. */
        t->traits |= v->traits;
        if (v->level < t->level) t->level = v->level;
        if (!t->name && v->name) t->name = v->name;
        v->link = t;
        return true;
    }
    if (v->traits && !require(c, t, v->traits, why, true)) {
        c->why_type = v->literal ? NULL : t;
        return false;
    }
    adjust_levels(t, v->level);
    v->link = t;
    return true;
}

bool ty_unify(ty_ctx_t *c, ty_t *a, ty_t *b, const char **why) {
    if (why) *why = NULL;
    a = ty_prune(a);
    b = ty_prune(b);
    if (a == b) return true;
    if (a->kind == TY_VAR) return bind_var(c, a, b, why);
    if (b->kind == TY_VAR) return bind_var(c, b, a, why);
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case TY_CON:
        if (a->con != b->con) {
            /* Dyn (Any) absorbs everything. */
            if (a->con == c->tc_dyn || b->con == c->tc_dyn) return true;
            return false;
        }
        if (a->nargs != b->nargs) return false;
        for (int i = 0; i < a->nargs; i++)
            if (!ty_unify(c, a->args[i], b->args[i], why)) return false;
        return true;
    case TY_TUPLE:
        if (a->nargs != b->nargs) return false;
        for (int i = 0; i < a->nargs; i++)
            if (!ty_unify(c, a->args[i], b->args[i], why)) return false;
        return true;
    case TY_FUN:
        if (a->nargs != b->nargs) return false;
        for (int i = 0; i < a->nargs; i++)
            if (!ty_unify(c, a->args[i], b->args[i], why)) return false;
        return ty_unify(c, a->ret, b->ret, why);
    default:
        return false;
    }
}

/*
 * Non-destructive unifiability: a small union-find over copies is overkill
 * here; instead, variables may be matched provisionally through a binding
 * list that is undone at the end.
 */
typedef struct trial {
    ty_t *var;
} trial_t;

typedef VEC(trial_t) trial_vec_t;

static bool trial_unify(ty_ctx_t *c, ty_t *a, ty_t *b, trial_vec_t *undo, int depth) {
    if (depth > 200) return true;
    a = ty_prune(a);
    b = ty_prune(b);
    if (a == b) return true;
    if (a->kind == TY_VAR || b->kind == TY_VAR) {
        ty_t *v = a->kind == TY_VAR ? a : b;
        ty_t *t = v == a ? b : a;
        if (t->kind != TY_VAR) {
            if (ty_occurs(v, t)) return false;
            if (v->traits && !require(c, t, v->traits, NULL, false)) return false;
        }
        trial_t tr = {v};
        vec_push(undo, tr);
        v->link = t;
        return true;
    }
    if (a->kind != b->kind) return false;
    if (a->kind == TY_CON) {
        if (a->con != b->con) return a->con == c->tc_dyn || b->con == c->tc_dyn;
    }
    if (a->nargs != b->nargs) return false;
    for (int i = 0; i < a->nargs; i++)
        if (!trial_unify(c, a->args[i], b->args[i], undo, depth + 1)) return false;
    if (a->kind == TY_FUN) return trial_unify(c, a->ret, b->ret, undo, depth + 1);
    return true;
}

bool ty_unifiable(ty_ctx_t *c, ty_t *a, ty_t *b) {
    trial_vec_t undo = {0};
    trial_active++;
    bool ok = trial_unify(c, a, b, &undo, 0);
    trial_active--;
    for (int i = undo.len - 1; i >= 0; i--) undo.items[i].var->link = NULL;
    vec_free(&undo);
    return ok;
}

bool ty_is_ground(ty_t *t) {
    t = ty_prune(t);
    if (t->kind == TY_VAR) return false;
    for (int i = 0; i < t->nargs; i++)
        if (!ty_is_ground(t->args[i])) return false;
    if (t->kind == TY_FUN) return ty_is_ground(t->ret);
    return true;
}

bool ty_equal(ty_t *a, ty_t *b) {
    a = ty_prune(a);
    b = ty_prune(b);
    if (a == b) return true;
    if (a->kind != b->kind) return false;
    if (a->kind == TY_VAR) return false;
    if (a->kind == TY_CON && a->con != b->con) return false;
    if (a->nargs != b->nargs) return false;
    for (int i = 0; i < a->nargs; i++)
        if (!ty_equal(a->args[i], b->args[i])) return false;
    if (a->kind == TY_FUN) return ty_equal(a->ret, b->ret);
    return true;
}

/* ---- schemes --------------------------------------------------------------------- */

typedef VEC(ty_t *) tyvec_t;

static void collect_gen(ty_ctx_t *c, ty_t *t, tyvec_t *vars) {
    t = ty_prune(t);
    if (t->kind == TY_VAR) {
        if (t->generic >= 0) {
            for (int i = 0; i < vars->len; i++)
                if (vars->items[i] == t) return;
            vec_push(vars, t);
            return;
        }
        if (t->level > c->level) {
            t->generic = vars->len;
            vec_push(vars, t);
        }
        return;
    }
    for (int i = 0; i < t->nargs; i++) collect_gen(c, t->args[i], vars);
    if (t->kind == TY_FUN) collect_gen(c, t->ret, vars);
}

scheme_t *ty_generalize(ty_ctx_t *c, ty_t *t) {
    tyvec_t vars = {0};
    collect_gen(c, t, &vars);
    scheme_t *s = ARENA_NEW(c->arena, scheme_t);
    s->type = t;
    s->nvars = vars.len;
    s->vars = ARENA_NEWN(c->arena, ty_t *, vars.len ? vars.len : 1);
    for (int i = 0; i < vars.len; i++) s->vars[i] = vars.items[i];
    vec_free(&vars);
    return s;
}

void ty_generalize_group(ty_ctx_t *c, ty_t **types, int n, scheme_t **out) {
    tyvec_t vars = {0};
    for (int i = 0; i < n; i++) collect_gen(c, types[i], &vars);
    ty_t **vs = ARENA_NEWN(c->arena, ty_t *, vars.len ? vars.len : 1);
    for (int i = 0; i < vars.len; i++) vs[i] = vars.items[i];
    for (int i = 0; i < n; i++) {
        scheme_t *s = ARENA_NEW(c->arena, scheme_t);
        s->type = types[i];
        s->nvars = vars.len;
        s->vars = vs;
        out[i] = s;
    }
    vec_free(&vars);
}

scheme_t *ty_mono_scheme(ty_ctx_t *c, ty_t *t) {
    scheme_t *s = ARENA_NEW(c->arena, scheme_t);
    s->type = t;
    return s;
}

typedef struct inst_map {
    scheme_t *s;
    ty_t **fresh;
} inst_map_t;

static ty_t *inst(ty_ctx_t *c, ty_t *t, inst_map_t *m) {
    t = ty_prune(t);
    if (t->kind == TY_VAR) {
        for (int i = 0; i < m->s->nvars; i++)
            if (m->s->vars[i] == t) {
                if (!m->fresh[i]) {
                    m->fresh[i] = ty_var(c);
                    m->fresh[i]->traits = t->traits;
                    m->fresh[i]->name = t->name;
                }
                return m->fresh[i];
            }
        return t;
    }
    if (t->nargs == 0 && t->kind == TY_CON) return t;
    bool changed = false;
    ty_t *buf[16];
    ty_t **na = t->nargs <= 16 ? buf : ARENA_NEWN(c->arena, ty_t *, t->nargs);
    for (int i = 0; i < t->nargs; i++) {
        na[i] = inst(c, t->args[i], m);
        if (na[i] != t->args[i]) changed = true;
    }
    ty_t *nr = t->kind == TY_FUN ? inst(c, t->ret, m) : NULL;
    if (nr != t->ret) changed = true;
    if (!changed) return t;
    switch (t->kind) {
    case TY_CON: return ty_con(c, t->con, na, t->nargs);
    case TY_TUPLE: return ty_tuple(c, na, t->nargs);
    default: return ty_fun(c, na, t->nargs, nr);
    }
}

ty_t *ty_instantiate(ty_ctx_t *c, scheme_t *s, ty_t ***out) {
    if (s->nvars == 0) {
        if (out) *out = NULL;
        return s->type;
    }
    inst_map_t m = {s, ARENA_NEWN(c->arena, ty_t *, s->nvars)};
    ty_t *r = inst(c, s->type, &m);
    for (int i = 0; i < s->nvars; i++)
        if (!m.fresh[i]) {
            m.fresh[i] = ty_var(c);
            m.fresh[i]->traits = s->vars[i]->traits;
        }
    if (out) *out = m.fresh;
    return r;
}

ty_t *ty_subst(ty_ctx_t *c, ty_t *t, ty_t **subst, int n) {
    t = ty_prune(t);
    if (t->kind == TY_VAR) {
        if (t->generic >= 0 && t->generic < n && subst[t->generic]) return subst[t->generic];
        return t;
    }
    if (t->nargs == 0 && t->kind == TY_CON) return t;
    bool changed = false;
    ty_t *buf[16];
    ty_t **na = t->nargs <= 16 ? buf : ARENA_NEWN(c->arena, ty_t *, t->nargs);
    for (int i = 0; i < t->nargs; i++) {
        na[i] = ty_subst(c, t->args[i], subst, n);
        if (na[i] != t->args[i]) changed = true;
    }
    ty_t *nr = t->kind == TY_FUN ? ty_subst(c, t->ret, subst, n) : NULL;
    if (nr != t->ret) changed = true;
    if (!changed) return t;
    switch (t->kind) {
    case TY_CON: return ty_con(c, t->con, na, t->nargs);
    case TY_TUPLE: return ty_tuple(c, na, t->nargs);
    default: return ty_fun(c, na, t->nargs, nr);
    }
}

/* ---- printing ---------------------------------------------------------------------- */

typedef struct var_names {
    ty_t *vars[64];
    int n;
    bool literals; /* print literal variables as Int (messages) */
} var_names_t;

static var_names_t *g_names;

static void print(sbuf_t *b, ty_t *t, int depth) {
    t = ty_prune(t);
    if (depth > 50) {
        sb_puts(b, "...");
        return;
    }
    switch (t->kind) {
    case TY_VAR:
        if (g_names && g_names->literals && t->literal) {
            /* An integer literal's type not yet fixed reads as its default. */
            sb_puts(b, "Int");
            return;
        }
        if (g_names) {
            int k = -1;
            for (int i = 0; i < g_names->n; i++)
                if (g_names->vars[i] == t) k = i;
            if (k < 0 && g_names->n < 64) {
                k = g_names->n;
                g_names->vars[g_names->n++] = t;
            }
            if (k >= 0 && k < 26) {
                sb_putc(b, (char)('a' + k));
                return;
            }
        }
        if (t->name) sb_puts(b, t->name);
        else {
            /* a, b, ... z, then t27 */
            int k = t->id % 26;
            sb_putc(b, (char)('a' + k));
            if (t->id >= 26) sb_printf(b, "%d", t->id / 26);
        }
        return;
    case TY_CON:
        sb_puts(b, t->con->name);
        if (t->nargs) {
            sb_putc(b, '[');
            for (int i = 0; i < t->nargs; i++) {
                if (i) sb_puts(b, ", ");
                print(b, t->args[i], depth + 1);
            }
            sb_putc(b, ']');
        }
        return;
    case TY_TUPLE:
        sb_putc(b, '(');
        for (int i = 0; i < t->nargs; i++) {
            if (i) sb_puts(b, ", ");
            print(b, t->args[i], depth + 1);
        }
        sb_putc(b, ')');
        return;
    case TY_FUN:
        sb_putc(b, '(');
        for (int i = 0; i < t->nargs; i++) {
            if (i) sb_puts(b, ", ");
            print(b, t->args[i], depth + 1);
        }
        sb_puts(b, ") -> ");
        print(b, t->ret, depth + 1);
        return;
    }
}

void ty_print(sbuf_t *b, ty_t *t) { print(b, t, 0); }

static var_names_t g_shared;

void ty_names_begin(void) {
    g_shared.n = 0;
    g_names = &g_shared;
}

void ty_print_named(sbuf_t *b, ty_t *t) {
    g_names = &g_shared;
    print(b, t, 0);
}

/* Appends "where a: Num + Ord, ..." for the named variables that carry traits. */
void ty_names_end(sbuf_t *b) {
    static const struct { uint32_t bit; const char *name; } traits[] = {
        {TR_NUM, "Num"}, {TR_ORD, "Ord"}, {TR_EQ, "Eq"}, {TR_HASH, "Hash"}, {TR_CONCAT, "Concat"}, {TR_SHOW, "Show"},
    };
    bool first = true;
    for (int i = 0; i < g_shared.n && i < 26; i++) {
        ty_t *v = ty_prune(g_shared.vars[i]);
        if (v->kind != TY_VAR || !v->traits) continue;
        sb_puts(b, first ? " where " : ", ");
        first = false;
        sb_printf(b, "%c:", 'a' + i);
        bool f2 = true;
        for (size_t k = 0; k < sizeof traits / sizeof traits[0]; k++) {
            if (!(v->traits & traits[k].bit)) continue;
            if (traits[k].bit == TR_EQ && (v->traits & TR_ORD)) continue;
            sb_printf(b, "%s%s", f2 ? " " : " + ", traits[k].name);
            f2 = false;
        }
    }
    g_names = NULL;
}

void ty_print_normalized(sbuf_t *b, ty_t *t) {
    var_names_t names = {{0}, 0};
    g_names = &names;
    print(b, t, 0);
    g_names = NULL;
}

/* For messages: variables named a, b, ... in order of appearance (not by their ids). */
const char *ty_str(ty_ctx_t *c, ty_t *t) {
    const char *s;
    ty_str2(c, t, NULL, &s, NULL);
    return s;
}

/* Two types of one message, their variables named consistently. */
void ty_str2(ty_ctx_t *c, ty_t *t1, ty_t *t2, const char **s1, const char **s2) {
    var_names_t names = {{0}, 0, true};
    var_names_t *saved = g_names;
    g_names = &names;
    for (int i = 0; i < 2; i++) {
        ty_t *t = i ? t2 : t1;
        if (!t) continue;
        sbuf_t b = {0};
        print(&b, t, 0);
        *(i ? s2 : s1) = arena_strndup(c->arena, sb_cstr(&b), b.len);
        sb_free(&b);
    }
    g_names = saved;
}
