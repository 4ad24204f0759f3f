/*
 * sched.c - the M:N scheduler: worker threads, run queues, work stealing, idle parking,
 * park/wake of processes, preemption (watchdog) and the system-stack trampoline.
 *
 * Workers. N worker threads (NOSTOS_THREADS, default: online CPUs) run processes; worker 0
 * is the thread that called nos_main. Each worker runs `schedule` on its own pthread stack
 * (the "system stack") and switches into one process at a time. A process always returns
 * to that scheduler context when it parks, yields or ends (Go's mcall): the scheduler then
 * runs the park's commit function on its own stack, so a process is never made visible as
 * parked before its context is completely saved.
 *
 * Run queues follow Go's design: a 256-entry ring per worker (owner pushes at the tail, the
 * owner and thieves take from the head with a CAS) plus `runnext`, the slot for a process
 * just woken by the running one (message passing then runs the receiver next, on the same
 * worker, without touching the ring); a global queue under sched.lock takes overflow,
 * preempted processes and wake-ups from non-worker threads. An idle worker steals half of
 * another's ring, then sleeps on a futex on the idle list. Wake-ups follow Go's spinning
 * protocol: whoever makes work runnable wakes an idle worker if there is one and nobody is
 * spinning; a spinning worker that finds work wakes the next one; the last spinner to give
 * up re-checks every queue before sleeping, so no wake-up is lost.
 *
 * Parking. A process that blocks publishes in p->wake the events that may wake it
 * (nos__park_commit), after its context is saved; whoever produces such an event wins the
 * process by a CAS of p->wake to 0 (nos__wake) and makes it runnable. The commit re-checks
 * its condition after publishing (a Dekker pair with the producer, both seq_cst), so an
 * event that raced with parking either sees the mask or is seen by the commit.
 *
 * Preemption. A watchdog thread looks at every worker each 2 ms; a process that has run for
 * NOS_TIMESLICE_NS without switching gets its worker's stack limit (%fs:0x70) poisoned with
 * ~0, so the next split-stack prologue or loop back-edge check calls into the runtime,
 * which yields to the global queue.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef GC_THREADS
#define GC_THREADS
#endif
#include <gc/gc.h>

#include "sched_internal.h"

NOS__SPLIT_STACK_AWARE;

nos__worker_t **nos__workers;
int nos__nworkers;
_Thread_local nos__worker_t *nos__tls_worker;
#if !defined(__x86_64__)
_Thread_local uintptr_t nos__stack_limit;
void nos__set_limit(uintptr_t v)
{
    __atomic_store_n(&nos__stack_limit, v, __ATOMIC_RELAXED);
}
uintptr_t nos__get_limit(void)
{
    return __atomic_load_n(&nos__stack_limit, __ATOMIC_RELAXED);
}
#endif

__attribute__((noinline)) nos__worker_t *nos__w_slow(void)
{
    __asm__ volatile("" ::: "memory");
    return nos__tls_worker;
}

/*
 * Global scheduler state. sched.lock guards the global queues and the idle list. Of the two
 * global queues, gq[0] holds processes woken by other threads (timers, I/O completions):
 * they are taken before gq[1] (preempted processes, run-queue overflow), so a process that
 * waited for an event does not queue behind CPU-bound ones.
 */
static struct {
    pthread_mutex_t lock;
    struct {
        nos_pid_t *head, *tail;
    } gq[2];
    _Atomic int64_t gq_n;
    nos__worker_t *idle;          /* idle workers, linked through idle_next */
    _Atomic int npidle;
    _Atomic int nmspinning;
} sched = {.lock = PTHREAD_MUTEX_INITIALIZER};

int64_t nos__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t nos__now_coarse_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#if defined(NOS_TSAN)
/*
 * TSan runs asynchronous signal handlers only inside intercepted blocking calls (or when
 * one returns), so a worker that only switches processes would never answer the
 * collector's suspend signal. Make such a call now and then.
 */
void nos__tsan_poll(void)
{
    struct timespec ts = {0, 0};
    nanosleep(&ts, NULL);
}
#endif

static void futex_wait(_Atomic uint32_t *addr, uint32_t val)
{
#if defined(NOS_TSAN)
    /* Under TSan an idle worker polls in an intercepted sleep instead. */
    (void)addr;
    (void)val;
    struct timespec ts = {0, 200 * 1000};
    nanosleep(&ts, NULL);
    nos__gc_safepoint();
#else
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
#endif
}

static void futex_wake(_Atomic uint32_t *addr)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static inline uint32_t fastrand(nos__worker_t *w)
{
    uint32_t x = w->rand;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return w->rand = x;
}

