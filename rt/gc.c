/*
 * gc.c - Boehm GC with processes on their own, segmented stacks.
 *
 * Boehm stops the world by sending each registered thread its suspend signal and scans each
 * stopped thread from the sp its handler records up to the thread's stack bottom. Our worker
 * threads spend most of their time on process stacks whose segments may be smaller than a
 * signal frame (about 3.4 KiB with AVX-512 state), so:
 *
 *  - Every worker has an alternate signal stack, registered with GC_register_altstack, and
 *    the suspend and restart handlers carry SA_ONSTACK. Boehm then scans only the altstack
 *    of a stopped worker: the signal frame there holds all its registers.
 *  - Our wrapper around Boehm's suspend handler records the interrupted sp (from the
 *    ucontext) in w->signal_sp. If the handler instead runs on the interrupted stack (no
 *    altstack yet, or ThreadSanitizer delivering the signal late, at a call), it spills the
 *    callee-saved registers into its own frame, records its own sp, and switches to the
 *    altstack itself before calling Boehm.
 *  - The push_other_roots hook then pushes, with GC_push_all_eager: each worker's pthread
 *    stack from its recorded sp if the worker was on it, else from the scheduler's saved sp;
 *    the process table (so records of live processes stay alive); every live process's
 *    segments, each from the lowest of {its saved_sp, p->sp, any stopped worker's sp} that
 *    lies inside it (one of them is exact, the others only ever make the range larger);
 *    each worker's inline-allocation free lists.
 *  - The thread that collects is not signalled: Boehm scans it from its own sp to its
 *    registered bottom, which the PRE_STOP_WORLD event sets to the top of whatever stack it
 *    is on (a process segment when nos_alloc started the collection there).
 *
 * No switch gate is needed (unlike research/toolchain.md section 4): the hook never trusts
 * "which process runs where" state, only recorded stack pointers, and every stack switch
 * stores the leaving stack's sp before moving rsp. No incremental mode.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#ifndef GC_THREADS
#define GC_THREADS
#endif
#include <gc/gc.h>
#include <gc/gc_inline.h>
#include <gc/gc_mark.h>

#include "sched_internal.h"

NOS__SPLIT_STACK_AWARE;

#define ALTSTACK_BYTES ((size_t)64 << 10)

static void (*boehm_suspend)(int, siginfo_t *, void *);
static GC_push_other_roots_proc prev_push;
static GC_on_collection_event_proc prev_event;

/* ---- the suspend signal ------------------------------------------------------------------------- */

typedef struct sig_args {
    int sig;
    siginfo_t *si;
    void *uc;
} sig_args_t;

static void *suspend_on_altstack(void *arg)
{
    sig_args_t *a = arg;
    boehm_suspend(a->sig, a->si, a->uc);
    return NULL;
}

static uintptr_t interrupted_sp(void *uc)
{
    ucontext_t *u = uc;
#if defined(__x86_64__)
    return (uintptr_t)u->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    return (uintptr_t)u->uc_mcontext.sp;
#else
    (void)u;
    return 0;
#endif
}

static __attribute__((noinline)) void suspend_wrapper(int sig, siginfo_t *si, void *uc)
{
    nos__worker_t *w = nos__tls_worker;
    if (!w) {
        boehm_suspend(sig, si, uc);
        return;
    }
    uintptr_t sp = nos__sp();
    uintptr_t alo = (uintptr_t)w->altstack, ahi = alo + w->altstack_size;
    if (w->altstack && sp >= alo && sp < ahi) {
        atomic_store_explicit(&w->signal_sp, interrupted_sp(uc), memory_order_relaxed);
        boehm_suspend(sig, si, uc);
        return;
    }
    /* On the interrupted stack: everything above this frame is live. */
    __builtin_unwind_init();
    atomic_store_explicit(&w->signal_sp, nos__sp(), memory_order_relaxed);
    if (!w->altstack) {
        boehm_suspend(sig, si, uc);
        return;
    }
    sig_args_t a = {sig, si, uc};
    uintptr_t unused;
    nos__call_on_stack(&a, suspend_on_altstack, (ahi - 64) & ~(uintptr_t)15, &unused);
}

