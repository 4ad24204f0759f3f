/*
 * harness.h - runtime tests for the process runtime, libuv style: every case runs in its
 * own forked child with a timeout, so a crash or a deadlock fails that case and nothing
 * else.
 *
 * A case is a function run as the Nostos main process: the child calls nos_main with it,
 * so the scheduler, the GC and the reactor are real. Returning ends the child with 0; CHECK
 * failures print the condition and end it with 1.
 *
 *   TEST_CASE(name, timeout_seconds) { ...; }
 */
#ifndef NOS_TEST_HARNESS_H
#define NOS_TEST_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "nostos.h"

typedef struct test_case {
    const char *name;
    void (*fn)(void);
    int timeout_s;
    int threads;           /* NOSTOS_THREADS for the child; 0 = leave as is */
} test_case_t;

void test_register(const char *name, void (*fn)(void), int timeout_s, int threads);

#define TEST_CASE_T(name, timeout_s, threads)                                                 \
    static void test_##name(void);                                                          \
    __attribute__((constructor)) static void reg_##name(void)                               \
    {                                                                                       \
        test_register(#name, test_##name, timeout_s, threads);                              \
    }                                                                                       \
    static void test_##name(void)
#define TEST_CASE(name, timeout_s) TEST_CASE_T(name, timeout_s, 0)

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

/* Helpers shared by the cases (harness.c). */
int64_t test_now_ms(void);
nos_closure_t *test_closure(void *fn, int nenv);       /* GC closure with nenv env words */
/* Receive the next message of any type (no timeout) and return its value. */
nos_val_t test_recv(const nos_type_t **type_out);
/* Receive the first message whose value satisfies pred (selective), or timeout: *ok = 0. */
nos_val_t test_recv_match(int (*pred)(const nos_type_t *t, nos_val_t v, void *ctx), void *ctx,
                          int64_t timeout_ms, int *ok);
void test_force_gc(void);

#endif
