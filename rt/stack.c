/*
 * stack.c - process stacks: segments that grow on demand, their pools, and the C side of
 * __morestack (see morestack_x86_64.S).
 *
 * A process starts on one small segment (nos__stack_first, 2 KiB by default) and links a
 * new, larger one whenever a split-stack prologue finds too little room; the new segment is
 * unlinked when that function returns (kept as the worker's spare so that a call that
 * crosses the boundary in a loop costs no allocation). Sizes double up to 1 MiB, so deep
 * recursion costs O(depth) memory and is limited only by NOSTOS_STACK_MAX (default 1 GiB);
 * past it the process fails with ("StackOverflow", "Stack overflow"), thrown on a fresh
 * emergency segment so the handler has room to run.
 *
 * Memory: every size class is carved from its own 64 MiB MAP_NORESERVE reservations (one
 * VMA each, no guard pages, so vm.max_map_count is no limit), pages are committed only when
 * touched, and segments of 64 KiB and more give their pages back (MADV_DONTNEED) when they
 * return to the global pool. First segments are packed (16-byte aligned, several per page):
 * an idle process costs about nos__stack_first bytes of stack.
 *
 * Invariants. A segment's limit (its base + NOS_STACK_RESERVE) is in %fs:0x70 exactly while
 * the process runs on it and nothing else runs on that thread; the scheduler and system-stack
 * code run with limit 0 (no check fires) and the watchdog may replace either with ~0. The
 * chain p->seg -> prev ... is what the GC scans (gc.c): a segment's live part starts at the
 * lowest of its saved_sp, p->sp and the stack pointers of stopped workers that lie inside it.
 * Segment pools: per-worker caches (owner worker only) and global lists (pool lock).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sched_internal.h"

NOS__SPLIT_STACK_AWARE;

/* Classes 0..NCLS-1 are pooled; class HUGE_CLS is mapped and unmapped per segment. */
#define NCLS 7
#define HUGE_CLS 7
#define CHUNK_BYTES ((size_t)64 << 20)
#define PAGE 4096u
#define DONTNEED_MIN ((size_t)64 << 10)
#define SEG_CANARY 0x5e6c0ffee5e6c0ffULL
#define SEG_FREE 0xf7eeu
#define SEG_INUSE 0x05edu

size_t nos__stack_max = (size_t)1 << 30;
/*
 * A first segment: its 32-byte header, 160 bytes above the limit (a process's entry frames,
 * the closure it runs and one more small Nostos frame start there without growing) and the
 * reserve (NOS_STACK_RESERVE, 512 bytes) below it, where the frames of a process parked in
 * receive mostly sit. An idle process costs this much stack.
 */
#if defined(__OPTIMIZE__)
size_t nos__stack_first = 704;
#else
size_t nos__stack_first = 2048;   /* an unoptimized runtime's bigger reserve */
#endif
#if !defined(__x86_64__)
static size_t stack_one_segment = NOS_STACK_ONE_SEGMENT;
#endif
/* Read by __morestack_non_split. */
uintptr_t nos__nonsplit_room = NOS_NONSPLIT_ROOM;
/* Read by __morestack (a segment's limit is its base plus this). */
const uintptr_t nos__stack_reserve = NOS_STACK_RESERVE;

static size_t cls_bytes[NCLS] = {1024, 4096, 16384, 32768, 65536, 262144, 1048576};
/* Segments per batch; a worker keeps at most two batches of a class. */
static const uint32_t batch_len[NCLS] = {256, 16, 8, 4, 2, 1, 1};

/*
 * Free segments of a class move between workers and the global pool in whole batches of
 * BATCH (a chain through `prev`, the chain's head linked to the next batch through
 * `saved_sp`), so a transfer touches no segment but the batch head.
 */
typedef struct pool {
    pthread_mutex_t lock;
    nos__seg_t *batches;     /* full batches of free segments */
    uintptr_t bump, end;     /* current reservation */
    size_t reserved;         /* bytes of reservations (stats) */
} pool_t;

