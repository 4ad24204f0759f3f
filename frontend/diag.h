/*
 * diag.h - source files and diagnostics.
 *
 * Every stage reports problems through diag_error()/diag_note(); nothing in
 * the frontend prints directly or exits. Diagnostics are kept in the order
 * they were reported and printed together as
 *     file:line:col: error: message
 *         <source line>
 *         ^~~~
 * Columns count code points (1-based), so a caret never lands inside a
 * multi-byte character. A span is a half-open byte range in one file.
 */
#ifndef NOSTOS_DIAG_H
#define NOSTOS_DIAG_H

#include "util.h"

#include <stdio.h>

typedef struct span {
    uint32_t file;  /* index into diag_t.files */
    uint32_t start; /* byte offset */
    uint32_t end;   /* byte offset, exclusive */
} span_t;

typedef struct source {
    const char *path;   /* as shown in diagnostics */
    const char *text;   /* NUL-terminated copy of the file */
    uint32_t len;
    uint32_t *lines;    /* byte offset of each line start */
    uint32_t nlines;
    const char *module; /* module name this file defines ("" for the main file) */
} source_t;

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_level_t;

typedef struct diagnostic {
    diag_level_t level;
    span_t span;
    char *msg;
} diagnostic_t;

typedef struct diag {
    VEC(source_t *) files;
    VEC(diagnostic_t) items;
    int nerrors;
    int max_errors;   /* stop recording after this many (0 = default 100) */
    bool suppress;    /* when set, errors are counted but not recorded */
} diag_t;

void diag_init(diag_t *d);
void diag_free(diag_t *d);

/* Adds a file (the text is copied). Returns its index for span_t.file. */
uint32_t diag_add_file(diag_t *d, const char *path, const char *text, size_t len);
source_t *diag_file(diag_t *d, uint32_t file);

void diag_error(diag_t *d, span_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_warning(diag_t *d, span_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_note(diag_t *d, span_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Line and column (both 1-based, column in code points) of a byte offset. */
void diag_line_col(diag_t *d, uint32_t file, uint32_t off, int *line, int *col);

/* Prints all diagnostics (sorted by file and position) to out. */
void diag_print(diag_t *d, FILE *out);

span_t span_join(span_t a, span_t b);

#endif
