/*
 * diag.c - source files, line tables and diagnostic printing.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(diag_t *d) {
    memset(d, 0, sizeof *d);
    d->max_errors = 100;
}

void diag_free(diag_t *d) {
    for (int i = 0; i < d->files.len; i++) {
        source_t *s = d->files.items[i];
        free((char *)s->text);
        free((char *)s->path);
        free(s->lines);
        free(s);
    }
    vec_free(&d->files);
    for (int i = 0; i < d->items.len; i++) free(d->items.items[i].msg);
    vec_free(&d->items);
}

uint32_t diag_add_file(diag_t *d, const char *path, const char *text, size_t len) {
    source_t *s = xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->path = xstrdup(path);
    char *t = xmalloc(len + 1);
    memcpy(t, text, len);
    t[len] = 0;
    s->text = t;
    s->len = (uint32_t)len;
    uint32_t n = 1;
    for (size_t i = 0; i < len; i++)
        if (t[i] == '\n') n++;
    s->lines = xmalloc(sizeof(uint32_t) * n);
    s->lines[0] = 0;
    uint32_t k = 1;
    for (size_t i = 0; i < len; i++)
        if (t[i] == '\n') s->lines[k++] = (uint32_t)i + 1;
    s->nlines = n;
    s->module = "";
    vec_push(&d->files, s);
    return (uint32_t)(d->files.len - 1);
}

source_t *diag_file(diag_t *d, uint32_t file) {
    return file < (uint32_t)d->files.len ? d->files.items[file] : NULL;
}

span_t span_join(span_t a, span_t b) {
    if (a.file != b.file) return a;
    span_t r = a;
    if (b.start < r.start) r.start = b.start;
    if (b.end > r.end) r.end = b.end;
    return r;
}

static void add(diag_t *d, diag_level_t lv, span_t at, const char *fmt, va_list ap) {
    if (lv == DIAG_ERROR) {
        if (d->suppress) {
            d->nerrors++;
            return;
        }
        int errs = 0;
        for (int i = 0; i < d->items.len; i++)
            if (d->items.items[i].level == DIAG_ERROR) errs++;
        if (errs >= d->max_errors) {
            d->nerrors++;
            return;
        }
    } else if (d->suppress) {
        return;
    }
    /* Identical message at an identical place: report once. */
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    for (int i = 0; i < d->items.len; i++) {
        diagnostic_t *o = &d->items.items[i];
        if (o->level == lv && o->span.file == at.file && o->span.start == at.start &&
            strcmp(o->msg, buf) == 0)
            return;
    }
    if (lv == DIAG_ERROR) d->nerrors++;
    diagnostic_t g = {lv, at, xstrdup(buf)};
    vec_push(&d->items, g);
}

void diag_error(diag_t *d, span_t at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add(d, DIAG_ERROR, at, fmt, ap);
    va_end(ap);
}

void diag_warning(diag_t *d, span_t at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add(d, DIAG_WARNING, at, fmt, ap);
    va_end(ap);
}

void diag_note(diag_t *d, span_t at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add(d, DIAG_NOTE, at, fmt, ap);
    va_end(ap);
}

static uint32_t line_of(source_t *s, uint32_t off) {
    uint32_t lo = 0, hi = s->nlines;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (s->lines[mid] <= off) lo = mid;
        else hi = mid;
    }
    return lo;
}

static int cp_count(const char *p, size_t n) {
    int c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)p[i] & 0xC0) != 0x80) c++;
    return c;
}

void diag_line_col(diag_t *d, uint32_t file, uint32_t off, int *line, int *col) {
    source_t *s = diag_file(d, file);
    if (!s) {
        *line = 1;
        *col = 1;
        return;
    }
    if (off > s->len) off = s->len;
    uint32_t l = line_of(s, off);
    *line = (int)l + 1;
    *col = cp_count(s->text + s->lines[l], off - s->lines[l]) + 1;
}

