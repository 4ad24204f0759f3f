/*
 * cg_expr.c - expressions, patterns, statements and control flow to LLVM IR.
 *
 * cg_expr() always leaves the builder in a block that can take more code:
 * after a `return`, `break` or a noreturn call the following code goes into
 * a fresh unreachable block, and the value returned is undef. In tail
 * position (tail = true) calls are emitted with `ret` right after them (self
 * calls become jumps), so deep tail recursion runs in constant stack.
 */
#include "cg.h"
#include "rtabi.h"

#include <stdlib.h>
#include <string.h>

static LLVMValueRef cg_block(cg_t *g, expr_t *e, bool tail);
static LLVMValueRef call_expr(cg_t *g, expr_t *e, bool tail);
static void loop_backedge_check(cg_t *g);

ty_t *cg_ty(cg_t *g, ty_t *t) { return mono_type(g->m, g->in ? &g->in->subst : NULL, t); }

bool cg_terminated(cg_t *g) {
    LLVMBasicBlockRef bb = LLVMGetInsertBlock(g->b);
    return LLVMGetBasicBlockTerminator(bb) != NULL;
}

static LLVMBasicBlockRef new_bb(cg_t *g, const char *name) {
    return LLVMAppendBasicBlockInContext(g->ctx, g->fn, name);
}

void cg_dead_block(cg_t *g) { LLVMPositionBuilderAtEnd(g->b, new_bb(g, "dead")); }

static void br(cg_t *g, LLVMBasicBlockRef to) {
    if (!cg_terminated(g)) LLVMBuildBr(g->b, to);
}

static LLVMValueRef undef(cg_t *g, ty_t *t) { return LLVMGetUndef(cg_llty(g, t)); }

/* ---- locals ------------------------------------------------------------------------------ */

static cg_local_t *find_local(cg_t *g, binding_t *b) {
    for (int i = g->locals.len - 1; i >= 0; i--)
        if (g->locals.items[i].b == b) return &g->locals.items[i];
    return NULL;
}

static void push_local(cg_t *g, binding_t *b, local_kind_t k, LLVMValueRef v, ty_t *t) {
    cg_local_t l = {b, k, v, t};
    vec_push(&g->locals, l);
}

static LLVMValueRef new_cell(cg_t *g, LLVMValueRef v, ty_t *t) {
    LLVMValueRef cell = cg_alloc(g, 1, false);
    LLVMBuildStore(g->b, cg_to_slot(g, v, t), cell);
    return cell;
}

/* Binds a new local (pattern variable, let, parameter). */
void cg_bind_local(cg_t *g, binding_t *b, LLVMValueRef v, ty_t *t) {
    if (!b) return;
    if (b->kind == B_VAR) {
        if (b->needs_cell) {
            push_local(g, b, LK_CELL, new_cell(g, v, t), t);
        } else {
            LLVMValueRef a = cg_entry_alloca(g, cg_llty(g, t), b->name);
            LLVMBuildStore(g->b, v, a);
            push_local(g, b, LK_SLOT, a, t);
        }
        return;
    }
    push_local(g, b, LK_VAL, v, t);
}

static LLVMValueRef load_local(cg_t *g, cg_local_t *l) {
    switch (l->kind) {
    case LK_VAL: return l->v;
    case LK_SLOT: return LLVMBuildLoad2(g->b, cg_llty(g, l->ty), l->v, "");
    case LK_CELL: return cg_from_slot(g, LLVMBuildLoad2(g->b, g->i64, l->v, ""), l->ty);
    }
    return NULL;
}

static void store_local(cg_t *g, cg_local_t *l, LLVMValueRef v) {
    switch (l->kind) {
    case LK_VAL: l->v = v; break; /* rebinding (m[k] = v on an immutable map) */
    case LK_SLOT: LLVMBuildStore(g->b, v, l->v); break;
    case LK_CELL: LLVMBuildStore(g->b, cg_to_slot(g, v, l->ty), l->v); break;
    }
}

/* ---- runtime helpers ------------------------------------------------------------------------ */

static LLVMValueRef slot_of(cg_t *g, LLVMValueRef v, ty_t *t) { return cg_to_slot(g, v, t); }

static LLVMValueRef rt1(cg_t *g, const char *name, LLVMTypeRef ret, LLVMTypeRef t0, LLVMValueRef a0) {
    LLVMTypeRef pt[] = {t0};
    LLVMValueRef a[] = {a0};
    return cg_call_rt(g, name, ret, pt, a, 1);
}

static LLVMValueRef rt2(cg_t *g, const char *name, LLVMTypeRef ret, LLVMTypeRef t0, LLVMValueRef a0, LLVMTypeRef t1,
                        LLVMValueRef a1) {
    LLVMTypeRef pt[] = {t0, t1};
    LLVMValueRef a[] = {a0, a1};
    return cg_call_rt(g, name, ret, pt, a, 2);
}

static LLVMValueRef rt3(cg_t *g, const char *name, LLVMTypeRef ret, LLVMTypeRef t0, LLVMValueRef a0, LLVMTypeRef t1,
                        LLVMValueRef a1, LLVMTypeRef t2, LLVMValueRef a2) {
    LLVMTypeRef pt[] = {t0, t1, t2};
    LLVMValueRef a[] = {a0, a1, a2};
    return cg_call_rt(g, name, ret, pt, a, 3);
}

/* Runtime functions returning C bool: declared as i1 with zeroext. */
static LLVMValueRef rt_bool(cg_t *g, const char *name, LLVMTypeRef *pt, LLVMValueRef *a, int n) {
    LLVMTypeRef ft;
    LLVMValueRef f = cg_rt(g, name, g->i1, pt, n, &ft);
    cg_rt_attr(g, f, LLVMAttributeReturnIndex, "zeroext");
    return LLVMBuildCall2(g->b, ft, f, a, (unsigned)n, "");
}

static LLVMValueRef slot_ptr(cg_t *g, LLVMValueRef base, int i) {
    LLVMValueRef idx = LLVMConstInt(g->i64, (unsigned long long)i, 0);
    return LLVMBuildGEP2(g->b, g->i64, base, &idx, 1, "");
}

static LLVMValueRef load_slot(cg_t *g, LLVMValueRef base, int i, ty_t *t) {
    return cg_from_slot(g, LLVMBuildLoad2(g->b, g->i64, slot_ptr(g, base, i), ""), t);
}

static void store_slot(cg_t *g, LLVMValueRef base, int i, LLVMValueRef v, ty_t *t) {
    LLVMBuildStore(g->b, cg_to_slot(g, v, t), slot_ptr(g, base, i));
}

/* ---- show, equality, ordering ------------------------------------------------------------------ */

static bool is_dyn(cg_t *g, ty_t *t) { return ty_is_con(t, g->tc->tc_dyn); }

static bool contains_dyn(cg_t *g, ty_t *t) {
    t = ty_prune(t);
    if (ty_is_con(t, g->tc->tc_dyn)) return true;
    if (t->kind == TY_CON && t->con->decl) {
        /* User types: their fields under these arguments. */
        for (int i = 0; i < t->nargs; i++)
            if (contains_dyn(g, t->args[i])) return true;
        return false;
    }
    for (int i = 0; i < t->nargs; i++)
        if (contains_dyn(g, t->args[i])) return true;
    return t->kind == TY_FUN && contains_dyn(g, t->ret);
}

/* A Dyn value is a box {desc, slot}. */
static void dyn_parts(cg_t *g, LLVMValueRef box, LLVMValueRef *desc, LLVMValueRef *val) {
    *desc = LLVMBuildLoad2(g->b, g->ptr, box, "");
    *val = LLVMBuildLoad2(g->b, g->i64, slot_ptr(g, box, 1), "");
}

LLVMValueRef cg_show(cg_t *g, ty_t *t, LLVMValueRef v) {
    if (cg_is_prim(g, t, PRIM_STRING)) return v;
    LLVMValueRef d, s;
    if (is_dyn(g, t)) dyn_parts(g, v, &d, &s);
    else {
        d = cg_desc(g, t);
        s = slot_of(g, v, t);
    }
    return rt2(g, "nos_show", g->ptr, g->ptr, d, g->i64, s);
}

LLVMValueRef cg_eq(cg_t *g, ty_t *t, LLVMValueRef a, LLVMValueRef b) {
    switch (cg_prim(t)) {
    case PRIM_UNIT: return LLVMConstInt(g->i1, 1, 0);
    case PRIM_BOOL: case PRIM_CHAR: case PRIM_INT: case PRIM_I8: case PRIM_I16: case PRIM_I32: case PRIM_U8:
    case PRIM_U16: case PRIM_U32: case PRIM_U64:
        return LLVMBuildICmp(g->b, LLVMIntEQ, a, b, "");
    case PRIM_FLOAT: case PRIM_F32:
        return LLVMBuildFCmp(g->b, LLVMRealOEQ, a, b, "");
    case PRIM_STRING: {
        LLVMTypeRef pt[] = {g->ptr, g->ptr};
        LLVMValueRef av[] = {a, b};
        return rt_bool(g, "nos_str_eq", pt, av, 2);
    }
    default: break;
    }
    LLVMTypeRef pt[] = {g->ptr, g->i64, g->i64};
    LLVMValueRef av[] = {cg_desc(g, t), slot_of(g, a, t), slot_of(g, b, t)};
    return rt_bool(g, "nos_eq", pt, av, 3);
}

/* a <op> b for an ordered type. */
static LLVMValueRef cg_order(cg_t *g, op_t op, ty_t *t, LLVMValueRef a, LLVMValueRef b) {
    prim_t p = cg_prim(t);
    bool uns = p == PRIM_U8 || p == PRIM_U16 || p == PRIM_U32 || p == PRIM_U64 || p == PRIM_CHAR || p == PRIM_BOOL ||
               p == PRIM_UNIT;
    switch (p) {
    case PRIM_BOOL: case PRIM_CHAR: case PRIM_INT: case PRIM_I8: case PRIM_I16: case PRIM_I32: case PRIM_U8:
    case PRIM_U16: case PRIM_U32: case PRIM_U64: case PRIM_UNIT: {
        LLVMIntPredicate pr = op == OP_LT ? (uns ? LLVMIntULT : LLVMIntSLT)
                            : op == OP_LE ? (uns ? LLVMIntULE : LLVMIntSLE)
                            : op == OP_GT ? (uns ? LLVMIntUGT : LLVMIntSGT)
                                          : (uns ? LLVMIntUGE : LLVMIntSGE);
        return LLVMBuildICmp(g->b, pr, a, b, "");
    }
    case PRIM_FLOAT: case PRIM_F32: {
        LLVMRealPredicate pr = op == OP_LT ? LLVMRealOLT : op == OP_LE ? LLVMRealOLE : op == OP_GT ? LLVMRealOGT : LLVMRealOGE;
        return LLVMBuildFCmp(g->b, pr, a, b, "");
    }
    default: break;
    }
    LLVMValueRef c;
    if (p == PRIM_STRING) {
        c = rt2(g, "nos_str_cmp", g->i32, g->ptr, a, g->ptr, b);
    } else {
        c = rt3(g, "nos_cmp", g->i32, g->ptr, cg_desc(g, t), g->i64, slot_of(g, a, t), g->i64, slot_of(g, b, t));
    }
    LLVMValueRef z = LLVMConstInt(g->i32, 0, 0);
    LLVMIntPredicate pr = op == OP_LT ? LLVMIntSLT : op == OP_LE ? LLVMIntSLE : op == OP_GT ? LLVMIntSGT : LLVMIntSGE;
    return LLVMBuildICmp(g->b, pr, c, z, "");
}

/* ---- arithmetic -------------------------------------------------------------------------------------- */

static bool prim_unsigned(prim_t p) { return p == PRIM_U8 || p == PRIM_U16 || p == PRIM_U32 || p == PRIM_U64; }
static bool prim_float(prim_t p) { return p == PRIM_FLOAT || p == PRIM_F32; }

static LLVMValueRef intrinsic1(cg_t *g, const char *name, LLVMTypeRef t, LLVMValueRef a) {
    LLVMTypeRef ft;
    LLVMValueRef f = cg_rt(g, name, t, &t, 1, &ft);
    return LLVMBuildCall2(g->b, ft, f, &a, 1, "");
}

static LLVMValueRef intrinsic2(cg_t *g, const char *name, LLVMTypeRef t, LLVMValueRef a, LLVMValueRef b) {
    LLVMTypeRef ft;
    LLVMTypeRef pt[] = {t, t};
    LLVMValueRef f = cg_rt(g, name, t, pt, 2, &ft);
    LLVMValueRef av[] = {a, b};
    return LLVMBuildCall2(g->b, ft, f, av, 2, "");
}

static void div_zero_check(cg_t *g, LLVMValueRef b) {
    LLVMValueRef z = LLVMConstNull(LLVMTypeOf(b));
    LLVMValueRef isz = LLVMBuildICmp(g->b, LLVMIntEQ, b, z, "");
    LLVMBasicBlockRef bad = new_bb(g, "divzero"), ok = new_bb(g, "divok");
    LLVMBuildCondBr(g->b, isz, bad, ok);
    LLVMPositionBuilderAtEnd(g->b, bad);
    cg_noreturn_call(g, "nos_err_div_zero", NULL, NULL, 0);
    LLVMPositionBuilderAtEnd(g->b, ok);
}

static const char *big_fn(op_t op, bool dec) {
    switch (op) {
    case OP_ADD: return dec ? "nos_decimal_add" : "nos_bigint_add";
    case OP_SUB: return dec ? "nos_decimal_sub" : "nos_bigint_sub";
    case OP_MUL: return dec ? "nos_decimal_mul" : "nos_bigint_mul";
    case OP_DIV: return dec ? "nos_decimal_div" : "nos_bigint_div";
    case OP_MOD: return dec ? "nos_decimal_rem" : "nos_bigint_rem";
    case OP_POW: return dec ? "nos_decimal_pow" : "nos_bigint_pow_big";
    default: return "nos_bigint_add";
    }
}

/*
 * a <op> b on a user type through its implementation (`Vec2: Num add(self, other) = ...`),
 * reached from generic code such as doubleIt[T: Num](x: T) = x + x.
 */
