/*
 * params.c - requestToType[T](req): an HTTP request's query and form
 * parameters (name, value strings) as a record of type T, each field parsed
 * by its type: String, the integer kinds, Float/Float32, Bool (true/false,
 * 1/0, yes/no), Option[X] (None when the parameter is missing). Form
 * parameters win over query parameters of the same name. The result is
 * Ok(record) or Err("field 'age': expected Int, got 'x', missing required
 * field 'name'") with every problem listed. Ordinary C, called through a
 * split-stack thunk.
 */
#include "nostos.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

nos_variant_t *nos_params_to_type(const nos_type_t *result_t, nos_list_t *params);

#define V(p) ((nos_val_t)(uintptr_t)(p))

typedef struct errs {
    char buf[1024];
    size_t n;
} errs_t;

static void add_err(errs_t *e, const char *field, const char *what, const char *value) {
    int w = snprintf(e->buf + e->n, sizeof e->buf - e->n, "%s%s%s%s%s%s%s", e->n ? ", " : "",
                     value ? "field '" : "missing required field '", field, value ? "': " : "'", value ? what : "",
                     value ? ", got '" : "", value ? value : "");
    if (w > 0) e->n = e->n + (size_t)w < sizeof e->buf ? e->n + (size_t)w : sizeof e->buf - 1;
    if (value && e->n + 1 < sizeof e->buf) e->buf[e->n++] = '\'', e->buf[e->n] = 0;
}

/* The last value given for `name` (form parameters come after query ones). */
static const nos_str_t *param(nos_list_t *params, const char *name) {
    const nos_str_t *found = NULL;
    for (nos_list_t *l = params; l; l = l->tail) {
        const nos_val_t *kv = (const nos_val_t *)(uintptr_t)l->head;
        const nos_str_t *k = (const nos_str_t *)(uintptr_t)kv[0];
        if (strcmp(k->data, name) == 0) found = (const nos_str_t *)(uintptr_t)kv[1];
    }
    return found;
}

static bool parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out) {
    if (!*s) return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || errno || v < lo || v > hi) return false;
    *out = v;
    return true;
}

/* One field's value; false with *what set when the text does not parse. */
static bool parse_value(const nos_type_t *t, const char *s, nos_val_t *out, const char **what) {
    int64_t i;
    switch (t->kind) {
    case NT_STRING: *out = V(nos_str_cstr(s)); return true;
    case NT_INT: *what = "expected Int"; if (!parse_int(s, INT64_MIN, INT64_MAX, &i)) return false; *out = (nos_val_t)i; return true;
    case NT_I32: *what = "expected Int32"; if (!parse_int(s, INT32_MIN, INT32_MAX, &i)) return false; *out = (nos_val_t)i; return true;
    case NT_I16: *what = "expected Int16"; if (!parse_int(s, INT16_MIN, INT16_MAX, &i)) return false; *out = (nos_val_t)i; return true;
    case NT_I8: *what = "expected Int8"; if (!parse_int(s, INT8_MIN, INT8_MAX, &i)) return false; *out = (nos_val_t)i; return true;
    case NT_U8: *what = "expected UInt8"; if (!parse_int(s, 0, UINT8_MAX, &i)) return false; *out = (nos_val_t)i; return true;
    case NT_U16: *what = "expected UInt16"; if (!parse_int(s, 0, UINT16_MAX, &i)) return false; *out = (nos_val_t)i; return true;
    case NT_U32: *what = "expected UInt32"; if (!parse_int(s, 0, UINT32_MAX, &i)) return false; *out = (nos_val_t)i; return true;
    case NT_U64: *what = "expected UInt64"; if (!parse_int(s, 0, INT64_MAX, &i)) return false; *out = (nos_val_t)i; return true;
    case NT_FLOAT:
    case NT_F32: {
        *what = t->kind == NT_FLOAT ? "expected Float" : "expected Float32";
        if (!*s) return false;
        char *end;
        double d = strtod(s, &end);
        if (*end) return false;
        *out = t->kind == NT_FLOAT ? nos_val_of_float(d) : nos_val_of_f32((float)d);
        return true;
    }
    case NT_BOOL:
        *what = "expected Bool";
        if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes")) *out = 1;
        else if (!strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no")) *out = 0;
        else return false;
        return true;
    case NT_VARIANT:
        if (t->name && !strcmp(t->name, "Option") && t->n == 2) {
            for (uint32_t k = 0; k < t->n; k++)
                if (!strcmp(t->ctors[k].name, "Some")) {
                    nos_val_t inner;
                    if (!parse_value(t->ctors[k].fields[0], s, &inner, what)) return false;
                    *out = V(nos_some(inner));
                    return true;
                }
        }
        /* fall through */
    default: *what = "unsupported type for request parameters"; return false;
    }
}

nos_variant_t *nos_params_to_type(const nos_type_t *result_t, nos_list_t *params) {
    const nos_type_t *t = NULL;
    for (uint32_t k = 0; k < result_t->n; k++)
        if (!strcmp(result_t->ctors[k].name, "Ok")) t = result_t->ctors[k].fields[0];
    if (!t || t->kind != NT_RECORD)
        return nos_err(V(nos_str_cstr("requestToType needs a record type")));
    nos_val_t *fields = nos_tuple_new(t->n);
    errs_t e = {{0}, 0};
    for (uint32_t i = 0; i < t->n; i++) {
        const nos_type_t *ft = t->elems[i];
        const nos_str_t *v = param(params, t->field_names[i]);
        if (!v) {
            if (ft->kind == NT_VARIANT && ft->name && !strcmp(ft->name, "Option")) fields[i] = V(nos_none());
            else add_err(&e, t->field_names[i], NULL, NULL);
            continue;
        }
        const char *what = "";
        if (!parse_value(ft, v->data, &fields[i], &what)) add_err(&e, t->field_names[i], what, v->data);
    }
    if (e.n) return nos_err(V(nos_str_cstr(e.buf)));
    return nos_ok(V(fields));
}