/* ---- global queue (sched.lock) ---------------------------------------------------------------- */

static void globq_put_locked(nos_pid_t *p, int q)
{
    p->next = NULL;
    if (sched.gq[q].tail)
        sched.gq[q].tail->next = p;
    else
        sched.gq[q].head = p;
    sched.gq[q].tail = p;
    atomic_fetch_add_explicit(&sched.gq_n, 1, memory_order_relaxed);
}

static nos_pid_t *globq_pop_locked(void)
{
    int q = sched.gq[0].head ? 0 : 1;
    nos_pid_t *p = sched.gq[q].head;
    sched.gq[q].head = p->next;
    if (!sched.gq[q].head)
        sched.gq[q].tail = NULL;
    return p;
}

static void *globq_put_slow(void *arg)
{
    nos_pid_t *p = (nos_pid_t *)((uintptr_t)arg & ~(uintptr_t)1);
    pthread_mutex_lock(&sched.lock);
    globq_put_locked(p, (uintptr_t)arg & 1 ? 0 : 1);
    pthread_mutex_unlock(&sched.lock);
    return NULL;
}

/* Any thread. woken: the process waited for an event (it goes first). */
static __attribute__((noinline)) void globq_put(nos_pid_t *p, bool woken)
{
    nos__on_system_stack(globq_put_slow, (void *)((uintptr_t)p | (woken ? 1 : 0)));
}

static bool runq_put(nos__worker_t *w, nos_pid_t *p, bool next);

/* Take one process and move a fair share more into w's ring. Holds sched.lock. */
static nos_pid_t *globq_get_locked(nos__worker_t *w, int max)
{
    int64_t total = atomic_load_explicit(&sched.gq_n, memory_order_relaxed);
    if (total == 0)
        return NULL;
    int64_t n = total / nos__nworkers + 1;
    if (n > total)
        n = total;
    if (max > 0 && n > max)
        n = max;
    if (n > NOS_RUNQ_SIZE / 2)
        n = NOS_RUNQ_SIZE / 2;
    nos_pid_t *p = globq_pop_locked();
    for (int64_t i = 1; i < n; i++)
        runq_put(w, globq_pop_locked(), false);
    atomic_fetch_sub_explicit(&sched.gq_n, n, memory_order_relaxed);
    return p;
}

/* Scheduler context of w only. */
static nos_pid_t *globq_get(nos__worker_t *w, int max)
{
    if (atomic_load_explicit(&sched.gq_n, memory_order_relaxed) == 0)
        return NULL;
    pthread_mutex_lock(&sched.lock);
    nos_pid_t *p = globq_get_locked(w, max);
    pthread_mutex_unlock(&sched.lock);
    return p;
}

/* ---- local run queues (Go's runq) -------------------------------------------------------------- */

typedef struct put_slow_req {
    nos__worker_t *w;
    nos_pid_t *p;
    uint32_t h, t;
    bool done;
} put_slow_req_t;

/* The ring is full: move half of it and p to the global queue. Owner, system stack. */
static void *runq_put_slow(void *arg)
{
    put_slow_req_t *r = arg;
    nos__worker_t *w = r->w;
    uint32_t n = (r->t - r->h) / 2;
    nos_pid_t *batch[NOS_RUNQ_SIZE / 2 + 1];
    for (uint32_t i = 0; i < n; i++)
        batch[i] = atomic_load_explicit(&w->runq[(r->h + i) % NOS_RUNQ_SIZE],
                                        memory_order_relaxed);
    uint32_t h = r->h;
    if (!atomic_compare_exchange_strong_explicit(&w->runq_head, &h, r->h + n,
                                                 memory_order_release, memory_order_relaxed)) {
        r->done = false;   /* thieves took some: the ring has room again */
        return NULL;
    }
    batch[n] = r->p;
    pthread_mutex_lock(&sched.lock);
    for (uint32_t i = 0; i <= n; i++)
        globq_put_locked(batch[i], 1);
    pthread_mutex_unlock(&sched.lock);
    r->done = true;
    return NULL;
}

/* Kept out of line (and its request out of runq_put's frame): the nosplit budget. */
static __attribute__((noinline, cold)) bool runq_put_overflow(nos__worker_t *w, nos_pid_t *p,
                                                              uint32_t h, uint32_t t)
{
    put_slow_req_t r = {w, p, h, t, false};
    nos__on_system_stack(runq_put_slow, &r);
    return r.done;
}

/* Owner only. next: put p in runnext (the old runnext moves to the tail). Returns true if
 * the ring was full and half of it went to the global queue. */
