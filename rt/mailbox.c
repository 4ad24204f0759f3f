/*
 * mailbox.c - per-process mailboxes: send, and Erlang's selective receive.
 *
 * A mailbox is Vyukov's intrusive MPSC chain: senders append with one exchange on mb_tail
 * and one store of the old tail's next (so messages of one sender arrive in send order);
 * the owner alone reads from mb_head, a dummy node whose successors are the messages, oldest
 * first. Message nodes are GC objects reached from the process record.
 *
 * Selective receive scans from the oldest message; nos_recv_next hands each message to the
 * generated matcher once per receive (the receive's cursor remembers where the scan got to,
 * so messages that arrive while it waits are examined without rescanning old ones) and
 * nos_recv_take removes only the matched one:
 *   - the first message becomes the new dummy;
 *   - a message in the middle is unlinked (its successor exists, so no sender can still
 *     write its `next`);
 *   - the last linked message may still be the tail a sender is appending to, so it is only
 *     marked taken (type = NULL, a tombstone) and dropped later when it reaches the front.
 * Tombstones are skipped by scans. A taken message keeps its value (the arm body may still
 * read m->value after nos_recv_take); only its type is cleared. `after T` computes its deadline once, at
 * nos_recv_begin; unmatched messages never restart it; `after 0` polls.
 *
 * Wake-ups: a receiver with nothing new parks with NOS_WAKE_MSG (and NOS_WAKE_TIMER with a
 * deadline); its commit re-checks the last scanned node's `next` after publishing the mask,
 * and a sender checks the mask after linking (both seq_cst), so no message is missed.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sched_internal.h"

NOS__SPLIT_STACK_AWARE;

static inline nos_msg_t *next_of(nos_msg_t *m)
{
    return __atomic_load_n(&m->next, __ATOMIC_ACQUIRE);
}

/*
 * The dummy moves on to n (the old dummy's next is n, so no sender writes it again). The
 * old dummy's link is cut: the first dummy is the stub inside the process record, and
 * through it the GC would otherwise keep every message the process ever received.
 */
static inline void advance_head(nos_pid_t *p, nos_msg_t *n)
{
    nos_msg_t *old = p->mb_head;
    p->mb_head = n;
    __atomic_store_n(&old->next, NULL, __ATOMIC_RELAXED);
}

/*
 * The first dummy is the stub inside the process record, which has only a `next` field:
 * the dummy is the one node whose type and value are never read (scans start at its next;
 * only its `next` is read and written, always through &node->next).
 */
static inline nos_msg_t *stub_of(nos_pid_t *p)
{
    _Static_assert(offsetof(nos_msg_t, next) == 0, "a message's link comes first");
    return (nos_msg_t *)(void *)&p->mb_stub;
}

void nos__mbox_init(nos_pid_t *p)
{
    p->mb_stub.next = NULL;
    p->mb_head = stub_of(p);
    atomic_store_explicit(&p->mb_tail, stub_of(p), memory_order_relaxed);
}

int64_t nos__mbox_len(nos_pid_t *p)
{
    uint32_t n = atomic_load_explicit(&p->mb_sent, memory_order_relaxed) - p->mb_taken;
    return n > INT32_MAX ? 0 : (int64_t)n;
}

/* The process is dead (scheduler side): let the GC have its messages. */
void nos__mbox_clear(nos_pid_t *p)
{
    p->mb_stub.next = NULL;
    p->mb_head = stub_of(p);
    atomic_store_explicit(&p->mb_tail, stub_of(p), memory_order_release);
}

/* ---- copying mutable messages ------------------------------------------------------------------ */

/* Which descriptors contain mutable parts: a small cache in front of nos__type_mutable,
 * whose first computation for a type may recurse and so runs on the system stack. */
#define MUT_SLOTS 128
static uintptr_t mut_slots[MUT_SLOTS];   /* descriptor | 2 (known) | 1 (mutable) */

typedef struct copy_req {
    const nos_type_t *t;
    nos_val_t v;
} copy_req_t;

static void *copy_sys(void *arg)
{
    copy_req_t *c = arg;
    bool m = nos__type_mutable(c->t);
    uintptr_t key = (uintptr_t)c->t;
    __atomic_store_n(&mut_slots[(key >> 4) % MUT_SLOTS], key | 2 | (m ? 1 : 0), __ATOMIC_RELAXED);
    if (m)
        c->v = nos_copy(c->t, c->v);
    return NULL;
}

static nos_val_t copy_if_mutable(const nos_type_t *t, nos_val_t v)
{
    switch (t->kind) {
    case NT_LIST:
    case NT_TUPLE:
    case NT_RECORD:
    case NT_VARIANT:
    case NT_MAP:
    case NT_SET:
    case NT_ARRAY_I64:
    case NT_ARRAY_F64:
    case NT_ARRAY_F32:
        break;
    default:
        return v;
    }
    uintptr_t key = (uintptr_t)t;
    uintptr_t e = __atomic_load_n(&mut_slots[(key >> 4) % MUT_SLOTS], __ATOMIC_RELAXED);
    if ((e & ~(uintptr_t)3) == key && !(e & 1))
        return v;
    copy_req_t c = {t, v};
    nos__on_system_stack(copy_sys, &c);
    return c.v;
}

