/*
 * mono.h - monomorphization: concrete types, function instances, closures.
 *
 * Codegen works instance by instance. An instance is a function (fn_info_t)
 * plus concrete types for every type variable its body may mention: the
 * function's own scheme variables and, for lambdas and local functions,
 * those of the enclosing instance (its parent). mono_type() maps any type
 * the inference left on the AST to a canonical ground type under an
 * instance's substitution: two equal concrete types are the same pointer.
 *
 * Calls that inference could not decide (CR_PENDING) are decided here per
 * instance, where all argument types are concrete.
 *
 * Captures: mono_captures() gives, for every lambda and local function, the
 * bindings of enclosing functions it uses (directly, through nested lambdas,
 * or through local functions it calls), in a stable order. That order is the
 * layout of its closure environment and of its extra lifted parameters.
 */
#ifndef NOSTOS_MONO_H
#define NOSTOS_MONO_H

#include "sema.h"

typedef struct subst subst_t;
struct pend_res {
    pending_t *pd;
    fn_info_t *fn;
    ty_t **targs;
    int ntargs;
};
typedef struct instance instance_t;

struct subst {
    ty_t **vars;     /* type variables (by identity) */
    ty_t **types;    /* their canonical concrete types */
    int n, cap;
    subst_t *parent;
};

struct instance {
    fn_info_t *fn;
    instance_t *parent;   /* enclosing instance (lambdas, local functions) */
    ty_t **targs;         /* canonical types of fn's scheme variables */
    int ntargs;
    subst_t subst;        /* parent's substitution extended with targs */
    VEC(struct pend_res) resolved; /* pending calls decided for this instance */
    ty_t *type;           /* the instance's concrete function type */
    const char *symbol;   /* unique LLVM symbol */
    int id;
    bool emitted;
    void *cg;             /* codegen data */
};

typedef struct mono {
    program_t *p;
    ty_ctx_t *tc;
    arena_t *a;
    VEC(instance_t *) instances;
    VEC(instance_t *) queue;  /* instances created but not yet emitted */
    /* canonical types */
    struct canon_entry *canon;
    int canon_cap, canon_len;
    bool captures_done;
} mono_t;

void mono_init(mono_t *m, program_t *p);

/* The canonical ground type of t under s (unknown variables default: Num -> Int, else Unit). */
ty_t *mono_type(mono_t *m, subst_t *s, ty_t *t);
/*
 * The type of a value that leaves its static world (a message sent, an
 * exception thrown): like mono_type, but type variables nested inside that
 * nothing decided become Any. A value of such a type holds no value of that
 * variable (an empty list, None), so a receiver of any concrete type may take it.
 */
ty_t *mono_type_outgoing(mono_t *m, subst_t *s, ty_t *t);
/* Canonical form of a ground type. */
ty_t *mono_canon(mono_t *m, ty_t *t);

/*
 * The instance of fn for the given scheme arguments (already canonical) within
 * the parent instance (NULL for top-level functions). Created on first request.
 */
instance_t *mono_instance(mono_t *m, fn_info_t *fn, instance_t *parent, ty_t **targs, int ntargs);

/* The instance a call resolves to inside `in` (handles CR_FN, pending calls, local functions). */
instance_t *mono_call_target(mono_t *m, instance_t *in, callres_t *r, fn_info_t **fn_out);
/* For a call of fn with scheme instantiation `inst` seen inside `in`. */
instance_t *mono_fn_instance(mono_t *m, instance_t *in, fn_info_t *fn, ty_t **inst, int ninst);
/* Resolves a pending call per instance: the chosen function and its instantiation (canonical). */
fn_info_t *mono_resolve_pending(mono_t *m, instance_t *in, pending_t *pd, ty_t ***targs, int *ntargs);

/* Finds the instance of `fn` on the chain from `in` outward (the frame that owns fn's bindings). */
instance_t *mono_ancestor(instance_t *in, fn_info_t *fn);

/*
 * Fills fn->captures for every lambda and local function of the program (once):
 * the bindings of enclosing functions each one needs, in a stable order.
 */
void mono_compute_captures(mono_t *m);

/* Numbers of constructor fields, tuple sizes etc. are read from canonical types directly. */

#endif
