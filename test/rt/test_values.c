/*
 * test_values.c - unit tests of show / result display, float formatting, equality, order,
 * hash, copy, errors and lists (rt/show.c, floatfmt.c, eq.c, error.c, list.c, types.c).
 */
#include <math.h>

#include "harness.h"
#include "types.h"

static nos_list_t *ints(int n, const int64_t *v)
{
    nos_list_t *l = NULL;
    for (int i = n - 1; i >= 0; i--)
        l = nos_list_cons((nos_val_t)v[i], l);
    return l;
}
#define INTS(...) ints(sizeof((int64_t[]){ __VA_ARGS__ }) / 8, (int64_t[]){ __VA_ARGS__ })

static nos_list_t *strs(int n, const char *const *v)
{
    nos_list_t *l = NULL;
    for (int i = n - 1; i >= 0; i--)
        l = nos_list_cons(V(S(v[i])), l);
    return l;
}
#define STRS(...) strs(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *), (const char *[]){ __VA_ARGS__ })

static nos_val_t fl(double d)
{
    return nos_val_of_float(d);
}

static nos_val_t point(int64_t x, int64_t y)
{
    return V(nos_tuple2((nos_val_t)x, (nos_val_t)y));
}

static nos_val_t cons(int64_t h, nos_val_t t)
{
    nos_variant_t *v = nos_variant_new(0, 2);
    v->fields[0] = (nos_val_t)h;
    v->fields[1] = t;
    return V(v);
}

static nos_val_t nil(void)
{
    return V(nos_variant_new(1, 0));
}

/* ---- show: scalars --------------------------------------------------------------------- */

TEST(show_scalars)
{
    CHECK_STR(nos_show(&nos_type_int, (nos_val_t)42), "42");
    CHECK_STR(nos_show(&nos_type_int, (nos_val_t)(int64_t)-3), "-3");
    CHECK_STR(nos_show(&nos_type_int, (nos_val_t)INT64_MIN), "-9223372036854775808");
    CHECK_STR(nos_show(&nos_type_bool, 1), "true");
    CHECK_STR(nos_show(&nos_type_bool, 0), "false");
    CHECK_STR(nos_show(&nos_type_unit, 0), "()");
    CHECK_STR(nos_show(&nos_type_char, 'a'), "a");
    CHECK_STR(nos_show(&nos_type_char, 0x4E16), "世");
    CHECK_STR(nos_show_result(&nos_type_char, 'a'), "'a'");
    CHECK_STR(nos_show(&nos_type_string, V(S("hi \"x\""))), "hi \"x\"");
    CHECK_STR(nos_show_result(&nos_type_string, V(S("hi \"x\""))), "\"hi \"x\"\"");
    nos_str_t *s = S("same");
    CHECK(nos_show(&nos_type_string, V(s)) == s);
}

TEST(show_sized_ints)
{
    CHECK_STR(nos_show(&nos_type_i8, (nos_val_t)(int64_t)-5), "-5");
    CHECK_STR(nos_show_result(&nos_type_i8, (nos_val_t)(int64_t)-5), "-5i8");
    CHECK_STR(nos_show_result(&nos_type_i16, 55), "55i16");
    CHECK_STR(nos_show_result(&nos_type_i32, 42), "42i32");
    CHECK_STR(nos_show_result(&nos_type_u8, 255), "255u8");
    CHECK_STR(nos_show_result(&nos_type_u16, 65535), "65535u16");
    CHECK_STR(nos_show_result(&nos_type_u32, 55), "55u32");
    CHECK_STR(nos_show_result(&nos_type_u64, 9999999999ull), "9999999999u64");
    CHECK_STR(nos_show_result(&nos_type_u64, UINT64_MAX), "18446744073709551615u64");
    CHECK_STR(nos_show(&nos_type_u64, UINT64_MAX), "18446744073709551615");
    CHECK_STR(nos_show_result(&nos_type_int, 42), "42");
}

/* ---- floats ---------------------------------------------------------------------------------- */

