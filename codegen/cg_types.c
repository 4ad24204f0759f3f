/*
 * cg_types.c - LLVM types of Nostos types, 64-bit slots, type descriptors,
 * runtime function declarations and string constants.
 */
#include "cg.h"
#include "rtabi.h"

#include <string.h>

void cg_init_types(cg_t *g) {
    g->i1 = LLVMInt1TypeInContext(g->ctx);
    g->i8 = LLVMInt8TypeInContext(g->ctx);
    g->i16 = LLVMInt16TypeInContext(g->ctx);
    g->i32 = LLVMInt32TypeInContext(g->ctx);
    g->i64 = LLVMInt64TypeInContext(g->ctx);
    g->f32 = LLVMFloatTypeInContext(g->ctx);
    g->f64 = LLVMDoubleTypeInContext(g->ctx);
    g->ptr = LLVMPointerTypeInContext(g->ctx, 0);
    g->void_t = LLVMVoidTypeInContext(g->ctx);
    LLVMTypeRef df[] = {g->i32, g->i32, g->ptr, g->ptr, g->ptr, g->ptr, g->i32, g->ptr};
    g->desc_ty = LLVMStructCreateNamed(g->ctx, "nos_type");
    LLVMStructSetBody(g->desc_ty, df, 8, 0);
    LLVMTypeRef cf[] = {g->ptr, g->i32, g->ptr, g->ptr};
    g->ctor_ty = LLVMStructCreateNamed(g->ctx, "nos_ctor");
    LLVMStructSetBody(g->ctor_ty, cf, 4, 0);
}

prim_t cg_prim(ty_t *t) {
    t = ty_prune(t);
    if (t->kind == TY_CON && t->con->kind == TC_PRIM) return t->con->prim;
    return PRIM_NONE;
}

bool cg_is_prim(cg_t *g, ty_t *t, prim_t p) {
    (void)g;
    return cg_prim(t) == p;
}

LLVMTypeRef cg_llty(cg_t *g, ty_t *t) {
    switch (cg_prim(t)) {
    case PRIM_UNIT: return g->i8;
    case PRIM_BOOL: return g->i1;
    case PRIM_CHAR: return g->i32;
    case PRIM_INT: case PRIM_U64: return g->i64;
    case PRIM_I8: case PRIM_U8: return g->i8;
    case PRIM_I16: case PRIM_U16: return g->i16;
    case PRIM_I32: case PRIM_U32: return g->i32;
    case PRIM_FLOAT: return g->f64;
    case PRIM_F32: return g->f32;
    default: return g->ptr;
    }
}

static bool is_unsigned(prim_t p) { return p == PRIM_U8 || p == PRIM_U16 || p == PRIM_U32 || p == PRIM_U64; }

LLVMValueRef cg_to_slot(cg_t *g, LLVMValueRef v, ty_t *t) {
    prim_t p = cg_prim(t);
    switch (p) {
    case PRIM_UNIT: case PRIM_BOOL: case PRIM_U8: case PRIM_U16: case PRIM_U32: case PRIM_CHAR:
        return LLVMBuildZExt(g->b, v, g->i64, "");
    case PRIM_I8: case PRIM_I16: case PRIM_I32:
        return LLVMBuildSExt(g->b, v, g->i64, "");
    case PRIM_INT: case PRIM_U64:
        return v;
    case PRIM_FLOAT:
        return LLVMBuildBitCast(g->b, v, g->i64, "");
    case PRIM_F32:
        return LLVMBuildZExt(g->b, LLVMBuildBitCast(g->b, v, g->i32, ""), g->i64, "");
    default:
        return LLVMBuildPtrToInt(g->b, v, g->i64, "");
    }
    (void)is_unsigned;
}

LLVMValueRef cg_from_slot(cg_t *g, LLVMValueRef v, ty_t *t) {
    prim_t p = cg_prim(t);
    switch (p) {
    case PRIM_UNIT: case PRIM_I8: case PRIM_U8: return LLVMBuildTrunc(g->b, v, g->i8, "");
    case PRIM_BOOL: return LLVMBuildTrunc(g->b, v, g->i1, "");
    case PRIM_CHAR: case PRIM_I32: case PRIM_U32: return LLVMBuildTrunc(g->b, v, g->i32, "");
    case PRIM_I16: case PRIM_U16: return LLVMBuildTrunc(g->b, v, g->i16, "");
    case PRIM_INT: case PRIM_U64: return v;
    case PRIM_FLOAT: return LLVMBuildBitCast(g->b, v, g->f64, "");
    case PRIM_F32: return LLVMBuildBitCast(g->b, LLVMBuildTrunc(g->b, v, g->i32, ""), g->f32, "");
    default: return LLVMBuildIntToPtr(g->b, v, g->ptr, "");
    }
}

