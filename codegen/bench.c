/*
 * bench.c - `nostos bench`: builds benchmark programs, runs them as whole processes beside
 * their peers, and reports, saves and compares the figures.
 *
 *   nostos bench [FILES|DIRS] [-n RUNS] [--warmup N] [--vs COMMAND] [--save FILE]
 *                [--baseline FILE] [--threshold PCT] [--by metric|ratio] [--timeout S]
 *                [--filter TEXT] [--no-peers] [--list]
 *
 * A benchmark is a .nos program that checks its own answer (a wrong one must end it with a
 * non-zero status) and prints one result line of key=value fields, e.g.
 *   bench=ring n=100 hops=1000000 ns_per_hop=118.4
 * Directories contribute their *.nos files, recursively, except in directories named `bugs`,
 * `peers`, `baselines` or starting with '.' or '_'; a directory with a nostos.toml is one
 * program. The leading comment lines of a benchmark may declare (perf/README.md has the full
 * list): `# metric: KEY [lower|higher]`, `# metric: KEY = maxrss / NKEY`, `# peer: LABEL SOURCE
 * [ARGS]` (built by extension: .c with clang-19 -O2, .go with go build), `# peer-cmd: LABEL
 * SHELL-COMMAND`, `# env:`, `# peer-env:`, `# variant: NAME [VAR=V..] [| VAR=V..]`, `# runs:`,
 * `# warmup:`, `# timeout:`, `# setup:` (exit 77 = skip), `# teardown:`.
 *
 * Each row (a benchmark, or one of its variants) runs its warm-ups and counted runs with the
 * Nostos program and every peer alternating, run i of each side forming pair i; the ratio
 * (Nostos / peer, of the metric) is computed pair by pair and its median reported, so drift of
 * a noisy machine hits both sides alike. Exit status: 0; 1 when a benchmark failed (wrong
 * answer, crash, timeout, no result field); 2 for bad usage; 3 when --baseline finds a
 * regression beyond the threshold and nothing failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PEERS 4
#define MAX_VARIANTS 4

/* ---- small helpers ------------------------------------------------------------------------------ */

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fputs("nostos bench: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static char *xstrdup(const char *s) {
    char *d = strdup(s ? s : "");
    if (!d) {
        fputs("nostos bench: out of memory\n", stderr);
        exit(1);
    }
    return d;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    if (!s) {
        fputs("nostos bench: out of memory\n", stderr);
        exit(1);
    }
    return s;
}

/* A NULL-terminated growable list of strings. */
typedef struct strv {
    char **v;
    int n, cap;
} strv_t;

static void sv_push(strv_t *s, char *x) {
    if (s->n + 2 > s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->v = realloc(s->v, sizeof *s->v * (size_t)s->cap);
        if (!s->v) exit(1);
    }
    s->v[s->n++] = x;
    s->v[s->n] = NULL;
}

/* The items as a NULL-terminated array (an empty list gives an empty array, not NULL). */
static char **sv_items(strv_t *s) {
    if (!s->v) {
        s->v = xcalloc(1, sizeof *s->v);
        s->cap = 1;
    }
    return s->v;
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = 0;
    return s;
}

static bool ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static bool is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *dir_of(const char *path) {
    char *d = xstrdup(path);
    char *slash = strrchr(d, '/');
    if (!slash) {
        free(d);
        return xstrdup(".");
    }
    if (slash == d) slash[1] = 0;
    else *slash = 0;
    return d;
}

static char *abs_path(const char *p) {
    char buf[PATH_MAX];
    if (realpath(p, buf)) return xstrdup(buf);
    return xstrdup(p);
}

