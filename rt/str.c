/*
 * str.c - Nostos strings: allocation, the string builder, UTF-8 helpers and the core
 * operations the compiler calls directly (concat, length, index, compare, prefix).
 *
 * Invariants: a nos_str_t is immutable once published; data is NUL-terminated UTF-8 of len
 * bytes; nchars is -1 or the number of code points. The cache is filled with a relaxed
 * atomic store (racing writers store the same number), and only when it is -1, so
 * compiler-emitted constants (which carry their nchars) may live in read-only memory.
 * Strings are atomic (pointer-free) allocations.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const struct {
    int64_t len, nchars;
    char data[1];
} empty_str = { 0, 0, "" };

nos_str_t *nos_str_empty(void)
{
    return (nos_str_t *)&empty_str;
}

nos_str_t *nos__str_alloc(int64_t len)
{
    if (len < 0)
        nos__fatal("negative string length %lld", (long long)len);
    nos_str_t *s = nos_alloc_atomic(sizeof(nos_str_t) + (size_t)len + 1);
    s->len = len;
    s->nchars = -1;
    s->data[len] = '\0';
    return s;
}

nos_str_t *nos_str_new(const char *bytes, int64_t len)
{
    if (len == 0)
        return nos_str_empty();
    nos_str_t *s = nos__str_alloc(len);
    memcpy(s->data, bytes, (size_t)len);
    return s;
}

nos_str_t *nos_str_cstr(const char *s)
{
    return nos_str_new(s, (int64_t)strlen(s));
}

/* ---- builder ------------------------------------------------------------------------------ */

void nos__sb_init(nos__sb_t *b, int64_t cap)
{
    if (cap < 16)
        cap = 16;
    b->s = nos__str_alloc(cap);
    b->s->len = 0;
    b->cap = cap;
}

void nos__sb_reserve(nos__sb_t *b, int64_t extra)
{
    int64_t need = b->s->len + extra;
    if (need <= b->cap)
        return;
    int64_t cap = b->cap * 2;
    if (cap < need)
        cap = need;
    nos_str_t *n = nos__str_alloc(cap);
    memcpy(n->data, b->s->data, (size_t)b->s->len);
    n->len = b->s->len;
    b->s = n;
    b->cap = cap;
}

void nos__sb_add(nos__sb_t *b, const char *p, int64_t n)
{
    if (n <= 0)
        return;
    nos__sb_reserve(b, n);
    memcpy(b->s->data + b->s->len, p, (size_t)n);
    b->s->len += n;
}

void nos__sb_adds(nos__sb_t *b, const char *cstr)
{
    nos__sb_add(b, cstr, (int64_t)strlen(cstr));
}

void nos__sb_addc(nos__sb_t *b, char c)
{
    nos__sb_reserve(b, 1);
    b->s->data[b->s->len++] = c;
}

void nos__sb_add_utf8(nos__sb_t *b, int32_t cp)
{
    char tmp[4];
    nos__sb_add(b, tmp, nos__utf8_encode(cp, tmp));
}

void nos__sb_add_str(nos__sb_t *b, const nos_str_t *s)
{
    nos__sb_add(b, s->data, s->len);
}

