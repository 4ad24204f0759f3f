/*
 * bench_run.c - one measured run of a whole process for `nostos bench`.
 *
 * Why a runner: Linux records the peak RSS of the process image an exec replaces as the new
 * program's starting peak, and this compiler maps some 48 MiB of LLVM. A child spawned from
 * here would report at least that much. So bench_run_init compiles a tiny C runner (with the
 * compiler `nostos build` links with), and every measured program is started through it: the
 * runner forks, execs the program, reaps it with wait4 and writes status, wall time, user and
 * system CPU and peak RSS to its fd 3. The runner itself is small, so the figure is the
 * program's own (within about 0.2 MiB). Without a C compiler the harness spawns directly and
 * says that peak RSS includes its own.
 *
 * The runner is started with posix_spawn in a process group of its own (the program inherits
 * it), stdin from /dev/null, stdout and stderr into anonymous temporary files, so a chatty
 * child can never block on a full pipe. We wait on a pidfd with poll so that a timeout can
 * kill the whole group.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define OUT_MAX (1 << 20)
#define ERR_TAIL 4096

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double tv_ms(struct timeval tv) { return (double)tv.tv_sec * 1e3 + (double)tv.tv_usec / 1e3; }

/* The environment with env_add applied: an entry replaces one of the same name. */
static char **merged_env(char *const *add) {
    size_t n = 0, k = 0;
    while (environ[n]) n++;
    while (add && add[k]) k++;
    char **env = calloc(n + k + 1, sizeof *env);
    if (!env) return NULL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        bool replaced = false;
        for (size_t j = 0; j < k && !replaced; j++) {
            const char *eq = strchr(add[j], '=');
            size_t len = eq ? (size_t)(eq - add[j]) : strlen(add[j]);
            replaced = strncmp(environ[i], add[j], len) == 0 && environ[i][len] == '=';
        }
        if (!replaced) env[m++] = environ[i];
    }
    for (size_t j = 0; j < k; j++) env[m++] = add[j];
    env[m] = NULL;
    return env;
}

/* A temporary file that disappears when closed. */
static int anon_file(void) {
    FILE *f = tmpfile();
    if (!f) return -1;
    int fd = dup(fileno(f));
    fclose(f);
    return fd;
}

