/*
 * t_wake.c - wake-ups from a thread that is not a worker (what an I/O loop does): processes
 * woken one batch at a time (nos__wake_into, nos__ready_batch) all run, each exactly once,
 * whatever the batch sizes and whether the wake comes before or after the process parks.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "harness.h"
#include "sched_internal.h"

#define WAITERS 2000
#define ROUNDS 10

typedef struct waiter {
    _Atomic(nos_pid_t *) pid;
    _Atomic int ready;          /* set by the waker before it wakes (like an op's done word) */
} waiter_t;

static waiter_t slots[WAITERS];
static _Atomic int64_t woken;
static _Atomic int64_t double_wakes;

static bool slot_ready(nos_pid_t *p, void *arg)
{
    (void)p;
    return atomic_load_explicit(&((waiter_t *)arg)->ready, memory_order_seq_cst) != 0;
}

static bool commit(nos_pid_t *p, void *arg)
{
    return nos__park_commit(p, NOS_WAKE_IO, slot_ready, arg);
}

static nos_val_t waiter(nos_closure_t *c)
{
    waiter_t *s = &slots[c->env[1]];
    atomic_store_explicit(&s->pid, nos_self(), memory_order_release);
    while (!atomic_load_explicit(&s->ready, memory_order_acquire))
        nos__park(commit, s);
    atomic_fetch_add_explicit(&woken, 1, memory_order_relaxed);
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, 1);
    return 0;
}

/* A plain thread: wakes every waiter in batches of 1..37, some before they have parked;
 * every process it won is woken a second time into the same batch, which must refuse. */
static void *waker(void *unused)
{
    (void)unused;
    nos__wake_batch_t b = {0};
    int size = 1, in_batch = 0;
    for (int i = 0; i < WAITERS; i++) {
        nos_pid_t *p;
        while (!(p = atomic_load_explicit(&slots[i].pid, memory_order_acquire)))
            sched_yield();
        atomic_store_explicit(&slots[i].ready, 1, memory_order_seq_cst);
        if (nos__wake_into(p, NOS_WAKE_IO, &b) && nos__wake_into(p, NOS_WAKE_IO, &b))
            atomic_fetch_add_explicit(&double_wakes, 1, memory_order_relaxed);
        if (++in_batch >= size) {
            nos__ready_batch(&b);
            in_batch = 0;
            size = size % 37 + 1;
        }
    }
    nos__ready_batch(&b);
    return NULL;
}

TEST_CASE(batched_wakes_from_a_plain_thread, 60)
{
    for (int r = 0; r < ROUNDS; r++) {
        memset(slots, 0, sizeof slots);
        atomic_store(&woken, 0);
        for (int i = 0; i < WAITERS; i++)
            test_spawn(waiter, 2, (nos_val_t)(uintptr_t)nos_self(), (nos_val_t)i);
        pthread_t th;
        CHECK(pthread_create(&th, NULL, waker, NULL) == 0);
        for (int i = 0; i < WAITERS; i++)
            CHECK_EQ(test_recv(NULL), 1);
        pthread_join(th, NULL);
        CHECK_EQ(atomic_load(&woken), WAITERS);
        CHECK_EQ(atomic_load(&double_wakes), 0);
    }
    return 0;
}
