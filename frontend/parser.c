/*
 * parser.c - Nostos tokens to AST: recursive descent, precedence climbing
 * for binary operators.
 *
 * Before parsing, the token array is prepared once (prepare()):
 *   - TOK_ERROR tokens are dropped (the lexer has reported them);
 *   - newlines inside matched ( ) and [ ] pairs are dropped: there they
 *     separate nothing (an unclosed bracket keeps them, for recovery);
 *   - every bracket gets the index of its partner in `match` (-1 if none).
 * The bracket table lets the parser look past a bracketed group in O(1)
 * (is `(a, b)` followed by `=>`?), resynchronise after an error by jumping to
 * the closing bracket, and decide between a binding and an expression
 * statement with a short scan instead of open-ended backtracking.
 *
 * Invariants:
 *   - Every node gets the span from its first token to the last one consumed.
 *   - Errors: the first error of a statement/item is reported, then the
 *     parser is in "panic" and reports nothing until it resynchronises at a
 *     statement separator, a closing bracket or the next item. Bracketed
 *     constructs resync at their partner bracket. Every loop consumes at
 *     least one token per round, so parsing terminates on any input.
 *   - Speculation (p->spec > 0) never reports: an error only marks the
 *     attempt as failed and the caller rewinds. It is used only for short,
 *     bounded prefixes (a pattern before `=`, a type before `=>` or `(`),
 *     never for a whole expression, so parsing stays linear.
 *   - Recursion is bounded by PARSE_MAX_DEPTH (enter/leave) and string
 *     interpolation nesting by MAX_INTERP_DEPTH.
 */
#include "parser.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INTERP_DEPTH 8
#define MAX_SPEC_TOKENS 64 /* longest type that is tried speculatively (f[T](x), (a) -> T => e) */

typedef struct parser {
    arena_t *a;
    symtab_t *syms;
    diag_t *d;
    uint32_t file;
    const char *src;
    uint32_t src_len;
    token_t *toks;        /* prepared tokens, ends with TOK_EOF */
    int ntoks;
    int *match;           /* partner bracket index or -1 */
    uint32_t *cols;       /* byte column of each token (0-based), for recovery */
    int pos;
    uint32_t prev_end;    /* end offset of the last consumed token */
    int depth;
    bool depth_reported;  /* the "too deep" error is given once */
    int spec;             /* > 0 while speculating */
    bool spec_failed;
    bool panic;           /* an error was reported; quiet until resync */
    int interp_depth;
    sym_t s_list, s_as, s_fn;
} parser_t;

typedef struct mark {
    int pos;
    uint32_t prev_end;
    bool failed;
} mark_t;

/* Statement flavours: a block statement, or the body of an if branch. */
enum { STMT_FULL, STMT_BRANCH };

static expr_t *expr(parser_t *p);
static expr_t *binary(parser_t *p, int min_prec);
static expr_t *unary(parser_t *p);
static expr_t *block(parser_t *p);
static pat_t *pattern(parser_t *p);
static pat_t *pattern_base(parser_t *p);
static texpr_t *type_expr(parser_t *p);
static stmt_t *stmt(parser_t *p, int mode);
static item_t *item(parser_t *p);
static fn_decl_t *fn_def(parser_t *p, uint32_t start, bool pub);

/* ---- token access ------------------------------------------------------------------- */

static token_t *tok_at(parser_t *p, int i) {
    if (i >= p->ntoks) i = p->ntoks - 1;
    if (i < 0) i = 0;
    return &p->toks[i];
}

static token_t *cur(parser_t *p) { return &p->toks[p->pos]; }
static tok_kind_t kind(parser_t *p) { return p->toks[p->pos].kind; }
static tok_kind_t kind_at(parser_t *p, int i) { return tok_at(p, i)->kind; }
static int match_of(parser_t *p, int i) { return i >= 0 && i < p->ntoks ? p->match[i] : -1; }
static bool at(parser_t *p, tok_kind_t k) { return kind(p) == k; }
static uint32_t here(parser_t *p) { return cur(p)->span.start; }

static token_t *advance(parser_t *p) {
    token_t *t = cur(p);
    if (t->kind != TOK_EOF) {
        p->prev_end = t->span.end;
        p->pos++;
    }
    return t;
}

static bool accept(parser_t *p, tok_kind_t k) {
    if (!at(p, k)) return false;
    advance(p);
    return true;
}

static void skip_nl(parser_t *p) {
    while (at(p, TOK_NEWLINE)) advance(p);
}

/* Index of the first token at or after pos that is not a newline. */
static int peek_nl(parser_t *p) {
    int i = p->pos;
    while (kind_at(p, i) == TOK_NEWLINE && i < p->ntoks - 1) i++;
    return i;
}

/* Consumes newlines and then k if k follows the newlines; else nothing. */
static bool accept_after_nl(parser_t *p, tok_kind_t k) {
    int i = peek_nl(p);
    if (kind_at(p, i) != k) return false;
    while (p->pos <= i && !at(p, TOK_EOF)) advance(p);
    return true;
}

static span_t span_from(parser_t *p, uint32_t start) {
    uint32_t e = p->prev_end > start ? p->prev_end : start;
    return (span_t){p->file, start, e};
}

/* Identifiers; `self`, `panic`, `to` and `from` are keywords usable as names. */
static bool is_lname(tok_kind_t k) {
    return k == TOK_IDENT || k == TOK_SELF || k == TOK_PANIC || k == TOK_TO || k == TOK_FROM;
}

static bool is_uname(tok_kind_t k) { return k == TOK_UIDENT || k == TOK_SELF_TYPE; }

static bool is_keyword(tok_kind_t k) {
    switch (k) {
#define X(kk, s) case kk:
        TOKEN_KEYWORDS(X)
#undef X
        return true;
    default:
        return false;
    }
}

static bool is_opener(tok_kind_t k) {
    return k == TOK_LPAREN || k == TOK_LBRACKET || k == TOK_LBRACE;
}

static bool is_closer(tok_kind_t k) {
    return k == TOK_RPAREN || k == TOK_RBRACKET || k == TOK_RBRACE;
}

static bool can_start_expr(tok_kind_t k) {
    switch (k) {
    case TOK_INT: case TOK_FLOAT: case TOK_STRING: case TOK_CHAR:
    case TOK_IDENT: case TOK_UIDENT: case TOK_SELF: case TOK_SELF_TYPE: case TOK_PANIC:
    case TOK_TO: case TOK_FROM: case TOK_TRUE: case TOK_FALSE: case TOK_UNDERSCORE:
    case TOK_LPAREN: case TOK_LBRACKET: case TOK_LBRACE: case TOK_PERCENT: case TOK_HASH:
    case TOK_MINUS: case TOK_BANG: case TOK_NOT: case TOK_TILDE:
    case TOK_IF: case TOK_MATCH: case TOK_TRY: case TOK_DO: case TOK_RECEIVE: case TOK_WHILE:
    case TOK_FOR: case TOK_BREAK: case TOK_CONTINUE: case TOK_RETURN: case TOK_SPAWN:
    case TOK_SPAWN_LINK: case TOK_SPAWN_MONITOR: case TOK_QUOTE:
        return true;
    default:
        return false;
    }
}

/* ---- diagnostics, speculation, depth --------------------------------------------------- */

static void describe(parser_t *p, token_t *t, char *buf, size_t n) {
    uint32_t len = t->span.end - t->span.start;
    const char *s = p->src + t->span.start;
    if (len > 40) len = 40;
    switch (t->kind) {
    case TOK_EOF: snprintf(buf, n, "end of file"); break;
    case TOK_NEWLINE: snprintf(buf, n, "newline"); break;
    case TOK_IDENT: case TOK_UIDENT: snprintf(buf, n, "`%.*s`", (int)len, s); break;
    case TOK_INT: case TOK_FLOAT: snprintf(buf, n, "number `%.*s`", (int)len, s); break;
    case TOK_STRING: snprintf(buf, n, "string literal"); break;
    case TOK_CHAR: snprintf(buf, n, "character literal"); break;
    default:
        if (is_keyword(t->kind)) snprintf(buf, n, "keyword `%s`", tok_kind_spelling(t->kind));
        else snprintf(buf, n, "`%s`", tok_kind_spelling(t->kind));
    }
}