TEST(float_format)
{
    CHECK_STR(nos_float_to_str(3.0), "3.0");
    CHECK_STR(nos_float_to_str(-0.0), "-0.0");
    CHECK_STR(nos_float_to_str(0.0), "0.0");
    CHECK_STR(nos_float_to_str(3.14), "3.14");
    CHECK_STR(nos_float_to_str(0.1 + 0.2), "0.30000000000000004");
    CHECK_STR(nos_float_to_str(1e20), "100000000000000000000.0");
    CHECK_STR(nos_float_to_str(1e21), "1000000000000000000000.0");
    CHECK_STR(nos_float_to_str(1e-7), "0.0000001");
    CHECK_STR(nos_float_to_str(2.5e-5), "0.000025");
    CHECK_STR(nos_float_to_str(1.0 / 3), "0.3333333333333333");
    CHECK_STR(nos_float_to_str(2.0 / 3), "0.6666666666666666");
    CHECK_STR(nos_float_to_str(-1.5), "-1.5");
    CHECK_STR(nos_float_to_str(123.456), "123.456");
    CHECK_STR(nos_float_to_str(1e15 + 0.3), "1000000000000000.2");
    CHECK_STR(nos_float_to_str(0.1), "0.1");
    CHECK_STR(nos_float_to_str(8 * 9.88), "79.04");
    CHECK_STR(nos_float_to_str(NAN), "NaN");
    CHECK_STR(nos_float_to_str(INFINITY), "inf");
    CHECK_STR(nos_float_to_str(-INFINITY), "-inf");
    CHECK_STR(nos_float_to_str(9007199254740993.0), "9007199254740992.0");
    nos_str_t *tiny = nos_float_to_str(5e-324);
    CHECK(tiny->len == 2 + 323 + 1 && memcmp(tiny->data, "0.000", 5) == 0 && tiny->data[tiny->len - 1] == '5');
    nos_str_t *big = nos_float_to_str(1.7976931348623157e308);
    CHECK(big->len == 309 + 2 && memcmp(big->data, "17976931348623157", 17) == 0);
    CHECK_STR(nos_show(&nos_type_float, fl(2.5)), "2.5");
    CHECK_STR(nos_show_result(&nos_type_float, fl(2.0)), "2.0");
    /* Shortest digits at a power of two: 2^-1074 * 2^k neighbours etc. are covered by the
     * round-trip sweep below; 9007199254740992 * 2 is whole. */
}

TEST(float_round_trip_sweep)
{
    /* Every output must read back exactly and use no more digits than %.17g needs. */
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double d = nos_val_to_float(x);
        if (!isfinite(d))
            continue;
        nos_str_t *s = nos_float_to_str(d);
        CHECK(strchr(s->data, 'e') == NULL);
        CHECK(strtod(s->data, NULL) == d);
        /* Shortest: drop the last significant digit and it must no longer read back
         * (unless the value is whole, printed exactly). */
        if (d != floor(d)) {
            int sig = 0;
            for (const char *p = s->data; *p; p++)
                sig += *p >= '0' && *p <= '9';
            char buf[64];
            int best = 17;
            for (int p = 1; p <= 17; p++) {
                snprintf(buf, sizeof buf, "%.*e", p - 1, d);
                if (strtod(buf, NULL) == d) {
                    best = p;
                    break;
                }
            }
            /* Our digit count (without leading zeros) is at most the %.*e optimum. */
            const char *p = s->data;
            while (*p == '-' || *p == '0' || *p == '.')
                p++;
            int ours = 0;
            for (; *p; p++)
                ours += *p >= '0' && *p <= '9';
            CHECK(ours <= best);
        }
    }
}

TEST(float32_format)
{
    CHECK_STR(nos_f32_to_str(1.5f), "1.5");
    CHECK_STR(nos_f32_to_str(0.1f), "0.1");
    CHECK_STR(nos_f32_to_str(55.0f), "55.0");
    CHECK_STR(nos_f32_to_str(16777217.0f), "16777216.0");
    CHECK_STR(nos_f32_to_str(3.14159274f), "3.1415927");
    CHECK_STR(nos_show_result(&nos_type_f32, nos_val_of_f32(1.5f)), "1.5f32");
    CHECK_STR(nos_show_result(&nos_type_f32, nos_val_of_f32(55.0f)), "55.0f32");
    CHECK_STR(nos_show(&nos_type_f32, nos_val_of_f32(0.1f)), "0.1");
}

