/*
 * bench.c - micro-benchmarks of the process runtime, written the way generated code uses
 * it (this file is compiled with -fsplit-stack and linked like a Nostos program, see
 * run.sh). Each benchmark checks its own answer before it prints its time, and prints one
 * line: bench=NAME ... metric=VALUE.
 *
 *   bench spawn_wait N        spawn N processes that each send one message; collect them
 *   bench idle_procs N        N processes report ready, then block in receive; RSS/process
 *   bench ping_pong N         N round trips between a ping and a pong process
 *   bench ring NODES HOPS     a token passed around a ring, decremented per hop
 *   bench mutex PROCS INCS    PROCS processes increment one mvar INCS times each
 *   bench timers N MS         N processes sleep MS each; total time
 *   bench fib K N             K processes compute fib(N) in parallel
 */
#define GC_THREADS
#include <gc/gc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nostos.h"

static int g_argc;
static char **g_argv;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t arg(int i, int64_t dflt)
{
    return g_argc > i ? atoll(g_argv[i]) : dflt;
}

static nos_closure_t *closure(void *fn, int n, nos_val_t a, nos_val_t b, nos_val_t c)
{
    nos_closure_t *k = nos_alloc(sizeof(nos_closure_t) + 3 * sizeof(nos_val_t));
    k->fn = fn;
    k->env[0] = a;
    k->env[1] = b;
    k->env[2] = c;
    (void)n;
    return k;
}

static nos_val_t recv_any(const nos_type_t **t)
{
    nos_recv_t r;
    nos_recv_begin(&r, -1);
    nos_msg_t *m = nos_recv_next(&r);
    nos_val_t v = m->value;
    if (t)
        *t = m->type;
    nos_recv_take(&r, m);
    return v;
}

static void fail(const char *what)
{
    fprintf(stderr, "bench: wrong answer: %s\n", what);
    fflush(NULL);
    _exit(1);
}

/* ---- spawn_wait ---------------------------------------------------------------------------- */

static nos_val_t sw_child(nos_closure_t *c)
{
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, c->env[1]);
    return 0;
}

static void spawn_wait(void)
{
    int64_t n = arg(2, 1000000);
    int64_t t0 = now_ns();
    nos_pid_t *me = nos_self();
    for (int64_t i = 0; i < n; i++)
        nos_spawn(closure(sw_child, 2, (nos_val_t)(uintptr_t)me, (nos_val_t)i, 0));
    int64_t sum = 0;
    for (int64_t i = 0; i < n; i++)
        sum += (int64_t)recv_any(NULL);
    int64_t t1 = now_ns();
    if (sum != n * (n - 1) / 2)
        fail("spawn_wait sum");
    printf("bench=spawn_wait lang=nostos-c n=%lld ms=%.1f\n", (long long)n, (t1 - t0) / 1e6);
}

/* ---- idle_procs ------------------------------------------------------------------------------ */

static long rss_bytes(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * sysconf(_SC_PAGESIZE);
}

static long hwm_bytes(void)
{
    char line[256];
    long kb = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb * 1024;
}

static nos_val_t idle_child(nos_closure_t *c)
{
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, 1);
    const nos_type_t *t;
    recv_any(&t);   /* blocks until stopped */
    return 0;
}

static void idle_procs(void)
{
    int64_t n = arg(2, 1000000);
    nos_pid_t *me = nos_self();
    GC_gcollect();
    long before = rss_bytes();
    int64_t t0 = now_ns();
    nos_pid_t **pids = GC_MALLOC((size_t)n * sizeof *pids);
    for (int64_t i = 0; i < n; i++)
        pids[i] = nos_spawn(closure(idle_child, 1, (nos_val_t)(uintptr_t)me, 0, 0));
    int64_t ready = 0;
    for (int64_t i = 0; i < n; i++)
        ready += (int64_t)recv_any(NULL);
    int64_t t1 = now_ns();
    if (ready != n)
        fail("idle_procs ready count");
    long after = rss_bytes(), hwm = hwm_bytes();
    nos_val_t *st = nos_vm_stats();
    if ((int64_t)st[2] != n + 1)
        fail("idle_procs live count");
    printf("bench=idle_procs lang=nostos-c n=%lld bytes_per_proc=%.0f peak_rss_mib=%.1f "
           "spawn_ready_ms=%.0f\n",
           (long long)n, (double)(after - before) / (double)n, hwm / 1048576.0,
           (t1 - t0) / 1e6);
    fflush(stdout);
    _exit(0);
}

