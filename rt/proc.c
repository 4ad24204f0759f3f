/*
 * proc.c - process records, the process table, pids, spawn, and the Process.* natives.
 *
 * A process record (struct nos_pid) is a GC object and is the pid itself: a pid can never
 * dangle or be reused, a dead process's record simply stays (state DEAD) while pids to it
 * are reachable. Ids come from a 64-bit counter; the main process is <pid:1>.
 *
 * The process table holds every live process: the GC pushes it (so records of live
 * processes stay alive even if no pid is held anywhere) and walks it to find every stack,
 * and Process.all/vmStats read it. It is a directory of fixed chunks of atomic slots; a slot
 * is NULL or a live process, written with one store, so the collector (which runs with the
 * world stopped, at any instruction of a writer) always sees a consistent table. Free slot
 * numbers are kept per worker, with a global stack behind them (table lock).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GC_THREADS
#define GC_THREADS
#endif
#include <gc/gc.h>
#include <gc/gc_mark.h>

#include "sched_internal.h"

NOS__SPLIT_STACK_AWARE;

#define CHUNK_SLOTS 4096u
#define MAX_CHUNKS 8192u   /* 32M live processes */

static _Atomic(nos_pid_t *) *chunks[MAX_CHUNKS];
static _Atomic uint32_t nchunks;
static _Atomic uint32_t slot_bump;   /* never-used slot numbers start here */
static struct {
    pthread_mutex_t lock;
    uint32_t *free;
    uint32_t n, cap;
} table = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Atomic int64_t next_id = 1;
_Atomic int64_t nos__stat_spawned, nos__stat_exited;

static _Atomic(nos_pid_t *) *slot_ref(uint32_t slot)
{
    return &chunks[slot / CHUNK_SLOTS][slot % CHUNK_SLOTS];
}

/* Refill w's free-slot cache. System stack (takes the table lock, may allocate a chunk). */
static void *slots_refill(void *arg)
{
    nos__worker_t *w = arg;
    pthread_mutex_lock(&table.lock);
    while (w->free_slots_n < 32 && table.n > 0)
        w->free_slots[w->free_slots_n++] = table.free[--table.n];
    while (w->free_slots_n < 32) {
        uint32_t s = atomic_load_explicit(&slot_bump, memory_order_relaxed);
        uint32_t c = s / CHUNK_SLOTS;
        if (c >= MAX_CHUNKS)
            nos__fatal("too many live processes");
        if (c >= atomic_load_explicit(&nchunks, memory_order_relaxed)) {
            _Atomic(nos_pid_t *) *chunk = calloc(CHUNK_SLOTS, sizeof *chunk);
            if (!chunk)
                nos__fatal("out of memory (process table)");
            chunks[c] = chunk;
            atomic_store_explicit(&nchunks, c + 1, memory_order_release);
        }
        atomic_store_explicit(&slot_bump, s + 1, memory_order_relaxed);
        w->free_slots[w->free_slots_n++] = s;
    }
    pthread_mutex_unlock(&table.lock);
    return NULL;
}

static void *slots_spill(void *arg)
{
    nos__worker_t *w = arg;
    pthread_mutex_lock(&table.lock);
    while (w->free_slots_n > 32) {
        if (table.n == table.cap) {
            uint32_t cap = table.cap ? table.cap * 2 : 1024;
            uint32_t *f = realloc(table.free, cap * sizeof *f);
            if (!f)
                nos__fatal("out of memory (process table)");
            table.free = f;
            table.cap = cap;
        }
        table.free[table.n++] = w->free_slots[--w->free_slots_n];
    }
    pthread_mutex_unlock(&table.lock);
    return NULL;
}

void nos__proc_table_add(nos__worker_t *w, nos_pid_t *p)
{
    if (w->free_slots_n == 0)
        nos__on_system_stack(slots_refill, w);
    p->slot = w->free_slots[--w->free_slots_n];
    atomic_store_explicit(slot_ref(p->slot), p, memory_order_release);
}

void nos__proc_table_remove(nos__worker_t *w, nos_pid_t *p)
{
    atomic_store_explicit(slot_ref(p->slot), NULL, memory_order_release);
    w->free_slots[w->free_slots_n++] = p->slot;
    if (w->free_slots_n == sizeof w->free_slots / sizeof w->free_slots[0])
        nos__on_system_stack(slots_spill, w);
}

