/*
 * fuzz_frontend.c - a mutation fuzzer for the compiler frontend.
 *
 *   fuzz_frontend [-n MUTANTS] [-s SEED] [-S SECONDS] [-q] [-P] FILE.nos...
 *
 * Every input goes through lexing, parsing and (unless -P) name resolution
 * and type inference with the standard library, as `nostos check` does.
 *
 * Every file is run once as it is and then MUTANTS times mutated (default
 * 100) with a seeded PRNG: truncations, deleted, duplicated and swapped byte
 * ranges and lines, inserted tokens, flipped and inserted random bytes,
 * nesting bombs, invalid UTF-8 and NUL bytes, pieces of the other inputs.
 * Each input goes through run_frontend() in-process; a crash, a sanitizer
 * report or a broken invariant (a span outside the file) aborts, and the
 * input that did it is written to fuzz-crash.nos. A run that takes longer
 * than 10 seconds counts as a hang and aborts the same way; with -S, inputs
 * that take longer than SECONDS are saved as fuzz-slow-N.nos for study.
 * Build it with -DNOSTOS_SANITIZE=address for ASan+UBSan.
 *
 * Later stages plug into run_frontend(); the rest stays as it is.
 */
#include "ast.h"
#include "diag.h"
#include "frontend.h"
#include "lexer.h"
#include "parser.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_INPUT (1u << 20)
#define HANG_SECONDS 10

/* ---- the input being run, for the crash report ------------------------------------- */

static const char *g_cur;
static bool g_no_sema; /* -P: lexing and parsing only */
static size_t g_cur_len;

static void save_current(void) {
    if (!g_cur) return;
    int fd = -1;
    FILE *f = fopen("fuzz-crash.nos", "wb");
    if (f) fd = fileno(f);
    if (fd >= 0) {
        size_t off = 0;
        while (off < g_cur_len) {
            ssize_t w = write(fd, g_cur + off, g_cur_len - off);
            if (w <= 0) break;
            off += (size_t)w;
        }
        const char msg[] = "fuzz_frontend: the failing input is in fuzz-crash.nos\n";
        (void)!write(2, msg, sizeof msg - 1);
    }
    if (f) fclose(f);
}

static void on_signal(int sig) {
    if (sig == SIGALRM) {
        const char msg[] = "fuzz_frontend: hang (a run took more than 10 s)\n";
        (void)!write(2, msg, sizeof msg - 1);
    }
    save_current();
    signal(sig, SIG_DFL);
    raise(sig == SIGALRM ? SIGABRT : sig);
}

/* Set by the sanitizers' runtime when it is linked in. */
extern void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static void fail(const char *what, uint32_t a, uint32_t b, size_t len) {
    fprintf(stderr, "fuzz_frontend: %s: span [%u, %u) outside the input of %zu bytes\n", what, a, b, len);
    save_current();
    abort();
}

/* ---- invariant: every span lies inside the input --------------------------------------- */

typedef struct checker {
    uint32_t file;
    size_t len;
} checker_t;

static void check_span(checker_t *c, span_t s, const char *what) {
    if (s.file != c->file || s.start > s.end || s.end > c->len) fail(what, s.start, s.end, c->len);
}

static void walk_expr(checker_t *c, expr_t *e);
static void walk_pat(checker_t *c, pat_t *p);

static void walk_type(checker_t *c, texpr_t *t) {
    if (!t) return;
    check_span(c, t->span, "type");
    for (int i = 0; i < t->nargs; i++) walk_type(c, t->args[i]);
    walk_type(c, t->ret);
}

static void walk_stmt(checker_t *c, stmt_t *s);

static void walk_fn(checker_t *c, fn_decl_t *fn) {
    if (!fn) return;
    check_span(c, fn->span, "function");
    for (int i = 0; i < fn->nclauses; i++) {
        clause_t *cl = &fn->clauses[i];
        check_span(c, cl->span, "clause");
        for (int j = 0; j < cl->nparams; j++) {
            walk_pat(c, cl->params[j].pat);
            walk_type(c, cl->params[j].type);
            walk_expr(c, cl->params[j].def);
        }
        walk_expr(c, cl->guard);
        walk_type(c, cl->ret);
        walk_expr(c, cl->body);
    }
}

