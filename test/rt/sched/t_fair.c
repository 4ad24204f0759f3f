/*
 * t_fair.c - preemption: CPU-bound processes on every worker (loops that only poll at the
 * back-edge, and recursion that only has function-entry checks) must not stop timers,
 * messages or each other.
 */
#include <stdatomic.h>
#include <string.h>

#include "harness.h"

uint64_t nos__stack_morestack_calls(void);

static _Atomic int64_t progress[64];
static _Atomic int stop;

static nos_val_t spin_loop(nos_closure_t *c)
{
    int64_t id = (int64_t)c->env[0];
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        atomic_fetch_add_explicit(&progress[id], 1, memory_order_relaxed);
        test_poll();   /* the back-edge check codegen emits */
    }
    return 0;
}

/* spin(n) = if stop then n else spin(n + 1), without tail-call elimination: only the
 * split-stack prologue can preempt it. Returns after `depth` levels to keep the stack bounded. */
__attribute__((noinline)) static int64_t spin_rec(int64_t id, int64_t depth)
{
    volatile int64_t pad = depth;
    if (depth == 0 || atomic_load_explicit(&stop, memory_order_relaxed))
        return 0;
    atomic_fetch_add_explicit(&progress[id], 1, memory_order_relaxed);
    return spin_rec(id, depth - 1) + (pad & 0);
}

static nos_val_t spin_recursion(nos_closure_t *c)
{
    int64_t id = (int64_t)c->env[0];
    while (!atomic_load_explicit(&stop, memory_order_relaxed))
        spin_rec(id, 100000);
    return 0;
}

static nos_val_t echo(nos_closure_t *c)
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

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

TEST_CASE(fairness_cpu_bound_on_all_workers, 60)
{
#if NOS_TEST_SPLIT_STACK
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int n = (int)(ncpu < 1 ? 1 : ncpu > 16 ? 16 : ncpu);
    int nspin = 2 * n;
    for (int i = 0; i < nspin; i++)
        test_spawn(i & 1 ? spin_recursion : spin_loop, 1, (nos_val_t)i);
    nos_pid_t *e = test_spawn(echo, 0);
    nos_sleep(50);
    int64_t rtt[200], late[50];
    for (int i = 0; i < 200; i++) {
        int64_t t0 = test_now_us();
        nos_send(e, &nos_type_pid, (nos_val_t)(uintptr_t)nos_self());
        CHECK_EQ(test_recv(NULL), 1);
        rtt[i] = test_now_us() - t0;
    }
    for (int i = 0; i < 50; i++) {
        int64_t t0 = test_now_us();
        nos_sleep(10);
        late[i] = test_now_us() - t0 - 10000;
    }
    qsort(rtt, 200, sizeof rtt[0], cmp64);
    qsort(late, 50, sizeof late[0], cmp64);
    int64_t p[64];
    for (int i = 0; i < nspin; i++)
        p[i] = atomic_load(&progress[i]);
    atomic_store(&stop, 1);
    nos_send(e, &nos_type_unit, 0);
    fprintf(stderr, "  %d spinners on %d workers: rtt p50 %lld us p99 %lld us; sleep(10) late p50 "
                    "%lld us p99 %lld us\n",
            nspin, n, (long long)rtt[100], (long long)rtt[197], (long long)late[25],
            (long long)late[48]);
    for (int i = 0; i < nspin; i++)
        CHECK(p[i] > 0);   /* every spinner ran */
    CHECK_TIME_LE(rtt[197], 20000);
    CHECK_TIME_LE(late[48], 30000);   /* p99 ~5 ms on a quiet machine */
#endif
    return 0;
}

/* With one worker, two CPU-bound processes must take turns. */
static nos_val_t counter_proc(nos_closure_t *c)
{
    int64_t id = (int64_t)c->env[0];
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        atomic_fetch_add_explicit(&progress[id], 1, memory_order_relaxed);
        test_poll();
    }
    return 0;
}

TEST_CASE_X(fairness_single_worker, 30, .threads = 1)
{
    test_spawn(counter_proc, 1, (nos_val_t)0);
    test_spawn(counter_proc, 1, (nos_val_t)1);
    int64_t t0 = test_now_us();
    nos_sleep(200);
    int64_t slept = test_now_us() - t0;
    int64_t a = atomic_load(&progress[0]), b = atomic_load(&progress[1]);
    atomic_store(&stop, 1);
    fprintf(stderr, "  single worker: sleep(200) took %lld us, shares %lld / %lld\n",
            (long long)slept, (long long)a, (long long)b);
    CHECK(a > 0 && b > 0);
    CHECK(a < 4 * b && b < 4 * a);
    CHECK_TIME_LE(slept, 240000);
    return 0;
}

/* After a preemption the process must run at full speed again (a stale poisoned limit
 * once made every later call trap into __morestack). */
__attribute__((noinline)) static int64_t fib(int64_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static nos_val_t fib_proc(nos_closure_t *c)
{
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, (nos_val_t)fib((int64_t)c->env[1]));
    return 0;
}

TEST_CASE_X(preempted_processes_keep_full_speed, 60, .threads = 1)
{
#if NOS_TEST_SPLIT_STACK
    int64_t one = INT64_MAX, t0;
    for (int i = 0; i < 3; i++) {
        t0 = test_now_us();
        test_spawn(fib_proc, 2, (nos_val_t)(uintptr_t)nos_self(), (nos_val_t)30);
        CHECK_EQ(test_recv(NULL), 832040);
        if (test_now_us() - t0 < one)
            one = test_now_us() - t0;
    }
    t0 = test_now_us();
    uint64_t ms0 = nos__stack_morestack_calls();
    for (int i = 0; i < 4; i++)
        test_spawn(fib_proc, 2, (nos_val_t)(uintptr_t)nos_self(), (nos_val_t)30);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(test_recv(NULL), 832040);
    int64_t four = test_now_us() - t0;
    uint64_t traps = nos__stack_morestack_calls() - ms0;
    fprintf(stderr, "  fib(30): one %lld us, four interleaved %lld us, %llu __morestack calls\n",
            (long long)one, (long long)four, (unsigned long long)traps);
    /* Segment crossings and preemptions only: far fewer than the 5.4M calls made. */
    CHECK(traps < 100000);
#endif
    return 0;
}