static void install_signal_wrappers(void)
{
    struct sigaction sa;
    int sus = GC_get_suspend_signal();
    if (sigaction(sus, NULL, &sa) != 0 || !(sa.sa_flags & SA_SIGINFO))
        nos__fatal("unexpected GC suspend handler");
    boehm_suspend = sa.sa_sigaction;
    sa.sa_sigaction = suspend_wrapper;
#if !defined(NOS_ASAN)
    /* (ASan keeps its own altstack for its SEGV handler; there the wrapper switches.) */
    sa.sa_flags |= SA_ONSTACK;
#endif
    sigaction(sus, &sa, NULL);
#if !defined(NOS_ASAN)
    int res = GC_get_thr_restart_signal();
    if (sigaction(res, NULL, &sa) == 0) {
        sa.sa_flags |= SA_ONSTACK;
        sigaction(res, &sa, NULL);
    }
#endif
}

/* ---- roots -------------------------------------------------------------------------------------- */

typedef struct push_ctx {
    uintptr_t active[1025];
    int n;
} push_ctx_t;

static push_ctx_t push_scratch;   /* the hook runs with the GC lock held: one at a time */

static void push_range(uintptr_t lo, uintptr_t hi)
{
    if (lo < hi)
        GC_push_all_eager((void *)lo, (void *)hi);
}

static void push_proc(nos_pid_t *p, void *arg)
{
    push_ctx_t *c = arg;
    for (nos__seg_t *s = p->seg; s; s = s->prev) {
        uintptr_t lo = nos__seg_hi(s);
        uintptr_t cand[2] = {s->saved_sp, p->sp};
        for (int i = 0; i < 2; i++)
            if (cand[i] >= s->base && cand[i] < lo)
                lo = cand[i];
        for (int i = 0; i < c->n; i++)
            if (c->active[i] >= s->base && c->active[i] < lo)
                lo = c->active[i];
        push_range(lo, nos__seg_hi(s));
    }
}

/* Pointer-free objects are not scanned, so pushing a list head keeps only its first
 * object: mark every object of the list instead (as Boehm's GC_set_fl_marks does for
 * its own thread-local free lists). */
static void mark_free_list(void *p)
{
    for (; p; p = *(void **)p)
        GC_set_mark_bit(p);
}

static void push_hook(void)
{
    nos__worker_t *self = nos__tls_worker;
    push_ctx_t *c = &push_scratch;
    c->n = 0;
    for (int i = 0; i < nos__nworkers; i++) {
        nos__worker_t *w = nos__workers[i];
        uintptr_t sp = w == self ? nos__sp() : atomic_load_explicit(&w->signal_sp,
                                                                     memory_order_relaxed);
        GC_push_all_eager((void *)w->gc_fl, (void *)(w->gc_fl + 32));
        for (int g = 0; g < 32; g++)
            mark_free_list(w->gc_afl[g]);
        /* __morestack's saved argument registers while it runs on the system stack */
        GC_push_all_eager((void *)w->ms_save, (void *)(w->ms_save + NOS_W_MS_WORDS));
        if (!sp || !w->pthread_hi)
            continue;
        c->active[c->n++] = sp;
        if (sp >= w->pthread_lo && sp < w->pthread_hi) {
            if (w != self)
                push_range(sp, w->pthread_hi);
        } else {
            /* On a process stack: the scheduler's frames are below its saved sp. */
            push_range(w->sched_sp, w->pthread_hi);
        }
    }
    nos__proc_table_push_roots();
    nos__proc_each(push_proc, c);
    if (prev_push)
        prev_push();
}

