/*
 * emit.h - from a checked program to IR, assembly, objects and executables.
 */
#ifndef NOSTOS_EMIT_H
#define NOSTOS_EMIT_H

#include "sema.h"

typedef enum { EMIT_IR, EMIT_ASM, EMIT_OBJ, EMIT_EXE } emit_kind_t;

typedef struct emit_opts {
    const char *triple;     /* NULL: the host */
    int opt_level;          /* 0..3 */
    const char *out;        /* output path ("-" = stdout for IR/asm) */
    emit_kind_t kind;
    bool is_static;
    bool verbose;           /* print the link command */
    const char *rt_dir;     /* where libnostos_rt.a lives */
} emit_opts_t;

/* Generates the module, optimizes and writes what opts asks for. Returns 0 on success. */
int emit_program(program_t *p, emit_opts_t *opts);

/* Targets this build can produce code for (for --list-targets). */
void emit_list_targets(FILE *out);

#endif
