/*
 * bench_json.c - the small JSON reader and string writer `nostos bench` needs for --save and
 * --baseline. The reader builds a tree of malloc'd nodes (json_free releases it); it accepts
 * RFC 8259 JSON (\u escapes are decoded to UTF-8, surrogate pairs included) and reports the
 * first syntax error with its byte offset. Nesting is bounded so hostile input cannot exhaust
 * the stack.
 */
#include "bench.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 200

typedef struct jp {
    const char *s;
    size_t i;
    char *err;
    size_t errn;
    bool failed;
} jp_t;

static void fail(jp_t *p, const char *what) {
    if (!p->failed) snprintf(p->err, p->errn, "%s at byte %zu", what, p->i);
    p->failed = true;
}

static void ws(jp_t *p) {
    while (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r') p->i++;
}

static json_t *node(json_kind_t k) {
    json_t *v = calloc(1, sizeof *v);
    if (v) v->kind = k;
    return v;
}

static void push(json_t *v, char *key, json_t *item) {
    if ((v->len & (v->len - 1)) == 0) {
        int cap = v->len ? v->len * 2 : 4;
        v->items = realloc(v->items, sizeof *v->items * (size_t)cap);
        if (v->kind == JS_OBJ) v->keys = realloc(v->keys, sizeof *v->keys * (size_t)cap);
    }
    if (v->kind == JS_OBJ) v->keys[v->len] = key;
    v->items[v->len++] = item;
}

static int hex4(const char *s) {
    int v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

static size_t put_utf8(char *o, uint32_t c) {
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* string := '"' chars '"'; the opening quote is at p->i. */
static char *string(jp_t *p) {
    p->i++;
    size_t start = p->i, n = 0;
    /* The decoded text is never longer than the source text. */
    while (p->s[start + n] && p->s[start + n] != '"') n += p->s[start + n] == '\\' && p->s[start + n + 1] ? 2 : 1;
    char *o = malloc(n + 1);
    if (!o) return NULL;
    size_t k = 0;
    for (;;) {
        unsigned char c = (unsigned char)p->s[p->i];
        if (c == 0 || c < 0x20) {
            fail(p, c ? "control character in string" : "unterminated string");
            free(o);
            return NULL;
        }
        p->i++;
        if (c == '"') break;
        if (c != '\\') {
            o[k++] = (char)c;
            continue;
        }
        char e = p->s[p->i++];
        switch (e) {
        case '"': o[k++] = '"'; break;
        case '\\': o[k++] = '\\'; break;
        case '/': o[k++] = '/'; break;
        case 'b': o[k++] = '\b'; break;
        case 'f': o[k++] = '\f'; break;
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        case 't': o[k++] = '\t'; break;
        case 'u': {
            int h = hex4(p->s + p->i);
            if (h < 0) {
                fail(p, "bad \\u escape");
                free(o);
                return NULL;
            }
            p->i += 4;
            uint32_t cp = (uint32_t)h;
            if (cp >= 0xD800 && cp < 0xDC00 && p->s[p->i] == '\\' && p->s[p->i + 1] == 'u') {
                int lo = hex4(p->s + p->i + 2);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                    p->i += 6;
                }
            }
            k += put_utf8(o + k, cp); /* 6 source bytes hold at most 4 output bytes */
            break;
        }
        default:
            fail(p, "bad escape in string");
            free(o);
            return NULL;
        }
    }
    o[k] = 0;
    return o;
}

static json_t *value(jp_t *p, int depth);

static json_t *container(jp_t *p, int depth, bool is_obj) {
    json_t *v = node(is_obj ? JS_OBJ : JS_ARR);
    char close = is_obj ? '}' : ']';
    p->i++;
    ws(p);
    if (p->s[p->i] == close) {
        p->i++;
        return v;
    }
    for (;;) {
        char *key = NULL;
        if (is_obj) {
            ws(p);
            if (p->s[p->i] != '"') {
                fail(p, "expected a key");
                break;
            }
            key = string(p);
            if (!key) break;
            ws(p);
            if (p->s[p->i] != ':') {
                free(key);
                fail(p, "expected ':'");
                break;
            }
            p->i++;
        }
        json_t *item = value(p, depth + 1);
        if (!item) {
            free(key);
            break;
        }
        push(v, key, item);
        ws(p);
        if (p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->s[p->i] == close) {
            p->i++;
            return v;
        }
        fail(p, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
        break;
    }
    json_free(v);
    return NULL;
}

static json_t *value(jp_t *p, int depth) {
    if (depth > JSON_MAX_DEPTH) {
        fail(p, "nesting too deep");
        return NULL;
    }
    ws(p);
    const char *s = p->s + p->i;
    switch (*s) {
    case '{': return container(p, depth, true);
    case '[': return container(p, depth, false);
    case '"': {
        char *str = string(p);
        if (!str) return NULL;
        json_t *v = node(JS_STR);
        v->str = str;
        return v;
    }
    case 't':
    case 'f':
    case 'n': {
        const char *words[] = {"true", "false", "null"};
        for (int k = 0; k < 3; k++) {
            size_t n = strlen(words[k]);
            if (strncmp(s, words[k], n) == 0) {
                p->i += n;
                json_t *v = node(k == 2 ? JS_NULL : JS_BOOL);
                v->b = k == 0;
                return v;
            }
        }
        break;
    }
    default:
        if (*s == '-' || (*s >= '0' && *s <= '9')) {
            char *end;
            double d = strtod(s, &end);
            if (end == s) break;
            p->i += (size_t)(end - s);
            json_t *v = node(JS_NUM);
            v->num = d;
            return v;
        }
        break;
    }
    fail(p, "unexpected character");
    return NULL;
}

json_t *json_parse(const char *text, char *err, size_t errn) {
    jp_t p = {text, 0, err, errn, false};
    json_t *v = value(&p, 0);
    if (v) {
        ws(&p);
        if (text[p.i]) {
            fail(&p, "trailing text");
            json_free(v);
            v = NULL;
        }
    }
    return v;
}

json_t *json_get(const json_t *obj, const char *key) {
    if (!obj || obj->kind != JS_OBJ) return NULL;
    for (int k = 0; k < obj->len; k++)
        if (strcmp(obj->keys[k], key) == 0) return obj->items[k];
    return NULL;
}

double json_num(const json_t *v, double dflt) { return v && v->kind == JS_NUM ? v->num : dflt; }

const char *json_str(const json_t *v, const char *dflt) { return v && v->kind == JS_STR ? v->str : dflt; }

void json_free(json_t *v) {
    if (!v) return;
    for (int k = 0; k < v->len; k++) {
        json_free(v->items[k]);
        if (v->keys) free(v->keys[k]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

void json_write_str(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        switch (*c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*c < 0x20) fprintf(f, "\\u%04x", *c);
            else fputc(*c, f);
        }
    }
    fputc('"', f);
}
