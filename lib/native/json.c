/*
 * json.c - JSON for lib/json.nos: parsing into the Json variant, printing it,
 * and converting any Nostos value to and from JSON through its type
 * descriptor (toJson, toJsonValue, jsonToType/fromJson/fromJsonValue,
 * makeRecord, makeVariant).
 *
 * The Json type is declared in lib/json.nos; its constructors in declaration
 * order give the tags used here:
 *   Null | Bool(Bool) | Number(Float) | Integer(Int) | String(String) |
 *   Array(List[Json]) | Object(List[(String, Json)])
 * Encoding of typed values (as the reference): records are objects, tuples
 * and lists arrays, variants {"Ctor": payload} with payload null for no
 * field, the value for one, an array for several (named fields: an object),
 * Unit is null. Decoding accepts the same and {"Ctor": {"_0": ..}} payloads;
 * null or a missing field decode to None for an Option field. Decoding errors
 * are thrown as Strings ("Missing field: age", "Unknown constructor: X").
 * Ordinary C (called through a split-stack thunk); deep values recurse on the
 * C stack, bounded by the nesting of the JSON text.
 */
#include "nostos.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { J_NULL, J_BOOL, J_NUMBER, J_INTEGER, J_STRING, J_ARRAY, J_OBJECT };

nos_variant_t *nos_json_parse(nos_str_t *s);
nos_str_t *nos_json_stringify(nos_variant_t *j);
nos_str_t *nos_json_of_value(const nos_type_t *t, nos_val_t v);
nos_variant_t *nos_json_value_of(const nos_type_t *t, nos_val_t v);
nos_val_t nos_json_to_type(const nos_type_t *t, nos_variant_t *j);
nos_val_t nos_json_from_map(const nos_type_t *t, nos_map_t *fields);
nos_val_t nos_json_make_variant(const nos_type_t *t, nos_str_t *ctor, nos_map_t *fields);

#define V(p) ((nos_val_t)(uintptr_t)(p))
#define P(T, v) ((T *)(uintptr_t)(v))

_Noreturn static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn static void fail(const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    nos_throw(&nos_type_string, V(nos_str_cstr(buf)));
}

/* ---- building Json values ------------------------------------------------------------- */

static nos_variant_t *jnull(void) {
    static const nos_variant_t null_v = {J_NULL};
    return (nos_variant_t *)&null_v;
}

static nos_variant_t *jbox(int tag, nos_val_t v) {
    nos_variant_t *r = nos_variant_new(tag, 1);
    r->fields[0] = v;
    return r;
}

/* ---- a small text builder -------------------------------------------------------------- */

typedef struct tb {
    char *p;
    size_t n, cap;
} tb_t;

