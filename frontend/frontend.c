/*
 * frontend.c - loading sources (files, project directories, the embedded
 * prelude), parsing them and running sema.
 */
#include "frontend.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct prelude_file {
    const char *name;
    const char *text;
    size_t len;
};
extern const struct prelude_file prelude_files[];

void fe_init(session_t *s) {
    memset(s, 0, sizeof *s);
    arena_init(&s->arena);
    symtab_init(&s->syms, &s->arena);
    diag_init(&s->diag);
    ty_ctx_init(&s->tc, &s->arena, &s->syms);
    s->prog.arena = &s->arena;
    s->prog.syms = &s->syms;
    s->prog.diag = &s->diag;
    s->prog.tc = &s->tc;
    s->source_hash = 1469598103934665603ull;
}

void fe_free(session_t *s) {
    vec_free(&s->prog.asts);
    vec_free(&s->prog.fns);
    vec_free(&s->prog.globals);
    vec_free(&s->prog.types);
    vec_free(&s->user_files);
    diag_free(&s->diag);
    symtab_free(&s->syms);
    arena_free(&s->arena);
}

static void mix(session_t *s, const char *p, size_t n) {
    s->source_hash ^= hash_bytes(p, n);
    s->source_hash *= 1099511628211ull;
}

void fe_load_prelude(session_t *s) {
    for (int i = 0; prelude_files[i].name; i++) {
        char path[256];
        snprintf(path, sizeof path, "<prelude>/%s", prelude_files[i].name);
        uint32_t f = diag_add_file(&s->diag, path, prelude_files[i].text, prelude_files[i].len);
        mix(s, prelude_files[i].text, prelude_files[i].len);
        module_ast_t *m = parse_file(&s->arena, &s->syms, &s->diag, f);
        if (m) vec_push(&s->prog.asts, m);
    }
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, r;
    char *buf = xmalloc(cap);
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) buf = xrealloc(buf, cap *= 2);
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

uint32_t fe_add_source(session_t *s, const char *name, const char *text, size_t len, const char *module) {
    uint32_t f = diag_add_file(&s->diag, name, text, len);
    source_t *src = diag_file(&s->diag, f);
    src->module = module ? arena_strndup(&s->arena, module, strlen(module)) : "";
    mix(s, text, len);
    vec_push(&s->user_files, f);
    return f;
}

static bool add_file(session_t *s, const char *path, const char *module) {
    size_t len;
    char *text = slurp(path, &len);
    if (!text) {
        span_t none = {UINT32_MAX, 0, 0};
        diag_error(&s->diag, none, "cannot read %s: %s", path, strerror(errno));
        return false;
    }
    fe_add_source(s, path, text, len, module);
    free(text);
    return true;
}

typedef VEC(char *) strvec_t;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void collect_dir(const char *root, const char *rel, strvec_t *out, int depth) {
    if (depth > 32) return;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char r[4096];
        snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", root, r);
        struct stat st;
        if (stat(full, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) collect_dir(root, r, out, depth + 1);
        else {
            size_t n = strlen(r);
            if (n > 4 && strcmp(r + n - 4, ".nos") == 0) vec_push(out, xstrdup(r));
        }
    }
    closedir(d);
}

bool fe_load_path(session_t *s, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        span_t none = {UINT32_MAX, 0, 0};
        diag_error(&s->diag, none, "cannot read %s: %s", path, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) return add_file(s, path, "");
    /* A project directory: main.nos is the top level; other files are modules. */
    strvec_t files = {0};
    collect_dir(path, "", &files, 0);
    qsort(files.items, (size_t)files.len, sizeof(char *), cmp_str);
    bool has_main = false, ok = true;
    for (int i = 0; i < files.len; i++)
        if (strcmp(files.items[i], "main.nos") == 0) has_main = true;
    if (!has_main) {
        span_t none = {UINT32_MAX, 0, 0};
        diag_error(&s->diag, none, "%s: a project directory needs a main.nos", path);
        ok = false;
    }
    for (int i = 0; i < files.len && ok; i++) {
        char *r = files.items[i];
        if (strcmp(r, "main.nos") == 0) continue;
        char mod[4096];
        snprintf(mod, sizeof mod, "%.*s", (int)(strlen(r) - 4), r);
        for (char *c = mod; *c; c++)
            if (*c == '/') *c = '.';
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", path, r);
        ok = add_file(s, full, mod) && ok;
    }
    if (ok) {
        char full[8192];
        snprintf(full, sizeof full, "%s/main.nos", path);
        ok = add_file(s, full, "");
    }
    for (int i = 0; i < files.len; i++) free(files.items[i]);
    vec_free(&files);
    return ok;
}

bool fe_check(session_t *s) {
    for (int i = 0; i < s->user_files.len; i++) {
        module_ast_t *m = parse_file(&s->arena, &s->syms, &s->diag, s->user_files.items[i]);
        if (m) vec_push(&s->prog.asts, m);
    }
    if (s->diag.nerrors) return false;
    return sema_check(&s->prog);
}