/* Splits on blanks into a fresh list (the pieces are copies). */
static void split_words(const char *s, strv_t *out) {
    while (*s) {
        while (*s == ' ' || *s == '\t') s++;
        if (!*s) break;
        const char *b = s;
        while (*s && *s != ' ' && *s != '\t') s++;
        sv_push(out, strndup(b, (size_t)(s - b)));
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct stats {
    double min, med, max;
    int n;
} stats_t;

static stats_t stats_of(const double *v, int n) {
    stats_t s = {NAN, NAN, NAN, n};
    if (n <= 0) return s;
    double *c = xcalloc((size_t)n, sizeof *c);
    memcpy(c, v, sizeof *c * (size_t)n);
    qsort(c, (size_t)n, sizeof *c, cmp_double);
    s.min = c[0];
    s.max = c[n - 1];
    s.med = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    free(c);
    return s;
}

/* A figure with about three significant digits. */
static const char *fmt_num(char *buf, size_t n, double v) {
    if (isnan(v)) snprintf(buf, n, "-");
    else if (fabs(v) >= 1000) snprintf(buf, n, "%.0f", v);
    else if (fabs(v) >= 100) snprintf(buf, n, "%.1f", v);
    else if (fabs(v) >= 10) snprintf(buf, n, "%.2f", v);
    else snprintf(buf, n, "%.3f", v);
    return buf;
}

static const char *fmt_rss(char *buf, size_t n, double kb) {
    if (isnan(kb)) snprintf(buf, n, "-");
    else if (kb >= 1024 * 1024) snprintf(buf, n, "%.2f GiB", kb / (1024 * 1024));
    else snprintf(buf, n, "%.1f MiB", kb / 1024);
    return buf;
}

/* ---- benchmark descriptions --------------------------------------------------------------------- */

typedef struct peer_spec {
    char *label;
    char *source;   /* a .c or .go file (absolute), or NULL for a shell command */
    char *shell;    /* peer-cmd: the command for sh -c */
    strv_t args;
    char *exe;      /* the built peer */
    bool broken;    /* its build failed */
    char *why;
} peer_spec_t;

typedef struct variant {
    char *name;
    strv_t env, peer_env;
} variant_t;

typedef struct bench {
    char *name;     /* relative to the directory it was found in, without .nos */
    char *file;     /* as given or found */
    char *abs;      /* absolute path of the file or program directory */
    char *dir;      /* absolute directory the runs start in */
    char *title;
    char *metric;   /* result-line key; NULL: whole-process wall ms */
    char *derive;   /* metric = peak RSS bytes / value of this key */
    bool higher;    /* higher is better */
    int runs, warmup; /* -1: the command line's or the default */
    double timeout;
    strv_t env, peer_env;
    peer_spec_t peers[MAX_PEERS];
    int npeers;
    variant_t variants[MAX_VARIANTS];
    int nvariants;
    char *setup, *teardown;
    char *exe;      /* the built Nostos program */
    double build_ms;
} bench_t;

/* One run's figures. */
typedef struct sample {
    bool ok;
    double metric, wall, user, sys, rss;
    char *line;
} sample_t;

/* The runs of one side (Nostos or a peer) of a row. */
typedef struct side {
    const char *label;
    char *command;  /* for display and JSON */
    sample_t *s;
    int n;          /* counted runs recorded */
    bool failed;
    char *why;
    char *err_tail;
} side_t;

typedef struct row {
    bench_t *b;
    char *name;
    const variant_t *var;  /* NULL for the base row */
    char *status;          /* "ok", "failed", "skipped" */
    char *reason;
    side_t nos;
    side_t peers[MAX_PEERS];
    int npeers;
} row_t;

typedef struct config {
    int runs, warmup;          /* -1 = not given */
    double timeout;
    const char *vs;
    const char *save;
    const char *baseline;
    double threshold;          /* percent */
    bool by_ratio;
    bool no_peers;
    bool list;
    const char *filter;
    char self[PATH_MAX];
    char tmp[PATH_MAX];
    bool tty;
} config_t;

static config_t cfg;

static void usage(FILE *out) {
    fputs("usage: nostos bench [FILES|DIRS] [options]   (default: perf/)\n"
          "  -n RUNS            counted runs per benchmark (default: the file's '# runs:', else 5)\n"
          "  --warmup N         warm-up runs before counting (default 1)\n"
          "  --vs COMMAND       run COMMAND alternately with each benchmark and compare\n"
          "                     ({} = the benchmark file, {name} = its name); replaces its peers\n"
          "  --save FILE        also write the results as JSON to FILE\n"
          "  --baseline FILE    compare with a saved run; a regression beyond the threshold exits 3\n"
          "  --threshold PCT    regression threshold in percent (default 10)\n"
          "  --by metric|ratio  judge regressions by the Nostos figure (default) or by the peer ratio\n"
          "  --timeout S        per-run timeout in seconds (default: the file's, else 120)\n"
          "  --filter TEXT      only benchmarks whose name contains TEXT\n"
          "  --no-peers         run the Nostos programs only\n"
          "  --list             list the benchmarks found and exit\n",
          out);
}

static bool parse_env_word(const char *w) { return strchr(w, '=') && w[0] != '='; }

static void header_line(bench_t *b, char *line, const char *file, int lineno) {
    /* "# key: value" */
    char *p = line + 1;
    while (*p == ' ' || *p == '\t') p++;
    char *colon = strchr(p, ':');
    if (!colon) return;
    char *key = p;
    for (char *k = key; k < colon; k++)
        if (!(*k == '-' || (*k >= 'a' && *k <= 'z'))) return;
    *colon = 0;
    char *val = trim(colon + 1);
    if (strcmp(key, "bench") == 0) b->title = xstrdup(val);
    else if (strcmp(key, "metric") == 0) {
        strv_t w = {0};
        split_words(val, &w);
        if (w.n >= 1) b->metric = xstrdup(w.v[0]);
        if (w.n >= 5 && strcmp(w.v[1], "=") == 0 && strcmp(w.v[2], "maxrss") == 0 && strcmp(w.v[3], "/") == 0)
            b->derive = xstrdup(w.v[4]);
        else if (w.n >= 2 && strcmp(w.v[1], "higher") == 0) b->higher = true;
        else if (w.n >= 2 && strcmp(w.v[1], "lower") != 0)
            fprintf(stderr, "%s:%d: warning: '# metric: %s' not understood\n", file, lineno, val);
    } else if (strcmp(key, "peer") == 0 || strcmp(key, "peer-cmd") == 0) {
        if (b->npeers == MAX_PEERS) {
            fprintf(stderr, "%s:%d: warning: more than %d peers; ignored\n", file, lineno, MAX_PEERS);
            return;
        }
        peer_spec_t *ps = &b->peers[b->npeers];
        char *sp = val + strcspn(val, " \t");
        if (!*val || !*sp) {
            fprintf(stderr, "%s:%d: warning: '# %s:' needs a label and a %s\n", file, lineno, key,
                    key[4] ? "command" : "source file");
            return;
        }
        ps->label = strndup(val, (size_t)(sp - val));
        char *rest = trim(sp);
        if (key[4]) ps->shell = xstrdup(rest);
        else {
            strv_t w = {0};
            split_words(rest, &w);
            char *src = w.v[0][0] == '/' ? xstrdup(w.v[0]) : xasprintf("%s/%s", b->dir, w.v[0]);
            ps->source = abs_path(src);
            free(src);
            for (int k = 1; k < w.n; k++) sv_push(&ps->args, w.v[k]);
        }
        b->npeers++;
    } else if (strcmp(key, "env") == 0 || strcmp(key, "peer-env") == 0) {
        strv_t w = {0};
        split_words(val, &w);
        for (int k = 0; k < w.n; k++)
            if (parse_env_word(w.v[k])) sv_push(key[0] == 'e' ? &b->env : &b->peer_env, w.v[k]);
    } else if (strcmp(key, "variant") == 0) {
        if (b->nvariants == MAX_VARIANTS) return;
        strv_t w = {0};
        split_words(val, &w);
        if (w.n < 1) return;
        variant_t *v = &b->variants[b->nvariants++];
        v->name = w.v[0];
        bool peer_part = false;
        for (int k = 1; k < w.n; k++) {
            if (strcmp(w.v[k], "|") == 0) peer_part = true;
            else if (parse_env_word(w.v[k])) sv_push(peer_part ? &v->peer_env : &v->env, w.v[k]);
        }
    } else if (strcmp(key, "runs") == 0) b->runs = atoi(val);
    else if (strcmp(key, "warmup") == 0) b->warmup = atoi(val);
    else if (strcmp(key, "timeout") == 0) b->timeout = atof(val);
    else if (strcmp(key, "setup") == 0) b->setup = xstrdup(val);
    else if (strcmp(key, "teardown") == 0) b->teardown = xstrdup(val);
}

/* Reads the leading comment block of a benchmark file. */
static void read_header(bench_t *b, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[4096];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *t = trim(line);
        if (!*t) continue;
        if (t[0] != '#' || t[1] == '{' || t[1] == '*') break;
        header_line(b, t, path, lineno);
    }
    fclose(f);
}

static strv_t benches_found; /* bench_t * stored as char * */

static void add_bench(const char *path, const char *name) {
    bench_t *b = xcalloc(1, sizeof *b);
    b->file = xstrdup(path);
    b->abs = abs_path(path);
    b->name = xstrdup(name);
    b->runs = b->warmup = -1;
    bool dir = is_dir(path);
    b->dir = dir ? xstrdup(b->abs) : dir_of(b->abs);
    char *hdr = dir ? xasprintf("%s/main.nos", b->abs) : xstrdup(b->abs);
    read_header(b, hdr);
    free(hdr);
    sv_push(&benches_found, (char *)b);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static bool skip_dir(const char *n) {
    return n[0] == '.' || n[0] == '_' || strcmp(n, "bugs") == 0 || strcmp(n, "peers") == 0 ||
           strcmp(n, "baselines") == 0;
}

static void scan_dir(const char *dir, const char *prefix) {
    char *toml = xasprintf("%s/nostos.toml", dir);
    bool project = access(toml, F_OK) == 0;
    free(toml);
    if (project && *prefix) {
        add_bench(dir, prefix);
        return;
    }
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "nostos bench: cannot read %s: %s\n", dir, strerror(errno));
        return;
    }
    strv_t names = {0};
    struct dirent *e;
    while ((e = readdir(d))) sv_push(&names, xstrdup(e->d_name));
    closedir(d);
    if (names.n) qsort(names.v, (size_t)names.n, sizeof *names.v, cmp_str);
    for (int k = 0; k < names.n; k++) {
        const char *n = names.v[k];
        char *path = xasprintf("%s/%s", dir, n);
        if (is_dir(path)) {
            if (!skip_dir(n)) {
                char *pre = *prefix ? xasprintf("%s/%s", prefix, n) : xstrdup(n);
                scan_dir(path, pre);
                free(pre);
            }
        } else if (ends_with(n, ".nos")) {
            char *base = strndup(n, strlen(n) - 4);
            char *name = *prefix ? xasprintf("%s/%s", prefix, base) : xstrdup(base);
            add_bench(path, name);
            free(base);
            free(name);
        }
        free(path);
    }
}

