/*
 * types.c - the statically allocated descriptors of the base types, and constructors of
 * the fixed-layout objects (tuples, variants, Option, Result) that natives return.
 *
 * Invariant: a type has exactly one descriptor in a program, so the compiler must use these
 * objects (not copies) for the types they describe; in particular (String, String) is
 * nos_type_error_tuple, the type of every runtime error.
 */
#include <string.h>

#include "internal.h"

#define BASE(sym, k) const nos_type_t sym = { .kind = (k) }

BASE(nos_type_unit, NT_UNIT);
BASE(nos_type_bool, NT_BOOL);
BASE(nos_type_char, NT_CHAR);
BASE(nos_type_int, NT_INT);
BASE(nos_type_i8, NT_I8);
BASE(nos_type_i16, NT_I16);
BASE(nos_type_i32, NT_I32);
BASE(nos_type_u8, NT_U8);
BASE(nos_type_u16, NT_U16);
BASE(nos_type_u32, NT_U32);
BASE(nos_type_u64, NT_U64);
BASE(nos_type_float, NT_FLOAT);
BASE(nos_type_f32, NT_F32);
BASE(nos_type_bigint, NT_BIGINT);
BASE(nos_type_decimal, NT_DECIMAL);
BASE(nos_type_string, NT_STRING);
BASE(nos_type_pid, NT_PID);

static const nos_type_t *const error_tuple_elems[2] = { &nos_type_string, &nos_type_string };
const nos_type_t nos_type_error_tuple = { .kind = NT_TUPLE, .n = 2, .elems = error_tuple_elems };

/* The nullary constructors None (Option) as a shared constant; see NOS_TAG_*. */
static const nos_variant_t none_value = { .tag = NOS_TAG_NONE };

nos_val_t *nos_tuple_new(uint32_t n)
{
    return nos_alloc(sizeof(nos_val_t) * n);
}

nos_val_t *nos_tuple2(nos_val_t a, nos_val_t b)
{
    nos_val_t *t = nos_alloc(2 * sizeof(nos_val_t));
    t[0] = a;
    t[1] = b;
    return t;
}

nos_variant_t *nos_variant_new(int64_t tag, uint32_t nfields)
{
    nos_variant_t *v = nos_alloc(sizeof(nos_variant_t) + sizeof(nos_val_t) * nfields);
    v->tag = tag;
    return v;
}

static nos_variant_t *variant1(int64_t tag, nos_val_t x)
{
    nos_variant_t *v = nos_variant_new(tag, 1);
    v->fields[0] = x;
    return v;
}

nos_variant_t *nos_some(nos_val_t v)
{
    return variant1(NOS_TAG_SOME, v);
}

nos_variant_t *nos_none(void)
{
    return (nos_variant_t *)&none_value;
}

nos_variant_t *nos_ok(nos_val_t v)
{
    return variant1(NOS_TAG_OK, v);
}

nos_variant_t *nos_err(nos_val_t v)
{
    return variant1(NOS_TAG_ERR, v);
}
