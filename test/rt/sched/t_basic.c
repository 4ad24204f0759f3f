/*
 * t_basic.c - spawn, send, receive, yield, self, pids; context switching at volume.
 * Compiled with -fsplit-stack like generated code.
 */
#include <string.h>

#include "harness.h"

static nos_val_t send_back(nos_closure_t *c)
{
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, c->env[1]);
    return 0;
}

TEST_CASE(spawn_send_receive, 10)
{
    nos_pid_t *me = nos_self();
    CHECK(me != NULL);
    CHECK_EQ(nos_pid_id(me), 1);
    nos_closure_t *c = test_closure(send_back, 2);
    c->env[0] = (nos_val_t)(uintptr_t)me;
    c->env[1] = 42;
    nos_pid_t *child = nos_spawn(c);
    CHECK(child != NULL && child != me);
    CHECK(nos_pid_id(child) > 1);
    const nos_type_t *t;
    nos_val_t v = test_recv(&t);
    CHECK(t == &nos_type_int);
    CHECK_EQ(v, 42);
    return 0;
}

static nos_val_t yielder(nos_closure_t *c)
{
    int64_t n = (int64_t)c->env[1];
    for (int64_t i = 0; i < n; i++)
        nos_yield();
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, n);
    return 0;
}

/* Context switches at volume: 4 processes yield 250k times each. */
TEST_CASE(context_switch_1m, 30)
{
    int64_t t0 = test_now_ms();
    for (int i = 0; i < 4; i++) {
        nos_closure_t *c = test_closure(yielder, 2);
        c->env[0] = (nos_val_t)(uintptr_t)nos_self();
        c->env[1] = 250000;
        nos_spawn(c);
    }
    int64_t sum = 0;
    for (int i = 0; i < 4; i++)
        sum += (int64_t)test_recv(NULL);
    CHECK_EQ(sum, 1000000);
    fprintf(stderr, "  1M yields in %lld ms\n", (long long)(test_now_ms() - t0));
    return 0;
}

TEST_CASE(spawn_100k, 60)
{
    int64_t t0 = test_now_ms();
    nos_pid_t *me = nos_self();
    const int n = TEST_MANY(100000);
    for (int i = 0; i < n; i++) {
        nos_closure_t *c = test_closure(send_back, 2);
        c->env[0] = (nos_val_t)(uintptr_t)me;
        c->env[1] = (nos_val_t)i;
        nos_spawn(c);
    }
    int64_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += (int64_t)test_recv(NULL);
    CHECK_EQ(sum, (int64_t)n * (n - 1) / 2);
    /* Every child has ended (or is about to): the table drains. */
    int64_t deadline = test_now_ms() + 5000;
    for (;;) {
        nos_val_t *st = nos_vm_stats();
        if ((int64_t)st[0] == n + 1 && (int64_t)st[2] == 1)
            break;
        CHECK(test_now_ms() < deadline);
        nos_sleep(1);
    }
    fprintf(stderr, "  spawn+collect 100k in %lld ms\n", (long long)(test_now_ms() - t0));
    return 0;
}

static nos_val_t ponger(nos_closure_t *c)
{
    (void)c;
    for (;;) {
        const nos_type_t *t;
        nos_val_t v = test_recv(&t);
        if (t == &nos_type_unit)
            return 0;
        nos_send((nos_pid_t *)(uintptr_t)v, &nos_type_int, 1);
    }
}

TEST_CASE(ping_pong, 30)
{
    nos_pid_t *pong = nos_spawn(test_closure(ponger, 0));
    int64_t t0 = test_now_ms();
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        nos_send(pong, &nos_type_pid, (nos_val_t)(uintptr_t)nos_self());
        CHECK_EQ(test_recv(NULL), 1);
    }
    nos_send(pong, &nos_type_unit, 0);
    fprintf(stderr, "  %d round trips in %lld ms\n", n, (long long)(test_now_ms() - t0));
    return 0;
}

TEST_CASE(send_to_dead_is_dropped, 10)
{
    nos_closure_t *c = test_closure(send_back, 2);
    c->env[0] = (nos_val_t)(uintptr_t)nos_self();
    c->env[1] = 7;
    nos_pid_t *child = nos_spawn(c);
    CHECK_EQ(test_recv(NULL), 7);
    int64_t deadline = test_now_ms() + 2000;
    while (nos_process_alive(child)) {
        CHECK(test_now_ms() < deadline);
        nos_sleep(1);
    }
    for (int i = 0; i < 1000; i++)
        nos_send(child, &nos_type_int, i);   /* silently dropped */
    CHECK(!nos_process_alive(child));
    CHECK_EQ(nos_process_time(child), -1);
    return 0;
}