static pool_t pools[NCLS];

static size_t parse_size(const char *s, size_t dflt)
{
    if (!s || !*s)
        return dflt;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    switch (*end) {
    case 'k': case 'K': v <<= 10; break;
    case 'm': case 'M': v <<= 20; break;
    case 'g': case 'G': v <<= 30; break;
    default: break;
    }
    return v ? (size_t)v : dflt;
}

void nos__stack_init(void)
{
#if defined(NOS_ASAN) || defined(NOS_TSAN)
    /* Instrumented runtime code uses far more stack: start processes on roomy segments. */
    nos__stack_first = (size_t)64 << 10;
#endif
    nos__stack_max = parse_size(getenv("NOSTOS_STACK_MAX"), nos__stack_max);
    if (nos__stack_max > ((size_t)15 << 28))
        nos__stack_max = (size_t)15 << 28;   /* p->stack_bytes is 32 bits */
#if !defined(__x86_64__)
    stack_one_segment = parse_size(getenv("NOSTOS_STACK_AARCH64"), stack_one_segment);
    if (stack_one_segment < 2 * (size_t)NOS_NONSPLIT_ROOM)
        stack_one_segment = 2 * (size_t)NOS_NONSPLIT_ROOM;
    if (stack_one_segment > nos__stack_max)
        stack_one_segment = nos__stack_max;
#endif
    size_t first = parse_size(getenv("NOSTOS_STACK_FIRST"), nos__stack_first);
    size_t min_first = NOS_STACK_RESERVE + sizeof(nos__seg_t) + 128;
    if (first < min_first)
        first = min_first;
    first = (first + 63) & ~(size_t)63;
    nos__stack_first = first;
    cls_bytes[0] = first;
    for (int i = 1; i < NCLS; i++)
        if (cls_bytes[i] <= cls_bytes[i - 1])
            cls_bytes[i] = cls_bytes[i - 1] * 2;
    for (int i = 0; i < NCLS; i++) {
        pthread_mutex_init(&pools[i].lock, NULL);
        pools[i].batches = NULL;
        pools[i].bump = pools[i].end = 0;
    }
}

uint64_t nos__stack_morestack_calls(void)
{
    uint64_t n = 0;
    for (int i = 0; i < nos__nworkers; i++)
        n += __atomic_load_n(&nos__workers[i]->morestack_calls, __ATOMIC_RELAXED);
    return n;
}

size_t nos__stack_bytes_in_use(void)
{
    size_t n = 0;
    for (int i = 0; i < NCLS; i++)
        n += pools[i].reserved;
    return n;
}

static void *map_noreserve(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        nos__fatal("cannot reserve %zu bytes of stack memory", bytes);
    return p;
}

/* Header at the top of the block; the stack grows down from it. */
static nos__seg_t *seg_format(uintptr_t base, size_t bytes, uint32_t cls)
{
    uintptr_t hi = (base + bytes - sizeof(nos__seg_t)) & ~(uintptr_t)15;
    nos__seg_t *s = (nos__seg_t *)hi;
    s->prev = NULL;
    s->base = base;
    s->saved_sp = hi;
    s->cls = (uint16_t)cls;
    s->bytes = (uint32_t)(bytes > UINT32_MAX ? UINT32_MAX : bytes);
    s->state = SEG_FREE;
#ifndef NDEBUG
    *(uint64_t *)base = SEG_CANARY;
#endif
    return s;
}

/* ---- pools (the slow paths run on the system stack) ------------------------------------------ */

typedef struct refill_req {
    nos__worker_t *w;
    uint32_t cls;
    size_t bytes;           /* HUGE_CLS */
    nos__seg_t *out;
} refill_req_t;

