/*
 * timer.c - the reactor thread (one libuv loop) and the process timers it fires.
 *
 * One thread runs a libuv loop for the whole program. Other threads hand it work through
 * nos__reactor_submit (an MPSC list + uv_async_send); callbacks in the loop thread make
 * processes runnable again (nos__wake). The I/O natives (files, HTTP, PostgreSQL, TCP) build
 * on this: a process submits a request, parks with NOS_WAKE_IO, the completion wakes it.
 *
 * Timers (sleep, receive ... after) do not go through the request list: each process has
 * at most one armed timer, kept in a 4-ary min-heap of (deadline, process) entries
 * (p->heap_idx belongs to the heap: read and written only under timers.lock)
 * (arm/cancel are O(log n) from any worker). The loop's single uv_timer is set for the
 * heap's earliest deadline; arming a new earliest deadline pokes the loop with uv_async.
 * Firing pops every due process and wakes it with NOS_WAKE_TIMER; a process woken for an
 * old deadline just finds its condition false and parks again.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#ifndef GC_THREADS
#define GC_THREADS
#endif
#include <gc/gc.h>

#include "sched_internal.h"

NOS__SPLIT_STACK_AWARE;

/* A heap entry: the deadline is kept here, next to its process, so that sifting compares
 * without touching process records (and the records need no deadline field). */
typedef struct tentry {
    int64_t deadline;
    nos_pid_t *p;
} tentry_t;

static struct {
    pthread_mutex_t lock;
    tentry_t *heap;
    int32_t n, cap;
    _Atomic int64_t armed_for;   /* the deadline the loop's uv_timer is set for (INT64_MAX: none) */
} timers = {.lock = PTHREAD_MUTEX_INITIALIZER, .armed_for = INT64_MAX};

static uv_loop_t loop;
static uv_async_t wake_async;
static uv_timer_t tick_timer;
static _Atomic(nos__reactor_req_t *) reqs;
static _Atomic int started;

/* ---- the heap (timers.lock) ---------------------------------------------------------------------- */

static inline void heap_set(int32_t i, tentry_t e)
{
    timers.heap[i] = e;
    e.p->heap_idx = i;
}

static void sift_up(int32_t i)
{
    tentry_t e = timers.heap[i];
    while (i > 0) {
        int32_t parent = (i - 1) / 4;
        if (timers.heap[parent].deadline <= e.deadline)
            break;
        heap_set(i, timers.heap[parent]);
        i = parent;
    }
    heap_set(i, e);
}

static void sift_down(int32_t i)
{
    tentry_t e = timers.heap[i];
    for (;;) {
        int32_t c = 4 * i + 1, best = -1;
        int64_t bd = e.deadline;
        for (int32_t k = c; k < c + 4 && k < timers.n; k++) {
            if (timers.heap[k].deadline < bd) {
                bd = timers.heap[k].deadline;
                best = k;
            }
        }
        if (best < 0)
            break;
        heap_set(i, timers.heap[best]);
        i = best;
    }
    heap_set(i, e);
}

static void heap_remove(nos_pid_t *p)
{
    int32_t i = p->heap_idx;
    p->heap_idx = -1;
    atomic_fetch_and_explicit(&p->flags, ~(uint32_t)NOS_PF_TIMER_ARMED, memory_order_relaxed);
    if (--timers.n == i)
        return;
    heap_set(i, timers.heap[timers.n]);
    if (i > 0 && timers.heap[(i - 1) / 4].deadline > timers.heap[i].deadline)
        sift_up(i);
    else
        sift_down(i);
}

typedef struct arm_req {
    nos_pid_t *p;
    int64_t deadline;
} arm_req_t;

static void *arm_sys(void *arg)
{
    arm_req_t *r = arg;
    nos_pid_t *p = r->p;
    bool poke = false;
    pthread_mutex_lock(&timers.lock);
    if (p->heap_idx >= 0)
        heap_remove(p);
    if (timers.n == timers.cap) {
        int32_t cap = timers.cap ? timers.cap * 2 : 1024;
        tentry_t *h = realloc(timers.heap, (size_t)cap * sizeof *h);
        if (!h)
            nos__fatal("out of memory (timers)");
        timers.heap = h;
        timers.cap = cap;
    }
    atomic_fetch_or_explicit(&p->flags, NOS_PF_TIMER_ARMED, memory_order_relaxed);
    heap_set(timers.n++, (tentry_t){r->deadline, p});
    sift_up(timers.n - 1);
    if (p->heap_idx == 0 &&
        r->deadline < atomic_load_explicit(&timers.armed_for, memory_order_relaxed))
        poke = true;
    pthread_mutex_unlock(&timers.lock);
    if (poke && atomic_load_explicit(&started, memory_order_acquire))
        uv_async_send(&wake_async);
    return NULL;
}

void nos__timer_arm(nos_pid_t *p, int64_t deadline)
{
    arm_req_t r = {p, deadline};
    nos__on_system_stack(arm_sys, &r);
}

