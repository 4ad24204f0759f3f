/*
 * mvar.c - the reader-writer lock of an mvar: waiters park the process (never the thread),
 * re-entrant per process, released when its holder dies.
 *
 * State (in nos_mvar_t.lock, guarded by its own spin lock, held for a few instructions and
 * never across a park): readers > 0 shared holders, -1 one writer (owner, depth = its
 * re-entrant depth), 0 free; a queue of waiting processes (nodes in their frames).
 *
 * Barging, as Go's sync.Mutex does: a running process may take a free lock even when others
 * wait, and one that finds it held by a process running on another worker spins briefly
 * before it queues. Release does not hand the lock to a waiter: it wakes the first waiter
 * (or the run of readers at the head of the queue), which tries again when it runs. A lock
 * taken and released in a loop thus costs no context switch per round, where a strict FIFO
 * hand-over costs one (the lock would always belong to a process that is not running yet).
 * At most one wake-up is in flight: while a woken waiter has not tried yet, releases wake
 * nobody more.
 *
 * Nobody starves:
 *  - a woken waiter that finds the lock taken again goes back to the head of the queue and
 *    turns on hand-over: the next release grants the lock directly to the head of the queue
 *    (as a strict FIFO lock does), and until then nobody may barge;
 *  - a writer at the head of the queue stops new readers from joining a shared hold
 *    (writers are preferred), so a stream of overlapping readers cannot starve it.
 *
 * Re-entrancy: the exclusive owner may take the lock again, shared or exclusive (depth
 * counts both); a process holding a shared lock may take it shared again. A crash or a kill
 * releases every lock the process held (nos__mvar_release_all, scheduler side): its shared
 * holds are listed in p->holds (GC memory), its exclusive ones are found through the
 * registry of all mvars (p->nexcl counts them); a process waiting for the lock then gets it.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_internal.h"

NOS__SPLIT_STACK_AWARE;

/* A waiting process's queue node, in its frame (wait_for) while it waits. */
struct nos__mvwait {
    nos__mvwait_t *next;
    nos_pid_t *p;
    nos_mvar_t *m;
    bool excl;
};

typedef struct mvlock {
    _Atomic uintptr_t spin;
    intptr_t readers;       /* > 0 readers, -1 writer, 0 free */
    nos_pid_t *owner;       /* the writer (written under the spin lock; its owner may read it
                               without: only the owner itself makes it stop being the owner) */
    int32_t depth;          /* the writer's re-entrant depth */
    uint16_t woken;         /* waiters woken (taken off the queue) that have not tried yet */
    uint8_t handoff;        /* the next release grants the lock to the head of the queue */
    uint8_t unused;
    nos__mvwait_t *whead, *wtail;
} mvlock_t;

_Static_assert(sizeof(mvlock_t) <= sizeof(((nos_mvar_t *)0)->lock), "mvar lock does not fit");

#define LK(m) ((mvlock_t *)(void *)(m)->lock)
#define MAX_WAKE 4   /* readers woken or granted per release; bounded for the nosplit budget */

/* The spin word: bit 0 = the spin lock, bit 1 = the mvar is held (a hint for lock-free
 * peeking, written at every spin unlock). */
#define SPIN_LOCKED 1u
#define SPIN_BUSY 2u