static bool runq_put(nos__worker_t *w, nos_pid_t *p, bool next)
{
    if (next) {
        nos_pid_t *old = atomic_exchange_explicit(&w->runnext, p, memory_order_acq_rel);
        if (!old)
            return false;
        p = old;
    }
    for (;;) {
        uint32_t h = atomic_load_explicit(&w->runq_head, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&w->runq_tail, memory_order_relaxed);
        if (t - h < NOS_RUNQ_SIZE) {
            atomic_store_explicit(&w->runq[t % NOS_RUNQ_SIZE], p, memory_order_relaxed);
            atomic_store_explicit(&w->runq_tail, t + 1, memory_order_release);
            return false;
        }
        if (runq_put_overflow(w, p, h, t))
            return true;
    }
}

/* Owner only. */
static nos_pid_t *runq_get(nos__worker_t *w)
{
    nos_pid_t *p = atomic_load_explicit(&w->runnext, memory_order_relaxed);
    if (p && atomic_compare_exchange_strong_explicit(&w->runnext, &p, NULL, memory_order_acquire,
                                                     memory_order_relaxed))
        return p;
    for (;;) {
        uint32_t h = atomic_load_explicit(&w->runq_head, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&w->runq_tail, memory_order_relaxed);
        if (t == h)
            return NULL;
        p = atomic_load_explicit(&w->runq[h % NOS_RUNQ_SIZE], memory_order_relaxed);
        if (atomic_compare_exchange_strong_explicit(&w->runq_head, &h, h + 1, memory_order_release,
                                                    memory_order_relaxed))
            return p;
    }
}

static bool runq_empty(nos__worker_t *w)
{
    uint32_t h = atomic_load_explicit(&w->runq_head, memory_order_acquire);
    uint32_t t = atomic_load_explicit(&w->runq_tail, memory_order_acquire);
    return t == h && !atomic_load_explicit(&w->runnext, memory_order_acquire);
}

/* Take half of v's ring into w's ring at w's tail (w's ring is empty). Any thief. */
static uint32_t runq_grab(nos__worker_t *v, nos__worker_t *w, uint32_t at, bool steal_next)
{
    for (;;) {
        uint32_t h = atomic_load_explicit(&v->runq_head, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&v->runq_tail, memory_order_acquire);
        uint32_t n = t - h;
        n = n - n / 2;
        if (n == 0) {
            if (!steal_next)
                return 0;
            nos_pid_t *next = atomic_load_explicit(&v->runnext, memory_order_acquire);
            if (!next)
                return 0;
            /* v may be about to run it: give v a couple of microseconds first. */
            uint64_t tick = atomic_load_explicit(&v->tick_pub, memory_order_relaxed);
            for (int i = 0; i < 2000; i++) {
                cpu_relax();
                if (atomic_load_explicit(&v->tick_pub, memory_order_relaxed) != tick)
                    return 0;
            }
            if (!atomic_compare_exchange_strong_explicit(&v->runnext, &next, NULL,
                                                         memory_order_acquire,
                                                         memory_order_relaxed))
                continue;
            atomic_store_explicit(&w->runq[at % NOS_RUNQ_SIZE], next, memory_order_relaxed);
            return 1;
        }
        if (n > NOS_RUNQ_SIZE / 2)
            continue;   /* read h and t at different times */
        for (uint32_t i = 0; i < n; i++) {
            nos_pid_t *p = atomic_load_explicit(&v->runq[(h + i) % NOS_RUNQ_SIZE],
                                                memory_order_relaxed);
            atomic_store_explicit(&w->runq[(at + i) % NOS_RUNQ_SIZE], p, memory_order_relaxed);
        }
        if (atomic_compare_exchange_strong_explicit(&v->runq_head, &h, h + n, memory_order_release,
                                                    memory_order_relaxed))
            return n;
    }
}

/* w steals from v. Scheduler context of w (w's ring empty). */
static nos_pid_t *runq_steal(nos__worker_t *w, nos__worker_t *v, bool steal_next)
{
    uint32_t t = atomic_load_explicit(&w->runq_tail, memory_order_relaxed);
    uint32_t n = runq_grab(v, w, t, steal_next);
    if (n == 0)
        return NULL;
    n--;
    nos_pid_t *p = atomic_load_explicit(&w->runq[(t + n) % NOS_RUNQ_SIZE], memory_order_relaxed);
    if (n == 0)
        return p;
    atomic_store_explicit(&w->runq_tail, t + n, memory_order_release);
    return p;
}

/* ---- waking idle workers -------------------------------------------------------------------- */

