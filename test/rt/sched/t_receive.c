/*
 * t_receive.c - Erlang receive semantics: selective receive keeps unmatched messages in
 * order; `after T` fires at T..T+20 ms and is not restarted by unmatched messages; `after 0`
 * polls; a () message is a message; per-sender FIFO; sleep parks only the caller.
 */
#include <string.h>

#include "harness.h"

static int is_odd(const nos_type_t *t, nos_val_t v, void *ctx)
{
    (void)ctx;
    return t == &nos_type_int && (v & 1);
}

static int is_even(const nos_type_t *t, nos_val_t v, void *ctx)
{
    (void)ctx;
    return t == &nos_type_int && !(v & 1);
}

static int is_value(const nos_type_t *t, nos_val_t v, void *ctx)
{
    return t == &nos_type_int && v == *(nos_val_t *)ctx;
}

TEST_CASE(selective_receive_order, 10)
{
    nos_pid_t *me = nos_self();
    for (int i = 0; i < 100; i++)
        nos_send(me, &nos_type_int, (nos_val_t)i);
    int ok;
    /* Odd ones first, oldest first; the even ones stay, in order. */
    for (int i = 1; i < 100; i += 2) {
        CHECK_EQ(test_recv_match(is_odd, NULL, 0, &ok), i);
        CHECK(ok);
    }
    (void)test_recv_match(is_odd, NULL, 0, &ok);
    CHECK(!ok);
    /* Take one from the middle, then the rest in order. */
    nos_val_t want = 50;
    CHECK_EQ(test_recv_match(is_value, &want, 0, &ok), 50);
    for (int i = 0; i < 100; i += 2) {
        if (i == 50)
            continue;
        CHECK_EQ(test_recv_match(is_even, NULL, 0, &ok), i);
        CHECK(ok);
    }
    (void)test_recv_match(is_even, NULL, 0, &ok);
    CHECK(!ok);
    return 0;
}

/* The last message in the mailbox may still be the tail a sender appends to: taking it
 * must not lose messages that arrive right after. */
static nos_val_t burst_sender(nos_closure_t *c)
{
    nos_pid_t *to = (nos_pid_t *)c->env[0];
    for (int64_t i = 0; i < 20000; i++)
        nos_send(to, &nos_type_int, (nos_val_t)i);
    return 0;
}

