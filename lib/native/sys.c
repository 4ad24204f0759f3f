/*
 * sys.c - Time, Env, Path, Random, Uuid, Url and Base64 (LANGUAGE.md 2.7).
 *
 * Time values are Int milliseconds since the Unix epoch. The calendar getters (year, month,
 * day, hour, minute, second, weekday) and fromDate/fromDateTime work in UTC; format uses the
 * local time zone, formatUtc UTC; parse reads its text as UTC.
 * Random draws from a per-thread xoshiro256** generator seeded by getrandom(2); Uuid.v4 and
 * Random.bytes use getrandom directly. Env guards libc's environment with a lock.
 * None of these natives parks; all are small enough for a process stack.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

extern char **environ;

/* ---- Time ---------------------------------------------------------------------------------------- */

int64_t nos_time_now(void);
int64_t nos_time_now_secs(void);
nos_str_t *nos_time_format(int64_t ms, nos_str_t *fmt);
nos_str_t *nos_time_format_utc(int64_t ms, nos_str_t *fmt);
nos_variant_t *nos_time_parse(nos_str_t *s, nos_str_t *fmt);
int64_t nos_time_part(int64_t ms, int64_t which);
int64_t nos_time_from_date_time(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s);
nos_str_t *nos_time_timezone(void);
int64_t nos_time_timezone_offset(void);