static void on_gc_event(GC_EventType e)
{
    if (e == GC_EVENT_PRE_STOP_WORLD && nos__workers) {
        for (int i = 0; i < nos__nworkers; i++)
            atomic_store_explicit(&nos__workers[i]->signal_sp, 0, memory_order_relaxed);
        nos__worker_t *w = nos__tls_worker;
        if (w && w->pthread_hi) {
            /* Boehm scans the collecting thread from here to its registered bottom. */
            uintptr_t sp = nos__sp(), top = w->pthread_hi;
            if (!(sp >= w->pthread_lo && sp < w->pthread_hi) && w->cur) {
                for (nos__seg_t *s = w->cur->seg; s; s = s->prev)
                    if (sp >= s->base && sp < nos__seg_hi(s)) {
                        top = nos__seg_hi(s);
                        break;
                    }
            }
            struct GC_stack_base sb = {(void *)top};
            GC_set_stackbottom(NULL, &sb);
        }
    }
    if (prev_event)
        prev_event(e);
}

/* ---- set-up ------------------------------------------------------------------------------------- */

/* ---- collections ------------------------------------------------------------------------------------ */

#if defined(NOS_TSAN)
/*
 * Under ThreadSanitizer a thread blocked on Boehm's allocation lock does not run signal
 * handlers (TSan defers them to its next intercepted blocking call), so a collection that
 * signals it while holding that lock never ends. Here collections therefore only happen at
 * a barrier: automatic collection is disabled, and nos__gc_collect (called by the watchdog
 * when enough was allocated, or explicitly) first waits until every worker sits in
 * nos__gc_safepoint, in its scheduler loop, away from Boehm's lock.
 */
static _Atomic int gc_req, gc_at_barrier;
static pthread_mutex_t gc_one = PTHREAD_MUTEX_INITIALIZER;

static void nap(void)
{
    struct timespec ts = {0, 100 * 1000};
    nanosleep(&ts, NULL);
}

static void *barrier_wait(void *unused)
{
    (void)unused;
    atomic_fetch_add(&gc_at_barrier, 1);
    while (atomic_load(&gc_req))
        nap();
    atomic_fetch_sub(&gc_at_barrier, 1);
    return NULL;
}

/* Waiting in barrier_wait the worker is "blocked" for Boehm: not signalled, its stack
 * scanned from there (it is on its pthread stack, every process it ran is suspended). */
static void collect_locked(bool worker);
void nos__gc_safepoint(void);

static void collect_locked(bool worker)
{
    if (worker)
        atomic_fetch_add(&gc_at_barrier, 1);
    atomic_store(&gc_req, 1);
    while (atomic_load(&gc_at_barrier) < nos__nworkers)
        nap();
    GC_enable();
    GC_gcollect();
    GC_disable();
    atomic_store(&gc_req, 0);
    if (worker)
        atomic_fetch_sub(&gc_at_barrier, 1);
    pthread_mutex_unlock(&gc_one);
}

static void *collect_sys(void *unused)
{
    (void)unused;
    bool worker = nos__tls_worker != NULL;
    while (pthread_mutex_trylock(&gc_one) != 0) {
        if (worker)
            nos__gc_safepoint();
        else
            nap();
    }
    collect_locked(worker);
    return NULL;
}

/*
 * The watchdog's share: ask for a collection when a third of the heap was allocated since
 * the last (it is not registered with Boehm under TSan, so a worker collects, at its next
 * scheduling point).
 */
static _Atomic int gc_wanted;

void nos__gc_maybe_collect(void)
{
    size_t since = GC_get_bytes_since_gc(), heap = GC_get_heap_size();
    if (since > ((size_t)4 << 20) && since > heap / 3)
        atomic_store(&gc_wanted, 1);
}

void nos__gc_safepoint(void)
{
    if (atomic_load(&gc_req)) {
        GC_do_blocking(barrier_wait, NULL);
    } else if (atomic_load(&gc_wanted) && atomic_exchange(&gc_wanted, 0)) {
        if (pthread_mutex_trylock(&gc_one) == 0)
            collect_locked(true);
    }
}
#else
static void *collect_sys(void *unused)
{
    (void)unused;
    GC_gcollect();
    return NULL;
}
#endif

void nos__gc_collect(void)
{
    nos__on_system_stack(collect_sys, NULL);
}

