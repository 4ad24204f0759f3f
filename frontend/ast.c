/*
 * ast.c - names of AST kinds and the --emit=ast dump.
 *
 * The dump is an S-expression, one node per line, children indented by two
 * spaces, closing parentheses at the end of a node's last line:
 *     (I_FN main
 *       (E_BINOP +
 *         (E_INT 1)
 *         (E_VAR x)))
 * A node line starts with its kind (from the X-macros) and its key fields
 * (names, operators, literal values); type expressions are written inline in
 * source syntax (`List[Int]`, `(Int) -> Bool`). Spans are not printed, so
 * golden files do not change when unrelated text moves. Labelled helper
 * nodes in lower case (param, arm, named, tail, ...) group children whose
 * role is not clear from their position. Every pointer may be NULL (the tree
 * of a file with errors), and the dump never fails on one.
 */
#include "ast.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- kind names -------------------------------------------------------------- */

static const char *const expr_names[] = {
#define X(k) #k,
    EXPR_KINDS(X)
#undef X
};
static const char *const pat_names[] = {
#define X(k) #k,
    PAT_KINDS(X)
#undef X
};
static const char *const stmt_names[] = {
#define X(k) #k,
    STMT_KINDS(X)
#undef X
};
static const char *const item_names[] = {
#define X(k) #k,
    ITEM_KINDS(X)
#undef X
};
static const char *const texpr_names[] = {
#define X(k) #k,
    TEXPR_KINDS(X)
#undef X
};
static const char *const op_names[] = {
#define X(k, s) s,
    BINOP_KINDS(X)
#undef X
};
static const char *const num_suffixes[] = {
#define X(k, s) s,
    NUM_KINDS(X)
#undef X
};

#define NAME_OF(table, k)                                                      \
    ((unsigned)(k) < sizeof(table) / sizeof((table)[0]) ? (table)[k] : "?")

const char *expr_kind_name(expr_kind_t k) { return NAME_OF(expr_names, k); }
const char *pat_kind_name(pat_kind_t k) { return NAME_OF(pat_names, k); }
const char *stmt_kind_name(stmt_kind_t k) { return NAME_OF(stmt_names, k); }
const char *item_kind_name(item_kind_t k) { return NAME_OF(item_names, k); }
const char *texpr_kind_name(texpr_kind_t k) { return NAME_OF(texpr_names, k); }
const char *op_name(op_t op) { return NAME_OF(op_names, op); }
const char *num_suffix(num_kind_t k) { return NAME_OF(num_suffixes, k); }

/* ---- printer -------------------------------------------------------------------- */

typedef struct printer {
    FILE *out;
    bool first;
} printer_t;

static void open_node(printer_t *pr, int ind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Starts a node on a new line: "(" followed by the formatted head. */
static void open_node(printer_t *pr, int ind, const char *fmt, ...) {
    if (!pr->first) fputc('\n', pr->out);
    pr->first = false;
    for (int i = 0; i < ind; i++) fputc(' ', pr->out);
    fputc('(', pr->out);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(pr->out, fmt, ap);
    va_end(ap);
}

static void close_node(printer_t *pr) { fputc(')', pr->out); }

/* A quoted, escaped string. */
static void put_string(sbuf_t *b, const char *s, uint32_t n) {
    sb_putc(b, '"');
    for (uint32_t i = 0; s && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\n': sb_puts(b, "\\n"); break;
        case '\r': sb_puts(b, "\\r"); break;
        case '\t': sb_puts(b, "\\t"); break;
        case '\\': sb_puts(b, "\\\\"); break;
        case '"': sb_puts(b, "\\\""); break;
        case 0: sb_puts(b, "\\0"); break;
        default:
            if (c < 0x20 || c == 0x7F) sb_printf(b, "\\x%02X", c);
            else sb_putc(b, (char)c);
        }
    }
    sb_putc(b, '"');
}

