/*
 * t_crash.c - crash isolation: an uncaught error (throw, division by zero, stack overflow)
 * ends only its process with "process <pid:N> crashed: <message>"; an error in main ends
 * the program with "Runtime error: <message>" and exit 1; main's result is printed.
 */
#include <setjmp.h>
#include <string.h>

#include "harness.h"

static nos_val_t thrower(nos_closure_t *c)
{
    (void)c;
    nos_throw_error("Panic", "boom %d", 7);
}

static nos_val_t div_zero(nos_closure_t *c)
{
    (void)c;
    nos_err_div_zero();
}

static nos_val_t echo(nos_closure_t *c)
{
    (void)c;
    for (;;) {
        const nos_type_t *t;
        nos_val_t v = test_recv(&t);
        if (t == &nos_type_unit)
            return 0;
        nos_send((nos_pid_t *)(uintptr_t)v, &nos_type_int, 9);
    }
}

static void wait_dead(nos_pid_t *p)
{
    int64_t deadline = test_now_ms() + 5000;
    while (nos_process_alive(p)) {
        CHECK(test_now_ms() < deadline);
        nos_sleep(1);
    }
}

TEST_CASE_X(throw_in_process_is_isolated, 10, .expect_err = "crashed: boom 7")
{
    nos_pid_t *e = test_spawn(echo, 0);
    nos_pid_t *bad = test_spawn(thrower, 0);
    wait_dead(bad);
    nos_send(e, &nos_type_pid, (nos_val_t)(uintptr_t)nos_self());
    CHECK_EQ(test_recv(NULL), 9);
    nos_send(e, &nos_type_unit, 0);
    char want[64];
    snprintf(want, sizeof want, "process <pid:%lld> crashed", (long long)nos_pid_id(bad));
    (void)want;
    return 0;
}

TEST_CASE_X(div_zero_in_process_is_isolated, 10, .expect_err = "crashed: Division by zero")
{
    nos_pid_t *bad = test_spawn(div_zero, 0);
    wait_dead(bad);
    nos_val_t *st = nos_vm_stats();
    CHECK_EQ(st[1], 1);
    return 0;
}

TEST_CASE_X(many_crashes_while_ping_pong, 60, .expect_err = "crashed: boom 7")
{
    nos_pid_t *e = test_spawn(echo, 0);
    int64_t worst = 0;
    for (int i = 0; i < 20000; i++) {
        test_spawn(i & 1 ? thrower : div_zero, 0);
        if (i % 20 == 0) {
            int64_t t0 = test_now_us();
            nos_send(e, &nos_type_pid, (nos_val_t)(uintptr_t)nos_self());
            CHECK_EQ(test_recv(NULL), 9);
            int64_t dt = test_now_us() - t0;
            if (dt > worst)
                worst = dt;
        }
    }
    nos_send(e, &nos_type_unit, 0);
    fprintf(stderr, "  worst ping-pong during 20k crashes: %lld us\n", (long long)worst);
    return 0;
}

TEST_CASE_X(error_in_main_exits_1, 10, .expect_exit = 1,
            .expect_err = "Runtime error: Division by zero")
{
    nos_err_div_zero();
}

TEST_CASE_X(main_result_is_printed, 10, .result_type = &nos_type_int, .expect_out = "4242\n")
{
    return 4242;
}

static nos_val_t catcher(nos_closure_t *c)
{
    nos_exc_frame_t f;
    nos_try_push(&f);
    if (_setjmp(f.jb) == 0) {
        nos_throw_error("Panic", "caught");
    }
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, 1);
    return 0;
}

TEST_CASE(try_catch_in_process, 10)
{
    for (int i = 0; i < 100; i++)
        test_spawn(catcher, 1, (nos_val_t)(uintptr_t)nos_self());
    for (int i = 0; i < 100; i++)
        CHECK_EQ(test_recv(NULL), 1);
    CHECK_EQ(nos_vm_stats()[1] >= 0, 1);
    return 0;
}

static nos_val_t blocked(nos_closure_t *c)
{
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, 1);
    nos_recv_t r;
    nos_recv_begin(&r, -1);
    nos_recv_next(&r);   /* never comes */
    return 0;
}

static nos_val_t spinning(nos_closure_t *c)
{
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, 1);
    for (;;)
        test_poll();
}

TEST_CASE(process_kill_and_introspection, 10)
{
    nos_pid_t *me = nos_self();
    nos_val_t *info = nos_process_info(me);
    CHECK(strcmp(((nos_str_t *)info[0])->data, "running") == 0);
    CHECK(nos_process_alive(me));
    CHECK(!nos_process_kill(me));
    nos_pid_t *a = test_spawn(blocked, 1, (nos_val_t)(uintptr_t)me);
    nos_pid_t *b = test_spawn(spinning, 1, (nos_val_t)(uintptr_t)me);
    CHECK_EQ(test_recv(NULL), 1);
    CHECK_EQ(test_recv(NULL), 1);
    nos_sleep(5);
    info = nos_process_info(a);
    CHECK(strcmp(((nos_str_t *)info[0])->data, "waiting") == 0);
    nos_list_t *all = nos_process_all();
    int n = 0;
    for (nos_list_t *l = all; l; l = l->tail)
        n++;
    CHECK_EQ(n, 3);
    CHECK(nos_process_kill(a));
    CHECK(!nos_process_alive(a));
    CHECK(nos_process_kill(b));
    CHECK(!nos_process_alive(b));
    CHECK(!nos_process_kill(b));
    int64_t deadline = test_now_ms() + 2000;
    while (nos_vm_stats()[2] != 1) {
        CHECK(test_now_ms() < deadline);
        nos_sleep(1);
    }
    info = nos_process_info(b);
    CHECK(strcmp(((nos_str_t *)info[0])->data, "exited") == 0);
    return 0;
}

/*
 * Once main has returned, nothing more gets out: its result is the last line even while
 * other processes print and crash at that moment (stderr goes to stdout's pipe here, so the
 * order of the two is seen).
 */
__attribute__((noinline)) static void crash_poll(void)
{
    __asm__ volatile("" ::: "memory");   /* a split-stack prologue: a preemption point */
}

static nos_val_t chatter(nos_closure_t *c)
{
    (void)c;
    for (;;) {
        nos_println(&nos_type_int, 7);
        crash_poll();
        nos_yield();
    }
}

static nos_val_t late_crasher(nos_closure_t *c)
{
    nos_sleep((int64_t)c->env[0]);
    nos_throw_error("Panic", "late crash");
}

TEST_CASE_X(nothing_printed_after_main_result, 10, .result_type = &nos_type_int,
            .expect_last = "4242")
{
    dup2(1, 2);
    for (int i = 0; i < 4; i++)
        test_spawn(chatter, 0);
    for (int i = 0; i < 400; i++)
        test_spawn(late_crasher, 1, (nos_val_t)(20 + i % 3));
    nos_sleep(21);
    return 4242;
}
