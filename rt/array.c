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
