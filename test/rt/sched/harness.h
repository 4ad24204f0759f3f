/*
 * harness.h - runtime tests for the process runtime, libuv style: every case runs in its
 * own forked child with a timeout, so a crash or a deadlock fails that case and nothing
 * else.
 *
 * A case is a function run as the Nostos main process: the child calls nos_main with it,
 * so the scheduler, the GC and the reactor are real. Returning ends the child with 0 (after
 * printing the result when a result type is given); CHECK failures end it with 1. A case
 * may instead expect a given exit status and text on the child's stdout or stderr.
 *
 *   TEST_CASE(name, timeout_seconds) { ...; return 0; }
 *   TEST_CASE_X(name, timeout, .threads = 1, .expect_exit = 1, .expect_err = "Runtime error")
 */
#ifndef NOS_TEST_HARNESS_H
#define NOS_TEST_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "nostos.h"

typedef struct test_opts {
    int threads;                     /* NOSTOS_THREADS for the child; 0 = leave as is */
    int expect_exit;                 /* expected exit status */
    const char *expect_out;          /* substring expected on stdout (NULL: anything) */
    const char *expect_last;         /* stdout's last line, exactly (NULL: anything) */
    const char *expect_err;          /* substring expected on stderr */
    const nos_type_t *result_type;   /* nos_main's result type (NULL: Unit) */
    const char *env;                 /* "NAME=value" set in the child */
} test_opts_t;

typedef struct test_case {
    const char *name;
    nos_val_t (*fn)(void);
    int timeout_s;
    test_opts_t o;
} test_case_t;

void test_register(const char *name, nos_val_t (*fn)(void), int timeout_s, test_opts_t o);

#define TEST_CASE_X(name, timeout_s, ...)                                                     \
    static nos_val_t test_##name(void);                                                     \
    __attribute__((constructor)) static void reg_##name(void)                               \
    {                                                                                       \
        test_register(#name, test_##name, timeout_s, (test_opts_t){__VA_ARGS__});           \
    }                                                                                       \
    static nos_val_t test_##name(void)
#define TEST_CASE(name, timeout_s) TEST_CASE_X(name, timeout_s, .threads = 0)

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);       \
            fflush(NULL);                                                                   \
            _exit(1);                                                                       \
        }                                                                                   \
    } while (0)

#define CHECK_EQ(a, b)                                                                      \
    do {                                                                                    \
        long long va_ = (long long)(a), vb_ = (long long)(b);                               \
        if (va_ != vb_) {                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__,   \
                    __LINE__, #a, #b, va_, vb_);                                             \
            fflush(NULL);                                                                   \
            _exit(1);                                                                       \
        }                                                                                   \
    } while (0)

/* Sanitized builds run several times slower: upper bounds on time are relaxed there. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NOS_TEST_TSAN_FEATURE 1
#endif
#endif
#ifndef NOS_TEST_TSAN_FEATURE
#define NOS_TEST_TSAN_FEATURE 0
#endif
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define TEST_SLOW 10
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define TEST_SLOW 10
#endif
#endif
#ifndef TEST_SLOW
#define TEST_SLOW 1
#endif
#define CHECK_TIME_LE(x, bound) CHECK((x) <= (bound) * TEST_SLOW)
/* TSan counts every process (fiber) against its limit of 8128 threads: at most a few
 * thousand live processes in a TSan build. */
#if TEST_SLOW > 1 && (defined(__SANITIZE_THREAD__) || NOS_TEST_TSAN_FEATURE)
#define TEST_MANY(n) ((n) > 4000 ? 4000 : (n))
#else
#define TEST_MANY(n) (n)
#endif

/* Helpers shared by the cases (harness.c). */
int64_t test_now_ms(void);
int64_t test_now_us(void);
nos_closure_t *test_closure(void *fn, int nenv);       /* GC closure with nenv env words */
nos_pid_t *test_spawn(void *fn, int nenv, ...);       /* spawn with env words (nos_val_t) */
/* Receive the next message of any type (no timeout) and return its value. */
nos_val_t test_recv(const nos_type_t **type_out);
/* Receive the first message that pred accepts (selective); *ok = 0 on timeout. */
nos_val_t test_recv_match(int (*pred)(const nos_type_t *t, nos_val_t v, void *ctx), void *ctx,
                          int64_t timeout_ms, int *ok);
void test_force_gc(void);
/* Like generated code's loop back-edge poll. */
static inline void test_poll(void)
{
    uintptr_t lim;
    __asm__ volatile("movq %%fs:0x70, %0" : "=r"(lim));
    if (__builtin_expect(lim == (uintptr_t)-1, 0))
        nos_preempt();
}

#endif