/* ---- progress ------------------------------------------------------------------------------------ */

static int progress_total, progress_at;

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress(const char *fmt, ...) {
    if (!cfg.tty) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "\r\033[K[%d/%d] ", progress_at, progress_total);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}

static void progress_clear(void) {
    if (cfg.tty) fputs("\r\033[K", stderr);
}

/* ---- building ------------------------------------------------------------------------------------- */

static void print_tail(const char *label, const char *text) {
    if (!text || !*text) return;
    fprintf(stderr, "  %s:\n", label);
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(stderr, "    | %.*s\n", (int)n, p);
        p += n + (nl ? 1 : 0);
    }
}

static int run_tool(char **argv, const char *cwd, char **env, char **err_out) {
    bench_proc_t p = {0};
    p.argv = argv;
    p.cwd = cwd;
    p.env_add = env;
    p.timeout_s = 600;
    int rc = bench_run_cmd(&p);
    if (rc != 0 && err_out) {
        *err_out = xasprintf("%s%s%s", p.out, p.err, bench_describe_failure(&p));
    }
    bench_proc_free(&p);
    return rc;
}

static bool build_nostos(bench_t *b) {
    static int seq;
    char *base = xstrdup(b->name);
    for (char *c = base; *c; c++)
        if (*c == '/') *c = '_';
    b->exe = xasprintf("%s/%s-%d", cfg.tmp, base, seq++);
    free(base);
    char *argv[] = {cfg.self, "build", b->abs, "-o", b->exe, "-O2", NULL};
    char *err = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = run_tool(argv, NULL, NULL, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    b->build_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (rc != 0) {
        progress_clear();
        fprintf(stderr, "nostos bench: %s: build failed\n", b->name);
        print_tail("compiler output", err);
        free(err);
        return false;
    }
    return true;
}

static void build_peer(bench_t *b, peer_spec_t *ps) {
    if (ps->shell || ps->exe || ps->broken) return;
    static int seq;
    ps->exe = xasprintf("%s/peer-%s-%d", cfg.tmp, ps->label, seq++);
    char *err = NULL;
    int rc;
    if (ends_with(ps->source, ".c")) {
        char *argv[] = {"clang-19", "-O2", "-o", ps->exe, ps->source, "-lm", NULL};
        rc = run_tool(argv, b->dir, NULL, &err);
        if (rc != 0 && err && strstr(err, "could not start")) {
            free(err);
            err = NULL;
            argv[0] = "cc";
            rc = run_tool(argv, b->dir, NULL, &err);
        }
    } else if (ends_with(ps->source, ".go")) {
        char *argv[] = {"go", "build", "-o", ps->exe, ps->source, NULL};
        strv_t env = {0};
        if (!getenv("HOME") && !getenv("GOCACHE")) sv_push(&env, xasprintf("GOCACHE=%s/gocache", cfg.tmp));
        sv_push(&env, "GO111MODULE=off");
        rc = run_tool(argv, b->dir, sv_items(&env), &err);
    } else {
        /* Anything else is taken to be an executable already. */
        free(ps->exe);
        ps->exe = xstrdup(ps->source);
        rc = access(ps->exe, X_OK) == 0 ? 0 : -1;
        if (rc) err = xasprintf("%s is not executable (peers are .c, .go or executables)", ps->source);
    }
    if (rc != 0) {
        ps->broken = true;
        ps->why = xasprintf("peer build failed: %s", err ? err : "?");
        progress_clear();
        fprintf(stderr, "nostos bench: %s: peer %s: build failed\n", b->name, ps->label);
        print_tail("output", err);
    }
    free(err);
}

/* ---- one run ------------------------------------------------------------------------------------- */

/* The program's result line: its last non-empty stdout line, without the quotes a String
 * result of main gets. Returns a fresh string. */
static char *result_line(const char *out) {
    const char *end = out + strlen(out);
    while (end > out && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ')) end--;
    const char *start = end;
    while (start > out && start[-1] != '\n') start--;
    if (end - start >= 2 && *start == '"' && end[-1] == '"') start++, end--;
    return strndup(start, (size_t)(end - start));
}

/* The value of key=... in a result line; NAN when absent or not a number. */
static double field(const char *line, const char *key) {
    size_t kl = strlen(key);
    for (const char *p = line; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
            char *end;
            double v = strtod(p + kl + 1, &end);
            return end == p + kl + 1 ? NAN : v;
        }
        while (*p && *p != ' ' && *p != '\t' && *p != ',') p++;
    }
    return NAN;
}

static char *cmd_display(char **argv, char **env) {
    size_t n = 1;
    for (int k = 0; env && env[k]; k++) n += strlen(env[k]) + 1;
    for (int k = 0; argv[k]; k++) n += strlen(argv[k]) + 3;
    char *s = xcalloc(n + 1, 1);
    for (int k = 0; env && env[k]; k++) strcat(strcat(s, env[k]), " ");
    for (int k = 0; argv[k]; k++) {
        if (k) strcat(s, " ");
        bool q = strchr(argv[k], ' ') != NULL;
        if (q) strcat(s, "'");
        strcat(s, argv[k]);
        if (q) strcat(s, "'");
    }
    return s;
}

/* Runs one side once; on failure marks the side failed. */
static void run_side(row_t *r, side_t *sd, char **argv, char **env, double timeout, bool counted) {
    if (sd->failed) return;
    bench_proc_t p = {0};
    p.argv = argv;
    p.env_add = env;
    p.cwd = r->b->dir;
    p.timeout_s = timeout;
    p.measure = true;
    int rc = bench_run_cmd(&p);
    sample_t s = {0};
    s.wall = p.wall_ms;
    s.user = p.user_ms;
    s.sys = p.sys_ms;
    s.rss = (double)p.maxrss_kb;
    s.line = result_line(p.out);
    const bench_t *b = r->b;
    if (rc != 0) {
        sd->failed = true;
        sd->why = xstrdup(bench_describe_failure(&p));
        sd->err_tail = xasprintf("%s%s", p.out, p.err);
    } else if (b->metric && !b->derive && isnan(field(s.line, b->metric))) {
        sd->failed = true;
        sd->why = xasprintf("the result line has no %s= figure", b->metric);
        sd->err_tail = xasprintf("%s%s", p.out, p.err);
    } else if (b->derive && !(field(s.line, b->derive) > 0)) {
        sd->failed = true;
        sd->why = xasprintf("the result line has no %s= count for %s", b->derive, b->metric);
        sd->err_tail = xasprintf("%s%s", p.out, p.err);
    } else {
        s.ok = true;
        if (b->derive) s.metric = s.rss * 1024.0 / field(s.line, b->derive);
        else if (b->metric) s.metric = field(s.line, b->metric);
        else s.metric = s.wall;
        if (counted) sd->s[sd->n++] = s;
        else free(s.line);
        s.line = NULL;
    }
    free(s.line);
    bench_proc_free(&p);
}

static int rows_runs(const bench_t *b) {
    if (cfg.runs > 0) return cfg.runs;
    return b->runs > 0 ? b->runs : 5;
}

static int rows_warmup(const bench_t *b) {
    if (cfg.warmup >= 0) return cfg.warmup;
    return b->warmup >= 0 ? b->warmup : 1;
}

/* The environment of one side of a row: the file's, then the variant's. */
static char **side_env(const strv_t *base, const strv_t *var) {
    strv_t e = {0};
    for (int k = 0; k < base->n; k++) sv_push(&e, base->v[k]);
    for (int k = 0; var && k < var->n; k++) sv_push(&e, var->v[k]);
    return sv_items(&e);
}

static char *subst(const char *cmd, const bench_t *b) {
    size_t cap = strlen(cmd) + 1;
    for (const char *p = cmd; (p = strchr(p, '{')); p++) cap += strlen(b->abs) + strlen(b->name);
    char *o = xcalloc(cap, 1);
    for (const char *p = cmd; *p;) {
        if (strncmp(p, "{}", 2) == 0) strcat(o, b->abs), p += 2;
        else if (strncmp(p, "{name}", 6) == 0) strcat(o, b->name), p += 6;
        else strncat(o, p++, 1);
    }
    return o;
}

static void run_row(row_t *r) {
    bench_t *b = r->b;
    int runs = rows_runs(b), warm = rows_warmup(b);
    double timeout = cfg.timeout > 0 ? cfg.timeout : b->timeout > 0 ? b->timeout : 120;
    char **nenv = side_env(&b->env, r->var ? &r->var->env : NULL);
    char **penv = side_env(&b->peer_env, r->var ? &r->var->peer_env : NULL);
    char *nargv[] = {b->exe, NULL};
    r->nos.label = "nostos";
    r->nos.command = cmd_display((char *[]){(char *)b->file, NULL}, nenv);
    r->nos.s = xcalloc((size_t)runs, sizeof(sample_t));

    char **pargv[MAX_PEERS + 1];
    r->npeers = 0;
    if (!cfg.no_peers && cfg.vs) {
        side_t *sd = &r->peers[r->npeers];
        char *c = subst(cfg.vs, b);
        strv_t av = {0};
        sv_push(&av, "/bin/sh");
        sv_push(&av, "-c");
        sv_push(&av, c);
        pargv[r->npeers] = sv_items(&av);
        sd->label = "vs";
        sd->command = xstrdup(c);
        r->npeers++;
    } else if (!cfg.no_peers) {
        for (int k = 0; k < b->npeers; k++) {
            peer_spec_t *ps = &b->peers[k];
            side_t *sd = &r->peers[r->npeers];
            sd->label = ps->label;
            strv_t av = {0};
            if (ps->shell) {
                sv_push(&av, "/bin/sh");
                sv_push(&av, "-c");
                sv_push(&av, ps->shell);
            } else {
                sv_push(&av, ps->exe ? ps->exe : ps->source);
                for (int a = 0; a < ps->args.n; a++) sv_push(&av, ps->args.v[a]);
            }
            pargv[r->npeers] = sv_items(&av);
            if (ps->shell) sd->command = cmd_display((char *[]){ps->shell, NULL}, penv);
            else {
                strv_t dv = {0};
                char *rel = strrchr(ps->source, '/');
                sv_push(&dv, rel ? rel + 1 : ps->source);
                for (int a = 0; a < ps->args.n; a++) sv_push(&dv, ps->args.v[a]);
                sd->command = cmd_display(sv_items(&dv), penv);
            }
            if (ps->broken) {
                sd->failed = true;
                sd->why = xstrdup(ps->why);
            }
            r->npeers++;
        }
    }
    for (int k = 0; k < r->npeers; k++) r->peers[k].s = xcalloc((size_t)runs, sizeof(sample_t));

    for (int i = 0; i < warm + runs; i++) {
        bool counted = i >= warm;
        const char *phase = counted ? "run" : "warm-up";
        int at = counted ? i - warm + 1 : i + 1, of = counted ? runs : warm;
        progress("%s: %s %d/%d: nostos", r->name, phase, at, of);
        run_side(r, &r->nos, nargv, nenv, timeout, counted);
        if (r->nos.failed) break;
        for (int k = 0; k < r->npeers; k++) {
            progress("%s: %s %d/%d: %s", r->name, phase, at, of, r->peers[k].label);
            run_side(r, &r->peers[k], pargv[k], penv, timeout, counted);
        }
    }
    progress_clear();
    if (r->nos.failed) {
        r->status = "failed";
        r->reason = xasprintf("%s", r->nos.why);
    } else r->status = "ok";
}

/* ---- reporting ------------------------------------------------------------------------------------ */

typedef double (*pick_fn)(const sample_t *);
static double pick_metric(const sample_t *s) { return s->metric; }
static double pick_wall(const sample_t *s) { return s->wall; }
static double pick_user(const sample_t *s) { return s->user; }
static double pick_sys(const sample_t *s) { return s->sys; }
static double pick_rss(const sample_t *s) { return s->rss; }

static stats_t side_stats(const side_t *sd, pick_fn f) {
    double *v = xcalloc((size_t)(sd->n ? sd->n : 1), sizeof *v);
    for (int i = 0; i < sd->n; i++) v[i] = f(&sd->s[i]);
    stats_t st = stats_of(v, sd->n);
    free(v);
    return st;
}

/* Pair-by-pair ratio Nostos / peer of the picked figure. */
static stats_t ratio_stats(const side_t *a, const side_t *b, pick_fn f) {
    int n = a->n < b->n ? a->n : b->n;
    double *v = xcalloc((size_t)(n ? n : 1), sizeof *v);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (f(&b->s[i]) > 0) v[m++] = f(&a->s[i]) / f(&b->s[i]);
    stats_t st = stats_of(v, m);
    free(v);
    return st;
}

/* The line of the run whose metric is nearest the median. */
static const char *median_line(const side_t *sd) {
    stats_t st = side_stats(sd, pick_metric);
    const char *best = NULL;
    double d = INFINITY;
    for (int i = 0; i < sd->n; i++)
        if (fabs(sd->s[i].metric - st.med) < d) d = fabs(sd->s[i].metric - st.med), best = sd->s[i].line;
    return best ? best : "";
}

static const char *metric_name(const bench_t *b) { return b->metric ? b->metric : "wall_ms"; }

static void print_side(const row_t *r, const side_t *sd) {
    char a[32], b[32], c[32], d[32], e[32], f[32], g[32];
    stats_t m = side_stats(sd, pick_metric), w = side_stats(sd, pick_wall);
    printf("  %-7s %s min %s  median %s  max %s | wall median %s ms | user %s ms  sys %s ms | peak RSS %s\n",
           sd->label, metric_name(r->b), fmt_num(a, sizeof a, m.min), fmt_num(b, sizeof b, m.med),
           fmt_num(c, sizeof c, m.max), fmt_num(d, sizeof d, w.med),
           fmt_num(e, sizeof e, side_stats(sd, pick_user).med), fmt_num(f, sizeof f, side_stats(sd, pick_sys).med),
           fmt_rss(g, sizeof g, side_stats(sd, pick_rss).med));
    printf("          result: %s\n", median_line(sd));
}

static void print_row(const row_t *r) {
    printf("%s%s%s\n", r->name, r->b->title ? " - " : "", r->b->title ? r->b->title : "");
    if (strcmp(r->status, "ok") != 0) {
        printf("  %s: %s\n", r->status, r->reason ? r->reason : "");
        if (r->nos.err_tail) {
            fflush(stdout);
            print_tail("output", r->nos.err_tail);
        }
        return;
    }
    print_side(r, &r->nos);
    for (int k = 0; k < r->npeers; k++) {
        const side_t *sd = &r->peers[k];
        if (sd->failed && sd->n == 0) {
            printf("  %-7s FAILED: %s\n", sd->label, sd->why ? sd->why : "");
            if (sd->err_tail) {
                fflush(stdout);
                print_tail("output", sd->err_tail);
            }
            continue;
        }
        print_side(r, sd);
        char a[32], b[32], c[32], d[32];
        stats_t rs = ratio_stats(&r->nos, sd, pick_metric), ws = ratio_stats(&r->nos, sd, pick_wall);
        printf("          ratio nostos/%s, pair by pair: median %sx (min %s, max %s); whole-process wall %sx\n",
               sd->label, fmt_num(a, sizeof a, rs.med), fmt_num(b, sizeof b, rs.min), fmt_num(c, sizeof c, rs.max),
               fmt_num(d, sizeof d, ws.med));
    }
    fflush(stdout);
}

static void print_table(row_t *rows, int nrows) {
    printf("\n%-22s %-16s %10s  %-6s %10s  %8s  %-6s %10s %10s\n", "benchmark", "metric", "nostos", "peer",
           "peer", "ratio", "", "wall ms", "peak RSS");
    for (int i = 0; i < nrows; i++) {
        const row_t *r = &rows[i];
        char a[32], b[32], c[32], d[32], e[32];
        char metric[64];
        snprintf(metric, sizeof metric, "%s%s", metric_name(r->b), r->b->higher ? " (hi)" : "");
        if (strcmp(r->status, "ok") != 0) {
            printf("%-22s %-16s %10s  %s\n", r->name, metric, r->status, r->reason ? r->reason : "");
            continue;
        }
        stats_t m = side_stats(&r->nos, pick_metric);
        const char *wall = fmt_num(d, sizeof d, side_stats(&r->nos, pick_wall).med);
        const char *rss = fmt_rss(e, sizeof e, side_stats(&r->nos, pick_rss).med);
        if (r->npeers == 0) {
            printf("%-22s %-16s %10s  %-6s %10s  %8s  %-6s %10s %10s\n", r->name, metric, fmt_num(a, sizeof a, m.med),
                   "", "", "", "", wall, rss);
            continue;
        }
        for (int k = 0; k < r->npeers; k++) {
            const side_t *sd = &r->peers[k];
            stats_t pm = side_stats(sd, pick_metric), rs = ratio_stats(&r->nos, sd, pick_metric);
            const char *verdict = "";
            if (sd->n && !isnan(rs.med))
                verdict = (r->b->higher ? rs.med >= 1 : rs.med <= 1) ? "ahead" : "behind";
            char ratio[40];
            snprintf(ratio, sizeof ratio, "%sx", fmt_num(c, sizeof c, rs.med));
            if (k == 0)
                printf("%-22s %-16s %10s  %-6s %10s  %8s  %-6s %10s %10s\n", r->name, metric,
                       fmt_num(a, sizeof a, m.med), sd->label, sd->n ? fmt_num(b, sizeof b, pm.med) : "failed",
                       sd->n ? ratio : "-", verdict, wall, rss);
            else
                printf("%-22s %-16s %10s  %-6s %10s  %8s  %-6s\n", "", "", "", sd->label,
                       sd->n ? fmt_num(b, sizeof b, pm.med) : "failed", sd->n ? ratio : "-", verdict);
        }
    }
    printf("(medians; ratio = Nostos / peer, pair by pair; 'ahead' = Nostos better on this metric)\n");
    /* A variant against its base row, for each side: e.g. one worker against all of them. */
    for (int i = 0; i < nrows; i++) {
        const row_t *v = &rows[i], *base = NULL;
        if (!v->var || strcmp(v->status, "ok") != 0) continue;
        for (int k = 0; k < nrows; k++)
            if (rows[k].b == v->b && !rows[k].var && strcmp(rows[k].status, "ok") == 0) base = &rows[k];
        if (!base) continue;
        char a[32], b[32];
        printf("%s / %s: nostos %sx", v->name, base->name,
               fmt_num(a, sizeof a, side_stats(&v->nos, pick_metric).med / side_stats(&base->nos, pick_metric).med));
        for (int k = 0; k < v->npeers && k < base->npeers; k++)
            if (v->peers[k].n && base->peers[k].n)
                printf(", %s %sx", v->peers[k].label,
                       fmt_num(b, sizeof b,
                               side_stats(&v->peers[k], pick_metric).med / side_stats(&base->peers[k], pick_metric).med));
        printf("\n");
    }
}

/* ---- JSON ---------------------------------------------------------------------------------------- */

static void jnum(FILE *f, double v) {
    if (isnan(v) || isinf(v)) fputs("null", f);
    else fprintf(f, "%.6g", v);
}

static void jstats(FILE *f, const char *key, stats_t s) {
    fprintf(f, "\"%s\": {\"min\": ", key);
    jnum(f, s.min);
    fputs(", \"median\": ", f);
    jnum(f, s.med);
    fputs(", \"max\": ", f);
    jnum(f, s.max);
    fputs("}", f);
}

static void jside(FILE *f, const row_t *r, const side_t *sd, const char *ind) {
    fprintf(f, "%s\"label\": ", ind);
    json_write_str(f, sd->label);
    fprintf(f, ",\n%s\"command\": ", ind);
    json_write_str(f, sd->command);
    fprintf(f, ",\n%s\"status\": \"%s\"", ind, sd->failed ? "failed" : "ok");
    if (sd->failed) {
        fprintf(f, ",\n%s\"reason\": ", ind);
        json_write_str(f, sd->why);
    }
    stats_t m = side_stats(sd, pick_metric);
    fprintf(f, ",\n%s\"metric\": {\"key\": ", ind);
    json_write_str(f, metric_name(r->b));
    fprintf(f, ", \"better\": \"%s\", \"min\": ", r->b->higher ? "higher" : "lower");
    jnum(f, m.min);
    fputs(", \"median\": ", f);
    jnum(f, m.med);
    fputs(", \"max\": ", f);
    jnum(f, m.max);
    fputs(", \"values\": [", f);
    for (int i = 0; i < sd->n; i++) {
        if (i) fputs(", ", f);
        jnum(f, sd->s[i].metric);
    }
    fprintf(f, "]},\n%s", ind);
    jstats(f, "wall_ms", side_stats(sd, pick_wall));
    fprintf(f, ",\n%s", ind);
    jstats(f, "user_ms", side_stats(sd, pick_user));
    fprintf(f, ",\n%s", ind);
    jstats(f, "sys_ms", side_stats(sd, pick_sys));
    fprintf(f, ",\n%s", ind);
    jstats(f, "maxrss_kb", side_stats(sd, pick_rss));
    fprintf(f, ",\n%s\"result\": ", ind);
    json_write_str(f, median_line(sd));
}

/* The 1-minute load average, or NAN. */
static double loadavg(void) {
    double l = NAN;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1) l = NAN;
        fclose(f);
    }
    return l;
}