static LLVMValueRef user_op(cg_t *g, const char *method, ty_t *t, LLVMValueRef a, LLVMValueRef b) {
    ty_t *tt = ty_prune(t);
    sym_t name = sym_cstr(g->p->syms, method);
    for (int i = 0; i < g->p->fns.len; i++) {
        fn_info_t *f = g->p->fns.items[i];
        if (f->name != name || f->kind != FK_TOP || f->arity != 2 || (f->mod && f->mod->is_prelude)) continue;
        ty_t *p0 = ty_prune(f->type->args[0]);
        if (p0->kind != TY_CON || p0->con != tt->con) continue;
        /* Its scheme variables for this concrete type. */
        int n = f->scheme ? f->scheme->nvars : 0;
        ty_t **fresh = NULL;
        ty_t *ft = ty_prune(f->scheme ? ty_instantiate(g->tc, f->scheme, &fresh) : f->type);
        ty_unify(g->tc, ft->args[0], tt, NULL);
        ty_unify(g->tc, ft->args[1], tt, NULL);
        ty_t **targs = ARENA_NEWN(g->p->arena, ty_t *, n ? n : 1);
        for (int k = 0; k < n; k++) targs[k] = mono_type(g->m, NULL, fresh[k]);
        instance_t *in = mono_instance(g->m, f, NULL, targs, n);
        LLVMValueRef av[] = {a, b};
        return LLVMBuildCall2(g->b, cg_instance_fnty(g, in), cg_instance_fn(g, in), av, 2, "");
    }
    diag_error(g->d, (span_t){0, 0, 0}, "no implementation of %s for type %s", method, ty_str(g->tc, t));
    return undef(g, t);
}

static LLVMValueRef arith(cg_t *g, op_t op, ty_t *t, LLVMValueRef a, LLVMValueRef b) {
    prim_t p = cg_prim(t);
    if (p == PRIM_NONE) {
        const char *m = op == OP_ADD ? "add" : op == OP_SUB ? "sub" : op == OP_MUL ? "mul" : op == OP_DIV ? "div" : "mod";
        return user_op(g, m, t, a, b);
    }
    if (prim_float(p)) {
        switch (op) {
        case OP_ADD: return LLVMBuildFAdd(g->b, a, b, "");
        case OP_SUB: return LLVMBuildFSub(g->b, a, b, "");
        case OP_MUL: return LLVMBuildFMul(g->b, a, b, "");
        case OP_DIV: return LLVMBuildFDiv(g->b, a, b, "");
        case OP_MOD: return LLVMBuildFRem(g->b, a, b, "");
        case OP_POW: return intrinsic2(g, p == PRIM_FLOAT ? "llvm.pow.f64" : "llvm.pow.f32", cg_llty(g, t), a, b);
        default: return a;
        }
    }
    if (p == PRIM_BIGINT || p == PRIM_DECIMAL) return rt2(g, big_fn(op, p == PRIM_DECIMAL), g->ptr, g->ptr, a, g->ptr, b);
    bool uns = prim_unsigned(p);
    switch (op) {
    case OP_ADD: return LLVMBuildAdd(g->b, a, b, "");
    case OP_SUB: return LLVMBuildSub(g->b, a, b, "");
    case OP_MUL: return LLVMBuildMul(g->b, a, b, "");
    case OP_DIV:
    case OP_MOD: {
        div_zero_check(g, b);
        if (uns) return op == OP_DIV ? LLVMBuildUDiv(g->b, a, b, "") : LLVMBuildURem(g->b, a, b, "");
        /* x / -1 overflows for the minimum value: compute it as wrapping negation. */
        LLVMValueRef m1 = LLVMConstAllOnes(LLVMTypeOf(b));
        LLVMValueRef isneg1 = LLVMBuildICmp(g->b, LLVMIntEQ, b, m1, "");
        LLVMValueRef safe_b = LLVMBuildSelect(g->b, isneg1, LLVMConstInt(LLVMTypeOf(b), 1, 0), b, "");
        LLVMValueRef q = op == OP_DIV ? LLVMBuildSDiv(g->b, a, safe_b, "") : LLVMBuildSRem(g->b, a, safe_b, "");
        LLVMValueRef alt = op == OP_DIV ? LLVMBuildSub(g->b, LLVMConstNull(LLVMTypeOf(a)), a, "") : LLVMConstNull(LLVMTypeOf(a));
        return LLVMBuildSelect(g->b, isneg1, alt, q, "");
    }
    case OP_POW: {
        LLVMTypeRef lt = cg_llty(g, t);
        LLVMValueRef a64 = lt == g->i64 ? a : (uns ? LLVMBuildZExt(g->b, a, g->i64, "") : LLVMBuildSExt(g->b, a, g->i64, ""));
        LLVMValueRef b64 = lt == g->i64 ? b : (uns ? LLVMBuildZExt(g->b, b, g->i64, "") : LLVMBuildSExt(g->b, b, g->i64, ""));
        LLVMValueRef r = rt2(g, "nos_int_pow", g->i64, g->i64, a64, g->i64, b64);
        return lt == g->i64 ? r : LLVMBuildTrunc(g->b, r, lt, "");
    }
    default: return a;
    }
}

static LLVMValueRef promote(cg_t *g, LLVMValueRef v, ty_t *from, ty_t *to) {
    if (cg_is_prim(g, to, PRIM_FLOAT)) return LLVMBuildSIToFP(g->b, v, g->f64, "");
    if (cg_is_prim(g, to, PRIM_BIGINT)) return rt1(g, "nos_bigint_from_i64", g->ptr, g->i64, v);
    (void)from;
    return v;
}

/* Numeric conversion between primitive kinds (toInt, toFloat, Int8(x), ...). */
static LLVMValueRef convert(cg_t *g, LLVMValueRef v, prim_t from, prim_t to) {
    if (from == to) return v;
    LLVMTypeRef tt = NULL;
    ty_ctx_t *c = g->tc;
    tycon_t *tcs[] = {NULL, c->tc_unit, c->tc_bool, c->tc_char, c->tc_int, c->tc_i8, c->tc_i16, c->tc_i32,
                      c->tc_u8, c->tc_u16, c->tc_u32, c->tc_u64, c->tc_float, c->tc_f32, c->tc_bigint,
                      c->tc_decimal, c->tc_string, c->tc_pid};
    ty_t *toty = ty_con0(c, tcs[to]);
    tt = cg_llty(g, toty);
    if (from == PRIM_BIGINT || from == PRIM_DECIMAL || to == PRIM_BIGINT || to == PRIM_DECIMAL) {
        /* Through Int / Float. */
        if (from == PRIM_BIGINT) {
            LLVMValueRef i = rt1(g, "nos_bigint_to_i64", g->i64, g->ptr, v);
            return convert(g, i, PRIM_INT, to);
        }
        if (from == PRIM_DECIMAL) {
            LLVMValueRef f = rt1(g, "nos_decimal_to_float", g->f64, g->ptr, v);
            return convert(g, f, PRIM_FLOAT, to);
        }
        if (to == PRIM_BIGINT) {
            if (prim_float(from)) v = convert(g, v, from, PRIM_INT);
            else v = convert(g, v, from, PRIM_INT);
            return rt1(g, "nos_bigint_from_i64", g->ptr, g->i64, v);
        }
        if (prim_float(from)) return rt1(g, "nos_decimal_from_float", g->ptr, g->f64, convert(g, v, from, PRIM_FLOAT));
        return rt1(g, "nos_decimal_from_i64", g->ptr, g->i64, convert(g, v, from, PRIM_INT));
    }
    bool ff = prim_float(from), tf = prim_float(to);
    if (ff && tf) return to == PRIM_FLOAT ? LLVMBuildFPExt(g->b, v, tt, "") : LLVMBuildFPTrunc(g->b, v, tt, "");
    if (ff && !tf) {
        /* Saturating, NaN -> 0. */
        const char *name = prim_unsigned(to) ? "llvm.fptoui.sat" : "llvm.fptosi.sat";
        char full[64];
        snprintf(full, sizeof full, "%s.i%u.%s", name, LLVMGetIntTypeWidth(tt), from == PRIM_FLOAT ? "f64" : "f32");
        LLVMTypeRef ft;
        LLVMTypeRef pt = LLVMTypeOf(v);
        LLVMValueRef f = cg_rt(g, full, tt, &pt, 1, &ft);
        return LLVMBuildCall2(g->b, ft, f, &v, 1, "");
    }
    if (!ff && tf) return prim_unsigned(from) || from == PRIM_CHAR || from == PRIM_BOOL ? LLVMBuildUIToFP(g->b, v, tt, "")
                                                                                           : LLVMBuildSIToFP(g->b, v, tt, "");
    /* int -> int */
    unsigned fw = LLVMGetIntTypeWidth(LLVMTypeOf(v)), tw = LLVMGetIntTypeWidth(tt);
    if (fw == tw) return v;
    if (fw > tw) return LLVMBuildTrunc(g->b, v, tt, "");
    return prim_unsigned(from) || from == PRIM_CHAR || from == PRIM_BOOL ? LLVMBuildZExt(g->b, v, tt, "")
                                                                         : LLVMBuildSExt(g->b, v, tt, "");
}

/* ---- try frames ----------------------------------------------------------------------------------------- */

static void pop_tries(cg_t *g, int down_to) {
    for (int i = g->tries.len - 1; i >= down_to; i--) rt1(g, "nos_try_pop", g->void_t, g->ptr, g->tries.items[i]);
}

void cg_ret(cg_t *g, LLVMValueRef v) {
    pop_tries(g, 0);
    LLVMBuildRet(g->b, v);
}

/* ---- patterns ---------------------------------------------------------------------------------------------- */

static bool g_in_or;

static LLVMValueRef lit_string(cg_t *g, const char *s, uint32_t n) { return cg_str_const(g, s, n); }

static void test_or_fail(cg_t *g, LLVMValueRef ok, LLVMBasicBlockRef fail) {
    LLVMBasicBlockRef next = new_bb(g, "pat");
    LLVMBuildCondBr(g->b, ok, next, fail);
    LLVMPositionBuilderAtEnd(g->b, next);
}

static LLVMValueRef const_of_num(cg_t *g, pat_t *p, ty_t *t) {
    LLVMTypeRef lt = cg_llty(g, t);
    bool fl = prim_float(cg_prim(t));
    if (p->kind == P_FLOAT) return fl ? LLVMConstReal(lt, p->fval) : LLVMConstInt(lt, (unsigned long long)(int64_t)p->fval, 1);
    return fl ? LLVMConstReal(lt, (double)p->ival) : LLVMConstInt(lt, (unsigned long long)p->ival, 1);
}

static int field_index(type_decl_t *td, int ctor, sym_t name) {
    ctor_info_t *ci = &td->ctors[ctor];
    for (int i = 0; i < ci->nfields; i++)
        if (ci->field_names && ci->field_names[i] == name) return i;
    return -1;
}

/* Slot index of field f of constructor k: records have no tag slot. */
static int field_slot(type_decl_t *td, int f) { return td->is_record ? f : f + 1; }

