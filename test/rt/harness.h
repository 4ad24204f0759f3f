/*
 * harness.h - a tiny unit-test harness for the runtime's value half, plus the test-only
 * stand-ins for what the scheduler half provides (exception slot, uncaught handler, pids,
 * system stack, segment unwinding).
 *
 * Each TEST runs in its own forked process with a 20 s alarm, so a crash, a hang or a
 * failed CHECK fails that case only; the collector is initialised in the child (never
 * before fork). The program prints one line per case and then "N passed, N failed", and
 * exits non-zero if any case failed. `prog NAME` runs just the cases whose names contain
 * NAME. Include this file from exactly one .c file per test program.
 */
#ifndef NOSTOS_TEST_HARNESS_H
#define NOSTOS_TEST_HARNESS_H

#ifndef GC_THREADS
#define GC_THREADS
#endif
#include <gc/gc.h>

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "internal.h"

typedef void (*test_fn)(void);
static struct {
    const char *name;
    test_fn fn;
} tests[512];
static int ntests;

#define TEST(tname)                                                            \
    static void test_##tname(void);                                            \
    __attribute__((constructor)) static void register_##tname(void)            \
    {                                                                          \
        tests[ntests].name = #tname;                                           \
        tests[ntests++].fn = test_##tname;                                     \
    }                                                                          \
    static void test_##tname(void)

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

/* CHECK_STR(nos_str_t *, "expected") */
#define CHECK_STR(s, expect)                                                                \
    do {                                                                                    \
        nos_str_t *s_ = (s);                                                                \
        const char *e_ = (expect);                                                          \
        if ((size_t)s_->len != strlen(e_) || memcmp(s_->data, e_, strlen(e_)) != 0) {      \
            fprintf(stderr, "%s:%d: got \"%s\", expected \"%s\" (%s)\n", __FILE__, __LINE__, \
                    s_->data, e_, #s);                                                      \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

#define V(p) ((nos_val_t)(uintptr_t)(p))
#define S(lit) nos_str_cstr(lit)

/* ---- stand-ins for the scheduler half ------------------------------------------------------- */

void *nos__gc_alloc(size_t bytes)
{
    return GC_MALLOC(bytes);
}

void *nos__gc_alloc_atomic(size_t bytes)
{
    return GC_MALLOC_ATOMIC(bytes);
}

struct nos_pid {
    int64_t id;
};

static nos_exc_frame_t *test_frames;
static int system_stack_hops;

int64_t nos_pid_id(nos_pid_t *p)
{
    return p->id;
}

nos_exc_frame_t **nos__exc_slot(void)
{
    return &test_frames;
}

void nos__stack_unwind_to(const void *addr)
{
    (void)addr;
}

/* The "system stack" is a fresh thread with a 256 MiB stack (the worker's own stack is
 * big too); the caller waits for it, as a process waits on nos__on_system_stack. */
typedef struct hop {
    void *(*fn)(void *);
    void *arg, *result;
} hop_t;

static void *hop_main(void *p)
{
    hop_t *h = p;
    h->result = h->fn(h->arg);
    return NULL;
}

void *nos__on_system_stack(void *(*fn)(void *), void *arg)
{
    system_stack_hops++;
    hop_t h = { fn, arg, NULL };
    pthread_attr_t attr;
    pthread_t th;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, (size_t)256 << 20);
    if (pthread_create(&th, &attr, hop_main, &h) != 0) {
        perror("pthread_create");
        exit(2);
    }
    pthread_join(th, NULL);
    pthread_attr_destroy(&attr);
    return h.result;
}

/* An uncaught exception in a test prints the runtime's message and exits 3. */
void nos__uncaught(const nos_type_t *t, nos_val_t v)
{
    fprintf(stderr, "Runtime error: %s\n", nos_exc_message(t, v)->data);
    exit(3);
}

/* Run body; return the exception it threw (type in *t), or fail if it did not throw. */
#define CATCH(t_out, v_out, body)                                \
    do {                                                         \
        nos_exc_frame_t f_;                                      \
        nos_try_push(&f_);                                       \
        if (_setjmp(f_.jb) == 0) {                               \
            body;                                                \
            nos_try_pop(&f_);                                    \
            fprintf(stderr, "%s:%d: no exception: %s\n",         \
                    __FILE__, __LINE__, #body);                  \
            exit(1);                                             \
        }                                                        \
        (t_out) = f_.type;                                       \
        (v_out) = f_.value;                                      \
        (void)(t_out);                                           \
    } while (0)

/* The (kind, message) of a caught runtime error. */
static inline nos_str_t *err_kind(nos_val_t v)
{
    return (nos_str_t *)(uintptr_t)((nos_val_t *)(uintptr_t)v)[0];
}
static inline nos_str_t *err_msg(nos_val_t v)
{
    return (nos_str_t *)(uintptr_t)((nos_val_t *)(uintptr_t)v)[1];
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 0; i < ntests; i++) {
        if (argc > 1 && !strstr(tests[i].name, argv[1]))
            continue;
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 2;
        }
        if (pid == 0) {
            alarm(20);
            GC_INIT();
            tests[i].fn();
            fflush(stdout);
            _exit(0);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            passed++;
            printf("ok   %s\n", tests[i].name);
        } else {
            failed++;
            if (WIFSIGNALED(status))
                printf("FAIL %s (signal %d)\n", tests[i].name, WTERMSIG(status));
            else
                printf("FAIL %s (exit %d)\n", tests[i].name, WEXITSTATUS(status));
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#endif