TEST_CASE(take_last_while_senders_append, 30)
{
    nos_pid_t *me = nos_self();
    test_spawn(burst_sender, 1, (nos_val_t)(uintptr_t)me);
    /* Take the odd ones as they come (often the newest message), then the even ones. */
    int ok;
    for (int64_t i = 1; i < 20000; i += 2)
        CHECK_EQ(test_recv_match(is_odd, NULL, -1, &ok), i);
    for (int64_t i = 0; i < 20000; i += 2)
        CHECK_EQ(test_recv_match(is_even, NULL, -1, &ok), i);
    (void)test_recv_match(is_even, NULL, 0, &ok);
    CHECK(!ok);
    return 0;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Never early; on time (T..T+20 ms) in the median of 7 rounds; never grossly late (a
 * loaded machine may deschedule the whole program for a while). */
TEST_CASE(after_fires_on_time, 20)
{
    int64_t dt[7];
    for (int round = 0; round < 7; round++) {
        int64_t t0 = test_now_us();
        nos_recv_t r;
        nos_recv_begin(&r, 100);
        CHECK(nos_recv_next(&r) == NULL);
        dt[round] = test_now_us() - t0;
        CHECK(dt[round] >= 100000);
        CHECK_TIME_LE(dt[round], 200000);
    }
    qsort(dt, 7, sizeof dt[0], cmp64);
    fprintf(stderr, "  after 100: median %lld us, max %lld us\n", (long long)dt[3],
            (long long)dt[6]);
    CHECK_TIME_LE(dt[3], 120000);
    return 0;
}

static nos_val_t flooder(nos_closure_t *c)
{
    nos_pid_t *to = (nos_pid_t *)c->env[0];
    for (int i = 0; i < 60; i++) {
        nos_send(to, &nos_type_string, 0);   /* never matched */
        nos_sleep(3);
    }
    return 0;
}

static int never(const nos_type_t *t, nos_val_t v, void *ctx)
{
    (void)t;
    (void)v;
    (void)ctx;
    return 0;
}

/* A flood of unmatched messages (one every 3 ms) does not restart the timer. */
TEST_CASE(after_not_restarted_by_unmatched, 20)
{
    int64_t dt[3];
    for (int round = 0; round < 3; round++) {
        test_spawn(flooder, 1, (nos_val_t)(uintptr_t)nos_self());
        int64_t t0 = test_now_us();
        int ok = 1;
        test_recv_match(never, NULL, 100, &ok);
        dt[round] = test_now_us() - t0;
        CHECK(!ok);
        CHECK(dt[round] >= 100000);
        CHECK_TIME_LE(dt[round], 200000);
        /* The unmatched messages are all still there. */
        CHECK(nos_process_info(nos_self())[1] > 20 * (round + 1));
    }
    qsort(dt, 3, sizeof dt[0], cmp64);
    CHECK_TIME_LE(dt[1], 120000);
    return 0;
}

TEST_CASE(after_zero_polls, 10)
{
    int ok = 1;
    int64_t t0 = test_now_us();
    test_recv_match(is_odd, NULL, 0, &ok);
    CHECK(!ok);
    nos_send(nos_self(), &nos_type_int, 2);
    test_recv_match(is_odd, NULL, 0, &ok);
    CHECK(!ok);
    nos_send(nos_self(), &nos_type_int, 3);
    CHECK_EQ(test_recv_match(is_odd, NULL, 0, &ok), 3);
    CHECK(ok);
    CHECK_EQ(test_recv_match(is_even, NULL, 0, &ok), 2);
    CHECK_TIME_LE(test_now_us() - t0, 20000);
    return 0;
}

TEST_CASE(unit_message_is_a_message, 10)
{
    nos_send(nos_self(), &nos_type_unit, 0);
    nos_recv_t r;
    nos_recv_begin(&r, 50);
    nos_msg_t *m = nos_recv_next(&r);
    CHECK(m != NULL);
    CHECK(m->type == &nos_type_unit);
    nos_recv_take(&r, m);
    nos_recv_begin(&r, 0);
    CHECK(nos_recv_next(&r) == NULL);
    return 0;
}

static nos_val_t seq_sender(nos_closure_t *c)
{
    nos_pid_t *to = (nos_pid_t *)c->env[0];
    int64_t id = (int64_t)c->env[1];
    for (int64_t i = 0; i < 50000; i++)
        nos_send(to, &nos_type_int, (nos_val_t)(id << 32 | i));
    return 0;
}

TEST_CASE(fifo_per_sender, 30)
{
    enum { SENDERS = 8 };
    for (int64_t s = 0; s < SENDERS; s++)
        test_spawn(seq_sender, 2, (nos_val_t)(uintptr_t)nos_self(), (nos_val_t)s);
    int64_t next[SENDERS] = {0};
    for (int i = 0; i < SENDERS * 50000; i++) {
        int64_t v = (int64_t)test_recv(NULL);
        int64_t s = v >> 32, k = v & 0xffffffff;
        CHECK(s >= 0 && s < SENDERS);
        CHECK_EQ(k, next[s]);
        next[s]++;
    }
    return 0;
}

static nos_val_t sleeper(nos_closure_t *c)
{
    nos_sleep((int64_t)c->env[1]);
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, 1);
    return 0;
}

TEST_CASE(sleep_parks_only_the_caller, 20)
{
    int64_t t0 = test_now_us();
    const int n = TEST_MANY(10000);
    for (int i = 0; i < n; i++)
        test_spawn(sleeper, 2, (nos_val_t)(uintptr_t)nos_self(), (nos_val_t)100);
    for (int i = 0; i < n; i++)
        CHECK_EQ(test_recv(NULL), 1);
    int64_t dt = test_now_us() - t0;
    CHECK(dt >= 100000);
    CHECK_TIME_LE(dt, 400000);
    /* And sleep itself is on time. */
    for (int i = 0; i < 3; i++) {
        int64_t s0 = test_now_us();
        nos_sleep(30);
        int64_t ds = test_now_us() - s0;
        CHECK(ds >= 30000);
        CHECK_TIME_LE(ds, 50000);
    }
    return 0;
}
