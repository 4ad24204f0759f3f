/*
 * eq.c - the generic operations driven by type descriptors: structural equality, the total
 * order used by comparisons and sort, hashing, and copying of mutable parts.
 *
 * Rules (LANGUAGE.md 1.10): equality is deep; Float follows IEEE (NaN != NaN, -0.0 == 0.0).
 * Order: numbers and Char by value (unsigned kinds unsigned), Bool false < true, String
 * bytewise, lists and tuples lexicographic with the shorter first, records field by field,
 * variants by constructor index and then fields. For a total order (sort), NaN sorts after
 * every other Float and equal to itself. Maps, sets and closures have no meaningful order:
 * they compare by size, then arbitrarily but consistently with equality.
 * Hash of scalars follows the reference (FNV-1a over little-endian bytes; true = 1,
 * false = 0, () = 0); composites mix their parts with combine(). Hash agrees with equality
 * (-0.0 and 0.0 hash alike, all NaNs alike, equal maps and sets alike in any order).
 * The last field of a tuple, record or variant and the last element of a list are handled
 * by looping instead of recursing, so long right-nested values need no deep C stack.
 * Any thread; none of these yield.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

#define FNV_OFFSET 14695981039346656037ull
#define FNV_PRIME 1099511628211ull

uint64_t nos__fnv1a(const void *p, size_t n)
{
    const unsigned char *u = p;
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < n; i++) {
        h ^= u[i];
        h *= FNV_PRIME;
    }
    return h;
}

/*
 * Combine a running hash with the hash of the next part. The reference uses h1 * P ^ h2,
 * which makes Cons(1, Cons(2, Nil)) and Cons(2, Cons(1, Nil)) collide (the XORs commute
 * through the nesting); a multiply-xorshift after the XOR breaks that symmetry.
 */
static uint64_t combine(uint64_t h1, uint64_t h2)
{
    uint64_t x = h1 * FNV_PRIME ^ h2;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 32;
    return x;
}

#define PTR(T, v) ((T *)(uintptr_t)(v))

/* ---- equality ------------------------------------------------------------------------------ */

static bool array_eq(uint32_t kind, nos_array_t *a, nos_array_t *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->len != b->len)
        return false;
    for (int64_t i = 0; i < a->len; i++) {
        bool same = kind == NT_ARRAY_I64   ? nos_array_i64(a)[i] == nos_array_i64(b)[i]
                    : kind == NT_ARRAY_F64 ? nos_array_f64(a)[i] == nos_array_f64(b)[i]
                                           : nos_array_f32(a)[i] == nos_array_f32(b)[i];
        if (!same)
            return false;
    }
    return true;
}

static bool eq_rec(const nos_type_t *t, nos_val_t a, nos_val_t b, int depth);

typedef struct pair_args {
    const nos_type_t *t;
    nos_val_t a, b;
    int64_t result;
} pair_args_t;

static void *eq_on_system_stack(void *p)
{
    pair_args_t *x = p;
    x->result = eq_rec(x->t, x->a, x->b, NOS__HOP_DEPTH + 1);
    return NULL;
}