static inline void cpu_relax(void)
{
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static void spin_lock(mvlock_t *l)
{
    for (unsigned n = 0;; n++) {
        uintptr_t v = atomic_load_explicit(&l->spin, memory_order_relaxed);
        if (!(v & SPIN_LOCKED) &&
            atomic_compare_exchange_weak_explicit(&l->spin, &v, v | SPIN_LOCKED,
                                                  memory_order_acquire, memory_order_relaxed))
            return;
        cpu_relax();
        if (n > 4000) {
            sched_yield();
            n = 0;
        }
    }
}

static inline void spin_unlock(mvlock_t *l)
{
    uintptr_t busy = l->readers != 0 ? SPIN_BUSY : 0;
    atomic_store_explicit(&l->spin, busy, memory_order_release);
}

/* Spin briefly for a held lock: its holder most likely runs on another worker and lets go
 * within nanoseconds, and taking it then is far cheaper than parking. */
#ifndef NOS_MVAR_SPIN_TRIES
#define NOS_MVAR_SPIN_TRIES 64
#endif

static void spin_until_free(mvlock_t *l)
{
    for (int i = 0; i < NOS_MVAR_SPIN_TRIES; i++) {
        cpu_relax();
        if (!(atomic_load_explicit(&l->spin, memory_order_relaxed) & (SPIN_BUSY | SPIN_LOCKED)))
            return;
    }
}

/*
 * Every mvar, so that a dying process that held some exclusively finds them (mvars are
 * module-level: a program has a fixed, small set). Exclusive takes then only count
 * (p->nexcl) instead of keeping a list. Appended by nos_mvar_init (registry lock, system
 * stack); read by nos__mvar_release_all (any worker).
 */
static struct {
    pthread_mutex_t lock;
    _Atomic(nos_mvar_t **) all;
    _Atomic size_t n;
    size_t cap;
} registry = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void *register_sys(void *arg)
{
    nos_mvar_t *m = arg;
    pthread_mutex_lock(&registry.lock);
    size_t n = atomic_load_explicit(&registry.n, memory_order_relaxed);
    nos_mvar_t **all = atomic_load_explicit(&registry.all, memory_order_relaxed);
    bool known = false;
    for (size_t i = 0; i < n && !known; i++)
        known = all[i] == m;
    if (!known) {
        if (n == registry.cap) {
            size_t cap = registry.cap ? registry.cap * 2 : 64;
            nos_mvar_t **a = malloc(cap * sizeof *a);
            if (!a)
                nos__fatal("out of memory (mvars)");
            if (n)
                memcpy(a, all, n * sizeof *a);
            /* The old array stays: a reader may still scan it (a few words per growth). */
            atomic_store_explicit(&registry.all, a, memory_order_release);
            all = a;
            registry.cap = cap;
        }
        all[n] = m;
        atomic_store_explicit(&registry.n, n + 1, memory_order_release);
    }
    pthread_mutex_unlock(&registry.lock);
    return NULL;
}

void nos_mvar_init(nos_mvar_t *m, const nos_type_t *t)
{
    m->type = t;
    memset(m->lock, 0, sizeof m->lock);
    nos__on_system_stack(register_sys, m);
}

/* ---- the per-process list of held locks ----------------------------------------------------- */

static nos__mvhold_t *hold_find(nos_pid_t *p, nos_mvar_t *m)
{
    for (uint16_t i = 0; i < p->nholds; i++)
        if (p->holds[i].m == m)
            return &p->holds[i];
    return NULL;
}

static __attribute__((noinline)) nos__mvhold_t *hold_grow(nos_pid_t *p)
{
    uint16_t cap = p->capholds ? (uint16_t)(p->capholds * 2) : 4;
    nos__mvhold_t *n = nos__gc_alloc(cap * sizeof *n);
    if (p->nholds)
        memcpy(n, p->holds, p->nholds * sizeof *n);
    p->holds = n;
    p->capholds = cap;
    return n;
}

static nos__mvhold_t *hold_get(nos_pid_t *p, nos_mvar_t *m)
{
    nos__mvhold_t *h = hold_find(p, m);
    if (h)
        return h;
    for (uint16_t i = 0; i < p->nholds; i++)
        if (!p->holds[i].m) {
            p->holds[i].m = m;
            return &p->holds[i];
        }
    if (p->nholds == p->capholds)
        hold_grow(p);
    h = &p->holds[p->nholds++];
    h->m = m;
    h->shared = 0;
    return h;
}

static void hold_drop(nos_pid_t *p, nos__mvhold_t *h)
{
    h->m = NULL;
    while (p->nholds && !p->holds[p->nholds - 1].m)
        p->nholds--;
}

/* ---- waking and granting ---------------------------------------------------------------------- */

typedef struct wakelist {
    nos_pid_t *p[MAX_WAKE];
    int n;
} wakelist_t;

/* Take the head of the queue (a writer, or a run of readers) and tell each of them `state`
 * (GRANTED: the lock is theirs; WOKEN: try again). Holds the spin lock. */
static void take_head(mvlock_t *l, wakelist_t *wl, uint8_t state)
{
    while (l->whead && wl->n < MAX_WAKE) {
        nos__mvwait_t *q = l->whead;
        bool excl = q->excl;
        if (wl->n > 0 && excl)
            return;   /* a run of readers ends at a writer */
        if (state == NOS_MV_GRANTED) {
            if (excl) {
                l->readers = -1;
                __atomic_store_n(&l->owner, q->p, __ATOMIC_RELAXED);
                l->depth = 1;
            } else {
                l->readers++;
            }
        } else {
            l->woken++;
        }
        nos_pid_t *qp = q->p;
        l->whead = q->next;
        if (!l->whead)
            l->wtail = NULL;
        q->next = NULL;
        /* From here on q's frame may go away (the process is woken, or killed). */
        atomic_store_explicit(&qp->mv_state, state, memory_order_seq_cst);
        wl->p[wl->n++] = qp;
        if (excl)
            return;
    }
}

/*
 * The lock's state changed (released, or a waiter left): if the head of the queue could
 * take the lock now, grant it (hand-over mode) or wake it to try, unless a woken waiter is
 * already on its way. Holds the spin lock.
 */
static void kick(mvlock_t *l, wakelist_t *wl)
{
    nos__mvwait_t *q = l->whead;
    if (!q) {
        l->handoff = 0;
        return;
    }
    if (q->excl ? l->readers != 0 : l->readers < 0)
        return;
    if (l->handoff) {
        l->handoff = 0;
        take_head(l, wl, NOS_MV_GRANTED);
    } else if (l->woken == 0) {
        take_head(l, wl, NOS_MV_WOKEN);
    }
}

static void wake_all(wakelist_t *wl)
{
    for (int i = 0; i < wl->n; i++)
        nos__wake(wl->p[i], NOS_WAKE_MVAR);
}

/* kick, release the spin lock, wake whoever kick took off the queue. Out of line, with its
 * list, and tail-called: the callers' frames are gone by then (the nosplit budget). */
static __attribute__((noinline)) void kick_unlock_wake(mvlock_t *l)
{
    wakelist_t wl;
    wl.n = 0;
    kick(l, &wl);
    spin_unlock(l);
    wake_all(&wl);
}

static bool is_told(nos_pid_t *p, void *arg)
{
    (void)arg;
    return atomic_load_explicit(&p->mv_state, memory_order_seq_cst) != NOS_MV_QUEUED;
}

static bool mvar_commit(nos_pid_t *p, void *arg)
{
    (void)arg;
    return nos__park_commit(p, NOS_WAKE_MVAR, is_told, NULL);
}

/* May a process that is not a holder take the lock now? Holds the spin lock. */
static inline bool can_take(const mvlock_t *l, bool excl)
{
    if (l->handoff && l->whead)
        return false;
    if (excl)
        return l->readers == 0;
    return l->readers >= 0 && !(l->whead && l->whead->excl);
}

static inline nos_pid_t *owner_of(mvlock_t *l)
{
    return __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}

static inline void set_owner(mvlock_t *l, nos_pid_t *p)
{
    __atomic_store_n(&l->owner, p, __ATOMIC_RELAXED);
}

static inline void take(mvlock_t *l, nos_pid_t *p, bool excl)
{
    if (excl) {
        l->readers = -1;
        set_owner(l, p);
        l->depth = 1;
    } else {
        l->readers++;
    }
}

/* A woken waiter tries again (holds the spin lock): true if it took the lock; else it is
 * first in line again, with hand-over on (the next release is its). Out of line for the
 * nosplit budget of the park below. */
static __attribute__((noinline)) bool retry(mvlock_t *l, nos__mvwait_t *node)
{
    l->woken--;
    if (node->excl ? l->readers == 0 : l->readers >= 0) {
        take(l, node->p, node->excl);
        spin_unlock(l);
        return true;
    }
    l->handoff = 1;
    atomic_store_explicit(&node->p->mv_state, NOS_MV_QUEUED, memory_order_relaxed);
    node->next = l->whead;
    l->whead = node;
    if (!l->wtail)
        l->wtail = node;
    spin_unlock(l);
    return false;
}

/*
 * Queue p and park until the lock is granted, or until woken: then try again (retry).
 * Holds the spin lock on entry; returns holding the lock (not the spin lock), true if it
 * took it after a wake-up. The node lives in this frame only: its address escapes, which
 * would keep the caller from tail calls.
 */
static __attribute__((noinline)) bool park_until_held(mvlock_t *l, nos_pid_t *p, nos_mvar_t *m,
                                                      bool excl)
{
    nos__mvwait_t node = {NULL, p, m, excl};
    atomic_store_explicit(&p->mv_state, NOS_MV_QUEUED, memory_order_relaxed);
    p->mv_wait = &node;
    if (l->wtail)
        l->wtail->next = &node;
    else
        l->whead = &node;
    l->wtail = &node;
    spin_unlock(l);
    for (;;) {
        uint8_t st;
        while ((st = atomic_load_explicit(&node.p->mv_state, memory_order_acquire)) ==
               NOS_MV_QUEUED) {
            nos__park(mvar_commit, NULL);
            node.p = nos__w()->cur;
        }
        if (st == NOS_MV_GRANTED)
            break;
        spin_lock(l);
        if (retry(l, &node)) {
            node.p->mv_wait = NULL;
            return true;
        }
    }
    node.p->mv_wait = NULL;
    return false;
}

/* Wait for the lock (the spin lock held on entry), then record the hold. Tail-called by the
 * lock functions. */
static __attribute__((noinline)) void wait_for(mvlock_t *l, nos_pid_t *p, nos_mvar_t *m,
                                               bool excl)
{
    bool retried = park_until_held(l, p, m, excl);
    p = nos__w()->cur;
    if (excl) {
        p->nexcl++;
        return;
    }
    hold_get(p, m)->shared++;
    if (retried) {
        spin_lock(l);   /* readers queued behind us may join too */
        kick_unlock_wake(l);
    }
}

/* ---- the API ------------------------------------------------------------------------------------ */

/* Re-entrant takes and releases by the exclusive owner touch only its depth: no spin lock. */

void nos_mvar_lock(nos_mvar_t *m)
{
    nos_pid_t *p = nos__w()->cur;
    mvlock_t *l = LK(m);
    if (owner_of(l) == p) {
        l->depth++;
        return;
    }
    if ((atomic_load_explicit(&l->spin, memory_order_relaxed) & SPIN_BUSY) && nos__nworkers > 1)
        spin_until_free(l);   /* held: wait for the holder before taking the line */
    spin_lock(l);
    if (!can_take(l, true) && !l->handoff && nos__nworkers > 1) {
        spin_unlock(l);
        spin_until_free(l);
        spin_lock(l);
    }
    if (!can_take(l, true)) {
        wait_for(l, p, m, true);
        return;
    }
    take(l, p, true);
    spin_unlock(l);
    p->nexcl++;
}

void nos_mvar_unlock(nos_mvar_t *m)
{
    nos_pid_t *p = nos__w()->cur;
    mvlock_t *l = LK(m);
    if (owner_of(l) != p)
        nos__fatal("mvar unlocked by a process that does not hold it");
    if (l->depth > 1) {
        l->depth--;
        return;
    }
    p->nexcl--;
    spin_lock(l);
    l->depth = 0;
    set_owner(l, NULL);
    l->readers = 0;
    if (!l->whead) {
        l->handoff = 0;
        spin_unlock(l);
        return;
    }
    kick_unlock_wake(l);
}

void nos_mvar_lock_shared(nos_mvar_t *m)
{
    nos_pid_t *p = nos__w()->cur;
    mvlock_t *l = LK(m);
    if (owner_of(l) == p) {
        l->depth++;
        return;
    }
    spin_lock(l);
    nos__mvhold_t *h = p->nholds ? hold_find(p, m) : NULL;
    if (!(h && h->shared > 0) && !can_take(l, false) && !l->handoff && l->readers < 0 &&
        nos__nworkers > 1) {
        spin_unlock(l);
        spin_until_free(l);
        spin_lock(l);
    }
    if ((h && h->shared > 0) || can_take(l, false)) {
        l->readers++;
        spin_unlock(l);
        hold_get(p, m)->shared++;
        return;
    }
    wait_for(l, p, m, false);
}

void nos_mvar_unlock_shared(nos_mvar_t *m)
{
    nos_pid_t *p = nos__w()->cur;
    mvlock_t *l = LK(m);
    if (owner_of(l) == p) {
        l->depth--;
        return;
    }
    nos__mvhold_t *h = hold_find(p, m);
    if (h && h->shared > 0 && --h->shared == 0)
        hold_drop(p, h);
    spin_lock(l);
    if (l->readers <= 0) {
        spin_unlock(l);
        nos__fatal("mvar shared lock released but not held");
    }
    l->readers--;
    if (!l->whead) {
        l->handoff = 0;
        spin_unlock(l);
        return;
    }
    kick_unlock_wake(l);
}

/* ---- release on death ---------------------------------------------------------------------------- */

void nos__mvar_release_all(nos_pid_t *p)
{
    wakelist_t wl;
    wl.n = 0;
    nos__mvwait_t *node = p->mv_wait;
    if (node) {
        /* The process died waiting (killed): its frame, and so the node, is still there. */
        mvlock_t *l = LK(node->m);
        spin_lock(l);
        uint8_t st = atomic_load_explicit(&p->mv_state, memory_order_acquire);
        if (st == NOS_MV_GRANTED) {
            /* Granted, but it died before it could take it: pass it on. */
            if (node->excl) {
                set_owner(l, NULL);
                l->readers = 0;
                l->depth = 0;
            } else {
                l->readers--;
            }
        } else if (st == NOS_MV_WOKEN) {
            l->woken--;
        } else {
            nos__mvwait_t **q = &l->whead, *last = NULL;
            while (*q && *q != node) {
                last = *q;
                q = &(*q)->next;
            }
            if (*q) {
                *q = node->next;
                if (l->wtail == node)
                    l->wtail = last;
            }
        }
        kick(l, &wl);
        spin_unlock(l);
        p->mv_wait = NULL;
        wake_all(&wl);
        wl.n = 0;
    }
    for (uint16_t i = 0; i < p->nholds; i++) {
        nos__mvhold_t *h = &p->holds[i];
        if (!h->m)
            continue;
        mvlock_t *l = LK(h->m);
        spin_lock(l);
        if (owner_of(l) != p && h->shared > 0) {
            l->readers -= h->shared;
            if (l->readers < 0)
                l->readers = 0;
        }
        kick(l, &wl);
        spin_unlock(l);
        h->m = NULL;
        wake_all(&wl);
        wl.n = 0;
    }
    p->nholds = 0;
    size_t n = atomic_load_explicit(&registry.n, memory_order_acquire);
    nos_mvar_t **all = atomic_load_explicit(&registry.all, memory_order_acquire);
    for (size_t i = 0; i < n && p->nexcl > 0; i++) {
        mvlock_t *l = LK(all[i]);
        if (owner_of(l) != p)
            continue;
        spin_lock(l);
        set_owner(l, NULL);
        l->readers = 0;
        l->depth = 0;
        kick(l, &wl);
        spin_unlock(l);
        p->nexcl--;
        wake_all(&wl);
        wl.n = 0;
    }
    p->nexcl = 0;
}
