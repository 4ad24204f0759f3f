/*
 * util.h - arenas, growable arrays and interned symbols for the compiler.
 *
 * Invariants: everything the frontend builds (tokens, AST, types, names) lives
 * in an arena that is freed as a whole when the compilation ends. Symbols are
 * interned, so two symbols with the same text are the same pointer and compare
 * with ==. Nothing here prints or exits; out of memory is the one fatal error.
 */
#ifndef NOSTOS_UTIL_H
#define NOSTOS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* ---- arena ---------------------------------------------------------------- */

typedef struct arena_chunk arena_chunk_t;

typedef struct arena {
    arena_chunk_t *head;
    size_t total;
} arena_t;

void arena_init(arena_t *a);
void arena_free(arena_t *a);
void *arena_alloc(arena_t *a, size_t size);          /* zeroed, 16-byte aligned */
char *arena_strndup(arena_t *a, const char *s, size_t n);
char *arena_sprintf(arena_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define ARENA_NEW(a, T) ((T *)arena_alloc((a), sizeof(T)))
#define ARENA_NEWN(a, T, n) ((T *)arena_alloc((a), sizeof(T) * (size_t)(n)))

/* ---- growable arrays (malloc-backed, or arena-backed through vec_freeze) -- */

#define VEC(T) struct { T *items; int len, cap; }

void vec_grow_(void **items, int *cap, size_t elem, int need);

#define vec_push(v, x)                                                        \
    do {                                                                      \
        if ((v)->len >= (v)->cap)                                             \
            vec_grow_((void **)&(v)->items, &(v)->cap, sizeof(*(v)->items),   \
                      (v)->len + 1);                                          \
        (v)->items[(v)->len++] = (x);                                         \
    } while (0)

#define vec_free(v) (free((v)->items), (v)->items = NULL, (v)->len = (v)->cap = 0)
#define vec_last(v) ((v)->items[(v)->len - 1])

/* ---- interned symbols -------------------------------------------------------- */

typedef const char *sym_t;

typedef struct symtab {
    arena_t *arena;
    sym_t *slots;
    uint32_t cap, count;
} symtab_t;

void symtab_init(symtab_t *t, arena_t *a);
void symtab_free(symtab_t *t);
sym_t sym_intern(symtab_t *t, const char *s, size_t n);
sym_t sym_cstr(symtab_t *t, const char *s);

uint64_t hash_bytes(const void *p, size_t n);

/* ---- string builder ------------------------------------------------------------ */

typedef struct sbuf {
    char *data;
    size_t len, cap;
} sbuf_t;

void sb_putc(sbuf_t *b, char c);
void sb_puts(sbuf_t *b, const char *s);
void sb_putn(sbuf_t *b, const char *s, size_t n);
void sb_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(sbuf_t *b);
const char *sb_cstr(sbuf_t *b); /* NUL-terminated view, valid until next put */

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