void cg_pat(cg_t *g, pat_t *p, LLVMValueRef v, ty_t *t, LLVMBasicBlockRef fail) {
    switch (p->kind) {
    case P_WILD:
        return;
    case P_VAR:
        if (p->var_mode == 1) {
            cg_local_t *l = find_local(g, p->bind);
            if (!l) return;
            test_or_fail(g, cg_eq(g, t, load_local(g, l), v), fail);
            return;
        }
        if (p->var_mode == 2 || (g_in_or && find_local(g, p->bind))) {
            cg_local_t *l = find_local(g, p->bind);
            if (l) {
                if (l->kind == LK_VAL && g_in_or) {
                    /* Or-pattern bindings live in a slot so every alternative can set them. */
                }
                store_local(g, l, v);
                return;
            }
        }
        if (g_in_or) {
            LLVMValueRef a = cg_entry_alloca(g, cg_llty(g, t), p->name);
            LLVMBuildStore(g->b, v, a);
            push_local(g, p->bind, LK_SLOT, a, t);
            return;
        }
        cg_bind_local(g, p->bind, v, t);
        return;
    case P_INT:
    case P_FLOAT:
        if (cg_is_prim(g, t, PRIM_BIGINT) || cg_is_prim(g, t, PRIM_DECIMAL)) {
            bool big = cg_is_prim(g, t, PRIM_BIGINT);
            LLVMValueRef c;
            if (p->text) c = rt1(g, big ? "nos_bigint_lit" : "nos_decimal_lit", g->ptr, g->ptr, lit_string(g, p->text, (uint32_t)strlen(p->text)));
            else c = rt1(g, big ? "nos_bigint_from_i64" : "nos_decimal_from_i64", g->ptr, g->i64, LLVMConstInt(g->i64, (unsigned long long)p->ival, 1));
            test_or_fail(g, cg_eq(g, t, v, c), fail);
            return;
        }
        test_or_fail(g, cg_eq(g, t, v, const_of_num(g, p, t)), fail);
        return;
    case P_CHAR:
        test_or_fail(g, LLVMBuildICmp(g->b, LLVMIntEQ, v, LLVMConstInt(g->i32, (unsigned long long)p->ival, 0), ""), fail);
        return;
    case P_BOOL:
        test_or_fail(g, LLVMBuildICmp(g->b, LLVMIntEQ, v, LLVMConstInt(g->i1, (unsigned long long)p->ival, 0), ""), fail);
        return;
    case P_UNIT:
        return;
    case P_STRING:
        test_or_fail(g, cg_eq(g, t, v, lit_string(g, p->str, p->str_len)), fail);
        return;
    case P_RANGE: {
        LLVMTypeRef lt = cg_llty(g, t);
        bool fl = prim_float(cg_prim(t));
        LLVMValueRef lo = fl ? LLVMConstReal(lt, (double)p->ival) : LLVMConstInt(lt, (unsigned long long)p->ival, 1);
        LLVMValueRef hi = fl ? LLVMConstReal(lt, (double)p->ival2) : LLVMConstInt(lt, (unsigned long long)p->ival2, 1);
        LLVMValueRef a = cg_order(g, OP_GE, t, v, lo);
        LLVMValueRef b = cg_order(g, p->inclusive ? OP_LE : OP_LT, t, v, hi);
        test_or_fail(g, LLVMBuildAnd(g->b, a, b, ""), fail);
        return;
    }
    case P_TUPLE: {
        ty_t *tt = ty_prune(t);
        for (int i = 0; i < p->nelems && i < tt->nargs; i++) cg_pat(g, p->elems[i], load_slot(g, v, i, tt->args[i]), tt->args[i], fail);
        return;
    }
    case P_LIST: {
        ty_t *et = ty_prune(t)->args[0];
        LLVMValueRef cur = v;
        for (int i = 0; i < p->nelems; i++) {
            LLVMValueRef nn = LLVMBuildIsNotNull(g->b, cur, "");
            test_or_fail(g, nn, fail);
            cg_pat(g, p->elems[i], load_slot(g, cur, 0, et), et, fail);
            cur = LLVMBuildLoad2(g->b, g->ptr, slot_ptr(g, cur, 1), "");
        }
        if (p->rest) cg_pat(g, p->rest, cur, t, fail);
        else test_or_fail(g, LLVMBuildIsNull(g->b, cur, ""), fail);
        return;
    }
    case P_STRCONS: {
        LLVMValueRef cur = v;
        for (int i = 0; i < p->nstrs; i++) {
            LLVMTypeRef pt[] = {g->ptr, g->ptr, g->i64};
            LLVMValueRef pre = lit_string(g, p->strs[i], p->str_lens[i]);
            LLVMValueRef data = LLVMBuildGEP2(g->b, g->i8, pre, (LLVMValueRef[]){LLVMConstInt(g->i64, RT_STR_DATA_OFF, 0)}, 1, "");
            LLVMValueRef av[] = {cur, data, LLVMConstInt(g->i64, p->str_lens[i], 0)};
            test_or_fail(g, rt_bool(g, "nos_str_has_prefix", pt, av, 3), fail);
            cur = rt2(g, "nos_str_drop_bytes", g->ptr, g->ptr, cur, g->i64, LLVMConstInt(g->i64, p->str_lens[i], 0));
        }
        if (p->rest) cg_pat(g, p->rest, cur, t, fail);
        return;
    }
    case P_CTOR:
    case P_RECORD: {
        type_decl_t *td = p->tdecl;
        if (!td) return;
        ty_t *tt = ty_prune(t);
        int k = p->kind == P_CTOR ? p->ctor_index : 0;
        if (!td->is_record && td->nctors > 1) {
            LLVMValueRef tag = LLVMBuildLoad2(g->b, g->i64, v, "");
            test_or_fail(g, LLVMBuildICmp(g->b, LLVMIntEQ, tag, LLVMConstInt(g->i64, (unsigned)k, 0), ""), fail);
        }
        if (p->kind == P_CTOR && p->ctor_args == CTOR_POSITIONAL) {
            for (int i = 0; i < p->nelems && i < td->ctors[k].nfields; i++) {
                ty_t *ft = cg_ty(g, sema_ctor_field_type(g->p, td, k, i, tt->args));
                cg_pat(g, p->elems[i], load_slot(g, v, field_slot(td, i), ft), ft, fail);
            }
            return;
        }
        for (int i = 0; i < p->nfields; i++) {
            if (!p->fields[i].name || !p->fields[i].pat) continue;
            int f = field_index(td, k, p->fields[i].name);
            if (f < 0) continue;
            ty_t *ft = cg_ty(g, sema_ctor_field_type(g->p, td, k, f, tt->args));
            cg_pat(g, p->fields[i].pat, load_slot(g, v, field_slot(td, f), ft), ft, fail);
        }
        return;
    }
    case P_PIN: {
        LLVMValueRef pv = cg_expr(g, p->pin, false);
        test_or_fail(g, cg_eq(g, t, v, pv), fail);
        return;
    }
    case P_OR: {
        LLVMBasicBlockRef ok = new_bb(g, "or_ok");
        bool saved = g_in_or;
        g_in_or = true;
        for (int i = 0; i < p->nelems; i++) {
            LLVMBasicBlockRef next = i + 1 < p->nelems ? new_bb(g, "or_next") : fail;
            cg_pat(g, p->elems[i], v, t, next);
            br(g, ok);
            if (i + 1 < p->nelems) LLVMPositionBuilderAtEnd(g->b, next);
        }
        g_in_or = saved;
        LLVMPositionBuilderAtEnd(g->b, ok);
        return;
    }
    case P_ANNOT:
        if (p->nelems) cg_pat(g, p->elems[0], v, t, fail);
        return;
    case P_MAP: {
        ty_t *tt = ty_prune(t);
        for (int i = 0; i < p->nelems; i++) {
            LLVMValueRef key = cg_expr(g, p->keys[i], false);
            LLVMValueRef found = cg_entry_alloca(g, g->i64, "found");
            LLVMTypeRef pt[] = {g->ptr, g->ptr, g->i64, g->ptr};
            LLVMValueRef av[] = {cg_desc(g, tt), v, slot_of(g, key, tt->args[0]), found};
            LLVMValueRef ok = rt_bool(g, "nos_map_get", pt, av, 4);
            test_or_fail(g, ok, fail);
            LLVMValueRef val = cg_from_slot(g, LLVMBuildLoad2(g->b, g->i64, found, ""), tt->args[1]);
            cg_pat(g, p->elems[i], val, tt->args[1], fail);
        }
        return;
    }
    case P_SET: {
        ty_t *tt = ty_prune(t);
        for (int i = 0; i < p->nelems; i++) {
            pat_t *e = p->elems[i];
            LLVMValueRef ev;
            if (e->kind == P_INT || e->kind == P_FLOAT) ev = const_of_num(g, e, tt->args[0]);
            else if (e->kind == P_STRING) ev = lit_string(g, e->str, e->str_len);
            else if (e->kind == P_CHAR) ev = LLVMConstInt(g->i32, (unsigned long long)e->ival, 0);
            else if (e->kind == P_BOOL) ev = LLVMConstInt(g->i1, (unsigned long long)e->ival, 0);
            else if (e->kind == P_PIN) ev = cg_expr(g, e->pin, false);
            else continue;
            LLVMTypeRef pt[] = {g->ptr, g->ptr, g->i64};
            LLVMValueRef av[] = {cg_desc(g, tt), v, slot_of(g, ev, tt->args[0])};
            test_or_fail(g, rt_bool(g, "nos_set_contains", pt, av, 3), fail);
        }
        return;
    }
    }
}

/* ---- closures and calls -------------------------------------------------------------------------------- */

LLVMTypeRef cg_closure_fnty(cg_t *g, ty_t *funty) {
    ty_t *f = ty_prune(funty);
    int n = f->nargs;
    LLVMTypeRef *ps = xmalloc(sizeof(LLVMTypeRef) * (size_t)(n + 1));
    ps[0] = g->ptr;
    for (int i = 0; i < n; i++) ps[i + 1] = cg_llty(g, f->args[i]);
    LLVMTypeRef ft = LLVMFunctionType(cg_llty(g, f->ret), ps, (unsigned)n + 1, 0);
    free(ps);
    return ft;
}

/* Calls a closure value of function type funty. */
static LLVMValueRef call_closure(cg_t *g, LLVMValueRef clo, ty_t *funty, LLVMValueRef *args, int n, bool tail) {
    LLVMValueRef fp = LLVMBuildLoad2(g->b, g->ptr, clo, "");
    LLVMValueRef *av = xmalloc(sizeof(LLVMValueRef) * (size_t)(n + 1));
    av[0] = clo;
    for (int i = 0; i < n; i++) av[i + 1] = args[i];
    LLVMValueRef r = LLVMBuildCall2(g->b, cg_closure_fnty(g, funty), fp, av, (unsigned)n + 1, "");
    free(av);
    if (tail) LLVMSetTailCall(r, 1);
    return r;
}

static instance_t *call_target(cg_t *g, callres_t *r, fn_info_t **fn) {
    return mono_call_target(g->m, g->in, r, fn);
}

/* The value of an expression used as a function argument with its callee parameter type. */
static LLVMValueRef arg_value(cg_t *g, expr_t *a) { return cg_expr(g, a, false); }

/*
 * Evaluates a callee's default for parameter i, with its earlier parameters
 * bound to the call's argument values, under the callee instance's types.
 */
static LLVMValueRef eval_default(cg_t *g, instance_t *callee, fn_info_t *fn, int i, LLVMValueRef *vals) {
    expr_t *d = fn->defaults[i];
    /* Bind the callee's simple parameter names of the clause that owns the default. */
    clause_t *owner = NULL;
    for (int k = 0; k < fn->decl->nclauses && !owner; k++)
        if (i < fn->decl->clauses[k].nparams && fn->decl->clauses[k].params[i].def == d) owner = &fn->decl->clauses[k];
    int saved_locals = g->locals.len;
    instance_t *saved_in = g->in;
    ty_t *ft = callee->type;
    if (owner) {
        for (int k = 0; k < i && k < owner->nparams; k++) {
            pat_t *pp = owner->params[k].pat;
            while (pp && pp->kind == P_ANNOT && pp->nelems) pp = pp->elems[0];
            if (pp && pp->kind == P_VAR && pp->bind) push_local(g, pp->bind, LK_VAL, vals[k], ft->args[k]);
        }
    }
    g->in = callee;
    LLVMValueRef v = cg_expr(g, d, false);
    g->in = saved_in;
    g->locals.len = saved_locals;
    return v;
}

/* Direct call of a function instance with the argument expressions mapped to parameters. */
static LLVMValueRef call_instance(cg_t *g, instance_t *callee, fn_info_t *fn, expr_t **pargs, bool untuple, bool tail,
                                  LLVMValueRef env_override) {
    ty_t *ft = callee->type;
    int n = fn->arity;
    LLVMValueRef *vals = xmalloc(sizeof(LLVMValueRef) * (size_t)(n + 1));
    if (untuple) {
        LLVMValueRef tup = arg_value(g, pargs[0]);
        for (int i = 0; i < n; i++) vals[i] = load_slot(g, tup, i, ft->args[i]);
    } else {
        for (int i = 0; i < n; i++) {
            if (pargs[i]) vals[i] = arg_value(g, pargs[i]);
            else if (fn->defaults[i]) vals[i] = eval_default(g, callee, fn, i, vals);
            else vals[i] = undef(g, ft->args[i]);
        }
    }
    /* Self tail call: jump back to the start with new parameter values. */
    if (tail && callee == g->in && g->self_entry && !g->tries.len) {
        for (int i = 0; i < n; i++) LLVMBuildStore(g->b, vals[i], g->param_slots[i]);
        loop_backedge_check(g);
        LLVMBuildBr(g->b, g->self_entry);
        cg_dead_block(g);
        free(vals);
        return undef(g, ft->ret);
    }
    LLVMValueRef fnv = cg_instance_fn(g, callee);
    LLVMTypeRef fty = cg_instance_fnty(g, callee);
    LLVMValueRef r;
    if (fn->kind == FK_TOP || fn->kind == FK_INIT) {
        r = LLVMBuildCall2(g->b, fty, fnv, vals, (unsigned)n, "");
    } else {
        LLVMValueRef env = env_override;
        if (!env) {
            if (callee == g->in || (g->in && g->in->fn == fn)) env = g->env;
            else env = cg_localfn_env(g, fn);
        }
        LLVMValueRef *av = xmalloc(sizeof(LLVMValueRef) * (size_t)(n + 1));
        av[0] = env;
        for (int i = 0; i < n; i++) av[i + 1] = vals[i];
        r = LLVMBuildCall2(g->b, fty, fnv, av, (unsigned)n + 1, "");
        free(av);
    }
    free(vals);
    if (tail && !g->tries.len) {
        /* Guaranteed tail call when the signatures agree, a hint otherwise. */
        LLVMTypeRef mine = LLVMGlobalGetValueType(g->fn);
        bool same = mine == fty;
        LLVMSetTailCallKind(r, same ? LLVMTailCallKindMustTail : LLVMTailCallKindTail);
        LLVMBuildRet(g->b, r);
        cg_dead_block(g);
        return undef(g, ft->ret);
    }
    return r;
}

/* Builds the Dyn box of a message/exception (desc, slot). */
static LLVMValueRef make_dyn(cg_t *g, LLVMValueRef desc, LLVMValueRef slot) {
    LLVMValueRef box = cg_alloc(g, 2, false);
    LLVMBuildStore(g->b, desc, box);
    LLVMBuildStore(g->b, slot, slot_ptr(g, box, 1));
    return box;
}

static LLVMValueRef native_call(cg_t *g, expr_t *e, bool tail);
static LLVMValueRef builtin_call(cg_t *g, expr_t *e);
LLVMValueRef cg_global_ptr(cg_t *g, global_info_t *gl);

/* m.update(f): under m's exclusive lock, m = f(m); the value is the new one. */
static LLVMValueRef mvar_update(cg_t *g, expr_t *e) {
    global_info_t *gl = e->lhs->bind->global;
    ty_t *t = mono_type(g->m, NULL, gl->ty);
    LLVMValueRef f = cg_expr(g, e->args[0].value, false);
    LLVMValueRef mv = cg_global_ptr(g, gl);
    rt1(g, "nos_mvar_lock", g->void_t, g->ptr, mv);
    LLVMValueRef old = cg_from_slot(g, LLVMBuildLoad2(g->b, g->i64, mv, ""), t);
    ty_t *ft = cg_ty(g, e->args[0].value->ty);
    LLVMValueRef nv = call_closure(g, f, ft, &old, 1, false);
    LLVMBuildStore(g->b, cg_to_slot(g, nv, t), mv);
    rt1(g, "nos_mvar_unlock", g->void_t, g->ptr, mv);
    return nv;
}