static void *refill_slow(void *arg)
{
    refill_req_t *r = arg;
    if (r->cls == HUGE_CLS) {
        size_t bytes = (r->bytes + PAGE - 1) & ~(size_t)(PAGE - 1);
        r->out = seg_format((uintptr_t)map_noreserve(bytes), bytes, HUGE_CLS);
        r->out->state = SEG_INUSE;
        return NULL;
    }
    pool_t *pl = &pools[r->cls];
    nos__worker_t *w = r->w;
    size_t sz = cls_bytes[r->cls];
    pthread_mutex_lock(&pl->lock);
    nos__seg_t *b = pl->batches;
    if (b) {
        pl->batches = (nos__seg_t *)b->saved_sp;
        pthread_mutex_unlock(&pl->lock);
        w->seg_cache[r->cls] = b;
        w->seg_ncache[r->cls] = batch_len[r->cls];
        return NULL;
    }
    /* Carve a new batch from the reservation. */
    size_t align = sz >= PAGE ? PAGE : 16;
    nos__seg_t *chain = NULL;
    for (uint32_t i = 0; i < batch_len[r->cls]; i++) {
        uintptr_t at = (pl->bump + align - 1) & ~(uintptr_t)(align - 1);
        if (!pl->bump || at + sz > pl->end) {
            size_t chunk = sz > CHUNK_BYTES ? sz : CHUNK_BYTES;
            pl->bump = (uintptr_t)map_noreserve(chunk);
            pl->end = pl->bump + chunk;
            pl->reserved += chunk;
            at = pl->bump;
        }
        pl->bump = at + sz;
        nos__seg_t *seg = seg_format(at, sz, r->cls);
        seg->prev = chain;
        chain = seg;
    }
    pthread_mutex_unlock(&pl->lock);
    w->seg_cache[r->cls] = chain;
    w->seg_ncache[r->cls] = batch_len[r->cls];
    return NULL;
}

/* The worker's cache of a class holds two batches: give the older one to the pool. */
static void *spill_slow(void *arg)
{
    refill_req_t *r = arg;
    pool_t *pl = &pools[r->cls];
    nos__worker_t *w = r->w;
    uint32_t n = batch_len[r->cls];
    /* The cache is a chain of 2n: keep the first n, the rest is a batch. */
    nos__seg_t *s = w->seg_cache[r->cls];
    for (uint32_t i = 1; i < n; i++)
        s = s->prev;
    nos__seg_t *batch = s->prev;
    s->prev = NULL;
    w->seg_ncache[r->cls] = n;
    if (cls_bytes[r->cls] >= DONTNEED_MIN) {
        for (nos__seg_t *t = batch; t; t = t->prev) {
            uintptr_t top = nos__seg_hi(t) & ~(uintptr_t)(PAGE - 1);
            if (top > t->base)
                madvise((void *)t->base, top - t->base, MADV_DONTNEED);
#ifndef NDEBUG
            *(uint64_t *)t->base = SEG_CANARY;
#endif
        }
    }
    pthread_mutex_lock(&pl->lock);
    batch->saved_sp = (uintptr_t)pl->batches;
    pl->batches = batch;
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}

static void *unmap_slow(void *arg)
{
    nos__seg_t *s = arg;
    size_t bytes = (nos__seg_hi(s) + sizeof(nos__seg_t) - s->base + PAGE - 1) & ~(size_t)(PAGE - 1);
    munmap((void *)s->base, bytes);
    return NULL;
}

#if !defined(NDEBUG) && !defined(NOS_STACK_PAINT)
#define NOS_STACK_PAINT 1
#endif
#if defined(NOS_STACK_PAINT)
/*
 * Debug builds (or -DNOS_STACK_PAINT) paint each segment's reserve when it is handed out and look, when it comes
 * back, how far below its limit anything was written: NOSTOS_STACK_REPORT=1 prints the
 * deepest such use when main ends (it must stay under NOS_STACK_RESERVE).
 */
#define PAINT 0xa5
static _Atomic size_t deepest_reserve_use;

