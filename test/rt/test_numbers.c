/*
 * test_numbers.c - unit tests of BigInt, Decimal and typed arrays (rt/bigint.c, array.c).
 */
#include "harness.h"
#include "types.h"

static nos_bigint_t *big(const char *s)
{
    nos_bigint_t *b = nos_bigint_parse(s, (int64_t)strlen(s));
    CHECK(b != NULL);
    return b;
}

static nos_decimal_t *dec(const char *s)
{
    nos_decimal_t *d = nos_decimal_parse(s, (int64_t)strlen(s));
    CHECK(d != NULL);
    return d;
}

TEST(bigint_arithmetic)
{
    CHECK_STR(nos_bigint_to_str(nos_bigint_mul(big("1000000000"), big("1000000000"))),
              "1000000000000000000");
    CHECK_STR(nos_bigint_to_str(nos_bigint_pow(nos_bigint_from_i64(2), 200)),
              "1606938044258990275541962092341162602522202993782792835301376");
    CHECK_STR(nos_bigint_to_str(nos_bigint_from_i64(INT64_MIN)), "-9223372036854775808");
    CHECK_STR(nos_bigint_to_str(nos_bigint_from_i64(0)), "0");
    CHECK_STR(nos_bigint_to_str(nos_bigint_add(big("18446744073709551615"), big("6"))),
              "18446744073709551621");
    CHECK_STR(nos_bigint_to_str(nos_bigint_sub(big("20"), big("100"))), "-80");
    CHECK_STR(nos_bigint_to_str(nos_bigint_sub(big("100"), big("100"))), "0");
    CHECK_STR(nos_bigint_to_str(nos_bigint_add(big("-5"), big("3"))), "-2");
    CHECK_STR(nos_bigint_to_str(nos_bigint_div(big("10"), big("2"))), "5");
    CHECK_STR(nos_bigint_to_str(nos_bigint_div(big("-7"), big("2"))), "-3");
    CHECK_STR(nos_bigint_to_str(nos_bigint_rem(big("-7"), big("2"))), "-1");
    nos_bigint_t *x = nos_bigint_add(nos_bigint_pow(nos_bigint_from_i64(10), 40), nos_bigint_from_i64(7));
    CHECK_STR(nos_bigint_to_str(nos_bigint_div(x, big("12345678901234567"))), "810000007290000124740001");
    CHECK_STR(nos_bigint_to_str(nos_bigint_rem(x, big("12345678901234567"))), "8084321211185440");
    nos_bigint_t *y = nos_bigint_neg(nos_bigint_pow(nos_bigint_from_i64(3), 100));
    nos_bigint_t *z = nos_bigint_pow(nos_bigint_from_i64(7), 20);
    CHECK_STR(nos_bigint_to_str(nos_bigint_div(y, z)), "-6458990885278757833846811269152");
    CHECK_STR(nos_bigint_to_str(nos_bigint_rem(y, z)), "-72264988431228849");
    CHECK(nos_bigint_cmp(big("-5"), big("3")) < 0 && nos_bigint_cmp(big("-5"), big("-6")) > 0);
    CHECK(nos_bigint_cmp(big("123456789012345678901"), big("123456789012345678901")) == 0);
    CHECK(nos_bigint_to_i64(big("-42")) == -42);
    CHECK(nos_bigint_to_float(big("1000000")) == 1e6);
    CHECK(nos_bigint_parse("12a", 3) == NULL && nos_bigint_parse("-", 1) == NULL);
    CHECK_STR(nos_bigint_to_str(big("+0007")), "7");
    CHECK_STR(nos_bigint_to_str(big("-0")), "0");
    const nos_type_t *t;
    nos_val_t v;
    CATCH(t, v, nos_bigint_div(big("1"), big("0")));
    CHECK_STR(err_kind(v), "DivisionByZero");
    CHECK_STR(nos_show(&nos_type_bigint, V(big("55"))), "55");
    CHECK_STR(nos_show_result(&nos_type_bigint, V(big("55"))), "55");
    CHECK(nos_eq(&nos_type_bigint, V(big("6")), V(nos_bigint_mul(big("2"), big("3")))));
    CHECK(nos_hash(&nos_type_bigint, V(big("6"))) == nos_hash(&nos_type_bigint, V(big("+6"))));
    CHECK(nos_hash(&nos_type_bigint, V(big("6"))) != nos_hash(&nos_type_bigint, V(big("-6"))));
}