static void error_at(parser_t *p, span_t sp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Past the diagnostics limit errors are only counted: no message is built. */
static bool over_limit(parser_t *p) { return p->d->max_errors > 0 && p->d->nerrors >= p->d->max_errors; }

static void error_at(parser_t *p, span_t sp, const char *fmt, ...) {
    if (p->spec) {
        p->spec_failed = true;
        return;
    }
    if (p->panic) return;
    p->panic = true;
    if (over_limit(p)) { /* counted, not recorded */
        bool was = p->d->suppress;
        p->d->suppress = true;
        diag_error(p->d, sp, "too many errors");
        p->d->suppress = was;
        return;
    }
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag_error(p->d, sp, "%s", buf);
}

/* "expected <what>, found <current token>" */
static void expected(parser_t *p, const char *what) {
    char b[128];
    describe(p, cur(p), b, sizeof b);
    error_at(p, cur(p)->span, "expected %s, found %s", what, b);
}

static bool expect(parser_t *p, tok_kind_t k) {
    if (accept(p, k)) return true;
    char w[32];
    snprintf(w, sizeof w, "`%s`", tok_kind_spelling(k));
    expected(p, w);
    return false;
}

/* True when a speculative attempt has already failed: loops stop early. */
static bool failed(parser_t *p) { return p->spec > 0 && p->spec_failed; }

static mark_t spec_begin(parser_t *p) {
    mark_t m = {p->pos, p->prev_end, p->spec_failed};
    p->spec++;
    p->spec_failed = false;
    return m;
}

/* Ends a speculation; returns whether it succeeded. Rewinds unless keep && ok. */
static bool spec_end(parser_t *p, mark_t m, bool keep) {
    bool ok = !p->spec_failed;
    p->spec--;
    p->spec_failed = m.failed;
    if (!(keep && ok)) {
        p->pos = m.pos;
        p->prev_end = m.prev_end;
    }
    return ok;
}

/*
 * Counts one level of nesting; false (and an error, reported once per file:
 * one deep construct would otherwise report at every level it unwinds
 * through) when PARSE_MAX_DEPTH is reached.
 */
static bool enter(parser_t *p) {
    if (p->depth >= PARSE_MAX_DEPTH) {
        if (p->spec) {
            p->spec_failed = true;
        } else if (!p->depth_reported) {
            error_at(p, cur(p)->span, "nesting is too deep (more than %d levels)", PARSE_MAX_DEPTH);
            p->depth_reported = true;
        } else {
            p->panic = true;
        }
        return false;
    }
    p->depth++;
    return true;
}

static void leave(parser_t *p) { p->depth--; }

/*
 * Expects the partner of the bracket at index `open`. On a mismatch it
 * reports and jumps past the partner, if there is one further on.
 */
static void expect_close(parser_t *p, int open, tok_kind_t closer) {
    if (accept(p, closer)) return;
    if (p->spec) {
        p->spec_failed = true;
        return;
    }
    int m = match_of(p, open);
    if (p->panic || over_limit(p)) {
        if (!p->panic) error_at(p, cur(p)->span, "expected a closing bracket");
        if (m >= p->pos) {
            while (p->pos < m) advance(p);
            advance(p);
        }
        return;
    }
    char b[128], w[320];
    describe(p, cur(p), b, sizeof b);
    int line, col;
    token_t *o = tok_at(p, open);
    diag_line_col(p->d, p->file, o->span.start, &line, &col);
    snprintf(w, sizeof w, "expected `%s` (to close `%s` at line %d), found %s",
             tok_kind_spelling(closer), tok_kind_spelling(o->kind), line, b);
    error_at(p, cur(p)->span, "%s", w);
    if (m >= p->pos) {
        while (p->pos < m) advance(p);
        advance(p);
    }
}

/* ---- arena helpers ------------------------------------------------------------------------ */

static void *freeze_(parser_t *p, void *items, int n, size_t sz) {
    void *r = NULL;
    if (n > 0) {
        r = arena_alloc(p->a, sz * (size_t)n);
        memcpy(r, items, sz * (size_t)n);
    }
    free(items);
    return r;
}

/* Moves a VEC into the arena: FREEZE(p, vec, dst_items, dst_count). */
#define FREEZE(p, v, dst, n)                                                   \
    do {                                                                       \
        (n) = (v).len;                                                         \
        (dst) = freeze_((p), (v).items, (v).len, sizeof(*(v).items));          \
        (v).items = NULL;                                                      \
        (v).len = (v).cap = 0;                                                 \
    } while (0)

static expr_t *new_expr(parser_t *p, expr_kind_t k, uint32_t start) {
    expr_t *e = ARENA_NEW(p->a, expr_t);
    e->kind = k;
    e->span = span_from(p, start);
    return e;
}

static pat_t *new_pat(parser_t *p, pat_kind_t k, uint32_t start) {
    pat_t *q = ARENA_NEW(p->a, pat_t);
    q->kind = k;
    q->span = span_from(p, start);
    return q;
}

static texpr_t *new_texpr(parser_t *p, texpr_kind_t k, uint32_t start) {
    texpr_t *t = ARENA_NEW(p->a, texpr_t);
    t->kind = k;
    t->span = span_from(p, start);
    return t;
}

static stmt_t *new_stmt(parser_t *p, stmt_kind_t k, uint32_t start) {
    stmt_t *s = ARENA_NEW(p->a, stmt_t);
    s->kind = k;
    s->span = span_from(p, start);
    return s;
}

static item_t *new_item(parser_t *p, item_kind_t k, uint32_t start) {
    item_t *it = ARENA_NEW(p->a, item_t);
    it->kind = k;
    it->span = span_from(p, start);
    return it;
}

/* A placeholder after an error; later stages never see it (errors stop them). */
static expr_t *error_expr(parser_t *p) {
    expr_t *e = ARENA_NEW(p->a, expr_t);
    e->kind = E_UNIT;
    e->span = (span_t){p->file, here(p), here(p)};
    return e;
}

static sym_t tok_sym(parser_t *p, token_t *t) {
    if (t->text) return t->text;
    return sym_intern(p->syms, p->src + t->span.start, t->span.end - t->span.start);
}

/*
 * Reads `Name {"." Name}` (dotted_ok tells which tokens may follow a dot) into
 * one interned "A.B.C"; the text is built once, so long paths stay linear.
 */
static sym_t dotted_name(parser_t *p, bool (*dotted_ok)(tok_kind_t)) {
    token_t *t = advance(p);
    if (!(at(p, TOK_DOT) && dotted_ok(kind_at(p, p->pos + 1)))) return tok_sym(p, t);
    sbuf_t b = {0};
    sb_puts(&b, tok_sym(p, t));
    while (at(p, TOK_DOT) && dotted_ok(kind_at(p, p->pos + 1))) {
        advance(p);
        sb_putc(&b, '.');
        sb_puts(&b, tok_sym(p, advance(p)));
    }
    sym_t s = sym_intern(p->syms, b.data, b.len);
    sb_free(&b);
    return s;
}

/* Expects a lower-case name (or a keyword usable as one) and returns it. */
static sym_t expect_lname(parser_t *p, const char *what, span_t *sp) {
    if (is_lname(kind(p))) {
        token_t *t = advance(p);
        if (sp) *sp = t->span;
        return tok_sym(p, t);
    }
    if (is_keyword(kind(p))) {
        char b[128];
        describe(p, cur(p), b, sizeof b);
        error_at(p, cur(p)->span, "expected %s, found %s (a reserved word cannot be a name)", what, b);
    } else {
        expected(p, what);
    }
    if (sp) *sp = cur(p)->span;
    return sym_cstr(p->syms, "_");
}

static sym_t expect_uname(parser_t *p, const char *what, span_t *sp) {
    if (is_uname(kind(p))) {
        token_t *t = advance(p);
        if (sp) *sp = t->span;
        return tok_sym(p, t);
    }
    expected(p, what);
    if (sp) *sp = cur(p)->span;
    return sym_cstr(p->syms, "_");
}

/* ---- resynchronisation ------------------------------------------------------------------------ */

/*
 * Skips to the end of a broken statement: a separator, the closing bracket
 * at index `close` (or any `}` when close < 0), or end of file. Bracketed
 * groups are jumped over whole. With `arms`, `|` also ends a match arm.
 */
static void sync_stmt(parser_t *p, int close, bool arms) {
    for (;;) {
        tok_kind_t k = kind(p);
        if (k == TOK_EOF || k == TOK_NEWLINE || k == TOK_SEMI || k == TOK_COMMA) return;
        if (arms && k == TOK_BAR) return;
        if (p->pos == close) return;
        if (close < 0 && k == TOK_RBRACE) return;
        if (is_opener(k)) {
            int m = match_of(p, p->pos);
            if (m > p->pos) {
                while (p->pos < m) advance(p);
            }
        }
        advance(p);
    }
}

static int column_of(parser_t *p, int i) {
    if (i >= p->ntoks) i = p->ntoks - 1;
    return (int)p->cols[i];
}

static bool is_item_keyword(tok_kind_t k) {
    switch (k) {
    case TOK_TYPE: case TOK_TRAIT: case TOK_MODULE: case TOK_USE: case TOK_PUB: case TOK_MVAR:
    case TOK_CONST: case TOK_TEST: case TOK_EXTERN: case TOK_TEMPLATE: case TOK_AT:
    case TOK_REACTIVE:
        return true;
    default:
        return false;
    }
}

/*
 * Skips to the start of the next item after a broken one that began at
 * column `col`: a line whose first token is at that column or left of it,
 * or starts with an item keyword. Bracketed groups are jumped over.
 */
static void sync_item(parser_t *p, int col) {
    for (;;) {
        tok_kind_t k = kind(p);
        if (k == TOK_EOF) return;
        if (k == TOK_NEWLINE) {
            int n = peek_nl(p);
            if (column_of(p, n) <= col || is_item_keyword(kind_at(p, n))) {
                while (p->pos < n) advance(p);
                return;
            }
        }
        if (is_opener(k)) {
            int m = match_of(p, p->pos);
            if (m > p->pos) {
                while (p->pos < m) advance(p);
            }
        }
        advance(p);
    }
}

/* ---- types ---------------------------------------------------------------------------------- */

/* Parses "[" type {"," type} [","] "]" into a list; the cursor is on "[". */
static void type_list(parser_t *p, tok_kind_t closer, texpr_t ***out, int *n) {
    VEC(texpr_t *) v = {0};
    int open = p->pos;
    advance(p);
    while (!at(p, closer) && !at(p, TOK_EOF) && !failed(p)) {
        skip_nl(p);
        vec_push(&v, type_expr(p));
        skip_nl(p);
        if (!accept(p, TOK_COMMA)) break;
    }
    skip_nl(p);
    expect_close(p, open, closer);
    FREEZE(p, v, *out, *n);
}

static bool is_any_name(tok_kind_t k) { return is_lname(k) || is_uname(k); }

/* qualified = Name {"." Name} (lower-case module parts allowed) */
static sym_t qualified(parser_t *p) { return dotted_name(p, is_any_name); }

/*
 * type_atom = qualified ["[" types "]"] | name | "{" name ":" type {"," ...} "}"
 *           | "[" type "]" | "(" [types] ")"
 */
static texpr_t *type_atom(parser_t *p) {
    uint32_t start = here(p);
    tok_kind_t k = kind(p);
    if (is_uname(k) || is_lname(k)) {
        sym_t name = qualified(p);
        if (at(p, TOK_LBRACKET)) {
            texpr_t *t = new_texpr(p, TE_GENERIC, start);
            t->name = name;
            type_list(p, TOK_RBRACKET, &t->args, &t->nargs);
            t->span = span_from(p, start);
            return t;
        }
        texpr_t *t = new_texpr(p, TE_NAME, start);
        t->name = name;
        return t;
    }
    if (k == TOK_LBRACKET) {
        int open = p->pos;
        advance(p);
        texpr_t *t = new_texpr(p, TE_GENERIC, start);
        t->name = p->s_list;
        t->args = ARENA_NEWN(p->a, texpr_t *, 1);
        t->nargs = 1;
        t->args[0] = type_expr(p);
        expect_close(p, open, TOK_RBRACKET);
        t->span = span_from(p, start);
        return t;
    }
    if (k == TOK_LBRACE) {
        int open = p->pos;
        advance(p);
        VEC(texpr_t *) ts = {0};
        VEC(sym_t) names = {0};
        for (;;) {
            skip_nl(p);
            if (at(p, TOK_RBRACE) || at(p, TOK_EOF) || failed(p)) break;
            vec_push(&names, expect_lname(p, "field name", NULL));
            expect(p, TOK_COLON);
            vec_push(&ts, type_expr(p));
            skip_nl(p);
            if (!accept(p, TOK_COMMA)) break;
        }
        skip_nl(p);
        expect_close(p, open, TOK_RBRACE);
        texpr_t *t = new_texpr(p, TE_RECORD, start);
        int nn;
        FREEZE(p, ts, t->args, t->nargs);
        FREEZE(p, names, t->field_names, nn);
        (void)nn;
        return t;
    }
    if (k == TOK_LPAREN) {
        texpr_t **args;
        int n;
        type_list(p, TOK_RPAREN, &args, &n);
        if (at(p, TOK_ARROW)) {
            /* (A, B) -> C: handled by type_expr; hand back the list as a tuple */
            texpr_t *t = new_texpr(p, TE_TUPLE, start);
            t->args = args;
            t->nargs = n;
            t->name = p->s_fn; /* marks "parenthesised parameter list" for type_expr */
            return t;
        }
        if (n == 0) return new_texpr(p, TE_UNIT, start);
        if (n == 1) return args[0];
        texpr_t *t = new_texpr(p, TE_TUPLE, start);
        t->args = args;
        t->nargs = n;
        return t;
    }
    expected(p, "a type");
    return new_texpr(p, TE_UNIT, start);
}

/* type = type_atom ["->" type]   (a parenthesised list before -> is the parameter list) */
static texpr_t *type_expr(parser_t *p) {
    uint32_t start = here(p);
    if (!enter(p)) return new_texpr(p, TE_UNIT, start);
    texpr_t *t = type_atom(p);
    if (at(p, TOK_ARROW)) {
        advance(p);
        skip_nl(p);
        texpr_t *f = new_texpr(p, TE_FUN, start);
        if (t->kind == TE_TUPLE && t->name == p->s_fn) {
            f->args = t->args;
            f->nargs = t->nargs;
        } else {
            f->args = ARENA_NEWN(p->a, texpr_t *, 1);
            f->args[0] = t;
            f->nargs = 1;
        }
        f->ret = type_expr(p);
        f->span = span_from(p, start);
        leave(p);
        return f;
    }
    if (t->kind == TE_TUPLE && t->name == p->s_fn) t->name = NULL;
    leave(p);
    return t;
}

/* tparams = "[" name [":" Bound {"+" Bound}] {"," ...} [","] "]" */
static void tparams(parser_t *p, type_param_t **out, int *n) {
    VEC(type_param_t) v = {0};
    int open = p->pos;
    advance(p);
    while (!at(p, TOK_RBRACKET) && !at(p, TOK_EOF) && !failed(p)) {
        type_param_t tp;
        memset(&tp, 0, sizeof tp);
        uint32_t start = here(p);
        if (is_uname(kind(p)) || is_lname(kind(p))) tp.name = tok_sym(p, advance(p));
        else tp.name = expect_uname(p, "a type parameter", NULL);
        if (accept(p, TOK_COLON)) {
            VEC(sym_t) b = {0};
            do {
                if (is_uname(kind(p))) vec_push(&b, qualified(p));
                else vec_push(&b, expect_uname(p, "a trait name", NULL));
            } while (accept(p, TOK_PLUS) && !failed(p));
            FREEZE(p, b, tp.bounds, tp.nbounds);
        }
        tp.span = span_from(p, start);
        vec_push(&v, tp);
        if (!accept(p, TOK_COMMA)) break;
    }
    expect_close(p, open, TOK_RBRACKET);
    FREEZE(p, v, *out, *n);
}

/* ---- patterns ------------------------------------------------------------------------------ */

/* int_lit = ["-"] INT ; the value, kind and text of an integer literal pattern */
static void take_int(parser_t *p, bool neg, int64_t *val, num_kind_t *num, const char **text) {
    token_t *t = advance(p);
    *num = t->num;
    *text = t->text;
    if (neg) {
        *val = (t->flags & TF_NEG_ONLY) ? t->ival : (int64_t)(0 - (uint64_t)t->ival);
        if (t->text) *text = arena_sprintf(p->a, "-%s", t->text);
    } else {
        if (t->flags & TF_NEG_ONLY) {
            const char *ty, *range;
            lex_int_range(t->num, &ty, &range);
            error_at(p, t->span, "integer literal `%.*s` is out of range for %s (valid range: %s)",
                     (int)(t->span.end - t->span.start), p->src + t->span.start, ty, range);
        }
        *val = t->ival;
    }
}

/* record_field = name ":" pattern | "_" | name    (the last one puns: {x} binds x) */
static void pat_fields(parser_t *p, tok_kind_t closer, bool allow_pun, pat_field_t **out, int *n) {
    VEC(pat_field_t) v = {0};
    int open = p->pos;
    advance(p);
    for (;;) {
        skip_nl(p);
        if (at(p, closer) || at(p, TOK_EOF) || failed(p)) break;
        pat_field_t f;
        memset(&f, 0, sizeof f);
        uint32_t start = here(p);
        if (accept(p, TOK_UNDERSCORE)) {
            f.name = NULL;
        } else {
            f.name = expect_lname(p, "a field name", NULL);
            if (accept(p, TOK_COLON)) {
                skip_nl(p);
                f.pat = pattern(p);
            } else if (!allow_pun) {
                expected(p, "`:`");
            }
        }
        f.span = span_from(p, start);
        vec_push(&v, f);
        skip_nl(p);
        if (!accept(p, TOK_COMMA)) break;
    }
    skip_nl(p);
    expect_close(p, open, closer);
    FREEZE(p, v, *out, *n);
}

/* Positional pattern list "(" [pattern {"," pattern}] [","] ")" or the [...] element list. */
static void pat_list(parser_t *p, tok_kind_t closer, pat_t ***out, int *n) {
    VEC(pat_t *) v = {0};
    int open = p->pos;
    advance(p);
    while (!at(p, closer) && !at(p, TOK_EOF) && !failed(p)) {
        vec_push(&v, pattern(p));
        if (!accept(p, TOK_COMMA)) break;
    }
    expect_close(p, open, closer);
    FREEZE(p, v, *out, *n);
}

/* ctor_pat = Qualified ["(" patterns ")" | "(" name ":" pattern {...} ")" | "{" fields "}"] */
static pat_t *ctor_pattern(parser_t *p, uint32_t start) {
    sym_t name = dotted_name(p, is_uname);
    pat_t *q = new_pat(p, P_CTOR, start);
    q->name = name;
    q->ctor_args = CTOR_UNIT;
    if (at(p, TOK_LPAREN)) {
        if (is_lname(kind_at(p, p->pos + 1)) && kind_at(p, p->pos + 2) == TOK_COLON) {
            q->ctor_args = CTOR_NAMED;
            pat_fields(p, TOK_RPAREN, false, &q->fields, &q->nfields);
        } else {
            q->ctor_args = CTOR_POSITIONAL;
            pat_list(p, TOK_RPAREN, &q->elems, &q->nelems);
        }
    } else if (at(p, TOK_LBRACE)) {
        q->ctor_args = CTOR_NAMED;
        pat_fields(p, TOK_RBRACE, true, &q->fields, &q->nfields);
    }
    q->span = span_from(p, start);
    return q;
}

/* list_pat = "[" "]" | "[" base {"," base} ["|" pattern] "]"  (all-string heads + tail: P_STRCONS) */
static pat_t *list_pattern(parser_t *p, uint32_t start) {
    int open = p->pos;
    advance(p);
    VEC(pat_t *) v = {0};
    pat_t *rest = NULL;
    while (!at(p, TOK_RBRACKET) && !at(p, TOK_EOF) && !failed(p)) {
        vec_push(&v, pattern_base(p));
        if (accept(p, TOK_BAR)) {
            rest = pattern(p);
            break;
        }
        if (!accept(p, TOK_COMMA)) break;
    }
    expect_close(p, open, TOK_RBRACKET);
    bool all_str = v.len > 0 && rest;
    for (int i = 0; i < v.len; i++)
        if (v.items[i]->kind != P_STRING) all_str = false;
    if (all_str) {
        pat_t *q = new_pat(p, P_STRCONS, start);
        q->nstrs = v.len;
        q->strs = ARENA_NEWN(p->a, const char *, v.len);
        q->str_lens = ARENA_NEWN(p->a, uint32_t, v.len);
        for (int i = 0; i < v.len; i++) {
            q->strs[i] = v.items[i]->str;
            q->str_lens[i] = v.items[i]->str_len;
        }
        q->rest = rest;
        vec_free(&v);
        return q;
    }
    pat_t *q = new_pat(p, P_LIST, start);
    FREEZE(p, v, q->elems, q->nelems);
    q->rest = rest;
    return q;
}

/* map_pat = "%" "{" key ":" pattern {"," ...} "}" ; key = literal | "^" name */
static pat_t *map_pattern(parser_t *p, uint32_t start) {
    advance(p); /* % */
    int open = p->pos;
    if (!expect(p, TOK_LBRACE)) return new_pat(p, P_WILD, start);
    VEC(expr_t *) keys = {0};
    VEC(pat_t *) vals = {0};
    for (;;) {
        skip_nl(p);
        if (at(p, TOK_RBRACE) || at(p, TOK_EOF) || failed(p)) break;
        uint32_t ks = here(p);
        expr_t *key;
        token_t *t = cur(p);
        switch (t->kind) {
        case TOK_INT:
            key = new_expr(p, E_INT, ks);
            take_int(p, false, &key->ival, &key->num, &key->text);
            break;
        case TOK_STRING:
            advance(p);
            key = new_expr(p, E_STRING, ks);
            key->str = t->text;
            key->str_len = t->text_len;
            break;
        case TOK_CHAR:
            advance(p);
            key = new_expr(p, E_CHAR, ks);
            key->ival = t->ival;
            break;
        case TOK_TRUE:
        case TOK_FALSE:
            advance(p);
            key = new_expr(p, E_BOOL, ks);
            key->ival = t->kind == TOK_TRUE;
            break;
        case TOK_CARET:
            advance(p);
            key = new_expr(p, E_VAR, ks);
            key->name = expect_lname(p, "a variable name", &key->name_span);
            key->span = span_from(p, ks);
            break;
        default:
            expected(p, "a map key (a literal or `^name`)");
            key = error_expr(p);
            break;
        }
        key->span = span_from(p, ks);
        vec_push(&keys, key);
        expect(p, TOK_COLON);
        skip_nl(p);
        vec_push(&vals, pattern(p));
        skip_nl(p);
        if (!accept(p, TOK_COMMA)) break;
    }
    skip_nl(p);
    expect_close(p, open, TOK_RBRACE);
    pat_t *q = new_pat(p, P_MAP, start);
    int nk;
    FREEZE(p, keys, q->keys, nk);
    FREEZE(p, vals, q->elems, q->nelems);
    (void)nk;
    return q;
}

/* Literal token (not a name) at the cursor: builds the literal pattern, handling ranges. */
static pat_t *literal_pattern(parser_t *p, uint32_t start, bool neg) {
    token_t *t = cur(p);
    if (t->kind == TOK_INT) {
        int64_t v;
        num_kind_t num;
        const char *text;
        take_int(p, neg, &v, &num, &text);
        if (at(p, TOK_DOTDOT) || at(p, TOK_DOTDOTEQ)) {
            bool incl = advance(p)->kind == TOK_DOTDOTEQ;
            bool neg2 = accept(p, TOK_MINUS);
            int64_t v2 = 0;
            num_kind_t num2;
            const char *text2;
            if (at(p, TOK_INT)) take_int(p, neg2, &v2, &num2, &text2);
            else expected(p, "an integer (the end of the range)");
            pat_t *q = new_pat(p, P_RANGE, start);
            q->ival = v;
            q->ival2 = v2;
            q->inclusive = incl;
            q->num = num;
            return q;
        }
        pat_t *q = new_pat(p, P_INT, start);
        q->ival = v;
        q->num = num;
        q->text = text;
        return q;
    }
    if (t->kind == TOK_FLOAT) {
        advance(p);
        pat_t *q = new_pat(p, P_FLOAT, start);
        q->fval = neg ? -t->fval : t->fval;
        q->num = t->num;
        q->text = t->text && neg ? arena_sprintf(p->a, "-%s", t->text) : t->text;
        return q;
    }
    expected(p, "a number after `-`");
    return new_pat(p, P_WILD, start);
}

/*
 * base = "_" | name | literal | ["-"] number [(".." | "..=") ["-"] INT]
 *      | "(" ")" | "(" pattern ")" | "(" pattern "," ... ")" | list_pat
 *      | "{" fields "}" | map_pat | "#" "{" patterns "}" | "^" name | "^" "(" expr ")"
 *      | ctor_pat
 */
static pat_t *pattern_base(parser_t *p) {
    uint32_t start = here(p);
    if (!enter(p)) return new_pat(p, P_WILD, start);
    pat_t *q = NULL;
    token_t *t = cur(p);
    switch (t->kind) {
    case TOK_UNDERSCORE:
        advance(p);
        q = new_pat(p, P_WILD, start);
        break;
    case TOK_INT:
    case TOK_FLOAT:
        q = literal_pattern(p, start, false);
        break;
    case TOK_MINUS:
        advance(p);
        q = literal_pattern(p, start, true);
        break;
    case TOK_STRING:
        advance(p);
        q = new_pat(p, P_STRING, start);
        q->str = t->text;
        q->str_len = t->text_len;
        break;
    case TOK_CHAR:
        advance(p);
        q = new_pat(p, P_CHAR, start);
        q->ival = t->ival;
        break;
    case TOK_TRUE:
    case TOK_FALSE:
        advance(p);
        q = new_pat(p, P_BOOL, start);
        q->ival = t->kind == TOK_TRUE;
        break;
    case TOK_LPAREN: {
        int open = p->pos;
        advance(p);
        if (accept(p, TOK_RPAREN)) {
            q = new_pat(p, P_UNIT, start);
            break;
        }
        pat_t *first = pattern(p);
        if (!at(p, TOK_COMMA)) {
            expect_close(p, open, TOK_RPAREN);
            q = first;
            break;
        }
        VEC(pat_t *) v = {0};
        vec_push(&v, first);
        while (accept(p, TOK_COMMA) && !failed(p)) {
            if (at(p, TOK_RPAREN)) break;
            vec_push(&v, pattern(p));
        }
        expect_close(p, open, TOK_RPAREN);
        q = new_pat(p, P_TUPLE, start);
        FREEZE(p, v, q->elems, q->nelems);
        break;
    }
    case TOK_LBRACKET:
        q = list_pattern(p, start);
        break;
    case TOK_LBRACE:
        q = new_pat(p, P_RECORD, start);
        pat_fields(p, TOK_RBRACE, true, &q->fields, &q->nfields);
        q->span = span_from(p, start);
        break;
    case TOK_PERCENT:
        q = map_pattern(p, start);
        break;
    case TOK_HASH:
        advance(p);
        q = new_pat(p, P_SET, start);
        if (at(p, TOK_LBRACE)) {
            int open = p->pos;
            advance(p);
            VEC(pat_t *) v = {0};
            for (;;) {
                skip_nl(p);
                if (at(p, TOK_RBRACE) || at(p, TOK_EOF) || failed(p)) break;
                vec_push(&v, pattern(p));
                skip_nl(p);
                if (!accept(p, TOK_COMMA)) break;
            }
            skip_nl(p);
            expect_close(p, open, TOK_RBRACE);
            FREEZE(p, v, q->elems, q->nelems);
        } else {
            expected(p, "`{`");
        }
        q->span = span_from(p, start);
        break;
    case TOK_CARET:
        advance(p);
        q = new_pat(p, P_PIN, start);
        if (at(p, TOK_LPAREN)) {
            int open = p->pos;
            advance(p);
            q->pin = expr(p);
            expect_close(p, open, TOK_RPAREN);
        } else {
            uint32_t vs = here(p);
            expr_t *v = new_expr(p, E_VAR, vs);
            v->name = expect_lname(p, "a variable name after `^`", &v->name_span);
            v->span = span_from(p, vs);
            q->pin = v;
        }
        q->span = span_from(p, start);
        break;
    default:
        if (is_lname(t->kind)) {
            advance(p);
            q = new_pat(p, P_VAR, start);
            q->name = tok_sym(p, t);
        } else if (is_uname(t->kind)) {
            q = ctor_pattern(p, start);
        } else {
            expected(p, "a pattern");
            q = new_pat(p, P_WILD, start);
        }
        break;
    }
    leave(p);
    return q;
}

/* pattern = base {"|" base} */
static pat_t *pattern(parser_t *p) {
    uint32_t start = here(p);
    pat_t *first = pattern_base(p);
    if (!at(p, TOK_BAR)) return first;
    VEC(pat_t *) v = {0};
    vec_push(&v, first);
    while (at(p, TOK_BAR) && !failed(p)) {
        /* `[h | t]` and `A -> x | B -> y` use `|` too: only a pattern may follow. */
        advance(p);
        vec_push(&v, pattern_base(p));
    }
    pat_t *q = new_pat(p, P_OR, start);
    FREEZE(p, v, q->elems, q->nelems);
    return q;
}

/* ---- string literals and interpolation ------------------------------------------------------------ */

static int interp_escape(int c) {
    switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case '\\': return '\\';
    case '\'': return '\'';
    case '"': return '"';
    case '0': return 0;
    default: return -1;
    }
}

