/*
 * test_maps.c - unit tests of the persistent maps and sets (rt/map.c), including a
 * randomised comparison against a plain array model and forced hash collisions.
 */
#include "harness.h"
#include "types.h"

static nos_val_t str(const char *s)
{
    return V(S(s));
}

TEST(map_basics)
{
    const nos_type_t *mt = &t_map_str_int;
    nos_map_t *m = nos_map_empty();
    CHECK(nos_map_size(m) == 0 && nos_map_size(NULL) == 0);
    nos_map_t *m1 = nos_map_insert(mt, m, str("a"), 1);
    nos_map_t *m2 = nos_map_insert(mt, m1, str("b"), 2);
    CHECK(nos_map_size(m) == 0 && nos_map_size(m1) == 1 && nos_map_size(m2) == 2);
    nos_val_t v = 0;
    CHECK(nos_map_get(mt, m2, str("a"), &v) && v == 1);
    CHECK(nos_map_get(mt, m2, str("b"), &v) && v == 2);
    CHECK(!nos_map_get(mt, m1, str("b"), &v));
    CHECK(nos_map_contains(mt, m2, str("b")) && !nos_map_contains(mt, m2, str("c")));
    nos_map_t *m3 = nos_map_insert(mt, m2, str("a"), 10);
    CHECK(nos_map_size(m3) == 2 && nos_map_get(mt, m3, str("a"), &v) && v == 10);
    CHECK(nos_map_get(mt, m2, str("a"), &v) && v == 1); /* persistent */
    CHECK(nos_map_insert(mt, m3, str("a"), 10) == m3);  /* same value: unchanged */
    nos_map_t *m4 = nos_map_remove(mt, m3, str("a"));
    CHECK(nos_map_size(m4) == 1 && !nos_map_contains(mt, m4, str("a")));
    CHECK(nos_map_remove(mt, m4, str("zz")) == m4);
    CHECK(nos_map_size(nos_map_remove(mt, m4, str("b"))) == 0);
    CHECK(nos_map_size(nos_map_remove(mt, NULL, str("b"))) == 0);
    CHECK(nos_map_get_or_throw(mt, m2, str("b")) == 2);
    const nos_type_t *t;
    nos_val_t ev;
    CATCH(t, ev, nos_map_get_or_throw(mt, m2, str("q")));
    CHECK_STR(err_kind(ev), "Panic");
    CHECK_STR(err_msg(ev), "Map.getOrThrow: key \"q\" not found");
    CATCH(t, ev, nos_map_get_or_throw(&t_map_int_int, NULL, 5));
    CHECK_STR(err_msg(ev), "Map.getOrThrow: key 5 not found");
}

TEST(map_lists)
{
    const nos_type_t *mt = &t_map_int_int;
    nos_list_t *pairs = NULL;
    for (int i = 0; i < 100; i++)
        pairs = nos_list_cons(V(nos_tuple2((nos_val_t)(i % 50), (nos_val_t)i)), pairs);
    /* pairs are (49, 99), (48, 98), ..., (0, 50), (49, 49), ..., (0, 0): later ones win */
    nos_map_t *m = nos_map_from_list(mt, pairs);
    CHECK(nos_map_size(m) == 50);
    nos_val_t v;
    CHECK(nos_map_get(mt, m, 7, &v) && v == 7);
    CHECK(nos_list_length(nos_map_keys(m)) == 50);
    int64_t ksum = 0, vsum = 0;
    for (nos_list_t *l = nos_map_keys(m); l; l = l->tail)
        ksum += (int64_t)l->head;
    for (nos_list_t *l = nos_map_values(m); l; l = l->tail)
        vsum += (int64_t)l->head;
    CHECK(ksum == 49 * 50 / 2 && vsum == ksum);
    nos_list_t *tl = nos_map_to_list(m);
    CHECK(nos_list_length(tl) == 50);
    for (nos_list_t *l = tl; l; l = l->tail) {
        nos_val_t *p = (nos_val_t *)(uintptr_t)l->head;
        CHECK(p[0] == p[1]);
    }
    /* iteration without allocation sees the same entries in the same order */
    nos_map_iter_t it;
    memset(&it, 0, sizeof it);
    nos_val_t k;
    nos_list_t *keys = nos_map_keys(m);
    while (nos_map_next(m, &it, &k, &v)) {
        CHECK(keys && keys->head == k && k == v);
        keys = keys->tail;
    }
    CHECK(keys == NULL);
    memset(&it, 0, sizeof it);
    CHECK(!nos_map_next(nos_map_empty(), &it, &k, &v));
}