LLVMValueRef cg_unit(cg_t *g) { return LLVMConstInt(g->i8, 0, 0); }

/* ---- runtime declarations ------------------------------------------------------------- */

/*
 * Runtime functions that generated code may call straight from a small process stack
 * segment: their object files are split-stack aware (rt/sched_internal.h, point 5).
 * Calls of any other C function go through a thunk that carries the "split-stack"
 * attribute: lld then enlarges the thunk's stack check, not the caller's, so a process
 * takes the extra room only while that C function runs.
 */
static bool split_stack_aware(const char *name) {
    static const char *const direct[] = {
        "nos_spawn", "nos_self", "nos_send", "nos_pid_id", "nos_recv_begin", "nos_recv_next", "nos_recv_take",
        "nos_sleep", "nos_yield", "nos_preempt", "nos_stack_check", "nos_vm_stats", "nos_alloc", "nos_alloc_atomic",
        "nos_main", "_setjmp",
    };
    if (strncmp(name, "llvm.", 5) == 0 || strncmp(name, "nos_mvar_", 9) == 0 || strncmp(name, "nos_process_", 12) == 0)
        return true;
    for (size_t i = 0; i < sizeof direct / sizeof direct[0]; i++)
        if (strcmp(direct[i], name) == 0) return true;
    return false;
}

static cg_rtfn_t *rt_entry(cg_t *g, LLVMValueRef f) {
    for (int i = 0; i < g->rtfns.len; i++)
        if (g->rtfns.items[i].fn == f || g->rtfns.items[i].real == f) return &g->rtfns.items[i];
    return NULL;
}

void cg_rt_attr(cg_t *g, LLVMValueRef f, unsigned idx, const char *attr) {
    unsigned k = LLVMGetEnumAttributeKindForName(attr, strlen(attr));
    LLVMAttributeRef a = LLVMCreateEnumAttribute(g->ctx, k, 0);
    cg_rtfn_t *e = rt_entry(g, f);
    if (!e) {
        LLVMAddAttributeAtIndex(f, idx, a);
        return;
    }
    LLVMAddAttributeAtIndex(e->fn, idx, a);
    if (e->real != e->fn) LLVMAddAttributeAtIndex(e->real, idx, a);
    if (e->inner) LLVMAddCallSiteAttribute(e->inner, idx, a);
}

LLVMValueRef cg_rt(cg_t *g, const char *name, LLVMTypeRef ret, LLVMTypeRef *params, int n, LLVMTypeRef *fnty) {
    for (int i = 0; i < g->rtfns.len; i++)
        if (strcmp(g->rtfns.items[i].name, name) == 0) {
            if (fnty) *fnty = g->rtfns.items[i].type;
            return g->rtfns.items[i].fn;
        }
    LLVMTypeRef ft = LLVMFunctionType(ret, params, (unsigned)n, 0);
    LLVMValueRef f = LLVMGetNamedFunction(g->mod, name);
    if (!f) f = LLVMAddFunction(g->mod, name, ft);
    /* Keep our own copy: callers may pass names built in temporary buffers. */
    cg_rtfn_t e = {arena_strndup(g->p->arena, name, strlen(name)), ft, f, f, NULL};
    if (g->split_stack && !split_stack_aware(name)) {
        char tname[256];
        snprintf(tname, sizeof tname, "nos.thunk.%s", name);
        LLVMValueRef t = LLVMAddFunction(g->mod, tname, ft);
        LLVMSetLinkage(t, LLVMInternalLinkage);
        LLVMAddAttributeAtIndex(t, LLVMAttributeFunctionIndex,
                                LLVMCreateStringAttribute(g->ctx, "split-stack", 11, "", 0));
        unsigned ni = LLVMGetEnumAttributeKindForName("noinline", 8);
        LLVMAddAttributeAtIndex(t, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(g->ctx, ni, 0));
        LLVMBasicBlockRef saved = LLVMGetInsertBlock(g->b);
        LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, t, "entry"));
        LLVMValueRef *args = xmalloc(sizeof(LLVMValueRef) * (size_t)(n ? n : 1));
        for (int i = 0; i < n; i++) args[i] = LLVMGetParam(t, (unsigned)i);
        LLVMValueRef call = LLVMBuildCall2(g->b, ft, f, args, (unsigned)n, "");
        free(args);
        LLVMSetTailCall(call, 1);
        if (LLVMGetTypeKind(ret) == LLVMVoidTypeKind) LLVMBuildRetVoid(g->b);
        else LLVMBuildRet(g->b, call);
        if (saved) LLVMPositionBuilderAtEnd(g->b, saved);
        e.fn = t;
        e.inner = call;
    }
    vec_push(&g->rtfns, e);
    if (fnty) *fnty = ft;
    return e.fn;
}