/* Decodes the escapes of src[from, to) into b (as the lexer does). */
static void decode_into(sbuf_t *b, const char *src, uint32_t from, uint32_t to) {
    for (uint32_t i = from; i < to; i++) {
        if (src[i] == '\\' && i + 1 < to) {
            int v = interp_escape((unsigned char)src[i + 1]);
            if (v >= 0) {
                sb_putc(b, (char)v);
                i++;
                continue;
            }
        }
        sb_putc(b, src[i]);
    }
}

/* Index of the `}` closing the `${` whose text starts at i, or -1 (inner strings are skipped). */
static int64_t interp_end(const char *src, uint32_t i, uint32_t to) {
    int depth = 1;
    while (i < to) {
        char c = src[i];
        if (c == '{') {
            depth++;
        } else if (c == '}') {
            if (--depth == 0) return i;
        } else if (c == '"' || c == '\'') {
            uint32_t j = i + 1;
            while (j < to && src[j] != c) {
                if (src[j] == '\\') j++;
                j++;
            }
            if (j >= to) return -1;
            i = j;
        }
        i++;
    }
    return -1;
}

static void prepare(parser_t *p, token_vec_t *in, bool with_cols);
static void release(parser_t *p);

/* Parses src[from, to) as one expression, quietly; NULL if it is not exactly one. */
static expr_t *interp_expr(parser_t *p, uint32_t from, uint32_t to) {
    token_vec_t v = {0};
    int nerr = lex_range(p->a, p->syms, p->d, p->file, from, to, true, &v);
    expr_t *e = NULL;
    if (nerr == 0) {
        parser_t sub = *p;
        prepare(&sub, &v, false);
        sub.pos = 0;
        sub.prev_end = from;
        sub.spec = 1;
        sub.spec_failed = false;
        sub.panic = false;
        sub.interp_depth = p->interp_depth + 1;
        skip_nl(&sub);
        if (!at(&sub, TOK_EOF)) {
            e = expr(&sub);
            skip_nl(&sub);
            if (sub.spec_failed || !at(&sub, TOK_EOF)) e = NULL;
        }
        release(&sub);
    }
    vec_free(&v);
    return e;
}

/*
 * A string token. With `${...}` in it, the raw text is walked again: each
 * `${expr}` whose text parses as one expression becomes an E_INTERP part
 * (with spans into the file); one that does not stays literal text.
 */