TEST(bigint_division_identity)
{
    /* q * b + r == a and |r| < |b| with r of a's sign, for random multi-limb values. */
    uint64_t s = 1234567;
    for (int i = 0; i < 3000; i++) {
        char abuf[80], bbuf[40];
        int al = 1, bl = 1;
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        al += (int)(s >> 59) * 2;
        bl += (int)((s >> 54) & 31) % 25;
        for (int k = 0; k < al; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            abuf[k] = (char)('0' + (s >> 60) % 10);
        }
        for (int k = 0; k < bl; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            bbuf[k] = (char)('0' + (s >> 60) % 10);
        }
        bbuf[0] = bbuf[0] == '0' ? '3' : bbuf[0];
        nos_bigint_t *a = nos_bigint_parse(abuf, al), *b = nos_bigint_parse(bbuf, bl);
        if (s & 1)
            a = nos_bigint_neg(a);
        if (s & 2)
            b = nos_bigint_neg(b);
        nos_bigint_t *q = nos_bigint_div(a, b), *r = nos_bigint_rem(a, b);
        CHECK(nos_bigint_cmp(nos_bigint_add(nos_bigint_mul(q, b), r), a) == 0);
        nos_bigint_t *ar = r->sign < 0 ? nos_bigint_neg(r) : r, *ab = b->sign < 0 ? nos_bigint_neg(b) : b;
        CHECK(nos_bigint_cmp(ar, ab) < 0);
        CHECK(r->sign == 0 || r->sign == a->sign);
        /* and the decimal text round-trips */
        nos_str_t *txt = nos_bigint_to_str(a);
        CHECK(nos_bigint_cmp(nos_bigint_parse(txt->data, txt->len), a) == 0);
    }
}

TEST(decimal_arithmetic)
{
    nos_decimal_t *sum = nos_decimal_add(dec("0.1"), dec("0.2"));
    CHECK(nos_decimal_cmp(sum, dec("0.3")) == 0);
    CHECK(nos_eq(&nos_type_decimal, V(sum), V(dec("0.3"))));
    CHECK_STR(nos_decimal_to_str(sum), "0.3");
    CHECK_STR(nos_decimal_to_str(dec("1.50")), "1.50");
    CHECK(nos_decimal_cmp(dec("1.50"), dec("1.5")) == 0);
    CHECK(nos_hash(&nos_type_decimal, V(dec("1.50"))) == nos_hash(&nos_type_decimal, V(dec("1.5"))));
    CHECK_STR(nos_decimal_to_str(dec("-0.05")), "-0.05");
    CHECK_STR(nos_decimal_to_str(nos_decimal_mul(dec("1.5"), dec("1.5"))), "2.25");
    CHECK_STR(nos_decimal_to_str(nos_decimal_div(dec("1"), dec("3"))), "0.3333333333333333333333333333");
    CHECK_STR(nos_decimal_to_str(nos_decimal_div(dec("2"), dec("3"))), "0.6666666666666666666666666667");
    CHECK_STR(nos_decimal_to_str(nos_decimal_div(dec("-2"), dec("3"))), "-0.6666666666666666666666666667");
    CHECK_STR(nos_decimal_to_str(nos_decimal_div(dec("10"), dec("4"))), "2.5");
    CHECK_STR(nos_decimal_to_str(nos_decimal_div(dec("6.0"), dec("2"))), "3.0");
    CHECK_STR(nos_decimal_to_str(nos_decimal_div(dec("1"), dec("0.25"))), "4");
    CHECK_STR(nos_decimal_to_str(nos_decimal_rem(dec("7.5"), dec("2"))), "1.5");
    CHECK_STR(nos_decimal_to_str(nos_decimal_sub(dec("1"), dec("1.25"))), "-0.25");
    CHECK_STR(nos_decimal_to_str(nos_decimal_neg(dec("2"))), "-2");
    /* fib(10d) */
    nos_decimal_t *a = nos_decimal_from_i64(0), *b = nos_decimal_from_i64(1);
    for (int i = 0; i < 10; i++) {
        nos_decimal_t *c = nos_decimal_add(a, b);
        a = b;
        b = c;
    }
    CHECK_STR(nos_show(&nos_type_decimal, V(a)), "55");
    CHECK_STR(nos_show_result(&nos_type_decimal, V(a)), "55");
    CHECK(nos_decimal_to_float(dec("2.5")) == 2.5);
    CHECK(nos_decimal_cmp(dec("-1"), dec("0.5")) < 0);
    CHECK(nos_decimal_parse("1.", 2) == NULL && nos_decimal_parse(".5", 2) == NULL);
    CHECK(nos_decimal_parse("1.x", 3) == NULL);
    const nos_type_t *t;
    nos_val_t v;
    CATCH(t, v, nos_decimal_div(dec("1"), dec("0.00")));
    CHECK_STR(err_kind(v), "DivisionByZero");
}

