/*
 * map.c - persistent hash maps and sets: a CHAMP trie (compressed hash-array mapped prefix
 * tree, Steindorfer & Vinju) over 64-bit hashes, 5 bits per level.
 *
 * Node: two 32-bit bitmaps and a packed array. `datamap` marks slots that hold an entry
 * inline, `nodemap` slots that hold a child; the array has the entries first (key, value
 * word pairs, in slot order) and then the child pointers (in slot order). Below 64 bits of
 * hash (shift >= 64) a node is a collision node: `datamap` is then the entry count and all
 * its keys have the same hash. Sets use the same trie with the value word unused.
 * Invariants (canonical form, so equal maps have equal shapes and iterate alike): a child
 * never holds just one entry and no children (it is inlined into its parent instead), and
 * no node except the root is empty. Nodes are immutable once returned; an update copies the
 * path from the root. Keys are hashed and compared with nos_hash / nos_eq through the key's
 * descriptor; the hash is remixed so weak hashes (Bool, small Ints) still spread. Any
 * thread; nothing here yields.
 */
#include <string.h>

#include "internal.h"

typedef struct node {
    uint32_t datamap;
    uint32_t nodemap;
    nos_val_t w[];
} node_t;

struct nos_map {
    int64_t size;
    node_t *root;
};

/* A set is laid out exactly like a map (values unused). */
struct nos_set {
    int64_t size;
    node_t *root;
};

#define PTRV(p) ((nos_val_t)(uintptr_t)(p))
#define BITS 5
#define MASK 31u

static const struct nos_map empty_map = { 0, NULL };

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

/* Unit tests narrow this to force hash collisions; always ~0 in programs. */
uint64_t nos__map_hash_mask = ~(uint64_t)0;

static uint64_t key_hash(const nos_type_t *kt, nos_val_t k)
{
    return mix((uint64_t)nos_hash(kt, k)) & nos__map_hash_mask;
}

static int popc(uint32_t x)
{
    return __builtin_popcount(x);
}

static bool is_collision(int shift)
{
    return shift >= 64;
}

static int ndata(const node_t *n, int shift)
{
    return is_collision(shift) ? (int)n->datamap : popc(n->datamap);
}

static node_t **children(node_t *n)
{
    return (node_t **)(void *)(n->w + 2 * popc(n->datamap));
}

static node_t *node_alloc(uint32_t datamap, uint32_t nodemap, int nentries, int nchildren)
{
    node_t *n = nos_alloc(sizeof(node_t) + sizeof(nos_val_t) * (size_t)(2 * nentries + nchildren));
    n->datamap = datamap;
    n->nodemap = nodemap;
    return n;
}

static size_t node_words(const node_t *n, int shift)
{
    return (size_t)(2 * ndata(n, shift) + (is_collision(shift) ? 0 : popc(n->nodemap)));
}

static node_t *node_clone(const node_t *n, int shift)
{
    size_t words = node_words(n, shift);
    node_t *c = nos_alloc(sizeof(node_t) + sizeof(nos_val_t) * words);
    memcpy(c, n, sizeof(node_t) + sizeof(nos_val_t) * words);
    return c;
}

/* ---- lookup -------------------------------------------------------------------------------- */

static nos_val_t *lookup(const nos_type_t *kt, node_t *n, uint64_t h, nos_val_t k)
{
    for (int shift = 0; n; shift += BITS) {
        if (is_collision(shift)) {
            for (uint32_t i = 0; i < n->datamap; i++)
                if (nos_eq(kt, n->w[2 * i], k))
                    return &n->w[2 * i];
            return NULL;
        }
        uint32_t bit = 1u << ((h >> shift) & MASK);
        if (n->datamap & bit) {
            int i = popc(n->datamap & (bit - 1));
            return nos_eq(kt, n->w[2 * i], k) ? &n->w[2 * i] : NULL;
        }
        if (!(n->nodemap & bit))
            return NULL;
        n = children(n)[popc(n->nodemap & (bit - 1))];
    }
    return NULL;
}

/* ---- insert -------------------------------------------------------------------------------- */

