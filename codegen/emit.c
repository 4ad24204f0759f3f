/*
 * emit.c - LLVM module creation, optimization, object emission and linking.
 */
#include "emit.h"

#include "cg.h"
#include "mono.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void init_llvm(void) {
    static bool done;
    if (done) return;
    done = true;
    LLVMInitializeAllTargetInfos();
    LLVMInitializeAllTargets();
    LLVMInitializeAllTargetMCs();
    LLVMInitializeAllAsmPrinters();
    LLVMInitializeAllAsmParsers();
}

/* ---- targets ----------------------------------------------------------------------------------------------- */

/*
 * The targets nostos links programs for (docs/cross.md). A target's runtime archive,
 * libnostos_rt.a built for it, is looked up next to the compiler binary: the host's in that
 * directory itself, any other target's in the subdirectory named after it (for example
 * build/aarch64-linux-gnu/libnostos_rt.a, made by tools/setup-aarch64.sh). That directory's
 * deps/ holds the target's libraries that cannot be installed system-wide next to the
 * host's (deps/usr/lib/<triple>: libpq, libhttp_parser).
 * Code for any other target LLVM knows can still be written with --emit=ir|asm|obj.
 */
typedef struct target {
    const char *name;  /* what --target takes; Debian's multiarch name; the directory name */
    const char *arch;  /* LLVM's name of the architecture */
    const char *llvm;  /* the triple given to LLVM */
    const char *gcc;   /* GCC's driver for it (the linker when clang-19 is missing) */
    const char *setup; /* how to build its runtime, from the source tree */
} target_t;

static const target_t targets[] = {
    {"x86_64-linux-gnu", "x86_64", "x86_64-pc-linux-gnu", "x86_64-linux-gnu-gcc", "bash tools/setup.sh"},
    {"aarch64-linux-gnu", "aarch64", "aarch64-unknown-linux-gnu", "aarch64-linux-gnu-gcc",
     "bash tools/setup-aarch64.sh"},
};
#define NTARGETS (sizeof targets / sizeof targets[0])

/* The architecture part of a normalized triple, with LLVM's aliases folded. */
static void triple_arch(const char *norm, char *arch, size_t n) {
    size_t k = strcspn(norm, "-");
    snprintf(arch, n, "%.*s", (int)k, norm);
    if (strcmp(arch, "arm64") == 0) snprintf(arch, n, "aarch64");
    else if (strcmp(arch, "amd64") == 0) snprintf(arch, n, "x86_64");
}

/* The linkable target a --target value (NULL: the host) names, or NULL. Accepts the names
 * above and any spelling LLVM normalizes to the same architecture on linux-gnu. */
static const target_t *find_target(const char *triple) {
    char *norm = triple ? LLVMNormalizeTargetTriple(triple) : LLVMGetDefaultTargetTriple();
    char arch[64];
    triple_arch(norm, arch, sizeof arch);
    /* arch-vendor-os-env: the OS must be Linux, the C library glibc. */
    const char *rest = strchr(norm, '-');
    rest = rest ? strchr(rest + 1, '-') : NULL;
    bool linux_gnu = rest && strncmp(rest + 1, "linux", 5) == 0;
    if (linux_gnu) {
        const char *env = strchr(rest + 1, '-');
        linux_gnu = !env || strcmp(env + 1, "gnu") == 0;
    }
    LLVMDisposeMessage(norm);
    if (!linux_gnu) return NULL;
    for (size_t i = 0; i < NTARGETS; i++)
        if (strcmp(targets[i].arch, arch) == 0) return &targets[i];
    return NULL;
}

static bool is_host_target(const target_t *t) {
    char *host = LLVMGetDefaultTargetTriple();
    char arch[64];
    triple_arch(host, arch, sizeof arch);
    LLVMDisposeMessage(host);
    return strcmp(arch, t->arch) == 0;
}

/* Where target t's runtime lives, given the compiler's directory. */
static void target_dir(const target_t *t, const char *rt_dir, char *buf, size_t n) {
    if (!rt_dir) rt_dir = ".";
    int k = is_host_target(t) ? snprintf(buf, n, "%s", rt_dir) : snprintf(buf, n, "%s/%s", rt_dir, t->name);
    if (k < 0 || (size_t)k >= n) snprintf(buf, n, "."); /* a path this long cannot be ours */
}

static bool have(const char *prog);

