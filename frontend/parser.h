/*
 * parser.h - Nostos source to AST.
 *
 * parse_file never fails: syntax errors become diagnostics (all of them,
 * with recovery at statement and item boundaries) and the returned module
 * holds whatever items parsed. It never crashes or loops on any input, and
 * nesting deeper than PARSE_MAX_DEPTH is reported as an error; operator and
 * postfix chains count as nesting, so no tree is deeper than that.
 *
 * How source forms map to the AST (what later stages can rely on):
 *   - A bare name is an E_VAR, upper-case or not: `x`, `None`, `Some` (an
 *     unapplied constructor), `String` (a module). E_CTOR is always a name
 *     with parentheses: `Point(1, 2)`, `Some(x)`, `None()`, and the record
 *     forms `Point(x: 1, y: 2)` and `Point(p, x: 10)` (positional and named
 *     args as written; sema decides between construction and update).
 *   - `A.B(args)` where A is a chain of names becomes one E_CTOR with the
 *     dotted name "A.B" when B is upper-case (`Shape.Circle(1.0)`,
 *     `stdlib.rhtml.Html(x)`), else an E_METHOD: `String.length(s)` is
 *     E_METHOD "length" on E_VAR "String"; `Outer.Inner.value()` is E_METHOD
 *     "value" on E_FIELD "Inner" of E_VAR "Outer". `x.f` is E_FIELD, `t.0.1`
 *     two E_TUPLE_INDEX, `pair.0(42)` an E_CALL of an E_TUPLE_INDEX.
 *   - A minus before a number literal with no postfix operator after it is
 *     folded into the literal: `-128i8` is E_INT -128, `-2.5` E_FLOAT;
 *     `-x`, `-(4)` and `-5.abs()` stay E_UNOP.
 *   - `x = e` is S_LET with P_VAR x (sema decides whether it assigns a var or
 *     an mvar); `x: T = e` sets stmt.type; `(a, b) = e`, `[h | t] = e`,
 *     `{name, age} = e`, `Some(v) = e` are S_LET with that pattern.
 *     `r.f = e`, `xs[i] = e` are S_ASSIGN with an E_FIELD / E_INDEX target.
 *   - `if c then x = e [else y = e2]`: each such branch is an E_BLOCK
 *     holding the one S_LET (or S_ASSIGN). Match/receive/catch arm bodies
 *     and `after` bodies are statements too, wrapped the same way.
 *   - A local function clause `f(a, b = 1) when g -> T = body` in a block is
 *     one S_FN with its own fn_decl (one clause); sema groups the clauses of
 *     a name. Top-level clauses are one I_FN each, impl methods one fn each.
 *   - Lambdas are E_LAMBDA with fn_decl is_lambda=1, one clause, params as
 *     patterns (annotations in param.type), `(a) -> T => e` sets clause.ret.
 *   - A string with `${...}` is E_INTERP: literal parts (decoded) and
 *     expression parts, whose spans point into the file. A `${...}` whose text
 *     does not parse as one expression stays literal text; with no expression
 *     part left the literal is an E_STRING.
 *   - `{}` is an E_BLOCK with no statements. `do ... end` is an E_BLOCK.
 *   - `[a..b]` / `[a..=b]` are E_RANGE (inclusive as written).
 *   - Record patterns: P_RECORD fields; {x} puns (pat NULL), `_` is a field
 *     with name NULL. Constructor patterns: P_CTOR with CTOR_UNIT (`None`),
 *     CTOR_POSITIONAL (`Some(x)`, `None()`), CTOR_NAMED (`Circle{radius: r}`,
 *     `Point(x: a)`). `["ab" | rest]` (only string heads and a tail) is
 *     P_STRCONS. Map pattern keys are literal exprs, or E_VAR for `^name`.
 */
#ifndef NOSTOS_PARSER_H
#define NOSTOS_PARSER_H

#include "ast.h"
#include "lexer.h"

#define PARSE_MAX_DEPTH 1000

module_ast_t *parse_file(arena_t *a, symtab_t *syms, diag_t *d, uint32_t file);

#endif