TEST(map_union_intersection_difference)
{
    /* tests/collections/map_operations.nos of the reference */
    const nos_type_t *mt = &t_map_str_int;
    nos_map_t *m1 = nos_map_insert(mt, nos_map_insert(mt, nos_map_insert(mt, NULL, str("a"), 1), str("b"), 2), str("c"), 3);
    nos_map_t *m2 = nos_map_insert(mt, nos_map_insert(mt, nos_map_insert(mt, NULL, str("b"), 20), str("c"), 30), str("d"), 40);
    nos_val_t v;
    nos_map_t *u = nos_map_union(mt, m1, m2);
    CHECK(nos_map_size(u) == 4);
    CHECK(nos_map_get(mt, u, str("a"), &v) && v == 1);
    CHECK(nos_map_get(mt, u, str("b"), &v) && v == 2);
    CHECK(nos_map_get(mt, u, str("d"), &v) && v == 40);
    /* a smaller left map still wins */
    nos_map_t *small = nos_map_insert(mt, NULL, str("c"), 300);
    nos_map_t *u2 = nos_map_union(mt, small, m2);
    CHECK(nos_map_size(u2) == 3 && nos_map_get(mt, u2, str("c"), &v) && v == 300);
    nos_map_t *in = nos_map_intersection(mt, m1, m2);
    CHECK(nos_map_size(in) == 2 && nos_map_get(mt, in, str("b"), &v) && v == 2);
    nos_map_t *in2 = nos_map_intersection(mt, small, m2);
    CHECK(nos_map_size(in2) == 1 && nos_map_get(mt, in2, str("c"), &v) && v == 300);
    nos_map_t *d = nos_map_difference(mt, m1, m2);
    CHECK(nos_map_size(d) == 1 && nos_map_contains(mt, d, str("a")));
    nos_map_t *d2 = nos_map_difference(mt, m1, small);
    CHECK(nos_map_size(d2) == 2 && !nos_map_contains(mt, d2, str("c")));
    CHECK(nos_map_size(nos_map_union(mt, NULL, NULL)) == 0);
}

TEST(map_eq_hash_show)
{
    const nos_type_t *mt = &t_map_int_int;
    nos_map_t *a = NULL, *b = NULL;
    for (int i = 0; i < 300; i++)
        a = nos_map_insert(mt, a, (nos_val_t)i, (nos_val_t)(i * 2));
    for (int i = 299; i >= 0; i--)
        b = nos_map_insert(mt, b, (nos_val_t)i, (nos_val_t)(i * 2));
    CHECK(nos_eq(mt, V(a), V(b)));
    CHECK(nos_hash(mt, V(a)) == nos_hash(mt, V(b)));
    CHECK(nos_cmp(mt, V(a), V(b)) == 0);
    CHECK(nos_str_eq(nos_show(mt, V(a)), nos_show(mt, V(b)))); /* canonical shape */
    nos_map_t *c = nos_map_insert(mt, b, 5, 11);
    CHECK(!nos_eq(mt, V(a), V(c)) && nos_cmp(mt, V(a), V(c)) != 0);
    /* composite keys */
    nos_map_t *pm = nos_map_insert(&t_map_pair_str, NULL, V(nos_tuple2(1, 2)), str("x"));
    nos_val_t v;
    CHECK(nos_map_get(&t_map_pair_str, pm, V(nos_tuple2(1, 2)), &v));
    CHECK_STR(nos_show(&t_map_pair_str, V(pm)), "%{(1, 2): \"x\"}");
}

TEST(map_random_model)
{
    const nos_type_t *mt = &t_map_int_int;
    enum { N = 2000 };
    static int64_t model[N];
    static bool present[N];
    nos_map_t *m = NULL;
    int64_t size = 0;
    uint64_t x = 88172645463325252ull;
    for (int step = 0; step < 60000; step++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int k = (int)(x % N);
        int op = (int)((x >> 32) % 3);
        if (op < 2) {
            m = nos_map_insert(mt, m, (nos_val_t)k, (nos_val_t)step);
            size += !present[k];
            present[k] = true;
            model[k] = step;
        } else {
            m = nos_map_remove(mt, m, (nos_val_t)k);
            size -= present[k];
            present[k] = false;
        }
        CHECK(nos_map_size(m) == size);
        if (step % 5000 == 0) {
            for (int i = 0; i < N; i++) {
                nos_val_t v;
                bool f = nos_map_get(mt, m, (nos_val_t)i, &v);
                CHECK(f == present[i] && (!f || (int64_t)v == model[i]));
            }
            int64_t n = 0;
            for (nos_list_t *l = nos_map_keys(m); l; l = l->tail) {
                n++;
                CHECK(present[l->head]);
            }
            CHECK(n == size);
        }
    }
}