/* The link driver for t: argv words (at most 3) to start the command with; false if none. */
static bool link_driver(const target_t *t, const char **w, int *nw) {
    *nw = 0;
    if (is_host_target(t)) {
        const char *cc = have("clang-19") ? "clang-19" : "cc";
        w[(*nw)++] = cc;
        if (strcmp(cc, "clang-19") == 0 && have("ld.lld-19")) w[(*nw)++] = "-fuse-ld=lld";
        return true;
    }
    if (have("clang-19") && have("ld.lld-19")) {
        static char tflag[80];
        snprintf(tflag, sizeof tflag, "--target=%s", t->name);
        w[(*nw)++] = "clang-19";
        w[(*nw)++] = tflag;
        w[(*nw)++] = "-fuse-ld=lld";
        return true;
    }
    if (have(t->gcc)) {
        w[(*nw)++] = t->gcc;
        return true;
    }
    return false;
}

/* The directory of the running compiler (where the host's runtime is). */
static const char *compiler_dir(void) {
    static char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return ".";
    buf[n] = 0;
    char *slash = strrchr(buf, '/');
    if (slash) *slash = 0;
    return buf;
}

void emit_list_targets(FILE *out) {
    init_llvm();
    const char *dir = compiler_dir();
    fprintf(out, "Targets `nostos build --target TRIPLE` links programs for:\n");
    for (size_t i = 0; i < NTARGETS; i++) {
        const target_t *t = &targets[i];
        char tdir[4096], rt[4200];
        target_dir(t, dir, tdir, sizeof tdir);
        snprintf(rt, sizeof rt, "%s/libnostos_rt.a", tdir);
        const char *w[3];
        int nw;
        bool rt_ok = access(rt, R_OK) == 0, ld_ok = link_driver(t, w, &nw);
        fprintf(out, "  %-18s %-6s %s\n", t->name, is_host_target(t) ? "(host)" : "",
                rt_ok && ld_ok ? "ready" : "not ready");
        fprintf(out, "      runtime: %s%s\n", rt, rt_ok ? "" : " (missing)");
        if (!rt_ok) fprintf(out, "      build it: BUILD=%s %s   (in the Nostos source tree)\n", dir, t->setup);
        if (ld_ok) fprintf(out, "      linker:  %s%s%s\n", w[0], nw > 1 ? " " : "", nw > 1 ? w[nw - 1] : "");
        else fprintf(out, "      linker:  none found (install clang-19 and lld-19, or %s)\n", t->gcc);
    }
    char *host = LLVMGetDefaultTargetTriple();
    fprintf(out, "Other LLVM targets: --emit=ir|asm|obj only (host triple: %s).\n", host);
    LLVMDisposeMessage(host);
}

static bool is_host_triple(const char *t) {
    if (!t) return true;
    const target_t *k = find_target(t);
    return k && is_host_target(k);
}

static LLVMTargetMachineRef make_tm(const char *triple, int opt, char **err) {
    init_llvm();
    /* Linkable targets get their canonical LLVM triple; others go to LLVM as given. */
    const target_t *known = triple ? find_target(triple) : NULL;
    char *tr = triple ? strdup(known ? known->llvm : triple) : LLVMGetDefaultTargetTriple();
    LLVMTargetRef target;
    if (LLVMGetTargetFromTriple(tr, &target, err)) {
        if (triple) free(tr);
        else LLVMDisposeMessage(tr);
        return NULL;
    }
    char *cpu = NULL, *feat = NULL;
    bool host = is_host_triple(triple);
    if (host) {
        cpu = LLVMGetHostCPUName();
        feat = LLVMGetHostCPUFeatures();
    }
    LLVMCodeGenOptLevel lv = opt <= 0 ? LLVMCodeGenLevelNone : opt == 1 ? LLVMCodeGenLevelLess
                             : opt == 2 ? LLVMCodeGenLevelDefault : LLVMCodeGenLevelAggressive;
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, tr, host ? cpu : "generic", host ? feat : "", lv,
                                                      LLVMRelocPIC, LLVMCodeModelDefault);
    if (cpu) LLVMDisposeMessage(cpu);
    if (feat) LLVMDisposeMessage(feat);
    if (triple) free(tr);
    else LLVMDisposeMessage(tr);
    return tm;
}