/* Reads the whole file (from offset 0) or its last `tail` bytes when tail > 0; at most max. */
static char *slurp(int fd, size_t max, size_t tail) {
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 0) size = 0;
    off_t from = 0;
    if (tail && (size_t)size > tail) from = size - (off_t)tail;
    size_t want = (size_t)(size - from);
    if (want > max) want = max;
    char *buf = malloc(want + 1);
    if (!buf) return NULL;
    size_t got = 0;
    while (got < want) {
        ssize_t r = pread(fd, buf + got, want - got, from + (off_t)got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    buf[got] = 0;
    return buf;
}

static int pidfd_open_compat(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

static const char runner_src[] =
    "#define _GNU_SOURCE\n"
    "#include <errno.h>\n#include <stdio.h>\n#include <sys/resource.h>\n#include <sys/wait.h>\n"
    "#include <time.h>\n#include <unistd.h>\n"
    "int main(int argc, char **argv) {\n"
    "    if (argc < 2) return 127;\n"
    "    struct timespec t0, t1;\n"
    "    clock_gettime(CLOCK_MONOTONIC, &t0);\n"
    "    pid_t pid = fork();\n"
    "    if (pid < 0) return 126;\n"
    "    if (pid == 0) { close(3); execvp(argv[1], argv + 1); _exit(127); }\n"
    "    int st = 0; struct rusage ru;\n"
    "    while (wait4(pid, &st, 0, &ru) < 0) if (errno != EINTR) return 126;\n"
    "    clock_gettime(CLOCK_MONOTONIC, &t1);\n"
    "    long long ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);\n"
    "    dprintf(3, \"%d %lld %lld %lld %ld\\n\", st, ns,\n"
    "            (long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec,\n"
    "            (long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec, ru.ru_maxrss);\n"
    "    return 0;\n"
    "}\n";

static char runner_path[4096];

bool bench_run_init(const char *tmpdir) {
    char src[4096];
    snprintf(src, sizeof src, "%s/runner.c", tmpdir);
    snprintf(runner_path, sizeof runner_path, "%s/runner", tmpdir);
    FILE *f = fopen(src, "w");
    if (!f) return false;
    fputs(runner_src, f);
    fclose(f);
    const char *ccs[] = {"clang-19", "cc"};
    for (int k = 0; k < 2; k++) {
        for (int stat_link = 1; stat_link >= 0; stat_link--) {
            char *argv[] = {(char *)ccs[k], "-O2", stat_link ? "-static" : "-O2", "-o", runner_path, src, NULL};
            bench_proc_t p = {0};
            p.argv = argv;
            p.timeout_s = 120;
            int rc = bench_run_cmd(&p);
            bench_proc_free(&p);
            if (rc == 0) return true;
        }
    }
    runner_path[0] = 0;
    return false;
}

int bench_run_cmd(bench_proc_t *p) {
    p->status = 0;
    p->timed_out = p->spawn_failed = false;
    p->wall_ms = p->user_ms = p->sys_ms = 0;
    p->maxrss_kb = 0;
    p->out = p->err = NULL;

    int out_fd = anon_file();
    int err_fd = anon_file();
    bool via = p->measure && runner_path[0];
    int rep_fd = via ? anon_file() : -1;
    char *const *argv = p->argv;
    char **rargv = NULL;
    if (via) {
        size_t n = 0;
        while (p->argv[n]) n++;
        rargv = calloc(n + 2, sizeof *rargv);
        rargv[0] = runner_path;
        for (size_t k = 0; k < n; k++) rargv[k + 1] = p->argv[k];
        argv = rargv;
    }
    char **env = merged_env(p->env_add);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (out_fd >= 0) posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    if (err_fd >= 0) posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    if (rep_fd >= 0) posix_spawn_file_actions_adddup2(&fa, rep_fd, 3);
    if (p->cwd) posix_spawn_file_actions_addchdir_np(&fa, p->cwd);
    posix_spawnattr_setpgroup(&at, 0);
    /* The child starts with default signal dispositions and an empty mask. */
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    fflush(stdout);
    fflush(stderr);
    pid_t pid;
    double t0 = now_ms();
    int rc = strchr(argv[0], '/') ? posix_spawn(&pid, argv[0], &fa, &at, argv, env ? env : environ)
                                  : posix_spawnp(&pid, argv[0], &fa, &at, argv, env ? env : environ);
    free(rargv);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    free(env);
    if (rc != 0) {
        p->spawn_failed = true;
        char msg[512];
        snprintf(msg, sizeof msg, "cannot start %s: %s\n", p->argv[0], strerror(rc));
        p->err = strdup(msg);
        p->out = strdup("");
        if (out_fd >= 0) close(out_fd);
        if (err_fd >= 0) close(err_fd);
        if (rep_fd >= 0) close(rep_fd);
        return -1;
    }

    int pfd = pidfd_open_compat(pid);
    if (pfd >= 0 && p->timeout_s > 0) {
        double deadline = t0 + p->timeout_s * 1e3;
        for (;;) {
            double left = deadline - now_ms();
            if (left <= 0) {
                p->timed_out = true;
                kill(-pid, SIGKILL);
                break;
            }
            struct pollfd pf = {pfd, POLLIN, 0};
            int n = poll(&pf, 1, left > 1e9 ? 1000000000 : (int)left + 1);
            if (n > 0) break;
            if (n < 0 && errno != EINTR) break;
        }
    }
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    int st = 0;
    while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR) {
    }
    double t1 = now_ms();
    if (pfd >= 0) close(pfd);
    /* Whatever the program left behind in its group goes too. */
    kill(-pid, SIGKILL);

    p->status = st;
    p->wall_ms = t1 - t0;
    p->user_ms = tv_ms(ru.ru_utime);
    p->sys_ms = tv_ms(ru.ru_stime);
    p->maxrss_kb = ru.ru_maxrss;
    p->rss_includes_harness = !via;
    if (via && !p->timed_out) {
        /* The runner's report replaces its own figures; no report means it failed itself. */
        char *rep = slurp(rep_fd, 256, 0);
        int cst;
        long long ns, us_user, us_sys;
        long rss;
        if (rep && sscanf(rep, "%d %lld %lld %lld %ld", &cst, &ns, &us_user, &us_sys, &rss) == 5) {
            p->status = cst;
            p->wall_ms = (double)ns / 1e6;
            p->user_ms = (double)us_user / 1e3;
            p->sys_ms = (double)us_sys / 1e3;
            p->maxrss_kb = rss;
        } else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            p->status = 126 << 8; /* the runner ended without a report */
        }
        free(rep);
    }
    if (rep_fd >= 0) close(rep_fd);
    st = p->status;
    p->out = out_fd >= 0 ? slurp(out_fd, OUT_MAX, 0) : strdup("");
    p->err = err_fd >= 0 ? slurp(err_fd, ERR_TAIL, ERR_TAIL) : strdup("");
    if (out_fd >= 0) close(out_fd);
    if (err_fd >= 0) close(err_fd);
    if (!p->out) p->out = strdup("");
    if (!p->err) p->err = strdup("");
    return !p->timed_out && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

void bench_proc_free(bench_proc_t *p) {
    free(p->out);
    free(p->err);
    p->out = p->err = NULL;
}

const char *bench_describe_failure(const bench_proc_t *p) {
    static char buf[128];
    if (p->spawn_failed) snprintf(buf, sizeof buf, "could not start");
    else if (p->timed_out) snprintf(buf, sizeof buf, "timeout after %.0f s", p->timeout_s);
    else if (WIFSIGNALED(p->status))
        snprintf(buf, sizeof buf, "killed by signal %d (%s)", WTERMSIG(p->status), strsignal(WTERMSIG(p->status)));
    else if (WIFEXITED(p->status)) snprintf(buf, sizeof buf, "exit status %d", WEXITSTATUS(p->status));
    else snprintf(buf, sizeof buf, "ended abnormally");
    return buf;
}
