/*
 * driver.c - the nostos command line.
 *
 *   nostos build FILE|DIR [-o OUT] [--target TRIPLE] [--static] [-O0..3]
 *                         [--emit=tokens|ast|types|ir|asm|obj] [-v]
 *   nostos run FILE|DIR [-- args...]      build into a cache and run
 *   nostos FILE [args...]                 same as run
 *   nostos check FILE|DIR                 parse and type-check only
 *   nostos bench ...                      see bench.c
 *   nostos --list-targets | --version | --help
 *
 * Exit status: the program's own when running; 1 for compile errors; 2 for
 * bad usage.
 */
#include "driver.h"

#include "emit.h"
#include "frontend.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define NOSTOS_VERSION "0.1.0"

int bench_main(int argc, char **argv);

static void usage(FILE *out) {
    fputs("usage:\n"
          "  nostos build FILE|DIR [-o OUT] [--target TRIPLE] [--static] [-O0|-O1|-O2|-O3]\n"
          "                        [--emit=tokens|ast|types|ir|asm|obj] [-v]\n"
          "  nostos run FILE|DIR [ARGS...]   build (cached) and run\n"
          "  nostos FILE [ARGS...]           same as run\n"
          "  nostos check FILE|DIR           parse and type-check only\n"
          "  nostos bench [FILES|DIRS] [-n RUNS] [--warmup N] [--vs COMMAND] [--save FILE] [--baseline FILE]\n"
          "  nostos build --list-targets\n"
          "  nostos --version\n",
          out);
}

/* The directory of the nostos binary (the runtime library sits next to it). */
static const char *self_dir(void) {
    static char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return ".";
    buf[n] = 0;
    char *slash = strrchr(buf, '/');
    if (slash) *slash = 0;
    return buf;
}

typedef struct opts {
    const char *input;
    const char *out;
    const char *emit;
    const char *target;
    int opt;
    bool is_static;
    bool verbose;
    bool list_targets;
    int prog_argc;
    char **prog_argv;
} opts_t;