/* ---- show: composites ------------------------------------------------------------------------- */

TEST(show_lists_tuples)
{
    CHECK_STR(nos_show(&t_list_int, V(INTS(1, 2, 3))), "[1, 2, 3]");
    CHECK_STR(nos_show(&t_list_int, 0), "[]");
    CHECK_STR(nos_show(&t_list_str, V(STRS("a", "b"))), "[\"a\", \"b\"]");
    CHECK_STR(nos_show(&t_list_str, V(STRS("q\"x", "b\\s"))), "[\"q\\\"x\", \"b\\\\s\"]");
    CHECK_STR(nos_show_result(&t_list_str, V(STRS("q\"x"))), "[\"q\"x\"]");
    nos_list_t *cs = nos_list_cons('a', nos_list_cons('b', NULL));
    CHECK_STR(nos_show(&t_list_char, V(cs)), "['a', 'b']");
    nos_list_t *ll = nos_list_cons(V(INTS(1)), nos_list_cons(V(INTS(2, 3)), nos_list_cons(0, NULL)));
    CHECK_STR(nos_show(&t_list_list, V(ll)), "[[1], [2, 3], []]");
    CHECK_STR(nos_show(&t_int_str, V(nos_tuple2(1, V(S("a"))))), "(1, \"a\")");
    CHECK_STR(nos_show_result(&t_int_str, V(nos_tuple2(1, V(S("a"))))), "(1, \"a\")");
    CHECK_STR(nos_show(&t_list_float, V(nos_list_cons(fl(1.0), nos_list_cons(fl(0.5), NULL)))),
              "[1.0, 0.5]");
}

TEST(show_records_variants)
{
    CHECK_STR(nos_show(&t_point, point(1, 2)), "Point{x: 1, y: 2}");
    CHECK_STR(nos_show_result(&t_point, point(10, 20)), "Point{x: 10, y: 20}");
    CHECK_STR(nos_show(&t_geo_point, point(1, 2)), "Point{x: 1, y: 2}");
    CHECK_STR(nos_show_result(&t_geo_point, point(1, 2)), "geo.Point{x: 1, y: 2}");
    CHECK_STR(nos_show(&t_option_int, V(nos_some(42))), "Some(42)");
    CHECK_STR(nos_show(&t_option_int, V(nos_none())), "None");
    CHECK_STR(nos_show(&t_option_str, V(nos_some(V(S("42"))))), "Some(\"42\")");
    CHECK_STR(nos_show_result(&t_option_str, V(nos_some(V(S("42"))))), "Some(\"42\")");
    CHECK_STR(nos_show(&t_mylist, cons(2, cons(4, nil()))), "Cons(2, Cons(4, Nil))");
    nos_variant_t *c = nos_variant_new(0, 1);
    c->fields[0] = fl(1.5);
    CHECK_STR(nos_show(&t_shape, V(c)), "Circle(1.5)");
    nos_variant_t *r = nos_variant_new(1, 2);
    r->fields[0] = fl(1);
    r->fields[1] = fl(2);
    CHECK_STR(nos_show(&t_shape, V(r)), "Rect(1.0, 2.0)");
}

TEST(show_other_kinds)
{
    struct nos_pid p = { 7 };
    CHECK_STR(nos_show(&nos_type_pid, V(&p)), "<pid 7>");
    CHECK_STR(nos_show_result(&nos_type_pid, V(&p)), "<pid:7>");
    CHECK_STR(nos_show(&t_fun, 0), "<closure>");
    CHECK_STR(nos_show_result(&t_fun, 0), "\"<closure>\"");
    nos_array_t *a = nos_array_new(NT_ARRAY_I64, 3);
    CHECK_STR(nos_show(&t_i64arr, V(a)), "Int64Array[3]");
    CHECK_STR(nos_show_result(&t_i64arr, V(a)), "\"Int64Array[3]\"");
}

