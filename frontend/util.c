/*
 * util.c - arenas, growable arrays, interned symbols and string builders.
 */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void) {
    fputs("nostos: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) oom();
    return p;
}

void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) oom();
    return p;
}

char *xstrdup(const char *s) {
    size_t n = strlen(s);
    char *d = xmalloc(n + 1);
    memcpy(d, s, n + 1);
    return d;
}

/* ---- arena ---------------------------------------------------------------- */

struct arena_chunk {
    arena_chunk_t *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

void arena_init(arena_t *a) {
    a->head = NULL;
    a->total = 0;
}

void arena_free(arena_t *a) {
    arena_chunk_t *c = a->head;
    while (c) {
        arena_chunk_t *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
    a->total = 0;
}

void *arena_alloc(arena_t *a, size_t size) {
    size = (size + 15) & ~(size_t)15;
    arena_chunk_t *c = a->head;
    if (!c || c->used + size > c->size) {
        size_t cs = 64 * 1024;
        if (size > cs / 4) cs = size;
        c = xmalloc(sizeof(arena_chunk_t) + cs);
        c->size = cs;
        c->used = 0;
        if (a->head && size == cs) {
            /* A big block: keep the current chunk at the head for small ones. */
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = c->data + c->used;
    c->used += size;
    a->total += size;
    memset(p, 0, size);
    return p;
}

char *arena_strndup(arena_t *a, const char *s, size_t n) {
    char *d = arena_alloc(a, n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *arena_sprintf(arena_t *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *d = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}

/* ---- vectors ---------------------------------------------------------------- */

void vec_grow_(void **items, int *cap, size_t elem, int need) {
    int c = *cap ? *cap * 2 : 4;
    while (c < need) c *= 2;
    *items = xrealloc(*items, elem * (size_t)c);
    *cap = c;
}

/* ---- symbols ------------------------------------------------------------------ */

uint64_t hash_bytes(const void *p, size_t n) {
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    return h;
}

void symtab_init(symtab_t *t, arena_t *a) {
    t->arena = a;
    t->cap = 1024;
    t->count = 0;
    t->slots = calloc(t->cap, sizeof(sym_t));
    if (!t->slots) oom();
}

void symtab_free(symtab_t *t) {
    free(t->slots);
    t->slots = NULL;
}

static void symtab_rehash(symtab_t *t) {
    uint32_t ncap = t->cap * 2;
    sym_t *ns = calloc(ncap, sizeof(sym_t));
    if (!ns) oom();
    for (uint32_t i = 0; i < t->cap; i++) {
        sym_t s = t->slots[i];
        if (!s) continue;
        uint32_t j = (uint32_t)hash_bytes(s, strlen(s)) & (ncap - 1);
        while (ns[j]) j = (j + 1) & (ncap - 1);
        ns[j] = s;
    }
    free(t->slots);
    t->slots = ns;
    t->cap = ncap;
}

sym_t sym_intern(symtab_t *t, const char *s, size_t n) {
    if (t->count * 2 >= t->cap) symtab_rehash(t);
    uint32_t j = (uint32_t)hash_bytes(s, n) & (t->cap - 1);
    for (;;) {
        sym_t e = t->slots[j];
        if (!e) break;
        if (strncmp(e, s, n) == 0 && e[n] == 0) return e;
        j = (j + 1) & (t->cap - 1);
    }
    sym_t d = arena_strndup(t->arena, s, n);
    t->slots[j] = d;
    t->count++;
    return d;
}

sym_t sym_cstr(symtab_t *t, const char *s) { return sym_intern(t, s, strlen(s)); }

/* ---- string builder ------------------------------------------------------------- */

static void sb_reserve(sbuf_t *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return;
    size_t c = b->cap ? b->cap * 2 : 64;
    while (c < b->len + extra + 1) c *= 2;
    b->data = xrealloc(b->data, c);
    b->cap = c;
}

void sb_putc(sbuf_t *b, char c) {
    sb_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = 0;
}

void sb_putn(sbuf_t *b, const char *s, size_t n) {
    sb_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

void sb_puts(sbuf_t *b, const char *s) { sb_putn(b, s, strlen(s)); }

void sb_printf(sbuf_t *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    sb_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_free(sbuf_t *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

const char *sb_cstr(sbuf_t *b) {
    if (!b->data) sb_reserve(b, 0), b->data[0] = 0;
    return b->data;
}
