/*
 * strlib.c - the String and Char natives of the standard library (LANGUAGE.md 2.7).
 *
 * Semantics follow the reference (crates/vm/src/async_vm.rs, natives "String.*"), which are
 * Rust's str methods. Indices and counts are in code points unless a function says bytes.
 * The reference reads Int arguments with `n as usize`, so a negative count or index acts
 * as a huge one; the functions below reproduce the visible effect (documented per
 * function) except where that would crash the reference (repeat, padStart/padEnd), where a
 * negative count means zero. Whitespace is Unicode White_Space, as Rust's trim and
 * split_whitespace use. Case mapping is per code point through the C.UTF-8 locale's tables
 * (ASCII without it), plus ß -> SS in toUpper; Rust's other multi-character and
 * context-dependent mappings (final sigma, İ -> i̇) are not reproduced.
 * All functions return new strings or share their argument when the result is equal to it;
 * none yield. Any thread.
 */
#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <wctype.h>

#include "internal.h"

#define PTRV(p) ((nos_val_t)(uintptr_t)(p))

/* ---- characters ------------------------------------------------------------------------------ */

static pthread_once_t locale_once = PTHREAD_ONCE_INIT;
static locale_t utf8_locale;

static void init_locale(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static locale_t uloc(void)
{
    pthread_once(&locale_once, init_locale);
    return utf8_locale;
}

/* Unicode White_Space (Rust's char::is_whitespace). */
bool nos_char_is_whitespace(int32_t c)
{
    if (c <= 0x20)
        return c == 0x20 || (c >= 0x09 && c <= 0x0D);
    if (c < 0x85)
        return false;
    return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
           c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* isDigit: ASCII '0'..'9' only. */
bool nos_char_is_digit(int32_t c)
{
    return c >= '0' && c <= '9';
}

/* isAlpha: a letter (Unicode alphabetic through the locale; ASCII letters without it). */
bool nos_char_is_alpha(int32_t c)
{
    if (c < 0x80)
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    locale_t l = uloc();
    return l && iswalpha_l((wint_t)c, l);
}

bool nos_char_is_alnum(int32_t c)
{
    return nos_char_is_digit(c) || nos_char_is_alpha(c);
}

bool nos_char_is_upper(int32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z';
    locale_t l = uloc();
    return l && iswupper_l((wint_t)c, l);
}

bool nos_char_is_lower(int32_t c)
{
    if (c < 0x80)
        return c >= 'a' && c <= 'z';
    locale_t l = uloc();
    return l && iswlower_l((wint_t)c, l);
}

int32_t nos_char_to_upper(int32_t c)
{
    if (c < 0x80)
        return c >= 'a' && c <= 'z' ? c - 32 : c;
    locale_t l = uloc();
    return l ? (int32_t)towupper_l((wint_t)c, l) : c;
}

int32_t nos_char_to_lower(int32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    locale_t l = uloc();
    return l ? (int32_t)towlower_l((wint_t)c, l) : c;
}

/* toChar(n): the Char with code point n; throws ("Panic", "toChar: n is not a valid
 * Unicode code point") for negatives, surrogates and values above 0x10FFFF. */
int32_t nos_char_from_int(int64_t n)
{
    if (n < 0 || n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF))
        nos_throw_error("Panic", "toChar: %lld is not a valid Unicode code point", (long long)n);
    return (int32_t)n;
}

/* ---- helpers ------------------------------------------------------------------------------------ */

static const char *find_bytes(const char *h, int64_t hlen, const char *n, int64_t nlen)
{
    if (nlen == 0)
        return h;
    if (nlen > hlen)
        return NULL;
    return memmem(h, (size_t)hlen, n, (size_t)nlen);
}

static nos_list_t *list_push(nos_list_t ***tailp, nos_val_t v)
{
    nos_list_t *c = nos_list_cons(v, NULL);
    **tailp = c;
    *tailp = &c->tail;
    return c;
}

/* A negative Int read as usize by the reference is larger than any string. */
static int64_t as_count(int64_t n)
{
    return n < 0 ? INT64_MAX : n;
}

/* ---- conversions -------------------------------------------------------------------------- */

/* chars(s): the code points of s, in order. */
nos_list_t *nos_str_chars(nos_str_t *s)
{
    nos_list_t *head = NULL, **tailp = &head;
    const char *p = s->data, *end = s->data + s->len;
    while (p < end) {
        int adv;
        int32_t c = nos__utf8_decode(p, end, &adv);
        list_push(&tailp, (nos_val_t)(uint32_t)c);
        p += adv;
    }
    return head;
}

/* String.from_chars(cs): the string of those code points. */
nos_str_t *nos_str_from_chars(nos_list_t *chars)
{
    nos__sb_t b;
    nos__sb_init(&b, nos_list_length(chars));
    for (; chars; chars = chars->tail)
        nos__sb_add_utf8(&b, (int32_t)chars->head);
    return nos__sb_finish(&b);
}

/* Bounds of s without leading (front) and/or trailing (back) whitespace. */
static void trim_bounds(nos_str_t *s, bool front, bool back, int64_t *from, int64_t *to)
{
    const char *p = s->data, *end = s->data + s->len;
    int64_t a = 0, z = s->len;
    if (front) {
        while (a < z) {
            int adv;
            int32_t c = nos__utf8_decode(p + a, end, &adv);
            if (!nos_char_is_whitespace(c))
                break;
            a += adv;
        }
    }
    if (back) {
        while (z > a) {
            int64_t k = z - 1;
            while (k > a && ((unsigned char)p[k] & 0xC0) == 0x80)
                k--;
            int adv;
            int32_t c = nos__utf8_decode(p + k, end, &adv);
            if (!nos_char_is_whitespace(c))
                break;
            z = k;
        }
    }
    *from = a;
    *to = z;
}

/* toInt / parseInt: Some(n) if trim(s) is [+-]digits within the Int range, else None. */
nos_variant_t *nos_str_to_int(nos_str_t *s)
{
    int64_t a, z, v;
    trim_bounds(s, true, true, &a, &z);
    if (nos_parse_int(s->data + a, z - a, &v))
        return nos_some((nos_val_t)v);
    return nos_none();
}

/* toFloat / parseFloat: Some(x) if trim(s) is a Rust float literal ("1", "-2.5", "1e3",
 * ".5", "inf", "NaN", ...), else None. */
nos_variant_t *nos_str_to_float(nos_str_t *s)
{
    int64_t a, z;
    double d;
    trim_bounds(s, true, true, &a, &z);
    if (nos_parse_float(s->data + a, z - a, &d))
        return nos_some(nos_val_of_float(d));
    return nos_none();
}

/* toBigInt: Some(n) if trim(s) is [+-]digits, else None. */
nos_variant_t *nos_str_to_bigint(nos_str_t *s)
{
    int64_t a, z;
    trim_bounds(s, true, true, &a, &z);
    nos_bigint_t *n = nos_bigint_parse(s->data + a, z - a);
    return n ? nos_some(PTRV(n)) : nos_none();
}

/* trim, trimStart, trimEnd: drop Unicode whitespace at both ends / the start / the end. */
nos_str_t *nos_str_trim(nos_str_t *s)
{
    int64_t a, z;
    trim_bounds(s, true, true, &a, &z);
    return nos_str_slice_bytes(s, a, z);
}

nos_str_t *nos_str_trim_start(nos_str_t *s)
{
    int64_t a, z;
    trim_bounds(s, true, false, &a, &z);
    return nos_str_slice_bytes(s, a, z);
}

nos_str_t *nos_str_trim_end(nos_str_t *s)
{
    int64_t a, z;
    trim_bounds(s, false, true, &a, &z);
    return nos_str_slice_bytes(s, a, z);
}

static nos_str_t *map_case(nos_str_t *s, bool upper)
{
    nos__sb_t b;
    nos__sb_init(&b, s->len);
    const char *p = s->data, *end = s->data + s->len;
    while (p < end) {
        int adv;
        int32_t c = nos__utf8_decode(p, end, &adv);
        if (upper && c == 0xDF)
            nos__sb_adds(&b, "SS");
        else
            nos__sb_add_utf8(&b, upper ? nos_char_to_upper(c) : nos_char_to_lower(c));
        p += adv;
    }
    return nos__sb_finish(&b);
}

/* toUpper / toLower: every code point case-mapped (see the header comment). */
nos_str_t *nos_str_to_upper(nos_str_t *s)
{
    return map_case(s, true);
}

nos_str_t *nos_str_to_lower(nos_str_t *s)
{
    return map_case(s, false);
}

/* ---- searching ----------------------------------------------------------------------------- */

/* contains / startsWith / endsWith: byte comparison; the empty string is always found. */
bool nos_str_contains(nos_str_t *s, nos_str_t *sub)
{
    return find_bytes(s->data, s->len, sub->data, sub->len) != NULL;
}

bool nos_str_starts_with(nos_str_t *s, nos_str_t *prefix)
{
    return nos_str_has_prefix(s, prefix->data, prefix->len);
}

bool nos_str_ends_with(nos_str_t *s, nos_str_t *suffix)
{
    return suffix->len <= s->len &&
           memcmp(s->data + s->len - suffix->len, suffix->data, (size_t)suffix->len) == 0;
}

/* indexOf(sub): byte offset of the first occurrence, -1 if none; "" is found at 0. */
int64_t nos_str_index_of(nos_str_t *s, nos_str_t *sub)
{
    const char *p = find_bytes(s->data, s->len, sub->data, sub->len);
    return p ? p - s->data : -1;
}

/* lastIndexOf(sub): byte offset of the last occurrence, -1 if none; "" is found at len. */
int64_t nos_str_last_index_of(nos_str_t *s, nos_str_t *sub)
{
    if (sub->len > s->len)
        return -1;
    for (int64_t i = s->len - sub->len; i >= 0; i--)
        if (memcmp(s->data + i, sub->data, (size_t)sub->len) == 0)
            return i;
    return -1;
}

/*
 * replace(from, to) replaces the first occurrence, replaceAll every non-overlapping one,
 * left to right. An empty `from` matches before every code point and at the end (Rust):
 * replace("ab", "", "-") = "-ab", replaceAll("ab", "", "-") = "-a-b-".
 */
static nos_str_t *replace_n(nos_str_t *s, nos_str_t *from, nos_str_t *to, int64_t limit)
{
    nos__sb_t b;
    nos__sb_init(&b, s->len + to->len);
    int64_t i = 0, done = 0;
    if (from->len == 0) {
        while (done < limit) {
            nos__sb_add_str(&b, to);
            done++;
            if (i >= s->len)
                break;
            int k = nos__utf8_seqlen((unsigned char)s->data[i]);
            if (k > s->len - i)
                k = (int)(s->len - i);
            nos__sb_add(&b, s->data + i, k);
            i += k;
        }
        nos__sb_add(&b, s->data + i, s->len - i);
        return nos__sb_finish(&b);
    }
    while (done < limit) {
        const char *p = find_bytes(s->data + i, s->len - i, from->data, from->len);
        if (!p)
            break;
        int64_t at = p - s->data;
        nos__sb_add(&b, s->data + i, at - i);
        nos__sb_add_str(&b, to);
        i = at + from->len;
        done++;
    }
    if (done == 0)
        return s;
    nos__sb_add(&b, s->data + i, s->len - i);
    return nos__sb_finish(&b);
}

nos_str_t *nos_str_replace(nos_str_t *s, nos_str_t *from, nos_str_t *to)
{
    return replace_n(s, from, to, 1);
}

nos_str_t *nos_str_replace_all(nos_str_t *s, nos_str_t *from, nos_str_t *to)
{
    return replace_n(s, from, to, INT64_MAX);
}

/* ---- slicing ------------------------------------------------------------------------------- */

/*
 * substring(start, end): code points [start, end). Both are clamped to the length, and a
 * negative one counts as past the end; if start > end the result is "".
 * substring("hello", 1, 3) = "el", substring("hi", 1, 10) = "i", substring("hi", -1, 1) = "".
 */
nos_str_t *nos_str_substring(nos_str_t *s, int64_t start, int64_t end)
{
    int64_t n = nos_str_length(s);
    start = as_count(start) < n ? as_count(start) : n;
    end = as_count(end) < n ? as_count(end) : n;
    if (start >= end)
        return nos_str_empty();
    return nos_str_slice_bytes(s, nos__str_char_offset(s, start), nos__str_char_offset(s, end));
}

/* take(n): the first n code points (all for n >= length or n < 0). */
nos_str_t *nos_str_take(nos_str_t *s, int64_t n)
{
    return nos_str_slice_bytes(s, 0, nos__str_char_offset(s, as_count(n)));
}

/* drop(n): all but the first n code points ("" for n >= length or n < 0). */
nos_str_t *nos_str_drop(nos_str_t *s, int64_t n)
{
    return nos_str_slice_bytes(s, nos__str_char_offset(s, as_count(n)), s->len);
}

/* repeat(n): s n times; "" for n <= 0. */
nos_str_t *nos_str_repeat(nos_str_t *s, int64_t n)
{
    if (n <= 0 || s->len == 0)
        return nos_str_empty();
    if (n == 1)
        return s;
    if (s->len > INT64_MAX / n)
        nos__fatal("out of memory: String.repeat of %lld bytes %lld times", (long long)s->len,
                   (long long)n);
    nos_str_t *r = nos__str_alloc(s->len * n);
    for (int64_t i = 0; i < n; i++)
        memcpy(r->data + i * s->len, s->data, (size_t)s->len);
    return r;
}

/*
 * padStart(len, pad) / padEnd(len, pad): if s has fewer than len code points, add copies
 * of pad's first code point (a space if pad is "") before / after it up to len code points.
 * padStart("5", 3, "0") = "005"; padStart("abc", 2, "x") = "abc".
 */
static nos_str_t *pad(nos_str_t *s, int64_t len, nos_str_t *padding, bool front)
{
    int64_t n = nos_str_length(s);
    if (len <= n)
        return s;
    int32_t pc = ' ';
    if (padding->len > 0) {
        int adv;
        pc = nos__utf8_decode(padding->data, padding->data + padding->len, &adv);
    }
    char enc[4];
    int k = nos__utf8_encode(pc, enc);
    nos__sb_t b;
    nos__sb_init(&b, s->len + (len - n) * k);
    if (!front)
        nos__sb_add_str(&b, s);
    for (int64_t i = n; i < len; i++)
        nos__sb_add(&b, enc, k);
    if (front)
        nos__sb_add_str(&b, s);
    return nos__sb_finish(&b);
}

nos_str_t *nos_str_pad_start(nos_str_t *s, int64_t len, nos_str_t *padding)
{
    return pad(s, len, padding, true);
}

nos_str_t *nos_str_pad_end(nos_str_t *s, int64_t len, nos_str_t *padding)
{
    return pad(s, len, padding, false);
}

/* reverse: the code points in reverse order. */
nos_str_t *nos_str_reverse(nos_str_t *s)
{
    if (s->len <= 1)
        return s;
    nos_str_t *r = nos__str_alloc(s->len);
    int64_t i = 0;
    while (i < s->len) {
        int k = nos__utf8_seqlen((unsigned char)s->data[i]);
        if (k > s->len - i)
            k = (int)(s->len - i);
        memcpy(r->data + s->len - i - k, s->data + i, (size_t)k);
        i += k;
    }
    return r;
}

/* ---- splitting and joining ------------------------------------------------------------------ */

/*
 * lines: split at "\n", dropping one "\r" just before a "\n"; a final "\n" does not start
 * another line. lines("a\r\nb\n") = ["a", "b"], lines("") = [],
 * lines("\n") = [""].
 */
nos_list_t *nos_str_lines(nos_str_t *s)
{
    nos_list_t *head = NULL, **tailp = &head;
    int64_t i = 0;
    while (i < s->len) {
        const char *nl = memchr(s->data + i, '\n', (size_t)(s->len - i));
        int64_t end = nl ? nl - s->data : s->len;
        int64_t next = nl ? end + 1 : s->len;
        if (nl && end > i && s->data[end - 1] == '\r')
            end--;
        list_push(&tailp, PTRV(nos_str_slice_bytes(s, i, end)));
        i = next;
    }
    return head;
}

/* words: the maximal runs of non-whitespace code points. words("  a  b ") = ["a", "b"]. */
nos_list_t *nos_str_words(nos_str_t *s)
{
    nos_list_t *head = NULL, **tailp = &head;
    const char *p = s->data, *end = s->data + s->len;
    int64_t i = 0, start = -1;
    while (i < s->len) {
        int adv;
        int32_t c = nos__utf8_decode(p + i, end, &adv);
        if (nos_char_is_whitespace(c)) {
            if (start >= 0)
                list_push(&tailp, PTRV(nos_str_slice_bytes(s, start, i)));
            start = -1;
        } else if (start < 0) {
            start = i;
        }
        i += adv;
    }
    if (start >= 0)
        list_push(&tailp, PTRV(nos_str_slice_bytes(s, start, s->len)));
    return head;
}

/*
 * split(delim): the pieces between occurrences of delim, including empty ones:
 * split("a,,b", ",") = ["a", "", "b"], split("", ",") = [""], split(",", ",") = ["", ""].
 * An empty delim splits into 1-char strings: split("ab", "") = ["a", "b"], split("", "") = [].
 */
nos_list_t *nos_str_split(nos_str_t *s, nos_str_t *delim)
{
    nos_list_t *head = NULL, **tailp = &head;
    if (delim->len == 0) {
        int64_t i = 0;
        while (i < s->len) {
            int k = nos__utf8_seqlen((unsigned char)s->data[i]);
            if (k > s->len - i)
                k = (int)(s->len - i);
            list_push(&tailp, PTRV(nos_str_slice_bytes(s, i, i + k)));
            i += k;
        }
        return head;
    }
    int64_t i = 0;
    for (;;) {
        const char *p = find_bytes(s->data + i, s->len - i, delim->data, delim->len);
        int64_t end = p ? p - s->data : s->len;
        list_push(&tailp, PTRV(nos_str_slice_bytes(s, i, end)));
        if (!p)
            break;
        i = end + delim->len;
    }
    return head;
}

/* String.join(strs, sep): the strings with sep between them; join([], sep) = "". */
nos_str_t *nos_str_join(nos_list_t *strs, nos_str_t *sep)
{
    nos__sb_t b;
    nos__sb_init(&b, 64);
    for (nos_list_t *l = strs; l; l = l->tail) {
        if (l != strs)
            nos__sb_add_str(&b, sep);
        nos__sb_add_str(&b, (nos_str_t *)(uintptr_t)l->head);
    }
    return nos__sb_finish(&b);
}

/* String.join on a List[Char]: the chars with sep between them. */
nos_str_t *nos_str_join_chars(nos_list_t *chars, nos_str_t *sep)
{
    nos__sb_t b;
    nos__sb_init(&b, 64);
    for (nos_list_t *l = chars; l; l = l->tail) {
        if (l != chars)
            nos__sb_add_str(&b, sep);
        nos__sb_add_utf8(&b, (int32_t)l->head);
    }
    return nos__sb_finish(&b);
}

/* isEmpty: no bytes at all (" " is not empty). */
bool nos_str_is_empty(nos_str_t *s)
{
    return s->len == 0;
}