void nos__gc_init(void)
{
    GC_INIT();
    GC_allow_register_threads();
    /* Start with room for a few MiB of garbage between collections (each collection has a
     * fixed cost: stopping every thread and walking the process table). */
    if (!getenv("GC_INITIAL_HEAP_SIZE"))
        GC_expand_hp((size_t)16 << 20);
    /* Collect when as much was allocated as the heap holds (Go's GOGC=100), not a third:
     * spawn-heavy programs collect half as often for the same peak memory. */
    if (!getenv("GC_FREE_SPACE_DIVISOR"))
        GC_set_free_space_divisor(1);
#if defined(NOS_TSAN)
    GC_disable();
#endif
    install_signal_wrappers();
    prev_push = GC_get_push_other_roots();
    GC_set_push_other_roots(push_hook);
    prev_event = GC_get_on_collection_event();
    GC_set_on_collection_event(on_gc_event);
}

void nos__gc_worker_start(nos__worker_t *w)
{
    pthread_attr_t attr;
    void *addr;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &attr) != 0 ||
        pthread_attr_getstack(&attr, &addr, &size) != 0)
        nos__fatal("cannot find the bounds of a worker's stack");
    pthread_attr_destroy(&attr);
    char *alt = mmap(NULL, ALTSTACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (alt == MAP_FAILED)
        nos__fatal("cannot allocate a signal stack");
#if !defined(NOS_ASAN)
    stack_t ss = {.ss_sp = alt, .ss_size = ALTSTACK_BYTES, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0)
        nos__fatal("sigaltstack failed");
#endif
    w->pthread_lo = (uintptr_t)addr;
    w->pthread_hi = (uintptr_t)addr + size;
    GC_register_altstack(addr, size, alt, ALTSTACK_BYTES);
    w->altstack_size = ALTSTACK_BYTES;
    atomic_signal_fence(memory_order_seq_cst);
    w->altstack = alt;
    nos__san_worker_start(w);
}

/* ---- allocation within the nosplit budget ---------------------------------------------------------- */

typedef struct alloc_req {
    void **fl;
    size_t bytes;
    int kind;
    void *out;
} alloc_req_t;

static void *refill_sys(void *arg)
{
    alloc_req_t *r = arg;
    GC_generic_malloc_many(r->bytes, r->kind, r->fl);
    return NULL;
}

static void *malloc_sys(void *arg)
{
    alloc_req_t *r = arg;
    r->out = r->kind == GC_I_NORMAL ? GC_MALLOC(r->bytes) : GC_MALLOC_ATOMIC(r->bytes);
    return NULL;
}

/*
 * Boehm's own allocation entry points may write far below their caller's sp (see
 * NOS_NONSPLIT_ROOM), so the fast path here pops from per-worker free lists (the same
 * lists gc_inline.h describes) and only the refill runs Boehm, on the system stack. The
 * lists are pushed as roots by push_hook, which keeps their objects from being reclaimed.
 */
/* The slow paths, out of line so that the fast path keeps no request in its frame (the
 * nosplit budget): a big object, or a refill of the free list fl. */
static __attribute__((noinline, cold)) void *gc_alloc_refill(void **fl, size_t bytes, int kind)
{
    alloc_req_t r = {fl, bytes, kind, NULL};
    nos__on_system_stack(fl ? refill_sys : malloc_sys, &r);
    void *obj = fl ? *fl : r.out;
    if (!obj)
        nos__fatal("out of memory allocating %zu bytes", bytes);
    if (fl) {
        *fl = *(void **)obj;
        *(void **)obj = NULL;
    }
    return obj;
}

static inline void *gc_alloc_kind(size_t bytes, int kind, size_t slop)
{
    NOS_TSAN_POLL(alloc_polls);
    nos__worker_t *w = nos__w();
    size_t granules = (bytes + slop + GC_GRANULE_BYTES - 1) / GC_GRANULE_BYTES;
    if (!w || granules >= GC_TINY_FREELISTS || granules == 0)
        return gc_alloc_refill(NULL, bytes ? bytes : 1, kind);
    void **fl = kind == GC_I_NORMAL ? &w->gc_fl[granules] : &w->gc_afl[granules];
    void *obj = *fl;
    if (!obj)
        return gc_alloc_refill(fl, granules * GC_GRANULE_BYTES, kind);
    *fl = *(void **)obj;
    *(void **)obj = NULL;
    return obj;
}