TEST(map_collisions)
{
    /* With 3 hash bits every key collides with many others: the whole trie is chains of
     * single-child nodes ending in collision nodes, which must still behave. */
    nos__map_hash_mask = 0x7;
    const nos_type_t *mt = &t_map_int_int;
    nos_map_t *m = NULL;
    for (int i = 0; i < 200; i++)
        m = nos_map_insert(mt, m, (nos_val_t)i, (nos_val_t)(i + 1));
    CHECK(nos_map_size(m) == 200);
    for (int i = 0; i < 200; i++) {
        nos_val_t v;
        CHECK(nos_map_get(mt, m, (nos_val_t)i, &v) && v == (nos_val_t)(i + 1));
    }
    m = nos_map_insert(mt, m, 5, 50);
    CHECK(nos_map_size(m) == 200 && nos_map_get_or_throw(mt, m, 5) == 50);
    for (int i = 0; i < 200; i += 2)
        m = nos_map_remove(mt, m, (nos_val_t)i);
    CHECK(nos_map_size(m) == 100 && !nos_map_contains(mt, m, 4) && nos_map_contains(mt, m, 7));
    nos_map_t *b = NULL;
    for (int i = 199; i >= 1; i -= 2)
        b = nos_map_insert(mt, b, (nos_val_t)i, (nos_val_t)(i == 5 ? 50 : i + 1));
    CHECK(nos_eq(mt, V(m), V(b)));
    CHECK(nos_list_length(nos_map_keys(m)) == 100);
    for (int i = 1; i < 200; i += 2)
        m = nos_map_remove(mt, m, (nos_val_t)i);
    CHECK(nos_map_size(m) == 0);
    /* Two keys only: removal must collapse the chain back to a single inline entry. */
    nos_map_t *two = nos_map_insert(mt, nos_map_insert(mt, NULL, 1, 1), 9, 9);
    nos_map_t *one = nos_map_remove(mt, two, 9);
    CHECK(nos_map_size(one) == 1 && nos_map_contains(mt, one, 1));
    CHECK(nos_str_eq(nos_show(mt, V(one)), nos_show(mt, V(nos_map_insert(mt, NULL, 1, 1)))));
}

TEST(map_removal_is_canonical)
{
    /* Insert 0..999, remove the odd ones: equal (and same shape) as inserting the evens. */
    const nos_type_t *st = &t_set_int;
    nos_set_t *a = NULL, *b = NULL;
    for (int i = 0; i < 1000; i++)
        a = nos_set_insert(st, a, (nos_val_t)i);
    for (int i = 1; i < 1000; i += 2)
        a = nos_set_remove(st, a, (nos_val_t)i);
    for (int i = 998; i >= 0; i -= 2)
        b = nos_set_insert(st, b, (nos_val_t)i);
    CHECK(nos_set_size(a) == 500 && nos_eq(st, V(a), V(b)));
    CHECK(nos_str_eq(nos_show(st, V(a)), nos_show(st, V(b))));
    nos_list_t *la = nos_set_to_list(a), *lb = nos_set_to_list(b);
    CHECK(nos_eq(&t_list_int, V(la), V(lb))); /* same iteration order */
    for (int i = 0; i < 1000; i += 2)
        a = nos_set_remove(st, a, (nos_val_t)i);
    CHECK(nos_set_size(a) == 0);
}

TEST(set_operations)
{
    const nos_type_t *st = &t_set_int;
    nos_list_t *l1 = NULL, *l2 = NULL;
    for (int i = 1; i <= 5; i++)
        l1 = nos_list_cons((nos_val_t)i, l1);
    for (int i = 4; i <= 8; i++)
        l2 = nos_list_cons((nos_val_t)i, l2);
    nos_set_t *a = nos_set_from_list(st, l1), *b = nos_set_from_list(st, l2);
    CHECK(nos_set_size(a) == 5 && nos_set_contains(st, a, 3) && !nos_set_contains(st, a, 6));
    CHECK(nos_set_size(nos_set_union(st, a, b)) == 8);
    nos_set_t *i = nos_set_intersection(st, a, b);
    CHECK(nos_set_size(i) == 2 && nos_set_contains(st, i, 4) && nos_set_contains(st, i, 5));
    nos_set_t *d = nos_set_difference(st, a, b);
    CHECK(nos_set_size(d) == 3 && nos_set_contains(st, d, 1) && !nos_set_contains(st, d, 4));
    nos_set_t *x = nos_set_symmetric_difference(st, a, b);
    CHECK(nos_set_size(x) == 6 && !nos_set_contains(st, x, 4) && nos_set_contains(st, x, 8));
    CHECK(nos_set_is_subset(st, i, a) && !nos_set_is_subset(st, a, i));
    CHECK(nos_set_is_subset(st, a, a) && !nos_set_is_proper_subset(st, a, a));
    CHECK(nos_set_is_proper_subset(st, i, a) && nos_set_is_subset(st, NULL, a));
    CHECK(nos_set_insert(st, a, 3) == a);
    CHECK(nos_set_size(nos_set_from_list(st, NULL)) == 0);
    nos_map_iter_t it;
    memset(&it, 0, sizeof it);
    nos_val_t e;
    int n = 0;
    while (nos_set_next(a, &it, &e)) {
        n++;
        CHECK(e >= 1 && e <= 5);
    }
    CHECK(n == 5);
    nos_set_t *ss = nos_set_from_list(&t_set_str, nos_list_cons(str("x"), nos_list_cons(str("x"), NULL)));
    CHECK(nos_set_size(ss) == 1 && nos_set_contains(&t_set_str, ss, str("x")));
    CHECK(nos_eq(st, V(nos_set_union(st, a, b)), V(nos_set_union(st, b, a))));
    CHECK(nos_hash(st, V(nos_set_union(st, a, b))) == nos_hash(st, V(nos_set_union(st, b, a))));
}
