/*
 * lexer.h - tokens of Nostos source.
 *
 * The lexer turns one source file into an array of tokens (newlines are
 * tokens: they separate statements). It never fails: bad input becomes
 * TOK_ERROR tokens plus diagnostics, and the array always ends with TOK_EOF.
 */
#ifndef NOSTOS_LEXER_H
#define NOSTOS_LEXER_H

#include "ast.h"
#include "diag.h"
#include "util.h"

/* Filled in by the lexer's author: one X(name, "spelling") per token kind. */
#include "tokens.def"

typedef enum {
#define X(k, s) k,
    TOKEN_KINDS(X)
#undef X
    TOK__COUNT
} tok_kind_t;

typedef struct token {
    tok_kind_t kind;
    span_t span;
    bool nl_before;        /* a newline token directly precedes this one */
    int64_t ival;          /* integer/char literal value */
    double fval;           /* float literal value */
    num_kind_t num;        /* literal suffix kind */
    const char *text;      /* identifiers (interned), decoded string contents, BigInt/Decimal digits */
    uint32_t text_len;
} token_t;

typedef VEC(token_t) token_vec_t;

/* Tokenizes file `file` of `d`. Identifiers are interned in `syms`. */
void lex_file(arena_t *a, symtab_t *syms, diag_t *d, uint32_t file, token_vec_t *out);

const char *tok_kind_name(tok_kind_t k);

/* --emit=tokens: one token per line: "line:col KIND text". */
void lex_dump(FILE *out, diag_t *d, token_vec_t *toks);

#endif