static void *cancel_sys(void *arg)
{
    nos_pid_t *p = arg;
    pthread_mutex_lock(&timers.lock);
    if (p->heap_idx >= 0)
        heap_remove(p);
    pthread_mutex_unlock(&timers.lock);
    return NULL;
}

void nos__timer_cancel(nos_pid_t *p)
{
    if (atomic_load_explicit(&p->flags, memory_order_relaxed) & NOS_PF_TIMER_ARMED)
        nos__on_system_stack(cancel_sys, p);
}

/* ---- sleep ----------------------------------------------------------------------------------------- */

static bool deadline_passed(nos_pid_t *p, void *arg)
{
    (void)p;
    return nos__now_ns() >= *(int64_t *)arg;
}

static bool sleep_commit(nos_pid_t *p, void *arg)
{
    int64_t deadline = *(int64_t *)arg;   /* p may run again once the mask is out */
    nos__timer_arm(p, deadline);
    return nos__park_commit(p, NOS_WAKE_TIMER, deadline_passed, &deadline);
}

void nos_sleep(int64_t ms)
{
    nos__worker_t *w = nos__w();
    if (!w || !w->cur || w->on_sys) {
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
        if (ms > 0)
            nanosleep(&ts, NULL);
        return;
    }
    if (ms <= 0) {
        nos_yield();
        return;
    }
    if (ms > INT64_MAX / 2000000)
        ms = INT64_MAX / 2000000;
    nos_pid_t *p = w->cur;
    int64_t deadline = nos__now_ns() + ms * 1000000;
    while (nos__now_ns() < deadline) {
        nos__park(sleep_commit, &deadline);
        p = nos__w()->cur;
    }
    nos__timer_cancel(p);
}

/* ---- the loop thread ------------------------------------------------------------------------------ */

#define FIRE_BATCH 256

static void on_tick(uv_timer_t *t);

static void run_timers(void)
{
    nos_pid_t *due[FIRE_BATCH];
    for (;;) {
        int n = 0;
        int64_t now = nos__now_ns(), next = INT64_MAX;
        pthread_mutex_lock(&timers.lock);
        while (timers.n > 0 && n < FIRE_BATCH && timers.heap[0].deadline <= now) {
            due[n++] = timers.heap[0].p;
            heap_remove(timers.heap[0].p);
        }
        if (timers.n > 0)
            next = timers.heap[0].deadline;
        if (n < FIRE_BATCH)
            atomic_store_explicit(&timers.armed_for, next, memory_order_relaxed);
        pthread_mutex_unlock(&timers.lock);
        for (int i = 0; i < n; i++)
            nos__wake(due[i], NOS_WAKE_TIMER);
        if (n == FIRE_BATCH)
            continue;
        if (next == INT64_MAX) {
            uv_timer_stop(&tick_timer);
        } else {
            int64_t ms = (next - now + 999999) / 1000000;
            uv_update_time(&loop);
            uv_timer_start(&tick_timer, on_tick, (uint64_t)(ms > 0 ? ms : 0), 0);
        }
        return;
    }
}

static void on_tick(uv_timer_t *t)
{
    (void)t;
    run_timers();
}

static void on_wake(uv_async_t *a)
{
    (void)a;
    nos__reactor_req_t *r = atomic_exchange_explicit(&reqs, NULL, memory_order_acquire);
    nos__reactor_req_t *fifo = NULL;
    while (r) {
        nos__reactor_req_t *next = r->next;
        r->next = fifo;
        fifo = r;
        r = next;
    }
    while (fifo) {
        nos__reactor_req_t *next = fifo->next;
        fifo->fn(&loop, fifo->arg);
        fifo = next;
    }
    run_timers();
}

static void *reactor_main(void *unused)
{
    (void)unused;
    pthread_setname_np(pthread_self(), "nos-reactor");
    sigset_t set;
    sigemptyset(&set);
    pthread_sigmask(SIG_SETMASK, &set, NULL);
    atomic_store_explicit(&started, 1, memory_order_release);
    uv_async_send(&wake_async);
    uv_run(&loop, UV_RUN_DEFAULT);
    return NULL;
}

void nos__reactor_init(void)
{
    if (uv_loop_init(&loop) != 0)
        nos__fatal("cannot initialise the event loop");
    uv_async_init(&loop, &wake_async, on_wake);
    uv_timer_init(&loop, &tick_timer);
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, (size_t)1 << 20);
#if defined(NOS_TSAN)
    /* Under TSan, Boehm's stop signal does not reliably reach a thread that sits in
     * epoll_wait; the loop only touches process records, which the process table keeps
     * alive, so it runs unregistered there. */
#undef pthread_create
#endif
    if (pthread_create(&th, &attr, reactor_main, NULL) != 0)
        nos__fatal("cannot create the reactor thread");
    pthread_attr_destroy(&attr);
}

void nos__reactor_submit(nos__reactor_req_t *r, void (*fn)(uv_loop_t *loop, void *arg), void *arg)
{
    r->fn = fn;
    r->arg = arg;
    r->next = atomic_load_explicit(&reqs, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&reqs, &r->next, r, memory_order_release,
                                                  memory_order_relaxed))
        ;
    uv_async_send(&wake_async);
}