/* ---- send ------------------------------------------------------------------------------------------ */

void nos_send(nos_pid_t *to, const nos_type_t *t, nos_val_t v)
{
    NOS_TSAN_POLL(send_polls);
    if (!to || atomic_load_explicit(&to->state, memory_order_acquire) == NOS_P_DEAD)
        return;
    v = copy_if_mutable(t, v);
    nos_msg_t *m = nos__gc_alloc(sizeof *m);
    m->type = t;
    m->value = v;
    nos_msg_t *prev = atomic_exchange_explicit(&to->mb_tail, m, memory_order_acq_rel);
    __atomic_store_n(&prev->next, m, __ATOMIC_SEQ_CST);
    atomic_fetch_add_explicit(&to->mb_sent, 1, memory_order_relaxed);
    nos__wake(to, NOS_WAKE_MSG);
}

/* ---- receive ------------------------------------------------------------------------------------ */

/* nos_recv_t use: cursor = last message handed out (or the node the scan stopped at),
 * reserved[0] = the node before the last message handed out. */
#define R_PREV(r) ((r)->reserved[0])

void nos_recv_begin(nos_recv_t *r, int64_t timeout_ms)
{
    r->cursor = NULL;
    R_PREV(r) = 0;
    r->reserved[1] = 0;
    if (timeout_ms < 0) {
        r->deadline_ns = -1;
    } else {
        if (timeout_ms > INT64_MAX / 2000000)
            timeout_ms = INT64_MAX / 2000000;
        r->deadline_ns = nos__now_ns() + timeout_ms * 1000000;
    }
}

typedef struct recv_park {
    nos_msg_t *last;      /* the scan ended here: a new message links after it */
    int64_t deadline;
} recv_park_t;

static bool recv_ready(nos_pid_t *p, void *arg)
{
    recv_park_t *rp = arg;
    (void)p;
    if (__atomic_load_n(&rp->last->next, __ATOMIC_SEQ_CST))
        return true;
    return rp->deadline >= 0 && nos__now_ns() >= rp->deadline;
}

static bool recv_commit(nos_pid_t *p, void *arg)
{
    /* Copy what the check needs: once the mask is published the process may run again
     * (elsewhere) and reuse the frame `arg` points into. */
    recv_park_t rp = *(recv_park_t *)arg;
    uint32_t mask = NOS_WAKE_MSG;
    if (rp.deadline >= 0) {
        nos__timer_arm(p, rp.deadline);
        mask |= NOS_WAKE_TIMER;
    }
    return nos__park_commit(p, mask, recv_ready, &rp);
}

static void recv_done(nos_pid_t *p)
{
    if (atomic_load_explicit(&p->flags, memory_order_relaxed) & NOS_PF_TIMER_ARMED)
        nos__timer_cancel(p);
}

nos_msg_t *nos_recv_next(nos_recv_t *r)
{
    nos_pid_t *p = nos__w()->cur;
    for (;;) {
        nos_msg_t *at = r->cursor;
        if (!at) {
            /* A new scan: first drop tombstones at the front. */
            nos_msg_t *n;
            while ((n = next_of(p->mb_head)) && n->type == NULL) {
                advance_head(p, n);
                n->value = 0;
            }
            at = p->mb_head;
        }
        nos_msg_t *prev = at, *m = next_of(at);
        while (m && m->type == NULL) {
            prev = m;
            m = next_of(m);
        }
        if (m) {
            R_PREV(r) = (uintptr_t)prev;
            r->cursor = m;
            return m;
        }
        r->cursor = prev;
        if (r->deadline_ns >= 0 && nos__now_ns() >= r->deadline_ns) {
            recv_done(p);
            return NULL;
        }
        recv_park_t rp = {prev, r->deadline_ns};
        nos__park(recv_commit, &rp);
        p = nos__w()->cur;
    }
}

void nos_recv_take(nos_recv_t *r, nos_msg_t *m)
{
    nos_pid_t *p = nos__w()->cur;
    nos_msg_t *prev = (nos_msg_t *)R_PREV(r);
    if (prev == p->mb_head) {
        /* The oldest message: it becomes the dummy. */
        advance_head(p, m);
        m->type = NULL;
    } else {
        nos_msg_t *next = next_of(m);
        if (next)
            __atomic_store_n(&prev->next, next, __ATOMIC_RELAXED);
        else
            m->type = NULL;
    }
    p->mb_taken++;
    r->cursor = NULL;
    recv_done(p);
}
