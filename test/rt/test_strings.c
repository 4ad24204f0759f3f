/*
 * test_strings.c - unit tests of strings, the String/Char library and number parsing and
 * formatting (rt/str.c, strlib.c, numlib.c).
 */
#include <math.h>

#include "harness.h"
#include "types.h"

static nos_str_t *show_strs(nos_list_t *l)
{
    return nos_show(&t_list_str, V(l));
}

TEST(str_core)
{
    nos_str_t *s = nos_str_new("héllo", 6);
    CHECK(s->len == 6 && s->nchars == -1);
    CHECK(nos_str_length(s) == 5 && s->nchars == 5);
    CHECK(nos_str_length(nos_str_empty()) == 0);
    CHECK_STR(nos_str_index(s, 1), "é");
    CHECK_STR(nos_str_index(s, 4), "o");
    CHECK_STR(nos_str_index(S("abc"), 0), "a");
    const nos_type_t *t;
    nos_val_t v;
    CATCH(t, v, nos_str_index(s, 5));
    CHECK_STR(err_kind(v), "IndexOutOfBounds");
    CHECK_STR(err_msg(v), "Index 5 out of bounds for string of length 5");
    CATCH(t, v, nos_str_index(s, -1));
    CHECK_STR(nos_str_concat(S("ab"), S("cd")), "abcd");
    CHECK(nos_str_concat(S(""), s) == s && nos_str_concat(s, S("")) == s);
    nos_str_t *parts[3] = { S("a"), S(""), S("bc") };
    CHECK_STR(nos_str_concat_n(parts, 3), "abc");
    CHECK(nos_str_eq(S("x"), S("x")) && !nos_str_eq(S("x"), S("xy")));
    CHECK(nos_str_cmp(S("a"), S("b")) < 0 && nos_str_cmp(S("b"), S("a")) > 0);
    CHECK(nos_str_cmp(S("a"), S("a")) == 0 && nos_str_cmp(S("a"), S("ab")) < 0);
    CHECK(nos_str_has_prefix(S("hello"), "he", 2) && !nos_str_has_prefix(S("h"), "he", 2));
    CHECK_STR(nos_str_drop_bytes(S("hello"), 2), "llo");
    CHECK_STR(nos_str_drop_bytes(S("hello"), 9), "");
    CHECK_STR(nos_str_slice_bytes(S("hello"), 1, 3), "el");
    CHECK_STR(nos_str_fmt("%d-%s", 7, "x"), "7-x");
    nos_str_t *big = nos_str_fmt("%0300d", 1);
    CHECK(big->len == 300 && big->data[299] == '1');
    CHECK_STR(nos_char_to_str(0x1F600), "😀");
    CHECK(nos_utf8_valid("h\xc3\xa9", 3) && !nos_utf8_valid("\xc3", 1) && !nos_utf8_valid("\xed\xa0\x80", 3));
    CHECK(!nos_utf8_valid("\xc0\x80", 2) && nos_utf8_valid("\xf0\x9f\x98\x80", 4));
}

TEST(str_chars)
{
    nos_list_t *cs = nos_str_chars(S("aé😀"));
    CHECK(nos_list_length(cs) == 3 && cs->head == 'a' && cs->tail->head == 0xE9 &&
          cs->tail->tail->head == 0x1F600);
    CHECK_STR(nos_str_from_chars(cs), "aé😀");
    CHECK(nos_str_chars(S("")) == NULL);
    CHECK_STR(nos_str_from_chars(NULL), "");
}