static void walk_pat(checker_t *c, pat_t *p) {
    if (!p) return;
    check_span(c, p->span, "pattern");
    for (int i = 0; i < p->nelems; i++) walk_pat(c, p->elems[i]);
    walk_pat(c, p->rest);
    for (int i = 0; i < p->nfields; i++) walk_pat(c, p->fields[i].pat);
    if (p->keys)
        for (int i = 0; i < p->nelems; i++) walk_expr(c, p->keys[i]);
    walk_expr(c, p->pin);
    walk_type(c, p->type);
}

static void walk_expr(checker_t *c, expr_t *e) {
    if (!e) return;
    check_span(c, e->span, "expression");
    walk_expr(c, e->lhs);
    walk_expr(c, e->rhs);
    walk_expr(c, e->cond);
    for (int i = 0; i < e->nelems; i++) walk_expr(c, e->elems[i]);
    for (int i = 0; i < e->nargs; i++) walk_expr(c, e->args[i].value);
    for (int i = 0; i < e->ntargs; i++) walk_type(c, e->targs[i]);
    for (int i = 0; i < e->narms; i++) {
        walk_pat(c, e->arms[i].pat);
        walk_expr(c, e->arms[i].guard);
        walk_expr(c, e->arms[i].body);
    }
    for (int i = 0; i < e->nstmts; i++) walk_stmt(c, e->stmts[i]);
    for (int i = 0; i < e->nparts; i++) walk_expr(c, e->parts[i].expr);
    walk_fn(c, e->fn);
    walk_type(c, e->type);
}

static void walk_stmt(checker_t *c, stmt_t *s) {
    if (!s) return;
    check_span(c, s->span, "statement");
    walk_expr(c, s->expr);
    walk_pat(c, s->pat);
    walk_type(c, s->type);
    walk_expr(c, s->target);
    walk_expr(c, s->value);
    walk_fn(c, s->fn);
}

static void walk_item(checker_t *c, item_t *it) {
    if (!it) return;
    check_span(c, it->span, "item");
    walk_fn(c, it->fn);
    for (int i = 0; i < it->nfields; i++) walk_type(c, it->fields[i].type);
    for (int i = 0; i < it->nctors; i++) {
        for (int j = 0; j < it->ctors[i].ntypes; j++) walk_type(c, it->ctors[i].types[j]);
        for (int j = 0; j < it->ctors[i].nfields; j++) walk_type(c, it->ctors[i].fields[j].type);
    }
    walk_type(c, it->alias);
    for (int i = 0; i < it->nmethods; i++) {
        for (int j = 0; j < it->methods[i].nparams; j++) walk_pat(c, it->methods[i].params[j].pat);
        walk_type(c, it->methods[i].ret);
        walk_expr(c, it->methods[i].def);
    }
    for (int i = 0; i < it->nfns; i++) walk_fn(c, it->fns[i]);
    for (int i = 0; i < it->nitems; i++) walk_item(c, it->items[i]);
    walk_pat(c, it->pat);
    walk_expr(c, it->value);
    for (int i = 0; i < it->ndecorators; i++) walk_expr(c, it->decorators[i]);
}

/* ---- the frontend under test ------------------------------------------------------------ */

static FILE *g_sink;    /* dumps and diagnostics go here (/dev/null) */
static long g_errors;   /* diagnostics seen, for the summary */

/*
 * Runs the frontend on one input: lexing, parsing, the AST dump, the
 * diagnostics printer, and the span invariant. Later stages (name
 * resolution, type inference) are to be added at the marked place.
 */