TEST(show_maps_sets)
{
    nos_map_t *m = nos_map_insert(&t_map_str_int, nos_map_empty(), V(S("a")), 1);
    CHECK_STR(nos_show(&t_map_str_int, V(m)), "%{\"a\": 1}");
    CHECK_STR(nos_show_result(&t_map_str_int, V(m)), "%{\"a\": 1}");
    CHECK_STR(nos_show(&t_map_str_int, V(nos_map_empty())), "%{}");
    nos_set_t *s = nos_set_from_list(&t_set_int, INTS(3, 10, 2, 3));
    CHECK_STR(nos_show(&t_set_int, V(s)), "#{10, 2, 3}"); /* sorted as text, like the reference */
    CHECK_STR(nos_show_result(&t_set_int, V(s)), "#{...3 items}");
    nos_set_t *ss = nos_set_from_list(&t_set_str, STRS("b\"", "a"));
    CHECK_STR(nos_show(&t_set_str, V(ss)), "#{\"a\", \"b\"\"}"); /* keys are not escaped */
}

TEST(show_deep_right_nesting)
{
    nos_val_t l = nil();
    for (int i = 99999; i >= 0; i--)
        l = cons(i, l);
    nos_str_t *s = nos_show(&t_mylist, l);
    CHECK(memcmp(s->data, "Cons(0, Cons(1, Cons(2,", 23) == 0);
    CHECK(memcmp(s->data + s->len - 100003, "Nil))))", 7) == 0);
    CHECK(s->data[s->len - 1] == ')');
    CHECK(system_stack_hops == 0);
    /* A long list of lists: the last element's nesting is iterated too. */
    nos_list_t *big = nos_list_range(0, 200000);
    CHECK(nos_show(&t_list_int, V(big))->len > 200000);
}

TEST(show_deep_left_nesting_hops_to_system_stack)
{
    nos_val_t l = V(nos_variant_new(1, 0));
    for (int i = 0; i < 20000; i++) {
        nos_variant_t *n = nos_variant_new(0, 2);
        n->fields[0] = l;
        n->fields[1] = (nos_val_t)i;
        l = V(n);
    }
    nos_str_t *s = nos_show(&t_left, l);
    CHECK(memcmp(s->data, "Node(Node(Node(", 15) == 0);
    CHECK(system_stack_hops == 1);
    CHECK(nos_eq(&t_left, l, l));
    CHECK(system_stack_hops == 2);
    CHECK(nos_cmp(&t_left, l, l) == 0);
    CHECK(system_stack_hops == 3);
    CHECK(nos_hash(&t_left, l) == nos_hash(&t_left, l));
    CHECK(system_stack_hops == 5);
}

TEST(print_functions)
{
    /* Smoke test: these write to stdout/stderr and must not crash. */
    nos_print(&nos_type_string, V(S("")));
    nos_println(&nos_type_string, V(S("")));
    nos_eprint(&nos_type_string, V(S("")));
    nos_eprintln(&t_list_int, V(INTS(1)));
}

/* ---- equality, order, hash --------------------------------------------------------------------- */

TEST(eq_floats)
{
    CHECK(!nos_eq(&nos_type_float, fl(NAN), fl(NAN)));
    CHECK(nos_eq(&nos_type_float, fl(-0.0), fl(0.0)));
    CHECK(nos_hash(&nos_type_float, fl(-0.0)) == nos_hash(&nos_type_float, fl(0.0)));
    nos_list_t *a = nos_list_cons(fl(NAN), NULL);
    CHECK(!nos_eq(&t_list_float, V(a), V(a)));
    CHECK(nos_cmp(&nos_type_float, fl(1), fl(NAN)) < 0);
    CHECK(nos_cmp(&nos_type_float, fl(NAN), fl(NAN)) == 0);
    CHECK(nos_cmp(&nos_type_float, fl(-0.0), fl(0.0)) == 0);
}