static bool eq_rec(const nos_type_t *t, nos_val_t a, nos_val_t b, int depth)
{
    if (depth == NOS__HOP_DEPTH) {
        pair_args_t x = { t, a, b, 0 };
        nos__on_system_stack(eq_on_system_stack, &x);
        return x.result;
    }
    for (;;) {
        switch (t->kind) {
        case NT_DYN: {
            const nos_val_t *x = PTR(const nos_val_t, a), *y = PTR(const nos_val_t, b);
            if (x[0] != y[0])
                return false;
            t = (const nos_type_t *)(uintptr_t)x[0];
            a = x[1];
            b = y[1];
            continue;
        }
        case NT_UNIT:
            return true;
        case NT_BOOL:
        case NT_CHAR:
        case NT_INT:
        case NT_I8:
        case NT_I16:
        case NT_I32:
        case NT_U8:
        case NT_U16:
        case NT_U32:
        case NT_U64:
        case NT_PID:
        case NT_FUN:
        case NT_OPAQUE:
        case NT_BUFFER:
            return a == b;
        case NT_FLOAT:
            return nos_val_to_float(a) == nos_val_to_float(b);
        case NT_F32:
            return nos_val_to_f32(a) == nos_val_to_f32(b);
        case NT_BIGINT:
            return nos_bigint_cmp(PTR(nos_bigint_t, a), PTR(nos_bigint_t, b)) == 0;
        case NT_DECIMAL:
            return nos_decimal_cmp(PTR(nos_decimal_t, a), PTR(nos_decimal_t, b)) == 0;
        case NT_STRING:
            return nos_str_eq(PTR(nos_str_t, a), PTR(nos_str_t, b));
        case NT_LIST: {
            nos_list_t *x = PTR(nos_list_t, a), *y = PTR(nos_list_t, b);
            for (; x && y && x->tail && y->tail; x = x->tail, y = y->tail)
                if (!eq_rec(t->elems[0], x->head, y->head, depth + 1))
                    return false;
            if (!x || !y)
                return x == y;
            if (x->tail || y->tail)
                return false;
            t = t->elems[0];
            a = x->head;
            b = y->head;
            continue;
        }
        case NT_TUPLE:
        case NT_RECORD: {
            nos_val_t *x = PTR(nos_val_t, a), *y = PTR(nos_val_t, b);
            if (t->n == 0)
                return true;
            for (uint32_t i = 0; i + 1 < t->n; i++)
                if (!eq_rec(t->elems[i], x[i], y[i], depth + 1))
                    return false;
            a = x[t->n - 1];
            b = y[t->n - 1];
            t = t->elems[t->n - 1];
            continue;
        }
        case NT_VARIANT: {
            nos_variant_t *x = PTR(nos_variant_t, a), *y = PTR(nos_variant_t, b);
            if (x->tag != y->tag)
                return false;
            const nos_ctor_t *c = &t->ctors[x->tag];
            if (c->n == 0)
                return true;
            for (uint32_t i = 0; i + 1 < c->n; i++)
                if (!eq_rec(c->fields[i], x->fields[i], y->fields[i], depth + 1))
                    return false;
            a = x->fields[c->n - 1];
            b = y->fields[c->n - 1];
            t = c->fields[c->n - 1];
            continue;
        }
        case NT_MAP:
            return nos__map_eq(t, PTR(nos_map_t, a), PTR(nos_map_t, b));
        case NT_SET:
            return nos__set_eq(t, PTR(nos_set_t, a), PTR(nos_set_t, b));
        case NT_ARRAY_I64:
        case NT_ARRAY_F64:
        case NT_ARRAY_F32:
            return array_eq(t->kind, PTR(nos_array_t, a), PTR(nos_array_t, b));
        default:
            nos__fatal("nos_eq: unknown type kind %u", t->kind);
        }
    }
}

bool nos_eq(const nos_type_t *t, nos_val_t a, nos_val_t b)
{
    return eq_rec(t, a, b, 0);
}

/* ---- order --------------------------------------------------------------------------------- */

#define CMP3(x, y) ((x) < (y) ? -1 : (x) > (y))

static int cmp_double(double x, double y)
{
    if (isnan(x) || isnan(y))
        return isnan(x) - isnan(y);
    return CMP3(x, y);
}

static int cmp_array(uint32_t kind, nos_array_t *a, nos_array_t *b)
{
    int64_t la = a ? a->len : 0, lb = b ? b->len : 0;
    for (int64_t i = 0; i < la && i < lb; i++) {
        int c = kind == NT_ARRAY_I64   ? CMP3(nos_array_i64(a)[i], nos_array_i64(b)[i])
                : kind == NT_ARRAY_F64 ? cmp_double(nos_array_f64(a)[i], nos_array_f64(b)[i])
                                       : cmp_double(nos_array_f32(a)[i], nos_array_f32(b)[i]);
        if (c)
            return c;
    }
    return CMP3(la, lb);
}