/* Wake one idle worker as a spinner, if nobody spins yet. Any thread. */
static void *wakep_slow(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&sched.lock);
    nos__worker_t *w = sched.idle;
    if (w) {
        sched.idle = w->idle_next;
        atomic_fetch_sub_explicit(&sched.npidle, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&sched.lock);
    if (!w) {
        atomic_fetch_sub_explicit(&sched.nmspinning, 1, memory_order_seq_cst);
        return NULL;
    }
    w->spinning = 1;   /* counted in nmspinning by us */
    atomic_store_explicit(&w->parked, 0, memory_order_release);
    futex_wake(&w->parked);
    return NULL;
}

static __attribute__((noinline, cold)) void wakep(void)
{
    int zero = 0;
    if (atomic_load_explicit(&sched.nmspinning, memory_order_seq_cst) != 0 ||
        !atomic_compare_exchange_strong_explicit(&sched.nmspinning, &zero, 1,
                                                 memory_order_seq_cst, memory_order_relaxed))
        return;
    nos__on_system_stack(wakep_slow, NULL);
}

static inline void maybe_wakep(void)
{
    if (atomic_load_explicit(&sched.npidle, memory_order_seq_cst) > 0 &&
        atomic_load_explicit(&sched.nmspinning, memory_order_seq_cst) == 0)
        wakep();
}

static void switch_to_sched(nos__worker_t *w, nos_pid_t *p);

/* ---- making processes runnable ----------------------------------------------------------------- */

/*
 * A woken process goes to runnext of the waking worker: in message passing the waker
 * usually blocks soon and the woken one runs next, here, with warm caches. Filling an empty
 * runnext wakes nobody (Tokio's LIFO slot): an idle worker would only find it after the
 * owner is done (runnext is stolen late), so a futex wake per message would buy nothing. If
 * the waker keeps running instead, the watchdog sees the waiting process within 1 ms and
 * preempts the waker or wakes an idle worker to steal it.
 */
void nos__ready(nos_pid_t *p)
{
    atomic_store_explicit(&p->state, NOS_P_RUNNABLE, memory_order_relaxed);
    nos__worker_t *w = nos__w();
    if (w) {
        nos_pid_t *old = atomic_exchange_explicit(&w->runnext, p, memory_order_acq_rel);
        if (!old)
            return;
        runq_put(w, old, false);
    } else {
        globq_put(p, true);
    }
    maybe_wakep();
}

/*
 * Spawning has back-pressure: a process whose spawn overflows its worker's run queue
 * yields to the global queue behind the overflow, so the processes it made run (and most
 * often end) before it makes more. A spawn loop then keeps a few hundred processes alive
 * instead of all of them: their records and segments stay in cache and are reused, and a
 * collection meanwhile has few stacks to scan.
 */
void nos__spawn_enqueue(nos_pid_t *p)
{
    atomic_store_explicit(&p->state, NOS_P_RUNNABLE, memory_order_relaxed);
    nos__worker_t *w = nos__w();
    if (!w) {
        globq_put(p, false);
        maybe_wakep();
        return;
    }
    bool full = runq_put(w, p, false);
    maybe_wakep();
    if (full && w->cur && !w->on_sys) {
        w->act = NOS_ACT_PREEMPT;
        switch_to_sched(w, w->cur);
    }
}

bool nos__wake(nos_pid_t *p, uint32_t why)
{
    uint32_t m = atomic_load_explicit(&p->wake, memory_order_seq_cst);
    while (m & why) {
        if (atomic_compare_exchange_weak_explicit(&p->wake, &m, 0, memory_order_seq_cst,
                                                  memory_order_seq_cst)) {
            nos__ready(p);
            return true;
        }
    }
    return false;
}

/* Any thread; b belongs to the caller. */
bool nos__wake_into(nos_pid_t *p, uint32_t why, nos__wake_batch_t *b)
{
    uint32_t m = atomic_load_explicit(&p->wake, memory_order_seq_cst);
    while (m & why) {
        if (atomic_compare_exchange_weak_explicit(&p->wake, &m, 0, memory_order_seq_cst,
                                                  memory_order_seq_cst)) {
            atomic_store_explicit(&p->state, NOS_P_RUNNABLE, memory_order_relaxed);
            p->next = NULL;
            if (b->tail)
                b->tail->next = p;
            else
                b->head = p;
            b->tail = p;
            b->n++;
            return true;
        }
    }
    return false;
}