/* ---- ping_pong ------------------------------------------------------------------------------- */

static nos_val_t pong(nos_closure_t *c)
{
    (void)c;
    for (;;) {
        const nos_type_t *t;
        nos_val_t v = recv_any(&t);
        if (t == &nos_type_unit)
            return 0;
        nos_send((nos_pid_t *)(uintptr_t)v, &nos_type_int, 1);
    }
}

static nos_val_t ping(nos_closure_t *c)
{
    nos_pid_t *parent = (nos_pid_t *)c->env[0], *po = (nos_pid_t *)c->env[1];
    int64_t n = (int64_t)c->env[2], got = 0;
    nos_pid_t *me = nos_self();
    for (int64_t i = 0; i < n; i++) {
        nos_send(po, &nos_type_pid, (nos_val_t)(uintptr_t)me);
        got += (int64_t)recv_any(NULL);
    }
    nos_send(po, &nos_type_unit, 0);
    nos_send(parent, &nos_type_int, (nos_val_t)got);
    return 0;
}

static void ping_pong(void)
{
    int64_t n = arg(2, 1000000);
    int64_t t0 = now_ns();
    nos_pid_t *po = nos_spawn(closure(pong, 0, 0, 0, 0));
    nos_spawn(closure(ping, 3, (nos_val_t)(uintptr_t)nos_self(), (nos_val_t)(uintptr_t)po,
                      (nos_val_t)n));
    int64_t got = (int64_t)recv_any(NULL);
    int64_t t1 = now_ns();
    if (got != n)
        fail("ping_pong count");
    printf("bench=ping_pong lang=nostos-c n=%lld ns_per_round_trip=%.1f\n", (long long)n,
           (double)(t1 - t0) / (double)n);
}

/* ---- ring ------------------------------------------------------------------------------------ */

static nos_val_t ring_node(nos_closure_t *c)
{
    nos_pid_t *parent = (nos_pid_t *)c->env[0];
    /* the first message is the next node */
    nos_pid_t *next = (nos_pid_t *)(uintptr_t)recv_any(NULL);
    for (;;) {
        int64_t hops = (int64_t)recv_any(NULL);
        if (hops == 0) {
            nos_send(parent, &nos_type_int, 1);
            continue;
        }
        if (hops < 0)
            return 0;
        nos_send(next, &nos_type_int, (nos_val_t)(hops - 1));
    }
}

static void ring(void)
{
    int64_t nodes = arg(2, 100), hops = arg(3, 1000000);
    nos_pid_t *me = nos_self();
    nos_pid_t **p = GC_MALLOC((size_t)nodes * sizeof *p);
    for (int64_t i = 0; i < nodes; i++)
        p[i] = nos_spawn(closure(ring_node, 1, (nos_val_t)(uintptr_t)me, 0, 0));
    for (int64_t i = 0; i < nodes; i++)
        nos_send(p[i], &nos_type_pid, (nos_val_t)(uintptr_t)p[(i + 1) % nodes]);
    int64_t t0 = now_ns();
    nos_send(p[0], &nos_type_int, (nos_val_t)hops);
    if ((int64_t)recv_any(NULL) != 1)
        fail("ring token");
    int64_t t1 = now_ns();
    for (int64_t i = 0; i < nodes; i++)
        nos_send(p[i], &nos_type_int, (nos_val_t)-1);
    printf("bench=ring lang=nostos-c nodes=%lld hops=%lld ns_per_hop=%.1f\n", (long long)nodes,
           (long long)hops, (double)(t1 - t0) / (double)hops);
}

/* ---- mutex ------------------------------------------------------------------------------------ */

static nos_mvar_t counter;