static void reserve_paint(nos__seg_t *s)
{
    for (unsigned char *b = (unsigned char *)s->base + 8; b < (unsigned char *)nos__seg_limit(s); b++)
        *b = PAINT;
}

static void reserve_measure(const nos__seg_t *s)
{
    const unsigned char *b = (const unsigned char *)s->base + 8;
    const unsigned char *lim = (const unsigned char *)nos__seg_limit(s);
    while (b < lim && *b == PAINT)
        b++;
    size_t used = (size_t)(lim - b);
    size_t seen = atomic_load_explicit(&deepest_reserve_use, memory_order_relaxed);
    while (used > seen && !atomic_compare_exchange_weak_explicit(&deepest_reserve_use, &seen, used,
                                                                 memory_order_relaxed,
                                                                 memory_order_relaxed))
        ;
}

void nos__stack_report(void)
{
    if (getenv("NOSTOS_STACK_REPORT"))
        fprintf(stderr, "stack: deepest use of a segment's reserve %zu of %d bytes\n",
                atomic_load(&deepest_reserve_use), NOS_STACK_RESERVE);
}
#else
#define reserve_paint(s) ((void)0)
#define reserve_measure(s) ((void)0)
void nos__stack_report(void)
{
}
#endif

static nos__seg_t *seg_alloc(nos__worker_t *w, uint32_t cls, size_t huge_bytes)
{
    if (cls == HUGE_CLS) {
        refill_req_t r = {w, cls, huge_bytes, NULL};
        nos__on_system_stack(refill_slow, &r);
        reserve_paint(r.out);
        return r.out;
    }
    if (!w->seg_cache[cls]) {
        refill_req_t r = {w, cls, 0, NULL};
        nos__on_system_stack(refill_slow, &r);
    }
    nos__seg_t *s = w->seg_cache[cls];
    w->seg_cache[cls] = s->prev;
    w->seg_ncache[cls]--;
    if (s->state != SEG_FREE)
        nos__fatal("stack segment %p handed out twice", (void *)s);
    s->state = SEG_INUSE;
    s->prev = NULL;
    s->saved_sp = nos__seg_hi(s);
    reserve_paint(s);
    return s;
}

static size_t seg_size(const nos__seg_t *s)
{
    return s->cls == HUGE_CLS ? nos__seg_hi(s) + sizeof(nos__seg_t) - s->base : cls_bytes[s->cls];
}

static void seg_free(nos__worker_t *w, nos__seg_t *s)
{
    if (s->state != SEG_INUSE)
        nos__fatal("stack segment %p freed twice", (void *)s);
    s->state = SEG_FREE;
    reserve_measure(s);
#ifndef NDEBUG
    if (*(uint64_t *)s->base != SEG_CANARY)
        nos__fatal("stack segment reserve overrun (nosplit budget exceeded): segment %p..%p "
                   "class %u holds %#llx", (void *)s->base, (void *)nos__seg_hi(s), s->cls,
                   (unsigned long long)*(uint64_t *)s->base);
#endif
    if (s->cls == HUGE_CLS) {
        nos__on_system_stack(unmap_slow, s);
        return;
    }
    s->prev = w->seg_cache[s->cls];
    w->seg_cache[s->cls] = s;
    if (++w->seg_ncache[s->cls] >= 2 * batch_len[s->cls]) {
        refill_req_t r = {w, s->cls, 0, NULL};
        nos__on_system_stack(spill_slow, &r);
    }
}

#if !defined(__x86_64__)
static uint32_t class_for(size_t need, size_t *huge);
#endif

nos__seg_t *nos__seg_first(nos__worker_t *w)
{
#if defined(__x86_64__)
    return seg_alloc(w, 0, 0);
#else
    /* No split-stack prologues to grow the stack later (rt/sched_internal.h, point 3). */
    size_t huge = 0;
    uint32_t cls = class_for(stack_one_segment, &huge);
    return seg_alloc(w, cls, huge);
#endif
}