static expr_t *string_lit(parser_t *p) {
    uint32_t start = here(p);
    token_t *t = advance(p);
    if (!(t->flags & TF_INTERP) || p->interp_depth >= MAX_INTERP_DEPTH) {
        expr_t *e = new_expr(p, E_STRING, start);
        e->str = t->text;
        e->str_len = t->text_len;
        return e;
    }
    const char *src = p->src;
    uint32_t from = t->span.start + 1, to = t->span.end - 1;
    VEC(interp_part_t) parts = {0};
    sbuf_t lit = {0};
    int nexpr = 0;
    uint32_t i = from;
    while (i < to) {
        if (src[i] == '\\' && i + 1 < to) {
            /* A known escape is two bytes; an unknown one keeps its backslash and
               the next byte is read normally, so "\${x}" still interpolates (as in
               the reference, which decodes first and then looks for `${`). */
            int v = interp_escape((unsigned char)src[i + 1]);
            if (v >= 0) {
                sb_putc(&lit, (char)v);
                i += 2;
            } else {
                sb_putc(&lit, '\\');
                i += 1;
            }
            continue;
        }
        if (src[i] == '$' && i + 1 < to && src[i + 1] == '{') {
            int64_t j = interp_end(src, i + 2, to);
            if (j < 0) {
                decode_into(&lit, src, i, to);
                break;
            }
            expr_t *e = interp_expr(p, i + 2, (uint32_t)j);
            if (e) {
                if (lit.len > 0) {
                    interp_part_t lp = {arena_strndup(p->a, lit.data, lit.len), (uint32_t)lit.len, NULL};
                    vec_push(&parts, lp);
                    lit.len = 0;
                }
                interp_part_t ep = {NULL, 0, e};
                vec_push(&parts, ep);
                nexpr++;
            } else {
                decode_into(&lit, src, i, (uint32_t)j + 1);
            }
            i = (uint32_t)j + 1;
            continue;
        }
        sb_putc(&lit, src[i]);
        i++;
    }
    if (nexpr == 0) {
        vec_free(&parts);
        sb_free(&lit);
        expr_t *e = new_expr(p, E_STRING, start);
        e->str = t->text;
        e->str_len = t->text_len;
        return e;
    }
    if (lit.len > 0) {
        interp_part_t lp = {arena_strndup(p->a, lit.data, lit.len), (uint32_t)lit.len, NULL};
        vec_push(&parts, lp);
    }
    sb_free(&lit);
    expr_t *e = new_expr(p, E_INTERP, start);
    FREEZE(p, parts, e->parts, e->nparts);
    return e;
}

/* ---- expressions ------------------------------------------------------------------------------------ */

/* args = "(" [arg {"," arg}] [","] ")" ; arg = name ":" expr | expr */
static void call_args(parser_t *p, arg_t **out, int *n) {
    VEC(arg_t) v = {0};
    int open = p->pos;
    advance(p);
    while (!at(p, TOK_RPAREN) && !at(p, TOK_EOF) && !failed(p)) {
        arg_t a;
        memset(&a, 0, sizeof a);
        uint32_t start = here(p);
        if (is_lname(kind(p)) && kind_at(p, p->pos + 1) == TOK_COLON) {
            a.name = tok_sym(p, advance(p));
            advance(p);
        }
        a.value = expr(p);
        a.span = span_from(p, start);
        vec_push(&v, a);
        if (!accept(p, TOK_COMMA)) break;
    }
    expect_close(p, open, TOK_RPAREN);
    FREEZE(p, v, *out, *n);
}

/* Is the token at i the start of a postfix operator ("(", "[", "?" or a "." maybe after newlines)? */
static bool postfix_follows(parser_t *p, int i) {
    tok_kind_t k = kind_at(p, i);
    if (k == TOK_LPAREN || k == TOK_LBRACKET || k == TOK_QUESTION || k == TOK_DOT) return true;
    if (k == TOK_NEWLINE) {
        while (kind_at(p, i) == TOK_NEWLINE && i < p->ntoks - 1) i++;
        return kind_at(p, i) == TOK_DOT;
    }
    return false;
}

/* Does a lambda start at the cursor? Decided from the bracket table (see header). */
static bool lambda_ahead(parser_t *p) {
    tok_kind_t k = kind(p);
    int i = p->pos;
    if (is_lname(k) || k == TOK_UNDERSCORE) return kind_at(p, i + 1) == TOK_FATARROW;
    int close = -1;
    if (k == TOK_LPAREN || k == TOK_LBRACKET || k == TOK_LBRACE) close = match_of(p, i);
    else if ((is_uname(k) || k == TOK_PERCENT || k == TOK_HASH) &&
             (kind_at(p, i + 1) == TOK_LPAREN || kind_at(p, i + 1) == TOK_LBRACE))
        close = match_of(p, i + 1);
    if (close < 0) return false;
    tok_kind_t after = kind_at(p, close + 1);
    if (after == TOK_FATARROW) return true;
    if (after == TOK_ARROW && k == TOK_LPAREN) {
        /* (a, b) -> Int => e : a return type sits between ) and =>; look for the => first */
        int j = close + 2, n = 0;
        while (kind_at(p, j) != TOK_FATARROW) {
            tok_kind_t kj = kind_at(p, j);
            if (kj == TOK_EOF || kj == TOK_NEWLINE || ++n > MAX_SPEC_TOKENS) return false;
            if (is_opener(kj) && match_of(p, j) > j) j = match_of(p, j);
            j++;
        }
        mark_t m = spec_begin(p);
        while (p->pos < close + 2) advance(p);
        type_expr(p);
        bool ok = !p->spec_failed && at(p, TOK_FATARROW);
        spec_end(p, m, false);
        return ok;
    }
    return false;
}

/*
 * lambda = lparams ["->" type] "=>" nl* expr
 * lparams = "(" [pattern [":" type] {"," ...}] ")" | base_pattern
 */
static expr_t *lambda(parser_t *p) {
    uint32_t start = here(p);
    VEC(param_t) ps = {0};
    if (at(p, TOK_LPAREN)) {
        int open = p->pos;
        advance(p);
        while (!at(p, TOK_RPAREN) && !at(p, TOK_EOF) && !failed(p)) {
            param_t prm;
            memset(&prm, 0, sizeof prm);
            uint32_t ps0 = here(p);
            prm.pat = pattern(p);
            if (accept(p, TOK_COLON)) prm.type = type_expr(p);
            prm.span = span_from(p, ps0);
            vec_push(&ps, prm);
            if (!accept(p, TOK_COMMA)) break;
        }
        expect_close(p, open, TOK_RPAREN);
    } else {
        param_t prm;
        memset(&prm, 0, sizeof prm);
        uint32_t ps0 = here(p);
        prm.pat = pattern_base(p);
        prm.span = span_from(p, ps0);
        vec_push(&ps, prm);
    }
    fn_decl_t *fn = ARENA_NEW(p->a, fn_decl_t);
    fn->is_lambda = true;
    fn->clauses = ARENA_NEW(p->a, clause_t);
    fn->nclauses = 1;
    clause_t *c = &fn->clauses[0];
    FREEZE(p, ps, c->params, c->nparams);
    if (accept(p, TOK_ARROW)) c->ret = type_expr(p);
    expect(p, TOK_FATARROW);
    skip_nl(p);
    c->body = expr(p);
    c->span = span_from(p, start);
    fn->span = c->span;
    fn->name_span = (span_t){p->file, start, start};
    expr_t *e = new_expr(p, E_LAMBDA, start);
    e->fn = fn;
    return e;
}

/* Wraps a statement as an expression: an S_EXPR's expr, else a one-statement block. */
static expr_t *stmt_as_expr(parser_t *p, stmt_t *s) {
    if (s->kind == S_EXPR) return s->expr;
    expr_t *b = ARENA_NEW(p->a, expr_t);
    b->kind = E_BLOCK;
    b->span = s->span;
    b->stmts = ARENA_NEWN(p->a, stmt_t *, 1);
    b->stmts[0] = s;
    b->nstmts = 1;
    return b;
}

static bool is_stmt_sep(tok_kind_t k) {
    return k == TOK_NEWLINE || k == TOK_COMMA || k == TOK_SEMI || k == TOK_COLON;
}

/*
 * stmts = {sep} [stmt {sep {sep} stmt}] {sep}    sep = newline | "," | ";" | ":"
 * Ends before `term` (or at the bracket index `close`).
 */
static void stmts(parser_t *p, int close, tok_kind_t term, stmt_t ***out, int *n) {
    VEC(stmt_t *) v = {0};
    for (;;) {
        while (is_stmt_sep(kind(p))) advance(p);
        if (at(p, term) || at(p, TOK_EOF) || p->pos == close || failed(p)) break;
        if (close < 0 && at(p, TOK_RBRACE)) break;
        int before = p->pos;
        vec_push(&v, stmt(p, STMT_FULL));
        if (!p->panic && !is_stmt_sep(kind(p)) && !at(p, term) && p->pos != close && !at(p, TOK_EOF)) {
            char w[128];
            snprintf(w, sizeof w, "a new line, `;` or `%s` after the statement", tok_kind_spelling(term));
            if (at(p, TOK_LBRACE) && p->pos > 0 && kind_at(p, p->pos - 1) == TOK_UIDENT)
                error_at(p, cur(p)->span, "expected %s, found `{` (a record is built with parentheses: `%s(field: value)`)",
                         w, tok_sym(p, tok_at(p, p->pos - 1)));
            else
                expected(p, w);
        }
        if (p->panic) {
            sync_stmt(p, close, false);
            p->panic = false;
        }
        if (p->pos == before) advance(p);
    }
    FREEZE(p, v, *out, *n);
}

/* block = "{" stmts "}" */
static expr_t *block(parser_t *p) {
    uint32_t start = here(p);
    int open = p->pos;
    if (!expect(p, TOK_LBRACE)) return error_expr(p);
    expr_t *e = new_expr(p, E_BLOCK, start);
    stmts(p, match_of(p, open), TOK_RBRACE, &e->stmts, &e->nstmts);
    expect_close(p, open, TOK_RBRACE);
    e->span = span_from(p, start);
    return e;
}

/*
 * arms = "{" {asep} arm {{asep} arm} {asep} [after] "}"   asep = newline | "," | ";" | "|"
 * arm = pattern ["when" expr] "->" stmt ; after = "after" expr "->" stmt   (receive only)
 */
static void arms(parser_t *p, bool receive, expr_t *e) {
    int open = p->pos;
    if (!expect(p, TOK_LBRACE)) return;
    int close = match_of(p, open);
    VEC(arm_t) v = {0};
    bool seen_after = false;
    for (;;) {
        while (at(p, TOK_NEWLINE) || at(p, TOK_COMMA) || at(p, TOK_SEMI) || at(p, TOK_BAR)) advance(p);
        if (at(p, TOK_RBRACE) || at(p, TOK_EOF) || p->pos == close || failed(p)) break;
        int before = p->pos;
        uint32_t start = here(p);
        if (receive && at(p, TOK_AFTER)) {
            if (seen_after) error_at(p, cur(p)->span, "`receive` can have only one `after` clause");
            seen_after = true;
            advance(p);
            skip_nl(p);
            e->cond = expr(p);
            expect(p, TOK_ARROW);
            skip_nl(p);
            e->lhs = stmt_as_expr(p, stmt(p, STMT_FULL));
        } else {
            if (seen_after) error_at(p, cur(p)->span, "the `after` clause must be the last one of `receive`");
            arm_t arm;
            memset(&arm, 0, sizeof arm);
            arm.pat = pattern(p);
            if (accept(p, TOK_WHEN)) {
                skip_nl(p);
                arm.guard = expr(p);
            }
            expect(p, TOK_ARROW);
            skip_nl(p);
            arm.body = stmt_as_expr(p, stmt(p, STMT_FULL));
            arm.span = span_from(p, start);
            vec_push(&v, arm);
        }
        if (p->panic) {
            sync_stmt(p, close, true);
            p->panic = false;
        }
        if (p->pos == before) advance(p);
    }
    expect_close(p, open, TOK_RBRACE);
    FREEZE(p, v, e->arms, e->narms);
}

/* if = "if" nl* expr nl* ["then"] nl* branch [nl* "else" nl* branch]   (branch: see stmt) */
static expr_t *if_expr(parser_t *p) {
    uint32_t start = here(p);
    advance(p);
    skip_nl(p);
    expr_t *e = new_expr(p, E_IF, start);
    e->cond = expr(p);
    skip_nl(p);
    accept(p, TOK_THEN);
    skip_nl(p);
    e->lhs = stmt_as_expr(p, stmt(p, STMT_BRANCH));
    if (accept_after_nl(p, TOK_ELSE)) {
        skip_nl(p);
        e->rhs = stmt_as_expr(p, stmt(p, STMT_BRANCH));
    }
    e->span = span_from(p, start);
    return e;
}

/* match = "match" nl* expr nl* arms */
static expr_t *match_expr(parser_t *p) {
    uint32_t start = here(p);
    advance(p);
    skip_nl(p);
    expr_t *e = new_expr(p, E_MATCH, start);
    e->lhs = expr(p);
    skip_nl(p);
    arms(p, false, e);
    if (e->narms == 0 && !p->panic)
        error_at(p, span_from(p, start), "`match` needs at least one arm");
    e->span = span_from(p, start);
    return e;
}

/* try = "try" nl* expr [nl* "catch" nl* arms] [nl* "finally" nl* expr] */
static expr_t *try_expr(parser_t *p) {
    uint32_t start = here(p);
    advance(p);
    skip_nl(p);
    expr_t *e = new_expr(p, E_TRY, start);
    e->lhs = expr(p);
    if (accept_after_nl(p, TOK_CATCH)) {
        skip_nl(p);
        arms(p, false, e);
    }
    if (accept_after_nl(p, TOK_FINALLY)) {
        skip_nl(p);
        e->rhs = expr(p);
    }
    e->span = span_from(p, start);
    return e;
}