static double load_at_start;
static double suite_start_ms;

static double mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool write_json(const char *path, row_t *rows, int nrows) {
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "nostos bench: cannot write %s: %s\n", path, strerror(errno));
        return false;
    }
    time_t now = time(NULL);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    struct utsname u;
    uname(&u);
    fprintf(f, "{\n  \"format\": \"nostos-bench/1\",\n  \"date\": \"%s\",\n  \"host\": {\"cpus\": %ld, \"system\": ",
            date, sysconf(_SC_NPROCESSORS_ONLN));
    char sys[400];
    snprintf(sys, sizeof sys, "%s %s %s", u.sysname, u.release, u.machine);
    json_write_str(f, sys);
    fputs(", \"loadavg_start\": ", f);
    jnum(f, load_at_start);
    fputs(", \"loadavg_end\": ", f);
    jnum(f, loadavg());
    fputs("},\n  \"elapsed_s\": ", f);
    jnum(f, (mono_ms() - suite_start_ms) / 1e3);
    fputs(",\n  \"benchmarks\": [", f);
    for (int i = 0; i < nrows; i++) {
        const row_t *r = &rows[i];
        fputs(i ? ",\n    {\n" : "\n    {\n", f);
        fputs("      \"name\": ", f);
        json_write_str(f, r->name);
        fputs(",\n      \"file\": ", f);
        json_write_str(f, r->b->file);
        if (r->b->title) {
            fputs(",\n      \"title\": ", f);
            json_write_str(f, r->b->title);
        }
        fprintf(f, ",\n      \"status\": \"%s\"", r->status);
        if (r->reason) {
            fputs(",\n      \"reason\": ", f);
            json_write_str(f, r->reason);
        }
        fputs(",\n      \"build_ms\": ", f);
        jnum(f, r->b->build_ms);
        fprintf(f, ",\n      \"runs\": %d", r->nos.n);
        if (strcmp(r->status, "ok") == 0) {
            fputs(",\n      \"nostos\": {\n", f);
            jside(f, r, &r->nos, "        ");
            fputs("\n      },\n      \"peers\": [", f);
            for (int k = 0; k < r->npeers; k++) {
                const side_t *sd = &r->peers[k];
                fputs(k ? ", {\n" : "{\n", f);
                jside(f, r, sd, "        ");
                fputs(",\n        ", f);
                jstats(f, "ratio", ratio_stats(&r->nos, sd, pick_metric));
                fputs(",\n        ", f);
                jstats(f, "wall_ratio", ratio_stats(&r->nos, sd, pick_wall));
                fputs("\n      }", f);
            }
            fputs("]", f);
        }
        fputs("\n    }", f);
    }
    fputs("\n  ]\n}\n", f);
    bool ok = fflush(f) == 0;
    ok &= fclose(f) == 0;
    return ok;
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    size_t got;
    while (s && (got = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) s = realloc(s, cap *= 2);
    }
    fclose(f);
    if (s) s[n] = 0;
    return s;
}