/* A node holding two entries whose hashes agree below `shift`. */
static node_t *merge_two(nos_val_t k1, nos_val_t v1, uint64_t h1, nos_val_t k2, nos_val_t v2,
                         uint64_t h2, int shift)
{
    if (is_collision(shift)) {
        node_t *n = node_alloc(2, 0, 2, 0);
        n->w[0] = k1, n->w[1] = v1, n->w[2] = k2, n->w[3] = v2;
        return n;
    }
    uint32_t b1 = (uint32_t)(h1 >> shift) & MASK, b2 = (uint32_t)(h2 >> shift) & MASK;
    if (b1 == b2) {
        node_t *n = node_alloc(0, 1u << b1, 0, 1);
        children(n)[0] = merge_two(k1, v1, h1, k2, v2, h2, shift + BITS);
        return n;
    }
    node_t *n = node_alloc((1u << b1) | (1u << b2), 0, 2, 0);
    if (b1 < b2)
        n->w[0] = k1, n->w[1] = v1, n->w[2] = k2, n->w[3] = v2;
    else
        n->w[0] = k2, n->w[1] = v2, n->w[2] = k1, n->w[3] = v1;
    return n;
}

/*
 * Insert (k, v) below n. If k is present: replace its value when `replace`, else keep the
 * old entry. *added is set when the key was new. Returns n itself when nothing changed.
 */
static node_t *insert(const nos_type_t *kt, node_t *n, uint64_t h, int shift, nos_val_t k,
                      nos_val_t v, bool replace, bool *added)
{
    if (is_collision(shift)) {
        for (uint32_t i = 0; i < n->datamap; i++) {
            if (nos_eq(kt, n->w[2 * i], k)) {
                if (!replace || n->w[2 * i + 1] == v)
                    return n;
                node_t *c = node_clone(n, shift);
                c->w[2 * i + 1] = v;
                return c;
            }
        }
        node_t *c = node_alloc(n->datamap + 1, 0, (int)n->datamap + 1, 0);
        memcpy(c->w, n->w, sizeof(nos_val_t) * 2 * n->datamap);
        c->w[2 * n->datamap] = k;
        c->w[2 * n->datamap + 1] = v;
        *added = true;
        return c;
    }
    uint32_t bit = 1u << ((h >> shift) & MASK);
    int nd = popc(n->datamap), nc = popc(n->nodemap);
    if (n->datamap & bit) {
        int i = popc(n->datamap & (bit - 1));
        nos_val_t ek = n->w[2 * i], ev = n->w[2 * i + 1];
        if (nos_eq(kt, ek, k)) {
            if (!replace || ev == v)
                return n;
            node_t *c = node_clone(n, shift);
            c->w[2 * i + 1] = v;
            return c;
        }
        /* Push the old entry and the new one down into a new child. */
        node_t *sub = merge_two(ek, ev, key_hash(kt, ek), k, v, h, shift + BITS);
        node_t *c = node_alloc(n->datamap & ~bit, n->nodemap | bit, nd - 1, nc + 1);
        memcpy(c->w, n->w, sizeof(nos_val_t) * 2 * (size_t)i);
        memcpy(c->w + 2 * i, n->w + 2 * i + 2, sizeof(nos_val_t) * 2 * (size_t)(nd - i - 1));
        node_t **oc = children(n), **cc = children(c);
        int j = popc(n->nodemap & (bit - 1));
        memcpy(cc, oc, sizeof(node_t *) * (size_t)j);
        cc[j] = sub;
        memcpy(cc + j + 1, oc + j, sizeof(node_t *) * (size_t)(nc - j));
        *added = true;
        return c;
    }
    if (n->nodemap & bit) {
        int j = popc(n->nodemap & (bit - 1));
        node_t *child = children(n)[j];
        node_t *nchild = insert(kt, child, h, shift + BITS, k, v, replace, added);
        if (nchild == child)
            return n;
        node_t *c = node_clone(n, shift);
        children(c)[j] = nchild;
        return c;
    }
    int i = popc(n->datamap & (bit - 1));
    node_t *c = node_alloc(n->datamap | bit, n->nodemap, nd + 1, nc);
    memcpy(c->w, n->w, sizeof(nos_val_t) * 2 * (size_t)i);
    c->w[2 * i] = k;
    c->w[2 * i + 1] = v;
    memcpy(c->w + 2 * i + 2, n->w + 2 * i, sizeof(nos_val_t) * (2 * (size_t)(nd - i) + (size_t)nc));
    *added = true;
    return c;
}