static LLVMValueRef call_expr(cg_t *g, expr_t *e, bool tail) {
    callres_t *r = e->res;
    ty_t *rty = cg_ty(g, e->ty);
    if (!r) return undef(g, rty);
    switch (r->kind) {
    case CR_NATIVE:
        return native_call(g, e, tail);
    case CR_BUILTIN:
        if (r->builtin == BI_MVAR_UPDATE) return mvar_update(g, e);
        return builtin_call(g, e);
    case CR_FN:
    case CR_PENDING: {
        fn_info_t *fn;
        instance_t *callee = call_target(g, r, &fn);
        if (!callee) {
            if (r->pend && r->pend->trait && e->kind == E_METHOD && e->lhs && e->lhs->ty)
                diag_error(g->d, e->span, "type %s does not implement %s (its method '%s' is called here)",
                           ty_str(g->tc, cg_ty(g, e->lhs->ty)), r->pend->trait, r->pend->name);
            else
                diag_error(g->d, e->span, "cannot decide which function '%s' is called here",
                           r->pend && r->pend->name ? r->pend->name : "?");
            return undef(g, rty);
        }
        expr_t **pargs = r->pargs;
        bool untuple = r->untuple;
        expr_t *buf[64];
        if (r->kind == CR_PENDING) {
            bool has_recv = e->kind == E_METHOD && r->sub != 1;
            sema_map_args(fn, e, has_recv, buf, &untuple);
            pargs = buf;
        }
        return call_instance(g, callee, fn, pargs, untuple, tail, NULL);
    }
    case CR_VALUE:
    case CR_FIELD_CALL: {
        ty_t *fty;
        LLVMValueRef clo;
        expr_t *callee = e->lhs;
        /* A let-bound polymorphic lambda called directly. */
        if (r->kind == CR_VALUE && e->kind == E_CALL && callee->kind == E_VAR && callee->bind && callee->bind->local_fn &&
            callee->bind->scheme && callee->res) {
            fn_info_t *fn = callee->bind->local_fn;
            instance_t *ci = mono_fn_instance(g->m, g->in, fn, callee->res->inst, callee->res->ninst);
            expr_t *pa[64];
            bool u = r->untuple;
            for (int i = 0; i < e->nargs && i < 64; i++) pa[i] = e->args[i].value;
            if (fn->arity != e->nargs) u = true;
            return call_instance(g, ci, fn, pa, u, tail, NULL);
        }
        if (r->kind == CR_FIELD_CALL) {
            LLVMValueRef rec = cg_expr(g, callee, false);
            type_decl_t *td = r->tdecl;
            ty_t *rt = cg_ty(g, callee->ty);
            fty = cg_ty(g, sema_ctor_field_type(g->p, td, 0, r->field, ty_prune(rt)->args));
            clo = load_slot(g, rec, field_slot(td, r->field), fty);
        } else {
            fty = cg_ty(g, callee->ty);
            clo = cg_expr(g, callee, false);
        }
        ty_t *f = ty_prune(fty);
        int n = f->nargs;
        LLVMValueRef *av = xmalloc(sizeof(LLVMValueRef) * (size_t)(n + 1));
        if (r->untuple || (e->nargs == 1 && n > 1)) {
            LLVMValueRef tup = cg_expr(g, e->args[0].value, false);
            for (int i = 0; i < n; i++) av[i] = load_slot(g, tup, i, f->args[i]);
        } else {
            for (int i = 0; i < n && i < e->nargs; i++) av[i] = cg_expr(g, e->args[i].value, false);
            for (int i = e->nargs; i < n; i++) av[i] = undef(g, f->args[i]);
        }
        LLVMValueRef res = call_closure(g, clo, f, av, n, false);
        free(av);
        if (tail && !g->tries.len) {
            LLVMSetTailCall(res, 1);
        }
        return res;
    }
    case CR_CTOR:
    case CR_RECORD:
    case CR_UPDATE:
    case CR_NONE:
        break;
    }
    return undef(g, rty);
}

/* ---- natives and builtins ------------------------------------------------------------------------------- */

static void add_int_attr(cg_t *g, LLVMValueRef f, unsigned idx, ty_t *t) {
    prim_t p = cg_prim(t);
    const char *a = NULL;
    if (p == PRIM_BOOL || p == PRIM_U8 || p == PRIM_U16) a = "zeroext";
    else if (p == PRIM_I8 || p == PRIM_I16) a = "signext";
    if (!a) return;
    cg_rt_attr(g, f, idx, a);
}

/*
 * __native__("sym", args...): a C function taking and returning values in
 * their natural C types (int64_t, double, bool, pointers). Arguments and
 * results whose type is a type variable of the prelude function (generic)
 * cross as 64-bit slots (nos_val_t). A Unit result is a void C function.
 * A symbol written "@K:sym" gets the descriptor of argument K's type as a
 * hidden first argument; "@eK:sym" the descriptor of the element type of
 * argument K (a List); "@r:sym" the descriptor of the result type.
 */
static LLVMValueRef native_call(cg_t *g, expr_t *e, bool tail) {
    (void)tail;
    const char *sym = e->res->native;
    int n = e->nargs - 1;
    ty_t *rty = cg_ty(g, e->ty);
    bool unit = cg_is_prim(g, rty, PRIM_UNIT);
    bool ret_slot = ty_is_var(e->ty) && !unit;
    LLVMValueRef hidden = NULL;
    if (sym[0] == '@') {
        const char *colon = strchr(sym, ':');
        const char *spec = sym + 1;
        if (spec[0] == 'r') hidden = cg_desc(g, rty);
        else {
            bool elem = spec[0] == 'e';
            int k = atoi(elem ? spec + 1 : spec);
            ty_t *at = k < n ? cg_ty(g, e->args[k + 1].value->ty) : rty;
            if (elem) at = ty_prune(at)->nargs ? ty_prune(at)->args[0] : at;
            hidden = cg_desc(g, at);
        }
        sym = colon ? colon + 1 : sym;
    }
    int h = hidden ? 1 : 0;
    LLVMTypeRef *pt = xmalloc(sizeof(LLVMTypeRef) * (size_t)(n + h + 1));
    LLVMValueRef *av = xmalloc(sizeof(LLVMValueRef) * (size_t)(n + h + 1));
    ty_t **ats = xmalloc(sizeof(ty_t *) * (size_t)(n + 1));
    if (h) {
        pt[0] = g->ptr;
        av[0] = hidden;
    }
    for (int i = 0; i < n; i++) {
        expr_t *a = e->args[i + 1].value;
        ats[i] = cg_ty(g, a->ty);
        LLVMValueRef v = cg_expr(g, a, false);
        if (ty_is_var(a->ty)) {
            av[i + h] = cg_to_slot(g, v, ats[i]);
            pt[i + h] = g->i64;
            ats[i] = g->tc->t_int;
        } else {
            av[i + h] = v;
            pt[i + h] = cg_llty(g, ats[i]);
        }
    }
    LLVMTypeRef ft;
    LLVMTypeRef rlt = unit ? g->void_t : ret_slot ? g->i64 : cg_llty(g, rty);
    LLVMValueRef f = cg_rt(g, sym, rlt, pt, n + h, &ft);
    for (int i = 0; i < n; i++) add_int_attr(g, f, (unsigned)(i + h) + 1, ats[i]);
    if (!unit && !ret_slot) add_int_attr(g, f, LLVMAttributeReturnIndex, rty);
    LLVMValueRef r = LLVMBuildCall2(g->b, ft, f, av, (unsigned)(n + h), "");
    free(pt);
    free(av);
    free(ats);
    if (unit) return cg_unit(g);
    return ret_slot ? cg_from_slot(g, r, rty) : r;
}

static LLVMValueRef bi_arg(cg_t *g, expr_t *e, int i, ty_t **t) {
    expr_t *a = e->args[i + 1].value;
    if (t) *t = cg_ty(g, a->ty);
    return cg_expr(g, a, false);
}

static LLVMValueRef builtin_call(cg_t *g, expr_t *e) {
    const char *n = e->res->native;
    if (strcmp(n, "tuple_length") == 0) {
        cg_expr(g, e->res->pargs[0], false);
        return LLVMConstInt(g->i64, (unsigned long long)e->res->sub, 0);
    }
    ty_t *rty = cg_ty(g, e->ty);
    int nargs = e->nargs - 1;
    ty_t *t0 = NULL, *t1 = NULL;
    if (strcmp(n, "show") == 0) {
        LLVMValueRef v = bi_arg(g, e, 0, &t0);
        return cg_show(g, t0, v);
    }
    if (strcmp(n, "print") == 0 || strcmp(n, "println") == 0 || strcmp(n, "eprint") == 0 || strcmp(n, "eprintln") == 0) {
        LLVMValueRef v = bi_arg(g, e, 0, &t0);
        char fname[32];
        snprintf(fname, sizeof fname, "nos_%s", n);
        LLVMValueRef d, s;
        if (is_dyn(g, t0)) dyn_parts(g, v, &d, &s);
        else {
            d = cg_desc(g, t0);
            s = slot_of(g, v, t0);
        }
        rt2(g, fname, g->void_t, g->ptr, d, g->i64, s);
        return cg_unit(g);
    }
    if (strcmp(n, "assert") == 0) {
        LLVMValueRef c = bi_arg(g, e, 0, NULL);
        LLVMBasicBlockRef bad = new_bb(g, "assert_fail"), ok = new_bb(g, "assert_ok");
        LLVMBuildCondBr(g->b, c, ok, bad);
        LLVMPositionBuilderAtEnd(g->b, bad);
        LLVMValueRef msg = nargs > 1 ? bi_arg(g, e, 1, NULL) : LLVMConstNull(g->ptr);
        LLVMTypeRef pt[] = {g->ptr};
        cg_noreturn_call(g, "nos_err_assert_str", pt, &msg, 1);
        LLVMPositionBuilderAtEnd(g->b, ok);
        return cg_unit(g);
    }
    if (strcmp(n, "assert_eq") == 0) {
        LLVMValueRef a = bi_arg(g, e, 0, &t0);
        LLVMValueRef b = bi_arg(g, e, 1, &t1);
        LLVMValueRef c = cg_eq(g, t0, a, b);
        LLVMBasicBlockRef bad = new_bb(g, "assert_fail"), ok = new_bb(g, "assert_ok");
        LLVMBuildCondBr(g->b, c, ok, bad);
        LLVMPositionBuilderAtEnd(g->b, bad);
        LLVMTypeRef pt[] = {g->ptr, g->i64, g->i64};
        LLVMValueRef av[] = {cg_desc(g, t0), slot_of(g, a, t0), slot_of(g, b, t0)};
        cg_noreturn_call(g, "nos_err_assert_eq", pt, av, 3);
        LLVMPositionBuilderAtEnd(g->b, ok);
        return cg_unit(g);
    }
    if (strcmp(n, "panic") == 0) {
        LLVMValueRef v = bi_arg(g, e, 0, &t0);
        LLVMValueRef s = cg_show(g, t0, v);
        LLVMTypeRef pt[] = {g->ptr};
        cg_noreturn_call(g, "nos_panic", pt, &s, 1);
        cg_dead_block(g);
        return undef(g, rty);
    }
    if (strcmp(n, "throw") == 0) {
        LLVMValueRef v = bi_arg(g, e, 0, &t0);
        LLVMValueRef d, s;
        if (is_dyn(g, t0)) dyn_parts(g, v, &d, &s);
        else {
            d = cg_desc(g, t0);
            s = slot_of(g, v, t0);
        }
        LLVMTypeRef pt[] = {g->ptr, g->i64};
        LLVMValueRef av[] = {d, s};
        cg_noreturn_call(g, "nos_throw", pt, av, 2);
        cg_dead_block(g);
        return undef(g, rty);
    }
    if (strcmp(n, "hash") == 0) {
        LLVMValueRef v = bi_arg(g, e, 0, &t0);
        return rt2(g, "nos_hash", g->i64, g->ptr, cg_desc(g, t0), g->i64, slot_of(g, v, t0));
    }
    if (strcmp(n, "copy") == 0) {
        LLVMValueRef v = bi_arg(g, e, 0, &t0);
        LLVMValueRef s = rt2(g, "nos_copy", g->i64, g->ptr, cg_desc(g, t0), g->i64, slot_of(g, v, t0));
        return cg_from_slot(g, s, t0);
    }
    if (strcmp(n, "compare") == 0) {
        LLVMValueRef a = bi_arg(g, e, 0, &t0);
        LLVMValueRef b = bi_arg(g, e, 1, NULL);
        LLVMValueRef lt = cg_order(g, OP_LT, t0, a, b);
        LLVMValueRef gt = cg_order(g, OP_GT, t0, a, b);
        LLVMValueRef r = LLVMBuildSelect(g->b, lt, LLVMConstInt(g->i64, (unsigned long long)-1, 1),
                                         LLVMBuildSelect(g->b, gt, LLVMConstInt(g->i64, 1, 0), LLVMConstInt(g->i64, 0, 0), ""), "");
        return r;
    }
    if (strcmp(n, "eq") == 0) {
        LLVMValueRef a = bi_arg(g, e, 0, &t0);
        LLVMValueRef b = bi_arg(g, e, 1, NULL);
        return cg_eq(g, t0, a, b);
    }
    if (strcmp(n, "lt") == 0 || strcmp(n, "le") == 0 || strcmp(n, "gt") == 0 || strcmp(n, "ge") == 0) {
        LLVMValueRef a = bi_arg(g, e, 0, &t0);
        LLVMValueRef b = bi_arg(g, e, 1, NULL);
        op_t op = n[0] == 'l' ? (n[1] == 't' ? OP_LT : OP_LE) : (n[1] == 't' ? OP_GT : OP_GE);
        return cg_order(g, op, t0, a, b);
    }
    if (strcmp(n, "self") == 0) return cg_call_rt(g, "nos_self", g->ptr, NULL, NULL, 0);
    if (strcmp(n, "send") == 0) {
        LLVMValueRef p = bi_arg(g, e, 0, NULL);
        LLVMValueRef v = bi_arg(g, e, 1, &t1);
        LLVMValueRef d, s;
        if (is_dyn(g, t1)) dyn_parts(g, v, &d, &s);
        else {
            d = cg_desc(g, t1);
            s = slot_of(g, v, t1);
        }
        rt3(g, "nos_send", g->void_t, g->ptr, p, g->ptr, d, g->i64, s);
        return cg_unit(g);
    }
    if (strcmp(n, "sleep") == 0) {
        LLVMValueRef v = bi_arg(g, e, 0, NULL);
        rt1(g, "nos_sleep", g->void_t, g->i64, v);
        return cg_unit(g);
    }
    if (strcmp(n, "typeOf") == 0) {
        bi_arg(g, e, 0, &t0);
        const char *s = ty_str(g->tc, t0);
        return cg_str_const(g, s, strlen(s));
    }
    if (strcmp(n, "tagOf") == 0) {
        /* The constructor's name for a variant value, "" for anything else. */
        LLVMValueRef v = bi_arg(g, e, 0, &t0);
        ty_t *tt = ty_prune(t0);
        type_decl_t *td = tt->kind == TY_CON ? tt->con->decl : NULL;
        if (!td || td->is_record) return cg_str_const(g, "", 0);
        LLVMValueRef *names = xmalloc(sizeof(LLVMValueRef) * (size_t)td->nctors);
        for (int k = 0; k < td->nctors; k++) names[k] = cg_str_const(g, td->ctors[k].name, strlen(td->ctors[k].name));
        LLVMValueRef arr = LLVMConstArray2(g->ptr, names, (uint64_t)td->nctors);
        free(names);
        LLVMValueRef ga = LLVMAddGlobal(g->mod, LLVMTypeOf(arr), ".tags");
        LLVMSetInitializer(ga, arr);
        LLVMSetGlobalConstant(ga, 1);
        LLVMSetLinkage(ga, LLVMPrivateLinkage);
        LLVMValueRef tag = LLVMBuildLoad2(g->b, g->i64, v, "");
        return LLVMBuildLoad2(g->b, g->ptr, LLVMBuildGEP2(g->b, g->ptr, ga, &tag, 1, ""), "");
    }
    if (strcmp(n, "convert") == 0) {
        LLVMValueRef v = bi_arg(g, e, 0, &t0);
        return convert(g, v, cg_prim(t0), cg_prim(rty));
    }
    if (strcmp(n, "abs") == 0) {
        LLVMValueRef v = bi_arg(g, e, 0, &t0);
        prim_t p = cg_prim(t0);
        if (prim_float(p)) return intrinsic1(g, p == PRIM_FLOAT ? "llvm.fabs.f64" : "llvm.fabs.f32", cg_llty(g, t0), v);
        if (prim_unsigned(p)) return v;
        if (p == PRIM_BIGINT || p == PRIM_DECIMAL) return rt1(g, p == PRIM_BIGINT ? "nos_bigint_abs" : "nos_decimal_abs", g->ptr, g->ptr, v);
        LLVMValueRef neg = LLVMBuildSub(g->b, LLVMConstNull(LLVMTypeOf(v)), v, "");
        LLVMValueRef isneg = LLVMBuildICmp(g->b, LLVMIntSLT, v, LLVMConstNull(LLVMTypeOf(v)), "");
        return LLVMBuildSelect(g->b, isneg, neg, v, "");
    }
    if (strcmp(n, "neg") == 0) {
        LLVMValueRef v = bi_arg(g, e, 0, &t0);
        prim_t p = cg_prim(t0);
        if (prim_float(p)) return LLVMBuildFNeg(g->b, v, "");
        if (p == PRIM_BIGINT || p == PRIM_DECIMAL) return rt1(g, p == PRIM_BIGINT ? "nos_bigint_neg" : "nos_decimal_neg", g->ptr, g->ptr, v);
        return LLVMBuildSub(g->b, LLVMConstNull(LLVMTypeOf(v)), v, "");
    }
    if (strcmp(n, "add") == 0 || strcmp(n, "sub") == 0 || strcmp(n, "mul") == 0 || strcmp(n, "div") == 0 ||
        strcmp(n, "mod") == 0 || strcmp(n, "pow") == 0) {
        LLVMValueRef a = bi_arg(g, e, 0, &t0);
        LLVMValueRef b = bi_arg(g, e, 1, &t1);
        op_t op = n[0] == 'a' ? OP_ADD : n[0] == 's' ? OP_SUB : n[0] == 'd' ? OP_DIV : n[1] == 'u' ? OP_MUL : n[1] == 'o' && n[2] == 'd' ? OP_MOD : OP_POW;
        return arith(g, op, t0, a, b);
    }
    if (strcmp(n, "zero") == 0 || strcmp(n, "one") == 0) {
        long long k = n[0] == 'o';
        prim_t p = cg_prim(rty);
        if (prim_float(p)) return LLVMConstReal(cg_llty(g, rty), (double)k);
        if (p == PRIM_BIGINT) return rt1(g, "nos_bigint_from_i64", g->ptr, g->i64, LLVMConstInt(g->i64, (unsigned long long)k, 0));
        if (p == PRIM_DECIMAL) return rt1(g, "nos_decimal_from_i64", g->ptr, g->i64, LLVMConstInt(g->i64, (unsigned long long)k, 0));
        return LLVMConstInt(cg_llty(g, rty), (unsigned long long)k, 0);
    }
    if (strncmp(n, "f.", 2) == 0) {
        /* Float math through LLVM intrinsics: f.sqrt, f.sin, ... */
        LLVMValueRef v = bi_arg(g, e, 0, &t0);
        if (!prim_float(cg_prim(t0))) v = convert(g, v, cg_prim(t0), PRIM_FLOAT), t0 = g->tc->t_float;
        char full[48];
        snprintf(full, sizeof full, "llvm.%s.f64", n + 2);
        if (cg_prim(t0) == PRIM_F32) v = LLVMBuildFPExt(g->b, v, g->f64, "");
        LLVMValueRef r = intrinsic1(g, full, g->f64, v);
        if (cg_is_prim(g, rty, PRIM_FLOAT)) return r;
        return convert(g, r, PRIM_FLOAT, cg_prim(rty));
    }
    if (strcmp(n, "fpow") == 0) {
        LLVMValueRef a = bi_arg(g, e, 0, &t0);
        LLVMValueRef b = bi_arg(g, e, 1, &t1);
        if (!prim_float(cg_prim(t0))) a = convert(g, a, cg_prim(t0), PRIM_FLOAT);
        if (!prim_float(cg_prim(t1))) b = convert(g, b, cg_prim(t1), PRIM_FLOAT);
        return intrinsic2(g, "llvm.pow.f64", g->f64, a, b);
    }
    if (strcmp(n, "int_of_float") == 0) {
        /* floor/ceil/round results: Float -> Int, saturating. */
        LLVMValueRef v = bi_arg(g, e, 0, &t0);
        return convert(g, v, cg_prim(t0), PRIM_INT);
    }
    if (strcmp(n, "desc") == 0) {
        bi_arg(g, e, 0, &t0);
        return cg_desc(g, t0);
    }
    if (strcmp(n, "slot") == 0) {
        LLVMValueRef v = bi_arg(g, e, 0, &t0);
        return slot_of(g, v, t0);
    }
    diag_error(g->d, e->span, "unknown builtin '%s'", n);
    return undef(g, rty);
}