static void tb_put(tb_t *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap * 2 : 256;
        while (c < b->n + n + 1) c *= 2;
        char *np = nos_alloc_atomic(c);
        if (b->n) memcpy(np, b->p, b->n);
        b->p = np;
        b->cap = c;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void tb_str(tb_t *b, const char *s) { tb_put(b, s, strlen(s)); }

static void tb_quoted(tb_t *b, const char *s, int64_t n) {
    tb_put(b, "\"", 1);
    for (int64_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        switch (c) {
        case '"': tb_put(b, "\\\"", 2); break;
        case '\\': tb_put(b, "\\\\", 2); break;
        case '\n': tb_put(b, "\\n", 2); break;
        case '\r': tb_put(b, "\\r", 2); break;
        case '\t': tb_put(b, "\\t", 2); break;
        case '\b': tb_put(b, "\\b", 2); break;
        case '\f': tb_put(b, "\\f", 2); break;
        default:
            if (c < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", c);
                tb_str(b, esc);
            } else {
                tb_put(b, (const char *)&c, 1);
            }
        }
    }
    tb_put(b, "\"", 1);
}

static void tb_float(tb_t *b, double d) {
    if (isnan(d) || isinf(d)) {
        tb_str(b, "null");
        return;
    }
    nos_str_t *s = nos_float_to_str(d);
    tb_put(b, s->data, (size_t)s->len);
}

static nos_str_t *tb_done(tb_t *b) { return nos_str_new(b->p ? b->p : "", (int64_t)b->n); }

/* ---- parsing ---------------------------------------------------------------------------- */

typedef struct ps {
    const char *s, *end;
    int depth;
} ps_t;

static void ws(ps_t *p) {
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')) p->s++;
}

static void put_utf8(tb_t *b, uint32_t cp) {
    char o[4];
    int n;
    if (cp < 0x80) o[0] = (char)cp, n = 1;
    else if (cp < 0x800) o[0] = (char)(0xC0 | (cp >> 6)), o[1] = (char)(0x80 | (cp & 63)), n = 2;
    else if (cp < 0x10000)
        o[0] = (char)(0xE0 | (cp >> 12)), o[1] = (char)(0x80 | ((cp >> 6) & 63)), o[2] = (char)(0x80 | (cp & 63)), n = 3;
    else
        o[0] = (char)(0xF0 | (cp >> 18)), o[1] = (char)(0x80 | ((cp >> 12) & 63)), o[2] = (char)(0x80 | ((cp >> 6) & 63)),
        o[3] = (char)(0x80 | (cp & 63)), n = 4;
    tb_put(b, o, (size_t)n);
}

static nos_str_t *parse_string(ps_t *p) {
    p->s++; /* " */
    tb_t b = {0};
    while (p->s < p->end && *p->s != '"') {
        char c = *p->s++;
        if (c != '\\') {
            tb_put(&b, &c, 1);
            continue;
        }
        if (p->s >= p->end) break;
        char e = *p->s++;
        switch (e) {
        case 'n': tb_put(&b, "\n", 1); break;
        case 't': tb_put(&b, "\t", 1); break;
        case 'r': tb_put(&b, "\r", 1); break;
        case 'b': tb_put(&b, "\b", 1); break;
        case 'f': tb_put(&b, "\f", 1); break;
        case 'u': {
            uint32_t cp = 0;
            for (int i = 0; i < 4 && p->s < p->end; i++) {
                char h = *p->s++;
                cp = cp * 16 + (uint32_t)(h >= '0' && h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
            }
            if (cp >= 0xD800 && cp < 0xDC00 && p->s + 6 <= p->end && p->s[0] == '\\' && p->s[1] == 'u') {
                uint32_t lo = 0;
                for (int i = 2; i < 6; i++) {
                    char h = p->s[i];
                    lo = lo * 16 + (uint32_t)(h >= '0' && h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
                }
                p->s += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            put_utf8(&b, cp);
            break;
        }
        default: tb_put(&b, &e, 1); break;
        }
    }
    if (p->s >= p->end) fail("Invalid JSON: unterminated string");
    p->s++;
    return tb_done(&b);
}

static nos_variant_t *parse_value(ps_t *p) {
    ws(p);
    if (p->s >= p->end) fail("Invalid JSON: unexpected end of input");
    if (++p->depth > 2000) fail("Invalid JSON: nested too deeply");
    nos_variant_t *r = NULL;
    char c = *p->s;
    if (c == '{') {
        p->s++;
        nos_list_t *head = NULL, **tail = &head;
        ws(p);
        if (p->s < p->end && *p->s == '}') p->s++;
        else
            for (;;) {
                ws(p);
                if (p->s >= p->end || *p->s != '"') fail("Invalid JSON: expected a key");
                nos_str_t *k = parse_string(p);
                ws(p);
                if (p->s >= p->end || *p->s != ':') fail("Invalid JSON: expected ':'");
                p->s++;
                nos_variant_t *v = parse_value(p);
                nos_list_t *cell = nos_list_cons(V(nos_tuple2(V(k), V(v))), NULL);
                *tail = cell;
                tail = &cell->tail;
                ws(p);
                if (p->s < p->end && *p->s == ',') {
                    p->s++;
                    continue;
                }
                if (p->s < p->end && *p->s == '}') {
                    p->s++;
                    break;
                }
                fail("Invalid JSON: expected ',' or '}'");
            }
        r = jbox(J_OBJECT, V(head));
    } else if (c == '[') {
        p->s++;
        nos_list_t *head = NULL, **tail = &head;
        ws(p);
        if (p->s < p->end && *p->s == ']') p->s++;
        else
            for (;;) {
                nos_variant_t *v = parse_value(p);
                nos_list_t *cell = nos_list_cons(V(v), NULL);
                *tail = cell;
                tail = &cell->tail;
                ws(p);
                if (p->s < p->end && *p->s == ',') {
                    p->s++;
                    continue;
                }
                if (p->s < p->end && *p->s == ']') {
                    p->s++;
                    break;
                }
                fail("Invalid JSON: expected ',' or ']'");
            }
        r = jbox(J_ARRAY, V(head));
    } else if (c == '"') {
        r = jbox(J_STRING, V(parse_string(p)));
    } else if (p->end - p->s >= 4 && memcmp(p->s, "true", 4) == 0) {
        p->s += 4;
        r = jbox(J_BOOL, 1);
    } else if (p->end - p->s >= 5 && memcmp(p->s, "false", 5) == 0) {
        p->s += 5;
        r = jbox(J_BOOL, 0);
    } else if (p->end - p->s >= 4 && memcmp(p->s, "null", 4) == 0) {
        p->s += 4;
        r = jnull();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        const char *st = p->s;
        bool is_float = false;
        if (*p->s == '-') p->s++;
        while (p->s < p->end && ((*p->s >= '0' && *p->s <= '9') || *p->s == '.' || *p->s == 'e' || *p->s == 'E' ||
                                 *p->s == '+' || *p->s == '-')) {
            if (*p->s == '.' || *p->s == 'e' || *p->s == 'E') is_float = true;
            p->s++;
        }
        char buf[64];
        size_t n = (size_t)(p->s - st);
        if (n >= sizeof buf) n = sizeof buf - 1;
        memcpy(buf, st, n);
        buf[n] = 0;
        if (!is_float) {
            char *endp;
            long long v = strtoll(buf, &endp, 10);
            if (*endp) fail("Invalid JSON number: %s", buf);
            r = jbox(J_INTEGER, (nos_val_t)v);
        } else {
            char *endp;
            double d = strtod(buf, &endp);
            if (*endp) fail("Invalid JSON number: %s", buf);
            r = jbox(J_NUMBER, nos_val_of_float(d));
        }
    } else {
        fail("Invalid JSON: unexpected character '%c'", c);
    }
    p->depth--;
    return r;
}

nos_variant_t *nos_json_parse(nos_str_t *s) {
    ps_t p = {s->data, s->data + s->len, 0};
    nos_variant_t *r = parse_value(&p);
    ws(&p);
    if (p.s != p.end) fail("Invalid JSON: trailing characters");
    return r;
}

/* ---- printing Json ------------------------------------------------------------------------ */

static void print_json(tb_t *b, nos_variant_t *j) {
    switch (j->tag) {
    case J_NULL: tb_str(b, "null"); return;
    case J_BOOL: tb_str(b, j->fields[0] ? "true" : "false"); return;
    case J_NUMBER: tb_float(b, nos_val_to_float(j->fields[0])); return;
    case J_INTEGER: {
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", (long long)(int64_t)j->fields[0]);
        tb_str(b, buf);
        return;
    }
    case J_STRING: {
        nos_str_t *s = P(nos_str_t, j->fields[0]);
        tb_quoted(b, s->data, s->len);
        return;
    }
    case J_ARRAY:
        tb_put(b, "[", 1);
        for (nos_list_t *l = P(nos_list_t, j->fields[0]); l; l = l->tail) {
            print_json(b, P(nos_variant_t, l->head));
            if (l->tail) tb_put(b, ",", 1);
        }
        tb_put(b, "]", 1);
        return;
    case J_OBJECT:
        tb_put(b, "{", 1);
        for (nos_list_t *l = P(nos_list_t, j->fields[0]); l; l = l->tail) {
            nos_val_t *kv = P(nos_val_t, l->head);
            nos_str_t *k = P(nos_str_t, kv[0]);
            tb_quoted(b, k->data, k->len);
            tb_put(b, ":", 1);
            print_json(b, P(nos_variant_t, kv[1]));
            if (l->tail) tb_put(b, ",", 1);
        }
        tb_put(b, "}", 1);
        return;
    }
}

nos_str_t *nos_json_stringify(nos_variant_t *j) {
    tb_t b = {0};
    print_json(&b, j);
    return tb_done(&b);
}

/* ---- typed values to Json ---------------------------------------------------------------------- */

static bool is_option(const nos_type_t *t) {
    return t->kind == NT_VARIANT && t->n == 2 && t->name && strcmp(t->name, "Option") == 0;
}

static nos_variant_t *to_json(const nos_type_t *t, nos_val_t v, int depth);

static void map_entry(nos_val_t k, nos_val_t v, void *ctx) {
    void **c = ctx;
    const nos_type_t *mt = c[0];
    nos_list_t ***tail = c[1];
    nos_str_t *ks = mt->elems[0]->kind == NT_STRING ? P(nos_str_t, k) : nos_show(mt->elems[0], k);
    nos_list_t *cell = nos_list_cons(V(nos_tuple2(V(ks), V(to_json(mt->elems[1], v, 1)))), NULL);
    **tail = cell;
    *tail = &cell->tail;
}

void nos__map_each(nos_map_t *m, void (*f)(nos_val_t k, nos_val_t v, void *ctx), void *ctx);

static nos_list_t *fields_object(const nos_type_t *const *types, const char *const *names, const nos_val_t *vals,
                                 uint32_t n, int depth) {
    nos_list_t *head = NULL, **tail = &head;
    for (uint32_t i = 0; i < n; i++) {
        nos_list_t *cell = nos_list_cons(V(nos_tuple2(V(nos_str_cstr(names[i])), V(to_json(types[i], vals[i], depth + 1)))), NULL);
        *tail = cell;
        tail = &cell->tail;
    }
    return head;
}

static nos_variant_t *to_json(const nos_type_t *t, nos_val_t v, int depth) {
    if (depth > 4000) fail("toJson: value nested too deeply");
    switch (t->kind) {
    case NT_UNIT: return jnull();
    case NT_BOOL: return jbox(J_BOOL, v ? 1 : 0);
    case NT_INT: case NT_I8: case NT_I16: case NT_I32: return jbox(J_INTEGER, v);
    case NT_U8: case NT_U16: case NT_U32: case NT_U64: return jbox(J_INTEGER, v);
    case NT_FLOAT: return jbox(J_NUMBER, v);
    case NT_F32: return jbox(J_NUMBER, nos_val_of_float((double)nos_val_to_f32(v)));
    case NT_CHAR: return jbox(J_STRING, V(nos_char_to_str((int32_t)v)));
    case NT_STRING: return jbox(J_STRING, v);
    case NT_DYN: {
        const nos_val_t *box = P(const nos_val_t, v);
        return to_json(P(const nos_type_t, box[0]), box[1], depth + 1);
    }
    case NT_LIST: {
        nos_list_t *head = NULL, **tail = &head;
        for (nos_list_t *l = P(nos_list_t, v); l; l = l->tail) {
            nos_list_t *cell = nos_list_cons(V(to_json(t->elems[0], l->head, depth + 1)), NULL);
            *tail = cell;
            tail = &cell->tail;
        }
        return jbox(J_ARRAY, V(head));
    }
    case NT_TUPLE: {
        nos_list_t *head = NULL, **tail = &head;
        const nos_val_t *f = P(const nos_val_t, v);
        for (uint32_t i = 0; i < t->n; i++) {
            nos_list_t *cell = nos_list_cons(V(to_json(t->elems[i], f[i], depth + 1)), NULL);
            *tail = cell;
            tail = &cell->tail;
        }
        return jbox(J_ARRAY, V(head));
    }
    case NT_RECORD:
        return jbox(J_OBJECT, V(fields_object(t->elems, t->field_names, P(const nos_val_t, v), t->n, depth)));
    case NT_VARIANT: {
        const nos_variant_t *x = P(const nos_variant_t, v);
        const nos_ctor_t *c = &t->ctors[x->tag];
        nos_variant_t *payload;
        if (c->n == 0) payload = jnull();
        else if (c->field_names) payload = jbox(J_OBJECT, V(fields_object(c->fields, c->field_names, x->fields, c->n, depth)));
        else if (c->n == 1) payload = to_json(c->fields[0], x->fields[0], depth + 1);
        else {
            nos_list_t *head = NULL, **tail = &head;
            for (uint32_t i = 0; i < c->n; i++) {
                nos_list_t *cell = nos_list_cons(V(to_json(c->fields[i], x->fields[i], depth + 1)), NULL);
                *tail = cell;
                tail = &cell->tail;
            }
            payload = jbox(J_ARRAY, V(head));
        }
        return jbox(J_OBJECT, V(nos_list_cons(V(nos_tuple2(V(nos_str_cstr(c->name)), V(payload))), NULL)));
    }
    case NT_MAP: {
        nos_list_t *head = NULL, **tail = &head;
        void *ctx[2] = {(void *)t, &tail};
        nos__map_each(P(nos_map_t, v), map_entry, ctx);
        return jbox(J_OBJECT, V(head));
    }
    case NT_SET: {
        nos_list_t *items = nos_set_to_list(P(nos_set_t, v));
        nos_list_t *head = NULL, **tail = &head;
        for (nos_list_t *l = items; l; l = l->tail) {
            nos_list_t *cell = nos_list_cons(V(to_json(t->elems[0], l->head, depth + 1)), NULL);
            *tail = cell;
            tail = &cell->tail;
        }
        return jbox(J_ARRAY, V(head));
    }
    case NT_BIGINT: return jbox(J_INTEGER, (nos_val_t)nos_bigint_to_i64(P(nos_bigint_t, v)));
    case NT_DECIMAL: return jbox(J_NUMBER, nos_val_of_float(nos_decimal_to_float(P(nos_decimal_t, v))));
    default: return jbox(J_STRING, V(nos_show(t, v)));
    }
}

nos_variant_t *nos_json_value_of(const nos_type_t *t, nos_val_t v) { return to_json(t, v, 0); }

nos_str_t *nos_json_of_value(const nos_type_t *t, nos_val_t v) { return nos_json_stringify(to_json(t, v, 0)); }

/* ---- Json to typed values ----------------------------------------------------------------------- */

static const char *jkind(const nos_variant_t *j) {
    static const char *const names[] = {"Null", "Bool", "Number", "Integer", "String", "Array", "Object"};
    return j->tag >= 0 && j->tag <= J_OBJECT ? names[j->tag] : "?";
}

static nos_val_t from_json(const nos_type_t *t, const nos_variant_t *j, int depth);

static const nos_variant_t *obj_get(const nos_variant_t *obj, const char *key) {
    for (nos_list_t *l = P(nos_list_t, obj->fields[0]); l; l = l->tail) {
        const nos_val_t *kv = P(const nos_val_t, l->head);
        if (strcmp(P(nos_str_t, kv[0])->data, key) == 0) return P(const nos_variant_t, kv[1]);
    }
    return NULL;
}

static nos_val_t field_from(const nos_type_t *ft, const nos_variant_t *obj, const char *name, int depth) {
    const nos_variant_t *fj = obj_get(obj, name);
    if (!fj || fj->tag == J_NULL) {
        if (is_option(ft)) return V(nos_none());
        if (ft->kind == NT_UNIT && fj) return 0;
        if (!fj) fail("Missing field: %s", name);
    }
    return from_json(ft, fj, depth + 1);
}

static void expect(const nos_variant_t *j, int tag, const char *what) {
    if (j->tag != tag) fail("Expected Json %s, found %s", what, jkind(j));
}

static int64_t to_int(const nos_variant_t *j) {
    if (j->tag == J_INTEGER) return (int64_t)j->fields[0];
    if (j->tag == J_NUMBER) return (int64_t)nos_val_to_float(j->fields[0]);
    fail("Expected Json Integer, found %s", jkind(j));
}

static nos_val_t from_json(const nos_type_t *t, const nos_variant_t *j, int depth) {
    if (depth > 4000) fail("jsonToType: value nested too deeply");
    switch (t->kind) {
    case NT_UNIT: return 0;
    case NT_BOOL: expect(j, J_BOOL, "Bool"); return j->fields[0] ? 1 : 0;
    case NT_INT: case NT_U64: return (nos_val_t)to_int(j);
    case NT_I8: return (nos_val_t)(int64_t)(int8_t)to_int(j);
    case NT_I16: return (nos_val_t)(int64_t)(int16_t)to_int(j);
    case NT_I32: return (nos_val_t)(int64_t)(int32_t)to_int(j);
    case NT_U8: return (nos_val_t)(uint8_t)to_int(j);
    case NT_U16: return (nos_val_t)(uint16_t)to_int(j);
    case NT_U32: return (nos_val_t)(uint32_t)to_int(j);
    case NT_FLOAT:
        if (j->tag == J_INTEGER) return nos_val_of_float((double)(int64_t)j->fields[0]);
        expect(j, J_NUMBER, "Number");
        return j->fields[0];
    case NT_F32:
        if (j->tag == J_INTEGER) return nos_val_of_f32((float)(int64_t)j->fields[0]);
        expect(j, J_NUMBER, "Number");
        return nos_val_of_f32((float)nos_val_to_float(j->fields[0]));
    case NT_STRING: expect(j, J_STRING, "String"); return j->fields[0];
    case NT_CHAR: {
        expect(j, J_STRING, "String");
        nos_list_t *cs = nos_str_chars(P(nos_str_t, j->fields[0]));
        return cs ? cs->head : 0;
    }
    case NT_BIGINT: return V(nos_bigint_from_i64(to_int(j)));
    case NT_DECIMAL: {
        if (j->tag == J_INTEGER) return V(nos_decimal_from_i64((int64_t)j->fields[0]));
        expect(j, J_NUMBER, "Number");
        return V(nos_decimal_from_float(nos_val_to_float(j->fields[0])));
    }
    case NT_LIST: {
        expect(j, J_ARRAY, "Array");
        nos_list_t *head = NULL, **tail = &head;
        for (nos_list_t *l = P(nos_list_t, j->fields[0]); l; l = l->tail) {
            nos_list_t *cell = nos_list_cons(from_json(t->elems[0], P(nos_variant_t, l->head), depth + 1), NULL);
            *tail = cell;
            tail = &cell->tail;
        }
        return V(head);
    }
    case NT_SET: {
        expect(j, J_ARRAY, "Array");
        nos_set_t *s = nos_set_empty();
        for (nos_list_t *l = P(nos_list_t, j->fields[0]); l; l = l->tail)
            s = nos_set_insert(t, s, from_json(t->elems[0], P(nos_variant_t, l->head), depth + 1));
        return V(s);
    }
    case NT_TUPLE: {
        expect(j, J_ARRAY, "Array");
        nos_val_t *f = nos_tuple_new(t->n);
        uint32_t i = 0;
        for (nos_list_t *l = P(nos_list_t, j->fields[0]); l && i < t->n; l = l->tail, i++)
            f[i] = from_json(t->elems[i], P(nos_variant_t, l->head), depth + 1);
        if (i < t->n) fail("Expected an array of %u elements", t->n);
        return V(f);
    }
    case NT_MAP: {
        expect(j, J_OBJECT, "Object");
        nos_map_t *m = nos_map_empty();
        for (nos_list_t *l = P(nos_list_t, j->fields[0]); l; l = l->tail) {
            const nos_val_t *kv = P(const nos_val_t, l->head);
            nos_variant_t *kjp = jbox(J_STRING, kv[0]);
            nos_val_t key = t->elems[0]->kind == NT_STRING ? kv[0] : from_json(t->elems[0], kjp, depth + 1);
            m = nos_map_insert(t, m, key, from_json(t->elems[1], P(nos_variant_t, kv[1]), depth + 1));
        }
        return V(m);
    }
    case NT_RECORD: {
        expect(j, J_OBJECT, "Object");
        nos_val_t *f = nos_tuple_new(t->n);
        for (uint32_t i = 0; i < t->n; i++) f[i] = field_from(t->elems[i], j, t->field_names[i], depth);
        return V(f);
    }
    case NT_VARIANT: {
        if (is_option(t) && j->tag == J_NULL) return V(nos_none());
        if (is_option(t) && !(j->tag == J_OBJECT && (obj_get(j, "Some") || obj_get(j, "None")))) {
            /* A bare value for an Option: Some(value). */
            for (uint32_t k = 0; k < t->n; k++)
                if (strcmp(t->ctors[k].name, "Some") == 0) {
                    nos_variant_t *r = nos_variant_new(k, 1);
                    r->fields[0] = from_json(t->ctors[k].fields[0], j, depth + 1);
                    return V(r);
                }
        }
        expect(j, J_OBJECT, "Object");
        nos_list_t *entries = P(nos_list_t, j->fields[0]);
        int nkeys = 0;
        for (nos_list_t *l = entries; l; l = l->tail) nkeys++;
        if (nkeys != 1) fail("Variant json must have exactly one key (constructor), found %d", nkeys);
        const nos_val_t *kv = P(const nos_val_t, entries->head);
        const char *cname = P(nos_str_t, kv[0])->data;
        const nos_variant_t *payload = P(const nos_variant_t, kv[1]);
        for (uint32_t k = 0; k < t->n; k++) {
            const nos_ctor_t *c = &t->ctors[k];
            if (strcmp(c->name, cname) != 0) continue;
            if (c->n == 0) {
                nos_variant_t *r = nos_variant_new(k, 0);
                return V(r);
            }
            nos_variant_t *r = nos_variant_new(k, c->n);
            if (c->field_names) {
                expect(payload, J_OBJECT, "Object");
                for (uint32_t i = 0; i < c->n; i++) r->fields[i] = field_from(c->fields[i], payload, c->field_names[i], depth);
            } else if (payload->tag == J_OBJECT && obj_get(payload, "_0")) {
                for (uint32_t i = 0; i < c->n; i++) {
                    char key[16];
                    snprintf(key, sizeof key, "_%u", i);
                    r->fields[i] = field_from(c->fields[i], payload, key, depth);
                }
            } else if (c->n == 1) {
                r->fields[0] = from_json(c->fields[0], payload, depth + 1);
            } else {
                expect(payload, J_ARRAY, "Array");
                uint32_t i = 0;
                for (nos_list_t *l = P(nos_list_t, payload->fields[0]); l && i < c->n; l = l->tail, i++)
                    r->fields[i] = from_json(c->fields[i], P(nos_variant_t, l->head), depth + 1);
                if (i < c->n) fail("Constructor %s needs %u values", c->name, c->n);
            }
            return V(r);
        }
        fail("Unknown constructor: %s", cname);
    }
    case NT_DYN: {
        nos_val_t *box = nos_tuple_new(2);
        box[0] = V(&nos_type_string);
        box[1] = V(nos_json_stringify((nos_variant_t *)j));
        return V(box);
    }
    default:
        fail("Cannot decode JSON into this type");
    }
}

nos_val_t nos_json_to_type(const nos_type_t *t, nos_variant_t *j) { return from_json(t, j, 0); }

/* makeRecord[T](%{"field": json, ...}) */
static void map_to_obj(nos_val_t k, nos_val_t v, void *ctx) {
    nos_list_t ***tail = ctx;
    nos_list_t *cell = nos_list_cons(V(nos_tuple2(k, v)), NULL);
    **tail = cell;
    *tail = &cell->tail;
}

static nos_variant_t *object_of_map(nos_map_t *fields) {
    nos_list_t *head = NULL, **tail = &head;
    nos__map_each(fields, map_to_obj, &tail);
    return jbox(J_OBJECT, V(head));
}

nos_val_t nos_json_from_map(const nos_type_t *t, nos_map_t *fields) { return from_json(t, object_of_map(fields), 0); }

/* makeVariant[T]("Ctor", %{"_0": json, ...}) */
nos_val_t nos_json_make_variant(const nos_type_t *t, nos_str_t *ctor, nos_map_t *fields) {
    nos_variant_t *obj = jbox(J_OBJECT, V(nos_list_cons(V(nos_tuple2(V(ctor), V(object_of_map(fields)))), NULL)));
    return from_json(t, obj, 0);
}
