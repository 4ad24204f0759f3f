/*
 * array.c - typed arrays (Int64Array, Float64Array, Float32Array): fixed length, zero
 * filled, mutable in place (reference semantics). Elements are stored unboxed (Float32
 * packed as 4-byte floats) in pointer-free memory; a value word in and out is the element
 * in nos_val_t form (Float32 elements read back as Float, LANGUAGE.md 2.4). Index errors
 * throw ("IndexOutOfBounds", "Index i out of bounds for <Kind> of length n"). Concurrent
 * writers are not synchronised (arrays are copied on send, so only one process has one).
 */
#include <string.h>

#include "internal.h"

static const char *kind_name(uint32_t kind)
{
    return kind == NT_ARRAY_I64 ? "Int64Array" : kind == NT_ARRAY_F64 ? "Float64Array" : "Float32Array";
}

static size_t elem_size(uint32_t kind)
{
    return kind == NT_ARRAY_F32 ? sizeof(float) : 8;
}

nos_array_t *nos_array_new(uint32_t kind, int64_t len)
{
    if (len < 0)
        nos_throw_error("Panic", "negative %s length %lld", kind_name(kind), (long long)len);
    size_t bytes = sizeof(nos_array_t) + elem_size(kind) * (size_t)len;
    nos_array_t *a = nos_alloc_atomic(bytes);
    memset(a, 0, bytes);
    a->len = len;
    return a;
}

static void check(uint32_t kind, nos_array_t *a, int64_t i)
{
    if (i < 0 || i >= a->len)
        nos_throw_error("IndexOutOfBounds", "Index %lld out of bounds for %s of length %lld",
                        (long long)i, kind_name(kind), (long long)a->len);
}

nos_val_t nos_array_get(uint32_t kind, nos_array_t *a, int64_t i)
{
    check(kind, a, i);
    switch (kind) {
    case NT_ARRAY_I64:
        return (nos_val_t)nos_array_i64(a)[i];
    case NT_ARRAY_F64:
        return nos_val_of_float(nos_array_f64(a)[i]);
    default:
        return nos_val_of_float((double)nos_array_f32(a)[i]);
    }
}

/* For Float32Array, v is a Float (double bits), stored rounded to float. */
void nos_array_set(uint32_t kind, nos_array_t *a, int64_t i, nos_val_t v)
{
    check(kind, a, i);
    switch (kind) {
    case NT_ARRAY_I64:
        nos_array_i64(a)[i] = (int64_t)v;
        break;
    case NT_ARRAY_F64:
        nos_array_f64(a)[i] = nos_val_to_float(v);
        break;
    default:
        nos_array_f32(a)[i] = (float)nos_val_to_float(v);
        break;
    }
}

nos_array_t *nos_array_from_list(uint32_t kind, nos_list_t *l)
{
    nos_array_t *a = nos_array_new(kind, nos_list_length(l));
    for (int64_t i = 0; l; l = l->tail, i++)
        nos_array_set(kind, a, i, l->head);
    return a;
}

nos_list_t *nos_array_to_list(uint32_t kind, nos_array_t *a)
{
    nos_list_t *r = NULL;
    for (int64_t i = a->len; i-- > 0;)
        r = nos_list_cons(nos_array_get(kind, a, i), r);
    return r;
}

/* ---- per-kind entry points in natural C types (codegen and lib/collections.nos) -------- */

nos_array_t *nos_array_i64_new(int64_t n)
{
    return nos_array_new(NT_ARRAY_I64, n);
}

nos_array_t *nos_array_f64_new(int64_t n)
{
    return nos_array_new(NT_ARRAY_F64, n);
}

nos_array_t *nos_array_f32_new(int64_t n)
{
    return nos_array_new(NT_ARRAY_F32, n);
}

nos_array_t *nos_array_i64_make(int64_t n, int64_t x)
{
    nos_array_t *a = nos_array_new(NT_ARRAY_I64, n);
    for (int64_t i = 0; i < n; i++)
        nos_array_i64(a)[i] = x;
    return a;
}

nos_array_t *nos_array_f64_make(int64_t n, double x)
{
    nos_array_t *a = nos_array_new(NT_ARRAY_F64, n);
    for (int64_t i = 0; i < n; i++)
        nos_array_f64(a)[i] = x;
    return a;
}

nos_array_t *nos_array_f32_make(int64_t n, double x)
{
    nos_array_t *a = nos_array_new(NT_ARRAY_F32, n);
    for (int64_t i = 0; i < n; i++)
        nos_array_f32(a)[i] = (float)x;
    return a;
}

int64_t nos_array_length(nos_array_t *a)
{
    return a->len;
}

int64_t nos_array_i64_get(nos_array_t *a, int64_t i)
{
    check(NT_ARRAY_I64, a, i);
    return nos_array_i64(a)[i];
}

double nos_array_f64_get(nos_array_t *a, int64_t i)
{
    check(NT_ARRAY_F64, a, i);
    return nos_array_f64(a)[i];
}

double nos_array_f32_get(nos_array_t *a, int64_t i)
{
    check(NT_ARRAY_F32, a, i);
    return nos_array_f32(a)[i];
}

void nos_array_i64_set(nos_array_t *a, int64_t i, int64_t x)
{
    check(NT_ARRAY_I64, a, i);
    nos_array_i64(a)[i] = x;
}

void nos_array_f64_set(nos_array_t *a, int64_t i, double x)
{
    check(NT_ARRAY_F64, a, i);
    nos_array_f64(a)[i] = x;
}

void nos_array_f32_set(nos_array_t *a, int64_t i, double x)
{
    check(NT_ARRAY_F32, a, i);
    nos_array_f32(a)[i] = (float)x;
}

nos_array_t *nos_array_i64_set_ret(nos_array_t *a, int64_t i, int64_t x)
{
    nos_array_i64_set(a, i, x);
    return a;
}

nos_array_t *nos_array_f64_set_ret(nos_array_t *a, int64_t i, double x)
{
    nos_array_f64_set(a, i, x);
    return a;
}

nos_array_t *nos_array_f32_set_ret(nos_array_t *a, int64_t i, double x)
{
    nos_array_f32_set(a, i, x);
    return a;
}

nos_array_t *nos_array_i64_from_list(nos_list_t *l)
{
    return nos_array_from_list(NT_ARRAY_I64, l);
}

nos_array_t *nos_array_f64_from_list(nos_list_t *l)
{
    return nos_array_from_list(NT_ARRAY_F64, l);
}

nos_array_t *nos_array_f32_from_list(nos_list_t *l)
{
    return nos_array_from_list(NT_ARRAY_F32, l);
}

nos_list_t *nos_array_i64_to_list(nos_array_t *a)
{
    return nos_array_to_list(NT_ARRAY_I64, a);
}

nos_list_t *nos_array_f64_to_list(nos_array_t *a)
{
    return nos_array_to_list(NT_ARRAY_F64, a);
}

nos_list_t *nos_array_f32_to_list(nos_array_t *a)
{
    return nos_array_to_list(NT_ARRAY_F32, a);
}