/* ---- values of names ----------------------------------------------------------------------------------- */

LLVMValueRef cg_global_ptr(cg_t *g, global_info_t *gl) {
    char name[256];
    snprintf(name, sizeof name, "g.%s", gl->qname);
    LLVMValueRef gv = LLVMGetNamedGlobal(g->mod, name);
    if (gv) return gv;
    if (gl->is_mvar) {
        LLVMTypeRef at = LLVMArrayType2(g->i64, RT_MVAR_BYTES / 8);
        gv = LLVMAddGlobal(g->mod, at, name);
        LLVMSetInitializer(gv, LLVMConstNull(at));
    } else {
        LLVMTypeRef t = cg_llty(g, mono_type(g->m, NULL, gl->ty));
        gv = LLVMAddGlobal(g->mod, t, name);
        LLVMSetInitializer(gv, LLVMConstNull(t));
    }
    LLVMSetLinkage(gv, LLVMInternalLinkage);
    return gv;
}

static LLVMValueRef mvar_read(cg_t *g, global_info_t *gl) {
    ty_t *t = mono_type(g->m, NULL, gl->ty);
    LLVMValueRef mv = cg_global_ptr(g, gl);
    rt1(g, "nos_mvar_lock_shared", g->void_t, g->ptr, mv);
    LLVMValueRef v = cg_from_slot(g, LLVMBuildLoad2(g->b, g->i64, mv, ""), t);
    rt1(g, "nos_mvar_unlock_shared", g->void_t, g->ptr, mv);
    return v;
}

static LLVMValueRef var_value(cg_t *g, expr_t *e) {
    binding_t *b = e->bind;
    ty_t *t = cg_ty(g, e->ty);
    if (!b) {
        /* A named function value or constructor resolved without a binding. */
        if (e->res && e->res->kind == CR_FN) {
            fn_info_t *fn;
            instance_t *in = call_target(g, e->res, &fn);
            return in ? cg_closure_of_instance(g, in, NULL) : undef(g, t);
        }
        return undef(g, t);
    }
    switch (b->kind) {
    case B_LOCAL:
    case B_VAR: {
        if (b->local_fn && b->scheme && e->res) {
            instance_t *in = mono_fn_instance(g->m, g->in, b->local_fn, e->res->inst, e->res->ninst);
            return cg_closure_of_instance(g, in, NULL);
        }
        cg_local_t *l = find_local(g, b);
        if (!l) {
            if (b->local_fn) {
                instance_t *in = mono_fn_instance(g->m, g->in, b->local_fn, NULL, 0);
                return cg_closure_of_instance(g, in, NULL);
            }
            return undef(g, t);
        }
        return load_local(g, l);
    }
    case B_GLOBAL: {
        ty_t *gt = mono_type(g->m, NULL, b->global->ty);
        return LLVMBuildLoad2(g->b, cg_llty(g, gt), cg_global_ptr(g, b->global), "");
    }
    case B_MVAR:
        return mvar_read(g, b->global);
    case B_FNS:
    case B_LOCALFN: {
        fn_info_t *fn;
        instance_t *in = e->res ? call_target(g, e->res, &fn) : NULL;
        if (!in) return undef(g, t);
        return cg_closure_of_instance(g, in, NULL);
    }
    case B_MODULE:
        break;
    }
    return undef(g, t);
}

/* ---- constructors ------------------------------------------------------------------------------------------ */

static LLVMValueRef nullary_ctor(cg_t *g, int tag) {
    char name[32];
    snprintf(name, sizeof name, "nos.ctor%d", tag);
    LLVMValueRef gv = LLVMGetNamedGlobal(g->mod, name);
    if (gv) return gv;
    LLVMTypeRef at = LLVMArrayType2(g->i64, 1);
    gv = LLVMAddGlobal(g->mod, at, name);
    LLVMValueRef c = LLVMConstInt(g->i64, (unsigned)tag, 0);
    LLVMSetInitializer(gv, LLVMConstArray2(g->i64, &c, 1));
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetLinkage(gv, LLVMInternalLinkage);
    LLVMSetAlignment(gv, 16);
    return gv;
}

LLVMValueRef cg_build_ctor(cg_t *g, type_decl_t *td, int k, ty_t *t, LLVMValueRef *fields);
LLVMValueRef cg_build_ctor(cg_t *g, type_decl_t *td, int k, ty_t *t, LLVMValueRef *fields) {
    ctor_info_t *ci = &td->ctors[k];
    ty_t *tt = ty_prune(t);
    if (!td->is_record && ci->nfields == 0) return nullary_ctor(g, k);
    int n = ci->nfields + (td->is_record ? 0 : 1);
    if (n == 0) return nullary_ctor(g, 0);
    LLVMValueRef obj = cg_alloc(g, n, false);
    if (!td->is_record) LLVMBuildStore(g->b, LLVMConstInt(g->i64, (unsigned)k, 0), obj);
    for (int i = 0; i < ci->nfields; i++) {
        ty_t *ft = cg_ty(g, sema_ctor_field_type(g->p, td, k, i, tt->args));
        store_slot(g, obj, field_slot(td, i), fields[i], ft);
    }
    return obj;
}

static LLVMValueRef ctor_expr(cg_t *g, expr_t *e) {
    callres_t *r = e->res;
    ty_t *t = cg_ty(g, e->ty);
    if (!r) return undef(g, t);
    if (r->kind == CR_BUILTIN && r->builtin == BI_CONVERT) {
        ty_t *at = cg_ty(g, e->args[0].value->ty);
        LLVMValueRef v = cg_expr(g, e->args[0].value, false);
        return convert(g, v, cg_prim(at), cg_prim(t));
    }
    type_decl_t *td = r->tdecl;
    if (r->kind == CR_CTOR && r->sub == 1) {
        /* Constructor as a function value. */
        extern LLVMValueRef cg_ctor_closure(cg_t *g, type_decl_t *td, int k, ty_t *funty);
        return cg_ctor_closure(g, td, r->ctor, t);
    }
    if (r->kind == CR_UPDATE) {
        ctor_info_t *ci = &td->ctors[0];
        LLVMValueRef base = cg_expr(g, e->args[0].value, false);
        int n = ci->nfields;
        LLVMValueRef obj = cg_alloc(g, n ? n : 1, false);
        for (int i = 0; i < n; i++) {
            LLVMValueRef v = LLVMBuildLoad2(g->b, g->i64, slot_ptr(g, base, i), "");
            LLVMBuildStore(g->b, v, slot_ptr(g, obj, i));
        }
        for (int i = 1; i < e->nargs; i++) {
            int f = field_index(td, 0, e->args[i].name);
            if (f < 0) continue;
            ty_t *ft = cg_ty(g, e->args[i].value->ty);
            store_slot(g, obj, f, cg_expr(g, e->args[i].value, false), ft);
        }
        return obj;
    }
    ctor_info_t *ci = &td->ctors[r->ctor];
    LLVMValueRef *fields = xmalloc(sizeof(LLVMValueRef) * (size_t)(ci->nfields ? ci->nfields : 1));
    /* Evaluate in source order. */
    for (int i = 0; i < ci->nfields; i++) fields[i] = NULL;
    for (int a = 0; a < e->nargs; a++)
        for (int i = 0; i < ci->nfields; i++)
            if (r->pargs && r->pargs[i] == e->args[a].value) fields[i] = cg_expr(g, e->args[a].value, false);
    for (int i = 0; i < ci->nfields; i++)
        if (!fields[i]) fields[i] = undef(g, cg_ty(g, sema_ctor_field_type(g->p, td, r->ctor, i, ty_prune(t)->args)));
    LLVMValueRef obj = cg_build_ctor(g, td, r->ctor, t, fields);
    free(fields);
    return obj;
}

/* ---- control flow --------------------------------------------------------------------------------------------- */

/* A place for the value of a branching expression (NULL for Unit). */
static LLVMValueRef result_slot(cg_t *g, ty_t *t) { return cg_entry_alloca(g, cg_llty(g, t), "res"); }

static void store_result(cg_t *g, LLVMValueRef slot, LLVMValueRef v) {
    if (!cg_terminated(g) && v && slot) LLVMBuildStore(g->b, v, slot);
}

static LLVMValueRef if_expr(cg_t *g, expr_t *e, bool tail) {
    ty_t *t = cg_ty(g, e->ty);
    LLVMValueRef c = cg_expr(g, e->cond, false);
    LLVMBasicBlockRef thn = new_bb(g, "then"), els = new_bb(g, "else"), end = new_bb(g, "endif");
    LLVMBuildCondBr(g->b, c, thn, els);
    LLVMValueRef slot = e->rhs ? result_slot(g, t) : NULL;
    LLVMPositionBuilderAtEnd(g->b, thn);
    LLVMValueRef a = cg_expr(g, e->lhs, tail && e->rhs);
    if (tail && e->rhs && !cg_terminated(g)) cg_ret(g, a);
    store_result(g, slot, a);
    br(g, end);
    LLVMPositionBuilderAtEnd(g->b, els);
    if (e->rhs) {
        LLVMValueRef b = cg_expr(g, e->rhs, tail);
        if (tail && !cg_terminated(g)) cg_ret(g, b);
        store_result(g, slot, b);
    }
    br(g, end);
    LLVMPositionBuilderAtEnd(g->b, end);
    if (!e->rhs) return cg_unit(g);
    if (tail) {
        LLVMBuildUnreachable(g->b);
        cg_dead_block(g);
        return undef(g, t);
    }
    return LLVMBuildLoad2(g->b, cg_llty(g, t), slot, "");
}

static void match_fail(cg_t *g) { cg_noreturn_call(g, "nos_err_match", NULL, NULL, 0); }