/* ---- remove -------------------------------------------------------------------------------- */

/* Does the node (at shift) hold exactly one entry and no children? */
static bool single_entry(const node_t *n, int shift)
{
    if (is_collision(shift))
        return n->datamap == 1;
    return n->nodemap == 0 && popc(n->datamap) == 1;
}

/*
 * Remove k below n; *removed says whether it was there. Returns n if unchanged, NULL if the
 * node became empty.
 */
static node_t *remove_key(const nos_type_t *kt, node_t *n, uint64_t h, int shift, nos_val_t k,
                          bool *removed)
{
    if (is_collision(shift)) {
        for (uint32_t i = 0; i < n->datamap; i++) {
            if (!nos_eq(kt, n->w[2 * i], k))
                continue;
            *removed = true;
            if (n->datamap == 1)
                return NULL;
            node_t *c = node_alloc(n->datamap - 1, 0, (int)n->datamap - 1, 0);
            memcpy(c->w, n->w, sizeof(nos_val_t) * 2 * i);
            memcpy(c->w + 2 * i, n->w + 2 * i + 2, sizeof(nos_val_t) * 2 * (n->datamap - i - 1));
            return c;
        }
        return n;
    }
    uint32_t bit = 1u << ((h >> shift) & MASK);
    int nd = popc(n->datamap), nc = popc(n->nodemap);
    if (n->datamap & bit) {
        int i = popc(n->datamap & (bit - 1));
        if (!nos_eq(kt, n->w[2 * i], k))
            return n;
        *removed = true;
        if (nd == 1 && nc == 0)
            return NULL;
        node_t *c = node_alloc(n->datamap & ~bit, n->nodemap, nd - 1, nc);
        memcpy(c->w, n->w, sizeof(nos_val_t) * 2 * (size_t)i);
        memcpy(c->w + 2 * i, n->w + 2 * i + 2,
               sizeof(nos_val_t) * (2 * (size_t)(nd - i - 1) + (size_t)nc));
        return c;
    }
    if (!(n->nodemap & bit))
        return n;
    int j = popc(n->nodemap & (bit - 1));
    node_t *child = children(n)[j];
    node_t *nchild = remove_key(kt, child, h, shift + BITS, k, removed);
    if (nchild == child)
        return n;
    if (nchild && !single_entry(nchild, shift + BITS)) {
        node_t *c = node_clone(n, shift);
        children(c)[j] = nchild;
        return c;
    }
    if (!nchild) { /* cannot happen in canonical form, handled for safety */
        if (nd == 0 && nc == 1)
            return NULL;
        node_t *c = node_alloc(n->datamap, n->nodemap & ~bit, nd, nc - 1);
        memcpy(c->w, n->w, sizeof(nos_val_t) * 2 * (size_t)nd);
        node_t **oc = children(n), **cc = children(c);
        memcpy(cc, oc, sizeof(node_t *) * (size_t)j);
        memcpy(cc + j, oc + j + 1, sizeof(node_t *) * (size_t)(nc - j - 1));
        return c;
    }
    /* The child shrank to one entry: inline it here at `bit` (if this node is left with
     * just that entry, its own parent inlines it in turn). */
    nos_val_t ek = nchild->w[0], ev = nchild->w[1];
    int i = popc(n->datamap & (bit - 1));
    node_t *c = node_alloc(n->datamap | bit, n->nodemap & ~bit, nd + 1, nc - 1);
    memcpy(c->w, n->w, sizeof(nos_val_t) * 2 * (size_t)i);
    c->w[2 * i] = ek;
    c->w[2 * i + 1] = ev;
    memcpy(c->w + 2 * i + 2, n->w + 2 * i, sizeof(nos_val_t) * 2 * (size_t)(nd - i));
    node_t **oc = children(n), **cc = children(c);
    memcpy(cc, oc, sizeof(node_t *) * (size_t)j);
    memcpy(cc + j, oc + j + 1, sizeof(node_t *) * (size_t)(nc - j - 1));
    return c;
}