void nos__proc_each(nos__proc_visit_fn f, void *ctx)
{
    uint32_t nc = atomic_load_explicit(&nchunks, memory_order_acquire);
    for (uint32_t c = 0; c < nc; c++) {
        _Atomic(nos_pid_t *) *chunk = chunks[c];
        for (uint32_t i = 0; i < CHUNK_SLOTS; i++) {
            nos_pid_t *p = atomic_load_explicit(&chunk[i], memory_order_acquire);
            if (p)
                f(p, ctx);
        }
    }
}

void nos__proc_table_push_roots(void)
{
    uint32_t nc = atomic_load_explicit(&nchunks, memory_order_acquire);
    for (uint32_t c = 0; c < nc; c++)
        GC_push_all_eager((void *)chunks[c], (void *)(chunks[c] + CHUNK_SLOTS));
}

/* ---- creating processes ------------------------------------------------------------------------ */

void nos__proc_begin(void)
{
    nos__worker_t *w = nos__w();
    nos__san_switch_end(w, w->cur);
}

nos_pid_t *nos__proc_new(void (*entry)(void *), void *arg)
{
    nos__worker_t *w = nos__w();
    nos_pid_t *p = nos__gc_alloc_exact(sizeof *p);
    p->id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
    p->heap_idx = -1;
    p->start_ns = nos__now_coarse_ns();
    nos__mbox_init(p);
    nos__seg_t *s = nos__seg_first(w);
    p->seg = s;
    p->stack_bytes = s->bytes;
    p->sp = nos__ctx_init(nos__seg_hi(s), entry, arg);
    nos__san_fiber_create(p);
    atomic_store_explicit(&p->state, NOS_P_NEW, memory_order_relaxed);
    nos__proc_table_add(w, p);
    atomic_fetch_add_explicit(&nos__stat_spawned, 1, memory_order_relaxed);
    return p;
}

static void run_closure(void *arg)
{
    nos__proc_begin();
    nos_closure_t *c = arg;
    ((nos_val_t(*)(nos_closure_t *))c->fn)(c);
    nos__proc_exit();
}

nos_pid_t *nos_spawn(nos_closure_t *body)
{
    NOS_TSAN_POLL(spawn_polls);
    nos_pid_t *p = nos__proc_new(run_closure, body);
    nos__spawn_enqueue(p);
    return p;
}

nos_pid_t *nos_self(void)
{
    nos__worker_t *w = nos__w();
    return w ? w->cur : NULL;
}

int64_t nos_pid_id(nos_pid_t *p)
{
    return p ? p->id : 0;
}

/* ---- exceptions ------------------------------------------------------------------------------- */

static nos_exc_frame_t *no_process_exc;

nos_exc_frame_t **nos__exc_slot(void)
{
    nos__worker_t *w = nos__w();
    if (!w || !w->cur)
        return &no_process_exc;
    return &w->cur->exc;
}

typedef struct crash {
    const nos_type_t *t;
    nos_val_t v;
    nos_pid_t *p;
} crash_t;

static _Noreturn void *main_uncaught(void *arg)
{
    crash_t *c = arg;
    nos_str_t *msg = nos_exc_message(c->t, c->v);
    nos__exit_program(1, stderr, "Runtime error: ", msg->data, (size_t)msg->len);
}

static void *proc_crash_report(void *arg)
{
    crash_t *c = arg;
    nos_str_t *msg = nos_exc_message(c->t, c->v);
    fprintf(stderr, "process <pid:%lld> crashed: %s\n", (long long)c->p->id, msg->data);
    fflush(stderr);
    return NULL;
}

_Noreturn void nos__uncaught(const nos_type_t *t, nos_val_t v)
{
    nos__worker_t *w = nos__w();
    crash_t c = {t, v, w ? w->cur : NULL};
    if (!c.p || (atomic_load_explicit(&c.p->flags, memory_order_relaxed) & NOS_PF_MAIN)) {
        nos__on_system_stack(main_uncaught, &c);
        __builtin_unreachable();
    }
    nos__on_system_stack(proc_crash_report, &c);
    nos__proc_exit();
}

