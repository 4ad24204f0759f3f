/*
 * lexer.c - Nostos source text to tokens.
 *
 * Hand-written, one pass, longest match (the reference's logos lexer
 * behaves the same way). Invariants:
 *   - The output always ends with TOK_EOF, and every span lies inside the
 *     lexed range, so the parser can index one token past anything.
 *   - A run of newlines, with the comments between them, is one TOK_NEWLINE;
 *     comments produce nothing.
 *   - Bad input gives one TOK_ERROR per run of bad characters and one
 *     diagnostic; the parser skips TOK_ERROR so nothing cascades.
 *   - Integer literals are range-checked here. A magnitude that only fits
 *     negated (128i8, 9223372036854775808) gets TF_NEG_ONLY and is checked
 *     by the parser, which folds a preceding unary minus into it.
 *   - Digits right after `.` are lexed as a plain integer, so `t.0.1` is two
 *     tuple indexes rather than `t` `.` `0.1`.
 * Work is linear in the input: every loop advances the position.
 */
#include "lexer.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct lexer {
    arena_t *a;
    symtab_t *syms;
    diag_t *d;
    uint32_t file;
    const char *src;
    uint32_t pos, end;
    token_vec_t *out;
    bool quiet;
    int nerr;
} lexer_t;

/* ---- token tables ------------------------------------------------------------ */

static const char *const kind_names[] = {
#define X(k, s) #k,
    TOKEN_KINDS(X)
#undef X
};

static const char *const kind_spellings[] = {
#define X(k, s) s,
    TOKEN_KINDS(X)
#undef X
};

typedef struct word {
    tok_kind_t kind;
    const char *text;
    uint32_t len;
} word_t;

static const word_t keywords[] = {
#define X(k, s) {k, s, sizeof s - 1},
    TOKEN_KEYWORDS(X)
#undef X
};

static const word_t puncts[] = {
#define X(k, s) {k, s, sizeof s - 1},
    TOKEN_PUNCTS(X)
#undef X
};

#define COUNT(arr) ((int)(sizeof(arr) / sizeof((arr)[0])))

const char *tok_kind_name(tok_kind_t k) {
    if ((int)k < 0 || k >= TOK__COUNT) return "?";
    return kind_names[k] + 4; /* drop "TOK_" */
}

const char *tok_kind_spelling(tok_kind_t k) {
    if ((int)k < 0 || k >= TOK__COUNT) return "?";
    return kind_spellings[k];
}

/* ---- helpers ------------------------------------------------------------------- */