static void run_frontend(const char *text, size_t len) {
    arena_t arena;
    arena_init(&arena);
    symtab_t syms;
    symtab_init(&syms, &arena);
    diag_t d;
    diag_init(&d);
    uint32_t file = diag_add_file(&d, "fuzz.nos", text, len);

    token_vec_t toks = {0};
    lex_file(&arena, &syms, &d, file, &toks);
    checker_t c = {file, len};
    for (int i = 0; i < toks.len; i++) check_span(&c, toks.items[i].span, "token");
    lex_dump(g_sink, &d, &toks);
    vec_free(&toks);

    module_ast_t *m = parse_file(&arena, &syms, &d, file);
    for (int i = 0; m && i < m->nitems; i++) walk_item(&c, m->items[i]);
    ast_dump(g_sink, &d, m);

    /* Resolution and type inference, with the standard library, as `nostos check` runs them. */
    if (!g_no_sema) {
        session_t se;
        fe_init(&se);
        fe_load_prelude(&se);
        fe_add_source(&se, "fuzz.nos", text, len, "");
        fe_check(&se);
        for (int i = 0; i < se.diag.items.len; i++) {
            span_t sp = se.diag.items.items[i].span;
            source_t *src = diag_file(&se.diag, sp.file);
            if (src && (sp.start > src->len || sp.end > src->len || sp.start > sp.end)) {
                fprintf(stderr, "fuzz: sema diagnostic span %u..%u outside its file (%u bytes)\n", sp.start, sp.end,
                        src->len);
                save_current();
                abort();
            }
        }
        diag_print(&se.diag, g_sink);
        fe_free(&se);
    }

    for (int i = 0; i < d.items.len; i++) check_span(&c, d.items.items[i].span, "diagnostic");
    g_errors += d.nerrors;
    diag_print(&d, g_sink);
    diag_free(&d);
    symtab_free(&syms);
    arena_free(&arena);
}

/* ---- mutations ----------------------------------------------------------------------------- */

static uint64_t g_rng;

static uint64_t rnd(void) { /* xorshift64* */
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * 2685821657736338717ull;
}

static size_t below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

typedef struct buf {
    char *p;
    size_t len, cap;
} buf_t;

static void buf_reserve(buf_t *b, size_t n) {
    if (n <= b->cap) return;
    size_t c = b->cap ? b->cap : 256;
    while (c < n) c *= 2;
    b->p = xrealloc(b->p, c);
    b->cap = c;
}

static void buf_insert(buf_t *b, size_t at, const char *s, size_t n) {
    if (at > b->len) at = b->len;
    if (b->len + n > MAX_INPUT) return;
    buf_reserve(b, b->len + n);
    memmove(b->p + at + n, b->p + at, b->len - at);
    memcpy(b->p + at, s, n);
    b->len += n;
}

static void buf_delete(buf_t *b, size_t at, size_t n) {
    if (at >= b->len) return;
    if (n > b->len - at) n = b->len - at;
    memmove(b->p + at, b->p + at + n, b->len - at - n);
    b->len -= n;
}

/* Start of the line containing at, and the end of it (after its newline). */
static void line_bounds(buf_t *b, size_t at, size_t *s, size_t *e) {
    size_t i = at < b->len ? at : b->len;
    while (i > 0 && b->p[i - 1] != '\n') i--;
    size_t j = at < b->len ? at : b->len;
    while (j < b->len && b->p[j] != '\n') j++;
    if (j < b->len) j++;
    *s = i;
    *e = j;
}

static const char *const dict[] = {
    "(", ")", "[", "]", "{", "}", "\"", "'", "${", "#{", "%{", "#*", "*#", "#", "\n", ",", ";", ":",
    "::", "=", "==", "=>", "->", "<-", "|", "|>", "..", "..=", ".", "-", "+", "**", "?", "^", "~",
    "@", "_", "\\", "if ", " then ", " else ", "match x {", "receive {", " after ", "when ", "type ",
    "trait ", " end", "module M ", "use a.", "var ", "mvar m: Int = ", "spawn ", "try ", " catch ",
    "finally ", "for i = 0 to ", "while ", "return ", "break ", "x => ", "(a, b) => ", "Some(",
    "None", "9223372036854775808", "-128i8", "128i8", "1.5e", "0x", "0b", "42n", "3.14d", "t.0.1",
    "'\\q'", "\"${", "}\"", "pub ", "@dec ", "template ", "quote ", "const ", "test \"t\" = ",
    "extern ", "f(x) = ", "x: Int = ", "[h | t]", "%{\"k\": v}", "not ", "!", "self", "\r", "\t",
};