/* ---- iteration ----------------------------------------------------------------------------- */

typedef void (*entry_fn)(nos_val_t k, nos_val_t v, void *ctx);

static void each(node_t *n, int shift, entry_fn f, void *ctx)
{
    int nd = ndata(n, shift);
    for (int i = 0; i < nd; i++)
        f(n->w[2 * i], n->w[2 * i + 1], ctx);
    if (is_collision(shift))
        return;
    int nc = popc(n->nodemap);
    node_t **ch = children(n);
    for (int j = 0; j < nc; j++)
        each(ch[j], shift + BITS, f, ctx);
}

void nos__map_each(nos_map_t *m, entry_fn f, void *ctx)
{
    if (m && m->root)
        each(m->root, 0, f, ctx);
}

void nos__set_each(nos_set_t *s, entry_fn f, void *ctx)
{
    nos__map_each((nos_map_t *)s, f, ctx);
}

/*
 * it->stack[d] is the node at depth d (shift 5 d) and it->pos[d] the next position in it:
 * entries first, then children.
 */
bool nos_map_next(nos_map_t *m, nos_map_iter_t *it, nos_val_t *k, nos_val_t *v)
{
    if (!it->started) {
        it->started = 1;
        it->depth = -1;
        if (m && m->root) {
            it->depth = 0;
            it->stack[0] = m->root;
            it->pos[0] = 0;
        }
    }
    while (it->depth >= 0) {
        int d = it->depth, shift = d * BITS;
        node_t *n = it->stack[d];
        int nd = ndata(n, shift);
        uint32_t p = it->pos[d]++;
        if ((int)p < nd) {
            *k = n->w[2 * p];
            if (v)
                *v = n->w[2 * p + 1];
            return true;
        }
        int nc = is_collision(shift) ? 0 : popc(n->nodemap);
        if ((int)p - nd < nc) {
            it->depth = d + 1;
            it->stack[d + 1] = children(n)[p - (uint32_t)nd];
            it->pos[d + 1] = 0;
            continue;
        }
        it->depth--;
    }
    return false;
}

bool nos_set_next(nos_set_t *s, nos_map_iter_t *it, nos_val_t *x)
{
    return nos_map_next((nos_map_t *)s, it, x, NULL);
}

/* ---- maps ---------------------------------------------------------------------------------- */

static nos_map_t *make_map(int64_t size, node_t *root)
{
    if (size == 0)
        return (nos_map_t *)&empty_map;
    nos_map_t *m = nos_alloc(sizeof *m);
    m->size = size;
    m->root = root;
    return m;
}

nos_map_t *nos_map_empty(void)
{
    return (nos_map_t *)&empty_map;
}

int64_t nos_map_size(nos_map_t *m)
{
    return m ? m->size : 0;
}

static nos_map_t *map_put(const nos_type_t *kt, nos_map_t *m, nos_val_t k, nos_val_t v, bool replace)
{
    uint64_t h = key_hash(kt, k);
    bool added = false;
    if (!m || !m->root) {
        node_t *n = node_alloc(1u << (h & MASK), 0, 1, 0);
        n->w[0] = k;
        n->w[1] = v;
        return make_map(1, n);
    }
    node_t *root = insert(kt, m->root, h, 0, k, v, replace, &added);
    if (root == m->root)
        return m;
    return make_map(m->size + added, root);
}

nos_map_t *nos_map_insert(const nos_type_t *mt, nos_map_t *m, nos_val_t k, nos_val_t v)
{
    return map_put(mt->elems[0], m, k, v, true);
}

nos_map_t *nos_map_remove(const nos_type_t *mt, nos_map_t *m, nos_val_t k)
{
    if (!m || !m->root)
        return nos_map_empty();
    bool removed = false;
    node_t *root = remove_key(mt->elems[0], m->root, key_hash(mt->elems[0], k), 0, k, &removed);
    if (!removed)
        return m;
    return make_map(m->size - 1, root);
}

