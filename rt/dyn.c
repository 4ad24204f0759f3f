/*
 * dyn.c - values whose type is only partly known at compile time.
 *
 * A receive or catch pattern whose type inference left partly open has the
 * type Any (NT_DYN) in those places: it matches a message of any type there,
 * and the matched part is bound as a box {descriptor, value}. These two
 * functions do the run-time side: does a message's type fit a pattern type,
 * and convert the message to the pattern's representation (boxing the parts
 * that are Any). Types without Any are compared by pointer by the caller.
 */
#include "nostos.h"

#include <string.h>

bool nos_type_matches(const nos_type_t *pat, const nos_type_t *act);
nos_val_t nos_dyn_coerce(const nos_type_t *pat, const nos_type_t *act, nos_val_t v);

static bool matches(const nos_type_t *p, const nos_type_t *a, int depth) {
    /* Any in the pattern takes anything; Any in the value's type marks a part that holds no
     * value at all (the element type of an empty list a sender never pinned down). */
    if (p == a || p->kind == NT_DYN || a->kind == NT_DYN) return true;
    if (depth > 64 || p->kind != a->kind || p->n != a->n) return false;
    switch (p->kind) {
    case NT_LIST:
    case NT_SET:
        return matches(p->elems[0], a->elems[0], depth + 1);
    case NT_MAP:
        return matches(p->elems[0], a->elems[0], depth + 1) && matches(p->elems[1], a->elems[1], depth + 1);
    case NT_TUPLE:
        for (uint32_t i = 0; i < p->n; i++)
            if (!matches(p->elems[i], a->elems[i], depth + 1)) return false;
        return true;
    case NT_RECORD:
        if (!p->name || !a->name || strcmp(p->name, a->name) != 0) return false;
        for (uint32_t i = 0; i < p->n; i++)
            if (!matches(p->elems[i], a->elems[i], depth + 1)) return false;
        return true;
    case NT_VARIANT:
        if (!p->name || !a->name || strcmp(p->name, a->name) != 0) return false;
        for (uint32_t k = 0; k < p->n; k++) {
            const nos_ctor_t *pc = &p->ctors[k], *ac = &a->ctors[k];
            if (pc->n != ac->n) return false;
            for (uint32_t i = 0; i < pc->n; i++)
                if (!matches(pc->fields[i], ac->fields[i], depth + 1)) return false;
        }
        return true;
    case NT_FUN:
        return p->name && a->name && strcmp(p->name, a->name) == 0;
    default:
        /* Scalars and handles: the kind says it all. */
        return true;
    }
}

/* Does a value of type act fit a pattern of type pat (where Any fits anything)? */
bool nos_type_matches(const nos_type_t *pat, const nos_type_t *act) { return matches(pat, act, 0); }

static nos_val_t coerce(const nos_type_t *p, const nos_type_t *a, nos_val_t v, int depth) {
    if (p == a || a->kind == NT_DYN) return v;
    if (p->kind == NT_DYN) {
        nos_val_t *box = nos_alloc(2 * sizeof(nos_val_t));
        box[0] = (nos_val_t)(uintptr_t)a;
        box[1] = v;
        return (nos_val_t)(uintptr_t)box;
    }
    if (depth > 64) return v;
    switch (p->kind) {
    case NT_TUPLE:
    case NT_RECORD: {
        const nos_val_t *src = (const nos_val_t *)(uintptr_t)v;
        nos_val_t *dst = nos_alloc(sizeof(nos_val_t) * (p->n ? p->n : 1));
        for (uint32_t i = 0; i < p->n; i++) dst[i] = coerce(p->elems[i], a->elems[i], src[i], depth + 1);
        return (nos_val_t)(uintptr_t)dst;
    }
    case NT_LIST: {
        nos_list_t *head = NULL, **tail = &head;
        for (nos_list_t *l = (nos_list_t *)(uintptr_t)v; l; l = l->tail) {
            nos_list_t *c = nos_alloc(sizeof *c);
            c->head = coerce(p->elems[0], a->elems[0], l->head, depth + 1);
            c->tail = NULL;
            *tail = c;
            tail = &c->tail;
        }
        return (nos_val_t)(uintptr_t)head;
    }
    case NT_VARIANT: {
        const nos_variant_t *src = (const nos_variant_t *)(uintptr_t)v;
        const nos_ctor_t *pc = &p->ctors[src->tag], *ac = &a->ctors[src->tag];
        if (pc->n == 0) return v;
        nos_variant_t *dst = nos_alloc(sizeof(nos_variant_t) + sizeof(nos_val_t) * pc->n);
        dst->tag = src->tag;
        for (uint32_t i = 0; i < pc->n; i++) dst->fields[i] = coerce(pc->fields[i], ac->fields[i], src->fields[i], depth + 1);
        return (nos_val_t)(uintptr_t)dst;
    }
    default:
        /* Maps and sets with Any inside keep their representation (rare). */
        return v;
    }
}

/* The value v of type act in the representation of pattern type pat (boxing the Any parts). */
nos_val_t nos_dyn_coerce(const nos_type_t *pat, const nos_type_t *act, nos_val_t v) { return coerce(pat, act, v, 0); }