int64_t nos_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t nos_time_now_secs(void)
{
    return (int64_t)time(NULL);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static nos_str_t *format_tm(struct tm *tm, int64_t ms, nos_str_t *fmt)
{
    /* strftime has no milliseconds: expand %3f / %L ourselves first. */
    nos__sb_t f;
    nos__sb_init(&f, fmt->len + 8);
    for (int64_t i = 0; i < fmt->len; i++) {
        char c = fmt->data[i];
        if (c == '%' && i + 1 < fmt->len && fmt->data[i + 1] == 'L') {
            nos__sb_printf(&f, "%03d", (int)(((ms % 1000) + 1000) % 1000));
            i++;
        } else if (c == '%' && i + 2 < fmt->len && fmt->data[i + 1] == '3' && fmt->data[i + 2] == 'f') {
            nos__sb_printf(&f, "%03d", (int)(((ms % 1000) + 1000) % 1000));
            i += 2;
        } else {
            nos__sb_addc(&f, c);
            if (c == '%' && i + 1 < fmt->len)
                nos__sb_addc(&f, fmt->data[++i]);
        }
    }
    nos_str_t *ff = nos__sb_finish(&f);
    char buf[512];
    size_t n = ff->len ? strftime(buf, sizeof buf, ff->data, tm) : 0;
    return nos_io_str_lossy(buf, (int64_t)n);
}

nos_str_t *nos_time_format(int64_t ms, nos_str_t *fmt)
{
    time_t t = (time_t)floor_div(ms, 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    return format_tm(&tm, ms, fmt);
}

nos_str_t *nos_time_format_utc(int64_t ms, nos_str_t *fmt)
{
    time_t t = (time_t)floor_div(ms, 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    return format_tm(&tm, ms, fmt);
}

nos_variant_t *nos_time_parse(nos_str_t *s, nos_str_t *fmt)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_mday = 1;
    const char *end = strptime(s->data, fmt->data, &tm);
    if (!end)
        return nos_none();
    while (*end == ' ')
        end++;
    if (*end)
        return nos_none();
    time_t t = timegm(&tm);
    return nos_some((nos_val_t)((int64_t)t * 1000));
}

/* which: 0 year, 1 month, 2 day, 3 hour, 4 minute, 5 second, 6 weekday (0 = Sunday). UTC. */
int64_t nos_time_part(int64_t ms, int64_t which)
{
    time_t t = (time_t)floor_div(ms, 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    switch (which) {
    case 0: return tm.tm_year + 1900;
    case 1: return tm.tm_mon + 1;
    case 2: return tm.tm_mday;
    case 3: return tm.tm_hour;
    case 4: return tm.tm_min;
    case 5: return tm.tm_sec;
    default: return tm.tm_wday;
    }
}

int64_t nos_time_from_date_time(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s)
{
    /* days_from_civil (H. Hinnant) */
    int64_t yy = y - (mo <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return ((days * 24 + h) * 60 + mi) * 60000 + s * 1000;
}

nos_str_t *nos_time_timezone(void)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    return nos_str_cstr(tm.tm_zone ? tm.tm_zone : "UTC");
}

int64_t nos_time_timezone_offset(void)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    return tm.tm_gmtoff / 60;
}

/* ---- Env ----------------------------------------------------------------------------------------- */

static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;

nos_variant_t *nos_env_get(nos_str_t *k);
void nos_env_set(nos_str_t *k, nos_str_t *v);
void nos_env_remove(nos_str_t *k);
nos_list_t *nos_env_all(void);
nos_str_t *nos_env_cwd(void);
nos_variant_t *nos_env_set_cwd(nos_str_t *path);
nos_variant_t *nos_env_home(void);
nos_list_t *nos_env_args(void);

nos_variant_t *nos_env_get(nos_str_t *k)
{
    pthread_mutex_lock(&env_lock);
    const char *v = getenv(k->data);
    nos_str_t *s = v ? nos_io_str_lossy(v, (int64_t)strlen(v)) : NULL;
    pthread_mutex_unlock(&env_lock);
    return s ? nos_some((nos_val_t)(uintptr_t)s) : nos_none();
}

void nos_env_set(nos_str_t *k, nos_str_t *v)
{
    if (!k->len || strchr(k->data, '='))
        nos_throw_error("io_error", "invalid environment variable name: %s", k->data);
    pthread_mutex_lock(&env_lock);
    setenv(k->data, v->data, 1);
    pthread_mutex_unlock(&env_lock);
}

void nos_env_remove(nos_str_t *k)
{
    pthread_mutex_lock(&env_lock);
    unsetenv(k->data);
    pthread_mutex_unlock(&env_lock);
}

nos_list_t *nos_env_all(void)
{
    nos_list_t *rev = NULL;
    pthread_mutex_lock(&env_lock);
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        nos_val_t pair = nos_io_pair(nos_io_str_lossy(*e, eq - *e),
                                     nos_io_str_lossy(eq + 1, (int64_t)strlen(eq + 1)));
        rev = nos_list_cons(pair, rev);
    }
    pthread_mutex_unlock(&env_lock);
    return nos_list_reverse(rev);
}

nos_str_t *nos_env_cwd(void)
{
    char buf[4096];
    if (!getcwd(buf, sizeof buf))
        nos_throw_error("io_error", "IO error: %s", strerror(errno));
    return nos_io_str_lossy(buf, (int64_t)strlen(buf));
}

nos_variant_t *nos_env_set_cwd(nos_str_t *path)
{
    if (chdir(path->data) == 0)
        return nos_ok(0);
    return nos_err((nos_val_t)(uintptr_t)nos_str_fmt("%s: %s", strerror(errno), path->data));
}

nos_variant_t *nos_env_home(void)
{
    return nos_env_get(nos_str_cstr("HOME"));
}

nos_list_t *nos_env_args(void)
{
    nos_list_t *rev = NULL;
    for (int i = 0; i < nos__argc; i++)
        rev = nos_list_cons((nos_val_t)(uintptr_t)nos_io_str_lossy(nos__argv[i],
                                                                   (int64_t)strlen(nos__argv[i])),
                            rev);
    return nos_list_reverse(rev);
}

/* ---- Path ----------------------------------------------------------------------------------------- */

nos_str_t *nos_path_join(nos_str_t *a, nos_str_t *b);
nos_str_t *nos_path_dirname(nos_str_t *p);
nos_str_t *nos_path_basename(nos_str_t *p);
nos_str_t *nos_path_extension(nos_str_t *p);
nos_str_t *nos_path_with_extension(nos_str_t *p, nos_str_t *ext);
nos_str_t *nos_path_normalize(nos_str_t *p);
bool nos_path_is_absolute(nos_str_t *p);
nos_list_t *nos_path_split(nos_str_t *p);

nos_str_t *nos_path_join(nos_str_t *a, nos_str_t *b)
{
    if (b->len && b->data[0] == '/')
        return b;
    if (!a->len)
        return b;
    if (a->data[a->len - 1] == '/')
        return nos_str_concat(a, b);
    return nos_str_concat(nos_str_concat(a, nos_str_cstr("/")), b);
}

/* The last component's [start, end) in p (trailing slashes ignored). */
static void last_component(nos_str_t *p, int64_t *start, int64_t *end)
{
    int64_t e = p->len;
    while (e > 1 && p->data[e - 1] == '/')
        e--;
    int64_t s = e;
    while (s > 0 && p->data[s - 1] != '/')
        s--;
    *start = s;
    *end = e;
}

nos_str_t *nos_path_dirname(nos_str_t *p)
{
    int64_t s, e;
    last_component(p, &s, &e);
    if (s == 0)
        return nos_str_empty();
    int64_t d = s;
    while (d > 1 && p->data[d - 1] == '/')
        d--;
    return nos_str_slice_bytes(p, 0, d);
}

nos_str_t *nos_path_basename(nos_str_t *p)
{
    int64_t s, e;
    last_component(p, &s, &e);
    if (e - s == 1 && p->data[s] == '/')
        return nos_str_empty();
    return nos_str_slice_bytes(p, s, e);
}

/* The extension's dot in the last component, or -1 (".bashrc" has none). */
static int64_t ext_dot(nos_str_t *p, int64_t *end)
{
    int64_t s, e;
    last_component(p, &s, &e);
    *end = e;
    for (int64_t i = e - 1; i > s; i--)
        if (p->data[i] == '.')
            return (e - s == 2 && p->data[s] == '.') ? -1 : i;
    return -1;
}

nos_str_t *nos_path_extension(nos_str_t *p)
{
    int64_t e, d = ext_dot(p, &e);
    return d < 0 ? nos_str_empty() : nos_str_slice_bytes(p, d + 1, e);
}

nos_str_t *nos_path_with_extension(nos_str_t *p, nos_str_t *ext)
{
    int64_t e, d = ext_dot(p, &e);
    nos_str_t *stem = nos_str_slice_bytes(p, 0, d < 0 ? e : d);
    if (!ext->len)
        return stem;
    const char *x = ext->data[0] == '.' ? ext->data + 1 : ext->data;
    return nos_str_concat(nos_str_concat(stem, nos_str_cstr(".")), nos_str_cstr(x));
}

nos_str_t *nos_path_normalize(nos_str_t *p)
{
    bool abs = p->len && p->data[0] == '/';
    /* Components on a small stack of [start, len) pairs. */
    int64_t n = 0, cap = 16;
    int64_t *st = nos_alloc_atomic((size_t)cap * 2 * sizeof(int64_t));
    int64_t i = 0;
    while (i < p->len) {
        while (i < p->len && p->data[i] == '/')
            i++;
        int64_t s = i;
        while (i < p->len && p->data[i] != '/')
            i++;
        int64_t len = i - s;
        if (len == 0 || (len == 1 && p->data[s] == '.'))
            continue;
        if (len == 2 && p->data[s] == '.' && p->data[s + 1] == '.') {
            if (n > 0 && !(st[2 * (n - 1) + 1] == 2 && p->data[st[2 * (n - 1)]] == '.' &&
                           p->data[st[2 * (n - 1)] + 1] == '.')) {
                n--;
                continue;
            }
            if (abs)
                continue;   /* "/.." is "/" */
        }
        if (n == cap) {
            int64_t *ns = nos_alloc_atomic((size_t)cap * 4 * sizeof(int64_t));
            memcpy(ns, st, (size_t)cap * 2 * sizeof(int64_t));
            st = ns;
            cap *= 2;
        }
        st[2 * n] = s;
        st[2 * n + 1] = len;
        n++;
    }
    nos__sb_t b;
    nos__sb_init(&b, p->len + 1);
    if (abs)
        nos__sb_addc(&b, '/');
    for (int64_t k = 0; k < n; k++) {
        if (k)
            nos__sb_addc(&b, '/');
        nos__sb_add(&b, p->data + st[2 * k], st[2 * k + 1]);
    }
    if (!abs && n == 0)
        nos__sb_addc(&b, '.');
    return nos__sb_finish(&b);
}

bool nos_path_is_absolute(nos_str_t *p)
{
    return p->len > 0 && p->data[0] == '/';
}

nos_list_t *nos_path_split(nos_str_t *p)
{
    nos_list_t *rev = NULL;
    int64_t i = 0;
    if (p->len && p->data[0] == '/')
        rev = nos_list_cons((nos_val_t)(uintptr_t)nos_str_cstr("/"), rev);
    while (i < p->len) {
        while (i < p->len && p->data[i] == '/')
            i++;
        int64_t s = i;
        while (i < p->len && p->data[i] != '/')
            i++;
        if (i > s && !(i - s == 1 && p->data[s] == '.' && s > 0))
            rev = nos_list_cons((nos_val_t)(uintptr_t)nos_str_slice_bytes(p, s, i), rev);
    }
    return nos_list_reverse(rev);
}

/* ---- Random ------------------------------------------------------------------------------------------ */

static _Thread_local uint64_t rng[4];
static _Thread_local int rng_ready;

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next_u64(void)
{
    if (!rng_ready) {
        while (getrandom(rng, sizeof rng, 0) != (ssize_t)sizeof rng) {
            if (errno != EINTR) {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                rng[0] = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull;
                rng[1] = (uint64_t)(uintptr_t)&ts;
                rng[2] = (uint64_t)getpid();
                rng[3] = (uint64_t)ts.tv_sec | 1;
                break;
            }
        }
        rng_ready = 1;
    }
    uint64_t r = rotl(rng[1] * 5, 7) * 9, t = rng[1] << 17;
    rng[2] ^= rng[0];
    rng[3] ^= rng[1];
    rng[1] ^= rng[2];
    rng[0] ^= rng[3];
    rng[2] ^= t;
    rng[3] = rotl(rng[3], 45);
    return r;
}

/* Uniform in [0, n) without modulo bias. */
static uint64_t below(uint64_t n)
{
    if (n == 0)
        return next_u64();
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = next_u64();
    while (x >= lim);
    return x % n;
}

int64_t nos_random_int(int64_t lo, int64_t hi);
double nos_random_float(void);
bool nos_random_bool(void);
nos_list_t *nos_random_bytes(int64_t n);
nos_list_t *nos_random_shuffle(nos_list_t *l);
int64_t nos_random_index(int64_t n);

int64_t nos_random_int(int64_t lo, int64_t hi)
{
    if (hi < lo) {
        int64_t t = lo;
        lo = hi;
        hi = t;
    }
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
    return (int64_t)((uint64_t)lo + below(span));
}

double nos_random_float(void)
{
    return (double)(next_u64() >> 11) * 0x1.0p-53;
}

bool nos_random_bool(void)
{
    return next_u64() >> 63;
}

int64_t nos_random_index(int64_t n)
{
    if (n <= 0)
        nos_throw_error("IndexOutOfBounds", "Random.choice of an empty list");
    return (int64_t)below((uint64_t)n);
}

nos_list_t *nos_random_bytes(int64_t n)
{
    nos_list_t *l = NULL;
    for (int64_t i = 0; i < n; i++)
        l = nos_list_cons((nos_val_t)(next_u64() & 0xff), l);
    return l;
}

/* Fisher-Yates over the list's slots (the element type does not matter). */
nos_list_t *nos_random_shuffle(nos_list_t *l)
{
    int64_t n = nos_list_length(l);
    if (n < 2)
        return l;
    nos_val_t *v = nos_alloc((size_t)n * sizeof(nos_val_t));
    int64_t i = 0;
    for (nos_list_t *c = l; c; c = c->tail)
        v[i++] = c->head;
    for (i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)below((uint64_t)i + 1);
        nos_val_t t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
    return nos_list_from_array(v, n);
}

/* ---- Uuid ----------------------------------------------------------------------------------------- */

nos_str_t *nos_uuid_v4(void);
bool nos_uuid_is_valid(nos_str_t *s);

nos_str_t *nos_uuid_v4(void)
{
    unsigned char b[16];
    uint64_t a = next_u64(), c = next_u64();
    memcpy(b, &a, 8);
    memcpy(b + 8, &c, 8);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    return nos_str_fmt("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                       b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                       b[13], b[14], b[15]);
}

bool nos_uuid_is_valid(nos_str_t *s)
{
    if (s->len != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        char c = s->data[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!isxdigit((unsigned char)c)) {
            return false;
        }
    }
    return true;
}

/* ---- Url and Base64 -------------------------------------------------------------------------------- */

nos_str_t *nos_url_encode(nos_str_t *s);
nos_val_t *nos_url_decode(nos_str_t *s);
nos_str_t *nos_base64_encode(nos_str_t *s);
nos_val_t *nos_base64_decode(nos_str_t *s);

nos_str_t *nos_url_encode(nos_str_t *s)
{
    nos__sb_t b;
    nos__sb_init(&b, s->len + 8);
    for (int64_t i = 0; i < s->len; i++) {
        unsigned char c = (unsigned char)s->data[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
            nos__sb_addc(&b, (char)c);
        else
            nos__sb_printf(&b, "%%%02X", c);
    }
    return nos__sb_finish(&b);
}

static int hexd(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static nos_val_t *status_pair(const char *status, nos_str_t *v)
{
    return nos_tuple2((nos_val_t)(uintptr_t)nos_str_cstr(status), (nos_val_t)(uintptr_t)v);
}

/* ("ok", decoded) or ("error", reason). */
nos_val_t *nos_url_decode(nos_str_t *s)
{
    nos__sb_t b;
    nos__sb_init(&b, s->len);
    for (int64_t i = 0; i < s->len; i++) {
        char c = s->data[i];
        if (c == '%') {
            if (i + 2 >= s->len || hexd((unsigned char)s->data[i + 1]) < 0 ||
                hexd((unsigned char)s->data[i + 2]) < 0)
                return status_pair("error", nos_str_cstr("invalid percent-encoding"));
            nos__sb_addc(&b, (char)(hexd((unsigned char)s->data[i + 1]) * 16 +
                                    hexd((unsigned char)s->data[i + 2])));
            i += 2;
        } else if (c == '+') {
            nos__sb_addc(&b, ' ');
        } else {
            nos__sb_addc(&b, c);
        }
    }
    nos_str_t *r = nos__sb_finish(&b);
    if (!nos_utf8_valid(r->data, r->len))
        return status_pair("error", nos_str_cstr("decoded text is not UTF-8"));
    return status_pair("ok", r);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

nos_str_t *nos_base64_encode(nos_str_t *s)
{
    nos__sb_t b;
    nos__sb_init(&b, (s->len + 2) / 3 * 4 + 1);
    const unsigned char *p = (const unsigned char *)s->data;
    int64_t i = 0;
    for (; i + 2 < s->len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        char q[4] = {b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], b64[v & 63]};
        nos__sb_add(&b, q, 4);
    }
    if (i < s->len) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < s->len ? (uint32_t)p[i + 1] << 8 : 0);
        char q[4] = {b64[v >> 18], b64[(v >> 12) & 63], i + 1 < s->len ? b64[(v >> 6) & 63] : '=', '='};
        nos__sb_add(&b, q, 4);
    }
    return nos__sb_finish(&b);
}

nos_val_t *nos_base64_decode(nos_str_t *s)
{
    nos__sb_t b;
    nos__sb_init(&b, s->len);
    uint32_t acc = 0;
    int bits = 0;
    for (int64_t i = 0; i < s->len; i++) {
        char c = s->data[i];
        if (c == '=' || c == '\n' || c == '\r')
            continue;
        const char *k = strchr(b64, c);
        if (!k || !c)
            return status_pair("error", nos_str_cstr("invalid base64"));
        acc = acc << 6 | (uint32_t)(k - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            nos__sb_addc(&b, (char)((acc >> bits) & 0xff));
        }
    }
    nos_str_t *r = nos__sb_finish(&b);
    if (!nos_utf8_valid(r->data, r->len))
        return status_pair("error", nos_str_cstr("decoded bytes are not UTF-8"));
    return status_pair("ok", r);
}
