/*
 * numlib.c - Int and Float natives: checked division, wrapping power, conversions between
 * Float and Int, number to String, and parsing with Rust's from_str rules (the reference's
 * String.toInt / toFloat trim the input and then call i64/f64::from_str).
 *
 * Conversions follow LLVM's llvm.fptosi.sat (and Rust's `as`): truncate toward zero,
 * saturate at the Int range, NaN -> 0. Int arithmetic wraps (two's complement).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int64_t nos_int_pow(int64_t base, int64_t exp)
{
    if (exp < 0)
        nos_err_pow_negative();
    uint64_t r = 1, b = (uint64_t)base;
    uint64_t e = (uint64_t)exp;
    while (e) {
        if (e & 1)
            r *= b;
        b *= b;
        e >>= 1;
    }
    return (int64_t)r;
}

int64_t nos_int_div(int64_t a, int64_t b)
{
    if (b == 0)
        nos_err_div_zero();
    if (b == -1)
        return (int64_t)(0 - (uint64_t)a);
    return a / b;
}

int64_t nos_int_rem(int64_t a, int64_t b)
{
    if (b == 0)
        nos_err_div_zero();
    if (b == -1)
        return 0;
    return a % b;
}

int64_t nos_int_abs(int64_t n)
{
    return n < 0 ? (int64_t)(0 - (uint64_t)n) : n;
}

int64_t nos_float_to_int(double d)
{
    if (isnan(d))
        return 0;
    if (d >= 9223372036854775808.0)
        return INT64_MAX;
    if (d < -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)d;
}

int64_t nos_float_floor(double d)
{
    return nos_float_to_int(floor(d));
}

int64_t nos_float_ceil(double d)
{
    return nos_float_to_int(ceil(d));
}

int64_t nos_float_round(double d)
{
    return nos_float_to_int(round(d));
}

nos_str_t *nos_int_to_str(int64_t n)
{
    char buf[24];
    int k = snprintf(buf, sizeof buf, "%lld", (long long)n);
    return nos_str_new(buf, k);
}

nos_str_t *nos_uint_to_str(uint64_t n)
{
    char buf[24];
    int k = snprintf(buf, sizeof buf, "%llu", (unsigned long long)n);
    return nos_str_new(buf, k);
}

/*
 * i64::from_str: an optional '+' or '-', then one or more ASCII digits, nothing else (no
 * spaces, no underscores, no "0x"); a value outside the Int range fails.
 */
bool nos_parse_int(const char *p, int64_t len, int64_t *out)
{
    int64_t i = 0;
    bool neg = false;
    if (len > 0 && (p[0] == '+' || p[0] == '-')) {
        neg = p[0] == '-';
        i = 1;
    }
    if (i == len)
        return false;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    for (; i < len; i++) {
        unsigned d = (unsigned char)p[i] - '0';
        if (d > 9)
            return false;
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

static bool ieq(const char *p, int64_t len, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return false;
    }
    return true;
}

/*
 * f64::from_str: [+-] then "inf", "infinity" or "nan" (any case), or decimal digits with an
 * optional '.' (digits may be missing on one side: "5." and ".5" are fine, "." is not) and an
 * optional exponent [eE][+-]digits. No spaces, no hex, no underscores. Out-of-range values
 * become inf or 0 as usual (correctly rounded, via strtod).
 */
bool nos_parse_float(const char *p, int64_t len, double *out)
{
    int64_t i = 0;
    bool neg = false;
    if (len > 0 && (p[0] == '+' || p[0] == '-')) {
        neg = p[0] == '-';
        i = 1;
    }
    if (ieq(p + i, len - i, "inf") || ieq(p + i, len - i, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return true;
    }
    if (ieq(p + i, len - i, "nan")) {
        *out = NAN;
        return true;
    }
    int64_t start = i, ndig = 0;
    while (i < len && p[i] >= '0' && p[i] <= '9')
        i++, ndig++;
    if (i < len && p[i] == '.') {
        i++;
        while (i < len && p[i] >= '0' && p[i] <= '9')
            i++, ndig++;
    }
    if (ndig == 0)
        return false;
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < len && (p[i] == '+' || p[i] == '-'))
            i++;
        int64_t edig = 0;
        while (i < len && p[i] >= '0' && p[i] <= '9')
            i++, edig++;
        if (edig == 0)
            return false;
    }
    if (i != len)
        return false;
    /* strtod needs a NUL-terminated copy; the syntax is already checked. */
    char small[64];
    char *buf = (size_t)(len - start) < sizeof small ? small : nos_alloc_atomic((size_t)(len - start) + 1);
    memcpy(buf, p + start, (size_t)(len - start));
    buf[len - start] = '\0';
    double v = strtod(buf, NULL);
    *out = neg ? -v : v;
    return true;
}