static nos_val_t incr(nos_closure_t *c)
{
    int64_t n = (int64_t)c->env[1];
    for (int64_t i = 0; i < n; i++) {
        nos_mvar_lock(&counter);
        counter.value = counter.value + 1;
        nos_mvar_unlock(&counter);
    }
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, 1);
    return 0;
}

static void mutex(void)
{
    int64_t procs = arg(2, 1000), incs = arg(3, 1000);
    nos_mvar_init(&counter, &nos_type_int);
    int64_t t0 = now_ns();
    for (int64_t i = 0; i < procs; i++)
        nos_spawn(closure(incr, 2, (nos_val_t)(uintptr_t)nos_self(), (nos_val_t)incs, 0));
    for (int64_t i = 0; i < procs; i++)
        recv_any(NULL);
    int64_t t1 = now_ns();
    nos_mvar_lock_shared(&counter);
    int64_t total = (int64_t)counter.value;
    nos_mvar_unlock_shared(&counter);
    if (total != procs * incs)
        fail("mutex total");
    printf("bench=mutex lang=nostos-c procs=%lld incs=%lld total=%lld ns_per_inc=%.1f\n",
           (long long)procs, (long long)incs, (long long)total,
           (double)(t1 - t0) / (double)(procs * incs));
}

/* ---- timers ------------------------------------------------------------------------------------ */

static nos_val_t sleeper(nos_closure_t *c)
{
    nos_sleep((int64_t)c->env[1]);
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, 1);
    return 0;
}

static void timers(void)
{
    int64_t n = arg(2, 100000), ms = arg(3, 100);
    int64_t t0 = now_ns();
    for (int64_t i = 0; i < n; i++)
        nos_spawn(closure(sleeper, 2, (nos_val_t)(uintptr_t)nos_self(), (nos_val_t)ms, 0));
    int64_t done = 0;
    for (int64_t i = 0; i < n; i++)
        done += (int64_t)recv_any(NULL);
    int64_t t1 = now_ns();
    if (done != n || t1 - t0 < ms * 1000000)
        fail("timers");
    printf("bench=timers lang=nostos-c n=%lld sleep_ms=%lld total_ms=%.1f\n", (long long)n,
           (long long)ms, (t1 - t0) / 1e6);
}

/* ---- fib ---------------------------------------------------------------------------------------- */

__attribute__((noinline)) static int64_t fib(int64_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static nos_val_t fib_child(nos_closure_t *c)
{
    nos_send((nos_pid_t *)c->env[0], &nos_type_int, (nos_val_t)fib((int64_t)c->env[1]));
    return 0;
}

static void fibpar(void)
{
    int64_t k = arg(2, 8), n = arg(3, 35);
    int64_t t0 = now_ns();
    for (int64_t i = 0; i < k; i++)
        nos_spawn(closure(fib_child, 2, (nos_val_t)(uintptr_t)nos_self(), (nos_val_t)n, 0));
    int64_t sum = 0;
    for (int64_t i = 0; i < k; i++)
        sum += (int64_t)recv_any(NULL);
    int64_t t1 = now_ns();
    int64_t one = fib(n < 30 ? n : 30);
    (void)one;
    if (sum != k * fib(n))
        fail("fib");
    printf("bench=fib lang=nostos-c k=%lld n=%lld ms=%.1f\n", (long long)k, (long long)n,
           (t1 - t0) / 1e6);
}

static nos_val_t bench_main(void)
{
    const char *b = g_argc > 1 ? g_argv[1] : "";
    if (!strcmp(b, "spawn_wait"))
        spawn_wait();
    else if (!strcmp(b, "idle_procs"))
        idle_procs();
    else if (!strcmp(b, "ping_pong"))
        ping_pong();
    else if (!strcmp(b, "ring"))
        ring();
    else if (!strcmp(b, "mutex"))
        mutex();
    else if (!strcmp(b, "timers"))
        timers();
    else if (!strcmp(b, "fib"))
        fibpar();
    else
        fprintf(stderr, "usage: bench spawn_wait|idle_procs|ping_pong|ring|mutex|timers|fib ...\n");
    return 0;
}

int main(int argc, char **argv)
{
    g_argc = argc;
    g_argv = argv;
    return nos_main(argc, argv, NULL, bench_main, &nos_type_unit);
}