/* Maps and sets: by size, then 0 exactly when equal, otherwise by hash (arbitrary). */
static int cmp_unordered(const nos_type_t *t, nos_val_t a, nos_val_t b, int64_t na, int64_t nb)
{
    if (na != nb)
        return CMP3(na, nb);
    if (nos_eq(t, a, b))
        return 0;
    uint64_t ha = (uint64_t)nos_hash(t, a), hb = (uint64_t)nos_hash(t, b);
    return ha < hb ? -1 : 1;
}

static int cmp_rec(const nos_type_t *t, nos_val_t a, nos_val_t b, int depth);

static void *cmp_on_system_stack(void *p)
{
    pair_args_t *x = p;
    x->result = cmp_rec(x->t, x->a, x->b, NOS__HOP_DEPTH + 1);
    return NULL;
}

static int cmp_rec(const nos_type_t *t, nos_val_t a, nos_val_t b, int depth)
{
    if (depth == NOS__HOP_DEPTH) {
        pair_args_t x = { t, a, b, 0 };
        nos__on_system_stack(cmp_on_system_stack, &x);
        return (int)x.result;
    }
    for (;;) {
        switch (t->kind) {
        case NT_DYN: {
            const nos_val_t *x = PTR(const nos_val_t, a), *y = PTR(const nos_val_t, b);
            if (x[0] != y[0])
                return x[0] < y[0] ? -1 : 1;
            t = (const nos_type_t *)(uintptr_t)x[0];
            a = x[1];
            b = y[1];
            continue;
        }
        case NT_UNIT:
            return 0;
        case NT_BOOL:
        case NT_CHAR:
        case NT_U8:
        case NT_U16:
        case NT_U32:
        case NT_U64:
        case NT_FUN:
        case NT_OPAQUE:
        case NT_BUFFER:
            return CMP3(a, b);
        case NT_INT:
        case NT_I8:
        case NT_I16:
        case NT_I32:
            return CMP3((int64_t)a, (int64_t)b);
        case NT_FLOAT:
            return cmp_double(nos_val_to_float(a), nos_val_to_float(b));
        case NT_F32:
            return cmp_double(nos_val_to_f32(a), nos_val_to_f32(b));
        case NT_BIGINT:
            return nos_bigint_cmp(PTR(nos_bigint_t, a), PTR(nos_bigint_t, b));
        case NT_DECIMAL:
            return nos_decimal_cmp(PTR(nos_decimal_t, a), PTR(nos_decimal_t, b));
        case NT_STRING:
            return nos_str_cmp(PTR(nos_str_t, a), PTR(nos_str_t, b));
        case NT_PID: {
            int64_t x = nos_pid_id(PTR(nos_pid_t, a)), y = nos_pid_id(PTR(nos_pid_t, b));
            return CMP3(x, y);
        }
        case NT_LIST: {
            nos_list_t *x = PTR(nos_list_t, a), *y = PTR(nos_list_t, b);
            for (; x && y && x->tail && y->tail; x = x->tail, y = y->tail) {
                int c = cmp_rec(t->elems[0], x->head, y->head, depth + 1);
                if (c)
                    return c;
            }
            if (!x || !y)
                return (x != NULL) - (y != NULL);
            if (x->tail || y->tail) {
                /* One has a single element left, the other more: compare that head first. */
                int c = cmp_rec(t->elems[0], x->head, y->head, depth + 1);
                if (c)
                    return c;
                return x->tail ? 1 : -1;
            }
            t = t->elems[0];
            a = x->head;
            b = y->head;
            continue;
        }
        case NT_TUPLE:
        case NT_RECORD: {
            nos_val_t *x = PTR(nos_val_t, a), *y = PTR(nos_val_t, b);
            if (t->n == 0)
                return 0;
            for (uint32_t i = 0; i + 1 < t->n; i++) {
                int c = cmp_rec(t->elems[i], x[i], y[i], depth + 1);
                if (c)
                    return c;
            }
            a = x[t->n - 1];
            b = y[t->n - 1];
            t = t->elems[t->n - 1];
            continue;
        }
        case NT_VARIANT: {
            nos_variant_t *x = PTR(nos_variant_t, a), *y = PTR(nos_variant_t, b);
            if (x->tag != y->tag)
                return CMP3(x->tag, y->tag);
            const nos_ctor_t *c = &t->ctors[x->tag];
            if (c->n == 0)
                return 0;
            for (uint32_t i = 0; i + 1 < c->n; i++) {
                int r = cmp_rec(c->fields[i], x->fields[i], y->fields[i], depth + 1);
                if (r)
                    return r;
            }
            a = x->fields[c->n - 1];
            b = y->fields[c->n - 1];
            t = c->fields[c->n - 1];
            continue;
        }
        case NT_MAP:
            return cmp_unordered(t, a, b, nos_map_size(PTR(nos_map_t, a)),
                                 nos_map_size(PTR(nos_map_t, b)));
        case NT_SET:
            return cmp_unordered(t, a, b, nos_set_size(PTR(nos_set_t, a)),
                                 nos_set_size(PTR(nos_set_t, b)));
        case NT_ARRAY_I64:
        case NT_ARRAY_F64:
        case NT_ARRAY_F32:
            return cmp_array(t->kind, PTR(nos_array_t, a), PTR(nos_array_t, b));
        default:
            nos__fatal("nos_cmp: unknown type kind %u", t->kind);
        }
    }
}