/* receive = "receive" nl* arms   (arms may end with "after" expr "->" stmt) */
static expr_t *receive_expr(parser_t *p) {
    uint32_t start = here(p);
    advance(p);
    skip_nl(p);
    expr_t *e = new_expr(p, E_RECEIVE, start);
    if (at(p, TOK_LPAREN)) {
        error_at(p, cur(p)->span,
                 "`receive` requires a block with pattern arms: `receive { pattern -> expr }` "
                 "(it is not a function and takes no parentheses)");
        int m = match_of(p, p->pos);
        if (m > p->pos)
            while (p->pos <= m) advance(p);
        return e;
    }
    arms(p, true, e);
    e->span = span_from(p, start);
    return e;
}

/* for = "for" name "=" expr "to" expr expr   (newlines allowed between the parts) */
static expr_t *for_expr(parser_t *p) {
    uint32_t start = here(p);
    advance(p);
    skip_nl(p);
    expr_t *e = new_expr(p, E_FOR, start);
    e->name = expect_lname(p, "the loop variable", &e->name_span);
    skip_nl(p);
    expect(p, TOK_EQ);
    e->cond = expr(p);
    skip_nl(p);
    expect(p, TOK_TO);
    e->rhs = expr(p);
    skip_nl(p);
    e->lhs = expr(p);
    e->span = span_from(p, start);
    return e;
}

/* spawn = ("spawn" | "spawn_link" | "spawn_monitor") ("(" expr ")" | block) ; quote likewise */
static expr_t *spawn_expr(parser_t *p, expr_kind_t k) {
    uint32_t start = here(p);
    token_t *t = advance(p);
    expr_t *e = new_expr(p, k, start);
    e->ival = t->kind == TOK_SPAWN_LINK ? SPAWN_LINK : t->kind == TOK_SPAWN_MONITOR ? SPAWN_MONITOR : SPAWN_NORMAL;
    if (at(p, TOK_LPAREN)) {
        int open = p->pos;
        advance(p);
        e->lhs = expr(p);
        expect_close(p, open, TOK_RPAREN);
        e->has_parens = true;
    } else if (at(p, TOK_LBRACE)) {
        e->lhs = block(p);
    } else {
        expected(p, "`(` or `{`");
        e->lhs = error_expr(p);
    }
    e->span = span_from(p, start);
    return e;
}

/* list = "[" "]" | "[" expr (".." | "..=") expr "]" | "[" expr {"," expr} [","] ["|" expr] "]" */
static expr_t *list_expr(parser_t *p) {
    uint32_t start = here(p);
    int open = p->pos;
    advance(p);
    if (at(p, TOK_RBRACKET)) {
        advance(p);
        return new_expr(p, E_LIST, start);
    }
    expr_t *first = expr(p);
    if (at(p, TOK_DOTDOT) || at(p, TOK_DOTDOTEQ)) {
        expr_t *e = new_expr(p, E_RANGE, start);
        e->inclusive = advance(p)->kind == TOK_DOTDOTEQ;
        e->lhs = first;
        e->rhs = expr(p);
        expect_close(p, open, TOK_RBRACKET);
        e->span = span_from(p, start);
        return e;
    }
    VEC(expr_t *) v = {0};
    vec_push(&v, first);
    expr_t *tail = NULL;
    for (;;) {
        if (accept(p, TOK_BAR)) {
            tail = expr(p);
            break;
        }
        if (!accept(p, TOK_COMMA) || at(p, TOK_RBRACKET) || failed(p)) break;
        vec_push(&v, expr(p));
    }
    expect_close(p, open, TOK_RBRACKET);
    expr_t *e = new_expr(p, E_LIST, start);
    FREEZE(p, v, e->elems, e->nelems);
    e->rhs = tail;
    return e;
}

/* map = "%" "{" [expr ":" expr {"," ...}] [","] "}" ; set = "#" "{" [expr {"," expr}] [","] "}" */
static expr_t *map_or_set(parser_t *p, bool is_map) {
    uint32_t start = here(p);
    advance(p);
    int open = p->pos;
    if (!expect(p, TOK_LBRACE)) return error_expr(p);
    VEC(expr_t *) v = {0};
    for (;;) {
        skip_nl(p);
        if (at(p, TOK_RBRACE) || at(p, TOK_EOF) || failed(p)) break;
        vec_push(&v, expr(p));
        if (is_map) {
            skip_nl(p);
            expect(p, TOK_COLON);
            vec_push(&v, expr(p));
        }
        skip_nl(p);
        if (!accept(p, TOK_COMMA)) break;
    }
    skip_nl(p);
    expect_close(p, open, TOK_RBRACE);
    expr_t *e = new_expr(p, is_map ? E_MAP : E_SET, start);
    FREEZE(p, v, e->elems, e->nelems);
    return e;
}

/* A literal number token, maybe negated by a `-` at neg_start (folded into the literal). */
static expr_t *number_literal(parser_t *p, uint32_t start, bool neg) {
    token_t *t = advance(p);
    expr_t *e = new_expr(p, t->kind == TOK_INT ? E_INT : E_FLOAT, start);
    e->num = t->num;
    e->text = t->text;
    if (t->kind == TOK_INT) {
        if (neg) {
            e->ival = (t->flags & TF_NEG_ONLY) ? t->ival : (int64_t)(0 - (uint64_t)t->ival);
            if (t->text) e->text = arena_sprintf(p->a, "-%s", t->text);
        } else {
            if (t->flags & TF_NEG_ONLY) {
                const char *ty, *range;
                lex_int_range(t->num, &ty, &range);
                error_at(p, t->span, "integer literal `%.*s` is out of range for %s (valid range: %s)",
                         (int)(t->span.end - t->span.start), p->src + t->span.start, ty, range);
            }
            e->ival = t->ival;
        }
    } else {
        e->fval = neg ? -t->fval : t->fval;
        if (neg && t->text) e->text = arena_sprintf(p->a, "-%s", t->text);
    }
    return e;
}

/*
 * primary = literal | string | name | Name ["(" args ")"] | lambda | "(" ")"
 *         | "(" expr ")" | "(" expr "," ... ")" | list | block | map | set
 *         | if | match | try | do | receive | while | for | break | continue
 *         | return | spawn | quote
 */
static expr_t *primary(parser_t *p) {
    uint32_t start = here(p);
    token_t *t = cur(p);
    if (lambda_ahead(p)) return lambda(p);
    switch (t->kind) {
    case TOK_INT:
    case TOK_FLOAT:
        return number_literal(p, start, false);
    case TOK_STRING:
        return string_lit(p);
    case TOK_CHAR: {
        advance(p);
        expr_t *e = new_expr(p, E_CHAR, start);
        e->ival = t->ival;
        return e;
    }
    case TOK_TRUE:
    case TOK_FALSE: {
        advance(p);
        expr_t *e = new_expr(p, E_BOOL, start);
        e->ival = t->kind == TOK_TRUE;
        return e;
    }
    case TOK_UNDERSCORE:
        advance(p);
        return new_expr(p, E_WILDCARD, start);
    case TOK_LPAREN: {
        int open = p->pos;
        advance(p);
        if (accept(p, TOK_RPAREN)) return new_expr(p, E_UNIT, start);
        expr_t *first = expr(p);
        if (!at(p, TOK_COMMA)) {
            expect_close(p, open, TOK_RPAREN);
            return first;
        }
        VEC(expr_t *) v = {0};
        vec_push(&v, first);
        while (accept(p, TOK_COMMA) && !at(p, TOK_RPAREN) && !failed(p)) vec_push(&v, expr(p));
        expect_close(p, open, TOK_RPAREN);
        expr_t *e = new_expr(p, E_TUPLE, start);
        FREEZE(p, v, e->elems, e->nelems);
        return e;
    }
    case TOK_LBRACKET:
        return list_expr(p);
    case TOK_LBRACE:
        return block(p);
    case TOK_PERCENT:
        return map_or_set(p, true);
    case TOK_HASH:
        return map_or_set(p, false);
    case TOK_IF:
        return if_expr(p);
    case TOK_MATCH:
        return match_expr(p);
    case TOK_TRY:
        return try_expr(p);
    case TOK_RECEIVE:
        return receive_expr(p);
    case TOK_DO: {
        /* do = "do" stmts "end"   (Tier 3; a block) */
        advance(p);
        expr_t *e = new_expr(p, E_BLOCK, start);
        stmts(p, -1, TOK_END, &e->stmts, &e->nstmts);
        expect(p, TOK_END);
        e->span = span_from(p, start);
        return e;
    }
    case TOK_WHILE: {
        /* while = "while" nl* expr nl* expr */
        advance(p);
        expr_t *e = new_expr(p, E_WHILE, start);
        e->cond = expr(p);
        skip_nl(p);
        e->lhs = expr(p);
        e->span = span_from(p, start);
        return e;
    }
    case TOK_FOR:
        return for_expr(p);
    case TOK_BREAK:
    case TOK_RETURN: {
        /* break = "break" [expr on the same line] ; return likewise */
        advance(p);
        expr_t *e = new_expr(p, t->kind == TOK_BREAK ? E_BREAK : E_RETURN, start);
        if (can_start_expr(kind(p))) e->lhs = expr(p);
        e->span = span_from(p, start);
        return e;
    }
    case TOK_CONTINUE:
        advance(p);
        return new_expr(p, E_CONTINUE, start);
    case TOK_SPAWN:
    case TOK_SPAWN_LINK:
    case TOK_SPAWN_MONITOR:
        return spawn_expr(p, E_SPAWN);
    case TOK_QUOTE:
        return spawn_expr(p, E_QUOTE);
    default:
        break;
    }
    if (is_lname(t->kind)) {
        advance(p);
        expr_t *e = new_expr(p, E_VAR, start);
        e->name = tok_sym(p, t);
        e->name_span = t->span;
        return e;
    }
    if (is_uname(t->kind)) {
        advance(p);
        if (at(p, TOK_LPAREN)) {
            expr_t *e = new_expr(p, E_CTOR, start);
            e->name = tok_sym(p, t);
            e->name_span = t->span;
            call_args(p, &e->args, &e->nargs);
            e->span = span_from(p, start);
            return e;
        }
        expr_t *e = new_expr(p, E_VAR, start);
        e->name = tok_sym(p, t);
        e->name_span = t->span;
        return e;
    }
    expected(p, "an expression");
    return error_expr(p);
}

/* The dotted name "a.b.C" of a chain of names a.b followed by C, or NULL. */
static sym_t name_chain(parser_t *p, expr_t *e, sym_t last) {
    int n = 1;
    expr_t *x = e;
    while (x->kind == E_FIELD) x = x->lhs, n++;
    if (x->kind != E_VAR) return NULL;
    sym_t *parts = xmalloc(sizeof(sym_t) * (size_t)(n + 1));
    int i = n;
    parts[i--] = last;
    for (x = e; x->kind == E_FIELD; x = x->lhs) parts[i--] = x->name;
    parts[0] = x->name;
    sbuf_t b = {0};
    for (i = 0; i <= n; i++) {
        if (i) sb_putc(&b, '.');
        sb_puts(&b, parts[i]);
    }
    sym_t s = sym_intern(p->syms, b.data, b.len);
    sb_free(&b);
    free(parts);
    return s;
}

/*
 * postfix = primary { "(" args ")" | "[" types "]" "(" args ")" | "[" expr "]" | "?"
 *                   | nl* "." (name ["(" args ")"] | INT ["(" args ")"]) }
 */
static expr_t *postfix(parser_t *p) {
    uint32_t start = here(p);
    expr_t *e = primary(p);
    int chain = 0; /* each postfix node counts as one level of nesting */
    for (;;) {
        if (failed(p)) break;
        tok_kind_t k = kind(p);
        if (k == TOK_LPAREN || k == TOK_LBRACKET || k == TOK_QUESTION || k == TOK_DOT ||
            (k == TOK_NEWLINE && kind_at(p, peek_nl(p)) == TOK_DOT)) {
            if (!enter(p)) break;
            chain++;
        }
        if (k == TOK_LPAREN) {
            expr_t *c = new_expr(p, E_CALL, start);
            c->lhs = e;
            call_args(p, &c->args, &c->nargs);
            c->span = span_from(p, start);
            e = c;
            continue;
        }
        if (k == TOK_LBRACKET) {
            int open = p->pos;
            int close = match_of(p, open);
            if (close > open && close - open <= MAX_SPEC_TOKENS && kind_at(p, close + 1) == TOK_LPAREN) {
                /* f[Int](x): try the brackets as type arguments */
                mark_t m = spec_begin(p);
                texpr_t **targs;
                int ntargs;
                type_list(p, TOK_RBRACKET, &targs, &ntargs);
                bool ok = !p->spec_failed && at(p, TOK_LPAREN);
                if (spec_end(p, m, ok) && ok) {
                    expr_t *c = new_expr(p, E_CALL, start);
                    c->lhs = e;
                    c->targs = targs;
                    c->ntargs = ntargs;
                    call_args(p, &c->args, &c->nargs);
                    c->span = span_from(p, start);
                    e = c;
                    continue;
                }
            }
            advance(p);
            expr_t *ix = new_expr(p, E_INDEX, start);
            ix->lhs = e;
            ix->rhs = expr(p);
            expect_close(p, open, TOK_RBRACKET);
            ix->span = span_from(p, start);
            e = ix;
            continue;
        }
        if (k == TOK_QUESTION) {
            advance(p);
            expr_t *q = new_expr(p, E_TRY_OP, start);
            q->lhs = e;
            e = q;
            continue;
        }
        if (k == TOK_DOT || (k == TOK_NEWLINE && kind_at(p, peek_nl(p)) == TOK_DOT)) {
            skip_nl(p);
            advance(p);
            token_t *t = cur(p);
            if (t->kind == TOK_INT) {
                advance(p);
                expr_t *ti = new_expr(p, E_TUPLE_INDEX, start);
                ti->lhs = e;
                ti->ival = t->ival;
                ti->name_span = t->span;
                e = ti;
                continue;
            }
            if (!(is_lname(t->kind) || is_uname(t->kind) || is_keyword(t->kind))) {
                expected(p, "a field or method name after `.`");
                break;
            }
            advance(p);
            sym_t name = tok_sym(p, t);
            if (at(p, TOK_LPAREN)) {
                sym_t qual = is_uname(t->kind) ? name_chain(p, e, name) : NULL;
                if (qual) {
                    /* Shape.Circle(1.0), mod.Type(x): a qualified constructor */
                    expr_t *c = new_expr(p, E_CTOR, start);
                    c->name = qual;
                    c->name_span = t->span;
                    call_args(p, &c->args, &c->nargs);
                    c->span = span_from(p, start);
                    e = c;
                    continue;
                }
                expr_t *mc = new_expr(p, E_METHOD, start);
                mc->lhs = e;
                mc->name = name;
                mc->name_span = t->span;
                mc->has_parens = true;
                call_args(p, &mc->args, &mc->nargs);
                mc->span = span_from(p, start);
                e = mc;
                continue;
            }
            expr_t *f = new_expr(p, E_FIELD, start);
            f->lhs = e;
            f->name = name;
            f->name_span = t->span;
            e = f;
            continue;
        }
        break;
    }
    while (chain-- > 0) leave(p);
    return e;
}