/* s (which the caller may still run on, until it returns or longjmps) becomes w's spare. */
static void set_spare(nos__worker_t *w, nos__seg_t *s)
{
    if (w->seg_spare)
        seg_free(w, w->seg_spare);
    w->seg_spare = s;
}

void nos__seg_release_all(nos__worker_t *w, nos_pid_t *p)
{
    nos__seg_t *s = p->seg;
    p->seg = NULL;
    while (s) {
        nos__seg_t *prev = s->prev;
        seg_free(w, s);
        s = prev;
    }
    p->stack_bytes = 0;
}

/* ---- growth ------------------------------------------------------------------------------------ */

static uint32_t class_for(size_t need, size_t *huge)
{
    for (uint32_t c = 1; c < NCLS; c++)
        if (cls_bytes[c] >= need)
            return c;
    *huge = (need + ((size_t)1 << 20) - 1) & ~(((size_t)1 << 20) - 1);
    return HUGE_CLS;
}

/* The limit to run p with: poisoned while the watchdog wants this run of p to yield. */
static inline uintptr_t limit_for(nos__worker_t *w, nos_pid_t *p)
{
    return atomic_load_explicit(&w->preempt_req, memory_order_relaxed) == w->tick
               ? NOS_LIMIT_POISON
               : nos__seg_limit(p->seg);
}

#ifndef NDEBUG
void nos__budget_check(uintptr_t sp)
{
    nos__worker_t *w = nos__w();
    if (!w || !w->cur || w->on_sys || !w->cur->seg)
        return;
    for (nos__seg_t *s = w->cur->seg; s; s = s->prev)
        if (sp > s->base && sp <= nos__seg_hi(s)) {
            if (sp < s->base + 64)
                nos__fatal("nosplit stack budget exceeded: sp %p is %zu bytes above its segment's "
                           "end", (void *)sp, (size_t)(sp - s->base));
            return;
        }
}
#endif

static inline bool seg_has(const nos__seg_t *s, uintptr_t sp)
{
    return sp > s->base && sp <= nos__seg_hi(s);
}

/*
 * Pop the segments that sp no longer lies in (a longjmp left them). The innermost one may be
 * the segment the caller still runs on: it becomes the spare, never goes back to a pool.
 */
static void fix_chain(nos__worker_t *w, nos_pid_t *p, uintptr_t sp)
{
    nos__seg_t *s = p->seg;
    if (seg_has(s, sp))
        return;
    nos__seg_t *t = s->prev;
    while (t && !seg_has(t, sp))
        t = t->prev;
    if (!t)
        return;   /* not a stack address of this process: leave the chain alone */
    p->seg = t;
    atomic_signal_fence(memory_order_seq_cst);
    set_spare(w, s);
    p->stack_bytes -= seg_size(s);
    for (nos__seg_t *u = s->prev; u != t;) {
        nos__seg_t *prev = u->prev;
        p->stack_bytes -= seg_size(u);
        seg_free(w, u);
        u = prev;
    }
}

void nos__stack_unwind_to(const void *addr)
{
    nos__worker_t *w = nos__w();
    if (!w || !w->cur || w->on_sys)
        return;
    nos_pid_t *p = w->cur;
    fix_chain(w, p, (uintptr_t)addr);
    nos__set_limit(limit_for(w, p));
}

static void *throw_overflow(void *unused)
{
    (void)unused;
    nos_throw_error("StackOverflow", "Stack overflow");
}

uintptr_t nos__morestack_c(uintptr_t frame, uintptr_t argbytes, uintptr_t entry_sp,
                           uintptr_t cur_sp);
uintptr_t nos__morestack_sys(nos__worker_t *w, uintptr_t entry_sp, uintptr_t cur_sp);
void nos__morestack_done(void);

/* 1 in sanitizer builds: __morestack always works on the current stack (morestack_x86_64.S). */
#if defined(NOS_ASAN) || defined(NOS_TSAN)
const int nos__morestack_inplace = 1;
#else
const int nos__morestack_inplace = 0;
#endif