/* Arms against one value: each arm's pattern (with a type test for Dyn-typed scrutinees), guard, body. */
static LLVMValueRef match_arms(cg_t *g, arm_t *arms, int narms, LLVMValueRef v, ty_t *vt, ty_t *rt, bool tail,
                               LLVMBasicBlockRef nomatch) {
    LLVMValueRef slot = result_slot(g, rt);
    LLVMBasicBlockRef end = new_bb(g, "endmatch");
    for (int i = 0; i < narms; i++) {
        arm_t *a = &arms[i];
        LLVMBasicBlockRef next = i + 1 < narms ? new_bb(g, "arm") : nomatch;
        int saved = g->locals.len;
        cg_pat(g, a->pat, v, vt, next);
        if (a->guard) {
            LLVMValueRef c = cg_expr(g, a->guard, false);
            LLVMBasicBlockRef body = new_bb(g, "guarded");
            LLVMBuildCondBr(g->b, c, body, next);
            LLVMPositionBuilderAtEnd(g->b, body);
        }
        LLVMValueRef r = cg_expr(g, a->body, tail);
        if (tail && !cg_terminated(g)) cg_ret(g, r);
        store_result(g, slot, r);
        br(g, end);
        g->locals.len = saved;
        if (i + 1 < narms) LLVMPositionBuilderAtEnd(g->b, next);
    }
    LLVMPositionBuilderAtEnd(g->b, end);
    if (tail) {
        LLVMBuildUnreachable(g->b);
        cg_dead_block(g);
        return undef(g, rt);
    }
    return LLVMBuildLoad2(g->b, cg_llty(g, rt), slot, "");
}

static LLVMValueRef match_expr(cg_t *g, expr_t *e, bool tail) {
    ty_t *st = cg_ty(g, e->lhs->ty);
    ty_t *rt = cg_ty(g, e->ty);
    LLVMValueRef v = cg_expr(g, e->lhs, false);
    LLVMBasicBlockRef fail = new_bb(g, "nomatch");
    LLVMBasicBlockRef cont = LLVMGetInsertBlock(g->b);
    LLVMPositionBuilderAtEnd(g->b, fail);
    match_fail(g);
    LLVMPositionBuilderAtEnd(g->b, cont);
    if (e->narms == 0) {
        br(g, fail);
        cg_dead_block(g);
        return undef(g, rt);
    }
    return match_arms(g, e->arms, e->narms, v, st, rt, tail, fail);
}

/*
 * Arms over a dynamically typed value (message or exception): an arm
 * applies when the value's descriptor is the arm's pattern type (or the
 * pattern type is Dyn); then its pattern and guard are tried.
 */
static LLVMValueRef dyn_arms(cg_t *g, arm_t *arms, int narms, LLVMValueRef desc, LLVMValueRef slot, ty_t *rt,
                             LLVMBasicBlockRef nomatch, LLVMValueRef on_take_fn_arg, void (*on_take)(cg_t *, LLVMValueRef),
                             bool tail) {
    LLVMValueRef res = result_slot(g, rt);
    LLVMBasicBlockRef end = new_bb(g, "enddyn");
    for (int i = 0; i < narms; i++) {
        arm_t *a = &arms[i];
        LLVMBasicBlockRef next = i + 1 < narms ? new_bb(g, "darm") : nomatch;
        int saved = g->locals.len;
        ty_t *pt = cg_ty(g, a->pat->ty);
        LLVMValueRef v;
        if (is_dyn(g, pt)) {
            v = make_dyn(g, desc, slot);
        } else if (contains_dyn(g, pt)) {
            /* Partly open type: a structural test, then box the open parts. */
            LLVMValueRef pd = cg_desc(g, pt);
            LLVMTypeRef mt[] = {g->ptr, g->ptr};
            LLVMValueRef ma[] = {pd, desc};
            test_or_fail(g, rt_bool(g, "nos_type_matches", mt, ma, 2), next);
            v = cg_from_slot(g, rt3(g, "nos_dyn_coerce", g->i64, g->ptr, pd, g->ptr, desc, g->i64, slot), pt);
        } else {
            /* The same descriptor, or (rarely) a message whose type has Any parts where the
             * pattern has concrete types: those parts hold no values, so it fits as it is. */
            LLVMValueRef pd = cg_desc(g, pt);
            LLVMValueRef same = LLVMBuildICmp(g->b, LLVMIntEQ, desc, pd, "");
            LLVMBasicBlockRef ok = new_bb(g, "type_ok"), slow = new_bb(g, "type_check");
            LLVMBuildCondBr(g->b, same, ok, slow);
            LLVMPositionBuilderAtEnd(g->b, slow);
            LLVMTypeRef mt[] = {g->ptr, g->ptr};
            LLVMValueRef ma[] = {pd, desc};
            LLVMBuildCondBr(g->b, rt_bool(g, "nos_type_matches", mt, ma, 2), ok, next);
            LLVMPositionBuilderAtEnd(g->b, ok);
            v = cg_from_slot(g, slot, pt);
        }
        cg_pat(g, a->pat, v, pt, next);
        if (a->guard) {
            LLVMValueRef c = cg_expr(g, a->guard, false);
            LLVMBasicBlockRef body = new_bb(g, "guarded");
            LLVMBuildCondBr(g->b, c, body, next);
            LLVMPositionBuilderAtEnd(g->b, body);
        }
        if (on_take) on_take(g, on_take_fn_arg);
        /* In tail position (receive arms of `loop(s) = receive { m -> loop(s2) }`) the arm's
         * call is a tail call: a server loop runs in constant stack. */
        LLVMValueRef r = cg_expr(g, a->body, tail);
        if (tail && !cg_terminated(g)) cg_ret(g, r);
        store_result(g, res, r);
        br(g, end);
        g->locals.len = saved;
        if (i + 1 < narms) LLVMPositionBuilderAtEnd(g->b, next);
    }
    LLVMPositionBuilderAtEnd(g->b, end);
    return LLVMBuildLoad2(g->b, cg_llty(g, rt), res, "");
}

static LLVMValueRef g_recv_state, g_recv_msg;

static void take_message(cg_t *g, LLVMValueRef unused) {
    (void)unused;
    rt2(g, "nos_recv_take", g->void_t, g->ptr, g_recv_state, g->ptr, g_recv_msg);
}

static LLVMValueRef receive_expr(cg_t *g, expr_t *e, bool tail) {
    ty_t *rt = cg_ty(g, e->ty);
    LLVMValueRef state = cg_entry_alloca(g, LLVMArrayType2(g->i64, RT_RECV_BYTES / 8), "recv");
    LLVMValueRef timeout = e->cond ? cg_expr(g, e->cond, false) : LLVMConstInt(g->i64, (unsigned long long)-1, 1);
    rt2(g, "nos_recv_begin", g->void_t, g->ptr, state, g->i64, timeout);
    LLVMBasicBlockRef loop = new_bb(g, "recv_loop"), got = new_bb(g, "recv_got"), tmo = new_bb(g, "recv_timeout"),
                      end = new_bb(g, "recv_end");
    LLVMValueRef res = result_slot(g, rt);
    br(g, loop);
    LLVMPositionBuilderAtEnd(g->b, loop);
    LLVMValueRef m = rt1(g, "nos_recv_next", g->ptr, g->ptr, state);
    LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, m, ""), tmo, got);
    LLVMPositionBuilderAtEnd(g->b, got);
    LLVMValueRef desc = LLVMBuildLoad2(g->b, g->ptr, LLVMBuildGEP2(g->b, g->i8, m, (LLVMValueRef[]){LLVMConstInt(g->i64, RT_MSG_TYPE_OFF, 0)}, 1, ""), "");
    LLVMValueRef slot = LLVMBuildLoad2(g->b, g->i64, LLVMBuildGEP2(g->b, g->i8, m, (LLVMValueRef[]){LLVMConstInt(g->i64, RT_MSG_VALUE_OFF, 0)}, 1, ""), "");
    LLVMValueRef saved_state = g_recv_state, saved_msg = g_recv_msg;
    g_recv_state = state;
    g_recv_msg = m;
    LLVMValueRef v = dyn_arms(g, e->arms, e->narms, desc, slot, rt, loop, NULL, take_message, tail);
    g_recv_state = saved_state;
    g_recv_msg = saved_msg;
    store_result(g, res, v);
    br(g, end);
    LLVMPositionBuilderAtEnd(g->b, tmo);
    if (e->lhs) {
        LLVMValueRef a = cg_expr(g, e->lhs, tail);
        if (tail && !cg_terminated(g)) cg_ret(g, a);
        store_result(g, res, a);
        br(g, end);
    } else {
        /* No `after`: nos_recv_next never times out; keep waiting. */
        br(g, loop);
    }
    LLVMPositionBuilderAtEnd(g->b, end);
    return LLVMBuildLoad2(g->b, cg_llty(g, rt), res, "");
}

static LLVMValueRef try_expr(cg_t *g, expr_t *e) {
    ty_t *rt = cg_ty(g, e->ty);
    LLVMValueRef frame = cg_entry_alloca(g, LLVMArrayType2(g->i64, RT_EXC_FRAME_BYTES / 8), "exc");
    LLVMSetAlignment(frame, 16);
    LLVMValueRef res = result_slot(g, rt);
    rt1(g, "nos_try_push", g->void_t, g->ptr, frame);
    LLVMValueRef jb = LLVMBuildGEP2(g->b, g->i8, frame, (LLVMValueRef[]){LLVMConstInt(g->i64, RT_EXC_JB_OFF, 0)}, 1, "");
    LLVMTypeRef ft;
    LLVMTypeRef pt = g->ptr;
    LLVMValueRef sj = cg_rt(g, "_setjmp", g->i32, &pt, 1, &ft);
    unsigned k = LLVMGetEnumAttributeKindForName("returns_twice", 13);
    LLVMAddAttributeAtIndex(sj, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(g->ctx, k, 0));
    LLVMValueRef call = LLVMBuildCall2(g->b, ft, sj, &jb, 1, "");
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(g->ctx, k, 0));
    LLVMBasicBlockRef body = new_bb(g, "try_body"), handler = new_bb(g, "try_catch"), end = new_bb(g, "try_end");
    LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, call, LLVMConstInt(g->i32, 0, 0), ""), body, handler);
    /* body */
    LLVMPositionBuilderAtEnd(g->b, body);
    vec_push(&g->tries, frame);
    LLVMValueRef v = cg_expr(g, e->lhs, false);
    g->tries.len--;
    if (!cg_terminated(g)) {
        rt1(g, "nos_try_pop", g->void_t, g->ptr, frame);
        if (e->rhs) cg_expr(g, e->rhs, false);
        store_result(g, res, v);
    }
    br(g, end);
    /* handler: the frame is already unlinked by the throw */
    LLVMPositionBuilderAtEnd(g->b, handler);
    LLVMValueRef desc = LLVMBuildLoad2(g->b, g->ptr, LLVMBuildGEP2(g->b, g->i8, frame, (LLVMValueRef[]){LLVMConstInt(g->i64, RT_EXC_TYPE_OFF, 0)}, 1, ""), "");
    LLVMValueRef slot = LLVMBuildLoad2(g->b, g->i64, LLVMBuildGEP2(g->b, g->i8, frame, (LLVMValueRef[]){LLVMConstInt(g->i64, RT_EXC_VALUE_OFF, 0)}, 1, ""), "");
    LLVMBasicBlockRef rethrow = new_bb(g, "rethrow");
    LLVMValueRef cv = e->narms ? dyn_arms(g, e->arms, e->narms, desc, slot, rt, rethrow, NULL, NULL, false) : NULL;
    if (!e->narms) br(g, rethrow);
    else {
        if (!cg_terminated(g)) {
            if (e->rhs) cg_expr(g, e->rhs, false);
            store_result(g, res, cv);
        }
        br(g, end);
    }
    LLVMPositionBuilderAtEnd(g->b, rethrow);
    if (e->rhs) cg_expr(g, e->rhs, false);
    if (!cg_terminated(g)) {
        LLVMTypeRef rp[] = {g->ptr};
        cg_noreturn_call(g, "nos_rethrow", rp, &frame, 1);
    }
    LLVMPositionBuilderAtEnd(g->b, end);
    return LLVMBuildLoad2(g->b, cg_llty(g, rt), res, "");
}

/*
 * A preemption poll at a loop back-edge (rt/sched_internal.h, point 2): the
 * watchdog asks a long-running process to yield by setting the stack limit
 * (%fs:0x70 on x86-64, nos__stack_limit on aarch64) to -1; the poll is one
 * compare and a cold call.
 */
void cg_preempt_poll(cg_t *g) { loop_backedge_check(g); }

/*
 * aarch64: the current thread's stack limit, read afresh each time. A process
 * moves between worker threads whenever it calls into the scheduler, and LLVM
 * takes the thread pointer to be constant within a function (a TLS address
 * computed before a call may be reused after it), so the whole access is one
 * `asm sideeffect`: it is never hoisted, merged or reused. Local-exec TLS: the
 * runtime is a static archive, so nos__stack_limit is in the executable's own
 * TLS block at an offset the linker fixes (tp + offset, no GOT load).
 */
static LLVMValueRef tls_stack_limit(cg_t *g) {
    static const char code[] = "mrs $0, tpidr_el0\n\t"
                               "add $0, $0, #:tprel_hi12:nos__stack_limit, lsl #12\n\t"
                               "ldr $0, [$0, #:tprel_lo12_nc:nos__stack_limit]";
    LLVMTypeRef fty = LLVMFunctionType(g->i64, NULL, 0, 0);
    LLVMValueRef as = LLVMGetInlineAsm(fty, code, sizeof code - 1, "=r", 2, 1, 0, LLVMInlineAsmDialectATT, 0);
    return LLVMBuildCall2(g->b, fty, as, NULL, 0, "limit");
}

/* Branch weights: the slow path is taken about never. */
static void cold_branch(cg_t *g, LLVMValueRef brv) {
    LLVMMetadataRef md[] = {LLVMMDStringInContext2(g->ctx, "branch_weights", 14),
                            LLVMValueAsMetadata(LLVMConstInt(g->i32, 1, 0)),
                            LLVMValueAsMetadata(LLVMConstInt(g->i32, 2000, 0))};
    LLVMSetMetadata(brv, LLVMGetMDKindIDInContext(g->ctx, "prof", 4),
                    LLVMMetadataAsValue(g->ctx, LLVMMDNodeInContext2(g->ctx, md, 3)));
}

/*
 * aarch64 (rt/sched_internal.h, point 3): LLVM has no split-stack prologues
 * there, so each Nostos function compares sp, read after its prologue, with
 * the limit and calls nos_stack_check below it. The runtime keeps the limit
 * far enough above the stack's end for the frame just allocated and for the C
 * functions called from here; a poisoned limit (-1) makes this the
 * function-entry preemption point too.
 */