/* Compares with a saved run; returns the number of regressions beyond the threshold. */
static int compare_baseline(const char *path, row_t *rows, int nrows) {
    char *text = read_file(path);
    if (!text) {
        fprintf(stderr, "nostos bench: cannot read baseline %s: %s\n", path, strerror(errno));
        return -1;
    }
    char err[160];
    json_t *root = json_parse(text, err, sizeof err);
    free(text);
    json_t *list = json_get(root, "benchmarks");
    if (!root || !list || list->kind != JS_ARR) {
        fprintf(stderr, "nostos bench: %s is not a saved bench run: %s\n", path, root ? "no benchmarks" : err);
        json_free(root);
        return -1;
    }
    int regressions = 0;
    printf("\nAgainst baseline %s (threshold %.0f%%, judged by %s):\n", path, cfg.threshold,
           cfg.by_ratio ? "the ratio to the first peer" : "the Nostos figure");
    printf("%-22s %-16s %10s %10s %8s   %8s %8s\n", "benchmark", "metric", "baseline", "now", "change",
           "ratio was", "ratio now");
    for (int i = 0; i < nrows; i++) {
        const row_t *r = &rows[i];
        const json_t *old = NULL;
        for (int k = 0; k < list->len; k++)
            if (strcmp(json_str(json_get(list->items[k], "name"), ""), r->name) == 0) old = list->items[k];
        if (!old) {
            printf("%-22s (not in the baseline)\n", r->name);
            continue;
        }
        if (strcmp(r->status, "ok") != 0) {
            printf("%-22s %s now\n", r->name, r->status);
            continue;
        }
        const json_t *om = json_get(json_get(old, "nostos"), "metric");
        double was = json_num(json_get(om, "median"), NAN);
        double now = side_stats(&r->nos, pick_metric).med;
        double rwas = NAN, rnow = NAN;
        const json_t *ops = json_get(old, "peers");
        if (ops && ops->kind == JS_ARR && ops->len > 0 && r->npeers > 0)
            rwas = json_num(json_get(json_get(ops->items[0], "ratio"), "median"), NAN);
        if (r->npeers > 0) rnow = ratio_stats(&r->nos, &r->peers[0], pick_metric).med;
        double a = cfg.by_ratio ? rwas : was, b = cfg.by_ratio ? rnow : now;
        double change = a > 0 ? (b - a) / a * 100 : NAN;
        bool worse = !isnan(change) && (r->b->higher ? -change : change) > cfg.threshold;
        regressions += worse;
        char s1[32], s2[32], s3[32], s4[32], ch[32];
        if (isnan(change)) snprintf(ch, sizeof ch, "-");
        else snprintf(ch, sizeof ch, "%+.1f%%", change);
        printf("%-22s %-16s %10s %10s %8s   %8s %8s%s\n", r->name, metric_name(r->b), fmt_num(s1, sizeof s1, was),
               fmt_num(s2, sizeof s2, now), ch, fmt_num(s3, sizeof s3, rwas), fmt_num(s4, sizeof s4, rnow),
               worse ? "  REGRESSION" : "");
    }
    json_free(root);
    return regressions;
}

