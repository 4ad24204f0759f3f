/*
 * lexer.h - tokens of Nostos source.
 *
 * The lexer turns one source file into an array of tokens (newlines are
 * tokens: they separate statements). It never fails: bad input becomes
 * TOK_ERROR tokens plus diagnostics, and the array always ends with TOK_EOF.
 * A run of newlines (and the comments between them) is one TOK_NEWLINE;
 * comments are dropped. Token spans are byte ranges of the file, so a
 * range lexed again (a string's `${...}`) gets the same offsets.
 */
#ifndef NOSTOS_LEXER_H
#define NOSTOS_LEXER_H

#include "ast.h"
#include "diag.h"
#include "util.h"

/* One X(name, "spelling") per token kind. */
#include "tokens.def"

typedef enum {
#define X(k, s) k,
    TOKEN_KINDS(X)
#undef X
    TOK__COUNT
} tok_kind_t;

/* token_t.flags */
enum {
    TF_NEG_ONLY = 1, /* TOK_INT whose magnitude fits only when negated: 128i8, 9223372036854775808 */
    TF_SQUOTE = 2,   /* TOK_STRING written with single quotes */
    TF_INTERP = 4,   /* TOK_STRING whose raw text contains `${` */
};

typedef struct token {
    tok_kind_t kind;
    span_t span;
    bool nl_before;        /* a newline token directly precedes this one */
    uint8_t flags;         /* TF_* */
    int64_t ival;          /* integer/char literal value */
    double fval;           /* float literal value */
    num_kind_t num;        /* literal suffix kind */
    const char *text;      /* identifiers (interned), decoded string contents, BigInt/Decimal digits */
    uint32_t text_len;
} token_t;

typedef VEC(token_t) token_vec_t;

/* Tokenizes file `file` of `d`. Identifiers are interned in `syms`. */
void lex_file(arena_t *a, symtab_t *syms, diag_t *d, uint32_t file, token_vec_t *out);

/*
 * Tokenizes the bytes [start, end) of file `file` (used for the text of a
 * string interpolation). With quiet set, problems are not reported. Returns
 * the number of problems found; the tokens end with TOK_EOF either way.
 */
int lex_range(arena_t *a, symtab_t *syms, diag_t *d, uint32_t file, uint32_t start,
              uint32_t end, bool quiet, token_vec_t *out);

/* Type name and valid range of an integer kind, for out-of-range messages. */
void lex_int_range(num_kind_t k, const char **type, const char **range);

/* "TOK_IDENT" without the prefix ("IDENT"), for --emit=tokens. */
const char *tok_kind_name(tok_kind_t k);
/* The token's spelling ("->") or, for literals and names, a description. */
const char *tok_kind_spelling(tok_kind_t k);

/* --emit=tokens: one token per line: "line:col KIND text". */
void lex_dump(FILE *out, diag_t *d, token_vec_t *toks);

#endif