void cg_entry_stack_check(cg_t *g) {
    if (!g->tls_stack_limit) return;
    LLVMValueRef lim = tls_stack_limit(g);
    LLVMValueRef rr = LLVMGetIntrinsicDeclaration(g->mod, LLVMLookupIntrinsicID("llvm.read_register", 18), &g->i64, 1);
    LLVMTypeRef mdty = LLVMMetadataTypeInContext(g->ctx);
    LLVMTypeRef rrty = LLVMFunctionType(g->i64, &mdty, 1, 0);
    LLVMMetadataRef spname = LLVMMDStringInContext2(g->ctx, "sp", 2);
    LLVMValueRef reg = LLVMMetadataAsValue(g->ctx, LLVMMDNodeInContext2(g->ctx, &spname, 1));
    LLVMValueRef sp = LLVMBuildCall2(g->b, rrty, rr, &reg, 1, "sp");
    LLVMValueRef low = LLVMBuildICmp(g->b, LLVMIntULT, sp, lim, "");
    LLVMBasicBlockRef check = new_bb(g, "stack_check"), ok = new_bb(g, "stack_ok");
    cold_branch(g, LLVMBuildCondBr(g->b, low, check, ok));
    LLVMPositionBuilderAtEnd(g->b, check);
    cg_call_rt(g, "nos_stack_check", g->void_t, NULL, NULL, 0);
    LLVMBuildBr(g->b, ok);
    LLVMPositionBuilderAtEnd(g->b, ok);
}

static void loop_backedge_check(cg_t *g) {
    if (!g->preempt_checks) return;
    LLVMValueRef lim;
    if (g->tls_stack_limit) {
        lim = tls_stack_limit(g);
    } else {
        LLVMTypeRef fsptr = LLVMPointerTypeInContext(g->ctx, 257);
        LLVMValueRef addr = LLVMConstIntToPtr(LLVMConstInt(g->i64, 0x70, 0), fsptr);
        lim = LLVMBuildLoad2(g->b, g->i64, addr, "limit");
        LLVMSetVolatile(lim, 1);
    }
    LLVMValueRef asked = LLVMBuildICmp(g->b, LLVMIntEQ, lim, LLVMConstAllOnes(g->i64), "");
    LLVMBasicBlockRef poll = new_bb(g, "preempt"), cont = new_bb(g, "resume");
    cold_branch(g, LLVMBuildCondBr(g->b, asked, poll, cont));
    LLVMPositionBuilderAtEnd(g->b, poll);
    cg_call_rt(g, "nos_preempt", g->void_t, NULL, NULL, 0);
    LLVMBuildBr(g->b, cont);
    LLVMPositionBuilderAtEnd(g->b, cont);
}

static LLVMValueRef while_expr(cg_t *g, expr_t *e) {
    ty_t *rt = cg_ty(g, e->ty);
    LLVMBasicBlockRef cond = new_bb(g, "while_cond"), body = new_bb(g, "while_body"), end = new_bb(g, "while_end");
    cg_loop_t lp = {g->loop, end, cond, NULL, rt, g->tries.len};
    if (!cg_is_prim(g, rt, PRIM_UNIT)) {
        lp.result = result_slot(g, rt);
        LLVMBuildStore(g->b, LLVMConstNull(cg_llty(g, rt)), lp.result);
    }
    br(g, cond);
    LLVMPositionBuilderAtEnd(g->b, cond);
    LLVMValueRef c = cg_expr(g, e->cond, false);
    LLVMBuildCondBr(g->b, c, body, end);
    LLVMPositionBuilderAtEnd(g->b, body);
    g->loop = &lp;
    int saved = g->locals.len;
    cg_expr(g, e->lhs, false);
    g->locals.len = saved;
    g->loop = lp.outer;
    if (!cg_terminated(g)) loop_backedge_check(g);
    br(g, cond);
    LLVMPositionBuilderAtEnd(g->b, end);
    if (lp.result) return LLVMBuildLoad2(g->b, cg_llty(g, rt), lp.result, "");
    return cg_unit(g);
}

static LLVMValueRef for_expr(cg_t *g, expr_t *e) {
    ty_t *rt = cg_ty(g, e->ty);
    LLVMValueRef from = cg_expr(g, e->cond, false);
    LLVMValueRef to = cg_expr(g, e->rhs, false);
    LLVMValueRef ctr = cg_entry_alloca(g, g->i64, "i");
    LLVMBuildStore(g->b, from, ctr);
    LLVMBasicBlockRef cond = new_bb(g, "for_cond"), body = new_bb(g, "for_body"), step = new_bb(g, "for_step"),
                      end = new_bb(g, "for_end");
    cg_loop_t lp = {g->loop, end, step, NULL, rt, g->tries.len};
    if (!cg_is_prim(g, rt, PRIM_UNIT)) {
        lp.result = result_slot(g, rt);
        LLVMBuildStore(g->b, LLVMConstNull(cg_llty(g, rt)), lp.result);
    }
    br(g, cond);
    LLVMPositionBuilderAtEnd(g->b, cond);
    LLVMValueRef i = LLVMBuildLoad2(g->b, g->i64, ctr, "");
    LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, i, to, ""), body, end);
    LLVMPositionBuilderAtEnd(g->b, body);
    int saved = g->locals.len;
    cg_bind_local(g, e->bind, i, g->tc->t_int);
    g->loop = &lp;
    cg_expr(g, e->lhs, false);
    g->loop = lp.outer;
    g->locals.len = saved;
    br(g, step);
    LLVMPositionBuilderAtEnd(g->b, step);
    LLVMValueRef i2 = LLVMBuildLoad2(g->b, g->i64, ctr, "");
    LLVMBuildStore(g->b, LLVMBuildAdd(g->b, i2, LLVMConstInt(g->i64, 1, 0), ""), ctr);
    loop_backedge_check(g);
    LLVMBuildBr(g->b, cond);
    LLVMPositionBuilderAtEnd(g->b, end);
    if (lp.result) return LLVMBuildLoad2(g->b, cg_llty(g, rt), lp.result, "");
    return cg_unit(g);
}

/* ---- blocks and statements ---------------------------------------------------------------------------------- */

static bool mentions_binding(expr_t *e, binding_t *b);

static bool mentions_binding_stmt(stmt_t *s, binding_t *b) {
    switch (s->kind) {
    case S_EXPR: return mentions_binding(s->expr, b);
    case S_LET: return mentions_binding(s->value, b);
    case S_ASSIGN: return mentions_binding(s->target, b) || mentions_binding(s->value, b);
    case S_FN: return false;
    }
    return false;
}

/* Does e mention b (syntactically, lambdas included)? For mvar self-updates. */
static bool mentions_binding(expr_t *e, binding_t *b) {
    if (!e) return false;
    if (e->desugared) return mentions_binding(e->desugared, b);
    if (e->kind == E_VAR && e->bind == b) return true;
    if (e->kind == E_METHOD && e->lhs && e->lhs->kind == E_VAR && e->lhs->bind == b) return true;
    if (mentions_binding(e->lhs, b) || mentions_binding(e->rhs, b) || mentions_binding(e->cond, b)) return true;
    for (int i = 0; i < e->nelems; i++)
        if (mentions_binding(e->elems[i], b)) return true;
    for (int i = 0; i < e->nargs; i++)
        if (mentions_binding(e->args[i].value, b)) return true;
    for (int i = 0; i < e->narms; i++)
        if (mentions_binding(e->arms[i].guard, b) || mentions_binding(e->arms[i].body, b)) return true;
    for (int i = 0; i < e->nparts; i++)
        if (mentions_binding(e->parts[i].expr, b)) return true;
    for (int i = 0; i < e->nstmts; i++)
        if (mentions_binding_stmt(e->stmts[i], b)) return true;
    if (e->kind == E_LAMBDA && e->fn)
        for (int k = 0; k < e->fn->nclauses; k++)
            if (mentions_binding(e->fn->clauses[k].body, b)) return true;
    return false;
}

static void mvar_write(cg_t *g, stmt_t *s, binding_t *b) {
    global_info_t *gl = b->global;
    ty_t *t = mono_type(g->m, NULL, gl->ty);
    LLVMValueRef mv = cg_global_ptr(g, gl);
    bool self_update = mentions_binding(s->value, b);
    if (self_update) rt1(g, "nos_mvar_lock", g->void_t, g->ptr, mv);
    LLVMValueRef v = cg_expr(g, s->value, false);
    if (!self_update) rt1(g, "nos_mvar_lock", g->void_t, g->ptr, mv);
    LLVMBuildStore(g->b, cg_to_slot(g, v, t), mv);
    rt1(g, "nos_mvar_unlock", g->void_t, g->ptr, mv);
}

static void let_stmt(cg_t *g, stmt_t *s) {
    pat_t *core = s->pat;
    while (core->kind == P_ANNOT && core->nelems) core = core->elems[0];
    if (s->let_mode == 2) {
        mvar_write(g, s, core->bind);
        return;
    }
    if (s->let_mode == 3) return; /* f = g: an alias, nothing to evaluate */
    if (s->let_mode == 1) {
        LLVMValueRef v = cg_expr(g, s->value, false);
        /* Look the variable up after the value: evaluating it may grow (move) the locals. */
        cg_local_t *l = find_local(g, core->bind);
        if (l) store_local(g, l, v);
        return;
    }
    binding_t *b = core->kind == P_VAR ? core->bind : NULL;
    if (b && b->local_fn && b->scheme) {
        /* A polymorphic local lambda: compiled per use like a local function. */
        cg_localfn_env(g, b->local_fn);
        return;
    }
    ty_t *vt = cg_ty(g, s->value->ty);
    LLVMValueRef v = cg_expr(g, s->value, false);
    if (s->mutable_ && b) {
        cg_bind_local(g, b, v, vt);
        return;
    }
    LLVMBasicBlockRef fail = new_bb(g, "letfail");
    cg_pat(g, s->pat, v, vt, fail);
    LLVMBasicBlockRef cont = LLVMGetInsertBlock(g->b);
    LLVMPositionBuilderAtEnd(g->b, fail);
    match_fail(g);
    LLVMPositionBuilderAtEnd(g->b, cont);
}

static void assign_stmt(cg_t *g, stmt_t *s) {
    expr_t *t = s->target;
    if (t->kind == E_FIELD) {
        LLVMValueRef rec = cg_expr(g, t->lhs, false);
        ty_t *rt = ty_prune(cg_ty(g, t->lhs->ty));
        type_decl_t *td = rt->kind == TY_CON ? rt->con->decl : NULL;
        if (!td) return;
        int f = field_index(td, 0, t->name);
        ty_t *ft = cg_ty(g, t->ty);
        store_slot(g, rec, field_slot(td, f), cg_expr(g, s->value, false), ft);
        return;
    }
    if (t->kind == E_INDEX) {
        ty_t *bt = ty_prune(cg_ty(g, t->lhs->ty));
        LLVMValueRef base = cg_expr(g, t->lhs, false);
        LLVMValueRef idx = cg_expr(g, t->rhs, false);
        LLVMValueRef v = cg_expr(g, s->value, false);
        ty_ctx_t *c = g->tc;
        if (ty_is_con(bt, c->tc_map) || ty_is_con(bt, c->tc_list)) {
            LLVMValueRef nv;
            if (ty_is_con(bt, c->tc_map)) {
                LLVMTypeRef pt[] = {g->ptr, g->ptr, g->i64, g->i64};
                LLVMValueRef av[] = {cg_desc(g, bt), base, slot_of(g, idx, bt->args[0]), slot_of(g, v, bt->args[1])};
                nv = cg_call_rt(g, "nos_map_insert", g->ptr, pt, av, 4);
            } else {
                nv = rt3(g, "nos_list_set", g->ptr, g->ptr, base, g->i64, idx, g->i64, slot_of(g, v, bt->args[0]));
            }
            if (t->lhs->kind == E_VAR && t->lhs->bind) {
                cg_local_t *l = find_local(g, t->lhs->bind);
                if (l) store_local(g, l, nv);
            }
            return;
        }
        const char *fn = ty_is_con(bt, c->tc_arr_i64) ? "nos_array_i64_set"
                         : ty_is_con(bt, c->tc_arr_f64) ? "nos_array_f64_set" : "nos_array_f32_set";
        LLVMTypeRef vt = ty_is_con(bt, c->tc_arr_i64) ? g->i64 : g->f64;
        rt3(g, fn, g->void_t, g->ptr, base, g->i64, idx, vt, v);
    }
}

static LLVMValueRef cg_block(cg_t *g, expr_t *e, bool tail) {
    int saved = g->locals.len;
    int saved_envs = g->fnenvs.len;
    LLVMValueRef last = cg_unit(g);
    for (int i = 0; i < e->nstmts; i++) {
        stmt_t *s = e->stmts[i];
        bool is_last = i == e->nstmts - 1;
        switch (s->kind) {
        case S_EXPR:
            last = cg_expr(g, s->expr, tail && is_last);
            if (!is_last) last = cg_unit(g);
            break;
        case S_LET:
            let_stmt(g, s);
            last = cg_unit(g);
            break;
        case S_ASSIGN:
            assign_stmt(g, s);
            last = cg_unit(g);
            break;
        case S_FN:
            if (s->fn && s->fn->sema) cg_localfn_env(g, s->fn->sema);
            last = cg_unit(g);
            break;
        }
    }
    g->locals.len = saved;
    g->fnenvs.len = saved_envs;
    return last;
}

/* ---- expressions ---------------------------------------------------------------------------------------------- */

/* A list cell {head, tail}, allocated inline (nos_alloc is a direct call). */
static LLVMValueRef cons_cell(cg_t *g, LLVMValueRef head_slot, LLVMValueRef tail) {
    LLVMValueRef c = cg_alloc(g, 2, false);
    LLVMBuildStore(g->b, head_slot, c);
    LLVMBuildStore(g->b, tail, slot_ptr(g, c, 1));
    return c;
}

static LLVMValueRef list_literal(cg_t *g, expr_t *e, ty_t *t) {
    ty_t *et = ty_prune(t)->args[0];
    LLVMValueRef *vals = xmalloc(sizeof(LLVMValueRef) * (size_t)(e->nelems ? e->nelems : 1));
    for (int i = 0; i < e->nelems; i++) vals[i] = cg_expr(g, e->elems[i], false);
    LLVMValueRef cur = e->rhs ? cg_expr(g, e->rhs, false) : LLVMConstNull(g->ptr);
    for (int i = e->nelems - 1; i >= 0; i--) cur = cons_cell(g, slot_of(g, vals[i], et), cur);
    free(vals);
    return cur;
}