bool nos_map_get(const nos_type_t *mt, nos_map_t *m, nos_val_t k, nos_val_t *out)
{
    if (!m || !m->root)
        return false;
    nos_val_t *e = lookup(mt->elems[0], m->root, key_hash(mt->elems[0], k), k);
    if (!e)
        return false;
    if (out)
        *out = e[1];
    return true;
}

bool nos_map_contains(const nos_type_t *mt, nos_map_t *m, nos_val_t k)
{
    return nos_map_get(mt, m, k, NULL);
}

/* Throws ("Panic", "<who>: key <k> not found"), the key shown as a map key is ("a" quoted, 42 plain). */
static _Noreturn void throw_absent(const nos_type_t *mt, nos_val_t k, const char *who)
{
    nos__sb_t b;
    nos__sb_init(&b, 64);
    nos__sb_adds(&b, who);
    nos__sb_adds(&b, ": key ");
    if (mt->elems[0]->kind == NT_STRING) {
        nos__sb_addc(&b, '"');
        nos__sb_add_str(&b, (nos_str_t *)(uintptr_t)k);
        nos__sb_addc(&b, '"');
    } else {
        nos__show_into(&b, mt->elems[0], k, false);
    }
    nos__sb_adds(&b, " not found");
    nos__throw_kind("Panic", nos__sb_finish(&b));
}

/* Map.getOrThrow(k): the value, or throws ("Panic", "Map.getOrThrow: key <k> not found"). */
nos_val_t nos_map_get_or_throw(const nos_type_t *mt, nos_map_t *m, nos_val_t k)
{
    nos_val_t v;
    if (nos_map_get(mt, m, k, &v))
        return v;
    throw_absent(mt, k, "Map.getOrThrow");
}

typedef struct list_ctx {
    nos_list_t *head, **tailp;
    int what; /* 0 keys, 1 values, 2 pairs */
} list_ctx_t;

static void to_list_entry(nos_val_t k, nos_val_t v, void *ctx)
{
    list_ctx_t *c = ctx;
    nos_val_t x = c->what == 0 ? k : c->what == 1 ? v : PTRV(nos_tuple2(k, v));
    nos_list_t *cell = nos_list_cons(x, NULL);
    *c->tailp = cell;
    c->tailp = &cell->tail;
}

static nos_list_t *map_list(nos_map_t *m, int what)
{
    list_ctx_t c = { NULL, NULL, what };
    c.tailp = &c.head;
    nos__map_each(m, to_list_entry, &c);
    return c.head;
}

nos_list_t *nos_map_keys(nos_map_t *m)
{
    return map_list(m, 0);
}

nos_list_t *nos_map_values(nos_map_t *m)
{
    return map_list(m, 1);
}

nos_list_t *nos_map_to_list(nos_map_t *m)
{
    return map_list(m, 2);
}

nos_map_t *nos_map_from_list(const nos_type_t *mt, nos_list_t *pairs)
{
    nos_map_t *m = nos_map_empty();
    for (; pairs; pairs = pairs->tail) {
        nos_val_t *t = (nos_val_t *)(uintptr_t)pairs->head;
        m = map_put(mt->elems[0], m, t[0], t[1], true);
    }
    return m;
}

typedef struct merge_ctx {
    const nos_type_t *kt;
    nos_map_t *out;
    nos_map_t *other;
    bool replace;
} merge_ctx_t;

static void put_entry(nos_val_t k, nos_val_t v, void *ctx)
{
    merge_ctx_t *c = ctx;
    c->out = map_put(c->kt, c->out, k, v, c->replace);
}

/* union: every key of a and b; a's value wins where both have the key (the reference's
 * behaviour, tests/collections/map_operations.nos). */
nos_map_t *nos_map_union(const nos_type_t *mt, nos_map_t *a, nos_map_t *b)
{
    if (nos_map_size(a) >= nos_map_size(b)) {
        merge_ctx_t c = { mt->elems[0], a ? a : nos_map_empty(), NULL, false };
        nos__map_each(b, put_entry, &c);
        return c.out;
    }
    merge_ctx_t c = { mt->elems[0], b, NULL, true };
    nos__map_each(a, put_entry, &c);
    return c.out;
}