/* A character literal: 'a', '\n', or U+XXXX for other control characters. */
static void put_char(sbuf_t *b, int64_t cp) {
    switch (cp) {
    case '\n': sb_puts(b, "'\\n'"); return;
    case '\r': sb_puts(b, "'\\r'"); return;
    case '\t': sb_puts(b, "'\\t'"); return;
    case '\\': sb_puts(b, "'\\\\'"); return;
    case '\'': sb_puts(b, "'\\''"); return;
    case 0: sb_puts(b, "'\\0'"); return;
    default: break;
    }
    if (cp < 0x20 || cp == 0x7F || cp > 0x10FFFF || cp < 0) {
        sb_printf(b, "U+%04llX", (unsigned long long)cp);
        return;
    }
    char u[5] = {0};
    uint32_t c = (uint32_t)cp;
    if (c < 0x80) u[0] = (char)c;
    else if (c < 0x800) u[0] = (char)(0xC0 | (c >> 6)), u[1] = (char)(0x80 | (c & 0x3F));
    else if (c < 0x10000)
        u[0] = (char)(0xE0 | (c >> 12)), u[1] = (char)(0x80 | ((c >> 6) & 0x3F)), u[2] = (char)(0x80 | (c & 0x3F));
    else
        u[0] = (char)(0xF0 | (c >> 18)), u[1] = (char)(0x80 | ((c >> 12) & 0x3F)),
        u[2] = (char)(0x80 | ((c >> 6) & 0x3F)), u[3] = (char)(0x80 | (c & 0x3F));
    sb_printf(b, "'%s'", u);
}