/* ---- setup and teardown ------------------------------------------------------------------------ */

/* 0 = go on, 77 = skip, other = failed (message in *why). */
static int run_hook(bench_t *b, const char *cmd, char **why) {
    char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
    bench_proc_t p = {0};
    p.argv = argv;
    p.cwd = b->dir;
    p.timeout_s = 300;
    char *envb = xasprintf("NOSTOS_BENCH_TMP=%s", cfg.tmp);
    char *env[] = {envb, NULL};
    p.env_add = env;
    bench_run_cmd(&p);
    free(envb);
    int rc = !p.timed_out && WIFEXITED(p.status) ? WEXITSTATUS(p.status) : 1;
    if (rc != 0 && why) *why = xasprintf("%s%s", p.out, p.err);
    bench_proc_free(&p);
    return rc;
}

/* ---- main ---------------------------------------------------------------------------------------- */

/* Returns a fresh string. */
static char *default_json_path(void) {
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char dir[PATH_MAX];
    if (xdg && *xdg) snprintf(dir, sizeof dir, "%s/nostos/bench", xdg);
    else if (home && *home) snprintf(dir, sizeof dir, "%s/.cache/nostos/bench", home);
    else snprintf(dir, sizeof dir, "/tmp/nostos-bench-%d", (int)getuid());
    char part[PATH_MAX];
    snprintf(part, sizeof part, "%s", dir);
    for (char *p = part + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(part, 0755);
            *p = '/';
        }
    mkdir(part, 0755);
    return xasprintf("%s/last.json", dir);
}