/* splice = "~" splice | postfix   (Tier 3) */
static expr_t *splice(parser_t *p) {
    uint32_t start = here(p);
    if (!accept(p, TOK_TILDE)) return postfix(p);
    if (!enter(p)) return error_expr(p);
    expr_t *e = new_expr(p, E_SPLICE, start);
    e->lhs = splice(p);
    e->span = span_from(p, start);
    leave(p);
    return e;
}

/*
 * unary = ("-" | "!" | "not") unary | splice
 * A minus directly before a number literal that no postfix operator follows
 * is folded into the literal: -128i8, -9223372036854775808, -2.5.
 */
static expr_t *unary(parser_t *p) {
    skip_nl(p);
    uint32_t start = here(p);
    if (!enter(p)) return error_expr(p);
    expr_t *e;
    tok_kind_t k = kind(p);
    if (k == TOK_MINUS) {
        advance(p);
        skip_nl(p);
        token_t *t = cur(p);
        bool foldable = (t->kind == TOK_INT && t->num != NUM_U8 && t->num != NUM_U16 &&
                         t->num != NUM_U32 && t->num != NUM_U64) ||
                        t->kind == TOK_FLOAT;
        if (foldable && !postfix_follows(p, p->pos + 1)) {
            e = number_literal(p, start, true);
        } else {
            e = new_expr(p, E_UNOP, start);
            e->op = OP_NEG;
            e->lhs = unary(p);
            e->span = span_from(p, start);
        }
    } else if (k == TOK_BANG || k == TOK_NOT) {
        advance(p);
        e = new_expr(p, E_UNOP, start);
        e->op = OP_NOT;
        e->lhs = unary(p);
        e->span = span_from(p, start);
    } else {
        e = splice(p);
    }
    leave(p);
    return e;
}

/* Binary operators, loosest first; `<-` does not chain, `::` is right-associative. */
typedef struct binop_info {
    op_t op;
    int prec;
    bool right;
} binop_info_t;

enum { PREC_SEND = 1, PREC_PIPE, PREC_OR, PREC_AND, PREC_CMP, PREC_CONCAT, PREC_CONS, PREC_ADD, PREC_MUL, PREC_POW };

static bool binop_of(tok_kind_t k, binop_info_t *out) {
    switch (k) {
    case TOK_LARROW: *out = (binop_info_t){OP_ADD, PREC_SEND, false}; return true; /* op unused */
    case TOK_PIPE_GT: *out = (binop_info_t){OP_PIPE, PREC_PIPE, false}; return true;
    case TOK_OROR: *out = (binop_info_t){OP_OR, PREC_OR, false}; return true;
    case TOK_ANDAND: *out = (binop_info_t){OP_AND, PREC_AND, false}; return true;
    case TOK_EQEQ: *out = (binop_info_t){OP_EQ, PREC_CMP, false}; return true;
    case TOK_NE: *out = (binop_info_t){OP_NE, PREC_CMP, false}; return true;
    case TOK_LT: *out = (binop_info_t){OP_LT, PREC_CMP, false}; return true;
    case TOK_LE: *out = (binop_info_t){OP_LE, PREC_CMP, false}; return true;
    case TOK_GT: *out = (binop_info_t){OP_GT, PREC_CMP, false}; return true;
    case TOK_GE: *out = (binop_info_t){OP_GE, PREC_CMP, false}; return true;
    case TOK_PLUSPLUS: *out = (binop_info_t){OP_CONCAT, PREC_CONCAT, false}; return true;
    case TOK_COLONCOLON: *out = (binop_info_t){OP_CONS, PREC_CONS, true}; return true;
    case TOK_PLUS: *out = (binop_info_t){OP_ADD, PREC_ADD, false}; return true;
    case TOK_MINUS: *out = (binop_info_t){OP_SUB, PREC_ADD, false}; return true;
    case TOK_STAR: *out = (binop_info_t){OP_MUL, PREC_MUL, false}; return true;
    case TOK_SLASH: *out = (binop_info_t){OP_DIV, PREC_MUL, false}; return true;
    case TOK_PERCENT: *out = (binop_info_t){OP_MOD, PREC_MUL, false}; return true;
    case TOK_STARSTAR: *out = (binop_info_t){OP_POW, PREC_POW, false}; return true;
    default: return false;
    }
}

/*
 * binary = unary {op nl* unary}, by precedence climbing (table above).
 * Only `|>` may start a continuation line; any other operator must end the line.
 */
static expr_t *binary(parser_t *p, int min_prec) {
    uint32_t start = here(p);
    expr_t *lhs = unary(p);
    int chain = 0; /* each operator node counts as one level of nesting */
    for (;;) {
        if (failed(p)) break;
        tok_kind_t k = kind(p);
        if (k == TOK_NEWLINE) {
            if (min_prec > PREC_PIPE || kind_at(p, peek_nl(p)) != TOK_PIPE_GT) break;
            skip_nl(p);
            k = kind(p);
        }
        binop_info_t bi;
        if (!binop_of(k, &bi) || bi.prec < min_prec) break;
        advance(p);
        skip_nl(p);
        if (!enter(p)) break;
        chain++;
        expr_t *rhs = binary(p, bi.right ? bi.prec : bi.prec + 1);
        expr_t *e;
        if (k == TOK_LARROW) {
            e = new_expr(p, E_SEND, start);
        } else {
            e = new_expr(p, E_BINOP, start);
            e->op = bi.op;
        }
        e->lhs = lhs;
        e->rhs = rhs;
        lhs = e;
        if (k == TOK_LARROW && at(p, TOK_LARROW)) {
            error_at(p, cur(p)->span, "`<-` cannot be chained; use parentheses");
            break;
        }
    }
    while (chain-- > 0) leave(p);
    return lhs;
}

/* expr = nl* binary */
static expr_t *expr(parser_t *p) {
    skip_nl(p);
    return binary(p, PREC_SEND);
}

/* ---- statements ---------------------------------------------------------------------------------- */

/*
 * Scans the rest of the statement without parsing: is it `pattern [: type] = ...`?
 * Pattern part: names, `_`, `.`, `%`, `#` and bracketed groups; after a `:` the
 * type part: names, `.`, `->` and groups. Linear in the statement's head.
 */
static bool looks_like_binding(parser_t *p) {
    int i = p->pos;
    bool type_mode = false;
    for (;;) {
        tok_kind_t k = kind_at(p, i);
        if (is_opener(k)) {
            int j = match_of(p, i);
            if (j < 0) return false;
            i = j + 1;
            continue;
        }
        if (k == TOK_EQ) return i > p->pos;
        if (!type_mode && k == TOK_COLON) {
            type_mode = true;
        } else if (is_lname(k) || is_uname(k) || k == TOK_DOT) {
            /* ok in both parts */
        } else if (!type_mode && (k == TOK_UNDERSCORE || k == TOK_PERCENT || k == TOK_HASH)) {
            /* ok */
        } else if (type_mode && k == TOK_ARROW) {
            /* ok */
        } else {
            return false;
        }
        i++;
    }
}

/* Is this `name [ "[" ... "]" ] "(" ... ")"` followed by `=`, `when` or `->`: a function clause? */
static bool fn_def_ahead(parser_t *p) {
    int i = p->pos;
    if (!is_lname(kind_at(p, i))) return false;
    i++;
    if (kind_at(p, i) == TOK_LBRACKET) {
        int j = match_of(p, i);
        if (j < 0) return false;
        i = j + 1;
    }
    if (kind_at(p, i) != TOK_LPAREN) return false;
    int j = match_of(p, i);
    if (j < 0) return false;
    tok_kind_t k = kind_at(p, j + 1);
    return k == TOK_EQ || k == TOK_WHEN || k == TOK_ARROW;
}

/*
 * stmt = "var" pattern [":" type] "=" expr            (S_LET, mutable)
 *      | name "(" params ")" ... "=" expr              (S_FN, a local function clause)
 *      | pattern [":" type] "=" expr                   (S_LET)
 *      | postfix "=" expr                              (S_ASSIGN: r.f = e, xs[i] = e)
 *      | expr                                          (S_EXPR)
 * STMT_BRANCH (the branches of `if`) allows only the last three, which is how
 * `if c then x = e` works.
 */
static stmt_t *stmt(parser_t *p, int mode) {
    skip_nl(p);
    uint32_t start = here(p);
    if (mode == STMT_FULL && at(p, TOK_VAR)) {
        advance(p);
        stmt_t *s = new_stmt(p, S_LET, start);
        s->mutable_ = true;
        s->pat = pattern(p);
        if (accept(p, TOK_COLON)) s->type = type_expr(p);
        expect(p, TOK_EQ);
        s->value = expr(p);
        s->span = span_from(p, start);
        return s;
    }
    if (mode == STMT_FULL && fn_def_ahead(p)) {
        stmt_t *s = new_stmt(p, S_FN, start);
        s->fn = fn_def(p, start, false);
        s->span = span_from(p, start);
        return s;
    }
    if (looks_like_binding(p)) {
        mark_t m = spec_begin(p);
        pat_t *pat = pattern(p);
        texpr_t *ty = NULL;
        if (!p->spec_failed && accept(p, TOK_COLON)) ty = type_expr(p);
        bool ok = !p->spec_failed && at(p, TOK_EQ);
        if (spec_end(p, m, ok) && ok) {
            advance(p);
            stmt_t *s = new_stmt(p, S_LET, start);
            s->pat = pat;
            s->type = ty;
            s->value = expr(p);
            s->span = span_from(p, start);
            return s;
        }
    }
    expr_t *e = expr(p);
    if (at(p, TOK_EQ)) {
        if (e->kind == E_FIELD || e->kind == E_INDEX || e->kind == E_TUPLE_INDEX) {
            advance(p);
            stmt_t *s = new_stmt(p, S_ASSIGN, start);
            s->target = e;
            s->value = expr(p);
            s->span = span_from(p, start);
            return s;
        }
        error_at(p, cur(p)->span, "cannot assign to this expression (only to a name, a pattern, `r.field` or `xs[i]`)");
    } else if (at(p, TOK_PLUS_EQ) || at(p, TOK_MINUS_EQ) || at(p, TOK_STAR_EQ) || at(p, TOK_SLASH_EQ)) {
        error_at(p, cur(p)->span, "compound assignment `%s` is not supported; write `x = x %c e`",
                 tok_kind_spelling(kind(p)), tok_kind_spelling(kind(p))[0]);
    }
    stmt_t *s = new_stmt(p, S_EXPR, start);
    s->expr = e;
    return s;
}

/* ---- functions ---------------------------------------------------------------------------------------- */

/* params = "(" [param {"," param}] [","] ")" ; param = pattern [":" type] ["=" expr] */
static void params(parser_t *p, param_t **out, int *n) {
    VEC(param_t) v = {0};
    int open = p->pos;
    if (!expect(p, TOK_LPAREN)) {
        *out = NULL;
        *n = 0;
        return;
    }
    while (!at(p, TOK_RPAREN) && !at(p, TOK_EOF) && !failed(p)) {
        param_t prm;
        memset(&prm, 0, sizeof prm);
        uint32_t start = here(p);
        prm.pat = pattern(p);
        if (accept(p, TOK_COLON)) prm.type = type_expr(p);
        if (accept(p, TOK_EQ)) prm.def = expr(p);
        prm.span = span_from(p, start);
        vec_push(&v, prm);
        if (!accept(p, TOK_COMMA)) break;
    }
    expect_close(p, open, TOK_RPAREN);
    FREEZE(p, v, *out, *n);
}

/*
 * fn_def = name [tparams] params ["when" expr] ["->" type] ["when" expr] nl* "=" nl* expr
 * One clause; sema groups the clauses of a function by name and arity.
 */
