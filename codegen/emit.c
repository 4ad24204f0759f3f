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

void emit_list_targets(FILE *out) {
    init_llvm();
    char *host = LLVMGetDefaultTargetTriple();
    fprintf(out, "%s (host)\n", host);
    LLVMDisposeMessage(host);
    fprintf(out, "aarch64-linux-gnu\n");
}

static bool is_host_triple(const char *t) {
    if (!t) return true;
    char *host = LLVMGetDefaultTargetTriple();
    bool same = strcmp(host, t) == 0 || (strncmp(t, "x86_64", 6) == 0 && strncmp(host, "x86_64", 6) == 0);
    LLVMDisposeMessage(host);
    return same;
}

static LLVMTargetMachineRef make_tm(const char *triple, int opt, char **err) {
    init_llvm();
    char *tr = triple ? strdup(triple) : LLVMGetDefaultTargetTriple();
    LLVMTargetRef target;
    if (LLVMGetTargetFromTriple(tr, &target, err)) {
        free(tr);
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

static int link_exe(const char *obj, emit_opts_t *o) {
    char rt[4096];
    snprintf(rt, sizeof rt, "%s/libnostos_rt.a", o->rt_dir ? o->rt_dir : ".");
    if (access(rt, R_OK) != 0) {
        fprintf(stderr, "nostos: runtime library not found: %s\n", rt);
        return 1;
    }
    const char *cc = have("clang-19") ? "clang-19" : "cc";
    const char *argv[40];
    int n = 0;
    argv[n++] = cc;
    if (strcmp(cc, "clang-19") == 0 && have("ld.lld-19")) argv[n++] = "-fuse-ld=lld";
    if (o->is_static) argv[n++] = "-static";
    argv[n++] = "-Wl,-z,now";
    /* A thunk that calls ordinary C asks for this much stack (Boehm's allocator alone may
     * use ~25 KiB below its caller; lld's default is 16 KiB). */
    argv[n++] = "-Wl,--split-stack-adjust-size=65536";
    argv[n++] = "-Wl,--as-needed"; /* programs without HTTP or PostgreSQL load neither library */
    argv[n++] = "-o";
    argv[n++] = o->out;
    argv[n++] = obj;
    argv[n++] = rt;
    argv[n++] = "-lgc";
    argv[n++] = "-luv";
    argv[n++] = "-lcurl";
    argv[n++] = "-lpq";
    argv[n++] = "-lhttp_parser";
    argv[n++] = "-lpthread";
    argv[n++] = "-lm";
    argv[n] = NULL;
    int rc = run((char *const *)argv, o->verbose);
    if (rc != 0) {
        fprintf(stderr, "nostos: linking failed (%s exited with %d)\n", cc, rc);
        return 1;
    }
    return 0;
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
        bool x86 = strncmp(t, "x86_64", 6) == 0;
        LLVMDisposeMessage(t);
        /* The runtime's stacks grow through split-stack prologues; loops poll for preemption
         * (rt/sched_internal.h). NOSTOS_NO_SPLIT_STACK=1 turns both off for experiments. */
        bool off = getenv("NOSTOS_NO_SPLIT_STACK") != NULL;
        g.split_stack = x86 && !off;
        g.preempt_checks = x86 && !off;
    }
    int rc = 0;
    if (!cg_program(&g)) {
        rc = 1;
        goto out;
    }
    if (LLVMVerifyModule(g.mod, LLVMReturnStatusAction, &err)) {
        fprintf(stderr, "nostos: internal error: invalid LLVM IR generated:\n%s\n", err);
        if (getenv("NOSTOS_DUMP_BAD_IR")) LLVMDumpModule(g.mod);
        LLVMDisposeMessage(err);
        rc = 1;
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
            rc = link_exe(objpath, o);
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
