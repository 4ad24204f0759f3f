/*
 * floatfmt.c - the display form of Float and Float32 (LANGUAGE.md 1.10), which is Rust's
 * Display for f64/f32:
 *   NaN -> "NaN", +inf -> "inf", -inf -> "-inf";
 *   a finite whole number -> its exact decimal value with ".0" ("3.0", "-0.0",
 *     "100000000000000000000.0" for 1e20);
 *   anything else -> the shortest decimal that reads back as the same value (the closest
 *     one when several of that length do), written out in full, never in exponent form
 *     ("0.30000000000000004", "0.0000001").
 * The shortest digits are found by asking printf for the correctly rounded value with
 * 1..17 (f32: 1..9) significant digits and checking with strtod/strtof which ones read
 * back; see shortest() for why that also finds Ryu's answer.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Digits of |x| in scientific form with `prec` significant digits; returns the exponent. */
static int sci_digits(double x, int prec, char *digits)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*e", prec - 1, x);
    /* buf is "d.ddddde[+-]xx" or "de[+-]xx" */
    int n = 0;
    const char *p = buf;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    digits[n] = '\0';
    return atoi(p + 1);
}

/* Does the decimal digits x 10^(exp - ndigits + 1) read back as x? */
static bool reads_back(const char *digits, int exp, double x, bool f32)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%c.%se%d", digits[0], digits + 1, exp);
    if (f32)
        return strtof(buf, NULL) == (float)x;
    return strtod(buf, NULL) == x;
}

/* Add delta (+1 or -1) in the last place of the digit string; adjusts exp on carry. */
static bool step_digits(char *digits, int *exp, int delta)
{
    int n = (int)strlen(digits);
    char tmp[32];
    memcpy(tmp, digits, (size_t)n + 1);
    int i = n - 1;
    if (delta > 0) {
        while (i >= 0 && tmp[i] == '9')
            tmp[i--] = '0';
        if (i < 0) { /* 999 -> 1000: one more digit, drop the last to keep the length */
            tmp[0] = '1';
            for (int k = 1; k < n; k++)
                tmp[k] = '0';
            (*exp)++;
        } else {
            tmp[i]++;
        }
    } else {
        while (i >= 0 && tmp[i] == '0')
            tmp[i--] = '9';
        if (i < 0 || (i == 0 && tmp[0] == '1' && n == 1))
            return false;
        tmp[i]--;
        if (tmp[0] == '0') { /* 1000 -> 0999: renormalise as 9990 with exp - 1 */
            memmove(tmp, tmp + 1, (size_t)n);
            tmp[n - 1] = '9';
            (*exp)--;
        }
    }
    memcpy(digits, tmp, (size_t)n + 1);
    return true;
}

/*
 * The shortest digits of x > 0 that read back, and their exponent. Reading back is monotone
 * in the number of digits for the correctly rounded candidate (more digits are never
 * farther away), so a binary search finds the least count P whose rounded candidate reads
 * back. With P - 1 digits the rounded candidate fails, but at a power of two the rounding
 * interval is lopsided and the neighbour on the wide side may still read back; those are
 * tried before settling on P digits.
 */
static int shortest(double x, bool f32, char *digits)
{
    int lo = 1, hi = f32 ? 9 : 17;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        char d[32];
        int e = sci_digits(x, mid, d);
        if (reads_back(d, e, x, f32))
            hi = mid;
        else
            lo = mid + 1;
    }
    int best_exp = sci_digits(x, lo, digits);
    if (lo > 1) {
        char d[32];
        int e0 = sci_digits(x, lo - 1, d);
        for (int delta = 1; delta >= -1; delta -= 2) {
            char c[32];
            int e = e0;
            memcpy(c, d, sizeof c);
            if (step_digits(c, &e, delta) && reads_back(c, e, x, f32)) {
                strcpy(digits, c);
                return e;
            }
        }
    }
    return best_exp;
}

static void fmt_shortest(nos__sb_t *b, double x, bool f32)
{
    if (isnan(x)) {
        nos__sb_adds(b, "NaN");
        return;
    }
    if (isinf(x)) {
        nos__sb_adds(b, x < 0 ? "-inf" : "inf");
        return;
    }
    if (x == floor(x)) {
        /* Whole: exact value, one decimal (printf is exact, like Rust's {:.1}). */
        nos__sb_printf(b, "%.1f", x);
        return;
    }
    if (signbit(x)) {
        nos__sb_addc(b, '-');
        x = -x;
    }
    char digits[32];
    int exp = shortest(x, f32, digits);
    int n = (int)strlen(digits);
    while (n > 1 && digits[n - 1] == '0')
        digits[--n] = '\0';
    if (exp < 0) {
        nos__sb_adds(b, "0.");
        for (int i = 0; i < -exp - 1; i++)
            nos__sb_addc(b, '0');
        nos__sb_add(b, digits, n);
    } else if (exp + 1 >= n) {
        /* Not reached for non-whole values; kept for completeness. */
        nos__sb_add(b, digits, n);
        for (int i = n; i <= exp; i++)
            nos__sb_addc(b, '0');
        nos__sb_adds(b, ".0");
    } else {
        nos__sb_add(b, digits, exp + 1);
        nos__sb_addc(b, '.');
        nos__sb_add(b, digits + exp + 1, n - exp - 1);
    }
}

void nos__fmt_float(nos__sb_t *b, double d)
{
    fmt_shortest(b, d, false);
}

void nos__fmt_f32(nos__sb_t *b, float f)
{
    fmt_shortest(b, (double)f, true);
}

nos_str_t *nos_float_to_str(double d)
{
    nos__sb_t b;
    nos__sb_init(&b, 32);
    nos__fmt_float(&b, d);
    return nos__sb_finish(&b);
}

nos_str_t *nos_f32_to_str(float f)
{
    nos__sb_t b;
    nos__sb_init(&b, 32);
    nos__fmt_f32(&b, f);
    return nos__sb_finish(&b);
}