void nos__sb_vprintf(nos__sb_t *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int64_t room = b->cap - b->s->len;
    int n = vsnprintf(b->s->data + b->s->len, (size_t)room + 1, fmt, ap);
    if (n < 0)
        nos__fatal("bad format string %s", fmt);
    if (n > room) {
        nos__sb_reserve(b, n);
        vsnprintf(b->s->data + b->s->len, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    b->s->len += n;
}

void nos__sb_printf(nos__sb_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nos__sb_vprintf(b, fmt, ap);
    va_end(ap);
}

nos_str_t *nos__sb_finish(nos__sb_t *b)
{
    nos_str_t *s = b->s;
    s->data[s->len] = '\0';
    b->s = NULL;
    if (s->len == 0)
        return nos_str_empty();
    return s;
}

nos_str_t *nos_str_fmt(const char *fmt, ...)
{
    nos__sb_t b;
    va_list ap;
    nos__sb_init(&b, 64);
    va_start(ap, fmt);
    nos__sb_vprintf(&b, fmt, ap);
    va_end(ap);
    return nos__sb_finish(&b);
}

/* ---- UTF-8 -------------------------------------------------------------------------------- */

int32_t nos__utf8_decode(const char *p, const char *end, int *adv)
{
    const unsigned char *u = (const unsigned char *)p;
    int n = nos__utf8_seqlen(u[0]);
    if (n > end - p)
        n = (int)(end - p);
    *adv = n;
    switch (n) {
    case 1:
        return u[0] < 0x80 ? u[0] : 0xFFFD;
    case 2:
        return ((u[0] & 0x1F) << 6) | (u[1] & 0x3F);
    case 3:
        return ((u[0] & 0x0F) << 12) | ((u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    default:
        return ((u[0] & 0x07) << 18) | ((u[1] & 0x3F) << 12) | ((u[2] & 0x3F) << 6) |
               (u[3] & 0x3F);
    }
}

int nos__utf8_encode(int32_t cp, char *out)
{
    uint32_t c = (uint32_t)cp;
    if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        c = 0xFFFD;
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

bool nos_utf8_valid(const char *p, int64_t len)
{
    const unsigned char *u = (const unsigned char *)p;
    int64_t i = 0;
    while (i < len) {
        unsigned char c = u[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int n;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (len - i < n)
            return false;
        for (int k = 1; k < n; k++) {
            if ((u[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (u[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}

/* Count code points: every byte that is not a continuation byte starts one. */
static int64_t count_chars(const char *p, int64_t len)
{
    int64_t n = 0;
    for (int64_t i = 0; i < len; i++)
        n += ((unsigned char)p[i] & 0xC0) != 0x80;
    return n;
}

int64_t nos_str_length(nos_str_t *s)
{
    int64_t n = __atomic_load_n(&s->nchars, __ATOMIC_RELAXED);
    if (n >= 0)
        return n;
    n = count_chars(s->data, s->len);
    __atomic_store_n(&s->nchars, n, __ATOMIC_RELAXED);
    return n;
}

int64_t nos__str_char_offset(nos_str_t *s, int64_t ci)
{
    if (ci <= 0)
        return 0;
    if (nos_str_length(s) == s->len) /* ASCII: chars are bytes */
        return ci < s->len ? ci : s->len;
    int64_t i = 0;
    while (i < s->len && ci > 0) {
        i += nos__utf8_seqlen((unsigned char)s->data[i]);
        ci--;
    }
    return i < s->len ? i : s->len;
}

/* ---- core operations ---------------------------------------------------------------------- */

nos_str_t *nos_str_concat(nos_str_t *a, nos_str_t *b)
{
    if (a->len == 0)
        return b;
    if (b->len == 0)
        return a;
    nos_str_t *s = nos__str_alloc(a->len + b->len);
    memcpy(s->data, a->data, (size_t)a->len);
    memcpy(s->data + a->len, b->data, (size_t)b->len);
    int64_t na = __atomic_load_n(&a->nchars, __ATOMIC_RELAXED);
    int64_t nb = __atomic_load_n(&b->nchars, __ATOMIC_RELAXED);
    if (na >= 0 && nb >= 0)
        s->nchars = na + nb;
    return s;
}

nos_str_t *nos_str_concat_n(nos_str_t *const *parts, int64_t n)
{
    int64_t len = 0;
    for (int64_t i = 0; i < n; i++)
        len += parts[i]->len;
    if (len == 0)
        return nos_str_empty();
    nos_str_t *s = nos__str_alloc(len);
    char *p = s->data;
    for (int64_t i = 0; i < n; i++) {
        memcpy(p, parts[i]->data, (size_t)parts[i]->len);
        p += parts[i]->len;
    }
    return s;
}

/*
 * s[i]: the code point at char index i as a 1-char String. Throws
 * ("IndexOutOfBounds", "Index i out of bounds for string of length n") when i < 0 or i >= n.
 */
nos_str_t *nos_str_index(nos_str_t *s, int64_t i)
{
    int64_t n = nos_str_length(s);
    if (i < 0 || i >= n)
        nos__throw_kind("IndexOutOfBounds",
                        nos_str_fmt("Index %lld out of bounds for string of length %lld",
                                    (long long)i, (long long)n));
    int64_t off = nos__str_char_offset(s, i);
    int k = nos__utf8_seqlen((unsigned char)s->data[off]);
    if (k > s->len - off)
        k = (int)(s->len - off);
    nos_str_t *r = nos_str_new(s->data + off, k);
    r->nchars = 1;
    return r;
}

nos_str_t *nos_char_to_str(int32_t c)
{
    char tmp[4];
    int n = nos__utf8_encode(c, tmp);
    nos_str_t *r = nos_str_new(tmp, n);
    r->nchars = 1;
    return r;
}

bool nos_str_eq(nos_str_t *a, nos_str_t *b)
{
    return a == b || (a->len == b->len && memcmp(a->data, b->data, (size_t)a->len) == 0);
}

int nos_str_cmp(nos_str_t *a, nos_str_t *b)
{
    int64_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->data, b->data, (size_t)n);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len;
}

bool nos_str_has_prefix(nos_str_t *s, const char *p, int64_t plen)
{
    return plen <= s->len && memcmp(s->data, p, (size_t)plen) == 0;
}

nos_str_t *nos_str_drop_bytes(nos_str_t *s, int64_t nbytes)
{
    if (nbytes <= 0)
        return s;
    if (nbytes >= s->len)
        return nos_str_empty();
    return nos_str_new(s->data + nbytes, s->len - nbytes);
}

nos_str_t *nos_str_slice_bytes(nos_str_t *s, int64_t from, int64_t to)
{
    if (from < 0)
        from = 0;
    if (to > s->len)
        to = s->len;
    if (from == 0 && to == s->len)
        return s;
    if (to <= from)
        return nos_str_empty();
    return nos_str_new(s->data + from, to - from);
}
