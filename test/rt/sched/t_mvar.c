/*
 * t_mvar.c - mvar locks: atomic read-modify-write under 1000 contending processes, shared
 * readers against writers, re-entrancy, FIFO hand-over, release when the holder crashes or
 * is killed, no starvation by barging lockers or by overlapping readers.
 */
#include <stdatomic.h>
#include <string.h>

#include "harness.h"

static nos_mvar_t counter;

static nos_val_t incrementer(nos_closure_t *c)
{
    int64_t n = (int64_t)c->env[1];
    for (int64_t i = 0; i < n; i++) {
        nos_mvar_lock(&counter);
        counter.value = counter.value + 1;   /* counter = counter + 1 */
        nos_mvar_unlock(&counter);
    }
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, 1);
    return 0;
}

TEST_CASE(mvar_1000_contending_processes, 60)
{
    nos_mvar_init(&counter, &nos_type_int);
    counter.value = 0;
    int64_t t0 = test_now_us();
    for (int i = 0; i < 1000; i++)
        test_spawn(incrementer, 2, (nos_val_t)(uintptr_t)nos_self(), (nos_val_t)1000);
    for (int i = 0; i < 1000; i++)
        CHECK_EQ(test_recv(NULL), 1);
    nos_mvar_lock_shared(&counter);
    CHECK_EQ(counter.value, 1000000);
    nos_mvar_unlock_shared(&counter);
    fprintf(stderr, "  1M contended increments: %.1f ns each\n",
            (double)(test_now_us() - t0) * 1000.0 / 1e6);
    return 0;
}

/* Two mvars always sum to 1000 under exclusive writes; readers must never see otherwise. */
static nos_mvar_t pair_a, pair_b;

static nos_val_t pair_writer(nos_closure_t *c)
{
    for (int i = 0; i < 5000; i++) {
        nos_mvar_lock(&pair_a);
        nos_mvar_lock(&pair_b);   /* declaration order */
        pair_a.value -= 1;
        if (i % 7 == 0)
            nos_yield();          /* hold the locks across a switch */
        pair_b.value += 1;
        nos_mvar_unlock(&pair_b);
        nos_mvar_unlock(&pair_a);
    }
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, 1);
    return 0;
}

static nos_val_t pair_reader(nos_closure_t *c)
{
    for (int i = 0; i < 5000; i++) {
        nos_mvar_lock_shared(&pair_a);
        nos_mvar_lock_shared(&pair_b);
        int64_t s = (int64_t)pair_a.value + (int64_t)pair_b.value;
        nos_mvar_unlock_shared(&pair_b);
        nos_mvar_unlock_shared(&pair_a);
        CHECK_EQ(s, 1000);
    }
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, 1);
    return 0;
}

TEST_CASE(mvar_readers_and_writers, 60)
{
    nos_mvar_init(&pair_a, &nos_type_int);
    nos_mvar_init(&pair_b, &nos_type_int);
    pair_a.value = 1000;
    pair_b.value = 0;
    for (int i = 0; i < 20; i++) {
        test_spawn(pair_writer, 1, (nos_val_t)(uintptr_t)nos_self());
        test_spawn(pair_reader, 1, (nos_val_t)(uintptr_t)nos_self());
    }
    for (int i = 0; i < 40; i++)
        CHECK_EQ(test_recv(NULL), 1);
    CHECK_EQ(pair_a.value, 1000 - 20 * 5000);
    CHECK_EQ(pair_b.value, 20 * 5000);
    return 0;
}

static nos_mvar_t re;

TEST_CASE(mvar_reentrant, 10)
{
    nos_mvar_init(&re, &nos_type_int);
    nos_mvar_lock(&re);
    nos_mvar_lock_shared(&re);   /* a read inside the locked statement */
    nos_mvar_lock(&re);          /* a function called inside writes it too */
    re.value = 5;
    nos_mvar_unlock(&re);
    nos_mvar_unlock_shared(&re);
    nos_mvar_unlock(&re);
    nos_mvar_lock_shared(&re);
    nos_mvar_lock_shared(&re);
    CHECK_EQ(re.value, 5);
    nos_mvar_unlock_shared(&re);
    nos_mvar_unlock_shared(&re);
    return 0;
}

static nos_mvar_t fifo;

static nos_val_t fifo_waiter(nos_closure_t *c)
{
    nos_mvar_lock(&fifo);
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, c->env[1]);
    nos_mvar_unlock(&fifo);
    return 0;
}

TEST_CASE_X(mvar_fifo_handover, 10, .threads = 1)
{
    nos_mvar_init(&fifo, &nos_type_int);
    nos_mvar_lock(&fifo);
    for (int64_t i = 0; i < 50; i++) {
        test_spawn(fifo_waiter, 2, (nos_val_t)(uintptr_t)nos_self(), (nos_val_t)i);
        nos_yield();   /* let it queue up in spawn order */
    }
    nos_sleep(10);
    nos_mvar_unlock(&fifo);
    for (int64_t i = 0; i < 50; i++)
        CHECK_EQ(test_recv(NULL), i);
    return 0;
}

