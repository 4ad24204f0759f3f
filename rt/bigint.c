/*
 * bigint.c - arbitrary precision integers (BigInt, `42n`) and decimals (Decimal, `1.5d`).
 *
 * BigInt: sign and magnitude, the magnitude in base 2^32 limbs, least significant first,
 * always normalised (no leading zero limb; zero has n == 0 and sign 0). Division truncates
 * toward zero and the remainder takes the dividend's sign, like Int. Schoolbook
 * multiplication and Knuth's algorithm D: fine for the sizes programs use here.
 * Decimal: mant / 10^scale with a BigInt mantissa and 0 <= scale <= 28 (as rust_decimal,
 * though the mantissa is not limited to 96 bits). Addition keeps the larger scale,
 * multiplication adds scales (rounding half to even beyond 28), division gives the exact
 * quotient when it has at most 28 decimals and is rounded to 28 decimals otherwise.
 * Comparison is numeric (1.50 == 1.5) and display keeps the scale ("1.50").
 * All values are immutable; any thread.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_SCALE 28

static const nos_bigint_t zero_big = { 0, 0 };

static nos_bigint_t *big_alloc(uint32_t n)
{
    nos_bigint_t *a = nos_alloc_atomic(sizeof(nos_bigint_t) + sizeof(uint32_t) * (n ? n : 1));
    a->sign = 0;
    a->n = n;
    return a;
}

static nos_bigint_t *normalize(nos_bigint_t *a, int sign)
{
    while (a->n > 0 && a->d[a->n - 1] == 0)
        a->n--;
    a->sign = a->n ? sign : 0;
    return a->n ? a : (nos_bigint_t *)&zero_big;
}

nos_bigint_t *nos_bigint_from_i64(int64_t v)
{
    if (v == 0)
        return (nos_bigint_t *)&zero_big;
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    nos_bigint_t *a = big_alloc(2);
    a->d[0] = (uint32_t)m;
    a->d[1] = (uint32_t)(m >> 32);
    return normalize(a, v < 0 ? -1 : 1);
}

/* ---- magnitudes ----------------------------------------------------------------------------- */

static int mag_cmp(const nos_bigint_t *a, const nos_bigint_t *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (uint32_t i = a->n; i-- > 0;)
        if (a->d[i] != b->d[i])
            return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

static nos_bigint_t *mag_add(const nos_bigint_t *a, const nos_bigint_t *b, int sign)
{
    if (a->n < b->n) {
        const nos_bigint_t *t = a;
        a = b;
        b = t;
    }
    nos_bigint_t *r = big_alloc(a->n + 1);
    uint64_t carry = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        uint64_t s = (uint64_t)a->d[i] + (i < b->n ? b->d[i] : 0) + carry;
        r->d[i] = (uint32_t)s;
        carry = s >> 32;
    }
    r->d[a->n] = (uint32_t)carry;
    return normalize(r, sign);
}

/* |a| - |b| with |a| >= |b|. */
static nos_bigint_t *mag_sub(const nos_bigint_t *a, const nos_bigint_t *b, int sign)
{
    nos_bigint_t *r = big_alloc(a->n);
    int64_t borrow = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        int64_t s = (int64_t)a->d[i] - (i < b->n ? b->d[i] : 0) - borrow;
        borrow = s < 0;
        r->d[i] = (uint32_t)(s + (borrow ? (int64_t)1 << 32 : 0));
    }
    return normalize(r, sign);
}

