/*
 * parser.h - Nostos source to AST.
 *
 * parse_file never fails: syntax errors become diagnostics (all of them,
 * with recovery at statement and item boundaries) and the returned module
 * holds whatever items parsed. It never crashes or loops on any input, and
 * nesting deeper than PARSE_MAX_DEPTH is reported as an error.
 */
#ifndef NOSTOS_PARSER_H
#define NOSTOS_PARSER_H

#include "ast.h"
#include "lexer.h"

#define PARSE_MAX_DEPTH 1000

module_ast_t *parse_file(arena_t *a, symtab_t *syms, diag_t *d, uint32_t file);

#endif