static fn_decl_t *fn_def(parser_t *p, uint32_t start, bool pub) {
    fn_decl_t *fn = ARENA_NEW(p->a, fn_decl_t);
    fn->pub = pub;
    if (is_lname(kind(p)) || is_uname(kind(p))) {
        token_t *t = advance(p);
        fn->name = tok_sym(p, t);
        fn->name_span = t->span;
    } else {
        fn->name = expect_lname(p, "a function name", &fn->name_span);
    }
    if (at(p, TOK_LBRACKET)) tparams(p, &fn->tparams, &fn->ntparams);
    fn->clauses = ARENA_NEW(p->a, clause_t);
    fn->nclauses = 1;
    clause_t *c = &fn->clauses[0];
    uint32_t cstart = here(p);
    params(p, &c->params, &c->nparams);
    if (accept(p, TOK_WHEN)) c->guard = expr(p);
    if (accept(p, TOK_ARROW)) c->ret = type_expr(p);
    if (!c->guard && accept(p, TOK_WHEN)) c->guard = expr(p);
    skip_nl(p);
    if (expect(p, TOK_EQ)) {
        skip_nl(p);
        c->body = expr(p);
    } else {
        c->body = error_expr(p);
    }
    c->span = span_from(p, cstart);
    fn->span = span_from(p, start);
    return fn;
}

/* ---- items ---------------------------------------------------------------------------------------------- */

/* fields = "{" [["private"] name ":" type {"," ...}] [","] "}"  (or the same in parentheses) */
static void field_decls(parser_t *p, tok_kind_t closer, field_decl_t **out, int *n) {
    VEC(field_decl_t) v = {0};
    int open = p->pos;
    advance(p);
    for (;;) {
        skip_nl(p);
        if (at(p, closer) || at(p, TOK_EOF) || failed(p)) break;
        field_decl_t f;
        memset(&f, 0, sizeof f);
        uint32_t start = here(p);
        f.private_ = accept(p, TOK_PRIVATE);
        f.name = expect_lname(p, "a field name", NULL);
        expect(p, TOK_COLON);
        f.type = type_expr(p);
        f.span = span_from(p, start);
        vec_push(&v, f);
        skip_nl(p);
        if (!accept(p, TOK_COMMA)) break;
    }
    skip_nl(p);
    expect_close(p, open, closer);
    FREEZE(p, v, *out, *n);
}

/* ctor = Name ["(" type {"," type} ")" | "(" fields ")" | "{" fields "}"] */
static ctor_decl_t ctor_decl(parser_t *p) {
    ctor_decl_t c;
    memset(&c, 0, sizeof c);
    uint32_t start = here(p);
    c.name = expect_uname(p, "a constructor name", NULL);
    c.kind = CTOR_UNIT;
    if (at(p, TOK_LPAREN)) {
        if (is_lname(kind_at(p, p->pos + 1)) && kind_at(p, p->pos + 2) == TOK_COLON) {
            c.kind = CTOR_NAMED;
            field_decls(p, TOK_RPAREN, &c.fields, &c.nfields);
        } else {
            c.kind = CTOR_POSITIONAL;
            type_list(p, TOK_RPAREN, &c.types, &c.ntypes);
        }
    } else if (at(p, TOK_LBRACE)) {
        c.kind = CTOR_NAMED;
        field_decls(p, TOK_RBRACE, &c.fields, &c.nfields);
    }
    c.span = span_from(p, start);
    return c;
}

/*
 * type_def = ["var"] "type" Name [tparams] ["=" body] | "reactive" Name [tparams] ["=" body]
 * body = fields | ["|"] ctor {nl* "|" nl* ctor} | type     (the record or `|` may start on
 * the next line; `type T =` alone is the empty type)
 */
static void type_def(parser_t *p, item_t *it) {
    it->kind = I_TYPE;
    advance(p); /* type / reactive */
    it->name = expect_uname(p, "a type name", &it->name_span);
    if (at(p, TOK_LBRACKET)) tparams(p, &it->tparams, &it->ntparams);
    it->body = TB_EMPTY;
    if (!accept(p, TOK_EQ)) return;
    int i = peek_nl(p);
    tok_kind_t k = kind_at(p, i);
    if (i > p->pos) {
        if (k != TOK_LBRACE && k != TOK_BAR) return; /* `type Never =` then a new line */
        skip_nl(p);
    }
    if (k == TOK_LBRACE) {
        it->body = TB_RECORD;
        field_decls(p, TOK_RBRACE, &it->fields, &it->nfields);
        return;
    }
    bool variant = k == TOK_BAR;
    if (is_uname(k)) {
        tok_kind_t n = kind_at(p, p->pos + 1);
        if (n == TOK_LPAREN || n == TOK_LBRACE) variant = true;
        else if (n == TOK_BAR) variant = true;
        else if (n == TOK_NEWLINE && kind_at(p, p->pos + 2) == TOK_BAR) variant = true;
    }
    if (variant) {
        it->body = TB_VARIANT;
        accept(p, TOK_BAR);
        skip_nl(p);
        VEC(ctor_decl_t) v = {0};
        for (;;) {
            vec_push(&v, ctor_decl(p));
            if (failed(p) || !accept_after_nl(p, TOK_BAR)) break;
            skip_nl(p);
        }
        FREEZE(p, v, it->ctors, it->nctors);
        return;
    }
    if (k == TOK_EOF || k == TOK_NEWLINE) return;
    it->body = TB_ALIAS;
    it->alias = type_expr(p);
}

/*
 * The optional `end` of a trait or impl. A line indented deeper than the
 * item that is neither a member nor `end` is an error; the parser then
 * skips to the `end` (or to the next line at the item's indentation).
 */
static void finish_members(parser_t *p, int col0, const char *what) {
    if (accept_after_nl(p, TOK_END)) return;
    int i = peek_nl(p);
    if (kind_at(p, i) == TOK_EOF || column_of(p, i) <= col0) return;
    while (p->pos < i) advance(p);
    expected(p, what);
    sync_item(p, col0);
    accept_after_nl(p, TOK_END);
    p->panic = false;
}

/* Method names of traits: names or operators. */
static bool is_method_name(tok_kind_t k) {
    switch (k) {
    case TOK_EQEQ: case TOK_NE: case TOK_LT: case TOK_GT: case TOK_LE: case TOK_GE: case TOK_PLUS:
    case TOK_MINUS: case TOK_STAR: case TOK_SLASH: case TOK_PERCENT: case TOK_STARSTAR:
    case TOK_PLUSPLUS: case TOK_PIPE_GT:
        return true;
    default:
        return is_lname(k);
    }
}

/*
 * trait = "trait" Name [":" Name {"," Name}] {nl* method} [nl* "end"]
 * method = method_name params ["->" type] ["=" expr]
 */
static void trait_def(parser_t *p, item_t *it) {
    int col0 = column_of(p, p->pos);
    it->kind = I_TRAIT;
    advance(p);
    it->name = expect_uname(p, "a trait name", &it->name_span);
    if (accept(p, TOK_COLON)) {
        VEC(sym_t) s = {0};
        do {
            vec_push(&s, is_uname(kind(p)) ? qualified(p) : expect_uname(p, "a trait name", NULL));
        } while (accept(p, TOK_COMMA) && !failed(p));
        FREEZE(p, s, it->supers, it->nsupers);
    }
    VEC(trait_method_t) v = {0};
    for (;;) {
        int i = peek_nl(p);
        if (!is_method_name(kind_at(p, i)) || kind_at(p, i + 1) != TOK_LPAREN) break;
        skip_nl(p);
        int col = column_of(p, p->pos);
        trait_method_t m;
        memset(&m, 0, sizeof m);
        uint32_t start = here(p);
        token_t *t = advance(p);
        m.name = tok_sym(p, t);
        params(p, &m.params, &m.nparams);
        if (accept(p, TOK_ARROW)) m.ret = type_expr(p);
        if (accept(p, TOK_EQ)) m.def = expr(p);
        m.span = span_from(p, start);
        vec_push(&v, m);
        if (p->panic) {
            sync_item(p, col);
            p->panic = false;
        }
    }
    FREEZE(p, v, it->methods, it->nmethods);
    finish_members(p, col0, "a method signature or `end`");
}

/* bound = name ":" Name {"+" Name} */
static void when_bounds(parser_t *p, item_t *it) {
    VEC(type_param_t) v = {0};
    do {
        type_param_t tp;
        memset(&tp, 0, sizeof tp);
        uint32_t start = here(p);
        if (is_uname(kind(p)) || is_lname(kind(p))) tp.name = tok_sym(p, advance(p));
        else tp.name = expect_uname(p, "a type parameter", NULL);
        expect(p, TOK_COLON);
        VEC(sym_t) b = {0};
        do {
            vec_push(&b, is_uname(kind(p)) ? qualified(p) : expect_uname(p, "a trait name", NULL));
        } while (accept(p, TOK_PLUS) && !failed(p));
        FREEZE(p, b, tp.bounds, tp.nbounds);
        tp.span = span_from(p, start);
        vec_push(&v, tp);
    } while (accept(p, TOK_COMMA) && !failed(p));
    FREEZE(p, v, it->when_bounds, it->nwhen);
}

/* impl = type ":" Name ["when" bound {"," bound}] {nl* fn_def} [nl* "end"] */
static void impl_def(parser_t *p, item_t *it) {
    int col0 = column_of(p, p->pos);
    it->kind = I_IMPL;
    it->alias = type_expr(p);
    expect(p, TOK_COLON);
    it->trait_name = is_uname(kind(p)) ? qualified(p) : expect_uname(p, "a trait name", NULL);
    if (accept(p, TOK_WHEN)) when_bounds(p, it);
    VEC(fn_decl_t *) v = {0};
    for (;;) {
        int i = peek_nl(p);
        tok_kind_t k = kind_at(p, i), n = kind_at(p, i + 1);
        if (!is_method_name(k) || !(n == TOK_LPAREN || (is_lname(k) && n == TOK_LBRACKET))) break;
        skip_nl(p);
        int col = column_of(p, p->pos);
        vec_push(&v, fn_def(p, here(p), false));
        if (p->panic) {
            sync_item(p, col);
            p->panic = false;
        }
    }
    FREEZE(p, v, it->fns, it->nfns);
    finish_members(p, col0, "a method definition or `end`");
}

/*
 * use = "use" name {"." name} ( "." "*" | "." "{" item {"," item} [","] "}" | ["as" name] )
 * item = name ["as" name]
 */
static void use_def(parser_t *p, item_t *it) {
    it->kind = I_USE;
    advance(p);
    VEC(sym_t) path = {0};
    VEC(use_item_t) uses = {0};
    bool all = false, braced = false;
    span_t last_span = cur(p)->span;
    if (is_any_name(kind(p))) {
        last_span = cur(p)->span;
        vec_push(&path, tok_sym(p, advance(p)));
    } else {
        expected(p, "a module path after `use`");
    }
    while (path.len > 0 && at(p, TOK_DOT) && !failed(p)) {
        advance(p);
        if (accept(p, TOK_STAR)) {
            all = true;
            break;
        }
        if (at(p, TOK_LBRACE)) {
            braced = true;
            int open = p->pos;
            advance(p);
            for (;;) {
                skip_nl(p);
                if (at(p, TOK_RBRACE) || at(p, TOK_EOF) || failed(p)) break;
                use_item_t u;
                memset(&u, 0, sizeof u);
                uint32_t start = here(p);
                if (is_any_name(kind(p))) u.name = tok_sym(p, advance(p));
                else u.name = expect_lname(p, "a name to import", NULL);
                if (at(p, TOK_IDENT) && cur(p)->text == p->s_as) {
                    advance(p);
                    if (is_any_name(kind(p))) u.alias = tok_sym(p, advance(p));
                    else expected(p, "a name after `as`");
                }
                u.span = span_from(p, start);
                vec_push(&uses, u);
                skip_nl(p);
                if (!accept(p, TOK_COMMA)) break;
            }
            skip_nl(p);
            expect_close(p, open, TOK_RBRACE);
            break;
        }
        if (is_any_name(kind(p))) {
            last_span = cur(p)->span;
            vec_push(&path, tok_sym(p, advance(p)));
        } else {
            expected(p, "a name, `*` or `{` after `.`");
            break;
        }
    }
    if (!all && !braced && path.len == 1) {
        sym_t n = path.items[0];
        error_at(p, last_span,
                 "bare `use %s` is not valid; use `use %s.*` to import all public names, "
                 "or `use %s.{SomeName}` to import specific names",
                 n, n, n);
    } else if (!all && !braced && path.len >= 2) {
        use_item_t u;
        memset(&u, 0, sizeof u);
        u.name = path.items[--path.len];
        u.span = last_span;
        if (at(p, TOK_IDENT) && cur(p)->text == p->s_as) {
            advance(p);
            if (is_any_name(kind(p))) u.alias = tok_sym(p, advance(p));
            else expected(p, "a name after `as`");
            u.span = span_from(p, last_span.start);
        }
        vec_push(&uses, u);
    }
    FREEZE(p, path, it->path, it->npath);
    FREEZE(p, uses, it->uses, it->nuses);
    if (all) it->nuses = -1;
}

