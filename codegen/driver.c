/*
 * driver.c - command-line driver (temporary skeleton: --emit=tokens|ast).
 */
#include "driver.h"

#include "lexer.h"
#include "parser.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = xmalloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) buf = xrealloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

int driver_main(int argc, char **argv) {
    const char *emit = NULL, *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--emit=", 7) == 0) emit = argv[i] + 7;
        else if (strcmp(argv[i], "build") == 0 || strcmp(argv[i], "run") == 0) continue;
        else file = argv[i];
    }
    if (!file) {
        fprintf(stderr, "usage: nostos [build|run] FILE [--emit=tokens|ast]\n");
        return 2;
    }
    size_t len;
    char *text = read_file(file, &len);
    if (!text) {
        fprintf(stderr, "nostos: cannot read %s\n", file);
        return 1;
    }
    arena_t arena;
    arena_init(&arena);
    symtab_t syms;
    symtab_init(&syms, &arena);
    diag_t d;
    diag_init(&d);
    uint32_t fid = diag_add_file(&d, file, text, len);
    free(text);
    int rc = 0;
    if (emit && strcmp(emit, "tokens") == 0) {
        token_vec_t toks = {0};
        lex_file(&arena, &syms, &d, fid, &toks);
        lex_dump(stdout, &d, &toks);
        vec_free(&toks);
    } else {
        module_ast_t *m = parse_file(&arena, &syms, &d, fid);
        if (emit && strcmp(emit, "ast") == 0 && m) ast_dump(stdout, &d, m);
    }
    if (d.nerrors) {
        diag_print(&d, stderr);
        rc = 1;
    }
    diag_free(&d);
    symtab_free(&syms);
    arena_free(&arena);
    return rc;
}