TEST(typed_arrays)
{
    nos_array_t *a = nos_array_new(NT_ARRAY_I64, 4);
    CHECK(a->len == 4 && nos_array_get(NT_ARRAY_I64, a, 3) == 0);
    nos_array_set(NT_ARRAY_I64, a, 2, (nos_val_t)(int64_t)-9);
    CHECK((int64_t)nos_array_get(NT_ARRAY_I64, a, 2) == -9);
    const nos_type_t *t;
    nos_val_t v;
    CATCH(t, v, nos_array_get(NT_ARRAY_I64, a, 4));
    CHECK_STR(err_msg(v), "Index 4 out of bounds for Int64Array of length 4");
    CATCH(t, v, nos_array_set(NT_ARRAY_I64, a, -1, 0));
    nos_array_t *f = nos_array_new(NT_ARRAY_F32, 3);
    nos_array_set(NT_ARRAY_F32, f, 1, nos_val_of_float(1.5));
    CHECK(nos_val_to_float(nos_array_get(NT_ARRAY_F32, f, 1)) == 1.5);
    CHECK(nos_array_f32(f)[1] == 1.5f);
    nos_list_t *l = nos_list_cons(nos_val_of_float(0.5), nos_list_cons(nos_val_of_float(2), NULL));
    nos_array_t *d = nos_array_from_list(NT_ARRAY_F64, l);
    CHECK(d->len == 2 && nos_array_f64(d)[1] == 2.0);
    CHECK(nos_eq(&t_list_float, V(nos_array_to_list(NT_ARRAY_F64, d)), V(l)));
    CHECK(nos_array_to_list(NT_ARRAY_I64, nos_array_new(NT_ARRAY_I64, 0)) == NULL);
}

TEST(codegen_entry_points)
{
    CHECK_STR(nos_bigint_to_str(nos_bigint_lit(S("1_000n"))), "1000");
    CHECK_STR(nos_bigint_to_str(nos_bigint_lit(S("42"))), "42");
    CHECK_STR(nos_decimal_to_str(nos_decimal_lit(S("3.14d"))), "3.14");
    CHECK_STR(nos_decimal_to_str(nos_decimal_lit(S("10"))), "10");
    CHECK_STR(nos_bigint_to_str(nos_bigint_abs(big("-5"))), "5");
    CHECK_STR(nos_decimal_to_str(nos_decimal_abs(dec("-0.5"))), "0.5");
    CHECK_STR(nos_bigint_to_str(nos_bigint_pow_big(big("3"), big("4"))), "81");
    CHECK_STR(nos_bigint_to_str(nos_bigint_pow_big(big("-1"), big("99999999999999999999999"))), "-1");
    CHECK_STR(nos_decimal_to_str(nos_decimal_pow(dec("1.5"), dec("2"))), "2.25");
    CHECK_STR(nos_decimal_to_str(nos_decimal_pow(dec("2"), dec("-2"))), "0.25");
    CHECK_STR(nos_decimal_to_str(nos_decimal_from_float(0.1)), "0.1");
    CHECK_STR(nos_decimal_to_str(nos_decimal_from_float(3.0)), "3");
    const nos_type_t *t;
    nos_val_t v;
    CATCH(t, v, nos_bigint_pow_big(big("2"), big("-1")));
    CATCH(t, v, nos_decimal_from_float(0.0 / 0.0));
    CATCH(t, v, nos_err_assert_str(S("boom")));
    CHECK_STR(err_msg(v), "Assertion failed: boom");

    nos_array_t *a = nos_array_i64_make(3, 7);
    CHECK(nos_array_length(a) == 3 && nos_array_i64_get(a, 2) == 7);
    CHECK(nos_array_i64_set_ret(a, 0, 1) == a && nos_array_i64_get(a, 0) == 1);
    nos_array_t *f = nos_array_f32_make(2, 0.5);
    nos_array_f32_set(f, 1, 2.25);
    CHECK(nos_array_f32_get(f, 0) == 0.5 && nos_array_f32_get(f, 1) == 2.25);
    nos_array_t *d = nos_array_f64_from_list(nos_array_f32_to_list(f));
    CHECK(nos_array_f64_get(d, 1) == 2.25);
    CATCH(t, v, nos_array_f64_get(d, 2));
    CHECK(nos_list_length(nos_array_i64_to_list(nos_array_i64_new(4))) == 4);

    /* map helpers */
    nos_map_t *m = nos_map_insert(&t_map_int_int, NULL, 1, 10);
    CHECK(nos_map_get_or_unit(&t_map_int_int, m, 1) == 10 && !nos_map_contains(&t_map_int_int, m, 2));
    CHECK_STR(nos_show(&t_option_int, V(nos_map_lookup(&t_map_int_int, m, 1))), "Some(10)");
    CHECK_STR(nos_show(&t_option_int, V(nos_map_lookup(&t_map_int_int, m, 3))), "None");
    nos_map_t *m2 = nos_map_insert(&t_map_int_int, NULL, 1, 20);
    CHECK(nos_map_get_or_unit(&t_map_int_int, nos_map_union_right(&t_map_int_int, m, m2), 1) == 20);
    CHECK(nos_map_get_or_unit(&t_map_int_int, nos_map_union(&t_map_int_int, m, m2), 1) == 10);

    /* list set */
    nos_list_t *l = nos_list_range(0, 4);
    CHECK_STR(nos_show(&t_list_int, V(nos_list_set(l, 2, 9))), "[0, 1, 9, 3]");
    CHECK(nos_list_set(l, 4, 9) == l && nos_list_set(l, -1, 9) == l);
    CHECK(nos_list_set(l, 0, 9)->tail == l->tail);
}