TEST(str_parse)
{
    nos_variant_t *r = nos_str_to_int(S("42"));
    CHECK(r->tag == NOS_TAG_SOME && r->fields[0] == 42);
    r = nos_str_to_int(S("  -17\n"));
    CHECK(r->tag == NOS_TAG_SOME && (int64_t)r->fields[0] == -17);
    CHECK(nos_str_to_int(S("+5"))->fields[0] == 5);
    CHECK(nos_str_to_int(S("12a"))->tag == NOS_TAG_NONE);
    CHECK(nos_str_to_int(S(""))->tag == NOS_TAG_NONE);
    CHECK(nos_str_to_int(S("-"))->tag == NOS_TAG_NONE);
    CHECK(nos_str_to_int(S("1_000"))->tag == NOS_TAG_NONE);
    CHECK(nos_str_to_int(S("0x10"))->tag == NOS_TAG_NONE);
    CHECK(nos_str_to_int(S("9223372036854775807"))->fields[0] == INT64_MAX);
    CHECK((int64_t)nos_str_to_int(S("-9223372036854775808"))->fields[0] == INT64_MIN);
    CHECK(nos_str_to_int(S("9223372036854775808"))->tag == NOS_TAG_NONE);
    CHECK_STR(nos_show(&t_option_int, V(nos_str_to_int(S("x")))), "None");

    r = nos_str_to_float(S("3.25"));
    CHECK(r->tag == NOS_TAG_SOME && nos_val_to_float(r->fields[0]) == 3.25);
    CHECK(nos_val_to_float(nos_str_to_float(S(" 1e3 "))->fields[0]) == 1000);
    CHECK(nos_val_to_float(nos_str_to_float(S(".5"))->fields[0]) == 0.5);
    CHECK(nos_val_to_float(nos_str_to_float(S("5."))->fields[0]) == 5);
    CHECK(nos_val_to_float(nos_str_to_float(S("-7"))->fields[0]) == -7);
    CHECK(isinf(nos_val_to_float(nos_str_to_float(S("inf"))->fields[0])));
    CHECK(isinf(nos_val_to_float(nos_str_to_float(S("-Infinity"))->fields[0])));
    CHECK(isnan(nos_val_to_float(nos_str_to_float(S("NaN"))->fields[0])));
    CHECK(nos_str_to_float(S("."))->tag == NOS_TAG_NONE);
    CHECK(nos_str_to_float(S("1e"))->tag == NOS_TAG_NONE);
    CHECK(nos_str_to_float(S("abc"))->tag == NOS_TAG_NONE);
    CHECK(nos_str_to_float(S("0x1p3"))->tag == NOS_TAG_NONE);
    CHECK(nos_str_to_float(S("1,5"))->tag == NOS_TAG_NONE);
    CHECK_STR(nos_show(&t_option_float, V(nos_str_to_float(S("2")))), "Some(2.0)");
    nos_variant_t *b = nos_str_to_bigint(S(" 123456789012345678901234567890 "));
    CHECK(b->tag == NOS_TAG_SOME);
    CHECK_STR(nos_bigint_to_str((nos_bigint_t *)(uintptr_t)b->fields[0]), "123456789012345678901234567890");
    CHECK(nos_str_to_bigint(S("12x"))->tag == NOS_TAG_NONE);
}

TEST(str_trim_case)
{
    CHECK_STR(nos_str_trim(S("  a b \t\n")), "a b");
    CHECK_STR(nos_str_trim(S("\u00a0\u3000x\u2003")), "x");
    CHECK_STR(nos_str_trim_start(S("  a ")), "a ");
    CHECK_STR(nos_str_trim_end(S("  a ")), "  a");
    CHECK_STR(nos_str_trim(S("   ")), "");
    nos_str_t *s = S("abc");
    CHECK(nos_str_trim(s) == s);
    CHECK_STR(nos_str_to_upper(S("Hello, wörld ß")), "HELLO, WÖRLD SS");
    CHECK_STR(nos_str_to_lower(S("HeLLo ÅÉ")), "hello åé");
    CHECK(nos_char_to_upper('a') == 'A' && nos_char_to_lower('Z') == 'z' && nos_char_to_upper('1') == '1');
    CHECK(nos_char_to_upper(0xE9) == 0xC9);
    CHECK(nos_char_is_digit('7') && !nos_char_is_digit('a'));
    CHECK(nos_char_is_alpha('q') && nos_char_is_alpha(0xE9) && !nos_char_is_alpha('3'));
    CHECK(nos_char_is_alnum('3') && nos_char_is_alnum('x') && !nos_char_is_alnum('-'));
    CHECK(nos_char_is_upper('Q') && !nos_char_is_upper('q') && nos_char_is_upper(0xC9));
    CHECK(nos_char_is_lower('q') && !nos_char_is_lower('Q'));
    CHECK(nos_char_is_whitespace(' ') && nos_char_is_whitespace('\n') && nos_char_is_whitespace(0x3000));
    CHECK(!nos_char_is_whitespace('x') && !nos_char_is_whitespace(0x200B));
    CHECK(nos_char_from_int(65) == 'A');
    const nos_type_t *t;
    nos_val_t v;
    CATCH(t, v, nos_char_from_int(0xD800));
    CHECK_STR(err_msg(v), "toChar: 55296 is not a valid Unicode code point");
    CATCH(t, v, nos_char_from_int(-1));
    CATCH(t, v, nos_char_from_int(0x110000));
}