static LLVMValueRef interp(cg_t *g, expr_t *e) {
    LLVMValueRef acc = NULL;
    for (int i = 0; i < e->nparts; i++) {
        LLVMValueRef piece;
        if (e->parts[i].expr) {
            ty_t *pt = cg_ty(g, e->parts[i].expr->ty);
            piece = cg_show(g, pt, cg_expr(g, e->parts[i].expr, false));
        } else {
            piece = cg_str_const(g, e->parts[i].str, e->parts[i].len);
        }
        acc = acc ? rt2(g, "nos_str_concat", g->ptr, g->ptr, acc, g->ptr, piece) : piece;
    }
    return acc ? acc : cg_str_const(g, "", 0);
}

static LLVMValueRef index_expr(cg_t *g, expr_t *e) {
    ty_t *bt = ty_prune(cg_ty(g, e->lhs->ty));
    ty_t *rt = cg_ty(g, e->ty);
    LLVMValueRef base = cg_expr(g, e->lhs, false);
    ty_ctx_t *c = g->tc;
    if (bt->kind == TY_TUPLE && e->rhs->kind == E_INT) return load_slot(g, base, (int)e->rhs->ival, rt);
    LLVMValueRef idx = cg_expr(g, e->rhs, false);
    if (ty_is_con(bt, c->tc_list)) return cg_from_slot(g, rt2(g, "nos_list_index", g->i64, g->ptr, base, g->i64, idx), rt);
    if (ty_is_con(bt, c->tc_string)) return rt2(g, "nos_str_index", g->ptr, g->ptr, base, g->i64, idx);
    if (ty_is_con(bt, c->tc_map)) {
        LLVMValueRef s = rt3(g, "nos_map_get_or_unit", g->i64, g->ptr, cg_desc(g, bt), g->ptr, base, g->i64, slot_of(g, idx, bt->args[0]));
        return cg_from_slot(g, s, rt);
    }
    if (ty_is_con(bt, c->tc_set)) {
        LLVMTypeRef pt[] = {g->ptr, g->ptr, g->i64};
        LLVMValueRef av[] = {cg_desc(g, bt), base, slot_of(g, idx, bt->args[0])};
        return rt_bool(g, "nos_set_contains", pt, av, 3);
    }
    if (ty_is_con(bt, c->tc_arr_i64)) return rt2(g, "nos_array_i64_get", g->i64, g->ptr, base, g->i64, idx);
    if (ty_is_con(bt, c->tc_arr_f64)) return rt2(g, "nos_array_f64_get", g->f64, g->ptr, base, g->i64, idx);
    if (ty_is_con(bt, c->tc_arr_f32)) return rt2(g, "nos_array_f32_get", g->f64, g->ptr, base, g->i64, idx);
    return undef(g, rt);
}

static LLVMValueRef field_expr(cg_t *g, expr_t *e) {
    if (e->kind == E_VAR) return var_value(g, e);
    ty_t *rt = ty_prune(cg_ty(g, e->lhs->ty));
    ty_t *t = cg_ty(g, e->ty);
    LLVMValueRef base = cg_expr(g, e->lhs, false);
    if (rt->kind != TY_CON || !rt->con->decl) return undef(g, t);
    type_decl_t *td = rt->con->decl;
    for (int k = 0; k < td->nctors; k++) {
        int f = field_index(td, k, e->name);
        if (f < 0) continue;
        if (td->nctors == 1 || td->is_record) return load_slot(g, base, field_slot(td, f), t);
        /* A named field of one constructor of a variant: check the tag. */
        LLVMValueRef tag = LLVMBuildLoad2(g->b, g->i64, base, "");
        LLVMBasicBlockRef ok = new_bb(g, "field_ok"), bad = new_bb(g, "field_bad");
        LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, tag, LLVMConstInt(g->i64, (unsigned)k, 0), ""), ok, bad);
        LLVMPositionBuilderAtEnd(g->b, bad);
        match_fail(g);
        LLVMPositionBuilderAtEnd(g->b, ok);
        return load_slot(g, base, field_slot(td, f), t);
    }
    return undef(g, t);
}

static LLVMValueRef binop(cg_t *g, expr_t *e) {
    ty_t *t = cg_ty(g, e->ty);
    if (e->op == OP_AND || e->op == OP_OR) {
        LLVMValueRef a = cg_expr(g, e->lhs, false);
        LLVMBasicBlockRef from = LLVMGetInsertBlock(g->b);
        LLVMBasicBlockRef rhs = new_bb(g, "sc_rhs"), end = new_bb(g, "sc_end");
        if (e->op == OP_AND) LLVMBuildCondBr(g->b, a, rhs, end);
        else LLVMBuildCondBr(g->b, a, end, rhs);
        LLVMPositionBuilderAtEnd(g->b, rhs);
        LLVMValueRef b = cg_expr(g, e->rhs, false);
        LLVMBasicBlockRef rhs_end = LLVMGetInsertBlock(g->b);
        br(g, end);
        LLVMPositionBuilderAtEnd(g->b, end);
        LLVMValueRef phi = LLVMBuildPhi(g->b, g->i1, "");
        LLVMValueRef vals[] = {LLVMConstInt(g->i1, e->op == OP_OR, 0), b};
        LLVMBasicBlockRef bbs[] = {from, rhs_end};
        LLVMAddIncoming(phi, vals, bbs, 2);
        return phi;
    }
    callres_t *r = e->res;
    ty_t *lt = cg_ty(g, e->lhs->ty), *rt = cg_ty(g, e->rhs->ty);
    LLVMValueRef a = cg_expr(g, e->lhs, false);
    LLVMValueRef b = cg_expr(g, e->rhs, false);
    if (e->op == OP_CONS) return cons_cell(g, slot_of(g, a, lt), b);
    if (e->op == OP_CONCAT) {
        if (cg_is_prim(g, lt, PRIM_STRING)) return rt2(g, "nos_str_concat", g->ptr, g->ptr, a, g->ptr, b);
        return rt2(g, "nos_list_append", g->ptr, g->ptr, a, g->ptr, b);
    }
    ty_t *opt = lt;
    if (r && r->promote_lhs) {
        a = promote(g, a, lt, rt);
        opt = rt;
    }
    if (r && r->promote_rhs) {
        b = promote(g, b, rt, lt);
        opt = lt;
    }
    switch (e->op) {
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD: case OP_POW:
        return arith(g, e->op, t, a, b);
    case OP_EQ: return cg_eq(g, opt, a, b);
    case OP_NE: return LLVMBuildNot(g->b, cg_eq(g, opt, a, b), "");
    case OP_LT: case OP_LE: case OP_GT: case OP_GE: return cg_order(g, e->op, opt, a, b);
    default: break;
    }
    return undef(g, t);
}

static LLVMValueRef spawn_expr(cg_t *g, expr_t *e) {
    LLVMValueRef clo = cg_expr(g, e->lhs, false);
    return rt1(g, "nos_spawn", g->ptr, g->ptr, clo);
}

LLVMValueRef cg_expr(cg_t *g, expr_t *e, bool tail) {
    if (e->desugared) return cg_expr(g, e->desugared, tail);
    ty_t *t = cg_ty(g, e->ty);
    switch (e->kind) {
    case E_INT: {
        prim_t p = cg_prim(t);
        if (p == PRIM_DECIMAL) return rt1(g, "nos_decimal_from_i64", g->ptr, g->i64, LLVMConstInt(g->i64, (unsigned long long)e->ival, 1));
        if (p == PRIM_BIGINT && !e->text) return rt1(g, "nos_bigint_from_i64", g->ptr, g->i64, LLVMConstInt(g->i64, (unsigned long long)e->ival, 1));
        if (p == PRIM_BIGINT) return rt1(g, "nos_bigint_lit", g->ptr, g->ptr, cg_str_const(g, e->text ? e->text : "0", strlen(e->text ? e->text : "0")));
        if (prim_float(p)) return LLVMConstReal(cg_llty(g, t), (double)e->ival);
        return LLVMConstInt(cg_llty(g, t), (unsigned long long)e->ival, 1);
    }
    case E_FLOAT:
        if (cg_is_prim(g, t, PRIM_DECIMAL)) return rt1(g, "nos_decimal_lit", g->ptr, g->ptr, cg_str_const(g, e->text ? e->text : "0", strlen(e->text ? e->text : "0")));
        return LLVMConstReal(cg_llty(g, t), e->fval);
    case E_STRING: return cg_str_const(g, e->str, e->str_len);
    case E_INTERP: return interp(g, e);
    case E_CHAR: return LLVMConstInt(g->i32, (unsigned long long)e->ival, 0);
    case E_BOOL: return LLVMConstInt(g->i1, (unsigned long long)e->ival, 0);
    case E_UNIT: return cg_unit(g);
    case E_WILDCARD: return undef(g, t);
    case E_VAR: return var_value(g, e);
    case E_BINOP: return binop(g, e);
    case E_UNOP: {
        LLVMValueRef a = cg_expr(g, e->lhs, false);
        if (e->op == OP_NOT) return LLVMBuildNot(g->b, a, "");
        prim_t p = cg_prim(t);
        if (prim_float(p)) return LLVMBuildFNeg(g->b, a, "");
        if (p == PRIM_BIGINT || p == PRIM_DECIMAL) return rt1(g, p == PRIM_BIGINT ? "nos_bigint_neg" : "nos_decimal_neg", g->ptr, g->ptr, a);
        return LLVMBuildSub(g->b, LLVMConstNull(LLVMTypeOf(a)), a, "");
    }
    case E_CALL:
    case E_METHOD:
        if (e->res && (e->res->kind == CR_CTOR || e->res->kind == CR_RECORD || e->res->kind == CR_UPDATE)) return ctor_expr(g, e);
        return call_expr(g, e, tail);
    case E_FIELD: return field_expr(g, e);
    case E_TUPLE_INDEX: {
        LLVMValueRef base = cg_expr(g, e->lhs, false);
        return load_slot(g, base, (int)e->ival, t);
    }
    case E_INDEX: return index_expr(g, e);
    case E_LAMBDA: {
        fn_info_t *fn = e->fn->sema;
        instance_t *in = mono_instance(g->m, fn, g->in, NULL, 0);
        return cg_closure_of_instance(g, in, NULL);
    }
    case E_IF: return if_expr(g, e, tail);
    case E_MATCH: return match_expr(g, e, tail);
    case E_TUPLE: {
        ty_t *tt = ty_prune(t);
        LLVMValueRef *vals = xmalloc(sizeof(LLVMValueRef) * (size_t)(e->nelems ? e->nelems : 1));
        for (int i = 0; i < e->nelems; i++) vals[i] = cg_expr(g, e->elems[i], false);
        LLVMValueRef obj = cg_alloc(g, e->nelems, false);
        for (int i = 0; i < e->nelems; i++) store_slot(g, obj, i, vals[i], tt->args[i]);
        free(vals);
        return obj;
    }
    case E_LIST: return list_literal(g, e, t);
    case E_RANGE: {
        LLVMValueRef a = cg_expr(g, e->lhs, false);
        LLVMValueRef b = cg_expr(g, e->rhs, false);
        b = LLVMBuildAdd(g->b, b, LLVMConstInt(g->i64, 1, 0), "");
        return rt2(g, "nos_list_range", g->ptr, g->i64, a, g->i64, b);
    }
    case E_MAP:
    case E_SET: {
        ty_t *tt = ty_prune(t);
        LLVMValueRef m = cg_call_rt(g, e->kind == E_MAP ? "nos_map_empty" : "nos_set_empty", g->ptr, NULL, NULL, 0);
        int step = e->kind == E_MAP ? 2 : 1;
        for (int i = 0; i + step - 1 < e->nelems; i += step) {
            LLVMValueRef k = cg_expr(g, e->elems[i], false);
            if (e->kind == E_MAP) {
                LLVMValueRef v = cg_expr(g, e->elems[i + 1], false);
                LLVMTypeRef pt[] = {g->ptr, g->ptr, g->i64, g->i64};
                LLVMValueRef av[] = {cg_desc(g, tt), m, slot_of(g, k, tt->args[0]), slot_of(g, v, tt->args[1])};
                m = cg_call_rt(g, "nos_map_insert", g->ptr, pt, av, 4);
            } else {
                m = rt3(g, "nos_set_insert", g->ptr, g->ptr, cg_desc(g, tt), g->ptr, m, g->i64, slot_of(g, k, tt->args[0]));
            }
        }
        return m;
    }
    case E_CTOR: return ctor_expr(g, e);
    case E_BLOCK: return cg_block(g, e, tail);
    case E_TRY: return try_expr(g, e);
    case E_WHILE: return while_expr(g, e);
    case E_FOR: return for_expr(g, e);
    case E_BREAK: {
        if (!g->loop) return undef(g, t);
        if (e->lhs) {
            LLVMValueRef v = cg_expr(g, e->lhs, false);
            if (g->loop->result) LLVMBuildStore(g->b, v, g->loop->result);
        }
        pop_tries(g, g->loop->try_depth);
        LLVMBuildBr(g->b, g->loop->brk);
        cg_dead_block(g);
        return undef(g, t);
    }
    case E_CONTINUE: {
        if (!g->loop) return undef(g, t);
        pop_tries(g, g->loop->try_depth);
        LLVMBuildBr(g->b, g->loop->cont);
        cg_dead_block(g);
        return undef(g, t);
    }
    case E_RETURN: {
        LLVMValueRef v = e->lhs ? cg_expr(g, e->lhs, !g->tries.len) : cg_unit(g);
        if (!cg_terminated(g)) cg_ret(g, v);
        cg_dead_block(g);
        return undef(g, t);
    }
    case E_RECEIVE: return receive_expr(g, e, tail);
    case E_SPAWN: return spawn_expr(g, e);
    case E_SEND: {
        LLVMValueRef p = cg_expr(g, e->lhs, false);
        ty_t *mt = cg_ty(g, e->rhs->ty);
        LLVMValueRef v = cg_expr(g, e->rhs, false);
        LLVMValueRef d, s;
        if (is_dyn(g, mt)) dyn_parts(g, v, &d, &s);
        else {
            d = cg_desc(g, mono_type_outgoing(g->m, g->in ? &g->in->subst : NULL, e->rhs->ty));
            s = slot_of(g, v, mt);
        }
        rt3(g, "nos_send", g->void_t, g->ptr, p, g->ptr, d, g->i64, s);
        return cg_unit(g);
    }
    case E_TRY_OP: return cg_expr(g, e->lhs, tail);
    case E_ASCRIBE: return cg_expr(g, e->lhs, tail);
    case E_QUOTE:
    case E_SPLICE: return undef(g, t);
    }
    return undef(g, t);
}