static const char *const openers[] = {
    "(", "[", "{", "if a then ", "-", "x => ", "\"${", "[h | ", "Some(", "f(", "{a: ", "#{", "%{1: ",
    "match x { _ -> ", "a :: ", "a + ", "x.", "not ", "List[", "~", "try ", "spawn { ", "(x) -> ",
    "g[", "'${",
};

static void mutate_once(buf_t *b, buf_t *other) {
    size_t at = below(b->len + 1);
    switch (below(14)) {
    case 0: /* truncate */
        b->len = at;
        break;
    case 1: /* delete a short range */
        buf_delete(b, at, 1 + below(16));
        break;
    case 2: { /* duplicate a range */
        size_t n = 1 + below(64);
        if (at + n > b->len) n = b->len - at;
        char *tmp = xmalloc(n + 1);
        memcpy(tmp, b->p + at, n);
        buf_insert(b, below(b->len + 1), tmp, n);
        free(tmp);
        break;
    }
    case 3: { /* swap two lines */
        size_t s1, e1, s2, e2;
        line_bounds(b, at, &s1, &e1);
        line_bounds(b, below(b->len + 1), &s2, &e2);
        if (s2 < s1) {
            size_t t = s1; s1 = s2; s2 = t;
            t = e1; e1 = e2; e2 = t;
        }
        if (e1 > s2) break;
        size_t n1 = e1 - s1, n2 = e2 - s2;
        char *tmp = xmalloc(e2 - s1 + 1);
        memcpy(tmp, b->p + s2, n2);
        memcpy(tmp + n2, b->p + e1, s2 - e1);
        memcpy(tmp + n2 + (s2 - e1), b->p + s1, n1);
        memcpy(b->p + s1, tmp, e2 - s1);
        free(tmp);
        break;
    }
    case 4: { /* delete or duplicate a line */
        size_t s, e;
        line_bounds(b, at, &s, &e);
        if (rnd() & 1) {
            buf_delete(b, s, e - s);
        } else {
            char *tmp = xmalloc(e - s + 1);
            memcpy(tmp, b->p + s, e - s);
            buf_insert(b, s, tmp, e - s);
            free(tmp);
        }
        break;
    }
    case 5: /* flip bytes */
        for (int k = 1 + (int)below(8); k > 0 && b->len; k--) b->p[below(b->len)] ^= (char)(1u << below(8));
        break;
    case 6: { /* insert random bytes */
        char tmp[16];
        size_t n = 1 + below(sizeof tmp);
        for (size_t i = 0; i < n; i++) tmp[i] = (char)rnd();
        buf_insert(b, at, tmp, n);
        break;
    }
    case 7:
    case 8: { /* insert a token */
        const char *t = dict[below(sizeof dict / sizeof dict[0])];
        buf_insert(b, at, t, strlen(t));
        break;
    }
    case 9: { /* a nesting bomb */
        const char *o = openers[below(sizeof openers / sizeof openers[0])];
        size_t n = 50 + below(3000), ol = strlen(o);
        for (size_t i = 0; i < n && b->len + ol <= MAX_INPUT; i++) buf_insert(b, at, o, ol);
        break;
    }
    case 10: { /* invalid UTF-8 */
        static const char *const bad[] = {"\xC3", "\xFF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xC0\xAF",
                                          "\xE2\x82", "\x80\x80", "\xF0\x9F\x98\x80"};
        const char *s = bad[below(sizeof bad / sizeof bad[0])];
        buf_insert(b, at, s, strlen(s));
        break;
    }
    case 11: { /* NUL bytes */
        char z[4] = {0, 0, 0, 0};
        buf_insert(b, at, z, 1 + below(4));
        break;
    }
    case 12: /* a piece of another input */
        if (other && other->len) {
            size_t from = below(other->len), n = 1 + below(200);
            if (from + n > other->len) n = other->len - from;
            buf_insert(b, at, other->p + from, n);
        }
        break;
    default: { /* move a range elsewhere */
        size_t n = 1 + below(32);
        if (at + n > b->len) n = b->len - at;
        char *tmp = xmalloc(n + 1);
        memcpy(tmp, b->p + at, n);
        buf_delete(b, at, n);
        buf_insert(b, below(b->len + 1), tmp, n);
        free(tmp);
        break;
    }
    }
}