LLVMValueRef cg_call_rt(cg_t *g, const char *name, LLVMTypeRef ret, LLVMTypeRef *pt, LLVMValueRef *args, int n) {
    LLVMTypeRef ft;
    LLVMValueRef f = cg_rt(g, name, ret, pt, n, &ft);
    return LLVMBuildCall2(g->b, ft, f, args, (unsigned)n, "");
}

void cg_noreturn_call(cg_t *g, const char *name, LLVMTypeRef *pt, LLVMValueRef *args, int n) {
    LLVMTypeRef ft;
    LLVMValueRef f = cg_rt(g, name, g->void_t, pt, n, &ft);
    cg_rt_attr(g, f, LLVMAttributeFunctionIndex, "noreturn");
    cg_rt_attr(g, f, LLVMAttributeFunctionIndex, "cold");
    LLVMBuildCall2(g->b, ft, f, args, (unsigned)n, "");
    LLVMBuildUnreachable(g->b);
}

LLVMValueRef cg_alloc(cg_t *g, int nslots, bool atomic) {
    LLVMTypeRef pt[] = {g->i64};
    LLVMValueRef a[] = {LLVMConstInt(g->i64, (unsigned long long)nslots * 8, 0)};
    LLVMValueRef r = cg_call_rt(g, atomic ? "nos_alloc_atomic" : "nos_alloc", g->ptr, pt, a, 1);
    return r;
}

LLVMValueRef cg_entry_alloca(cg_t *g, LLVMTypeRef t, const char *name) {
    LLVMBasicBlockRef cur = LLVMGetInsertBlock(g->b);
    LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(g->fn);
    LLVMValueRef first = LLVMGetFirstInstruction(entry);
    if (first) LLVMPositionBuilderBefore(g->b, first);
    else LLVMPositionBuilderAtEnd(g->b, entry);
    LLVMValueRef a = LLVMBuildAlloca(g->b, t, name);
    LLVMPositionBuilderAtEnd(g->b, cur);
    return a;
}

/* ---- strings ------------------------------------------------------------------------------- */

static int64_t count_chars(const char *s, size_t n) {
    int64_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) c++;
    return c;
}

/* A static nos_str_t {len, nchars, data[]} (not in the GC heap; never freed). */
LLVMValueRef cg_str_const(cg_t *g, const char *s, size_t len) {
    LLVMValueRef data = LLVMConstStringInContext(g->ctx, s, (unsigned)len, 0); /* adds NUL */
    LLVMValueRef fields[] = {LLVMConstInt(g->i64, len, 0), LLVMConstInt(g->i64, (unsigned long long)count_chars(s, len), 0),
                             data};
    LLVMValueRef init = LLVMConstStructInContext(g->ctx, fields, 3, 0);
    char name[32];
    snprintf(name, sizeof name, ".str%d", g->nstrings++);
    LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), name);
    LLVMSetInitializer(gv, init);
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetLinkage(gv, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(gv, LLVMGlobalUnnamedAddr);
    LLVMSetAlignment(gv, 16);
    return gv;
}

/* ---- type descriptors ------------------------------------------------------------------------ */