static nos_bigint_t *mag_mul(const nos_bigint_t *a, const nos_bigint_t *b, int sign)
{
    if (!a->n || !b->n)
        return (nos_bigint_t *)&zero_big;
    nos_bigint_t *r = big_alloc(a->n + b->n);
    memset(r->d, 0, sizeof(uint32_t) * (a->n + b->n));
    for (uint32_t i = 0; i < a->n; i++) {
        uint64_t carry = 0;
        for (uint32_t j = 0; j < b->n; j++) {
            uint64_t t = (uint64_t)a->d[i] * b->d[j] + r->d[i + j] + carry;
            r->d[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        r->d[i + b->n] = (uint32_t)carry;
    }
    return normalize(r, sign);
}

/* |a| * m + add, for small m and add. */
static nos_bigint_t *mag_mul_small(const nos_bigint_t *a, uint32_t m, uint32_t add, int sign)
{
    nos_bigint_t *r = big_alloc(a->n + 1);
    uint64_t carry = add;
    for (uint32_t i = 0; i < a->n; i++) {
        uint64_t t = (uint64_t)a->d[i] * m + carry;
        r->d[i] = (uint32_t)t;
        carry = t >> 32;
    }
    r->d[a->n] = (uint32_t)carry;
    return normalize(r, sign);
}

/* |a| / m (truncated) into a new magnitude with the given sign; *rem gets |a| % m. */
static nos_bigint_t *mag_div_small(const nos_bigint_t *a, uint32_t m, uint32_t *rem, int sign)
{
    nos_bigint_t *q = big_alloc(a->n);
    uint64_t r = 0;
    for (uint32_t i = a->n; i-- > 0;) {
        uint64_t cur = (r << 32) | a->d[i];
        q->d[i] = (uint32_t)(cur / m);
        r = cur % m;
    }
    *rem = (uint32_t)r;
    return normalize(q, sign);
}

/*
 * Knuth's algorithm D (TAOCP 4.3.1, as in Hacker's Delight divmnu): |u| = q |v| + r with
 * v->n >= 2 and |u| >= |v|. Quotient and remainder get the signs given.
 */
static void mag_divmod(const nos_bigint_t *u, const nos_bigint_t *v, nos_bigint_t **qo, int qsign,
                       nos_bigint_t **ro, int rsign)
{
    uint32_t m = u->n, n = v->n;
    int s = __builtin_clz(v->d[n - 1]);
    uint32_t *vn = nos_alloc_atomic(sizeof(uint32_t) * n);
    uint32_t *un = nos_alloc_atomic(sizeof(uint32_t) * (m + 1));
    for (uint32_t i = n - 1; i > 0; i--)
        vn[i] = (v->d[i] << s) | (s ? (uint32_t)((uint64_t)v->d[i - 1] >> (32 - s)) : 0);
    vn[0] = v->d[0] << s;
    un[m] = s ? (uint32_t)((uint64_t)u->d[m - 1] >> (32 - s)) : 0;
    for (uint32_t i = m - 1; i > 0; i--)
        un[i] = (u->d[i] << s) | (s ? (uint32_t)((uint64_t)u->d[i - 1] >> (32 - s)) : 0);
    un[0] = u->d[0] << s;

    nos_bigint_t *q = big_alloc(m - n + 1);
    const uint64_t base = (uint64_t)1 << 32;
    for (int64_t j = (int64_t)(m - n); j >= 0; j--) {
        uint64_t num = ((uint64_t)un[j + n] << 32) | un[j + n - 1];
        uint64_t qhat = num / vn[n - 1];
        uint64_t rhat = num % vn[n - 1];
        while (qhat >= base || qhat * vn[n - 2] > ((rhat << 32) | un[j + n - 2])) {
            qhat--;
            rhat += vn[n - 1];
            if (rhat >= base)
                break;
        }
        int64_t borrow = 0, t;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t p = qhat * vn[i];
            t = (int64_t)un[i + j] - borrow - (int64_t)(p & 0xFFFFFFFFu);
            un[i + j] = (uint32_t)t;
            borrow = (int64_t)(p >> 32) - (t >> 32);
        }
        t = (int64_t)un[j + n] - borrow;
        un[j + n] = (uint32_t)t;
        q->d[j] = (uint32_t)qhat;
        if (t < 0) {
            q->d[j]--;
            uint64_t carry = 0;
            for (uint32_t i = 0; i < n; i++) {
                uint64_t sum = (uint64_t)un[i + j] + vn[i] + carry;
                un[i + j] = (uint32_t)sum;
                carry = sum >> 32;
            }
            un[j + n] += (uint32_t)carry;
        }
    }
    if (qo)
        *qo = normalize(q, qsign);
    if (ro) {
        nos_bigint_t *r = big_alloc(n);
        for (uint32_t i = 0; i < n; i++)
            r->d[i] = (un[i] >> s) | (s ? (uint32_t)((uint64_t)un[i + 1] << (32 - s)) : 0);
        *ro = normalize(r, rsign);
    }
}

/* Truncating division with signs: q = trunc(a / b), r = a - q b (sign of a). */
static void divmod(nos_bigint_t *a, nos_bigint_t *b, nos_bigint_t **q, nos_bigint_t **r)
{
    if (b->n == 0)
        nos_err_div_zero();
    int qs = a->sign * b->sign, rs = a->sign;
    if (mag_cmp(a, b) < 0) {
        if (q)
            *q = (nos_bigint_t *)&zero_big;
        if (r)
            *r = a;
        return;
    }
    if (b->n == 1) {
        uint32_t rem;
        nos_bigint_t *qq = mag_div_small(a, b->d[0], &rem, qs);
        if (q)
            *q = qq;
        if (r)
            *r = rem ? nos_bigint_from_i64(rs < 0 ? -(int64_t)rem : (int64_t)rem)
                     : (nos_bigint_t *)&zero_big;
        return;
    }
    mag_divmod(a, b, q, qs, r, rs);
}

/* ---- BigInt API ------------------------------------------------------------------------------- */

nos_bigint_t *nos_bigint_add(nos_bigint_t *a, nos_bigint_t *b)
{
    if (!a->n)
        return b;
    if (!b->n)
        return a;
    if (a->sign == b->sign)
        return mag_add(a, b, a->sign);
    int c = mag_cmp(a, b);
    if (c == 0)
        return (nos_bigint_t *)&zero_big;
    return c > 0 ? mag_sub(a, b, a->sign) : mag_sub(b, a, b->sign);
}

nos_bigint_t *nos_bigint_neg(nos_bigint_t *a)
{
    if (!a->n)
        return a;
    nos_bigint_t *r = big_alloc(a->n);
    memcpy(r->d, a->d, sizeof(uint32_t) * a->n);
    r->sign = -a->sign;
    return r;
}

nos_bigint_t *nos_bigint_sub(nos_bigint_t *a, nos_bigint_t *b)
{
    return nos_bigint_add(a, nos_bigint_neg(b));
}

nos_bigint_t *nos_bigint_mul(nos_bigint_t *a, nos_bigint_t *b)
{
    return mag_mul(a, b, a->sign * b->sign);
}

nos_bigint_t *nos_bigint_div(nos_bigint_t *a, nos_bigint_t *b)
{
    nos_bigint_t *q;
    divmod(a, b, &q, NULL);
    return q;
}

nos_bigint_t *nos_bigint_rem(nos_bigint_t *a, nos_bigint_t *b)
{
    nos_bigint_t *r;
    divmod(a, b, NULL, &r);
    return r;
}

nos_bigint_t *nos_bigint_pow(nos_bigint_t *a, int64_t exp)
{
    if (exp < 0)
        nos_err_pow_negative();
    nos_bigint_t *r = nos_bigint_from_i64(1);
    while (exp) {
        if (exp & 1)
            r = nos_bigint_mul(r, a);
        exp >>= 1;
        if (exp)
            a = nos_bigint_mul(a, a);
    }
    return r;
}

int nos_bigint_cmp(nos_bigint_t *a, nos_bigint_t *b)
{
    if (a->sign != b->sign)
        return a->sign < b->sign ? -1 : 1;
    int c = mag_cmp(a, b);
    return a->sign < 0 ? -c : c;
}

int64_t nos_bigint_to_i64(nos_bigint_t *a)
{
    uint64_t m = 0;
    if (a->n > 0)
        m = a->d[0];
    if (a->n > 1)
        m |= (uint64_t)a->d[1] << 32;
    return (int64_t)(a->sign < 0 ? 0 - m : m);
}

double nos_bigint_to_float(nos_bigint_t *a)
{
    return strtod(nos_bigint_to_str(a)->data, NULL);
}

/* [+-]digits, nothing else. */
nos_bigint_t *nos_bigint_parse(const char *p, int64_t len)
{
    int64_t i = 0;
    int sign = 1;
    if (len > 0 && (p[0] == '+' || p[0] == '-')) {
        sign = p[0] == '-' ? -1 : 1;
        i = 1;
    }
    if (i == len)
        return NULL;
    nos_bigint_t *r = (nos_bigint_t *)&zero_big;
    while (i < len) {
        uint32_t chunk = 0, mul = 1;
        for (int k = 0; k < 9 && i < len; k++, i++) {
            unsigned d = (unsigned char)p[i] - '0';
            if (d > 9)
                return NULL;
            chunk = chunk * 10 + d;
            mul *= 10;
        }
        r = mag_mul_small(r, mul, chunk, 1);
    }
    if (r->n)
        r->sign = sign;
    return r;
}

static void append_mag_digits(nos__sb_t *b, const nos_bigint_t *a)
{
    if (!a->n) {
        nos__sb_addc(b, '0');
        return;
    }
    /* Peel off base-10^9 chunks, least significant first. */
    uint32_t *chunks = nos_alloc_atomic(sizeof(uint32_t) * (a->n * 2 + 1));
    int nchunks = 0;
    const nos_bigint_t *cur = a;
    while (cur->n) {
        uint32_t rem;
        cur = mag_div_small(cur, 1000000000u, &rem, 1);
        chunks[nchunks++] = rem;
    }
    nos__sb_printf(b, "%u", chunks[nchunks - 1]);
    for (int i = nchunks - 2; i >= 0; i--)
        nos__sb_printf(b, "%09u", chunks[i]);
}

nos_str_t *nos_bigint_to_str(nos_bigint_t *a)
{
    nos__sb_t b;
    nos__sb_init(&b, 16 + 10 * (int64_t)a->n);
    if (a->sign < 0)
        nos__sb_addc(&b, '-');
    append_mag_digits(&b, a);
    return nos__sb_finish(&b);
}

uint64_t nos__bigint_hash(nos_bigint_t *a)
{
    uint64_t h = nos__fnv1a(a->d, sizeof(uint32_t) * a->n);
    return a->sign < 0 ? ~h : h;
}

/* ---- Decimal ------------------------------------------------------------------------------------ */

static nos_bigint_t *pow10_big(int64_t k)
{
    nos_bigint_t *r = nos_bigint_from_i64(1);
    for (; k >= 9; k -= 9)
        r = mag_mul_small(r, 1000000000u, 0, 1);
    uint32_t m = 1;
    for (; k > 0; k--)
        m *= 10;
    return m == 1 ? r : mag_mul_small(r, m, 0, 1);
}

static nos_decimal_t *dec_make(nos_bigint_t *mant, int64_t scale)
{
    nos_decimal_t *d = nos_alloc(sizeof *d);
    d->mant = mant;
    d->scale = scale;
    return d;
}

static nos_bigint_t *rescale(nos_bigint_t *m, int64_t from, int64_t to)
{
    return to > from ? nos_bigint_mul(m, pow10_big(to - from)) : m;
}

/* Divide mant by 10^k rounding half to even. */
static nos_bigint_t *round_div_pow10(nos_bigint_t *mant, int64_t k)
{
    nos_bigint_t *p = pow10_big(k), *q, *r;
    divmod(mant, p, &q, &r);
    if (!r->n)
        return q;
    nos_bigint_t *twice = mag_mul_small(r, 2, 0, 1);
    int c = mag_cmp(twice, p);
    if (c > 0 || (c == 0 && q->n && (q->d[0] & 1)))
        q = nos_bigint_add(q, nos_bigint_from_i64(mant->sign));
    return q;
}

static nos_decimal_t *dec_fit(nos_bigint_t *mant, int64_t scale)
{
    if (scale > MAX_SCALE) {
        mant = round_div_pow10(mant, scale - MAX_SCALE);
        scale = MAX_SCALE;
    }
    return dec_make(mant, scale);
}

nos_decimal_t *nos_decimal_from_i64(int64_t n)
{
    return dec_make(nos_bigint_from_i64(n), 0);
}

/* [+-]digits[.digits] (digits on both sides of a '.'); more than 28 decimals are rounded. */
nos_decimal_t *nos_decimal_parse(const char *p, int64_t len)
{
    const char *dot = memchr(p, '.', (size_t)len);
    if (!dot) {
        nos_bigint_t *m = nos_bigint_parse(p, len);
        return m ? dec_make(m, 0) : NULL;
    }
    int64_t ip = dot - p, fl = len - ip - 1;
    if (fl == 0 || ip == 0 || (ip == 1 && (p[0] == '+' || p[0] == '-')))
        return NULL;
    char *buf = nos_alloc_atomic((size_t)len);
    memcpy(buf, p, (size_t)ip);
    memcpy(buf + ip, dot + 1, (size_t)fl);
    for (int64_t i = 0; i < fl; i++)
        if (dot[1 + i] < '0' || dot[1 + i] > '9')
            return NULL;
    nos_bigint_t *m = nos_bigint_parse(buf, len - 1);
    return m ? dec_fit(m, fl) : NULL;
}

nos_decimal_t *nos_decimal_add(nos_decimal_t *a, nos_decimal_t *b)
{
    int64_t s = a->scale > b->scale ? a->scale : b->scale;
    return dec_make(nos_bigint_add(rescale(a->mant, a->scale, s), rescale(b->mant, b->scale, s)), s);
}

nos_decimal_t *nos_decimal_neg(nos_decimal_t *a)
{
    return dec_make(nos_bigint_neg(a->mant), a->scale);
}

nos_decimal_t *nos_decimal_sub(nos_decimal_t *a, nos_decimal_t *b)
{
    return nos_decimal_add(a, nos_decimal_neg(b));
}

nos_decimal_t *nos_decimal_mul(nos_decimal_t *a, nos_decimal_t *b)
{
    return dec_fit(nos_bigint_mul(a->mant, b->mant), a->scale + b->scale);
}

nos_decimal_t *nos_decimal_div(nos_decimal_t *a, nos_decimal_t *b)
{
    if (!b->mant->n)
        nos_err_div_zero();
    /* a/b = (am / bm) * 10^(bs - as): find the least result scale s >= max(0, as - bs)
     * with an exact quotient, up to 28, then round at 28. */
    int64_t s = a->scale - b->scale > 0 ? a->scale - b->scale : 0;
    for (;; s++) {
        int64_t k = s - a->scale + b->scale; /* am * 10^k / bm has scale s */
        nos_bigint_t *num = rescale(a->mant, 0, k);
        if (s < MAX_SCALE) {
            nos_bigint_t *q, *r;
            divmod(num, b->mant, &q, &r);
            if (!r->n)
                return dec_make(q, s);
            continue;
        }
        /* Scale 28: one more digit, then round half to even. */
        nos_bigint_t *q, *r;
        divmod(nos_bigint_mul(num, nos_bigint_from_i64(10)), b->mant, &q, &r);
        nos_bigint_t *q10;
        uint32_t last;
        q10 = mag_div_small(q, 10, &last, q->sign);
        bool up = last > 5 || (last == 5 && (r->n || (q10->n && (q10->d[0] & 1))));
        if (up)
            q10 = nos_bigint_add(q10, nos_bigint_from_i64(a->mant->sign * b->mant->sign));
        return dec_make(q10, s);
    }
}

nos_decimal_t *nos_decimal_rem(nos_decimal_t *a, nos_decimal_t *b)
{
    int64_t s = a->scale > b->scale ? a->scale : b->scale;
    return dec_make(nos_bigint_rem(rescale(a->mant, a->scale, s), rescale(b->mant, b->scale, s)), s);
}

int nos_decimal_cmp(nos_decimal_t *a, nos_decimal_t *b)
{
    int64_t s = a->scale > b->scale ? a->scale : b->scale;
    return nos_bigint_cmp(rescale(a->mant, a->scale, s), rescale(b->mant, b->scale, s));
}

double nos_decimal_to_float(nos_decimal_t *a)
{
    return strtod(nos_decimal_to_str(a)->data, NULL);
}

nos_str_t *nos_decimal_to_str(nos_decimal_t *a)
{
    nos__sb_t digits;
    nos__sb_init(&digits, 32);
    append_mag_digits(&digits, a->mant);
    nos_str_t *d = nos__sb_finish(&digits);
    if (a->scale == 0)
        return a->mant->sign < 0 ? nos_str_concat(nos_str_cstr("-"), d) : d;
    nos__sb_t b;
    nos__sb_init(&b, d->len + a->scale + 3);
    if (a->mant->sign < 0)
        nos__sb_addc(&b, '-');
    if (d->len <= a->scale) {
        nos__sb_adds(&b, "0.");
        for (int64_t i = d->len; i < a->scale; i++)
            nos__sb_addc(&b, '0');
        nos__sb_add_str(&b, d);
    } else {
        nos__sb_add(&b, d->data, d->len - a->scale);
        nos__sb_addc(&b, '.');
        nos__sb_add(&b, d->data + d->len - a->scale, a->scale);
    }
    return nos__sb_finish(&b);
}

/* Equal decimals (1.50 and 1.5) hash alike: trailing zeros are removed first. */
uint64_t nos__decimal_hash(nos_decimal_t *a)
{
    nos_bigint_t *m = a->mant;
    int64_t s = a->scale;
    while (s > 0 && m->n) {
        uint32_t rem;
        nos_bigint_t *q = mag_div_small(m, 10, &rem, m->sign);
        if (rem)
            break;
        m = q;
        s--;
    }
    if (!m->n)
        s = 0;
    return nos__bigint_hash(m) * 1099511628211ull ^ (uint64_t)s;
}

/* ---- entry points used by generated code ---------------------------------------------------- */

/* Copy of a literal's text without '_' separators and without a trailing suffix letter. */
static nos_str_t *literal_digits(nos_str_t *text, char suffix)
{
    nos__sb_t b;
    nos__sb_init(&b, text->len);
    for (int64_t i = 0; i < text->len; i++)
        if (text->data[i] != '_')
            nos__sb_addc(&b, text->data[i]);
    nos_str_t *s = nos__sb_finish(&b);
    if (s->len > 0 && s->data[s->len - 1] == suffix)
        s = nos_str_new(s->data, s->len - 1);
    return s;
}

/* A BigInt literal: the text of `123n` ("123", "123n" and "1_000" are accepted). */
nos_bigint_t *nos_bigint_lit(nos_str_t *text)
{
    nos_str_t *s = literal_digits(text, 'n');
    nos_bigint_t *r = nos_bigint_parse(s->data, s->len);
    if (!r)
        nos__fatal("bad BigInt literal '%s'", text->data);
    return r;
}

/* A Decimal literal: the text of `3.14d` ("3.14", "3.14d", "10" are accepted). */
nos_decimal_t *nos_decimal_lit(nos_str_t *text)
{
    nos_str_t *s = literal_digits(text, 'd');
    nos_decimal_t *r = nos_decimal_parse(s->data, s->len);
    if (!r)
        nos__fatal("bad Decimal literal '%s'", text->data);
    return r;
}

nos_bigint_t *nos_bigint_abs(nos_bigint_t *a)
{
    return a->sign < 0 ? nos_bigint_neg(a) : a;
}

nos_decimal_t *nos_decimal_abs(nos_decimal_t *a)
{
    return a->mant->sign < 0 ? nos_decimal_neg(a) : a;
}

/* a ** b for BigInt b: b < 0 throws; |a| <= 1 needs no big exponent. */
nos_bigint_t *nos_bigint_pow_big(nos_bigint_t *a, nos_bigint_t *b)
{
    if (b->sign < 0)
        nos_err_pow_negative();
    if (a->n == 0)
        return b->n == 0 ? nos_bigint_from_i64(1) : a;
    if (a->n == 1 && a->d[0] == 1)
        return a->sign > 0 || !b->n || !(b->d[0] & 1) ? nos_bigint_from_i64(1) : a;
    if (b->n > 1)
        nos_throw_error("Panic", "BigInt exponent too large");
    return nos_bigint_pow(a, (int64_t)b->d[0]);
}

/*
 * Decimal from a Float: the shortest decimal that reads back as the Float (so 0.1 becomes
 * 0.1, as rust_decimal's from_f64 does), rounded to 28 decimals. NaN and infinities throw.
 */
nos_decimal_t *nos_decimal_from_float(double d)
{
    if (!isfinite(d))
        nos_throw_error("Panic", "Cannot convert %s to Decimal", isnan(d) ? "NaN" : "infinity");
    nos_str_t *s = nos_float_to_str(d);
    nos_decimal_t *r = nos_decimal_parse(s->data, s->len);
    if (!r)
        nos__fatal("nos_decimal_from_float: cannot parse %s", s->data);
    /* Whole values print as "N.0": drop that scale. */
    if (d == (double)(int64_t)d && r->scale == 1)
        r = dec_make(nos_bigint_div(r->mant, nos_bigint_from_i64(10)), 0);
    return r;
}

/*
 * a ** b: an integral b uses repeated multiplication (b < 0 gives 1 / a^-b, rounded to 28
 * decimals); a fractional b goes through Float pow.
 */
nos_decimal_t *nos_decimal_pow(nos_decimal_t *a, nos_decimal_t *b)
{
    nos_bigint_t *p = pow10_big(b->scale), *q, *r;
    divmod(b->mant, p, &q, &r);
    if (r->n == 0 && q->n <= 1) {
        int64_t e = q->n ? (int64_t)q->d[0] : 0;
        nos_decimal_t *acc = nos_decimal_from_i64(1), *base = a;
        while (e) {
            if (e & 1)
                acc = nos_decimal_mul(acc, base);
            e >>= 1;
            if (e)
                base = nos_decimal_mul(base, base);
        }
        return q->sign < 0 ? nos_decimal_div(nos_decimal_from_i64(1), acc) : acc;
    }
    return nos_decimal_from_float(pow(nos_decimal_to_float(a), nos_decimal_to_float(b)));
}