/* Any thread outside a process (it locks sched.lock on its own stack); b is the caller's. */
void nos__ready_batch(nos__wake_batch_t *b)
{
    if (!b->head)
        return;
    pthread_mutex_lock(&sched.lock);
    if (sched.gq[0].tail)
        sched.gq[0].tail->next = b->head;
    else
        sched.gq[0].head = b->head;
    sched.gq[0].tail = b->tail;
    atomic_fetch_add_explicit(&sched.gq_n, b->n, memory_order_relaxed);
    pthread_mutex_unlock(&sched.lock);
    b->head = b->tail = NULL;
    b->n = 0;
    maybe_wakep();
}

bool nos__park_commit(nos_pid_t *p, uint32_t mask, bool (*cond)(nos_pid_t *p, void *arg),
                      void *arg)
{
    atomic_store_explicit(&p->state, mask == NOS_WAKE_TIMER ? NOS_P_SLEEPING : NOS_P_WAITING,
                          memory_order_relaxed);
    atomic_store_explicit(&p->wake, mask | NOS_WAKE_KILL, memory_order_seq_cst);
    if ((atomic_load_explicit(&p->flags, memory_order_seq_cst) & NOS_PF_KILLED) ||
        (cond && cond(p, arg))) {
        uint32_t m = atomic_load_explicit(&p->wake, memory_order_seq_cst);
        while (m) {
            if (atomic_compare_exchange_weak_explicit(&p->wake, &m, 0, memory_order_seq_cst,
                                                      memory_order_seq_cst)) {
                atomic_store_explicit(&p->state, NOS_P_RUNNING, memory_order_relaxed);
                return false;
            }
        }
        /* Somebody else won p: it is on its way to a run queue. */
    }
    return true;
}

/* ---- process side ---------------------------------------------------------------------------- */

static void switch_to_sched(nos__worker_t *w, nos_pid_t *p)
{
    nos__budget_check(nos__sp());
    nos__san_switch_begin(w, NULL, w->act == NOS_ACT_EXIT);
    nos__ctx_switch(&p->sp, w->sched_sp);
    nos__san_switch_end(nos__w(), p);
}

void nos__park(nos__park_fn fn, void *arg)
{
    nos__worker_t *w = nos__w();
    w->act = NOS_ACT_PARK;
    w->act_fn = fn;
    w->act_arg = arg;
    switch_to_sched(w, w->cur);
}

void nos_yield(void)
{
    nos__worker_t *w = nos__w();
    if (!w || !w->cur || w->on_sys)
        return;
    w->act = NOS_ACT_YIELD;
    switch_to_sched(w, w->cur);
}

_Noreturn void nos__proc_exit(void)
{
    nos__worker_t *w = nos__w();
    w->act = NOS_ACT_EXIT;
    switch_to_sched(w, w->cur);
    nos__fatal("a dead process was resumed");
}

_Noreturn void nos__proc_die(void)
{
    nos__proc_exit();
}

void nos__preempt_point(void)
{
    nos__worker_t *w = nos__w();
    nos_pid_t *p = w ? w->cur : NULL;
    if (!p || w->on_sys) {
        if (w && nos__get_limit() == NOS_LIMIT_POISON)
            nos__set_limit(0);
        return;
    }
    nos__set_limit(nos__seg_limit(p->seg));
    if (atomic_load_explicit(&p->flags, memory_order_acquire) & NOS_PF_KILLED)
        nos__proc_die();
    if (atomic_load_explicit(&w->preempt_req, memory_order_relaxed) == w->tick) {
        w->act = NOS_ACT_PREEMPT;
        switch_to_sched(w, p);
    }
}

void nos_preempt(void);
void nos_preempt(void)
{
    if (nos__get_limit() == NOS_LIMIT_POISON)
        nos__preempt_point();
}

static void *throw_overflow_sys(void *unused)
{
    (void)unused;
    nos_throw_error("StackOverflow", "Stack overflow");
}

/* aarch64's function-entry check: a poisoned limit is a preemption request; otherwise the
 * process's one contiguous stack really is exhausted. */
void nos_stack_check(void)
{
    if (nos__get_limit() == NOS_LIMIT_POISON) {
        nos__preempt_point();
        return;
    }
    nos__worker_t *w = nos__w();
    if (!w || !w->cur || w->on_sys)
        return;
    throw_overflow_sys(NULL);
}

#if defined(__x86_64__) && defined(NDEBUG) && !defined(NOS_ASAN) && !defined(NOS_TSAN)
void *nos__on_sys_fast(void *(*fn)(void *), void *arg);   /* ctx_x86_64.S */