int nos_cmp(const nos_type_t *t, nos_val_t a, nos_val_t b)
{
    return cmp_rec(t, a, b, 0);
}

/* ---- hash ---------------------------------------------------------------------------------- */

/* Pending combine() prefixes of the enclosing values whose last field is being hashed. */
typedef struct prefixes {
    uint64_t *p;
    int64_t n, cap;
    uint64_t local[16];
} prefixes_t;

static void push_prefix(prefixes_t *s, uint64_t h)
{
    if (s->n == s->cap) {
        uint64_t *np = nos_alloc_atomic(sizeof(uint64_t) * (size_t)s->cap * 2);
        memcpy(np, s->p, sizeof(uint64_t) * (size_t)s->n);
        s->p = np;
        s->cap *= 2;
    }
    s->p[s->n++] = h;
}

static uint64_t hash_double(double d)
{
    if (d == 0)
        d = 0; /* -0.0 hashes as 0.0 */
    if (isnan(d))
        d = NAN;
    return nos__fnv1a(&d, sizeof d);
}

static uint64_t hash_array(uint32_t kind, nos_array_t *a)
{
    uint64_t h = nos__fnv1a(kind == NT_ARRAY_I64 ? "int64array" : kind == NT_ARRAY_F64 ? "float64array" : "float32array",
                            kind == NT_ARRAY_I64 ? 10 : 12);
    for (int64_t i = 0; a && i < a->len; i++) {
        uint64_t e = kind == NT_ARRAY_I64   ? nos__fnv1a(&nos_array_i64(a)[i], 8)
                     : kind == NT_ARRAY_F64 ? hash_double(nos_array_f64(a)[i])
                                            : hash_double(nos_array_f32(a)[i]);
        h = combine(h, e);
    }
    return h;
}

typedef struct hash_ctx {
    const nos_type_t *kt, *vt;
    uint64_t h;
} hash_ctx_t;

static void hash_entry(nos_val_t k, nos_val_t v, void *ctx)
{
    hash_ctx_t *c = ctx;
    uint64_t kh = (uint64_t)nos_hash(c->kt, k);
    c->h ^= c->vt ? combine(kh, (uint64_t)nos_hash(c->vt, v)) : kh;
}

static uint64_t hash_rec(const nos_type_t *t, nos_val_t v, int depth);

static void *hash_on_system_stack(void *p)
{
    pair_args_t *x = p;
    x->result = (int64_t)hash_rec(x->t, x->a, NOS__HOP_DEPTH + 1);
    return NULL;
}

