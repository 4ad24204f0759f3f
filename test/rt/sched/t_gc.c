/*
 * t_gc.c - the collector with many processes: live data held in suspended processes
 * (in frames of every stack segment, in registers across switches, in mailboxes) is never
 * freed while forced collections run; garbage is collected.
 */
#include <stdatomic.h>
#include <string.h>

#define GC_THREADS
#include <gc/gc.h>

#include "harness.h"

typedef struct node {
    struct node *next;
    int64_t val;
    int64_t check;
} node_t;

static node_t *build(int64_t n, int64_t seed)
{
    node_t *l = NULL;
    for (int64_t i = 0; i < n; i++) {
        node_t *x = nos_alloc(sizeof *x);
        x->next = l;
        x->val = seed + i;
        x->check = (seed + i) * 31 + 7;
        l = x;
    }
    return l;
}

static int64_t verify(node_t *l, int64_t n, int64_t seed)
{
    int64_t bad = 0, i = n - 1;
    for (; l; l = l->next, i--)
        bad += l->val != seed + i || l->check != (seed + i) * 31 + 7;
    return bad + (i != -1);
}

static _Atomic int64_t finalized;

static void on_final(void *obj, void *cd)
{
    (void)obj;
    (void)cd;
    atomic_fetch_add(&finalized, 1);
}

static void *register_final_sys(void *p)
{
    GC_register_finalizer(p, on_final, NULL, NULL, NULL);
    return NULL;
}

void *nos__on_system_stack(void *(*fn)(void *), void *arg);

static nos_val_t holder(nos_closure_t *c)
{
    nos_pid_t *parent = (nos_pid_t *)c->env[0];
    int64_t id = (int64_t)c->env[1];
    int64_t bad = 0;
    node_t *keep = build(50, id * 1000);
    for (int round = 0; round < 10; round++) {
        node_t *live = build(20, id * 1000 + 100 + round);
        node_t *garbage = build(20, -1);
        if (id % 100 == 0 && round == 0)
            nos__on_system_stack(register_final_sys, garbage);
        garbage = NULL;
        nos_yield();
        if (id % 250 == 0)
            test_force_gc();
        nos_sleep(id % 3);
        bad += verify(live, 20, id * 1000 + 100 + round);
    }
    bad += verify(keep, 50, id * 1000);
    nos_send(parent, &nos_type_int, (nos_val_t)bad);
    return 0;
}

TEST_CASE(gc_with_many_processes, 120)
{
    const int n = TEST_MANY(5000);
    for (int i = 0; i < n; i++)
        test_spawn(holder, 2, (nos_val_t)(uintptr_t)nos_self(), (nos_val_t)i);
    int64_t bad = 0;
    for (int i = 0; i < n; i++)
        bad += (int64_t)test_recv(NULL);
    CHECK_EQ(bad, 0);
    for (int i = 0; i < 3; i++)
        test_force_gc();
    size_t heap = GC_get_heap_size(), total = GC_get_total_bytes();
    fprintf(stderr, "  heap %zu KiB after %zu KiB allocated, %lld/50 finalized\n", heap >> 10,
            total >> 10, (long long)atomic_load(&finalized));
    CHECK(heap < total / 2);
    CHECK(atomic_load(&finalized) >= 25);
    return 0;
}

/* Live data in frames of every segment of a deep stack, across collections. */
__attribute__((noinline)) static int64_t deep_hold(int64_t depth, int64_t seed)
{
    node_t *mine = build(2, seed + depth * 10);
    if (depth == 0) {
        test_force_gc();
        nos_sleep(1);
        node_t *junk = build(1000, -5);
        (void)junk;
        test_force_gc();
        return 0;
    }
    int64_t bad = deep_hold(depth - 1, seed);
    return bad + verify(mine, 2, seed + depth * 10);
}

static nos_val_t deep_holder(nos_closure_t *c)
{
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, (nos_val_t)deep_hold(20000, (int64_t)c->env[1]));
    return 0;
}

TEST_CASE(gc_scans_every_segment, 120)
{
#if NOS_TEST_SPLIT_STACK
    for (int i = 0; i < 4; i++)
        test_spawn(deep_holder, 2, (nos_val_t)(uintptr_t)nos_self(), (nos_val_t)(i * 1000000));
    int64_t bad = 0;
    for (int i = 0; i < 4; i++)
        bad += (int64_t)test_recv(NULL);
    CHECK_EQ(bad, 0);
#endif
    return 0;
}

/* Messages sitting in a mailbox are live. */
TEST_CASE(gc_keeps_mailbox_messages, 60)
{
    nos_pid_t *me = nos_self();
    for (int64_t i = 0; i < 20000; i++)
        nos_send(me, &nos_type_int, (nos_val_t)(uintptr_t)build(3, i * 10));
    for (int i = 0; i < 3; i++) {
        (void)build(100000, -3);
        test_force_gc();
    }
    int64_t bad = 0;
    for (int64_t i = 0; i < 20000; i++)
        bad += verify((node_t *)(uintptr_t)test_recv(NULL), 3, i * 10);
    CHECK_EQ(bad, 0);
    return 0;
}

/* Allocation-driven collections (no explicit GC) while processes migrate. */
static nos_val_t churner(nos_closure_t *c)
{
    int64_t id = (int64_t)c->env[1], bad = 0;
    node_t *keep = build(100, id);
    for (int i = 0; i < 200; i++) {
        (void)build(200, -1);
        if (i % 10 == 0)
            nos_yield();
    }
    bad += verify(keep, 100, id);
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, (nos_val_t)bad);
    return 0;
}

TEST_CASE(gc_allocation_driven, 120)
{
    for (int i = 0; i < 200; i++)
        test_spawn(churner, 2, (nos_val_t)(uintptr_t)nos_self(), (nos_val_t)(i * 7919));
    int64_t bad = 0;
    for (int i = 0; i < 200; i++)
        bad += (int64_t)test_recv(NULL);
    CHECK_EQ(bad, 0);
    fprintf(stderr, "  %zu collections\n", (size_t)GC_get_gc_no());
    return 0;
}