static void keep_if_in_other(nos_val_t k, nos_val_t v, void *ctx)
{
    merge_ctx_t *c = ctx;
    nos_val_t *e = c->other && c->other->root ? lookup(c->kt, c->other->root, key_hash(c->kt, k), k) : NULL;
    if (e)
        c->out = map_put(c->kt, c->out, k, v, true);
}

static void keep_from_a(nos_val_t k, nos_val_t v, void *ctx)
{
    merge_ctx_t *c = ctx;
    nos_val_t *e = c->other && c->other->root ? lookup(c->kt, c->other->root, key_hash(c->kt, k), k) : NULL;
    if (e)
        c->out = map_put(c->kt, c->out, e[0], e[1], true);
}

/* intersection: the keys present in both, with a's keys and values. */
nos_map_t *nos_map_intersection(const nos_type_t *mt, nos_map_t *a, nos_map_t *b)
{
    if (nos_map_size(a) <= nos_map_size(b)) {
        merge_ctx_t c = { mt->elems[0], nos_map_empty(), b, true };
        nos__map_each(a, keep_if_in_other, &c);
        return c.out;
    }
    merge_ctx_t c = { mt->elems[0], nos_map_empty(), a, true };
    nos__map_each(b, keep_from_a, &c);
    return c.out;
}

static void remove_entry(nos_val_t k, nos_val_t v, void *ctx)
{
    merge_ctx_t *c = ctx;
    bool removed = false;
    if (!c->out->root)
        return;
    node_t *root = remove_key(c->kt, c->out->root, key_hash(c->kt, k), 0, k, &removed);
    if (removed)
        c->out = make_map(c->out->size - 1, root);
}

static void keep_if_not_in_other(nos_val_t k, nos_val_t v, void *ctx)
{
    merge_ctx_t *c = ctx;
    if (!(c->other && c->other->root && lookup(c->kt, c->other->root, key_hash(c->kt, k), k)))
        c->out = map_put(c->kt, c->out, k, v, true);
}

/* difference: the entries of a whose keys are not in b. */
nos_map_t *nos_map_difference(const nos_type_t *mt, nos_map_t *a, nos_map_t *b)
{
    if (nos_map_size(b) < nos_map_size(a)) {
        merge_ctx_t c = { mt->elems[0], a, NULL, true };
        nos__map_each(b, remove_entry, &c);
        return c.out;
    }
    merge_ctx_t c = { mt->elems[0], nos_map_empty(), b, true };
    nos__map_each(a, keep_if_not_in_other, &c);
    return c.out;
}

typedef struct eq_ctx {
    const nos_type_t *kt, *vt;
    nos_map_t *other;
    bool equal;
} eq_ctx_t;

static void check_entry(nos_val_t k, nos_val_t v, void *ctx)
{
    eq_ctx_t *c = ctx;
    if (!c->equal)
        return;
    nos_val_t *e = c->other->root ? lookup(c->kt, c->other->root, key_hash(c->kt, k), k) : NULL;
    if (!e || (c->vt && !nos_eq(c->vt, v, e[1])))
        c->equal = false;
}

bool nos__map_eq(const nos_type_t *mt, nos_map_t *a, nos_map_t *b)
{
    if (nos_map_size(a) != nos_map_size(b))
        return false;
    if (nos_map_size(a) == 0 || a == b)
        return true;
    eq_ctx_t c = { mt->elems[0], mt->elems[1], b, true };
    nos__map_each(a, check_entry, &c);
    return c.equal;
}

/* ---- sets ---------------------------------------------------------------------------------- */

#define AS_MAP(s) ((nos_map_t *)(s))
#define AS_SET(m) ((nos_set_t *)(m))

nos_set_t *nos_set_empty(void)
{
    return AS_SET(nos_map_empty());
}

int64_t nos_set_size(nos_set_t *s)
{
    return nos_map_size(AS_MAP(s));
}

nos_set_t *nos_set_insert(const nos_type_t *st, nos_set_t *s, nos_val_t x)
{
    return AS_SET(map_put(st->elems[0], AS_MAP(s), x, 0, false));
}