static nos_mvar_t crashy;

static nos_val_t lock_and_throw(nos_closure_t *c)
{
    nos_mvar_lock(&crashy);
    crashy.value = 77;
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, 1);
    nos_sleep(20);
    nos_throw_error("Panic", "died holding the lock");
}

static nos_val_t lock_and_block(nos_closure_t *c)
{
    nos_mvar_lock_shared(&crashy);
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, 2);
    nos_recv_t r;
    nos_recv_begin(&r, -1);
    nos_recv_next(&r);
    return 0;
}

TEST_CASE_X(mvar_released_when_holder_dies, 10, .expect_err = "died holding the lock")
{
    nos_mvar_init(&crashy, &nos_type_int);
    for (int round = 0; round < 20; round++) {
        test_spawn(lock_and_throw, 1, (nos_val_t)(uintptr_t)nos_self());
        CHECK_EQ(test_recv(NULL), 1);
        int64_t t0 = test_now_ms();
        nos_mvar_lock(&crashy);   /* waits, then gets it when the holder dies */
        CHECK_EQ(crashy.value, 77);
        crashy.value = 0;
        nos_mvar_unlock(&crashy);
        CHECK_TIME_LE(test_now_ms() - t0, 200);
    }
    /* A killed reader releases its shared lock too. */
    nos_pid_t *k = test_spawn(lock_and_block, 1, (nos_val_t)(uintptr_t)nos_self());
    CHECK_EQ(test_recv(NULL), 2);
    CHECK(nos_process_kill(k));
    nos_mvar_lock(&crashy);
    nos_mvar_unlock(&crashy);
    return 0;
}

/* A process that takes a lock again and again (barging past waiters is allowed) must not
 * starve one that waits: the waiter that finds the lock taken again is handed it next. */
static nos_mvar_t hot;
static _Atomic int hot_stop;

__attribute__((noinline)) static void poll_point(void)
{
    __asm__ volatile("" ::: "memory");   /* a split-stack prologue: a preemption point */
}

static nos_val_t hog(nos_closure_t *c)
{
    while (!atomic_load(&hot_stop)) {
        nos_mvar_lock(&hot);
        hot.value = hot.value + 1;
        if ((hot.value & 63) == 0)
            nos_yield();   /* now and then switched out while holding the lock */
        poll_point();
        nos_mvar_unlock(&hot);
        poll_point();
    }
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, 1);
    return 0;
}

TEST_CASE_X(mvar_barging_does_not_starve_waiters, 30, .threads = 1)
{
    nos_mvar_init(&hot, &nos_type_int);
    test_spawn(hog, 1, (nos_val_t)(uintptr_t)nos_self());
    test_spawn(hog, 1, (nos_val_t)(uintptr_t)nos_self());
    nos_sleep(5);
    int64_t worst = 0;
    for (int i = 0; i < 50; i++) {
        int64_t t0 = test_now_us();
        nos_mvar_lock(&hot);
        int64_t dt = test_now_us() - t0;
        hot.value = hot.value + 1;
        nos_mvar_unlock(&hot);
        if (dt > worst)
            worst = dt;
        nos_yield();
    }
    atomic_store(&hot_stop, 1);
    CHECK_EQ(test_recv(NULL), 1);
    CHECK_EQ(test_recv(NULL), 1);
    fprintf(stderr, "  50 locks against 2 barging hogs: worst wait %lld us\n", (long long)worst);
    CHECK_TIME_LE(worst, 100000);   /* without hand-over: 170-400 ms here */
    return 0;
}

/* A stream of overlapping readers must not starve a writer (writers are preferred). */
static nos_mvar_t shared_rw;
static _Atomic int rw_stop;

static nos_val_t overlapping_reader(nos_closure_t *c)
{
    while (!atomic_load(&rw_stop)) {
        nos_mvar_lock_shared(&shared_rw);
        poll_point();
        nos_yield();   /* hold the shared lock across a switch: readers overlap */
        nos_mvar_unlock_shared(&shared_rw);
    }
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, 1);
    return 0;
}

TEST_CASE(mvar_readers_do_not_starve_a_writer, 30)
{
    nos_mvar_init(&shared_rw, &nos_type_int);
    for (int i = 0; i < 8; i++)
        test_spawn(overlapping_reader, 1, (nos_val_t)(uintptr_t)nos_self());
    nos_sleep(5);
    int64_t worst = 0;
    for (int i = 0; i < 20; i++) {
        int64_t t0 = test_now_us();
        nos_mvar_lock(&shared_rw);
        int64_t dt = test_now_us() - t0;
        shared_rw.value = shared_rw.value + 1;
        nos_mvar_unlock(&shared_rw);
        if (dt > worst)
            worst = dt;
        nos_sleep(1);
    }
    atomic_store(&rw_stop, 1);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(test_recv(NULL), 1);
    CHECK_EQ(shared_rw.value, 20);
    fprintf(stderr, "  20 writes against 8 overlapping readers: worst wait %lld us\n",
            (long long)worst);
    CHECK_TIME_LE(worst, 500000);
    return 0;
}