/* + 1: Boehm recognises pointers one past the end, so objects get a slop byte. */
void *nos__gc_alloc(size_t bytes)
{
    return gc_alloc_kind(bytes, GC_I_NORMAL, 1);
}

void *nos__gc_alloc_atomic(size_t bytes)
{
    return gc_alloc_kind(bytes, GC_I_PTRFREE, 1);
}

void *nos__gc_alloc_exact(size_t bytes)
{
    return gc_alloc_kind(bytes, GC_I_NORMAL, 0);
}

/* ---- sanitizer fiber annotations ------------------------------------------------------------------ */

#if defined(NOS_TSAN)
#include <sanitizer/tsan_interface.h>

void nos__san_worker_start(nos__worker_t *w)
{
    w->san_fiber = __tsan_get_current_fiber();
}
void nos__san_fiber_create(nos_pid_t *p)
{
    p->san_fiber = __tsan_create_fiber(0);
}
void nos__san_fiber_destroy(nos_pid_t *p)
{
    if (p->san_fiber)
        __tsan_destroy_fiber(p->san_fiber);
    p->san_fiber = NULL;
}
void nos__san_switch_begin(nos__worker_t *w, nos_pid_t *to, bool dying)
{
    (void)dying;
    __tsan_switch_to_fiber(to ? to->san_fiber : w->san_fiber, 0);
}
void nos__san_switch_end(nos__worker_t *w, nos_pid_t *arrived)
{
    (void)w;
    (void)arrived;
}
#elif defined(NOS_ASAN)
#include <sanitizer/common_interface_defs.h>

/* Fake stacks would hide live pointers from the collector; LSan knows nothing of Boehm. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_stack_use_after_return=0:detect_leaks=0";
}

void nos__san_worker_start(nos__worker_t *w)
{
    (void)w;
}
void nos__san_fiber_create(nos_pid_t *p)
{
    p->san_fiber = NULL;
}
void nos__san_fiber_destroy(nos_pid_t *p)
{
    (void)p;
}
void nos__san_switch_begin(nos__worker_t *w, nos_pid_t *to, bool dying)
{
    if (to) {
        __sanitizer_start_switch_fiber(&w->asan_fake, (void *)to->seg->base,
                                       nos__seg_hi(to->seg) - to->seg->base);
    } else {
        nos_pid_t *p = w->cur;
        __sanitizer_start_switch_fiber(dying ? NULL : &p->san_fiber, (void *)w->pthread_lo,
                                       w->pthread_hi - w->pthread_lo);
    }
}
void nos__san_switch_end(nos__worker_t *w, nos_pid_t *arrived)
{
    __sanitizer_finish_switch_fiber(arrived ? arrived->san_fiber : w->asan_fake, NULL, NULL);
}

typedef struct sys_call {
    nos__worker_t *w;
    nos_pid_t *p;
    void *(*fn)(void *);
    void *arg;
    void *fake;
} sys_call_t;

static void *sys_thunk(void *arg)
{
    sys_call_t *c = arg;
    __sanitizer_finish_switch_fiber(NULL, NULL, NULL);
    void *r = c->fn(c->arg);
    __sanitizer_start_switch_fiber(NULL, (void *)c->p->seg->base, nos__seg_hi(c->p->seg) - c->p->seg->base);
    return r;
}

void *nos__san_call_on_system_stack(nos__worker_t *w, nos_pid_t *p, void *(*fn)(void *),
                                    void *arg)
{
    sys_call_t c = {w, p, fn, arg, NULL};
    __sanitizer_start_switch_fiber(&c.fake, (void *)w->pthread_lo, w->pthread_hi - w->pthread_lo);
    void *r = nos__call_on_stack(&c, sys_thunk, w->sys_sp, &p->sp);
    __sanitizer_finish_switch_fiber(c.fake, NULL, NULL);
    return r;
}
#endif