TEST(eq_structural)
{
    CHECK(nos_eq(&t_list_int, V(INTS(1, 2, 3)), V(INTS(1, 2, 3))));
    CHECK(!nos_eq(&t_list_int, V(INTS(1, 2)), V(INTS(1, 2, 3))));
    CHECK(!nos_eq(&t_list_int, V(INTS(1, 2, 3)), V(INTS(1, 2))));
    CHECK(nos_eq(&t_list_int, 0, 0));
    CHECK(!nos_eq(&t_list_int, 0, V(INTS(1))));
    CHECK(nos_eq(&t_list_str, V(STRS("a", "b")), V(STRS("a", "b"))));
    CHECK(!nos_eq(&t_list_str, V(STRS("a", "b")), V(STRS("a", "c"))));
    CHECK(nos_eq(&t_point, point(1, 2), point(1, 2)));
    CHECK(!nos_eq(&t_point, point(1, 2), point(2, 1)));
    CHECK(nos_eq(&t_option_int, V(nos_none()), V(nos_variant_new(1, 0))));
    CHECK(!nos_eq(&t_option_int, V(nos_none()), V(nos_some(0))));
    CHECK(nos_eq(&t_mylist, cons(1, cons(2, nil())), cons(1, cons(2, nil()))));
    CHECK(!nos_eq(&t_mylist, cons(1, cons(2, nil())), cons(1, nil())));
}

TEST(cmp_order)
{
    CHECK(nos_cmp(&nos_type_int, (nos_val_t)(int64_t)-1, 1) < 0);
    CHECK(nos_cmp(&nos_type_u64, UINT64_MAX, 1) > 0);
    CHECK(nos_cmp(&nos_type_string, V(S("B")), V(S("a"))) < 0);
    CHECK(nos_cmp(&nos_type_string, V(S("ab")), V(S("abc"))) < 0);
    CHECK(nos_cmp(&nos_type_string, V(S("é")), V(S("z"))) > 0);
    CHECK(nos_cmp(&t_list_int, V(INTS(1, 2)), V(INTS(1, 2, 3))) < 0);
    CHECK(nos_cmp(&t_list_int, V(INTS(1, 3)), V(INTS(1, 2, 3))) > 0);
    CHECK(nos_cmp(&t_list_int, V(INTS(1, 2, 3)), V(INTS(1, 3))) < 0);
    CHECK(nos_cmp(&t_list_int, 0, V(INTS(1))) < 0);
    CHECK(nos_cmp(&t_list_int, V(INTS(5)), V(INTS(5))) == 0);
    CHECK(nos_cmp(&t_point, point(1, 9), point(2, 0)) < 0);
    CHECK(nos_cmp(&t_point, point(1, 9), point(1, 8)) > 0);
    CHECK(nos_cmp(&t_option_int, V(nos_some(100)), V(nos_none())) < 0); /* Some is declared first */
    CHECK(nos_cmp(&t_option_int, V(nos_some(1)), V(nos_some(2))) < 0);
    CHECK(nos_cmp(&nos_type_bool, 0, 1) < 0);
    CHECK(nos_cmp(&nos_type_char, 'a', 0x4E16) < 0);
    struct nos_pid p1 = { 1 }, p2 = { 2 };
    CHECK(nos_cmp(&nos_type_pid, V(&p1), V(&p2)) < 0);
}

