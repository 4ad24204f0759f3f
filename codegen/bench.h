/*
 * bench.h - `nostos bench`: the benchmark harness (bench.c), its process runner (bench_run.c)
 * and its JSON reader and writer (bench_json.c).
 *
 * Invariants: every measurement is of a whole process started by bench_run_cmd and reaped
 * with wait4, so wall, user and system CPU and peak RSS are the kernel's own figures; a run
 * that exits non-zero, dies of a signal or times out is a failed run, never a figure.
 */
#ifndef NOSTOS_BENCH_H
#define NOSTOS_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

int bench_main(int argc, char **argv);

/* ---- bench_run.c: one whole-process run -------------------------------------------------------- */

typedef struct bench_proc {
    /* in */
    char *const *argv;     /* argv[0] is the program path (no PATH search unless it has no '/') */
    char *const *env_add;  /* "VAR=VALUE" entries added to (or replacing in) the environment */
    const char *cwd;       /* NULL: the current directory */
    double timeout_s;      /* <= 0: none */
    bool measure;          /* start it through the runner, for exact peak RSS (bench_run_init) */
    /* out */
    int status;            /* as wait4 gives it; valid when !timed_out && !spawn_failed */
    bool timed_out;
    bool spawn_failed;
    double wall_ms, user_ms, sys_ms;
    long maxrss_kb;
    bool rss_includes_harness; /* no runner: the figure starts from this process's own peak */
    char *out;             /* the child's stdout (malloc'd, NUL-terminated, at most 1 MiB) */
    char *err;             /* the last 4 KiB of the child's stderr (malloc'd) */
} bench_proc_t;

/* Builds the measuring runner in tmpdir; false when no C compiler could (runs then spawn directly). */
bool bench_run_init(const char *tmpdir);

/* Runs the process to its end (or timeout: the whole process group is killed) and fills the
 * out fields. Returns 0 when it exited with status 0, -1 otherwise. */
int bench_run_cmd(bench_proc_t *p);
void bench_proc_free(bench_proc_t *p);
/* A human description of how a run failed ("exit 1", "signal 11 (Segmentation fault)",
 * "timeout after 60 s"), in a static buffer. */
const char *bench_describe_failure(const bench_proc_t *p);

/* ---- bench_json.c: a small JSON tree ------------------------------------------------------------ */

typedef enum { JS_NULL, JS_BOOL, JS_NUM, JS_STR, JS_ARR, JS_OBJ } json_kind_t;

typedef struct json {
    json_kind_t kind;
    bool b;
    double num;
    char *str;             /* JS_STR */
    struct json **items;   /* JS_ARR, JS_OBJ (values) */
    char **keys;           /* JS_OBJ */
    int len;
} json_t;

/* Parses text; NULL with a message in err (size errn) on a syntax error. */
json_t *json_parse(const char *text, char *err, size_t errn);
json_t *json_get(const json_t *obj, const char *key);          /* NULL when absent or not an object */
double json_num(const json_t *v, double dflt);
const char *json_str(const json_t *v, const char *dflt);
void json_free(json_t *v);

/* Writing: a JSON string literal with escapes. */
void json_write_str(FILE *f, const char *s);

#endif