_Static_assert(offsetof(nos__worker_t, cur) == NOS_W_CUR, "NOS_W_CUR");
_Static_assert(offsetof(nos__worker_t, sys_sp) == NOS_W_SYS_SP, "NOS_W_SYS_SP");
_Static_assert(offsetof(nos__worker_t, on_sys) == NOS_W_ON_SYS, "NOS_W_ON_SYS");
_Static_assert(offsetof(nos__worker_t, ms_save) == NOS_W_MS, "NOS_W_MS");
_Static_assert(NOS_MS_XMM + 128 <= NOS_W_MS_WORDS * 8, "NOS_W_MS_WORDS");
_Static_assert(offsetof(nos__worker_t, seg_spare) == NOS_W_SPARE, "NOS_W_SPARE");
_Static_assert(offsetof(nos__worker_t, tick) == NOS_W_TICK, "NOS_W_TICK");
_Static_assert(offsetof(nos__worker_t, preempt_req) == NOS_W_PREEMPT, "NOS_W_PREEMPT");
_Static_assert(offsetof(nos__worker_t, morestack_calls) == NOS_W_MORESTACK, "NOS_W_MORESTACK");
_Static_assert(offsetof(struct nos_pid, sp) == NOS_P_SP, "NOS_P_SP");
_Static_assert(offsetof(struct nos_pid, seg) == NOS_P_SEG, "NOS_P_SEG");
_Static_assert(offsetof(struct nos_pid, stack_bytes) == NOS_P_STACK_BYTES, "NOS_P_STACK_BYTES");
_Static_assert(offsetof(nos__seg_t, prev) == NOS_SEG_PREV, "NOS_SEG_PREV");
_Static_assert(offsetof(nos__seg_t, base) == NOS_SEG_BASE, "NOS_SEG_BASE");
_Static_assert(offsetof(nos__seg_t, saved_sp) == NOS_SEG_SAVED_SP, "NOS_SEG_SAVED_SP");
_Static_assert(offsetof(nos__seg_t, bytes) == NOS_SEG_BYTES, "NOS_SEG_BYTES");

/*
 * Link a new segment below s for a frame of `frame` bytes with `argbytes` of stack arguments
 * and `extra` more room; returns its top. Over the process's budget, the process gets a last
 * segment and StackOverflow is thrown there (never returns). cur_sp: the sp left on s.
 */
static uintptr_t grow(nos__worker_t *w, nos_pid_t *p, uintptr_t frame, uintptr_t argbytes,
                      size_t extra, uintptr_t cur_sp)
{
    nos__seg_t *s = p->seg;
    size_t need = frame + argbytes + extra + 64 + NOS_STACK_RESERVE + sizeof(nos__seg_t);
    size_t want = (size_t)seg_size(s) * 2;
    if (want > ((size_t)1 << 20))
        want = (size_t)1 << 20;
    if (want < need)
        want = need;
    nos__seg_t *n;
    if (w->seg_spare && seg_size(w->seg_spare) >= want) {
        n = w->seg_spare;
        w->seg_spare = NULL;
    } else {
        size_t huge = 0;
        uint32_t cls = class_for(want, &huge);
        size_t bytes = cls == HUGE_CLS ? huge : cls_bytes[cls];
        if (p->stack_bytes + bytes > nos__stack_max) {
            /* Over budget: throw StackOverflow on an emergency segment. */
            n = seg_alloc(w, class_for(64 << 10, &huge), 0);
            n->prev = s;
            n->saved_sp = nos__seg_hi(n);
            s->saved_sp = cur_sp;
            atomic_signal_fence(memory_order_seq_cst);
            p->seg = n;
            p->stack_bytes += seg_size(n);
            w->on_sys = 0;   /* (from nos__morestack_sys) we leave the system stack for good */
            nos__set_limit(nos__seg_limit(n));
            uintptr_t unused;
            nos__call_on_stack(NULL, throw_overflow, nos__seg_hi(n), &unused);
            __builtin_unreachable();
        }
        n = seg_alloc(w, cls, huge);
    }
    n->prev = s;
    n->saved_sp = nos__seg_hi(n);
    s->saved_sp = cur_sp;
    atomic_signal_fence(memory_order_seq_cst);   /* the GC may look at the chain any time */
    p->seg = n;
    p->stack_bytes += seg_size(n);
    return nos__seg_hi(n);
}