/* ---- driver ---------------------------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, r;
    char *p = xmalloc(cap);
    while ((r = fread(p + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) p = xrealloc(p, cap *= 2);
    }
    fclose(f);
    *len = n;
    return p;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double g_slow_limit; /* -S */
static int g_nslow;

static void run_one(const char *p, size_t n, double *slowest) {
    g_cur = p;
    g_cur_len = n;
    alarm(HANG_SECONDS);
    double t0 = now();
    run_frontend(p, n);
    double dt = now() - t0;
    alarm(0);
    if (dt > *slowest) *slowest = dt;
    if (g_slow_limit > 0 && dt > g_slow_limit && g_nslow < 100) {
        char name[64];
        snprintf(name, sizeof name, "fuzz-slow-%d.nos", g_nslow++);
        FILE *f = fopen(name, "wb");
        if (f) {
            fwrite(p, 1, n, f);
            fclose(f);
        }
        fprintf(stderr, "fuzz_frontend: %s: %zu bytes took %.3f s\n", name, n, dt);
    }
    g_cur = NULL;
}

int main(int argc, char **argv) {
    long mutants = 100;
    uint64_t seed = 1;
    bool quiet = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "-n") == 0 && first + 1 < argc) mutants = atol(argv[++first]);
        else if (strcmp(argv[first], "-s") == 0 && first + 1 < argc) seed = strtoull(argv[++first], NULL, 0);
        else if (strcmp(argv[first], "-S") == 0 && first + 1 < argc) g_slow_limit = atof(argv[++first]);
        else if (strcmp(argv[first], "-q") == 0) quiet = true;
        else if (strcmp(argv[first], "-P") == 0) g_no_sema = true;
        else {
            fprintf(stderr, "usage: fuzz_frontend [-n MUTANTS] [-s SEED] [-S SECONDS] [-q] [-P] FILE.nos...\n");
            return 2;
        }
    }
    if (first >= argc) {
        fprintf(stderr, "usage: fuzz_frontend [-n MUTANTS] [-s SEED] [-S SECONDS] [-q] FILE.nos...\n");
        return 2;
    }
    g_sink = fopen("/dev/null", "w");
    if (!g_sink) return 1;
    signal(SIGALRM, on_signal);
    signal(SIGSEGV, on_signal);
    signal(SIGBUS, on_signal);
    signal(SIGABRT, on_signal);
    signal(SIGFPE, on_signal);
    if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(save_current);

    buf_t b = {0}, prev = {0};
    long runs = 0, files = 0;
    double slowest = 0, t0 = now();
    for (int i = first; i < argc; i++) {
        size_t n;
        char *text = slurp(argv[i], &n);
        if (!text) {
            fprintf(stderr, "fuzz_frontend: cannot read %s\n", argv[i]);
            continue;
        }
        if (n > MAX_INPUT) n = MAX_INPUT;
        files++;
        run_one(text, n, &slowest);
        runs++;
        for (long k = 0; k < mutants; k++) {
            g_rng = (seed * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)i << 32) ^ (uint64_t)k ^ 0x5DEECE66Dull;
            if (!g_rng) g_rng = 1;
            for (int w = 0; w < 4; w++) rnd();
            b.len = 0;
            buf_insert(&b, 0, text, n);
            for (int m = 1 + (int)below(4); m > 0; m--) mutate_once(&b, prev.len ? &prev : NULL);
            run_one(b.p ? b.p : "", b.len, &slowest);
            runs++;
        }
        prev.len = 0;
        buf_insert(&prev, 0, text, n);
        free(text);
        if (!quiet && files % 100 == 0)
            fprintf(stderr, "fuzz_frontend: %ld files, %ld runs, %.1f s\n", files, runs, now() - t0);
    }
    printf("fuzz_frontend: %ld files, %ld runs (seed %llu), %ld diagnostics, slowest run %.3f s, "
           "%.1f s in all: no crash, no hang\n",
           files, runs, (unsigned long long)seed, g_errors, slowest, now() - t0);
    free(b.p);
    free(prev.p);
    fclose(g_sink);
    return 0;
}