static int parse_opts(int argc, char **argv, int i, opts_t *o, bool run_mode) {
    o->opt = 2;
    for (; i < argc; i++) {
        char *a = argv[i];
        if (o->input && run_mode) {
            /* Everything after the input belongs to the program. */
            if (strcmp(a, "--") == 0) i++;
            o->prog_argc = argc - i;
            o->prog_argv = argv + i;
            return 0;
        }
        if (strcmp(a, "-o") == 0 && i + 1 < argc) o->out = argv[++i];
        else if (strncmp(a, "--emit=", 7) == 0) o->emit = a + 7;
        else if (strcmp(a, "--target") == 0 && i + 1 < argc) o->target = argv[++i];
        else if (strncmp(a, "--target=", 9) == 0) o->target = a + 9;
        else if (strcmp(a, "--static") == 0) o->is_static = true;
        else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) o->verbose = true;
        else if (strcmp(a, "--list-targets") == 0) o->list_targets = true;
        else if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && !a[3]) o->opt = a[2] - '0';
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "nostos: unknown option '%s'\n", a);
            return 2;
        } else if (!o->input) o->input = a;
        else {
            fprintf(stderr, "nostos: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    return 0;
}

static int frontend_stage(session_t *s, opts_t *o) {
    fe_load_prelude(s);
    if (!fe_load_path(s, o->input)) {
        diag_print(&s->diag, stderr);
        return 1;
    }
    if (o->emit && (strcmp(o->emit, "tokens") == 0 || strcmp(o->emit, "ast") == 0)) {
        for (int i = 0; i < s->user_files.len; i++) {
            uint32_t f = s->user_files.items[i];
            if (strcmp(o->emit, "tokens") == 0) {
                token_vec_t toks = {0};
                lex_file(&s->arena, &s->syms, &s->diag, f, &toks);
                lex_dump(stdout, &s->diag, &toks);
                vec_free(&toks);
            } else {
                module_ast_t *m = parse_file(&s->arena, &s->syms, &s->diag, f);
                if (m) ast_dump(stdout, &s->diag, m);
            }
        }
        if (s->diag.nerrors) {
            diag_print(&s->diag, stderr);
            return 1;
        }
        return -1; /* done */
    }
    if (!fe_check(s)) {
        diag_print(&s->diag, stderr);
        return 1;
    }
    if (s->diag.items.len) diag_print(&s->diag, stderr); /* warnings */
    if (o->emit && strcmp(o->emit, "types") == 0) {
        sema_dump_types(&s->prog, stdout);
        return -1;
    }
    return 0;
}

static int build(opts_t *o, const char *out_override) {
    if (o->list_targets) {
        emit_list_targets(stdout);
        return 0;
    }
    if (!o->input) {
        usage(stderr);
        return 2;
    }
    session_t s;
    fe_init(&s);
    int rc = frontend_stage(&s, o);
    if (rc != 0) {
        fe_free(&s);
        return rc < 0 ? 0 : rc;
    }
    emit_opts_t eo = {0};
    eo.triple = o->target;
    eo.opt_level = o->opt;
    eo.is_static = o->is_static;
    eo.verbose = o->verbose;
    eo.rt_dir = self_dir();
    eo.kind = EMIT_EXE;
    if (o->emit) {
        if (strcmp(o->emit, "ir") == 0) eo.kind = EMIT_IR;
        else if (strcmp(o->emit, "asm") == 0) eo.kind = EMIT_ASM;
        else if (strcmp(o->emit, "obj") == 0) eo.kind = EMIT_OBJ;
        else {
            fprintf(stderr, "nostos: unknown --emit stage '%s' (tokens, ast, types, ir, asm, obj)\n", o->emit);
            fe_free(&s);
            return 2;
        }
    }
    char defout[PATH_MAX];
    if (out_override) eo.out = out_override;
    else if (o->out) eo.out = o->out;
    else if (eo.kind == EMIT_IR || eo.kind == EMIT_ASM) eo.out = "-";
    else {
        /* app.nos -> app (or app.o) */
        const char *base = strrchr(o->input, '/');
        base = base ? base + 1 : o->input;
        snprintf(defout, sizeof defout, "%s", base);
        size_t n = strlen(defout);
        if (n > 4 && strcmp(defout + n - 4, ".nos") == 0) defout[n - 4] = 0;
        if (!*defout) snprintf(defout, sizeof defout, "a.out");
        if (eo.kind == EMIT_OBJ) strncat(defout, ".o", sizeof defout - strlen(defout) - 1);
        eo.out = defout;
    }
    rc = emit_program(&s.prog, &eo);
    if (s.diag.nerrors) diag_print(&s.diag, stderr);
    fe_free(&s);
    return rc;
}

static int mkdirs(const char *path) {
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        mkdir(buf, 0755);
        *p = '/';
    }
    return mkdir(buf, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* Whether a --target triple names this machine's architecture (x86_64-linux-gnu on x86-64). */
static bool target_is_host(const char *triple) {
    struct utsname u;
    if (uname(&u) != 0) return true;
    size_t n = strcspn(triple, "-");
    const char *m = u.machine;
    if (strlen(m) == n && strncmp(triple, m, n) == 0) return true;
    return strcmp(m, "aarch64") == 0 && n == 5 && strncmp(triple, "arm64", 5) == 0;
}

/* nostos run: build into $XDG_CACHE_HOME/nostos (or ~/.cache/nostos) keyed by a hash of the
 * sources and the compiler, then exec the program. */
static int run_cmd(opts_t *o) {
    if (!o->input) {
        usage(stderr);
        return 2;
    }
    if (o->target && !target_is_host(o->target)) {
        fprintf(stderr,
                "nostos run: --target %s builds for another machine; use `nostos build FILE --target %s -o app`\n"
                "and run the program there (or under qemu-%.*s-static)\n",
                o->target, o->target, (int)strcspn(o->target, "-"), o->target);
        return 2;
    }
    session_t s;
    fe_init(&s);
    int rc = frontend_stage(&s, o);
    if (rc != 0) {
        fe_free(&s);
        return rc < 0 ? 0 : rc;
    }
    /* Key: sources + the options that change the program + the compiler binary's identity. */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    struct stat st;
    uint64_t key = s.source_hash ^ ((uint64_t)o->opt * 0x9E3779B97F4A7C15ull) ^ (o->is_static ? 0xC2B2AE3D27D4EB4Full : 0);
    if (stat(exe, &st) == 0) {
        key ^= (uint64_t)st.st_mtime * 1000003u + (uint64_t)st.st_size;
        key *= 1099511628211ull;
    }
    char rtlib[PATH_MAX + 32];
    snprintf(rtlib, sizeof rtlib, "%s/libnostos_rt.a", self_dir());
    if (stat(rtlib, &st) == 0) key ^= (uint64_t)st.st_mtime * 7919u + (uint64_t)st.st_size;
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char dir[PATH_MAX];
    if (xdg && *xdg) snprintf(dir, sizeof dir, "%s/nostos", xdg);
    else if (home && *home) snprintf(dir, sizeof dir, "%s/.cache/nostos", home);
    else snprintf(dir, sizeof dir, "/tmp/nostos-cache-%d", (int)getuid());
    char prog[PATH_MAX + 64];
    if (mkdirs(dir) != 0) snprintf(dir, sizeof dir, "/tmp");
    snprintf(prog, sizeof prog, "%s/%016llx", dir, (unsigned long long)key);
    if (access(prog, X_OK) != 0) {
        emit_opts_t eo = {0};
        eo.triple = o->target;
        eo.opt_level = o->opt;
        eo.is_static = o->is_static;
        eo.rt_dir = self_dir();
        eo.kind = EMIT_EXE;
        char tmp[PATH_MAX + 80];
        snprintf(tmp, sizeof tmp, "%s.tmp%d", prog, (int)getpid());
        eo.out = tmp;
        rc = emit_program(&s.prog, &eo);
        if (s.diag.nerrors) diag_print(&s.diag, stderr);
        if (rc != 0) {
            unlink(tmp);
            fe_free(&s);
            return rc;
        }
        if (rename(tmp, prog) != 0) {
            fprintf(stderr, "nostos: cannot write %s: %s\n", prog, strerror(errno));
            fe_free(&s);
            return 1;
        }
    }
    fe_free(&s);
    char **av = xmalloc(sizeof(char *) * (size_t)(o->prog_argc + 2));
    av[0] = (char *)o->input;
    for (int i = 0; i < o->prog_argc; i++) av[i + 1] = o->prog_argv[i];
    av[o->prog_argc + 1] = NULL;
    fflush(stdout);
    execv(prog, av);
    fprintf(stderr, "nostos: cannot run %s: %s\n", prog, strerror(errno));
    return 1;
}

int driver_main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    opts_t o = {0};
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("nostos %s\n", NOSTOS_VERSION);
        return 0;
    }
    if (strcmp(cmd, "bench") == 0) return bench_main(argc - 1, argv + 1);
    if (strcmp(cmd, "build") == 0) {
        int rc = parse_opts(argc, argv, 2, &o, false);
        return rc ? rc : build(&o, NULL);
    }
    if (strcmp(cmd, "check") == 0) {
        int rc = parse_opts(argc, argv, 2, &o, false);
        if (rc) return rc;
        if (!o.input) {
            usage(stderr);
            return 2;
        }
        if (!o.emit) o.emit = "types-quiet";
        session_t s;
        fe_init(&s);
        fe_load_prelude(&s);
        rc = fe_load_path(&s, o.input) && fe_check(&s) ? 0 : 1;
        diag_print(&s.diag, stderr);
        fe_free(&s);
        return rc;
    }
    if (strcmp(cmd, "--list-targets") == 0) {
        emit_list_targets(stdout);
        return 0;
    }
    int first = strcmp(cmd, "run") == 0 ? 2 : 1;
    /* `nostos FILE --emit=...` behaves like build for the stages that print. */
    int rc = parse_opts(argc, argv, first, &o, true);
    if (rc) return rc;
    if (o.emit) return build(&o, NULL);
    return run_cmd(&o);
}