/* The old way, on the stack __morestack was called on (see morestack_x86_64.S). */
uintptr_t nos__morestack_c(uintptr_t frame, uintptr_t argbytes, uintptr_t entry_sp,
                           uintptr_t cur_sp)
{
    nos__worker_t *w = nos__w();
    if (w)
        w->morestack_calls++;
    if (!w || !w->cur || w->on_sys) {
        /* Split-stack code on a thread or system stack: no limit applies there. */
        nos__set_limit(0);
        return 0;
    }
    if (nos__get_limit() == NOS_LIMIT_POISON) {
        nos__set_limit(nos__seg_limit(w->cur->seg));
        nos__preempt_point();
        w = nos__w();   /* may run on another worker now */
    }
    nos_pid_t *p = w->cur;
    fix_chain(w, p, entry_sp);
    nos__seg_t *s = p->seg;
    if (entry_sp - frame > nos__seg_limit(s) && entry_sp <= nos__seg_hi(s)) {
        nos__set_limit(limit_for(w, p));
        return 0;
    }
    uintptr_t top = grow(w, p, frame, argbytes, 0, cur_sp);
    nos__set_limit(limit_for(w, p));
    return top;
}

/*
 * Room that yielding needs on a segment (__morestack's save area, nos__preempt_point, the
 * switch) on top of the reserve; a yield with less room left happens on a new segment.
 */
#define PREEMPT_ROOM 512

/*
 * __morestack of a process, on the worker's system stack (w->on_sys is set; w->ms_save
 * holds the frame size in r10's slot and the stack-argument bytes in r11's). Returns 0 (the
 * body runs on the current segment), 1 (yield first, then the same) or the top of a new
 * segment, with bit 0 set if the process must yield first.
 */
uintptr_t nos__morestack_sys(nos__worker_t *w, uintptr_t entry_sp, uintptr_t cur_sp)
{
    uintptr_t frame = w->ms_save[NOS_MS_R10 / 8], argbytes = w->ms_save[NOS_MS_R11 / 8];
    nos_pid_t *p = w->cur;
    w->morestack_calls++;
    uintptr_t yield = 0;
    if (nos__get_limit() == NOS_LIMIT_POISON &&
        (atomic_load_explicit(&w->preempt_req, memory_order_relaxed) == w->tick ||
         (atomic_load_explicit(&p->flags, memory_order_acquire) & NOS_PF_KILLED)))
        yield = 1;
    fix_chain(w, p, entry_sp);
    nos__seg_t *s = p->seg;
    size_t extra = yield ? PREEMPT_ROOM : 0;
    uintptr_t top = 0;
    if (!(entry_sp - frame > nos__seg_limit(s) + extra && entry_sp <= nos__seg_hi(s)))
        top = grow(w, p, frame, argbytes, extra, cur_sp);
    /* Poisoned again if the process is to yield: nos__preempt_point restores it. */
    nos__set_limit(yield ? NOS_LIMIT_POISON : limit_for(w, p));
    return top | yield;
}

void nos__morestack_done(void)
{
    nos__worker_t *w = nos__w();
    nos_pid_t *p = w->cur;
    nos__seg_t *n = p->seg;
    p->seg = n->prev;
    atomic_signal_fence(memory_order_seq_cst);
    p->stack_bytes -= seg_size(n);
    nos__set_limit(limit_for(w, p));
    /* We still run on n: it becomes the spare and never goes back to a pool from here. */
    set_spare(w, n);
}