static void lerror(lexer_t *L, uint32_t start, uint32_t end, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void lerror(lexer_t *L, uint32_t start, uint32_t end, const char *fmt, ...) {
    L->nerr++;
    if (L->quiet) return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag_error(L->d, (span_t){L->file, start, end}, "%s", buf);
}

static token_t *push(lexer_t *L, tok_kind_t kind, uint32_t start, uint32_t end) {
    token_t t;
    memset(&t, 0, sizeof t);
    t.kind = kind;
    t.span = (span_t){L->file, start, end};
    t.num = NUM_INT;
    if (L->out->len > 0 && vec_last(L->out).kind == TOK_NEWLINE) t.nl_before = true;
    vec_push(L->out, t);
    return &vec_last(L->out);
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_hex(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static bool is_lower(int c) { return (c >= 'a' && c <= 'z') || c == '_'; }
static bool is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static bool is_ident_char(int c) { return is_lower(c) || is_upper(c) || is_digit(c); }

static int peekc(lexer_t *L, uint32_t at) {
    return at < L->end ? (unsigned char)L->src[at] : -1;
}

/*
 * Decodes one UTF-8 sequence at s[0..n). Returns its length and stores the
 * code point, or returns 0 for an invalid sequence.
 */
static int utf8_decode(const unsigned char *s, uint32_t n, uint32_t *cp) {
    if (n == 0) return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    int len;
    uint32_t v, min;
    if ((c & 0xE0) == 0xC0) len = 2, v = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0) len = 3, v = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0) len = 4, v = c & 0x07, min = 0x10000;
    else return 0;
    if ((uint32_t)len > n) return 0;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

/* The value of the escape `\c`, or -1 when c is not a known escape. */
static int escape_value(int c) {
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

/*
 * Decodes the escapes of the string body [from, to) into the arena.
 * An unknown escape keeps its backslash, as the reference does.
 */
static const char *decode_string(lexer_t *L, uint32_t from, uint32_t to, uint32_t *len) {
    char *buf = arena_alloc(L->a, (size_t)(to - from) + 1);
    uint32_t n = 0;
    for (uint32_t i = from; i < to; i++) {
        char c = L->src[i];
        if (c == '\\' && i + 1 < to) {
            int v = escape_value((unsigned char)L->src[i + 1]);
            if (v >= 0) {
                buf[n++] = (char)v;
                i++;
                continue;
            }
        }
        buf[n++] = c;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* ---- numbers --------------------------------------------------------------------- */

typedef struct int_suffix {
    const char *text;
    num_kind_t num;
    const char *type;
    uint64_t max;      /* largest positive value */
    bool is_signed;
    const char *range;
} int_suffix_t;

static const int_suffix_t int_suffixes[] = {
    {"i16", NUM_I16, "Int16", 32767, true, "-32768 to 32767"},
    {"i32", NUM_I32, "Int32", 2147483647, true, "-2147483648 to 2147483647"},
    {"i8", NUM_I8, "Int8", 127, true, "-128 to 127"},
    {"u16", NUM_U16, "UInt16", 65535, false, "0 to 65535"},
    {"u32", NUM_U32, "UInt32", 4294967295u, false, "0 to 4294967295"},
    {"u64", NUM_U64, "UInt64", UINT64_MAX, false, "0 to 18446744073709551615"},
    {"u8", NUM_U8, "UInt8", 255, false, "0 to 255"},
};

static const int_suffix_t int_plain = {"", NUM_INT, "Int", INT64_MAX, true,
                                       "-9223372036854775808 to 9223372036854775807"};

/* Range check of an integer literal; see the header comment for TF_NEG_ONLY. */
static void check_int(lexer_t *L, token_t *t, uint64_t v, bool overflow, const int_suffix_t *sx) {
    uint32_t s = t->span.start, e = t->span.end;
    if (!overflow && v <= sx->max) {
        t->ival = (int64_t)v;
        return;
    }
    if (!overflow && sx->is_signed && v == sx->max + 1) {
        t->flags |= TF_NEG_ONLY;
        t->ival = (int64_t)(0 - v); /* the negated value, in two's complement */
        return;
    }
    lerror(L, s, e, "integer literal `%.*s` is out of range for %s (valid range: %s)",
           (int)(e - s), L->src + s, sx->type, sx->range);
    t->ival = 0;
}

void lex_int_range(num_kind_t k, const char **type, const char **range) {
    for (int i = 0; i < COUNT(int_suffixes); i++) {
        if (int_suffixes[i].num == k) {
            *type = int_suffixes[i].type;
            *range = int_suffixes[i].range;
            return;
        }
    }
    *type = int_plain.type;
    *range = int_plain.range;
}

/* Digits of [from, to) without underscores, in the arena. */
static const char *digits_text(lexer_t *L, uint32_t from, uint32_t to, uint32_t *len) {
    char *buf = arena_alloc(L->a, (size_t)(to - from) + 1);
    uint32_t n = 0;
    for (uint32_t i = from; i < to; i++)
        if (L->src[i] != '_') buf[n++] = L->src[i];
    buf[n] = 0;
    *len = n;
    return buf;
}

static bool starts_with(lexer_t *L, uint32_t at, const char *s) {
    size_t n = strlen(s);
    return at + n <= L->end && memcmp(L->src + at, s, n) == 0;
}

/*
 * int   = [0-9][0-9_]* [i8|i16|i32|u8|u16|u32|u64|n|d] | 0x[0-9a-fA-F][0-9a-fA-F_]* | 0b[01][01_]*
 * float = [0-9][0-9_]* . [0-9][0-9_]* ([eE][+-]?[0-9]+)? [f32|d]   (d only without exponent)
 */
static void number(lexer_t *L, bool after_dot) {
    uint32_t start = L->pos;
    const char *src = L->src;
    if (after_dot) {
        /* t.0.1: a tuple index is a plain decimal integer. */
        uint64_t v = 0;
        bool ov = false;
        while (is_digit(peekc(L, L->pos))) {
            unsigned dgt = (unsigned)(src[L->pos] - '0');
            if (v > (UINT64_MAX - dgt) / 10) ov = true;
            v = v * 10 + dgt;
            L->pos++;
        }
        token_t *t = push(L, TOK_INT, start, L->pos);
        check_int(L, t, v, ov, &int_plain);
        return;
    }
    int c1 = peekc(L, start + 1);
    if (src[start] == '0' && (c1 == 'x' || c1 == 'X') && is_hex(peekc(L, start + 2))) {
        uint64_t v = 0;
        bool ov = false;
        L->pos = start + 2;
        while (is_hex(peekc(L, L->pos)) || peekc(L, L->pos) == '_') {
            int c = src[L->pos++];
            if (c == '_') continue;
            unsigned dv = is_digit(c) ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
            if (v >> 60) ov = true;
            v = (v << 4) | dv;
        }
        token_t *t = push(L, TOK_INT, start, L->pos);
        check_int(L, t, v, ov, &int_plain);
        return;
    }
    if (src[start] == '0' && (c1 == 'b' || c1 == 'B') &&
        (peekc(L, start + 2) == '0' || peekc(L, start + 2) == '1')) {
        uint64_t v = 0;
        bool ov = false;
        L->pos = start + 2;
        while (peekc(L, L->pos) == '0' || peekc(L, L->pos) == '1' || peekc(L, L->pos) == '_') {
            int c = src[L->pos++];
            if (c == '_') continue;
            if (v >> 63) ov = true;
            v = (v << 1) | (uint64_t)(c - '0');
        }
        token_t *t = push(L, TOK_INT, start, L->pos);
        check_int(L, t, v, ov, &int_plain);
        return;
    }
    /* decimal */
    uint64_t v = 0;
    bool ov = false;
    while (is_digit(peekc(L, L->pos)) || peekc(L, L->pos) == '_') {
        int c = src[L->pos++];
        if (c == '_') continue;
        unsigned dgt = (unsigned)(c - '0');
        if (v > (UINT64_MAX - dgt) / 10) ov = true;
        v = v * 10 + dgt;
    }
    if (peekc(L, L->pos) == '.' && is_digit(peekc(L, L->pos + 1))) {
        L->pos++;
        while (is_digit(peekc(L, L->pos)) || peekc(L, L->pos) == '_') L->pos++;
        bool has_exp = false;
        int e = peekc(L, L->pos);
        if (e == 'e' || e == 'E') {
            uint32_t q = L->pos + 1;
            if (peekc(L, q) == '+' || peekc(L, q) == '-') q++;
            if (is_digit(peekc(L, q))) {
                while (is_digit(peekc(L, q))) q++;
                L->pos = q;
                has_exp = true;
            }
        }
        uint32_t mant_end = L->pos;
        num_kind_t num = NUM_FLOAT;
        if (starts_with(L, L->pos, "f32")) {
            num = NUM_F32;
            L->pos += 3;
        } else if (!has_exp && peekc(L, L->pos) == 'd') {
            num = NUM_DECIMAL;
            L->pos += 1;
        }
        token_t *t = push(L, TOK_FLOAT, start, L->pos);
        t->num = num;
        uint32_t n;
        const char *txt = digits_text(L, start, mant_end, &n);
        t->fval = strtod(txt, NULL);
        if (num == NUM_DECIMAL) {
            t->text = txt;
            t->text_len = n;
        }
        return;
    }
    for (int i = 0; i < COUNT(int_suffixes); i++) {
        const int_suffix_t *sx = &int_suffixes[i];
        if (starts_with(L, L->pos, sx->text)) {
            L->pos += (uint32_t)strlen(sx->text);
            token_t *t = push(L, TOK_INT, start, L->pos);
            t->num = sx->num;
            check_int(L, t, v, ov, sx);
            return;
        }
    }
    int c = peekc(L, L->pos);
    if (c == 'n' || c == 'd') {
        L->pos++;
        token_t *t = push(L, c == 'n' ? TOK_INT : TOK_FLOAT, start, L->pos);
        t->num = c == 'n' ? NUM_BIGINT : NUM_DECIMAL;
        uint32_t n;
        t->text = digits_text(L, start, L->pos - 1, &n);
        t->text_len = n;
        t->fval = strtod(t->text, NULL);
        return;
    }
    token_t *t = push(L, TOK_INT, start, L->pos);
    check_int(L, t, v, ov, &int_plain);
}

/* ---- strings and characters ----------------------------------------------------------- */

/*
 * Skips a quoted string inside an interpolation, starting at its opening
 * quote. Returns the position after the closing quote, or end if none.
 */
static uint32_t skip_inner_string(lexer_t *L, uint32_t i, char q) {
    i++;
    while (i < L->end && L->src[i] != q) {
        if (L->src[i] == '\\') i++;
        i++;
    }
    return i < L->end ? i + 1 : L->end;
}

/*
 * string = '"' { char | '\' any | '${' balanced-text '}' } '"'
 * Inside `${...}` braces nest and inner "..." / '...' strings are skipped,
 * so "x is ${if x > 3 then "big" else "small"}" is one token.
 */
static void dq_string(lexer_t *L) {
    uint32_t start = L->pos;
    uint32_t i = start + 1;
    bool interp = false;
    for (;;) {
        if (i >= L->end) {
            lerror(L, start, start + 1, "unterminated string literal");
            push(L, TOK_ERROR, start, L->end);
            L->pos = L->end;
            return;
        }
        char c = L->src[i];
        if (c == '"') break;
        if (c == '\\') {
            i += 2;
            continue;
        }
        if (c == '$' && i + 1 < L->end && L->src[i + 1] == '{') {
            interp = true;
            i += 2;
            int depth = 1;
            while (i < L->end && depth > 0) {
                char ch = L->src[i];
                if (ch == '{') depth++, i++;
                else if (ch == '}') depth--, i++;
                else if (ch == '"' || ch == '\'') i = skip_inner_string(L, i, ch);
                else i++;
            }
            continue;
        }
        i++;
    }
    token_t *t = push(L, TOK_STRING, start, i + 1);
    uint32_t n;
    t->text = decode_string(L, start + 1, i, &n);
    t->text_len = n;
    for (uint32_t k = start + 1; !interp && k + 1 < i; k++)
        if (L->src[k] == '$' && L->src[k + 1] == '{') interp = true; /* also after a backslash */
    if (interp) t->flags |= TF_INTERP;
    L->pos = i + 1;
}

/*
 * char    = "'" (char | escape) "'"
 * sstring = "'" (char | escape) (char | escape)+ "'"   (may span lines)
 */
static void quote(lexer_t *L) {
    uint32_t start = L->pos;
    uint32_t i = start + 1;
    int count = 0;
    bool bad_utf8 = false;
    for (;;) {
        if (i >= L->end) {
            lerror(L, start, start + 1, "unterminated character or string literal");
            push(L, TOK_ERROR, start, start + 1);
            L->pos = start + 1;
            return;
        }
        unsigned char c = (unsigned char)L->src[i];
        if (c == '\'') break;
        if (c == '\\') {
            if (i + 1 >= L->end) {
                i++;
                continue;
            }
            i += 2;
            count++;
            continue;
        }
        uint32_t cp;
        int n = utf8_decode((const unsigned char *)L->src + i, L->end - i, &cp);
        if (n == 0) bad_utf8 = true, n = 1;
        i += (uint32_t)n;
        count++;
    }
    uint32_t end = i + 1;
    L->pos = end;
    if (count == 0) {
        lerror(L, start, end, "empty character literal");
        push(L, TOK_ERROR, start, end);
        return;
    }
    if (count == 1) {
        uint32_t cp = 0;
        if (L->src[start + 1] == '\\') {
            int v = escape_value((unsigned char)L->src[start + 2]);
            if (v < 0) {
                lerror(L, start, end, "unknown escape `\\%c` in character literal", L->src[start + 2]);
                v = L->src[start + 2];
            }
            cp = (uint32_t)v;
        } else if (bad_utf8) {
            lerror(L, start, end, "invalid UTF-8 in character literal");
        } else {
            utf8_decode((const unsigned char *)L->src + start + 1, end - 1 - (start + 1), &cp);
        }
        token_t *t = push(L, TOK_CHAR, start, end);
        t->ival = cp;
        return;
    }
    token_t *t = push(L, TOK_STRING, start, end);
    uint32_t n;
    t->text = decode_string(L, start + 1, i, &n);
    t->text_len = n;
    t->flags |= TF_SQUOTE;
    for (uint32_t k = start + 1; k + 1 < i; k++)
        if (L->src[k] == '$' && L->src[k + 1] == '{') t->flags |= TF_INTERP;
}

/* ---- identifiers, punctuation, bad characters -------------------------------------------- */

static void word(lexer_t *L) {
    uint32_t start = L->pos;
    while (is_ident_char(peekc(L, L->pos))) L->pos++;
    uint32_t n = L->pos - start;
    const char *s = L->src + start;
    tok_kind_t kind = is_upper((unsigned char)s[0]) ? TOK_UIDENT : TOK_IDENT;
    if (n == 1 && s[0] == '_') {
        kind = TOK_UNDERSCORE;
    } else {
        for (int i = 0; i < COUNT(keywords); i++) {
            if (keywords[i].len == n && memcmp(keywords[i].text, s, n) == 0) {
                kind = keywords[i].kind;
                break;
            }
        }
    }
    token_t *t = push(L, kind, start, L->pos);
    t->text = sym_intern(L->syms, s, n);
    t->text_len = n;
}

static bool punct(lexer_t *L) {
    const word_t *best = NULL;
    for (int i = 0; i < COUNT(puncts); i++) {
        const word_t *w = &puncts[i];
        if (w->kind == TOK_UNDERSCORE || w->kind == TOK_HASH) continue;
        if (best && w->len <= best->len) continue;
        if (L->pos + w->len <= L->end && memcmp(L->src + L->pos, w->text, w->len) == 0) best = w;
    }
    if (!best) return false;
    push(L, best->kind, L->pos, L->pos + best->len);
    L->pos += best->len;
    return true;
}

/* One TOK_ERROR (and one diagnostic) per run of characters that start no token. */
static void bad_char(lexer_t *L) {
    uint32_t start = L->pos;
    uint32_t cp;
    int n = utf8_decode((const unsigned char *)L->src + start, L->end - start, &cp);
    if (n == 0) n = 1;
    L->pos += (uint32_t)n;
    if (L->out->len > 0) {
        token_t *last = &vec_last(L->out);
        if (last->kind == TOK_ERROR && last->span.end == start) {
            last->span.end = L->pos;
            return;
        }
    }
    unsigned char c = (unsigned char)L->src[start];
    if (c >= 0x21 && c < 0x7F)
        lerror(L, start, L->pos, "unexpected character `%c`", c);
    else if (n > 1)
        lerror(L, start, L->pos, "unexpected character `%.*s` (U+%04X)", n, L->src + start, cp);
    else
        lerror(L, start, L->pos, "unexpected byte 0x%02X", c);
    push(L, TOK_ERROR, start, L->pos);
}

/* ---- driver ------------------------------------------------------------------------------ */

static void run(lexer_t *L) {
    while (L->pos < L->end) {
        unsigned char c = (unsigned char)L->src[L->pos];
        if (c == ' ' || c == '\t' || c == '\r') {
            L->pos++;
            continue;
        }
        if (c == '\n') {
            if (L->out->len > 0 && vec_last(L->out).kind != TOK_NEWLINE)
                push(L, TOK_NEWLINE, L->pos, L->pos + 1);
            L->pos++;
            continue;
        }
        if (c == '#') {
            int n = peekc(L, L->pos + 1);
            if (n == '{') {
                push(L, TOK_HASH, L->pos, L->pos + 1);
                L->pos++;
            } else if (n == '*') {
                uint32_t i = L->pos + 2;
                while (i + 1 < L->end && !(L->src[i] == '*' && L->src[i + 1] == '#')) i++;
                if (i + 1 >= L->end) {
                    lerror(L, L->pos, L->pos + 2, "unterminated block comment");
                    L->pos = L->end;
                } else {
                    L->pos = i + 2;
                }
            } else {
                while (L->pos < L->end && L->src[L->pos] != '\n') L->pos++;
            }
            continue;
        }
        if (is_digit(c)) {
            bool after_dot = L->out->len > 0 && vec_last(L->out).kind == TOK_DOT;
            number(L, after_dot);
        } else if (is_lower(c) || is_upper(c)) {
            word(L);
        } else if (c == '"') {
            dq_string(L);
        } else if (c == '\'') {
            quote(L);
        } else if (!punct(L)) {
            bad_char(L);
        }
    }
    push(L, TOK_EOF, L->end, L->end);
}

/* Reports the first invalid UTF-8 sequence of the file (once: the rest is noise). */
static void check_utf8(lexer_t *L) {
    const unsigned char *s = (const unsigned char *)L->src;
    for (uint32_t i = L->pos; i < L->end;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        int n = utf8_decode(s + i, L->end - i, &cp);
        if (n == 0) {
            lerror(L, i, i + 1, "invalid UTF-8 (byte 0x%02X)", s[i]);
            return;
        }
        i += (uint32_t)n;
    }
}

int lex_range(arena_t *a, symtab_t *syms, diag_t *d, uint32_t file, uint32_t start,
              uint32_t end, bool quiet, token_vec_t *out) {
    source_t *s = diag_file(d, file);
    lexer_t L = {a, syms, d, file, s ? s->text : "", 0, 0, out, quiet, 0};
    uint32_t len = s ? s->len : 0;
    L.end = end < len ? end : len;
    L.pos = start < L.end ? start : L.end;
    run(&L);
    return L.nerr;
}

void lex_file(arena_t *a, symtab_t *syms, diag_t *d, uint32_t file, token_vec_t *out) {
    source_t *s = diag_file(d, file);
    lexer_t L = {a, syms, d, file, s ? s->text : "", 0, s ? s->len : 0, out, false, 0};
    if (L.end >= 3 && memcmp(L.src, "\xEF\xBB\xBF", 3) == 0) L.pos = 3; /* a UTF-8 byte-order mark */
    check_utf8(&L);
    run(&L);
}

/* ---- --emit=tokens --------------------------------------------------------------------------- */

/* Writes bytes as a C-like escaped string body. */
static void put_escaped(FILE *out, const char *s, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        case '\\': fputs("\\\\", out); break;
        case '"': fputs("\\\"", out); break;
        case 0: fputs("\\0", out); break;
        default:
            if (c < 0x20 || c == 0x7F) fprintf(out, "\\x%02X", c);
            else fputc(c, out);
        }
    }
}

void lex_dump(FILE *out, diag_t *d, token_vec_t *toks) {
    /* Line and column are tracked incrementally (tokens come in order), so a
       file with very long lines costs no more than a short one. */
    uint32_t at = 0, cur_file = UINT32_MAX;
    int line = 1, col = 1;
    for (int i = 0; i < toks->len; i++) {
        token_t *t = &toks->items[i];
        source_t *s = diag_file(d, t->span.file);
        if (t->span.file != cur_file || t->span.start < at) {
            cur_file = t->span.file;
            diag_line_col(d, t->span.file, t->span.start, &line, &col);
            at = t->span.start;
        }
        for (; s && at < t->span.start && at < s->len; at++) {
            unsigned char c = (unsigned char)s->text[at];
            if (c == '\n') line++, col = 1;
            else if ((c & 0xC0) != 0x80) col++;
        }
        fprintf(out, "%d:%d %s", line, col, tok_kind_name(t->kind));
        const char *raw = s ? s->text + t->span.start : "";
        uint32_t rawn = t->span.end - t->span.start;
        switch (t->kind) {
        case TOK_EOF:
        case TOK_NEWLINE:
            break;
        case TOK_STRING:
            fputs(" \"", out);
            put_escaped(out, t->text, t->text_len);
            fputc('"', out);
            if (t->flags & TF_SQUOTE) fputs(" single", out);
            if (t->flags & TF_INTERP) fputs(" interp", out);
            break;
        case TOK_INT:
            fprintf(out, " %.*s", (int)rawn, raw);
            if (t->num == NUM_BIGINT) fprintf(out, " (%s n)", t->text);
            else if (t->num == NUM_U64) fprintf(out, " (%llu u64)", (unsigned long long)t->ival);
            else fprintf(out, " (%lld%s%s)", (long long)t->ival, t->num != NUM_INT ? " " : "",
                         num_suffix(t->num));
            if (t->flags & TF_NEG_ONLY) fputs(" neg-only", out);
            break;
        case TOK_FLOAT:
            fprintf(out, " %.*s", (int)rawn, raw);
            if (t->num == NUM_DECIMAL) fprintf(out, " (%s d)", t->text);
            else {
                char buf[40];
                if (t->fval == (double)(int64_t)t->fval && t->fval > -1e16 && t->fval < 1e16) {
                    snprintf(buf, sizeof buf, "%.0f.0", t->fval);
                } else {
                    for (int prec = 1; prec <= 17; prec++) {
                        snprintf(buf, sizeof buf, "%.*g", prec, t->fval);
                        if (strtod(buf, NULL) == t->fval) break;
                    }
                }
                fprintf(out, " (%s%s%s)", buf, t->num != NUM_FLOAT ? " " : "", num_suffix(t->num));
            }
            break;
        case TOK_CHAR:
            fprintf(out, " %.*s (%lld)", (int)rawn, raw, (long long)t->ival);
            break;
        case TOK_ERROR:
            fputs(" \"", out);
            put_escaped(out, raw, rawn > 40 ? 40 : rawn);
            fputc('"', out);
            break;
        default:
            fprintf(out, " %.*s", (int)rawn, raw);
            break;
        }
        fputc('\n', out);
    }
}