TEST(hash_values)
{
    int64_t n = 42;
    CHECK(nos_hash(&nos_type_int, 42) == (int64_t)nos__fnv1a(&n, 8));
    CHECK(nos_hash(&nos_type_int, 42) != nos_hash(&nos_type_int, 43));
    CHECK(nos_hash(&nos_type_bool, 1) == 1);
    CHECK(nos_hash(&nos_type_bool, 0) == 0);
    CHECK(nos_hash(&nos_type_unit, 0) == 0);
    CHECK(nos_hash(&nos_type_string, V(S("hello"))) == nos_hash(&nos_type_string, V(S("hello"))));
    CHECK(nos_hash(&nos_type_float, fl(3.14)) != 0);
    CHECK(nos_hash(&t_list_int, V(INTS(1, 2, 3))) == nos_hash(&t_list_int, V(INTS(1, 2, 3))));
    CHECK(nos_hash(&t_list_int, V(INTS(1, 2, 3))) != nos_hash(&t_list_int, V(INTS(1, 3, 2))));
    CHECK(nos_hash(&t_mylist, cons(1, cons(2, nil()))) == nos_hash(&t_mylist, cons(1, cons(2, nil()))));
    CHECK(nos_hash(&t_mylist, cons(1, cons(2, nil()))) != nos_hash(&t_mylist, cons(2, cons(1, nil()))));
    CHECK(nos_hash(&t_point, point(1, 2)) != nos_hash(&t_point, point(2, 1)));
}

/* ---- copy ---------------------------------------------------------------------------------------- */

TEST(copy_shares_immutable)
{
    nos_list_t *l = INTS(1, 2);
    CHECK(nos_copy(&t_list_int, V(l)) == V(l));
    nos_val_t p = point(1, 2);
    CHECK(nos_copy(&t_point, p) == p);
    nos_val_t ml = cons(1, nil());
    CHECK(nos_copy(&t_mylist, ml) == ml); /* recursive type, no mutable part */
    CHECK(!nos__type_mutable(&t_mylist));
    CHECK(nos__type_mutable(&t_counter));
    CHECK(nos__type_mutable(&t_list_counter));
}

TEST(copy_mutable_parts)
{
    nos_val_t *c1 = nos_tuple_new(1), *c2 = nos_tuple_new(1);
    c1[0] = 5;
    c2[0] = 6;
    nos_list_t *l = nos_list_cons(V(c1), nos_list_cons(V(c2), NULL));
    nos_list_t *k = (nos_list_t *)(uintptr_t)nos_copy(&t_list_counter, V(l));
    CHECK(k != l && nos_eq(&t_list_counter, V(k), V(l)));
    CHECK(k->head != V(c1) && k->tail->head != V(c2));
    ((nos_val_t *)(uintptr_t)k->head)[0] = 99;
    CHECK(c1[0] == 5);
    nos_array_t *a = nos_array_from_list(NT_ARRAY_I64, INTS(1, 2, 3));
    nos_array_t *b = (nos_array_t *)(uintptr_t)nos_copy(&t_i64arr, V(a));
    CHECK(a != b && b->len == 3 && nos_array_i64(b)[2] == 3);
    nos_array_i64(b)[0] = 7;
    CHECK(nos_array_i64(a)[0] == 1);
}

/* ---- errors -------------------------------------------------------------------------------------- */