/* ---- Process.* and vmStats (LANGUAGE.md 2.9) ------------------------------------------------- */

static bool alive(nos_pid_t *p)
{
    return p && atomic_load_explicit(&p->state, memory_order_acquire) != NOS_P_DEAD &&
           !(atomic_load_explicit(&p->flags, memory_order_acquire) & NOS_PF_KILLED);
}

bool nos_process_alive(nos_pid_t *p)
{
    return alive(p);
}

int64_t nos_process_time(nos_pid_t *p)
{
    if (!alive(p))
        return -1;
    return (nos__now_coarse_ns() - p->start_ns) / 1000000;
}

typedef struct all_ctx {
    nos_list_t *list;
} all_ctx_t;

static void collect_one(nos_pid_t *p, void *ctx)
{
    all_ctx_t *a = ctx;
    if (alive(p))
        a->list = nos_list_cons((nos_val_t)(uintptr_t)p, a->list);
}

static void *process_all_sys(void *arg)
{
    all_ctx_t *a = arg;
    nos__proc_each(collect_one, a);
    return NULL;
}

nos_list_t *nos_process_all(void)
{
    all_ctx_t a = {NULL};
    nos__on_system_stack(process_all_sys, &a);
    return a.list;
}

typedef struct info_ctx {
    nos_pid_t *p;
    nos_val_t *rec;
} info_ctx_t;

static void *process_info_sys(void *arg)
{
    info_ctx_t *c = arg;
    nos_pid_t *p = c->p;
    const char *status = "exited";
    int64_t mailbox = 0, uptime = -1;
    if (alive(p)) {
        switch (atomic_load_explicit(&p->state, memory_order_acquire)) {
        case NOS_P_WAITING: status = "waiting"; break;
        case NOS_P_SLEEPING: status = "sleeping"; break;
        default: status = "running"; break;
        }
        mailbox = nos__mbox_len(p);
        uptime = (nos__now_coarse_ns() - p->start_ns) / 1000000;
    }
    c->rec = nos_alloc(3 * sizeof(nos_val_t));
    c->rec[0] = (nos_val_t)(uintptr_t)nos_str_cstr(status);
    c->rec[1] = (nos_val_t)mailbox;
    c->rec[2] = (nos_val_t)uptime;
    return NULL;
}

nos_val_t *nos_process_info(nos_pid_t *p)
{
    info_ctx_t c = {p, NULL};
    nos__on_system_stack(process_info_sys, &c);
    return c.rec;
}

bool nos_process_kill(nos_pid_t *p)
{
    nos_pid_t *me = nos_self();
    if (!p || p == me || !alive(p))
        return false;
    if (atomic_load_explicit(&p->flags, memory_order_relaxed) & NOS_PF_MAIN)
        return false;
    uint32_t old = atomic_fetch_or_explicit(&p->flags, NOS_PF_KILLED, memory_order_seq_cst);
    if (old & NOS_PF_KILLED)
        return false;
    if (!nos__wake(p, ~0u)) {
        /* Running (or about to): make every running process look at its flags soon. */
        for (int i = 0; i < nos__nworkers; i++) {
            nos__worker_t *w = nos__workers[i];
            uint64_t t = atomic_load_explicit(&w->tick_pub, memory_order_relaxed);
            if (t & 1) {
                atomic_store_explicit(&w->preempt_req, t >> 1, memory_order_relaxed);
                __atomic_store_n(w->guard_slot, NOS_LIMIT_POISON, __ATOMIC_RELAXED);
            }
        }
    }
    return true;
}

nos_val_t *nos_vm_stats(void)
{
    int64_t spawned = atomic_load_explicit(&nos__stat_spawned, memory_order_relaxed);
    int64_t exited = atomic_load_explicit(&nos__stat_exited, memory_order_relaxed);
    nos_val_t *t = nos__gc_alloc(3 * sizeof(nos_val_t));
    t[0] = (nos_val_t)spawned;
    t[1] = (nos_val_t)exited;
    t[2] = (nos_val_t)(spawned - exited);
    return t;
}