/* The shortest decimal form of v that reads back as v. */
static void put_double(sbuf_t *b, double v) {
    char buf[40];
    if (v == (double)(int64_t)v && v > -1e16 && v < 1e16) {
        sb_printf(b, "%.0f.0", v); /* whole numbers: 20.0, not 2e+01 */
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    sb_puts(b, buf);
    if (!strpbrk(buf, ".eEn")) sb_puts(b, ".0"); /* keep floats recognisable: 2.0, inf, nan */
}

static void put_int(sbuf_t *b, int64_t v, num_kind_t num, const char *text) {
    if (num == NUM_BIGINT) sb_printf(b, "%s n", text ? text : "?");
    else if (num == NUM_U64) sb_printf(b, "%llu u64", (unsigned long long)v);
    else if (num == NUM_INT) sb_printf(b, "%lld", (long long)v);
    else sb_printf(b, "%lld %s", (long long)v, num_suffix(num));
}

static void put_float(sbuf_t *b, double v, num_kind_t num, const char *text) {
    if (num == NUM_DECIMAL) {
        sb_printf(b, "%s d", text ? text : "?");
        return;
    }
    put_double(b, v);
    if (num != NUM_FLOAT) sb_printf(b, " %s", num_suffix(num));
}

/* ---- types (inline) ---------------------------------------------------------------- */

static void put_type(sbuf_t *b, texpr_t *t) {
    if (!t) {
        sb_puts(b, "?");
        return;
    }
    switch (t->kind) {
    case TE_NAME:
        sb_puts(b, t->name ? t->name : "?");
        break;
    case TE_GENERIC:
        sb_puts(b, t->name ? t->name : "?");
        sb_putc(b, '[');
        for (int i = 0; i < t->nargs; i++) {
            if (i) sb_puts(b, ", ");
            put_type(b, t->args[i]);
        }
        sb_putc(b, ']');
        break;
    case TE_FUN:
        sb_putc(b, '(');
        for (int i = 0; i < t->nargs; i++) {
            if (i) sb_puts(b, ", ");
            put_type(b, t->args[i]);
        }
        sb_puts(b, ") -> ");
        put_type(b, t->ret);
        break;
    case TE_TUPLE:
        sb_putc(b, '(');
        for (int i = 0; i < t->nargs; i++) {
            if (i) sb_puts(b, ", ");
            put_type(b, t->args[i]);
        }
        sb_putc(b, ')');
        break;
    case TE_RECORD:
        sb_putc(b, '{');
        for (int i = 0; i < t->nargs; i++) {
            if (i) sb_puts(b, ", ");
            sb_printf(b, "%s: ", t->field_names && t->field_names[i] ? t->field_names[i] : "?");
            put_type(b, t->args[i]);
        }
        sb_putc(b, '}');
        break;
    case TE_UNIT:
        sb_puts(b, "()");
        break;
    }
}

/* " : T" when t is set. */
static void put_annot(sbuf_t *b, const char *sep, texpr_t *t) {
    if (!t) return;
    sb_puts(b, sep);
    put_type(b, t);
}

static void put_tparams(sbuf_t *b, type_param_t *tp, int n) {
    if (n <= 0) return;
    sb_puts(b, " [");
    for (int i = 0; i < n; i++) {
        if (i) sb_puts(b, ", ");
        sb_puts(b, tp[i].name ? tp[i].name : "?");
        for (int j = 0; j < tp[i].nbounds; j++) sb_printf(b, "%s%s", j ? " + " : ": ", tp[i].bounds[j]);
    }
    sb_putc(b, ']');
}

/* ---- nodes ------------------------------------------------------------------------------ */

static void dump_expr(printer_t *pr, expr_t *e, int ind);
static void dump_pat(printer_t *pr, pat_t *p, int ind);
static void dump_stmt(printer_t *pr, stmt_t *s, int ind);
static void dump_item(printer_t *pr, item_t *it, int ind);

/* Opens a node whose head was built in b (and clears b). */
static void open_buf(printer_t *pr, int ind, sbuf_t *b) {
    open_node(pr, ind, "%s", sb_cstr(b));
    b->len = 0;
    if (b->data) b->data[0] = 0;
}

static void leaf(printer_t *pr, int ind, const char *text) {
    open_node(pr, ind, "%s", text);
    close_node(pr);
}

static void dump_args(printer_t *pr, arg_t *args, int n, int ind) {
    for (int i = 0; i < n; i++) {
        if (args[i].name) {
            open_node(pr, ind, "named %s", args[i].name);
            dump_expr(pr, args[i].value, ind + 2);
            close_node(pr);
        } else {
            dump_expr(pr, args[i].value, ind);
        }
    }
}

static void dump_arms(printer_t *pr, arm_t *arms, int n, int ind) {
    for (int i = 0; i < n; i++) {
        open_node(pr, ind, "arm");
        dump_pat(pr, arms[i].pat, ind + 2);
        if (arms[i].guard) {
            open_node(pr, ind + 2, "when");
            dump_expr(pr, arms[i].guard, ind + 4);
            close_node(pr);
        }
        dump_expr(pr, arms[i].body, ind + 2);
        close_node(pr);
    }
}

static void dump_params(printer_t *pr, param_t *ps, int n, int ind) {
    sbuf_t b = {0};
    for (int i = 0; i < n; i++) {
        sb_puts(&b, "param");
        put_annot(&b, " : ", ps[i].type);
        open_buf(pr, ind, &b);
        dump_pat(pr, ps[i].pat, ind + 2);
        if (ps[i].def) {
            open_node(pr, ind + 2, "default");
            dump_expr(pr, ps[i].def, ind + 4);
            close_node(pr);
        }
        close_node(pr);
    }
    sb_free(&b);
}

/* The children of a clause: params, guard, body (its return type is in the head). */
static void dump_clause_body(printer_t *pr, clause_t *c, int ind) {
    dump_params(pr, c->params, c->nparams, ind);
    if (c->guard) {
        open_node(pr, ind, "when");
        dump_expr(pr, c->guard, ind + 2);
        close_node(pr);
    }
    if (c->body) dump_expr(pr, c->body, ind);
}

static void dump_decorators(printer_t *pr, expr_t **ds, int n, int ind) {
    if (n <= 0) return;
    open_node(pr, ind, "decorators");
    for (int i = 0; i < n; i++) dump_expr(pr, ds[i], ind + 2);
    close_node(pr);
}

/*
 * A function: head "KIND name flags [tparams] [-> T]", then its decorators
 * (items only) and its clause(s); one clause is written inline.
 */
static void dump_fn(printer_t *pr, const char *kind, fn_decl_t *fn, expr_t **decos, int ndecos, int ind) {
    sbuf_t b = {0};
    sb_puts(&b, kind);
    if (!fn) {
        open_buf(pr, ind, &b);
        close_node(pr);
        sb_free(&b);
        return;
    }
    if (fn->name) sb_printf(&b, " %s", fn->name);
    if (fn->pub) sb_puts(&b, " pub");
    if (fn->is_template) sb_puts(&b, " template");
    put_tparams(&b, fn->tparams, fn->ntparams);
    if (fn->nclauses == 1) {
        put_annot(&b, " -> ", fn->clauses[0].ret);
        open_buf(pr, ind, &b);
        dump_decorators(pr, decos, ndecos, ind + 2);
        dump_clause_body(pr, &fn->clauses[0], ind + 2);
    } else {
        open_buf(pr, ind, &b);
        dump_decorators(pr, decos, ndecos, ind + 2);
        for (int i = 0; i < fn->nclauses; i++) {
            sb_puts(&b, "clause");
            put_annot(&b, " -> ", fn->clauses[i].ret);
            open_buf(pr, ind + 2, &b);
            dump_clause_body(pr, &fn->clauses[i], ind + 4);
            close_node(pr);
        }
    }
    close_node(pr);
    sb_free(&b);
}

static void dump_expr(printer_t *pr, expr_t *e, int ind) {
    if (!e) {
        leaf(pr, ind, "null");
        return;
    }
    sbuf_t b = {0};
    const char *kn = expr_kind_name(e->kind);
    sb_puts(&b, kn);
    switch (e->kind) {
    case E_INT:
        sb_putc(&b, ' ');
        put_int(&b, e->ival, e->num, e->text);
        break;
    case E_FLOAT:
        sb_putc(&b, ' ');
        put_float(&b, e->fval, e->num, e->text);
        break;
    case E_STRING:
        sb_putc(&b, ' ');
        put_string(&b, e->str, e->str_len);
        break;
    case E_CHAR:
        sb_putc(&b, ' ');
        put_char(&b, e->ival);
        break;
    case E_BOOL:
        sb_puts(&b, e->ival ? " true" : " false");
        break;
    case E_VAR:
    case E_FIELD:
    case E_METHOD:
    case E_CTOR:
        sb_printf(&b, " %s", e->name ? e->name : "?");
        break;
    case E_FOR:
        sb_printf(&b, " %s", e->name ? e->name : "?");
        break;
    case E_BINOP:
    case E_UNOP:
        sb_printf(&b, " %s", op_name(e->op));
        break;
    case E_TUPLE_INDEX:
        sb_printf(&b, " %lld", (long long)e->ival);
        break;
    case E_RANGE:
        sb_puts(&b, e->inclusive ? " ..=" : " ..");
        break;
    case E_SPAWN:
        if (e->ival == SPAWN_LINK) sb_puts(&b, " link");
        if (e->ival == SPAWN_MONITOR) sb_puts(&b, " monitor");
        if (e->has_parens) sb_puts(&b, " (parens)");
        break;
    case E_ASCRIBE:
        put_annot(&b, " : ", e->type);
        break;
    case E_CALL:
        if (e->ntargs > 0) {
            sb_puts(&b, " [");
            for (int i = 0; i < e->ntargs; i++) {
                if (i) sb_puts(&b, ", ");
                put_type(&b, e->targs[i]);
            }
            sb_putc(&b, ']');
        }
        break;
    case E_LAMBDA:
        if (e->fn && e->fn->nclauses > 0) put_annot(&b, " -> ", e->fn->clauses[0].ret);
        break;
    default:
        break;
    }
    open_buf(pr, ind, &b);
    sb_free(&b);
    int ci = ind + 2;
    switch (e->kind) {
    case E_INTERP:
        for (int i = 0; i < e->nparts; i++) {
            if (e->parts[i].expr) {
                dump_expr(pr, e->parts[i].expr, ci);
            } else {
                sbuf_t s = {0};
                sb_puts(&s, "str ");
                put_string(&s, e->parts[i].str, e->parts[i].len);
                leaf(pr, ci, sb_cstr(&s));
                sb_free(&s);
            }
        }
        break;
    case E_BINOP:
    case E_SEND:
    case E_INDEX:
        dump_expr(pr, e->lhs, ci);
        dump_expr(pr, e->rhs, ci);
        break;
    case E_UNOP:
    case E_FIELD:
    case E_TUPLE_INDEX:
    case E_TRY_OP:
    case E_ASCRIBE:
    case E_QUOTE:
    case E_SPLICE:
    case E_SPAWN:
        dump_expr(pr, e->lhs, ci);
        break;
    case E_BREAK:
    case E_RETURN:
        if (e->lhs) dump_expr(pr, e->lhs, ci);
        break;
    case E_CALL:
    case E_METHOD:
        dump_expr(pr, e->lhs, ci);
        dump_args(pr, e->args, e->nargs, ci);
        break;
    case E_CTOR:
        dump_args(pr, e->args, e->nargs, ci);
        break;
    case E_LAMBDA:
        if (e->fn && e->fn->nclauses > 0) dump_clause_body(pr, &e->fn->clauses[0], ci);
        break;
    case E_IF:
        dump_expr(pr, e->cond, ci);
        dump_expr(pr, e->lhs, ci);
        if (e->rhs) dump_expr(pr, e->rhs, ci);
        break;
    case E_MATCH:
        dump_expr(pr, e->lhs, ci);
        dump_arms(pr, e->arms, e->narms, ci);
        break;
    case E_TUPLE:
    case E_SET:
        for (int i = 0; i < e->nelems; i++) dump_expr(pr, e->elems[i], ci);
        break;
    case E_LIST:
        for (int i = 0; i < e->nelems; i++) dump_expr(pr, e->elems[i], ci);
        if (e->rhs) {
            open_node(pr, ci, "tail");
            dump_expr(pr, e->rhs, ci + 2);
            close_node(pr);
        }
        break;
    case E_RANGE:
        dump_expr(pr, e->lhs, ci);
        dump_expr(pr, e->rhs, ci);
        break;
    case E_MAP:
        for (int i = 0; i + 1 < e->nelems; i += 2) {
            open_node(pr, ci, "entry");
            dump_expr(pr, e->elems[i], ci + 2);
            dump_expr(pr, e->elems[i + 1], ci + 2);
            close_node(pr);
        }
        break;
    case E_BLOCK:
        for (int i = 0; i < e->nstmts; i++) dump_stmt(pr, e->stmts[i], ci);
        break;
    case E_TRY:
        dump_expr(pr, e->lhs, ci);
        dump_arms(pr, e->arms, e->narms, ci);
        if (e->rhs) {
            open_node(pr, ci, "finally");
            dump_expr(pr, e->rhs, ci + 2);
            close_node(pr);
        }
        break;
    case E_WHILE:
        dump_expr(pr, e->cond, ci);
        dump_expr(pr, e->lhs, ci);
        break;
    case E_FOR:
        dump_expr(pr, e->cond, ci);
        dump_expr(pr, e->rhs, ci);
        dump_expr(pr, e->lhs, ci);
        break;
    case E_RECEIVE:
        dump_arms(pr, e->arms, e->narms, ci);
        if (e->cond || e->lhs) {
            open_node(pr, ci, "after");
            dump_expr(pr, e->cond, ci + 2);
            dump_expr(pr, e->lhs, ci + 2);
            close_node(pr);
        }
        break;
    default:
        break;
    }
    close_node(pr);
}

static void dump_pat_fields(printer_t *pr, pat_field_t *fs, int n, int ind) {
    for (int i = 0; i < n; i++) {
        if (!fs[i].name) {
            leaf(pr, ind, "rest");
            continue;
        }
        open_node(pr, ind, "field %s", fs[i].name);
        if (fs[i].pat) dump_pat(pr, fs[i].pat, ind + 2);
        close_node(pr);
    }
}

static void dump_pat(printer_t *pr, pat_t *p, int ind) {
    if (!p) {
        leaf(pr, ind, "null");
        return;
    }
    sbuf_t b = {0};
    sb_puts(&b, pat_kind_name(p->kind));
    switch (p->kind) {
    case P_VAR:
        sb_printf(&b, " %s", p->name ? p->name : "?");
        break;
    case P_INT:
        sb_putc(&b, ' ');
        put_int(&b, p->ival, p->num, p->text);
        break;
    case P_FLOAT:
        sb_putc(&b, ' ');
        put_float(&b, p->fval, p->num, p->text);
        break;
    case P_STRING:
        sb_putc(&b, ' ');
        put_string(&b, p->str, p->str_len);
        break;
    case P_CHAR:
        sb_putc(&b, ' ');
        put_char(&b, p->ival);
        break;
    case P_BOOL:
        sb_puts(&b, p->ival ? " true" : " false");
        break;
    case P_STRCONS:
        for (int i = 0; i < p->nstrs; i++) {
            sb_putc(&b, ' ');
            put_string(&b, p->strs[i], p->str_lens[i]);
        }
        break;
    case P_CTOR:
        sb_printf(&b, " %s", p->name ? p->name : "?");
        if (p->ctor_args == CTOR_NAMED) sb_puts(&b, " named");
        if (p->ctor_args == CTOR_POSITIONAL && p->nelems == 0) sb_puts(&b, " ()");
        break;
    case P_RANGE:
        sb_printf(&b, " %lld %s %lld", (long long)p->ival, p->inclusive ? "..=" : "..", (long long)p->ival2);
        if (p->num != NUM_INT) sb_printf(&b, " %s", num_suffix(p->num));
        break;
    case P_ANNOT:
        put_annot(&b, " : ", p->type);
        break;
    default:
        break;
    }
    open_buf(pr, ind, &b);
    sb_free(&b);
    int ci = ind + 2;
    switch (p->kind) {
    case P_TUPLE:
    case P_SET:
    case P_OR:
    case P_ANNOT:
        for (int i = 0; i < p->nelems; i++) dump_pat(pr, p->elems[i], ci);
        break;
    case P_LIST:
        for (int i = 0; i < p->nelems; i++) dump_pat(pr, p->elems[i], ci);
        if (p->rest) {
            open_node(pr, ci, "tail");
            dump_pat(pr, p->rest, ci + 2);
            close_node(pr);
        }
        break;
    case P_STRCONS:
        dump_pat(pr, p->rest, ci);
        break;
    case P_RECORD:
        dump_pat_fields(pr, p->fields, p->nfields, ci);
        break;
    case P_CTOR:
        for (int i = 0; i < p->nelems; i++) dump_pat(pr, p->elems[i], ci);
        dump_pat_fields(pr, p->fields, p->nfields, ci);
        break;
    case P_MAP:
        for (int i = 0; i < p->nelems; i++) {
            open_node(pr, ci, "entry");
            dump_expr(pr, p->keys ? p->keys[i] : NULL, ci + 2);
            dump_pat(pr, p->elems[i], ci + 2);
            close_node(pr);
        }
        break;
    case P_PIN:
        dump_expr(pr, p->pin, ci);
        break;
    default:
        break;
    }
    close_node(pr);
}

static void dump_stmt(printer_t *pr, stmt_t *s, int ind) {
    if (!s) {
        leaf(pr, ind, "null");
        return;
    }
    sbuf_t b = {0};
    switch (s->kind) {
    case S_EXPR:
        dump_expr(pr, s->expr, ind);
        break;
    case S_LET:
        sb_puts(&b, "S_LET");
        if (s->mutable_) sb_puts(&b, " var");
        put_annot(&b, " : ", s->type);
        open_buf(pr, ind, &b);
        dump_pat(pr, s->pat, ind + 2);
        dump_expr(pr, s->value, ind + 2);
        close_node(pr);
        break;
    case S_ASSIGN:
        open_node(pr, ind, "S_ASSIGN");
        dump_expr(pr, s->target, ind + 2);
        dump_expr(pr, s->value, ind + 2);
        close_node(pr);
        break;
    case S_FN:
        dump_fn(pr, "S_FN", s->fn, NULL, 0, ind);
        break;
    }
    sb_free(&b);
}

static void dump_field_decls(sbuf_t *b, field_decl_t *fs, int n) {
    for (int i = 0; i < n; i++) {
        if (i) sb_puts(b, ", ");
        if (fs[i].private_) sb_puts(b, "private ");
        sb_printf(b, "%s: ", fs[i].name ? fs[i].name : "?");
        put_type(b, fs[i].type);
    }
}

static void dump_item(printer_t *pr, item_t *it, int ind) {
    if (!it) {
        leaf(pr, ind, "null");
        return;
    }
    sbuf_t b = {0};
    int ci = ind + 2;
    if (it->kind == I_FN) {
        dump_fn(pr, "I_FN", it->fn, it->decorators, it->ndecorators, ind);
        return;
    }
    sb_puts(&b, item_kind_name(it->kind));
    if (it->name) sb_printf(&b, " %s", it->name);
    if (it->pub) sb_puts(&b, " pub");
    switch (it->kind) {
    case I_TYPE:
        if (it->mutable_) sb_puts(&b, " var");
        if (it->reactive) sb_puts(&b, " reactive");
        put_tparams(&b, it->tparams, it->ntparams);
        switch (it->body) {
        case TB_RECORD:
            sb_puts(&b, " record");
            break;
        case TB_VARIANT:
            sb_puts(&b, " variant");
            break;
        case TB_ALIAS:
            sb_puts(&b, " alias ");
            put_type(&b, it->alias);
            break;
        case TB_EMPTY:
            sb_puts(&b, " empty");
            break;
        }
        break;
    case I_TRAIT:
        for (int i = 0; i < it->nsupers; i++) sb_printf(&b, "%s%s", i ? ", " : " : ", it->supers[i]);
        break;
    case I_IMPL:
        sb_putc(&b, ' ');
        put_type(&b, it->alias);
        sb_printf(&b, " : %s", it->trait_name ? it->trait_name : "?");
        if (it->nwhen > 0) {
            sb_puts(&b, " when");
            put_tparams(&b, it->when_bounds, it->nwhen);
        }
        break;
    case I_USE:
        sb_putc(&b, ' ');
        for (int i = 0; i < it->npath; i++) sb_printf(&b, "%s%s", i ? "." : "", it->path[i]);
        if (it->nuses < 0) {
            sb_puts(&b, " *");
        } else {
            sb_puts(&b, " {");
            for (int i = 0; i < it->nuses; i++) {
                sb_printf(&b, "%s%s", i ? ", " : "", it->uses[i].name);
                if (it->uses[i].alias) sb_printf(&b, " as %s", it->uses[i].alias);
            }
            sb_putc(&b, '}');
        }
        break;
    case I_BINDING:
        if (it->mutable_binding) sb_puts(&b, " var");
        put_annot(&b, " : ", it->alias);
        break;
    case I_MVAR:
        put_annot(&b, " : ", it->alias);
        break;
    case I_TEST:
        sb_putc(&b, ' ');
        put_string(&b, it->str, it->str ? (uint32_t)strlen(it->str) : 0);
        break;
    case I_EXTERN:
        if (it->fn) {
            if (it->fn->nclauses == 1) put_annot(&b, " -> ", it->fn->clauses[0].ret);
            sb_puts(&b, " from ");
            put_string(&b, it->str, it->str ? (uint32_t)strlen(it->str) : 0);
        } else {
            sb_puts(&b, " type");
        }
        break;
    default:
        break;
    }
    open_buf(pr, ind, &b);
    dump_decorators(pr, it->decorators, it->ndecorators, ci);
    switch (it->kind) {
    case I_TYPE:
        if (it->body == TB_RECORD) {
            for (int i = 0; i < it->nfields; i++) {
                dump_field_decls(&b, &it->fields[i], 1);
                open_node(pr, ci, "field %s", sb_cstr(&b));
                close_node(pr);
                b.len = 0;
            }
        } else if (it->body == TB_VARIANT) {
            for (int i = 0; i < it->nctors; i++) {
                ctor_decl_t *c = &it->ctors[i];
                sb_printf(&b, "ctor %s", c->name ? c->name : "?");
                if (c->kind == CTOR_POSITIONAL) {
                    sb_puts(&b, " (");
                    for (int j = 0; j < c->ntypes; j++) {
                        if (j) sb_puts(&b, ", ");
                        put_type(&b, c->types[j]);
                    }
                    sb_putc(&b, ')');
                } else if (c->kind == CTOR_NAMED) {
                    sb_puts(&b, " {");
                    dump_field_decls(&b, c->fields, c->nfields);
                    sb_putc(&b, '}');
                }
                open_buf(pr, ci, &b);
                close_node(pr);
            }
        }
        break;
    case I_TRAIT:
        for (int i = 0; i < it->nmethods; i++) {
            trait_method_t *m = &it->methods[i];
            sb_printf(&b, "method %s", m->name ? m->name : "?");
            put_annot(&b, " -> ", m->ret);
            open_buf(pr, ci, &b);
            dump_params(pr, m->params, m->nparams, ci + 2);
            if (m->def) {
                open_node(pr, ci + 2, "default");
                dump_expr(pr, m->def, ci + 4);
                close_node(pr);
            }
            close_node(pr);
        }
        break;
    case I_IMPL:
        for (int i = 0; i < it->nfns; i++) dump_fn(pr, "fn", it->fns[i], NULL, 0, ci);
        break;
    case I_MODULE:
        for (int i = 0; i < it->nitems; i++) dump_item(pr, it->items[i], ci);
        break;
    case I_BINDING:
        dump_pat(pr, it->pat, ci);
        dump_expr(pr, it->value, ci);
        break;
    case I_MVAR:
    case I_CONST:
    case I_TEST:
        dump_expr(pr, it->value, ci);
        break;
    case I_EXTERN:
        if (it->fn && it->fn->nclauses == 1) dump_params(pr, it->fn->clauses[0].params, it->fn->clauses[0].nparams, ci);
        break;
    default:
        break;
    }
    close_node(pr);
    sb_free(&b);
}

void ast_dump(FILE *out, diag_t *d, module_ast_t *m) {
    (void)d;
    printer_t pr = {out, true};
    open_node(&pr, 0, "module");
    for (int i = 0; m && i < m->nitems; i++) dump_item(&pr, m->items[i], 2);
    close_node(&pr);
    fputc('\n', out);
}

void ast_dump_expr(FILE *out, diag_t *d, expr_t *e, int indent) {
    (void)d;
    printer_t pr = {out, true};
    dump_expr(&pr, e, indent);
    fputc('\n', out);
}

/* ---- deep copies ---------------------------------------------------------------------- */

/*
 * Copies of syntax trees, for code that sema types more than once in
 * different contexts (a trait's default method in each impl). The copy
 * shares names, strings and type expressions (immutable) and has its sema
 * fields cleared.
 */
static pat_t *pat_clone(arena_t *a, pat_t *p);
static clause_t *clauses_clone(arena_t *a, clause_t *cs, int n);

static expr_t **exprs_clone(arena_t *a, expr_t **es, int n) {
    if (!es) return NULL;
    expr_t **r = ARENA_NEWN(a, expr_t *, n ? n : 1);
    for (int i = 0; i < n; i++) r[i] = ast_clone_expr(a, es[i]);
    return r;
}

static pat_t **pats_clone(arena_t *a, pat_t **ps, int n) {
    if (!ps) return NULL;
    pat_t **r = ARENA_NEWN(a, pat_t *, n ? n : 1);
    for (int i = 0; i < n; i++) r[i] = pat_clone(a, ps[i]);
    return r;
}

static pat_t *pat_clone(arena_t *a, pat_t *p) {
    if (!p) return NULL;
    pat_t *c = ARENA_NEW(a, pat_t);
    *c = *p;
    c->ty = NULL;
    c->bind = NULL;
    c->var_mode = 0;
    c->tdecl = NULL;
    c->ctor_index = 0;
    c->elems = pats_clone(a, p->elems, p->nelems);
    c->rest = pat_clone(a, p->rest);
    if (p->fields) {
        c->fields = ARENA_NEWN(a, pat_field_t, p->nfields ? p->nfields : 1);
        for (int i = 0; i < p->nfields; i++) {
            c->fields[i] = p->fields[i];
            c->fields[i].pat = pat_clone(a, p->fields[i].pat);
        }
    }
    c->keys = exprs_clone(a, p->keys, p->nelems);
    c->pin = ast_clone_expr(a, p->pin);
    return c;
}

fn_decl_t *ast_clone_fn(arena_t *a, fn_decl_t *d) {
    if (!d) return NULL;
    fn_decl_t *c = ARENA_NEW(a, fn_decl_t);
    *c = *d;
    c->sema = NULL;
    c->clauses = clauses_clone(a, d->clauses, d->nclauses);
    return c;
}

static clause_t *clauses_clone(arena_t *a, clause_t *cs, int n) {
    if (!cs) return NULL;
    clause_t *r = ARENA_NEWN(a, clause_t, n ? n : 1);
    for (int k = 0; k < n; k++) {
        r[k] = cs[k];
        r[k].params = ARENA_NEWN(a, param_t, cs[k].nparams ? cs[k].nparams : 1);
        for (int i = 0; i < cs[k].nparams; i++) {
            r[k].params[i] = cs[k].params[i];
            r[k].params[i].pat = pat_clone(a, cs[k].params[i].pat);
            r[k].params[i].def = ast_clone_expr(a, cs[k].params[i].def);
        }
        r[k].guard = ast_clone_expr(a, cs[k].guard);
        r[k].body = ast_clone_expr(a, cs[k].body);
    }
    return r;
}

static stmt_t *stmt_clone(arena_t *a, stmt_t *s) {
    if (!s) return NULL;
    stmt_t *c = ARENA_NEW(a, stmt_t);
    *c = *s;
    c->let_mode = 0;
    c->expr = ast_clone_expr(a, s->expr);
    c->pat = pat_clone(a, s->pat);
    c->target = ast_clone_expr(a, s->target);
    c->value = ast_clone_expr(a, s->value);
    c->fn = ast_clone_fn(a, s->fn);
    return c;
}

expr_t *ast_clone_expr(arena_t *a, expr_t *e) {
    if (!e) return NULL;
    expr_t *c = ARENA_NEW(a, expr_t);
    *c = *e;
    c->ty = NULL;
    c->bind = NULL;
    c->res = NULL;
    c->desugared = NULL;
    c->lhs = ast_clone_expr(a, e->lhs);
    c->rhs = ast_clone_expr(a, e->rhs);
    c->cond = ast_clone_expr(a, e->cond);
    c->elems = exprs_clone(a, e->elems, e->nelems);
    if (e->args) {
        c->args = ARENA_NEWN(a, arg_t, e->nargs ? e->nargs : 1);
        for (int i = 0; i < e->nargs; i++) {
            c->args[i] = e->args[i];
            c->args[i].value = ast_clone_expr(a, e->args[i].value);
        }
    }
    if (e->arms) {
        c->arms = ARENA_NEWN(a, arm_t, e->narms ? e->narms : 1);
        for (int i = 0; i < e->narms; i++) {
            c->arms[i] = e->arms[i];
            c->arms[i].pat = pat_clone(a, e->arms[i].pat);
            c->arms[i].guard = ast_clone_expr(a, e->arms[i].guard);
            c->arms[i].body = ast_clone_expr(a, e->arms[i].body);
        }
    }
    if (e->stmts) {
        c->stmts = ARENA_NEWN(a, stmt_t *, e->nstmts ? e->nstmts : 1);
        for (int i = 0; i < e->nstmts; i++) c->stmts[i] = stmt_clone(a, e->stmts[i]);
    }
    if (e->parts) {
        c->parts = ARENA_NEWN(a, interp_part_t, e->nparts ? e->nparts : 1);
        for (int i = 0; i < e->nparts; i++) {
            c->parts[i] = e->parts[i];
            c->parts[i].expr = ast_clone_expr(a, e->parts[i].expr);
        }
    }
    c->fn = ast_clone_fn(a, e->fn);
    return c;
}