/* extern = "extern" "type" Name | "extern" ["fn"] name "(" name ":" type {","...} ")" "->" type "from" STRING */
static void extern_def(parser_t *p, item_t *it) {
    it->kind = I_EXTERN;
    advance(p);
    if (accept(p, TOK_TYPE)) {
        it->name = expect_uname(p, "a type name", &it->name_span);
        return;
    }
    if (at(p, TOK_IDENT) && cur(p)->text == p->s_fn && is_lname(kind_at(p, p->pos + 1))) advance(p);
    fn_decl_t *fn = ARENA_NEW(p->a, fn_decl_t);
    uint32_t start = here(p);
    fn->name = expect_lname(p, "a function name", &fn->name_span);
    it->name = fn->name;
    it->name_span = fn->name_span;
    fn->clauses = ARENA_NEW(p->a, clause_t);
    fn->nclauses = 1;
    clause_t *c = &fn->clauses[0];
    params(p, &c->params, &c->nparams);
    expect(p, TOK_ARROW);
    c->ret = type_expr(p);
    if (expect(p, TOK_FROM)) {
        if (at(p, TOK_STRING)) it->str = advance(p)->text;
        else expected(p, "a library name string");
    }
    c->span = span_from(p, start);
    fn->span = c->span;
    it->fn = fn;
}

/* module = "module" Name {nl* item} nl* "end" */
static void module_def(parser_t *p, item_t *it) {
    it->kind = I_MODULE;
    uint32_t start = here(p);
    advance(p);
    it->name = expect_uname(p, "a module name", &it->name_span);
    VEC(item_t *) v = {0};
    for (;;) {
        skip_nl(p);
        if (accept(p, TOK_END)) break;
        if (at(p, TOK_EOF)) {
            int line, col;
            diag_line_col(p->d, p->file, start, &line, &col);
            char w[128];
            snprintf(w, sizeof w, "`end` (to close `module %s` at line %d)", it->name, line);
            expected(p, w);
            break;
        }
        int before = p->pos;
        int col = column_of(p, p->pos);
        item_t *sub = item(p);
        if (sub) vec_push(&v, sub);
        if (p->panic) {
            sync_item(p, col);
            p->panic = false;
        }
        if (p->pos == before) advance(p);
    }
    FREEZE(p, v, it->items, it->nitems);
}

/* binding = ["var"] pattern [":" type] "=" nl* expr   (top level) */
static void binding_def(parser_t *p, item_t *it, bool mutable_) {
    it->kind = I_BINDING;
    it->mutable_binding = mutable_;
    it->pat = pattern(p);
    if (accept(p, TOK_COLON)) it->alias = type_expr(p);
    expect(p, TOK_EQ);
    it->value = expr(p);
}

/* Top level: `Pattern [: T] =` (a binding) rather than `Type: Trait` (an impl)? */
static bool binding_ahead(parser_t *p) {
    mark_t m = spec_begin(p);
    pattern(p);
    if (!p->spec_failed && accept(p, TOK_COLON)) type_expr(p);
    bool ok = !p->spec_failed && at(p, TOK_EQ);
    spec_end(p, m, false);
    return ok;
}

/*
 * item = {decorator nl*} ["pub"] ( module | type_def | trait | mvar | const | test | extern
 *        | use | "template" fn_def | fn_def | impl | binding )
 * decorator = "@" name ["(" args ")"]
 */
static item_t *item(parser_t *p) {
    uint32_t start = here(p);
    item_t *it = new_item(p, I_BINDING, start);
    VEC(expr_t *) decos = {0};
    while (at(p, TOK_AT) && !failed(p)) {
        uint32_t ds = here(p);
        advance(p);
        expr_t *d = new_expr(p, E_VAR, ds);
        if (is_any_name(kind(p))) {
            token_t *t = advance(p);
            d->name = tok_sym(p, t);
            d->name_span = t->span;
        } else {
            d->name = expect_lname(p, "a decorator name", &d->name_span);
        }
        d->span = span_from(p, ds);
        if (at(p, TOK_LPAREN)) {
            expr_t *c = new_expr(p, E_CALL, ds);
            c->lhs = d;
            call_args(p, &c->args, &c->nargs);
            d = c;
        }
        d->span = span_from(p, ds);
        vec_push(&decos, d);
        skip_nl(p);
    }
    FREEZE(p, decos, it->decorators, it->ndecorators);
    it->pub = accept(p, TOK_PUB);
    tok_kind_t k = kind(p);
    switch (k) {
    case TOK_MODULE:
        module_def(p, it);
        break;
    case TOK_TYPE:
        type_def(p, it);
        break;
    case TOK_REACTIVE:
        it->reactive = true;
        type_def(p, it);
        break;
    case TOK_VAR:
        advance(p);
        if (at(p, TOK_TYPE)) {
            it->mutable_ = true;
            type_def(p, it);
        } else {
            binding_def(p, it, true);
        }
        break;
    case TOK_TRAIT:
        trait_def(p, it);
        break;
    case TOK_MVAR:
        /* mvar = "mvar" name ":" type "=" nl* expr */
        it->kind = I_MVAR;
        advance(p);
        it->name = expect_lname(p, "a variable name", &it->name_span);
        if (at(p, TOK_COLON)) {
            advance(p);
            it->alias = type_expr(p);
        } else {
            error_at(p, cur(p)->span, "an mvar needs a type: `mvar %s: Type = value`", it->name);
        }
        expect(p, TOK_EQ);
        it->value = expr(p);
        break;
    case TOK_CONST:
        /* const = "const" name "=" nl* expr */
        it->kind = I_CONST;
        advance(p);
        if (is_any_name(kind(p))) {
            token_t *t = advance(p);
            it->name = tok_sym(p, t);
            it->name_span = t->span;
        } else {
            it->name = expect_lname(p, "a constant name", &it->name_span);
        }
        expect(p, TOK_EQ);
        it->value = expr(p);
        break;
    case TOK_TEST:
        /* test = "test" STRING "=" nl* expr */
        it->kind = I_TEST;
        advance(p);
        if (at(p, TOK_STRING)) it->str = advance(p)->text;
        else expected(p, "the test's name (a string)");
        expect(p, TOK_EQ);
        it->value = expr(p);
        break;
    case TOK_EXTERN:
        extern_def(p, it);
        break;
    case TOK_USE:
        use_def(p, it);
        break;
    case TOK_IMPORT:
        error_at(p, cur(p)->span, "`import` is not supported; write `use module.*` or `use module.{name}`");
        advance(p);
        return NULL;
    case TOK_TEMPLATE:
        it->kind = I_FN;
        advance(p);
        it->fn = fn_def(p, start, it->pub);
        it->fn->is_template = true;
        break;
    default:
        if (is_lname(k) && fn_def_ahead(p)) {
            it->kind = I_FN;
            it->fn = fn_def(p, start, it->pub);
        } else if (is_lname(k) && (kind_at(p, p->pos + 1) == TOK_LPAREN || kind_at(p, p->pos + 1) == TOK_LBRACKET)) {
            /* looks like a function head without a body */
            it->kind = I_FN;
            it->fn = fn_def(p, start, it->pub);
        } else if ((is_uname(k) || k == TOK_LPAREN || k == TOK_LBRACKET) && !binding_ahead(p)) {
            impl_def(p, it);
        } else if (is_lname(k) || is_uname(k) || k == TOK_LPAREN || k == TOK_LBRACKET || k == TOK_LBRACE ||
                   k == TOK_UNDERSCORE || k == TOK_PERCENT || k == TOK_HASH) {
            binding_def(p, it, false);
        } else {
            expected(p, "an item (a function, type, trait, binding, `use`, ...)");
            if (!at(p, TOK_EOF)) advance(p);
            return NULL;
        }
        break;
    }
    it->span = span_from(p, start);
    return it;
}

/* ---- entry ---------------------------------------------------------------------------------------------- */

static tok_kind_t opener_of(tok_kind_t closer) {
    return closer == TOK_RPAREN ? TOK_LPAREN : closer == TOK_RBRACKET ? TOK_LBRACKET : TOK_LBRACE;
}

static int bracket_slot(tok_kind_t k) {
    return (k == TOK_LPAREN || k == TOK_RPAREN) ? 0 : (k == TOK_LBRACKET || k == TOK_RBRACKET) ? 1 : 2;
}

/* Fills match[] for toks[0..n): partners of brackets, -1 for unmatched ones. Linear. */
static void match_brackets(const token_t *toks, int n, int *match) {
    int *stack = xmalloc(sizeof(int) * (size_t)(n + 1));
    int sp = 0;
    int open_count[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        match[i] = -1;
        tok_kind_t k = toks[i].kind;
        if (is_opener(k)) {
            stack[sp++] = i;
            open_count[bracket_slot(k)]++;
        } else if (is_closer(k) && open_count[bracket_slot(k)] > 0) {
            /* Pop to the nearest opener of the same kind; the ones above it stay
               unmatched. A closer with no such opener is unmatched (O(1) by the counts). */
            tok_kind_t want = opener_of(k);
            while (sp > 0) {
                int o = stack[--sp];
                open_count[bracket_slot(toks[o].kind)]--;
                if (toks[o].kind == want) {
                    match[o] = i;
                    match[i] = o;
                    break;
                }
            }
        }
    }
    free(stack);
}

/*
 * Builds p->toks, p->match and p->cols from the lexer's tokens (see the header
 * comment). Newlines are dropped only inside a *matched* ( ) or [ ] pair, so
 * an unclosed `(` does not swallow the line breaks of the statements after it.
 */
static void prepare(parser_t *p, token_vec_t *in, bool with_cols) {
    int n = in->len;
    /* Pass 1: drop error tokens, collapse newline runs, match brackets. */
    token_t *t1 = xmalloc(sizeof(token_t) * (size_t)(n + 1));
    int n1 = 0;
    for (int i = 0; i < n; i++) {
        token_t t = in->items[i];
        if (t.kind == TOK_ERROR) continue;
        if (t.kind == TOK_NEWLINE && n1 > 0 && t1[n1 - 1].kind == TOK_NEWLINE) continue;
        t1[n1++] = t;
    }
    if (n1 == 0 || t1[n1 - 1].kind != TOK_EOF) {
        token_t eof;
        memset(&eof, 0, sizeof eof);
        eof.kind = TOK_EOF;
        eof.span = (span_t){p->file, p->src_len, p->src_len};
        t1[n1++] = eof;
    }
    int *m1 = xmalloc(sizeof(int) * (size_t)n1);
    match_brackets(t1, n1, m1);
    /* Pass 2: drop the newlines whose innermost matched bracket is ( or [. */
    p->toks = xmalloc(sizeof(token_t) * (size_t)n1);
    p->match = xmalloc(sizeof(int) * (size_t)n1);
    p->cols = xmalloc(sizeof(uint32_t) * (size_t)n1);
    int *newidx = xmalloc(sizeof(int) * (size_t)n1);
    int *stack = xmalloc(sizeof(int) * (size_t)n1);
    int sp = 0, m = 0;
    for (int i = 0; i < n1; i++) {
        tok_kind_t k = t1[i].kind;
        newidx[i] = -1;
        if (sp > 0 && m1[stack[sp - 1]] == i) sp--;
        if (k == TOK_NEWLINE && sp > 0 && t1[stack[sp - 1]].kind != TOK_LBRACE) continue;
        if (is_opener(k) && m1[i] > i) stack[sp++] = i;
        newidx[i] = m;
        p->toks[m++] = t1[i];
    }
    for (int i = 0; i < n1; i++)
        if (newidx[i] >= 0) p->match[newidx[i]] = m1[i] >= 0 ? newidx[m1[i]] : -1;
    free(stack);
    free(newidx);
    free(m1);
    free(t1);
    p->ntoks = m;
    /* Byte columns, from the last newline before each token (a string's
       `${...}` needs none: its parser never resynchronises at items). */
    uint32_t line_start = 0, scanned = 0;
    for (int i = 0; i < m; i++) {
        if (!with_cols) {
            p->cols[i] = 0;
            continue;
        }
        uint32_t st = p->toks[i].span.start;
        for (; scanned < st && scanned < p->src_len; scanned++)
            if (p->src[scanned] == '\n') line_start = scanned + 1;
        p->cols[i] = st - line_start;
    }
}

static void release(parser_t *p) {
    free(p->toks);
    free(p->match);
    free(p->cols);
    p->toks = NULL;
    p->match = NULL;
    p->cols = NULL;
}

module_ast_t *parse_file(arena_t *a, symtab_t *syms, diag_t *d, uint32_t file) {
    module_ast_t *mod = ARENA_NEW(a, module_ast_t);
    mod->file = file;
    source_t *src = diag_file(d, file);
    if (!src) return mod;
    token_vec_t toks = {0};
    lex_file(a, syms, d, file, &toks);
    parser_t p;
    memset(&p, 0, sizeof p);
    p.a = a;
    p.syms = syms;
    p.d = d;
    p.file = file;
    p.src = src->text;
    p.src_len = src->len;
    p.s_list = sym_cstr(syms, "List");
    p.s_as = sym_cstr(syms, "as");
    p.s_fn = sym_cstr(syms, "fn");
    prepare(&p, &toks, true);
    vec_free(&toks);
    VEC(item_t *) items = {0};
    for (;;) {
        skip_nl(&p);
        if (at(&p, TOK_EOF)) break;
        int before = p.pos;
        int col = column_of(&p, p.pos);
        item_t *it = item(&p);
        if (it) vec_push(&items, it);
        if (!p.panic && !at(&p, TOK_NEWLINE) && !at(&p, TOK_EOF) && !can_start_expr(kind(&p)) &&
            !is_item_keyword(kind(&p)) && !at(&p, TOK_VAR)) {
            expected(&p, "a new line after the definition");
        }
        if (p.panic) {
            sync_item(&p, col);
            p.panic = false;
        }
        if (p.pos == before) advance(&p);
    }
    FREEZE(&p, items, mod->items, mod->nitems);
    release(&p);
    return mod;
}