void *nos__on_system_stack(void *(*fn)(void *), void *arg)
{
    return nos__on_sys_fast(fn, arg);   /* a tail jump: the same, with less stack */
}
#else
void *nos__on_system_stack(void *(*fn)(void *), void *arg)
{
    nos__worker_t *w = nos__w();
    if (!w || !w->cur || w->on_sys)
        return fn(arg);
    nos_pid_t *p = w->cur;
    nos__budget_check(nos__sp());
    w->on_sys = 1;
    nos__set_limit(0);
#if defined(NOS_ASAN)
    void *r = nos__san_call_on_system_stack(w, p, fn, arg);
#else
    void *r = nos__call_on_stack(arg, fn, w->sys_sp, &p->sp);
#endif
    w->on_sys = 0;
    nos__set_limit(atomic_load_explicit(&w->preempt_req, memory_order_relaxed) == w->tick
                       ? NOS_LIMIT_POISON
                       : nos__seg_limit(p->seg));
    return r;
}
#endif

/* ---- the scheduler loop (system stack of each worker) ---------------------------------------- */

static void proc_free(nos__worker_t *w, nos_pid_t *p);

/* Ring or global queue work that another worker could take (runnext does not count: its
 * owner is about to run it). Any thread; a hint. */
static bool stealable_work(nos__worker_t *w)
{
    if (atomic_load_explicit(&sched.gq_n, memory_order_relaxed) > 0)
        return true;
    for (int i = 0; i < nos__nworkers; i++) {
        nos__worker_t *v = nos__workers[i];
        if (v != w && atomic_load_explicit(&v->runq_tail, memory_order_relaxed) !=
                          atomic_load_explicit(&v->runq_head, memory_order_relaxed))
            return true;
    }
    return false;
}

static nos_pid_t *find_runnable(nos__worker_t *w)
{
    int64_t spin_until = 0;
    for (;;) {
        nos_pid_t *p;
        if (w->tick % 61 == 0 && (p = globq_get(w, 1)))
            return p;
        if ((p = runq_get(w)))
            return p;
        if ((p = globq_get(w, 0)))
            return p;

        int busy = nos__nworkers - atomic_load_explicit(&sched.npidle, memory_order_relaxed);
        if (w->spinning ||
            2 * atomic_load_explicit(&sched.nmspinning, memory_order_relaxed) < busy) {
            if (!w->spinning) {
                w->spinning = 1;
                atomic_fetch_add_explicit(&sched.nmspinning, 1, memory_order_seq_cst);
            }
            for (int round = 0; round < 4; round++) {
                uint32_t start = fastrand(w);
                for (int i = 0; i < nos__nworkers; i++) {
                    nos__worker_t *v = nos__workers[(start + i) % nos__nworkers];
                    if (v == w)
                        continue;
                    if ((p = runq_steal(w, v, round == 3)))
                        return p;
                }
            }
        }

        /*
         * A spinner looks again for a while before it sleeps: work often appears within
         * microseconds (a spawner's next batch, the next message of a conversation), and a
         * futex sleep plus the wake-up cost both sides far more than that.
         */
        if (w->spinning && nos__nworkers > 1) {
            int64_t now = nos__now_ns();
            if (!spin_until)
                spin_until = now + NOS_IDLE_SPIN_NS;
            bool work = false;
            while (!work && now < spin_until) {
                for (int k = 0; k < 64; k++)
                    cpu_relax();
                work = stealable_work(w);
                now = nos__now_ns();
            }
            if (work)
                continue;
        }

        /* Nothing to do: go idle. Once on the idle list a waker may set w->spinning. */
        bool was_spinning = w->spinning;
        w->spinning = 0;
        pthread_mutex_lock(&sched.lock);
        if ((p = globq_get_locked(w, 0))) {
            pthread_mutex_unlock(&sched.lock);
            w->spinning = was_spinning;
            return p;
        }
        atomic_store_explicit(&w->parked, 1, memory_order_relaxed);
        w->idle_next = sched.idle;
        sched.idle = w;
        atomic_fetch_add_explicit(&sched.npidle, 1, memory_order_seq_cst);
        pthread_mutex_unlock(&sched.lock);

        if (was_spinning) {
            atomic_fetch_sub_explicit(&sched.nmspinning, 1, memory_order_seq_cst);
            /* The last spinner re-checks everything a waker may have skipped us for. */
            bool work = atomic_load_explicit(&sched.gq_n, memory_order_seq_cst) > 0;
            for (int i = 0; !work && i < nos__nworkers; i++)
                work = nos__workers[i] != w && !runq_empty(nos__workers[i]);
            if (work) {
                pthread_mutex_lock(&sched.lock);
                bool mine = false;
                for (nos__worker_t **q = &sched.idle; *q; q = &(*q)->idle_next) {
                    if (*q == w) {
                        *q = w->idle_next;
                        atomic_fetch_sub_explicit(&sched.npidle, 1, memory_order_relaxed);
                        mine = true;
                        break;
                    }
                }
                pthread_mutex_unlock(&sched.lock);
                if (mine) {
                    atomic_store_explicit(&w->parked, 0, memory_order_relaxed);
                    w->spinning = 1;
                    atomic_fetch_add_explicit(&sched.nmspinning, 1, memory_order_seq_cst);
                    continue;
                }
                /* A waker took us off the list and made us a spinner: wait for its store. */
            }
        }
        while (atomic_load_explicit(&w->parked, memory_order_acquire))
            futex_wait(&w->parked, 1);
    }
}