TEST(errors_runtime_kinds)
{
    const nos_type_t *t;
    nos_val_t v;
    CATCH(t, v, nos_err_div_zero());
    CHECK(t == &nos_type_error_tuple);
    CHECK_STR(err_kind(v), "DivisionByZero");
    CHECK_STR(err_msg(v), "Division by zero");
    CHECK_STR(nos_exc_message(t, v), "Division by zero");
    CATCH(t, v, nos_int_div(1, 0));
    CHECK_STR(err_kind(v), "DivisionByZero");
    CATCH(t, v, nos_int_rem(1, 0));
    CHECK_STR(err_kind(v), "DivisionByZero");
    CATCH(t, v, nos_list_index(INTS(1, 2, 3), 5));
    CHECK_STR(err_kind(v), "IndexOutOfBounds");
    CHECK_STR(nos_exc_message(t, v), "Index 5 out of bounds (length 3)");
    CATCH(t, v, nos_list_index(INTS(1, 2, 3), -1));
    CHECK_STR(err_kind(v), "IndexOutOfBounds");
    CATCH(t, v, nos_list_head(NULL));
    CHECK_STR(err_kind(v), "IndexOutOfBounds");
    CATCH(t, v, nos_err_match());
    CHECK_STR(err_kind(v), "Panic");
    CHECK_STR(nos_exc_message(t, v), "Non-exhaustive match: no pattern matched");
    CATCH(t, v, nos_err_assert_eq(&nos_type_int, 1, 2));
    CHECK_STR(err_kind(v), "Panic");
    CHECK_STR(nos_exc_message(t, v), "Assertion failed: 1 != 2");
    CATCH(t, v, nos_err_assert_eq(&nos_type_string, V(S("a")), V(S("b"))));
    CHECK_STR(err_msg(v), "Assertion failed: a != b");
    CATCH(t, v, nos_err_assert_eq(&t_list_str, V(STRS("a")), V(STRS("b"))));
    CHECK_STR(err_msg(v), "Assertion failed: [\"a\"] != [\"b\"]");
    CATCH(t, v, nos_err_assert(NULL));
    CHECK_STR(err_msg(v), "Assertion failed");
    CATCH(t, v, nos_err_assert("x must be positive"));
    CHECK_STR(err_msg(v), "Assertion failed: x must be positive");
    CATCH(t, v, nos_panic(S("boom")));
    CHECK_STR(err_kind(v), "Panic");
    CHECK_STR(nos_exc_message(t, v), "boom");
    CATCH(t, v, nos_int_pow(2, -1));
    CHECK_STR(err_kind(v), "Panic");
    CATCH(t, v, nos_throw_error("io_error", "cannot open %s", "/x"));
    CHECK_STR(err_msg(v), "cannot open /x");
    CHECK_STR(nos_exc_message(t, v), "Uncaught exception: (io_error, cannot open /x)");
}

TEST(errors_user_values)
{
    const nos_type_t *t;
    nos_val_t v;
    CATCH(t, v, nos_throw(&nos_type_string, V(S("boom"))));
    CHECK(t == &nos_type_string);
    CHECK_STR(nos_exc_message(t, v), "Uncaught exception: boom");
    CATCH(t, v, nos_throw(&nos_type_int, 42));
    CHECK(v == 42);
    CHECK_STR(nos_exc_message(t, v), "Uncaught exception: 42");
    CATCH(t, v, nos_throw(&t_option_str, V(nos_some(V(S("x"))))));
    CHECK_STR(nos_exc_message(t, v), "Uncaught exception: Some(\"x\")");
}

static void thrower(void)
{
    nos_throw(&nos_type_string, V(S("deep")));
}

TEST(errors_nesting_and_rethrow)
{
    nos_exc_frame_t outer, inner;
    volatile int stage = 0;
    nos_try_push(&outer);
    if (_setjmp(outer.jb) == 0) {
        nos_try_push(&inner);
        if (_setjmp(inner.jb) == 0) {
            thrower();
            CHECK(0);
        } else {
            /* The inner frame is already popped; the catch arm does not match: rethrow. */
            CHECK(*nos__exc_slot() == &outer);
            stage = 1;
            nos_rethrow(&inner);
        }
        CHECK(0);
    } else {
        CHECK(stage == 1);
        CHECK(outer.type == &nos_type_string);
        CHECK_STR((nos_str_t *)(uintptr_t)outer.value, "deep");
        CHECK(*nos__exc_slot() == NULL);
    }
    /* push/pop without a throw leaves the chain as it was */
    nos_try_push(&outer);
    nos_try_pop(&outer);
    CHECK(*nos__exc_slot() == NULL);
}

TEST(errors_uncaught_calls_handler)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", 1);
        dup2(devnull, 2);
        nos_err_div_zero();
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
}

/* ---- lists --------------------------------------------------------------------------------------- */