TEST(str_search_replace)
{
    CHECK(nos_str_contains(S("hello"), S("ell")) && !nos_str_contains(S("hello"), S("elo")));
    CHECK(nos_str_contains(S("x"), S("")));
    CHECK(nos_str_starts_with(S("hello"), S("he")) && !nos_str_starts_with(S("he"), S("hello")));
    CHECK(nos_str_ends_with(S("hello"), S("llo")) && !nos_str_ends_with(S("lo"), S("hello")));
    CHECK(nos_str_index_of(S("héllo"), S("l")) == 3); /* bytes */
    CHECK(nos_str_index_of(S("abc"), S("x")) == -1);
    CHECK(nos_str_index_of(S("abc"), S("")) == 0);
    CHECK(nos_str_last_index_of(S("abcabc"), S("bc")) == 4);
    CHECK(nos_str_last_index_of(S("abc"), S("")) == 3);
    CHECK(nos_str_last_index_of(S("abc"), S("x")) == -1);
    CHECK_STR(nos_str_replace(S("a-b-c"), S("-"), S("+")), "a+b-c");
    CHECK_STR(nos_str_replace_all(S("a-b-c"), S("-"), S("+")), "a+b+c");
    CHECK_STR(nos_str_replace_all(S("aaa"), S("aa"), S("b")), "ba");
    CHECK_STR(nos_str_replace_all(S("abc"), S("x"), S("y")), "abc");
    CHECK_STR(nos_str_replace(S("ab"), S(""), S("-")), "-ab");
    CHECK_STR(nos_str_replace_all(S("ab"), S(""), S("-")), "-a-b-");
    CHECK_STR(nos_str_replace_all(S(""), S(""), S("-")), "-");
    CHECK_STR(nos_str_replace_all(S("héé"), S("é"), S("e")), "hee");
}

TEST(str_slices)
{
    CHECK_STR(nos_str_substring(S("hello"), 1, 3), "el");
    CHECK_STR(nos_str_substring(S("héllo"), 1, 3), "él");
    CHECK_STR(nos_str_substring(S("hi"), 1, 10), "i");
    CHECK_STR(nos_str_substring(S("hi"), 3, 1), "");
    CHECK_STR(nos_str_substring(S("hi"), -1, 1), "");
    CHECK_STR(nos_str_substring(S("hello"), 0, -1), "hello");
    CHECK_STR(nos_str_take(S("héllo"), 2), "hé");
    CHECK_STR(nos_str_take(S("abc"), 10), "abc");
    CHECK_STR(nos_str_take(S("abc"), -1), "abc");
    CHECK_STR(nos_str_take(S("abc"), 0), "");
    CHECK_STR(nos_str_drop(S("héllo"), 2), "llo");
    CHECK_STR(nos_str_drop(S("abc"), 5), "");
    CHECK_STR(nos_str_drop(S("abc"), -1), "");
    CHECK_STR(nos_str_repeat(S("ab"), 3), "ababab");
    CHECK_STR(nos_str_repeat(S("ab"), 0), "");
    CHECK_STR(nos_str_repeat(S("ab"), -2), "");
    CHECK_STR(nos_str_pad_start(S("5"), 3, S("0")), "005");
    CHECK_STR(nos_str_pad_end(S("5"), 3, S("xy")), "5xx");
    CHECK_STR(nos_str_pad_start(S("abc"), 2, S("x")), "abc");
    CHECK_STR(nos_str_pad_start(S("é"), 3, S("")), "  é");
    CHECK_STR(nos_str_pad_end(S("a"), 3, S("é")), "aéé");
    CHECK_STR(nos_str_pad_start(S("a"), -3, S("x")), "a");
    CHECK_STR(nos_str_reverse(S("héllo😀")), "😀olléh");
    CHECK_STR(nos_str_reverse(S("")), "");
    CHECK(nos_str_is_empty(S("")) && !nos_str_is_empty(S(" ")));
}