/* Run p until it parks, yields or ends; then do what it asked. */
static void run(nos__worker_t *w, nos_pid_t *p)
{
    for (;;) {
        if (atomic_load_explicit(&p->flags, memory_order_acquire) & NOS_PF_KILLED) {
            proc_free(w, p);
            return;
        }
        atomic_store_explicit(&p->state, NOS_P_RUNNING, memory_order_relaxed);
        w->cur = p;
        w->tick++;
        atomic_store_explicit(&w->tick_pub, (w->tick << 1) | 1, memory_order_relaxed);
        w->act = NOS_ACT_NONE;
        w->sys_sp = (nos__sp() - 256) & ~(uintptr_t)15;
        nos__set_limit(nos__seg_limit(p->seg));
        nos__san_switch_begin(w, p, false);
        nos__ctx_switch(&w->sched_sp, p->sp);
        nos__san_switch_end(w, NULL);
        nos__set_limit(0);
        w->cur = NULL;
        atomic_store_explicit(&w->tick_pub, w->tick << 1, memory_order_relaxed);

        switch (w->act) {
        case NOS_ACT_YIELD:
            atomic_store_explicit(&p->state, NOS_P_RUNNABLE, memory_order_relaxed);
            runq_put(w, p, false);
            return;
        case NOS_ACT_PREEMPT:
            atomic_store_explicit(&p->state, NOS_P_RUNNABLE, memory_order_relaxed);
            globq_put(p, false);
            maybe_wakep();
            return;
        case NOS_ACT_PARK:
            if (w->act_fn(p, w->act_arg))
                return;   /* parked: p may already run elsewhere, do not touch it */
            continue;
        case NOS_ACT_EXIT:
            proc_free(w, p);
            return;
        default:
            nos__fatal("process switched to the scheduler without a reason");
        }
    }
}

static _Noreturn void schedule(nos__worker_t *w)
{
    for (;;) {
#if defined(NOS_TSAN)
        if ((w->tick & 15) == 0)
            nos__tsan_poll();
        nos__gc_safepoint();
#endif
        nos_pid_t *p = find_runnable(w);
        if (w->spinning) {
            w->spinning = 0;
            if (atomic_fetch_sub_explicit(&sched.nmspinning, 1, memory_order_seq_cst) == 1)
                maybe_wakep();
        }
        run(w, p);
    }
}

static void proc_free(nos__worker_t *w, nos_pid_t *p)
{
    atomic_store_explicit(&p->wake, 0, memory_order_relaxed);
    atomic_store_explicit(&p->state, NOS_P_DEAD, memory_order_seq_cst);
    nos__timer_cancel(p);
    nos__mvar_release_all(p);
    nos__mbox_clear(p);
    nos__proc_table_remove(w, p);
    nos__seg_release_all(w, p);
    nos__san_fiber_destroy(p);
    p->exc = NULL;
    p->sp = 0;
    atomic_fetch_add_explicit(&nos__stat_exited, 1, memory_order_relaxed);
}

/* ---- workers ----------------------------------------------------------------------------------- */

static void worker_setup(nos__worker_t *w)
{
    nos__tls_worker = w;
#if defined(__x86_64__)
    uintptr_t tp;
    __asm__ volatile("movq %%fs:0, %0" : "=r"(tp));
    w->guard_slot = (uintptr_t *)(tp + 0x70);
#else
    w->guard_slot = &nos__stack_limit;
#endif
    nos__set_limit(0);
    /* Workers take no asynchronous signals but the collector's. */
    sigset_t set;
    sigfillset(&set);
    sigdelset(&set, SIGSEGV);
    sigdelset(&set, SIGBUS);
    sigdelset(&set, SIGFPE);
    sigdelset(&set, SIGILL);
    sigdelset(&set, SIGTRAP);
    sigdelset(&set, SIGABRT);
    sigdelset(&set, SIGSYS);
    sigdelset(&set, GC_get_suspend_signal());
    sigdelset(&set, GC_get_thr_restart_signal());
    pthread_sigmask(SIG_SETMASK, &set, NULL);
    nos__gc_worker_start(w);
    w->sys_sp = 0;
}

