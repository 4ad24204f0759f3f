/*
 * harness.c - the runner: `sched_tests` runs every registered case, `sched_tests NAME...`
 * the named ones, each in a forked child with its timeout (scaled by
 * NOSTOS_TEST_TIMEOUT_MULT); `sched_tests --list` prints the names. The child's stdout and
 * stderr are captured, checked against the case's expectations and echoed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#define GC_THREADS
#include <gc/gc.h>

#include "harness.h"

#define MAX_CASES 256
static test_case_t cases[MAX_CASES];
static int ncases;
static const test_case_t *current;

void test_register(const char *name, nos_val_t (*fn)(void), int timeout_s, test_opts_t o)
{
    if (ncases < MAX_CASES)
        cases[ncases++] = (test_case_t){name, fn, timeout_s, o};
}

int64_t test_now_ms(void)
{
    return test_now_us() / 1000;
}

int64_t test_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

nos_closure_t *test_closure(void *fn, int nenv)
{
    nos_closure_t *c = GC_MALLOC(sizeof(nos_closure_t) + (size_t)nenv * sizeof(nos_val_t));
    c->fn = fn;
    return c;
}

nos_pid_t *test_spawn(void *fn, int nenv, ...)
{
    nos_closure_t *c = test_closure(fn, nenv);
    va_list ap;
    va_start(ap, nenv);
    for (int i = 0; i < nenv; i++)
        c->env[i] = va_arg(ap, nos_val_t);
    va_end(ap);
    return nos_spawn(c);
}

nos_val_t test_recv(const nos_type_t **type_out)
{
    nos_recv_t r;
    nos_recv_begin(&r, -1);
    nos_msg_t *m = nos_recv_next(&r);
    nos_val_t v = m->value;
    if (type_out)
        *type_out = m->type;
    nos_recv_take(&r, m);
    return v;
}

nos_val_t test_recv_match(int (*pred)(const nos_type_t *t, nos_val_t v, void *ctx), void *ctx,
                          int64_t timeout_ms, int *ok)
{
    nos_recv_t r;
    nos_recv_begin(&r, timeout_ms);
    for (;;) {
        nos_msg_t *m = nos_recv_next(&r);
        if (!m) {
            *ok = 0;
            return 0;
        }
        if (pred(m->type, m->value, ctx)) {
            nos_val_t v = m->value;
            nos_recv_take(&r, m);
            *ok = 1;
            return v;
        }
    }
}

void nos__gc_collect(void);

void test_force_gc(void)
{
    nos__gc_collect();
}

static nos_val_t case_entry(void)
{
    return current->fn();
}

typedef struct buf {
    char *p;
    size_t n, cap;
} buf_t;

static void drain(int fd, buf_t *b)
{
    char tmp[4096];
    for (;;) {
        ssize_t r = read(fd, tmp, sizeof tmp);
        if (r <= 0)
            return;
        if (b->n + (size_t)r + 1 > b->cap) {
            b->cap = (b->n + (size_t)r + 1) * 2;
            b->p = realloc(b->p, b->cap);
        }
        memcpy(b->p + b->n, tmp, (size_t)r);
        b->n += (size_t)r;
        b->p[b->n] = 0;
    }
}

/* Does text end with the line `line` (and its newline)? */
static int ends_with_line(const char *text, const char *line)
{
    size_t n = strlen(text), k = strlen(line);
    if (n < k + 1 || text[n - 1] != '\n' || memcmp(text + n - 1 - k, line, k) != 0)
        return 0;
    return n == k + 1 || text[n - 2 - k] == '\n';
}

static int run_case(const test_case_t *c)
{
    double mult = 1.0;
    const char *m = getenv("NOSTOS_TEST_TIMEOUT_MULT");
    if (m && atof(m) > 0)
        mult = atof(m);
    int out[2], err[2];
    if (pipe(out) || pipe(err)) {
        perror("pipe");
        return 1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(out[0]);
        close(err[0]);
        if (c->o.threads > 0) {
            char tb[16];
            snprintf(tb, sizeof tb, "%d", c->o.threads);
            setenv("NOSTOS_THREADS", tb, 1);
        }
        if (c->o.env)
            putenv((char *)c->o.env);
        current = c;
        char *argv[] = {(char *)c->name, NULL};
        nos_main(1, argv, NULL, case_entry, c->o.result_type ? c->o.result_type : &nos_type_unit);
        _exit(3);
    }
    close(out[1]);
    close(err[1]);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    buf_t ob = {calloc(1, 1), 0, 1}, eb = {calloc(1, 1), 0, 1};
    int64_t deadline = test_now_ms() + (int64_t)(c->timeout_s * 1000 * mult);
    int status = 0, timed_out = 0;
    for (;;) {
        struct pollfd pf[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
        poll(pf, 2, 5);
        drain(out[0], &ob);
        drain(err[0], &eb);
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (test_now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            timed_out = 1;
            break;
        }
    }
    drain(out[0], &ob);
    drain(err[0], &eb);
    close(out[0]);
    close(err[0]);
    const char *why = NULL;
    char whybuf[128];
    if (timed_out) {
        snprintf(whybuf, sizeof whybuf, "timed out after %d s", c->timeout_s);
        why = whybuf;
    } else if (WIFSIGNALED(status)) {
        snprintf(whybuf, sizeof whybuf, "signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
        why = whybuf;
    } else if (WEXITSTATUS(status) != c->o.expect_exit) {
        snprintf(whybuf, sizeof whybuf, "exit %d, expected %d", WEXITSTATUS(status),
                 c->o.expect_exit);
        why = whybuf;
    } else if (c->o.expect_out && !strstr(ob.p, c->o.expect_out)) {
        why = "expected stdout text missing";
    } else if (c->o.expect_err && !strstr(eb.p, c->o.expect_err)) {
        why = "expected stderr text missing";
    } else if (c->o.expect_last && !ends_with_line(ob.p, c->o.expect_last)) {
        why = "stdout does not end with the expected line";
    }
    if (why) {
        fprintf(stderr, "FAIL %s: %s\n", c->name, why);
        if (ob.n)
            fprintf(stderr, "---- stdout\n%s", ob.p);
        if (eb.n)
            fprintf(stderr, "---- stderr\n%s", eb.p);
    } else {
        printf("ok   %s\n", c->name);
        if (eb.n && !c->o.expect_err)
            fprintf(stderr, "%s", eb.p);
    }
    free(ob.p);
    free(eb.p);
    return why != NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (int i = 0; i < ncases; i++)
            printf("%s\n", cases[i].name);
        return 0;
    }
    int failed = 0, ran = 0;
    for (int i = 0; i < ncases; i++) {
        if (argc > 1) {
            int want = 0;
            for (int a = 1; a < argc; a++)
                want |= strcmp(argv[a], cases[i].name) == 0;
            if (!want)
                continue;
        }
        ran++;
        failed += run_case(&cases[i]);
    }
    if (ran == 0) {
        fprintf(stderr, "no such test case\n");
        return 2;
    }
    printf("%d/%d passed\n", ran - failed, ran);
    return failed ? 1 : 0;
}