static int cmp_diag(const void *a, const void *b) {
    const diagnostic_t *x = a, *y = b;
    if (x->span.file != y->span.file) return x->span.file < y->span.file ? -1 : 1;
    if (x->span.start != y->span.start) return x->span.start < y->span.start ? -1 : 1;
    return 0;
}

static void print_one(diag_t *d, FILE *out, diagnostic_t *g) {
    static const char *names[] = {"error", "warning", "note"};
    source_t *s = diag_file(d, g->span.file);
    if (!s) {
        fprintf(out, "nostos: %s: %s\n", names[g->level], g->msg);
        return;
    }
    int line, col;
    diag_line_col(d, g->span.file, g->span.start, &line, &col);
    fprintf(out, "%s:%d:%d: %s: %s\n", s->path, line, col, names[g->level], g->msg);
    uint32_t l = (uint32_t)line - 1;
    uint32_t ls = s->lines[l];
    uint32_t le = l + 1 < s->nlines ? s->lines[l + 1] : s->len;
    while (le > ls && (s->text[le - 1] == '\n' || s->text[le - 1] == '\r')) le--;
    /* Very long lines: show a window around the caret. */
    uint32_t from = ls;
    if (g->span.start > ls + 200) {
        from = g->span.start - 80;
        while (from < g->span.start && ((unsigned char)s->text[from] & 0xC0) == 0x80) from++;
    }
    uint32_t to = le;
    if (to > from + 240) {
        to = from + 240;
        while (to > from && ((unsigned char)s->text[to] & 0xC0) == 0x80) to--;
    }
    fputs("    ", out);
    for (uint32_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)s->text[i];
        fputc(c == '\t' ? ' ' : (c < 32 ? '?' : c), out);
    }
    fputc('\n', out);
    int ccol = cp_count(s->text + from, g->span.start > from ? g->span.start - from : 0);
    uint32_t end = g->span.end > g->span.start ? g->span.end : g->span.start + 1;
    if (end > le) end = le > g->span.start ? le : g->span.start + 1;
    int width = cp_count(s->text + g->span.start, end > g->span.start && end <= s->len ? end - g->span.start : 0);
    if (width < 1) width = 1;
    if (width > 200) width = 200;
    fputs("    ", out);
    for (int i = 0; i < ccol; i++) fputc(' ', out);
    fputc('^', out);
    for (int i = 1; i < width; i++) fputc('~', out);
    fputc('\n', out);
}

void diag_print(diag_t *d, FILE *out) {
    /* Sort errors by position but keep each note after the diagnostic before it. */
    int n = d->items.len;
    if (n == 0) return;
    typedef struct { diagnostic_t head; int first_note, nnotes; } group_t;
    group_t *gs = xmalloc(sizeof(group_t) * (size_t)n);
    int ng = 0;
    for (int i = 0; i < n; i++) {
        diagnostic_t *g = &d->items.items[i];
        if (g->level == DIAG_NOTE && ng > 0) {
            gs[ng - 1].nnotes++;
            continue;
        }
        gs[ng].head = *g;
        gs[ng].first_note = i + 1;
        gs[ng].nnotes = 0;
        ng++;
    }
    /* stable insertion sort by position */
    for (int i = 1; i < ng; i++) {
        group_t t = gs[i];
        int j = i - 1;
        while (j >= 0 && cmp_diag(&gs[j].head, &t.head) > 0) {
            gs[j + 1] = gs[j];
            j--;
        }
        gs[j + 1] = t;
    }
    for (int i = 0; i < ng; i++) {
        print_one(d, out, &gs[i].head);
        for (int k = 0; k < gs[i].nnotes; k++) print_one(d, out, &d->items.items[gs[i].first_note + k]);
    }
    free(gs);
    if (d->nerrors > 0)
        fprintf(out, "%d error%s\n", d->nerrors, d->nerrors == 1 ? "" : "s");
}
