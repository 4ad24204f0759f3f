/*
 * mvar.c - the reader-writer lock of an mvar: FIFO waiters that park the process (never the
 * thread), re-entrant per process, released when its holder dies.
 *
 * State (in nos_mvar_t.lock, guarded by its own spin lock, held for a few instructions and
 * never across a park): readers > 0 shared holders, -1 one writer (owner, depth = its
 * re-entrant depth), 0 free; a FIFO of waiting processes (nodes in their frames). A lock
 * request that finds waiters queues behind them (no barging), so writers are not starved by
 * a stream of readers. Release hands the lock over directly: to the first waiter if it
 * wants it exclusively, or to the whole run of readers at the head of the queue, who are
 * then woken.
 *
 * Re-entrancy: the exclusive owner may take the lock again, shared or exclusive (depth
 * counts both); a process holding a shared lock may take it shared again. Each process keeps
 * the list of mvars it holds (p->holds, in GC memory) so that a crash or a kill releases them
 * (nos__mvar_release_all, scheduler side): a process waiting for the lock then gets it.
 */
#include <sched.h>
#include <stdio.h>
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
    nos_pid_t *owner;       /* the writer */
    intptr_t depth;         /* the writer's re-entrant depth */
    nos__mvwait_t *whead, *wtail;
} mvlock_t;

_Static_assert(sizeof(mvlock_t) <= sizeof(((nos_mvar_t *)0)->lock), "mvar lock does not fit");

#define LK(m) ((mvlock_t *)(void *)(m)->lock)
#define MAX_WAKE 6   /* handed over per release; bounded for the nosplit budget */

/* The spin word: bit 0 = the spin lock, bit 1 = the mvar is held or has waiters (a hint
 * for lock-free peeking, written at every spin unlock). */
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
    uintptr_t busy = l->readers != 0 || l->whead ? SPIN_BUSY : 0;
    atomic_store_explicit(&l->spin, busy, memory_order_release);
}

/* Spin briefly for a held lock with nobody queued: its holder most likely runs on another
 * worker and lets go within nanoseconds, and taking it then is far cheaper than parking. */
#ifndef NOS_MVAR_SPIN_TRIES
#define NOS_MVAR_SPIN_TRIES 64
#endif
#define SPIN_TRIES NOS_MVAR_SPIN_TRIES

static bool spin_until_free(mvlock_t *l)
{
    for (int i = 0; i < SPIN_TRIES; i++) {
        cpu_relax();
        if (!(atomic_load_explicit(&l->spin, memory_order_relaxed) & (SPIN_BUSY | SPIN_LOCKED)))
            return true;
    }
    return false;
}

void nos_mvar_init(nos_mvar_t *m, const nos_type_t *t)
{
    m->type = t;
    memset(m->lock, 0, sizeof m->lock);
}

/* ---- the per-process list of held locks ----------------------------------------------------- */

static nos__mvhold_t *hold_find(nos_pid_t *p, nos_mvar_t *m)
{
    for (uint16_t i = 0; i < p->nholds; i++)
        if (p->holds[i].m == m)
            return &p->holds[i];
    return NULL;
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
    if (p->nholds == p->capholds) {
        uint16_t cap = p->capholds ? (uint16_t)(p->capholds * 2) : 4;
        nos__mvhold_t *n = nos__gc_alloc(cap * sizeof *n);
        if (p->nholds)
            memcpy(n, p->holds, p->nholds * sizeof *n);
        p->holds = n;
        p->capholds = cap;
    }
    h = &p->holds[p->nholds++];
    h->m = m;
    h->shared = 0;
    h->excl = 0;
    return h;
}

static void hold_drop_if_empty(nos_pid_t *p, nos__mvhold_t *h)
{
    if (h->shared == 0 && h->excl == 0) {
        h->m = NULL;
        while (p->nholds && !p->holds[p->nholds - 1].m)
            p->nholds--;
    }
}

/* ---- hand-over ---------------------------------------------------------------------------------- */

typedef struct wakelist {
    nos_pid_t *p[MAX_WAKE];
    int n;
} wakelist_t;

/* Grant the lock to the head of the queue if it can have it. Holds the spin lock. */
static void grant(mvlock_t *l, wakelist_t *wl)
{
    while (l->whead && wl->n < MAX_WAKE) {
        nos__mvwait_t *q = l->whead;
        if (q->excl) {
            if (l->readers != 0)
                return;
            l->readers = -1;
            l->owner = q->p;
            l->depth = 1;
        } else {
            if (l->readers < 0)
                return;
            l->readers++;
        }
        bool excl = q->excl;
        nos_pid_t *qp = q->p;
        l->whead = q->next;
        if (!l->whead)
            l->wtail = NULL;
        q->next = NULL;
        /* From here on q's frame may go away (the process is woken, or killed). */
        atomic_store_explicit(&qp->mv_state, NOS_MV_GRANTED, memory_order_seq_cst);
        wl->p[wl->n++] = qp;
        if (excl)
            return;
    }
}

static void wake_all(wakelist_t *wl)
{
    for (int i = 0; i < wl->n; i++)
        nos__wake(wl->p[i], NOS_WAKE_MVAR);
}