nos_set_t *nos_set_remove(const nos_type_t *st, nos_set_t *s, nos_val_t x)
{
    return AS_SET(nos_map_remove(st, AS_MAP(s), x));
}

bool nos_set_contains(const nos_type_t *st, nos_set_t *s, nos_val_t x)
{
    return nos_map_get(st, AS_MAP(s), x, NULL);
}

nos_list_t *nos_set_to_list(nos_set_t *s)
{
    return map_list(AS_MAP(s), 0);
}

nos_set_t *nos_set_from_list(const nos_type_t *st, nos_list_t *xs)
{
    nos_map_t *m = nos_map_empty();
    for (; xs; xs = xs->tail)
        m = map_put(st->elems[0], m, xs->head, 0, false);
    return AS_SET(m);
}

nos_set_t *nos_set_union(const nos_type_t *st, nos_set_t *a, nos_set_t *b)
{
    return AS_SET(nos_map_union(st, AS_MAP(a), AS_MAP(b)));
}

nos_set_t *nos_set_intersection(const nos_type_t *st, nos_set_t *a, nos_set_t *b)
{
    return AS_SET(nos_map_intersection(st, AS_MAP(a), AS_MAP(b)));
}

nos_set_t *nos_set_difference(const nos_type_t *st, nos_set_t *a, nos_set_t *b)
{
    return AS_SET(nos_map_difference(st, AS_MAP(a), AS_MAP(b)));
}

/* symmetricDifference: the elements in exactly one of a and b. */
nos_set_t *nos_set_symmetric_difference(const nos_type_t *st, nos_set_t *a, nos_set_t *b)
{
    return nos_set_union(st, nos_set_difference(st, a, b), nos_set_difference(st, b, a));
}

/* isSubset(a, b): every element of a is in b. */
bool nos_set_is_subset(const nos_type_t *st, nos_set_t *a, nos_set_t *b)
{
    if (nos_set_size(a) > nos_set_size(b))
        return false;
    if (nos_set_size(a) == 0)
        return true;
    eq_ctx_t c = { st->elems[0], NULL, AS_MAP(b), true };
    nos__map_each(AS_MAP(a), check_entry, &c);
    return c.equal;
}

/* isProperSubset(a, b): a is a subset of b and smaller. */
bool nos_set_is_proper_subset(const nos_type_t *st, nos_set_t *a, nos_set_t *b)
{
    return nos_set_size(a) < nos_set_size(b) && nos_set_is_subset(st, a, b);
}

bool nos__set_eq(const nos_type_t *st, nos_set_t *a, nos_set_t *b)
{
    return nos_set_size(a) == nos_set_size(b) && nos_set_is_subset(st, a, b);
}

/* ---- entry points used by lib/collections.nos -------------------------------------------- */

/*
 * Map.get(k) / m[k]: the value. An absent key gives () where the value type can hold it
 * (Unit, or Any: the reference's answer) and otherwise throws as getOrThrow does: a
 * statically typed program has no () of type String to return.
 */
nos_val_t nos_map_get_or_unit(const nos_type_t *mt, nos_map_t *m, nos_val_t k)
{
    nos_val_t v = 0;
    if (nos_map_get(mt, m, k, &v))
        return v;
    const nos_type_t *vt = mt->elems[1];
    if (vt->kind == NT_UNIT)
        return 0;
    if (vt->kind == NT_DYN)
        return nos_dyn_coerce(vt, &nos_type_unit, 0);
    throw_absent(mt, k, "Map.get");
}

/* Map.lookup(k): Some(value) or None. */
nos_variant_t *nos_map_lookup(const nos_type_t *mt, nos_map_t *m, nos_val_t k)
{
    nos_val_t v;
    return nos_map_get(mt, m, k, &v) ? nos_some(v) : nos_none();
}

/* Union where b's value wins on a shared key (LANGUAGE.md 2.3's "merge"; note that the
 * reference's Map.union keeps a's value: that is nos_map_union). */
nos_map_t *nos_map_union_right(const nos_type_t *mt, nos_map_t *a, nos_map_t *b)
{
    return nos_map_union(mt, b, a);
}