TEST(list_basics)
{
    CHECK(nos_list_length(NULL) == 0);
    CHECK(nos_list_length(INTS(1, 2, 3)) == 3);
    nos_list_t *a = INTS(1, 2), *b = INTS(3);
    nos_list_t *ab = nos_list_append(a, b);
    CHECK_STR(nos_show(&t_list_int, V(ab)), "[1, 2, 3]");
    CHECK(ab->tail->tail == b); /* b is shared */
    CHECK(nos_list_append(NULL, b) == b && nos_list_append(a, NULL) == a);
    CHECK(nos_list_index(ab, 2) == 3);
    CHECK_STR(nos_show(&t_list_int, V(nos_list_range(1, 5))), "[1, 2, 3, 4]");
    CHECK(nos_list_range(5, 1) == NULL);
    CHECK_STR(nos_show(&t_list_int, V(nos_list_reverse(ab))), "[3, 2, 1]");
    CHECK(nos_list_head(ab) == 1 && nos_list_last(ab) == 3);
    CHECK(nos_list_tail(ab) == ab->tail);
    CHECK_STR(nos_show(&t_list_int, V(nos_list_take(ab, 2))), "[1, 2]");
    CHECK(nos_list_take(ab, 10) == ab && nos_list_take(ab, -1) == NULL);
    CHECK(nos_list_drop(ab, 1) == ab->tail && nos_list_drop(ab, 9) == NULL && nos_list_drop(ab, -2) == ab);
    CHECK(nos_list_contains(&nos_type_int, ab, 2) && !nos_list_contains(&nos_type_int, ab, 7));
    nos_val_t arr[3] = { 7, 8, 9 };
    CHECK_STR(nos_show(&t_list_int, V(nos_list_from_array(arr, 3))), "[7, 8, 9]");
}

static int64_t by_first(nos_closure_t *self, nos_val_t a, nos_val_t b)
{
    int64_t x = (int64_t)((nos_val_t *)(uintptr_t)a)[0], y = (int64_t)((nos_val_t *)(uintptr_t)b)[0];
    return (x > y) - (x < y) + (int64_t)self->env[0] * 0;
}

TEST(list_sort)
{
    CHECK_STR(nos_show(&t_list_int, V(nos_list_sort(&nos_type_int, INTS(3, 1, 2, 5, 4, 0)))),
              "[0, 1, 2, 3, 4, 5]");
    CHECK(nos_list_sort(&nos_type_int, NULL) == NULL);
    CHECK_STR(nos_show(&t_list_str, V(nos_list_sort(&nos_type_string, STRS("b", "B", "a")))),
              "[\"B\", \"a\", \"b\"]");
    /* Stability: sort pairs by their first element only. */
    nos_list_t *l = NULL;
    for (int i = 0; i < 1000; i++)
        l = nos_list_cons(V(nos_tuple2((nos_val_t)(i % 7), (nos_val_t)i)), l);
    nos_closure_t *c = nos_alloc(sizeof(nos_closure_t) + sizeof(nos_val_t));
    c->fn = (void *)by_first;
    nos_list_t *s = nos_list_sort_by(l, c);
    CHECK(nos_list_length(s) == 1000);
    for (nos_list_t *p = s; p->tail; p = p->tail) {
        nos_val_t *x = (nos_val_t *)(uintptr_t)p->head, *y = (nos_val_t *)(uintptr_t)p->tail->head;
        CHECK(x[0] < y[0] || (x[0] == y[0] && x[1] > y[1])); /* input was in descending i */
    }
    /* Sorting big lists of composite values with nos_cmp. */
    nos_list_t *big = NULL;
    for (int i = 0; i < 50000; i++)
        big = nos_list_cons(V(nos_tuple2((nos_val_t)((i * 7919) % 1000), (nos_val_t)i)), big);
    nos_list_t *sb = nos_list_sort(&t_int_int, big);
    for (nos_list_t *p = sb; p->tail; p = p->tail)
        CHECK(nos_cmp(&t_int_int, p->head, p->tail->head) <= 0);
}

TEST(option_result_layout)
{
    nos_variant_t *s = nos_some(5);
    CHECK(s->tag == NOS_TAG_SOME && s->fields[0] == 5);
    CHECK(nos_none()->tag == NOS_TAG_NONE);
    CHECK(nos_ok(1)->tag == 0 && nos_err(2)->tag == 1 && nos_err(2)->fields[0] == 2);
    nos_val_t *t = nos_tuple_new(3);
    CHECK(t[0] == 0 && t[2] == 0);
}