static uint64_t hash_rec(const nos_type_t *t, nos_val_t v, int depth)
{
    if (depth == NOS__HOP_DEPTH) {
        pair_args_t x = { t, v, 0, 0 };
        nos__on_system_stack(hash_on_system_stack, &x);
        return (uint64_t)x.result;
    }
    prefixes_t ps;
    ps.p = ps.local;
    ps.n = 0;
    ps.cap = 16;
    uint64_t h;
    for (;;) {
        switch (t->kind) {
        case NT_DYN: {
            const nos_val_t *x = PTR(const nos_val_t, v);
            t = (const nos_type_t *)(uintptr_t)x[0];
            v = x[1];
            continue;
        }
        case NT_UNIT:
            h = 0;
            break;
        case NT_BOOL:
            h = v != 0;
            break;
        case NT_CHAR:
        case NT_I32:
        case NT_U32: {
            uint32_t x = (uint32_t)v;
            h = nos__fnv1a(&x, 4);
            break;
        }
        case NT_I8:
        case NT_U8: {
            uint8_t x = (uint8_t)v;
            h = nos__fnv1a(&x, 1);
            break;
        }
        case NT_I16:
        case NT_U16: {
            uint16_t x = (uint16_t)v;
            h = nos__fnv1a(&x, 2);
            break;
        }
        case NT_INT:
        case NT_U64:
            h = nos__fnv1a(&v, 8);
            break;
        case NT_FLOAT:
            h = hash_double(nos_val_to_float(v));
            break;
        case NT_F32: {
            float f = nos_val_to_f32(v);
            if (f == 0)
                f = 0;
            if (isnan(f))
                f = NAN;
            h = nos__fnv1a(&f, 4);
            break;
        }
        case NT_BIGINT:
            h = nos__bigint_hash(PTR(nos_bigint_t, v));
            break;
        case NT_DECIMAL:
            h = nos__decimal_hash(PTR(nos_decimal_t, v));
            break;
        case NT_STRING: {
            nos_str_t *s = PTR(nos_str_t, v);
            h = nos__fnv1a(s->data, (size_t)s->len);
            break;
        }
        case NT_PID: {
            int64_t id = nos_pid_id(PTR(nos_pid_t, v));
            h = nos__fnv1a(&id, 8);
            break;
        }
        case NT_FUN:
        case NT_OPAQUE:
        case NT_BUFFER:
            h = nos__fnv1a(&v, 8);
            break;
        case NT_LIST: {
            nos_list_t *l = PTR(nos_list_t, v);
            h = nos__fnv1a("list", 4);
            if (!l)
                break;
            for (; l->tail; l = l->tail)
                h = combine(h, hash_rec(t->elems[0], l->head, depth + 1));
            push_prefix(&ps, h);
            t = t->elems[0];
            v = l->head;
            continue;
        }
        case NT_TUPLE:
        case NT_RECORD: {
            nos_val_t *f = PTR(nos_val_t, v);
            h = t->kind == NT_TUPLE ? nos__fnv1a("tuple", 5)
                                    : nos__fnv1a(t->name ? t->name : "", t->name ? strlen(t->name) : 0);
            if (t->n == 0)
                break;
            for (uint32_t i = 0; i + 1 < t->n; i++)
                h = combine(h, hash_rec(t->elems[i], f[i], depth + 1));
            push_prefix(&ps, h);
            v = f[t->n - 1];
            t = t->elems[t->n - 1];
            continue;
        }
        case NT_VARIANT: {
            nos_variant_t *var = PTR(nos_variant_t, v);
            const nos_ctor_t *c = &t->ctors[var->tag];
            h = nos__fnv1a(t->name ? t->name : "", t->name ? strlen(t->name) : 0);
            h = combine(h, nos__fnv1a(c->name, strlen(c->name)));
            if (c->n == 0)
                break;
            for (uint32_t i = 0; i + 1 < c->n; i++)
                h = combine(h, hash_rec(c->fields[i], var->fields[i], depth + 1));
            push_prefix(&ps, h);
            v = var->fields[c->n - 1];
            t = c->fields[c->n - 1];
            continue;
        }
        case NT_MAP: {
            hash_ctx_t c = { t->elems[0], t->elems[1], nos__fnv1a("map", 3) };
            nos__map_each(PTR(nos_map_t, v), hash_entry, &c);
            h = c.h;
            break;
        }
        case NT_SET: {
            hash_ctx_t c = { t->elems[0], NULL, nos__fnv1a("set", 3) };
            nos__set_each(PTR(nos_set_t, v), hash_entry, &c);
            h = c.h;
            break;
        }
        case NT_ARRAY_I64:
        case NT_ARRAY_F64:
        case NT_ARRAY_F32:
            h = hash_array(t->kind, PTR(nos_array_t, v));
            break;
        default:
            nos__fatal("nos_hash: unknown type kind %u", t->kind);
        }
        break;
    }
    while (ps.n > 0)
        h = combine(ps.p[--ps.n], h);
    return h;
}

