/*
 * frontend.h - a compilation session: load sources, parse, check.
 *
 * The driver's only entry into the frontend. A session owns the arena,
 * symbols, diagnostics and the program; fe_free releases everything.
 */
#ifndef NOSTOS_FRONTEND_H
#define NOSTOS_FRONTEND_H

#include "lexer.h"
#include "parser.h"
#include "sema.h"

typedef struct session {
    arena_t arena;
    symtab_t syms;
    diag_t diag;
    ty_ctx_t tc;
    program_t prog;
    VEC(uint32_t) user_files;
    uint64_t source_hash;   /* of every loaded source, for build caches */
} session_t;

void fe_init(session_t *s);
void fe_free(session_t *s);

/* Adds the embedded standard library (the .nos files of lib). */
void fe_load_prelude(session_t *s);
/*
 * Adds the user's program: a .nos file, or a project directory (main.nos and
 * every .nos below it; a file a/b.nos is module a.b). Returns false if the
 * path cannot be read (reported as a diagnostic).
 */
bool fe_load_path(session_t *s, const char *path);
/* Adds one source text as a user file (tests, fuzzing). */
uint32_t fe_add_source(session_t *s, const char *name, const char *text, size_t len, const char *module);

/* Parses everything loaded and runs sema. Returns true when there are no errors. */
bool fe_check(session_t *s);

#endif