TEST(str_split_join)
{
    CHECK_STR(show_strs(nos_str_lines(S("a\r\nb\n"))), "[\"a\", \"b\"]");
    CHECK_STR(show_strs(nos_str_lines(S("a\n\nb"))), "[\"a\", \"\", \"b\"]");
    CHECK_STR(show_strs(nos_str_lines(S(""))), "[]");
    CHECK_STR(show_strs(nos_str_lines(S("\n"))), "[\"\"]");
    CHECK_STR(show_strs(nos_str_lines(S("a\r"))), "[\"a\r\"]");
    CHECK_STR(show_strs(nos_str_words(S("  a  b\tc\n"))), "[\"a\", \"b\", \"c\"]");
    CHECK_STR(show_strs(nos_str_words(S("   "))), "[]");
    CHECK_STR(show_strs(nos_str_split(S("a,,b"), S(","))), "[\"a\", \"\", \"b\"]");
    CHECK_STR(show_strs(nos_str_split(S(""), S(","))), "[\"\"]");
    CHECK_STR(show_strs(nos_str_split(S(","), S(","))), "[\"\", \"\"]");
    CHECK_STR(show_strs(nos_str_split(S("a::b"), S("::"))), "[\"a\", \"b\"]");
    CHECK_STR(show_strs(nos_str_split(S("hé"), S(""))), "[\"h\", \"é\"]");
    CHECK_STR(show_strs(nos_str_split(S(""), S(""))), "[]");
    nos_list_t *l = nos_str_split(S("x y z"), S(" "));
    CHECK_STR(nos_str_join(l, S(", ")), "x, y, z");
    CHECK_STR(nos_str_join(NULL, S(", ")), "");
    CHECK_STR(nos_str_join_chars(nos_str_chars(S("abc")), S("-")), "a-b-c");
}

TEST(numbers_int)
{
    CHECK(nos_int_pow(2, 10) == 1024);
    CHECK(nos_int_pow(3, 0) == 1);
    CHECK(nos_int_pow(-2, 3) == -8);
    CHECK(nos_int_pow(2, 64) == 0);           /* wraps */
    CHECK(nos_int_pow(3, 40) == (int64_t)12157665459056928801ull);
    CHECK(nos_int_div(7, 2) == 3 && nos_int_div(-7, 2) == -3);
    CHECK(nos_int_rem(-5, 3) == -2 && nos_int_rem(5, -3) == 2);
    CHECK(nos_int_div(INT64_MIN, -1) == INT64_MIN && nos_int_rem(INT64_MIN, -1) == 0);
    CHECK(nos_int_abs(-5) == 5 && nos_int_abs(INT64_MIN) == INT64_MIN);
    CHECK_STR(nos_int_to_str(-42), "-42");
    CHECK_STR(nos_int_to_str(INT64_MIN), "-9223372036854775808");
    CHECK_STR(nos_uint_to_str(UINT64_MAX), "18446744073709551615");
}

TEST(numbers_float_conversions)
{
    CHECK(nos_float_to_int(3.9) == 3 && nos_float_to_int(-3.9) == -3);
    CHECK(nos_float_to_int(NAN) == 0);
    CHECK(nos_float_to_int(1e300) == INT64_MAX && nos_float_to_int(-1e300) == INT64_MIN);
    CHECK(nos_float_to_int(INFINITY) == INT64_MAX);
    CHECK(nos_float_to_int(9223372036854775807.0) == INT64_MAX);
    CHECK(nos_float_floor(-1.5) == -2 && nos_float_ceil(-1.5) == -1);
    CHECK(nos_float_round(2.5) == 3 && nos_float_round(-2.5) == -3 && nos_float_round(2.4) == 2);
    CHECK(nos_float_floor(NAN) == 0);
    int64_t i;
    double d;
    CHECK(nos_parse_int("123", 3, &i) && i == 123);
    CHECK(!nos_parse_int(" 1", 2, &i));
    CHECK(nos_parse_float("1e-3", 4, &d) && d == 0.001);
    CHECK(!nos_parse_float("1e+", 3, &d));
    CHECK(nos_parse_float("+.5e1", 5, &d) && d == 5);
}