int64_t nos_hash(const nos_type_t *t, nos_val_t v)
{
    return (int64_t)hash_rec(t, v, 0);
}

/* ---- copy ---------------------------------------------------------------------------------- */

/*
 * Whether a type contains mutable parts is a property of the descriptor graph (which may be
 * cyclic: recursive types). It is computed by a depth-first search and cached in a small
 * lock-free table keyed by descriptor address; racing threads compute the same answer.
 * Table words: descriptor address | 2 (valid) | 1 (mutable); relaxed order is enough since
 * a word carries its whole meaning.
 */
#define MUT_CACHE 1024
static uintptr_t mut_cache[MUT_CACHE];

typedef struct visited {
    const nos_type_t **p;
    int64_t n, cap;
    const nos_type_t *local[32];
} visited_t;

static bool mutable_dfs(const nos_type_t *t, visited_t *vis)
{
    for (int64_t i = 0; i < vis->n; i++)
        if (vis->p[i] == t)
            return false; /* on the current path or already explored: adds nothing new */
    if (vis->n == vis->cap) {
        const nos_type_t **np = nos_alloc(sizeof(*np) * (size_t)vis->cap * 2);
        memcpy(np, vis->p, sizeof(*np) * (size_t)vis->n);
        vis->p = np;
        vis->cap *= 2;
    }
    vis->p[vis->n++] = t;
    switch (t->kind) {
    case NT_ARRAY_I64:
    case NT_ARRAY_F64:
    case NT_ARRAY_F32:
        return true;
    case NT_RECORD:
        if (t->flags & NOS_TF_MUTABLE)
            return true;
        /* fall through */
    case NT_TUPLE:
        for (uint32_t i = 0; i < t->n; i++)
            if (mutable_dfs(t->elems[i], vis))
                return true;
        return false;
    case NT_LIST:
    case NT_SET:
        return mutable_dfs(t->elems[0], vis);
    case NT_MAP:
        return mutable_dfs(t->elems[0], vis) || mutable_dfs(t->elems[1], vis);
    case NT_VARIANT:
        for (uint32_t c = 0; c < t->n; c++)
            for (uint32_t i = 0; i < t->ctors[c].n; i++)
                if (mutable_dfs(t->ctors[c].fields[i], vis))
                    return true;
        return false;
    default:
        return false;
    }
}