static LLVMValueRef cstr_global(cg_t *g, const char *s) {
    LLVMValueRef init = LLVMConstStringInContext(g->ctx, s, (unsigned)strlen(s), 0);
    LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), ".name");
    LLVMSetInitializer(gv, init);
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetLinkage(gv, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(gv, LLVMGlobalUnnamedAddr);
    return gv;
}

static LLVMValueRef ptr_array(cg_t *g, LLVMValueRef *items, int n) {
    if (n == 0) return LLVMConstNull(g->ptr);
    LLVMValueRef init = LLVMConstArray2(g->ptr, items, (uint64_t)n);
    LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), ".arr");
    LLVMSetInitializer(gv, init);
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetLinkage(gv, LLVMPrivateLinkage);
    return gv;
}

static int prim_kind(prim_t p) {
    switch (p) {
    case PRIM_UNIT: return RT_NT_UNIT;
    case PRIM_BOOL: return RT_NT_BOOL;
    case PRIM_CHAR: return RT_NT_CHAR;
    case PRIM_INT: return RT_NT_INT;
    case PRIM_I8: return RT_NT_I8;
    case PRIM_I16: return RT_NT_I16;
    case PRIM_I32: return RT_NT_I32;
    case PRIM_U8: return RT_NT_U8;
    case PRIM_U16: return RT_NT_U16;
    case PRIM_U32: return RT_NT_U32;
    case PRIM_U64: return RT_NT_U64;
    case PRIM_FLOAT: return RT_NT_FLOAT;
    case PRIM_F32: return RT_NT_F32;
    case PRIM_BIGINT: return RT_NT_BIGINT;
    case PRIM_DECIMAL: return RT_NT_DECIMAL;
    case PRIM_STRING: return RT_NT_STRING;
    case PRIM_PID: return RT_NT_PID;
    default: return RT_NT_OPAQUE;
    }
}

static LLVMValueRef extern_desc(cg_t *g, const char *name) {
    LLVMValueRef gv = LLVMGetNamedGlobal(g->mod, name);
    if (!gv) {
        gv = LLVMAddGlobal(g->mod, g->desc_ty, name);
        LLVMSetGlobalConstant(gv, 1);
    }
    return gv;
}

/*
 * The user's show for type t (from `T: Show show(self) = ...`, any user function
 * show(self: T)), wrapped as nos_str_t *(nos_val_t) for the descriptor; NULL constant
 * if there is none.
 */
static LLVMValueRef user_show_wrapper(cg_t *g, ty_t *t) {
    sym_t name = sym_cstr(g->p->syms, "show");
    for (int i = 0; i < g->p->fns.len; i++) {
        fn_info_t *f = g->p->fns.items[i];
        if (f->name != name || f->kind != FK_TOP || f->arity != 1 || !f->annotated[0] || (f->mod && f->mod->is_prelude))
            continue;
        if (f->state != 2) continue;
        ty_t *p0 = ty_prune(f->type->args[0]);
        if (p0->kind != TY_CON || p0->con != t->con) continue;
        int n = f->scheme ? f->scheme->nvars : 0;
        ty_t **fresh = NULL;
        ty_t *ft = ty_prune(f->scheme ? ty_instantiate(g->tc, f->scheme, &fresh) : f->type);
        if (!ty_unify(g->tc, ft->args[0], t, NULL)) continue;
        ty_t **targs = arena_alloc(g->p->arena, sizeof(ty_t *) * (size_t)(n ? n : 1));
        for (int k = 0; k < n; k++) targs[k] = mono_type(g->m, NULL, fresh[k]);
        instance_t *in = mono_instance(g->m, f, NULL, targs, n);
        if (!cg_is_prim(g, ty_prune(in->type)->ret, PRIM_STRING)) continue;
        /* ptr wrapper(i64 slot) { return show(from_slot(slot)) } */
        LLVMTypeRef i64 = g->i64;
        LLVMTypeRef wty = LLVMFunctionType(g->ptr, &i64, 1, 0);
        LLVMValueRef w = LLVMAddFunction(g->mod, arena_sprintf(g->p->arena, "%s.show", in->symbol), wty);
        LLVMSetLinkage(w, LLVMInternalLinkage);
        LLVMBasicBlockRef saved = LLVMGetInsertBlock(g->b);
        LLVMValueRef saved_fn = g->fn;
        g->fn = w;
        LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, w, "entry"));
        LLVMValueRef arg = cg_from_slot(g, LLVMGetParam(w, 0), t);
        LLVMValueRef r = LLVMBuildCall2(g->b, cg_instance_fnty(g, in), cg_instance_fn(g, in), &arg, 1, "");
        LLVMBuildRet(g->b, r);
        g->fn = saved_fn;
        if (saved) LLVMPositionBuilderAtEnd(g->b, saved);
        return w;
    }
    return LLVMConstNull(g->ptr);
}