static int run(char *const argv[], bool verbose) {
    if (verbose) {
        for (int i = 0; argv[i]; i++) fprintf(stderr, "%s%s", i ? " " : "", argv[i]);
        fputc('\n', stderr);
    }
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool have(const char *prog) {
    const char *path = getenv("PATH");
    if (!path) path = "/usr/bin:/bin";
    char buf[4096];
    const char *p = path;
    while (*p) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, prog);
        if (access(buf, X_OK) == 0) return true;
        p = e ? e + 1 : p + n;
    }
    return false;
}

/* Runs argv with stdout into buf (NUL-terminated; stderr dropped), PKG_CONFIG_LIBDIR set to
 * pc_libdir if not NULL. Returns the exit status, -1 if it could not run. */
static int capture(char *const argv[], const char *pc_libdir, char *buf, size_t n) {
    int fd[2];
    if (n == 0 || pipe(fd) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        int dn = open("/dev/null", O_WRONLY);
        if (dn >= 0) dup2(dn, 2);
        if (pc_libdir) {
            setenv("PKG_CONFIG_LIBDIR", pc_libdir, 1);
            unsetenv("PKG_CONFIG_PATH");
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd[0], buf + len, n - 1 - len);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        len += (size_t)r;
        if (len == n - 1) break;
    }
    buf[len] = 0;
    close(fd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * The libraries the runtime uses, for a static link. A library whose natives prefix is set
 * is linked only when the program calls one of those natives (with a static link, the
 * runtime archive's member that uses the library is then not pulled in at all).
 */
typedef struct rt_lib {
    const char *what;     /* for messages */
    const char *pc;       /* pkg-config module giving the static link flags, or NULL */
    const char *fallback; /* the flags when pkg-config cannot tell */
    const char *natives;  /* prefix of the natives that need it; NULL: every program */
    const char *runtime;  /* Debian's package of the shared library (for the hint) */
} rt_lib_t;

static const rt_lib_t rt_libs[] = {
    {"the garbage collector (libgc)", "bdw-gc", "-lgc -lpthread -ldl", NULL, "libgc1"},
    {"libuv", "libuv-static", "-luv_a -lpthread -ldl -lrt", NULL, "libuv1"},
    {"the HTTP server's parser (libhttp_parser)", NULL, "-lhttp_parser", NULL, "libhttp-parser2.9"},
    {"the HTTP client (libcurl)", "libcurl", "-lcurl", "nos_http_", "libcurl4"},
    {"the PostgreSQL client (libpq)", "libpq", "-lpq", "nos_pg_", "libpq5"},
};

/* Does the module call a function (a declaration) whose name starts with prefix? */
static bool module_uses(LLVMModuleRef mod, const char *prefix) {
    size_t k = strlen(prefix);
    for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f)) {
        if (!LLVMIsDeclaration(f)) continue;
        size_t len;
        const char *name = LLVMGetValueName2(f, &len);
        if (len >= k && strncmp(name, prefix, k) == 0) return true;
    }
    return false;
}

#define MAX_ARGS 160
#define MAX_DIRS 24

typedef struct link_cmd {
    const char *argv[MAX_ARGS + 1];
    int n;
    char words[8192]; /* storage of words made here (from pkg-config) */
    size_t used;
    const char *dirs[MAX_DIRS]; /* library search directories, for the static check */
    int ndirs;
} link_cmd_t;

static void arg(link_cmd_t *c, const char *a) {
    if (c->n < MAX_ARGS) c->argv[c->n++] = a;
}

static const char *keep(link_cmd_t *c, const char *s, size_t len) {
    if (c->used + len + 1 > sizeof c->words) return NULL;
    char *d = c->words + c->used;
    memcpy(d, s, len);
    d[len] = 0;
    c->used += len + 1;
    return d;
}

static void add_dir(link_cmd_t *c, const char *d) {
    if (c->ndirs < MAX_DIRS && d && access(d, X_OK) == 0) c->dirs[c->ndirs++] = d;
}

/* Is the archive of "-lNAME" / "-l:FILE" in one of the search directories? */
static bool find_archive(link_cmd_t *c, const char *lflag, char *name, size_t n) {
    if (lflag[2] == ':') snprintf(name, n, "%s", lflag + 3);
    else snprintf(name, n, "lib%s.a", lflag + 2);
    for (int i = 0; i < c->ndirs; i++) {
        char path[4600];
        snprintf(path, sizeof path, "%s/%s", c->dirs[i], name);
        if (access(path, R_OK) == 0) return true;
    }
    return false;
}

/*
 * Appends the static link flags of library l to c. When an archive they name is not
 * installed, prints which and why and returns false.
 */
static bool static_lib(link_cmd_t *c, const rt_lib_t *l, const target_t *t, bool host, const char *pc_libdir) {
    char out[4096] = "";
    bool from_pc = false;
    if (l->pc && have("pkg-config")) {
        char *pv[] = {"pkg-config", "--static", "--libs", (char *)l->pc, NULL};
        from_pc = capture(pv, host ? NULL : pc_libdir, out, sizeof out) == 0;
    }
    if (!from_pc) snprintf(out, sizeof out, "%s", l->fallback);
    /* First the -L directories, then the archives. */
    for (const char *p = out; *p;) {
        p += strspn(p, " \t\n");
        size_t k = strcspn(p, " \t\n");
        if (k > 2 && strncmp(p, "-L", 2) == 0) {
            const char *d = keep(c, p + 2, k - 2);
            add_dir(c, d);
            arg(c, keep(c, p, k));
        }
        p += k;
    }
    char missing[1024] = "";
    bool krb5 = false;
    for (const char *p = out; *p;) {
        p += strspn(p, " \t\n");
        size_t k = strcspn(p, " \t\n");
        if (k == 0) break;
        const char *w = keep(c, p, k);
        p += k;
        if (!w || strncmp(w, "-L", 2) == 0) continue;
        if (strncmp(w, "-l", 2) == 0) {
            char name[256];
            if (!find_archive(c, w, name, sizeof name) && !strstr(missing, name)) {
                snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s", *missing ? ", " : "", name);
                if (strcmp(name, "libgssapi_krb5.a") == 0) krb5 = true;
            }
        }
        arg(c, w);
    }
    if (!*missing) return true;
    fprintf(stderr, "nostos: --static: this program needs %s, which cannot be linked statically for %s:\n"
                    "  no static archive of %s is installed\n",
            l->what, t->name, missing);
    if (krb5)
        fprintf(stderr, "  (Debian builds it with Kerberos (GSSAPI) support and ships no static Kerberos library:\n"
                        "  libkrb5-dev has no libgssapi_krb5.a, so installing more -dev packages does not help)\n");
    fprintf(stderr, "  build without --static: the program then needs the shared library (Debian: %s%s)\n"
                    "  on the machine it runs on\n",
            l->runtime, host ? "" : ", for that machine's architecture");
    return false;
}

/* Links obj with target t's runtime into o->out. mod is the program (for --static). */
static int link_exe(const char *obj, emit_opts_t *o, LLVMModuleRef mod) {
    const target_t *t = find_target(o->triple);
    if (!t) {
        fprintf(stderr, "nostos: cannot link programs for '%s'; `nostos build --list-targets` shows the targets "
                        "that link (any LLVM target works with --emit=ir, asm or obj)\n",
                o->triple);
        return 1;
    }
    bool host = is_host_target(t);
    char tdir[4096], rt[4200];
    target_dir(t, o->rt_dir, tdir, sizeof tdir);
    snprintf(rt, sizeof rt, "%s/libnostos_rt.a", tdir);
    if (access(rt, R_OK) != 0) {
        if (host) fprintf(stderr, "nostos: runtime library not found: %s\n", rt);
        else
            fprintf(stderr, "nostos: the runtime for %s is not built: %s is missing\n"
                            "  build it in the Nostos source tree with: BUILD=%s %s\n"
                            "  (docs/cross.md; `nostos build --list-targets` shows what is ready)\n",
                    t->name, rt, o->rt_dir ? o->rt_dir : ".", t->setup);
        return 1;
    }
    link_cmd_t *c = calloc(1, sizeof *c);
    if (!c) return 1;
    const char *w[3];
    int nw;
    if (!link_driver(t, w, &nw)) {
        fprintf(stderr, "nostos: no linker for %s: install clang-19 and lld-19, or %s\n", t->name, t->gcc);
        free(c);
        return 1;
    }
    for (int i = 0; i < nw; i++) arg(c, w[i]);
    bool x86 = strcmp(t->arch, "x86_64") == 0;
    if (o->is_static) arg(c, "-static");
    arg(c, "-Wl,-z,now");
    /* A thunk that calls ordinary C asks for this much stack (Boehm's allocator alone may
     * use ~25 KiB below its caller; lld's default is 16 KiB). x86-64 only: split stacks. */
    if (x86) arg(c, "-Wl,--split-stack-adjust-size=65536");
    if (!o->is_static) arg(c, "-Wl,--as-needed"); /* programs without HTTP or PostgreSQL load neither library */
    arg(c, "-o");
    arg(c, o->out);
    arg(c, obj);
    /* The target's libraries that could not be installed system-wide (tools/setup-aarch64.sh). */
    char deps[4400], pc_libdir[9000];
    snprintf(deps, sizeof deps, "%s/deps/usr/lib/%s", tdir, t->name);
    snprintf(pc_libdir, sizeof pc_libdir, "%s/pkgconfig:/usr/lib/%s/pkgconfig:/usr/share/pkgconfig", deps, t->name);
    bool have_deps = !host && access(deps, X_OK) == 0;
    char ldeps[4410];
    snprintf(ldeps, sizeof ldeps, "-L%s", deps);
    if (have_deps) arg(c, ldeps);
    int rc = 0;
    if (!o->is_static) {
        arg(c, rt);
        static const char *const dyn[] = {"-lgc", "-luv", "-lcurl", "-lpq", "-lhttp_parser", "-lpthread", "-lm"};
        for (size_t i = 0; i < sizeof dyn / sizeof dyn[0]; i++) arg(c, dyn[i]);
    } else {
        /* Where the archives may be: the target's deps, then its multiarch directories. */
        static char d[6][128];
        if (have_deps) add_dir(c, deps);
        snprintf(d[0], sizeof d[0], "/usr/local/lib/%s", t->name);
        snprintf(d[1], sizeof d[1], "/lib/%s", t->name);
        snprintf(d[2], sizeof d[2], "/usr/lib/%s", t->name);
        snprintf(d[3], sizeof d[3], "/usr/%s/lib", t->name);
        snprintf(d[4], sizeof d[4], "/usr/local/lib");
        snprintf(d[5], sizeof d[5], "/usr/lib");
        for (int i = 0; i < 6; i++)
            if (host ? i != 3 : i < 4) add_dir(c, d[i]);
        arg(c, "-Wl,--start-group");
        arg(c, rt);
        for (size_t i = 0; i < sizeof rt_libs / sizeof rt_libs[0]; i++) {
            const rt_lib_t *l = &rt_libs[i];
            if (l->natives && !module_uses(mod, l->natives)) continue;
            if (!static_lib(c, l, t, host, pc_libdir)) rc = 1;
        }
        arg(c, "-lpthread");
        arg(c, "-lm");
        arg(c, "-Wl,--end-group");
    }
    if (rc == 0 && c->n >= MAX_ARGS) {
        fprintf(stderr, "nostos: internal error: link command too long\n");
        rc = 1;
    }
    if (rc == 0) {
        c->argv[c->n] = NULL;
        int st = run((char *const *)c->argv, o->verbose);
        if (st != 0) {
            fprintf(stderr, "nostos: linking failed (%s exited with %d)\n", c->argv[0], st);
            rc = 1;
        }
    }
    free(c);
    return rc;
}

int emit_program(program_t *p, emit_opts_t *o) {
    init_llvm();
    char *err = NULL;
    LLVMTargetMachineRef tm = make_tm(o->triple, o->opt_level, &err);
    if (!tm) {
        fprintf(stderr, "nostos: unknown target '%s': %s\n", o->triple ? o->triple : "host", err ? err : "");
        if (err) LLVMDisposeMessage(err);
        return 1;
    }
    mono_t m;
    mono_init(&m, p);
    cg_t g;
    memset(&g, 0, sizeof g);
    g.p = p;
    g.m = &m;
    g.tc = p->tc;
    g.d = p->diag;
    g.ctx = LLVMContextCreate();
    g.mod = LLVMModuleCreateWithNameInContext("nostos", g.ctx);
    g.b = LLVMCreateBuilderInContext(g.ctx);
    char *tr = LLVMGetTargetMachineTriple(tm);
    LLVMSetTarget(g.mod, tr);
    LLVMDisposeMessage(tr);
    LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
    char *dl = LLVMCopyStringRepOfTargetData(td);
    LLVMSetDataLayout(g.mod, dl);
    LLVMDisposeMessage(dl);
    LLVMDisposeTargetData(td);

    {
        char *t = LLVMGetTargetMachineTriple(tm);
        bool x86 = strncmp(t, "x86_64", 6) == 0, a64 = strncmp(t, "aarch64", 7) == 0;
        LLVMDisposeMessage(t);
        /* The runtime's stacks grow through split-stack prologues; loops poll for preemption
         * (rt/sched_internal.h). On aarch64 functions check the stack limit at entry instead.
         * NOSTOS_NO_SPLIT_STACK=1 turns all of them off for experiments. */
        bool off = getenv("NOSTOS_NO_SPLIT_STACK") != NULL;
        g.split_stack = x86 && !off;
        g.preempt_checks = (x86 || a64) && !off;
        g.tls_stack_limit = a64 && !off;
    }
    int rc = 0;
    if (!cg_program(&g)) {
        rc = 1;
        goto out;
    }
    if (LLVMVerifyModule(g.mod, LLVMReturnStatusAction, &err)) {
        fprintf(stderr, "nostos: internal error: invalid LLVM IR generated:\n%s\n", err);
        if (getenv("NOSTOS_DUMP_BAD_IR")) LLVMDumpModule(g.mod);
        rc = 1;  /* err is disposed at out */
        goto out;
    }
    if (err) {
        LLVMDisposeMessage(err);
        err = NULL;
    }
    if (o->opt_level > 0) {
        LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
        char passes[32];
        snprintf(passes, sizeof passes, "default<O%d>", o->opt_level > 3 ? 3 : o->opt_level);
        LLVMErrorRef e = LLVMRunPasses(g.mod, passes, tm, po);
        LLVMDisposePassBuilderOptions(po);
        if (e) {
            char *msg = LLVMGetErrorMessage(e);
            fprintf(stderr, "nostos: optimizer failed: %s\n", msg);
            LLVMDisposeErrorMessage(msg);
            rc = 1;
            goto out;
        }
    }
    if (o->kind == EMIT_IR) {
        if (strcmp(o->out, "-") == 0) {
            char *s = LLVMPrintModuleToString(g.mod);
            fputs(s, stdout);
            LLVMDisposeMessage(s);
        } else if (LLVMPrintModuleToFile(g.mod, o->out, &err)) {
            fprintf(stderr, "nostos: cannot write %s: %s\n", o->out, err);
            rc = 1;
        }
        goto out;
    }
    if (o->kind == EMIT_ASM && strcmp(o->out, "-") == 0) {
        LLVMMemoryBufferRef buf;
        if (LLVMTargetMachineEmitToMemoryBuffer(tm, g.mod, LLVMAssemblyFile, &err, &buf)) {
            fprintf(stderr, "nostos: code generation failed: %s\n", err);
            rc = 1;
            goto out;
        }
        fwrite(LLVMGetBufferStart(buf), 1, LLVMGetBufferSize(buf), stdout);
        LLVMDisposeMemoryBuffer(buf);
        goto out;
    }
    {
        char objpath[4096];
        if (o->kind == EMIT_EXE) {
            snprintf(objpath, sizeof objpath, "%s.o.XXXXXX", o->out);
            int fd = mkstemp(objpath);
            if (fd < 0) {
                snprintf(objpath, sizeof objpath, "/tmp/nostos-XXXXXX");
                fd = mkstemp(objpath);
            }
            if (fd < 0) {
                fprintf(stderr, "nostos: cannot create a temporary file: %s\n", strerror(errno));
                rc = 1;
                goto out;
            }
            close(fd);
        } else {
            snprintf(objpath, sizeof objpath, "%s", o->out);
        }
        if (LLVMTargetMachineEmitToFile(tm, g.mod, objpath, o->kind == EMIT_ASM ? LLVMAssemblyFile : LLVMObjectFile, &err)) {
            fprintf(stderr, "nostos: code generation failed: %s\n", err);
            rc = 1;
            if (o->kind == EMIT_EXE) unlink(objpath);
            goto out;
        }
        if (o->kind == EMIT_EXE) {
            rc = link_exe(objpath, o, g.mod);
            unlink(objpath);
        }
    }
out:
    if (err) LLVMDisposeMessage(err);
    LLVMDisposeBuilder(g.b);
    LLVMDisposeModule(g.mod);
    LLVMContextDispose(g.ctx);
    LLVMDisposeTargetMachine(tm);
    free(g.descs);
    free(g.rtfns.items);
    free(g.locals.items);
    free(g.fnenvs.items);
    free(g.tries.items);
    return rc;
}
