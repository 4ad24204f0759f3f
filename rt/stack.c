/*
 * stack.c - process stacks: segments that grow on demand, their pools, and the C side of
 * __morestack (see morestack_x86_64.S).
 *
 * A process starts on one small segment (nos__stack_first, 2 KiB by default) and links a
 * new, larger one whenever a split-stack prologue finds too little room; the new segment is
 * unlinked when that function returns (kept as the process's `spare` so that a call that
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
size_t nos__stack_first = 2048;
/* Read by __morestack_non_split. */
uintptr_t nos__nonsplit_room = NOS_NONSPLIT_ROOM;

static size_t cls_bytes[NCLS] = {2048, 8192, 16384, 32768, 65536, 262144, 1048576};
static const uint32_t cache_cap[NCLS] = {1024, 32, 16, 8, 4, 2, 2};

typedef struct pool {
    pthread_mutex_t lock;
    nos__seg_t *free;        /* global free list, linked through prev */
    size_t nfree;
    uintptr_t bump, end;     /* current reservation */
} pool_t;

static pool_t pools[NCLS];
static _Atomic size_t bytes_in_use;

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
    size_t first = parse_size(getenv("NOSTOS_STACK_FIRST"), nos__stack_first);
    size_t min_first = NOS_STACK_RESERVE + sizeof(nos__seg_t) + 256;
    if (first < min_first)
        first = min_first;
    first = (first + 255) & ~(size_t)255;
    if (first > cls_bytes[1] / 2)
        cls_bytes[1] = first * 2 < cls_bytes[2] ? first * 2 : cls_bytes[1];
    nos__stack_first = first;
    cls_bytes[0] = first;
    for (int i = 1; i < NCLS; i++)
        if (cls_bytes[i] <= cls_bytes[i - 1])
            cls_bytes[i] = cls_bytes[i - 1] * 2;
    for (int i = 0; i < NCLS; i++) {
        pthread_mutex_init(&pools[i].lock, NULL);
        pools[i].free = NULL;
        pools[i].bump = pools[i].end = 0;
    }
}

size_t nos__stack_bytes_in_use(void)
{
    return atomic_load_explicit(&bytes_in_use, memory_order_relaxed);
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
    s->hi = hi;
    s->saved_sp = hi;
    s->cls = cls;
    s->bytes = (uint32_t)(bytes > UINT32_MAX ? UINT32_MAX : bytes);
    s->state = SEG_FREE;
    *(uint64_t *)base = SEG_CANARY;
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
    uint32_t want = cache_cap[r->cls] / 2 + 1;
    pthread_mutex_lock(&pl->lock);
    /* Take up to `want` from the global list, then carve new ones. */
    while (w->seg_ncache[r->cls] < want && pl->free) {
        nos__seg_t *s = pl->free;
        pl->free = s->prev;
        pl->nfree--;
        s->prev = w->seg_cache[r->cls];
        w->seg_cache[r->cls] = s;
        w->seg_ncache[r->cls]++;
    }
    while (w->seg_ncache[r->cls] < want) {
        size_t align = sz >= PAGE ? PAGE : 16;
        uintptr_t at = (pl->bump + align - 1) & ~(uintptr_t)(align - 1);
        if (!pl->bump || at + sz > pl->end) {
            size_t chunk = sz > CHUNK_BYTES ? sz : CHUNK_BYTES;
            pl->bump = (uintptr_t)map_noreserve(chunk);
            pl->end = pl->bump + chunk;
            continue;
        }
        pl->bump = at + sz;
        nos__seg_t *s = seg_format(at, sz, r->cls);
        s->prev = w->seg_cache[r->cls];
        w->seg_cache[r->cls] = s;
        w->seg_ncache[r->cls]++;
    }
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}

static void *spill_slow(void *arg)
{
    refill_req_t *r = arg;
    pool_t *pl = &pools[r->cls];
    nos__worker_t *w = r->w;
    uint32_t keep = cache_cap[r->cls] / 2;
    nos__seg_t *batch = NULL;
    size_t n = 0;
    while (w->seg_ncache[r->cls] > keep) {
        nos__seg_t *s = w->seg_cache[r->cls];
        w->seg_cache[r->cls] = s->prev;
        w->seg_ncache[r->cls]--;
        if (cls_bytes[r->cls] >= DONTNEED_MIN) {
            uintptr_t top = (s->hi & ~(uintptr_t)(PAGE - 1));
            if (top > s->base)
                madvise((void *)s->base, top - s->base, MADV_DONTNEED);
            *(uint64_t *)s->base = SEG_CANARY;
        }
        s->prev = batch;
        batch = s;
        n++;
    }
    pthread_mutex_lock(&pl->lock);
    while (batch) {
        nos__seg_t *s = batch;
        batch = s->prev;
        s->prev = pl->free;
        pl->free = s;
    }
    pl->nfree += n;
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}

static void *unmap_slow(void *arg)
{
    nos__seg_t *s = arg;
    size_t bytes = (s->hi + sizeof(nos__seg_t) - s->base + PAGE - 1) & ~(size_t)(PAGE - 1);
    munmap((void *)s->base, bytes);
    return NULL;
}

