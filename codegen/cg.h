/*
 * cg.h - LLVM IR generation (internal to codegen/).
 *
 * cg_program() lowers a checked program to one LLVM module: every function
 * instance reachable from main and the global initializers (mono.h decides
 * which), type descriptors, string constants, closures, and a C `main` that
 * calls nos_main. Value representation and runtime calls follow rt/nostos.h;
 * the kind numbers of descriptors are repeated in rtabi.h.
 *
 * Per function the generator keeps a map from bindings to storage:
 *   LK_VAL   an SSA value (immutable locals)
 *   LK_SLOT  an alloca of the value's LLVM type (vars, parameters)
 *   LK_CELL  an SSA pointer to a GC cell holding the value as a 64-bit slot
 *            (vars shared with closures, or assigned inside a try)
 * Control flow that merges values goes through allocas; LLVM's mem2reg turns
 * them into phis.
 */
#ifndef NOSTOS_CG_H
#define NOSTOS_CG_H

#include "mono.h"
#include "sema.h"

#include <llvm-c/Core.h>

typedef enum { LK_VAL, LK_SLOT, LK_CELL } local_kind_t;

typedef struct cg_local {
    binding_t *b;
    local_kind_t kind;
    LLVMValueRef v;
    ty_t *ty;          /* canonical */
} cg_local_t;

typedef struct cg_loop {
    struct cg_loop *outer;
    LLVMBasicBlockRef brk, cont;
    LLVMValueRef result;   /* alloca for `break e`, or NULL */
    ty_t *result_ty;
    int try_depth;         /* number of try frames open outside the loop */
} cg_loop_t;

typedef struct cg_rtfn {
    const char *name;
    LLVMTypeRef type;
    LLVMValueRef fn;      /* what callers call: the function, or its thunk */
    LLVMValueRef real;    /* the C function */
    LLVMValueRef inner;   /* the thunk's call of the C function, or NULL */
} cg_rtfn_t;

typedef struct cg_localfn_env {
    fn_info_t *fn;
    LLVMValueRef env;
} cg_localfn_env_t;

typedef struct cg {
    program_t *p;
    mono_t *m;
    ty_ctx_t *tc;
    diag_t *d;
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMBuilderRef b;
    LLVMTypeRef i1, i8, i16, i32, i64, f32, f64, ptr, void_t;
    LLVMTypeRef desc_ty, ctor_ty;
    /* current function */
    instance_t *in;
    LLVMValueRef fn;
    LLVMValueRef env;          /* closure/env parameter (non-top functions) */
    VEC(cg_local_t) locals;
    VEC(cg_localfn_env_t) fnenvs;
    cg_loop_t *loop;
    VEC(LLVMValueRef) tries;   /* exception frames open in this function */
    LLVMBasicBlockRef self_entry; /* target of self tail calls */
    LLVMValueRef *param_slots; /* allocas of the parameters */
    int nparams;
    /* caches */
    VEC(cg_rtfn_t) rtfns;
    struct { ty_t *ty; LLVMValueRef g; } *descs;
    int ndescs, cap_descs;
    int nstrings;
    bool split_stack;          /* give functions the "split-stack" attribute */
    bool preempt_checks;       /* emit back-edge yield checks */
    bool tls_stack_limit;      /* aarch64: the limit is the TLS variable nos__stack_limit and every
                                  function entry checks it (rt/sched_internal.h, point 3) */
} cg_t;

/* cg_types.c */
void cg_init_types(cg_t *g);
LLVMTypeRef cg_llty(cg_t *g, ty_t *t);
LLVMValueRef cg_to_slot(cg_t *g, LLVMValueRef v, ty_t *t);
LLVMValueRef cg_from_slot(cg_t *g, LLVMValueRef v, ty_t *t);
LLVMValueRef cg_desc(cg_t *g, ty_t *t);
LLVMValueRef cg_rt(cg_t *g, const char *name, LLVMTypeRef ret, LLVMTypeRef *params, int n, LLVMTypeRef *fnty);
LLVMValueRef cg_call_rt(cg_t *g, const char *name, LLVMTypeRef ret, LLVMTypeRef *pt, LLVMValueRef *args, int n);
/* Adds an enum attribute (zeroext, noreturn, ...) to a runtime function got from cg_rt, its
 * thunk and the thunk's inner call alike. */
void cg_rt_attr(cg_t *g, LLVMValueRef f, unsigned idx, const char *attr);
LLVMValueRef cg_str_const(cg_t *g, const char *s, size_t len);
LLVMValueRef cg_unit(cg_t *g);
bool cg_is_prim(cg_t *g, ty_t *t, prim_t p);
prim_t cg_prim(ty_t *t);
LLVMValueRef cg_alloc(cg_t *g, int nslots, bool atomic);
void cg_noreturn_call(cg_t *g, const char *name, LLVMTypeRef *pt, LLVMValueRef *args, int n);
LLVMValueRef cg_entry_alloca(cg_t *g, LLVMTypeRef t, const char *name);

/* cg_expr.c */
LLVMValueRef cg_expr(cg_t *g, expr_t *e, bool tail);
ty_t *cg_ty(cg_t *g, ty_t *t);                  /* mono_type under the current instance */
void cg_bind_local(cg_t *g, binding_t *b, LLVMValueRef v, ty_t *t);
bool cg_terminated(cg_t *g);
void cg_dead_block(cg_t *g);
void cg_pat(cg_t *g, pat_t *p, LLVMValueRef v, ty_t *t, LLVMBasicBlockRef fail);
LLVMValueRef cg_eq(cg_t *g, ty_t *t, LLVMValueRef a, LLVMValueRef b);
LLVMValueRef cg_show(cg_t *g, ty_t *t, LLVMValueRef v);
void cg_ret(cg_t *g, LLVMValueRef v);
void cg_preempt_poll(cg_t *g);   /* a preemption poll at the current point */
void cg_entry_stack_check(cg_t *g); /* aarch64: the stack check at a function's entry */

/* cg_fn.c */
LLVMValueRef cg_instance_fn(cg_t *g, instance_t *in);  /* declared on first use */
LLVMTypeRef cg_instance_fnty(cg_t *g, instance_t *in);
LLVMValueRef cg_closure_of_instance(cg_t *g, instance_t *in, LLVMValueRef env_src);
LLVMValueRef cg_localfn_env(cg_t *g, fn_info_t *fn);
LLVMValueRef cg_make_env(cg_t *g, fn_info_t *fn, LLVMValueRef fnptr);
LLVMTypeRef cg_closure_fnty(cg_t *g, ty_t *funty);
LLVMValueRef cg_global_ptr(cg_t *g, global_info_t *gl);
bool cg_program(cg_t *g);

#endif