static bool is_granted(nos_pid_t *p, void *arg)
{
    (void)arg;
    return atomic_load_explicit(&p->mv_state, memory_order_seq_cst) != NOS_MV_QUEUED;
}

static bool mvar_commit(nos_pid_t *p, void *arg)
{
    (void)arg;
    return nos__park_commit(p, NOS_WAKE_MVAR, is_granted, NULL);
}

/* Queue p behind the waiters and park until the lock is handed over. */
static void wait_for(mvlock_t *l, nos_pid_t *p, nos_mvar_t *m, bool excl)
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
    while (atomic_load_explicit(&p->mv_state, memory_order_acquire) != NOS_MV_GRANTED) {
        nos__park(mvar_commit, NULL);
        p = nos__w()->cur;
    }
    p->mv_wait = NULL;
}

/* ---- the API ------------------------------------------------------------------------------------ */

void nos_mvar_lock(nos_mvar_t *m)
{
    nos_pid_t *p = nos__w()->cur;
    mvlock_t *l = LK(m);
    spin_lock(l);
    if (l->owner == p) {
        l->depth++;
        spin_unlock(l);
        return;
    }
    if (l->readers != 0 && !l->whead && nos__nworkers > 1) {
        spin_unlock(l);
        spin_until_free(l);
        spin_lock(l);
    }
    if (l->readers == 0 && !l->whead) {
        l->readers = -1;
        l->owner = p;
        l->depth = 1;
        spin_unlock(l);
    } else {
        wait_for(l, p, m, true);
        p = nos__w()->cur;
    }
    hold_get(p, m)->excl = 1;
}

void nos_mvar_unlock(nos_mvar_t *m)
{
    nos_pid_t *p = nos__w()->cur;
    mvlock_t *l = LK(m);
    wakelist_t wl;
    wl.n = 0;
    spin_lock(l);
    if (l->owner != p) {
        spin_unlock(l);
        nos__fatal("mvar unlocked by a process that does not hold it");
    }
    if (--l->depth > 0) {
        spin_unlock(l);
        return;
    }
    l->owner = NULL;
    l->readers = 0;
    grant(l, &wl);
    spin_unlock(l);
    nos__mvhold_t *h = hold_find(p, m);
    if (h) {
        h->excl = 0;
        hold_drop_if_empty(p, h);
    }
    wake_all(&wl);
}

void nos_mvar_lock_shared(nos_mvar_t *m)
{
    nos_pid_t *p = nos__w()->cur;
    mvlock_t *l = LK(m);
    spin_lock(l);
    if (l->owner == p) {
        l->depth++;
        spin_unlock(l);
        return;
    }
    nos__mvhold_t *h = p->nholds ? hold_find(p, m) : NULL;
    if ((h && h->shared > 0) || (l->readers >= 0 && !l->whead)) {
        l->readers++;
        spin_unlock(l);
    } else {
        wait_for(l, p, m, false);
        p = nos__w()->cur;
    }
    hold_get(p, m)->shared++;
}

void nos_mvar_unlock_shared(nos_mvar_t *m)
{
    nos_pid_t *p = nos__w()->cur;
    mvlock_t *l = LK(m);
    wakelist_t wl;
    wl.n = 0;
    spin_lock(l);
    if (l->owner == p) {
        l->depth--;
        spin_unlock(l);
        return;
    }
    if (l->readers <= 0) {
        spin_unlock(l);
        nos__fatal("mvar shared lock released but not held");
    }
    if (--l->readers == 0)
        grant(l, &wl);
    spin_unlock(l);
    nos__mvhold_t *h = hold_find(p, m);
    if (h && h->shared > 0) {
        h->shared--;
        hold_drop_if_empty(p, h);
    }
    wake_all(&wl);
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
        if (atomic_load_explicit(&p->mv_state, memory_order_acquire) == NOS_MV_GRANTED) {
            /* Granted, but it died before it could take it: pass it on. */
            if (node->excl) {
                l->owner = NULL;
                l->readers = 0;
                l->depth = 0;
            } else {
                l->readers--;
            }
            grant(l, &wl);
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
            /* A reader behind a writer that left may now go. */
            if (l->readers >= 0)
                grant(l, &wl);
        }
        spin_unlock(l);
        p->mv_wait = NULL;
    }
    for (uint16_t i = 0; i < p->nholds; i++) {
        nos__mvhold_t *h = &p->holds[i];
        if (!h->m)
            continue;
        mvlock_t *l = LK(h->m);
        spin_lock(l);
        if (l->owner == p) {
            l->owner = NULL;
            l->readers = 0;
            l->depth = 0;
        } else if (h->shared > 0) {
            l->readers -= h->shared;
            if (l->readers < 0)
                l->readers = 0;
        }
        if (l->readers == 0)
            grant(l, &wl);
        spin_unlock(l);
        h->m = NULL;
        if (wl.n >= MAX_WAKE - 1) {
            wake_all(&wl);
            wl.n = 0;
        }
    }
    p->nholds = 0;
    wake_all(&wl);
}