LLVMValueRef cg_desc(cg_t *g, ty_t *t) {
    t = mono_canon(g->m, t);
    for (int i = 0; i < g->ndescs; i++)
        if (g->descs[i].ty == t) return g->descs[i].g;
    /* Base types and the runtime error tuple come from the runtime, so that descriptors the
     * runtime attaches to values it makes compare equal to ours. */
    LLVMValueRef gv = NULL;
    switch (cg_prim(t)) {
    case PRIM_UNIT: gv = extern_desc(g, "nos_type_unit"); break;
    case PRIM_BOOL: gv = extern_desc(g, "nos_type_bool"); break;
    case PRIM_CHAR: gv = extern_desc(g, "nos_type_char"); break;
    case PRIM_INT: gv = extern_desc(g, "nos_type_int"); break;
    case PRIM_FLOAT: gv = extern_desc(g, "nos_type_float"); break;
    case PRIM_STRING: gv = extern_desc(g, "nos_type_string"); break;
    case PRIM_PID: gv = extern_desc(g, "nos_type_pid"); break;
    default: break;
    }
    if (!gv && t->kind == TY_TUPLE && t->nargs == 2 && cg_is_prim(g, t->args[0], PRIM_STRING) &&
        cg_is_prim(g, t->args[1], PRIM_STRING))
        gv = extern_desc(g, "nos_type_error_tuple");
    if (gv) goto done;
    gv = LLVMAddGlobal(g->mod, g->desc_ty, ".desc");
    LLVMSetLinkage(gv, LLVMPrivateLinkage);
    LLVMSetGlobalConstant(gv, 1);
    /* Cache before building children: recursive types refer back to this global. */
    if (g->ndescs == g->cap_descs) {
        g->cap_descs = g->cap_descs ? g->cap_descs * 2 : 64;
        g->descs = xrealloc(g->descs, sizeof(*g->descs) * (size_t)g->cap_descs);
    }
    g->descs[g->ndescs].ty = t;
    g->descs[g->ndescs].g = gv;
    g->ndescs++;
    {
        int kind = RT_NT_OPAQUE, n = 0;
        LLVMValueRef name = LLVMConstNull(g->ptr), elems = LLVMConstNull(g->ptr), fnames = LLVMConstNull(g->ptr),
                     ctors = LLVMConstNull(g->ptr);
        unsigned flags = 0;
        if (t->kind == TY_TUPLE) {
            kind = RT_NT_TUPLE;
            n = t->nargs;
            LLVMValueRef *el = xmalloc(sizeof(LLVMValueRef) * (size_t)(n ? n : 1));
            for (int i = 0; i < n; i++) el[i] = cg_desc(g, t->args[i]);
            elems = ptr_array(g, el, n);
            free(el);
        } else if (t->kind == TY_FUN) {
            kind = RT_NT_FUN;
            sbuf_t b = {0};
            ty_print(&b, t);
            name = cstr_global(g, sb_cstr(&b));
            sb_free(&b);
        } else if (t->kind == TY_CON) {
            tycon_t *tc = t->con;
            if (tc->kind == TC_PRIM) {
                kind = prim_kind(tc->prim);
                name = cstr_global(g, tc->name);
            } else if (tc->kind == TC_LIST || tc->kind == TC_SET || tc->kind == TC_MAP) {
                kind = tc->kind == TC_LIST ? RT_NT_LIST : tc->kind == TC_SET ? RT_NT_SET : RT_NT_MAP;
                n = t->nargs;
                LLVMValueRef el[2];
                for (int i = 0; i < n; i++) el[i] = cg_desc(g, t->args[i]);
                elems = ptr_array(g, el, n);
            } else if (tc->kind == TC_OPAQUE) {
                if (tc == g->tc->tc_dyn) kind = RT_NT_DYN;
                else if (tc == g->tc->tc_arr_i64) kind = RT_NT_ARRAY_I64;
                else if (tc == g->tc->tc_arr_f64) kind = RT_NT_ARRAY_F64;
                else if (tc == g->tc->tc_arr_f32) kind = RT_NT_ARRAY_F32;
                else if (tc == g->tc->tc_buffer) kind = RT_NT_BUFFER;
                name = cstr_global(g, tc->name);
            } else if (tc->decl) {
                type_decl_t *td = tc->decl;
                name = cstr_global(g, td->name);
                if (td->mutable_) flags |= RT_TF_MUTABLE;
                if (td->is_record) {
                    kind = RT_NT_RECORD;
                    ctor_info_t *ci = &td->ctors[0];
                    n = ci->nfields;
                    LLVMValueRef *el = xmalloc(sizeof(LLVMValueRef) * (size_t)(n ? n : 1));
                    LLVMValueRef *fn = xmalloc(sizeof(LLVMValueRef) * (size_t)(n ? n : 1));
                    for (int i = 0; i < n; i++) {
                        el[i] = cg_desc(g, mono_type(g->m, NULL, sema_ctor_field_type(g->p, td, 0, i, t->args)));
                        fn[i] = cstr_global(g, ci->field_names ? ci->field_names[i] : "");
                    }
                    elems = ptr_array(g, el, n);
                    fnames = ptr_array(g, fn, n);
                    free(el);
                    free(fn);
                } else {
                    kind = RT_NT_VARIANT;
                    n = td->nctors;
                    LLVMValueRef *cs = xmalloc(sizeof(LLVMValueRef) * (size_t)(n ? n : 1));
                    for (int k = 0; k < n; k++) {
                        ctor_info_t *ci = &td->ctors[k];
                        LLVMValueRef *el = xmalloc(sizeof(LLVMValueRef) * (size_t)(ci->nfields ? ci->nfields : 1));
                        LLVMValueRef *fn = xmalloc(sizeof(LLVMValueRef) * (size_t)(ci->nfields ? ci->nfields : 1));
                        for (int i = 0; i < ci->nfields; i++) {
                            el[i] = cg_desc(g, mono_type(g->m, NULL, sema_ctor_field_type(g->p, td, k, i, t->args)));
                            if (ci->field_names) fn[i] = cstr_global(g, ci->field_names[i]);
                        }
                        LLVMValueRef cf[] = {cstr_global(g, ci->name), LLVMConstInt(g->i32, (unsigned)ci->nfields, 0),
                                             ptr_array(g, el, ci->nfields),
                                             ci->field_names ? ptr_array(g, fn, ci->nfields) : LLVMConstNull(g->ptr)};
                        cs[k] = LLVMConstNamedStruct(g->ctor_ty, cf, 4);
                        free(el);
                        free(fn);
                    }
                    LLVMValueRef arr = LLVMConstArray2(g->ctor_ty, cs, (uint64_t)n);
                    LLVMValueRef ag = LLVMAddGlobal(g->mod, LLVMTypeOf(arr), ".ctors");
                    LLVMSetInitializer(ag, arr);
                    LLVMSetGlobalConstant(ag, 1);
                    LLVMSetLinkage(ag, LLVMPrivateLinkage);
                    ctors = ag;
                    free(cs);
                }
            }
        }
        LLVMValueRef showfn = LLVMConstNull(g->ptr);
        if (t->kind == TY_CON && t->con->decl && (kind == RT_NT_RECORD || kind == RT_NT_VARIANT))
            showfn = user_show_wrapper(g, t);
        LLVMValueRef f[] = {LLVMConstInt(g->i32, (unsigned)kind, 0), LLVMConstInt(g->i32, (unsigned)n, 0), name, elems,
                            fnames, ctors, LLVMConstInt(g->i32, flags, 0), showfn};
        LLVMSetInitializer(gv, LLVMConstNamedStruct(g->desc_ty, f, 8));
    }
    return gv;
done:
    if (g->ndescs == g->cap_descs) {
        g->cap_descs = g->cap_descs ? g->cap_descs * 2 : 64;
        g->descs = xrealloc(g->descs, sizeof(*g->descs) * (size_t)g->cap_descs);
    }
    g->descs[g->ndescs].ty = t;
    g->descs[g->ndescs].g = gv;
    g->ndescs++;
    return gv;
}