bool nos__type_mutable(const nos_type_t *t)
{
    uintptr_t key = (uintptr_t)t;
    size_t h = (size_t)((key >> 3) * 0x9E3779B97F4A7C15ull >> 54) % MUT_CACHE;
    for (size_t i = 0; i < MUT_CACHE; i++) {
        size_t slot = (h + i) % MUT_CACHE;
        uintptr_t w = __atomic_load_n(&mut_cache[slot], __ATOMIC_RELAXED);
        if (w == 0)
            break;
        if ((w & ~(uintptr_t)3) == key)
            return w & 1;
    }
    visited_t vis;
    vis.p = vis.local;
    vis.n = 0;
    vis.cap = 32;
    bool m = mutable_dfs(t, &vis);
    uintptr_t w = key | 2 | (m ? 1 : 0);
    for (size_t i = 0; i < MUT_CACHE; i++) {
        size_t slot = (h + i) % MUT_CACHE;
        uintptr_t expect = 0;
        if (__atomic_compare_exchange_n(&mut_cache[slot], &expect, w, false, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            break;
        if ((expect & ~(uintptr_t)3) == key)
            break;
    }
    return m;
}

typedef struct copy_ctx {
    const nos_type_t *t; /* the map or set type */
    void *out;
} copy_ctx_t;

static void copy_map_entry(nos_val_t k, nos_val_t v, void *ctx)
{
    copy_ctx_t *c = ctx;
    c->out = nos_map_insert(c->t, c->out, nos_copy(c->t->elems[0], k), nos_copy(c->t->elems[1], v));
}

static void copy_set_elem(nos_val_t x, nos_val_t unused, void *ctx)
{
    copy_ctx_t *c = ctx;
    c->out = nos_set_insert(c->t, c->out, nos_copy(c->t->elems[0], x));
}

static nos_val_t copy_rec(const nos_type_t *t, nos_val_t v, int depth);

static void *copy_on_system_stack(void *p)
{
    pair_args_t *x = p;
    x->result = (int64_t)copy_rec(x->t, x->a, NOS__HOP_DEPTH + 1);
    return NULL;
}

static nos_val_t copy_rec(const nos_type_t *t, nos_val_t v, int depth)
{
    if (!nos__type_mutable(t))
        return v;
    if (depth == NOS__HOP_DEPTH) {
        pair_args_t x = { t, v, 0, 0 };
        nos__on_system_stack(copy_on_system_stack, &x);
        return (nos_val_t)x.result;
    }
    switch (t->kind) {
    case NT_LIST: {
        nos_list_t *head = NULL, **tailp = &head;
        for (nos_list_t *l = PTR(nos_list_t, v); l; l = l->tail) {
            nos_list_t *c = nos_list_cons(copy_rec(t->elems[0], l->head, depth + 1), NULL);
            *tailp = c;
            tailp = &c->tail;
        }
        return (nos_val_t)(uintptr_t)head;
    }
    case NT_TUPLE:
    case NT_RECORD: {
        nos_val_t *f = PTR(nos_val_t, v), *n = nos_tuple_new(t->n);
        for (uint32_t i = 0; i < t->n; i++)
            n[i] = copy_rec(t->elems[i], f[i], depth + 1);
        return (nos_val_t)(uintptr_t)n;
    }
    case NT_VARIANT: {
        nos_variant_t *var = PTR(nos_variant_t, v);
        const nos_ctor_t *c = &t->ctors[var->tag];
        if (c->n == 0)
            return v;
        nos_variant_t *n = nos_variant_new(var->tag, c->n);
        for (uint32_t i = 0; i < c->n; i++)
            n->fields[i] = copy_rec(c->fields[i], var->fields[i], depth + 1);
        return (nos_val_t)(uintptr_t)n;
    }
    case NT_MAP: {
        copy_ctx_t c = { t, nos_map_empty() };
        nos__map_each(PTR(nos_map_t, v), copy_map_entry, &c);
        return (nos_val_t)(uintptr_t)c.out;
    }
    case NT_SET: {
        copy_ctx_t c = { t, nos_set_empty() };
        nos__set_each(PTR(nos_set_t, v), copy_set_elem, &c);
        return (nos_val_t)(uintptr_t)c.out;
    }
    case NT_ARRAY_I64:
    case NT_ARRAY_F64:
    case NT_ARRAY_F32: {
        nos_array_t *a = PTR(nos_array_t, v);
        if (!a)
            return v;
        nos_array_t *n = nos_array_new(t->kind, a->len);
        size_t elem = t->kind == NT_ARRAY_F32 ? sizeof(float) : 8;
        memcpy(n->data, a->data, elem * (size_t)a->len);
        return (nos_val_t)(uintptr_t)n;
    }
    default:
        return v;
    }
}

nos_val_t nos_copy(const nos_type_t *t, nos_val_t v)
{
    return copy_rec(t, v, 0);
}