static void *worker_main(void *arg)
{
    nos__worker_t *w = arg;
    char name[16];
    snprintf(name, sizeof name, "nos-worker-%d", w->id);
    pthread_setname_np(pthread_self(), name);
    worker_setup(w);
    schedule(w);
}

/* ---- the watchdog ------------------------------------------------------------------------------ */

/*
 * Every millisecond (every 20 ms when all workers sleep): a process that has run for
 * NOS_TIMESLICE_NS, or for 1 ms while other processes wait in a queue, is asked to yield;
 * and if work waits while a worker is idle and nobody looks for it, one is woken.
 */
static void *watchdog_main(void *unused)
{
    (void)unused;
    pthread_setname_np(pthread_self(), "nos-watchdog");
    int n = nos__nworkers;
    uint64_t *seen = calloc((size_t)n, sizeof *seen);
    int64_t *since = calloc((size_t)n, sizeof *since);
    sigset_t set;
    sigfillset(&set);
    sigdelset(&set, GC_get_suspend_signal());
    sigdelset(&set, GC_get_thr_restart_signal());
    pthread_sigmask(SIG_SETMASK, &set, NULL);
    for (;;) {
        bool all_idle = atomic_load_explicit(&sched.npidle, memory_order_relaxed) == n;
        struct timespec ts = {0, all_idle ? 20 * 1000 * 1000 : 1000 * 1000};
        nanosleep(&ts, NULL);
        int64_t now = nos__now_ns();
        bool global = atomic_load_explicit(&sched.gq_n, memory_order_relaxed) > 0;
        bool queued = global;
        for (int i = 0; i < n; i++) {
            nos__worker_t *w = nos__workers[i];
            uint64_t t = atomic_load_explicit(&w->tick_pub, memory_order_relaxed);
            bool local = !runq_empty(w);
            queued |= local;
            if (t != seen[i]) {
                seen[i] = t;
                since[i] = now;
                continue;
            }
            int64_t slice = global || local ? 1000 * 1000 : NOS_TIMESLICE_NS;
            if ((t & 1) && now - since[i] >= slice) {
                atomic_store_explicit(&w->preempt_req, t >> 1, memory_order_relaxed);
                __atomic_store_n(w->guard_slot, NOS_LIMIT_POISON, __ATOMIC_RELAXED);
                since[i] = now;
            }
        }
        if (queued)
            maybe_wakep();
#if defined(NOS_TSAN)
        nos__gc_maybe_collect();
#endif
    }
    return NULL;
}

/* ---- start-up ------------------------------------------------------------------------------------ */

static int default_threads(void)
{
    const char *s = getenv("NOSTOS_THREADS");
    if (s && *s) {
        int n = atoi(s);
        if (n >= 1 && n <= 1024)
            return n;
    }
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c >= 1 ? (int)(c > 1024 ? 1024 : c) : 1;
}

void nos__sched_init(int nworkers)
{
    if (nworkers <= 0)
        nworkers = default_threads();
    nos__nworkers = nworkers;
    nos__workers = calloc((size_t)nworkers, sizeof *nos__workers);
    for (int i = 0; i < nworkers; i++) {
        nos__worker_t *w;
        if (posix_memalign((void **)&w, 64, sizeof *w))
            nos__fatal("out of memory");
        memset(w, 0, sizeof *w);
        w->id = i;
        w->rand = 0x9e3779b9u * (uint32_t)(i + 1);
        nos__workers[i] = w;
    }
    /* Worker 0 is the calling thread; it is set up now so that init code may spawn. */
    worker_setup(nos__workers[0]);
}

_Noreturn void nos__sched_run_main(void)
{
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, (size_t)8 << 20);
    for (int i = 1; i < nos__nworkers; i++)
        if (pthread_create(&th, &attr, worker_main, nos__workers[i]) != 0)
            nos__fatal("cannot create worker thread %d", i);
    pthread_attr_setstacksize(&attr, (size_t)256 << 10);
#if defined(NOS_TSAN)
    /* Under TSan the watchdog stays away from Boehm entirely: a registered thread waiting
     * for Boehm's lock cannot answer the stop signal there (see gc.c). It touches no GC
     * memory. */
#undef pthread_create
#endif
    if (pthread_create(&th, &attr, watchdog_main, NULL) != 0)
        nos__fatal("cannot create the watchdog thread");
    pthread_attr_destroy(&attr);
    schedule(nos__workers[0]);
}