static void remove_tree(const char *path) {
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            char *p = xasprintf("%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(p);
            else unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(path);
}

static bool need_arg(int i, int argc, const char *opt) {
    if (i + 1 < argc) return true;
    fprintf(stderr, "nostos bench: %s needs a value\n", opt);
    return false;
}

int bench_main(int argc, char **argv) {
    cfg.runs = cfg.warmup = -1;
    cfg.threshold = 10;
    strv_t inputs = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((strcmp(a, "-n") == 0 || strcmp(a, "--runs") == 0) && need_arg(i, argc, a)) cfg.runs = atoi(argv[++i]);
        else if (strcmp(a, "--warmup") == 0 && need_arg(i, argc, a)) cfg.warmup = atoi(argv[++i]);
        else if (strcmp(a, "--vs") == 0 && need_arg(i, argc, a)) cfg.vs = argv[++i];
        else if (strcmp(a, "--save") == 0 && need_arg(i, argc, a)) cfg.save = argv[++i];
        else if (strcmp(a, "--baseline") == 0 && need_arg(i, argc, a)) cfg.baseline = argv[++i];
        else if (strcmp(a, "--threshold") == 0 && need_arg(i, argc, a)) cfg.threshold = atof(argv[++i]);
        else if (strcmp(a, "--timeout") == 0 && need_arg(i, argc, a)) cfg.timeout = atof(argv[++i]);
        else if (strcmp(a, "--filter") == 0 && need_arg(i, argc, a)) cfg.filter = argv[++i];
        else if (strcmp(a, "--by") == 0 && need_arg(i, argc, a)) {
            const char *by = argv[++i];
            if (strcmp(by, "ratio") == 0) cfg.by_ratio = true;
            else if (strcmp(by, "metric") != 0) {
                fprintf(stderr, "nostos bench: --by takes 'metric' or 'ratio'\n");
                return 2;
            }
        } else if (strcmp(a, "--no-peers") == 0) cfg.no_peers = true;
        else if (strcmp(a, "--list") == 0) cfg.list = true;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "nostos bench: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        } else sv_push(&inputs, (char *)a);
    }
    if (cfg.runs == 0 || cfg.runs < -1 || cfg.warmup < -1 || cfg.threshold < 0) {
        fprintf(stderr, "nostos bench: -n must be at least 1, --warmup and --threshold not negative\n");
        return 2;
    }
    if (inputs.n == 0) {
        if (!is_dir("perf")) {
            fprintf(stderr, "nostos bench: no benchmarks given and no perf/ directory here\n");
            usage(stderr);
            return 2;
        }
        sv_push(&inputs, "perf");
    }
    for (int i = 0; i < inputs.n; i++) {
        const char *in = inputs.v[i];
        struct stat st;
        if (stat(in, &st) != 0) {
            fprintf(stderr, "nostos bench: %s: %s\n", in, strerror(errno));
            return 2;
        }
        if (S_ISDIR(st.st_mode)) {
            char *toml = xasprintf("%s/nostos.toml", in);
            bool project = access(toml, F_OK) == 0;
            free(toml);
            if (project) {
                char *t = abs_path(in);
                char *slash = strrchr(t, '/');
                add_bench(in, slash ? slash + 1 : t);
                free(t);
            } else scan_dir(in, "");
        } else {
            const char *base = strrchr(in, '/');
            base = base ? base + 1 : in;
            char *name = ends_with(base, ".nos") ? strndup(base, strlen(base) - 4) : xstrdup(base);
            add_bench(in, name);
            free(name);
        }
    }

    /* The rows: each benchmark, then its variants. */
    int nb = benches_found.n;
    row_t *rows = xcalloc((size_t)nb * (MAX_VARIANTS + 1), sizeof *rows);
    int nrows = 0;
    for (int i = 0; i < nb; i++) {
        bench_t *b = (bench_t *)benches_found.v[i];
        for (int v = -1; v < b->nvariants; v++) {
            row_t *r = &rows[nrows];
            r->b = b;
            r->var = v < 0 ? NULL : &b->variants[v];
            r->name = v < 0 ? xstrdup(b->name) : xasprintf("%s:%s", b->name, b->variants[v].name);
            if (cfg.filter && !strstr(r->name, cfg.filter)) continue;
            nrows++;
        }
    }
    if (cfg.list) {
        for (int i = 0; i < nrows; i++) {
            const bench_t *b = rows[i].b;
            printf("%-24s %-16s %s", rows[i].name, metric_name(b), b->file);
            for (int k = 0; k < b->npeers; k++) printf("  [%s]", b->peers[k].label);
            printf("\n");
        }
        return 0;
    }
    if (nrows == 0) {
        fprintf(stderr, "nostos bench: no benchmarks found\n");
        return 2;
    }

    ssize_t sl = readlink("/proc/self/exe", cfg.self, sizeof cfg.self - 1);
    if (sl <= 0) {
        fprintf(stderr, "nostos bench: cannot find the nostos binary\n");
        return 1;
    }
    cfg.self[sl] = 0;
    const char *tmpdir = getenv("TMPDIR");
    snprintf(cfg.tmp, sizeof cfg.tmp, "%s/nostos-bench-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(cfg.tmp)) {
        fprintf(stderr, "nostos bench: cannot create a temporary directory: %s\n", strerror(errno));
        return 1;
    }
    cfg.tty = isatty(2);
    progress_total = nrows;
    load_at_start = loadavg();
    suite_start_ms = mono_ms();
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (load_at_start > 0.5 * (double)ncpu)
        fprintf(stderr, "nostos bench: note: the machine is busy (load average %.1f on %ld CPUs); "
                        "absolute figures will be noisy, the pair-by-pair ratios less so\n",
                load_at_start, ncpu);
    if (!bench_run_init(cfg.tmp))
        fprintf(stderr, "nostos bench: warning: no C compiler for the measuring runner; peak RSS figures "
                        "include this process's own (about 50 MiB)\n");

    int failures = 0;
    bench_t *cur = NULL;
    bool cur_ok = false;
    char *cur_skip = NULL;
    for (int i = 0; i < nrows; i++) {
        row_t *r = &rows[i];
        progress_at = i + 1;
        if (r->b != cur) {
            if (cur && cur->teardown && cur_ok) run_hook(cur, cur->teardown, NULL);
            cur = r->b;
            cur_ok = false;
            free(cur_skip);
            cur_skip = NULL;
            if (!cfg.tty) fprintf(stderr, "[%d/%d] %s\n", i + 1, nrows, cur->name);
            if (cur->setup) {
                progress("%s: setup", cur->name);
                char *why = NULL;
                int rc = run_hook(cur, cur->setup, &why);
                progress_clear();
                if (rc == 77) cur_skip = xasprintf("skipped by its setup: %s", why ? trim(why) : "");
                else if (rc != 0) cur_skip = xasprintf("setup failed: %s", why ? trim(why) : "");
                free(why);
            }
            if (!cur_skip) {
                progress("%s: building", cur->name);
                if (!build_nostos(cur)) cur_skip = xstrdup("build failed");
                else if (!cfg.no_peers && !cfg.vs)
                    for (int k = 0; k < cur->npeers; k++) {
                        progress("%s: building peer %s", cur->name, cur->peers[k].label);
                        build_peer(cur, &cur->peers[k]);
                    }
                progress_clear();
            }
            cur_ok = !cur_skip;
        } else if (!cfg.tty) fprintf(stderr, "[%d/%d] %s\n", i + 1, nrows, r->name);
        if (cur_skip) {
            bool skipped = strncmp(cur_skip, "skipped", 7) == 0;
            r->status = skipped ? "skipped" : "failed";
            r->reason = xstrdup(cur_skip);
            failures += !skipped;
        } else {
            run_row(r);
            failures += strcmp(r->status, "ok") != 0;
        }
        print_row(r);
    }
    if (cur && cur->teardown && cur_ok) run_hook(cur, cur->teardown, NULL);

    print_table(rows, nrows);
    printf("%d row%s in %.0f s\n", nrows, nrows > 1 ? "s" : "", (mono_ms() - suite_start_ms) / 1e3);
    char *defpath = default_json_path();
    if (write_json(defpath, rows, nrows)) printf("results: %s\n", defpath);
    if (cfg.save) {
        if (write_json(cfg.save, rows, nrows)) printf("saved: %s\n", cfg.save);
        else failures++;
    }
    int regressions = 0;
    if (cfg.baseline) {
        regressions = compare_baseline(cfg.baseline, rows, nrows);
        if (regressions < 0) {
            remove_tree(cfg.tmp);
            return 2;
        }
        if (regressions) printf("%d regression%s beyond %.0f%%\n", regressions, regressions > 1 ? "s" : "",
                                cfg.threshold);
    }
    remove_tree(cfg.tmp);
    if (failures) {
        printf("%d benchmark%s failed\n", failures, failures > 1 ? "s" : "");
        return 1;
    }
    return regressions ? 3 : 0;
}
