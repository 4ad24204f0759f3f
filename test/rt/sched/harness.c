/*
 * harness.c - the runner: `sched_tests` runs every registered case, `sched_tests NAME`
 * one case, each in a forked child with its timeout (scaled by NOSTOS_TEST_TIMEOUT_MULT).
 * `sched_tests --list` prints the names.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#define GC_THREADS
#include <gc/gc.h>

#include "harness.h"

#define MAX_CASES 256
static test_case_t cases[MAX_CASES];
static int ncases;
static void (*current)(void);

void test_register(const char *name, void (*fn)(void), int timeout_s, int threads)
{
    if (ncases < MAX_CASES)
        cases[ncases++] = (test_case_t){name, fn, timeout_s, threads};
}

int64_t test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

nos_closure_t *test_closure(void *fn, int nenv)
{
    nos_closure_t *c = GC_MALLOC(sizeof(nos_closure_t) + (size_t)nenv * sizeof(nos_val_t));
    c->fn = fn;
    return c;
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

static void *gc_sys(void *unused)
{
    (void)unused;
    GC_gcollect();
    return NULL;
}

void *nos__on_system_stack(void *(*fn)(void *), void *arg);

void test_force_gc(void)
{
    nos__on_system_stack(gc_sys, NULL);
}

static nos_val_t case_entry(void)
{
    current();
    return 0;
}

static int run_case(const test_case_t *c)
{
    double mult = 1.0;
    const char *m = getenv("NOSTOS_TEST_TIMEOUT_MULT");
    if (m && atof(m) > 0)
        mult = atof(m);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        if (c->threads > 0) {
            char buf[16];
            snprintf(buf, sizeof buf, "%d", c->threads);
            setenv("NOSTOS_THREADS", buf, 1);
        }
        current = c->fn;
        char *argv[] = {(char *)c->name, NULL};
        nos_main(1, argv, NULL, case_entry, &nos_type_unit);
        _exit(3);
    }
    int64_t deadline = test_now_ms() + (int64_t)(c->timeout_s * 1000 * mult);
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (test_now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fprintf(stderr, "FAIL %s: timed out after %d s\n", c->name, c->timeout_s);
            return 1;
        }
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        printf("ok   %s\n", c->name);
        return 0;
    }
    if (WIFSIGNALED(status))
        fprintf(stderr, "FAIL %s: signal %d (%s)\n", c->name, WTERMSIG(status),
                strsignal(WTERMSIG(status)));
    else
        fprintf(stderr, "FAIL %s: exit %d\n", c->name, WEXITSTATUS(status));
    return 1;
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