static nos__seg_t *seg_alloc(nos__worker_t *w, uint32_t cls, size_t huge_bytes)
{
    if (cls == HUGE_CLS) {
        refill_req_t r = {w, cls, huge_bytes, NULL};
        nos__on_system_stack(refill_slow, &r);
        atomic_fetch_add_explicit(&bytes_in_use, huge_bytes, memory_order_relaxed);
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
    s->saved_sp = s->hi;
    atomic_fetch_add_explicit(&bytes_in_use, cls_bytes[cls], memory_order_relaxed);
    return s;
}

static size_t seg_size(const nos__seg_t *s)
{
    return s->cls == HUGE_CLS ? s->hi + sizeof(nos__seg_t) - s->base : cls_bytes[s->cls];
}

static void seg_free(nos__worker_t *w, nos__seg_t *s)
{
    if (s->state != SEG_INUSE)
        nos__fatal("stack segment %p freed twice", (void *)s);
    s->state = SEG_FREE;
    atomic_fetch_sub_explicit(&bytes_in_use, seg_size(s), memory_order_relaxed);
    if (*(uint64_t *)s->base != SEG_CANARY)
        nos__fatal("stack segment reserve overrun (nosplit budget exceeded): segment %p..%p "
                   "class %u holds %#llx", (void *)s->base, (void *)s->hi, s->cls,
                   (unsigned long long)*(uint64_t *)s->base);
    if (s->cls == HUGE_CLS) {
        nos__on_system_stack(unmap_slow, s);
        return;
    }
    s->prev = w->seg_cache[s->cls];
    w->seg_cache[s->cls] = s;
    if (++w->seg_ncache[s->cls] > cache_cap[s->cls]) {
        refill_req_t r = {w, s->cls, 0, NULL};
        nos__on_system_stack(spill_slow, &r);
    }
}

nos__seg_t *nos__seg_first(nos__worker_t *w)
{
    return seg_alloc(w, 0, 0);
}

void nos__seg_drop_spare(nos__worker_t *w, nos_pid_t *p)
{
    if (p->spare) {
        seg_free(w, p->spare);
        p->spare = NULL;
    }
}

void nos__seg_release_all(nos__worker_t *w, nos_pid_t *p)
{
    nos__seg_drop_spare(w, p);
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

static inline uintptr_t limit_for(nos__worker_t *w, nos_pid_t *p)
{
    return atomic_load_explicit(&w->preempt_req, memory_order_relaxed) ? NOS_LIMIT_POISON
                                                                       : nos__seg_limit(p->seg);
}

static inline bool seg_has(const nos__seg_t *s, uintptr_t sp)
{
    return sp > s->base && sp <= s->hi;
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
    if (p->spare)
        seg_free(w, p->spare);
    p->spare = s;
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
void nos__morestack_done(void);

uintptr_t nos__morestack_c(uintptr_t frame, uintptr_t argbytes, uintptr_t entry_sp,
                           uintptr_t cur_sp)
{
    nos__worker_t *w = nos__w();
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
    if (entry_sp - frame > nos__seg_limit(s) && entry_sp <= s->hi) {
        nos__set_limit(limit_for(w, p));
        return 0;
    }

    size_t need = frame + argbytes + 64 + NOS_STACK_RESERVE + sizeof(nos__seg_t);
    size_t want = (size_t)seg_size(s) * 2;
    if (want > ((size_t)1 << 20))
        want = (size_t)1 << 20;
    if (want < need)
        want = need;
    nos__seg_t *n;
    if (p->spare && seg_size(p->spare) >= want) {
        n = p->spare;
        p->spare = NULL;
    } else {
        size_t huge = 0;
        uint32_t cls = class_for(want, &huge);
        size_t bytes = cls == HUGE_CLS ? huge : cls_bytes[cls];
        if (p->stack_bytes + bytes > nos__stack_max) {
            /* Over budget: throw StackOverflow on an emergency segment. */
            n = seg_alloc(w, class_for(64 << 10, &huge), 0);
            n->prev = s;
            n->saved_sp = n->hi;
            s->saved_sp = cur_sp;
            atomic_signal_fence(memory_order_seq_cst);
            p->seg = n;
            p->stack_bytes += seg_size(n);
            nos__set_limit(nos__seg_limit(n));
            nos__call_on_stack(NULL, throw_overflow, n->hi, &s->saved_sp);
            __builtin_unreachable();
        }
        n = seg_alloc(w, cls, huge);
    }
    n->prev = s;
    n->saved_sp = n->hi;
    s->saved_sp = cur_sp;
    atomic_signal_fence(memory_order_seq_cst);   /* the GC may look at the chain any time */
    p->seg = n;
    p->stack_bytes += seg_size(n);
    nos__set_limit(limit_for(w, p));
    return n->hi;
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
    if (p->spare)
        seg_free(w, p->spare);
    p->spare = n;
}
