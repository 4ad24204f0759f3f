/*
 * io_core.c - the I/O natives' plumbing: submitting ops to the reactor and parking the caller,
 * the in-flight list that keeps ops alive, thread registration with the collector, the
 * handle table, the reaper that releases what a killed process owned, and small helpers.
 *
 * Threads. Only the reactor thread (rt/timer.c runs its loop) touches the in-flight list,
 * the handle table and every libuv handle. Processes talk to it only through
 * nos__reactor_submit and the `done` word of an op.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef GC_THREADS
#define GC_THREADS
#endif
#include <gc/gc.h>

#include "io.h"

/* ---- collector registration ---------------------------------------------------------------- */

static uv_loop_t *the_loop;

/* Any thread: the reactor registers for good the first time it runs one of our requests. */
void nos_io_register_thread(void)
{
    static _Thread_local int registered;
    if (registered)
        return;
    registered = 1;
    if (GC_thread_is_registered())
        return;
    struct GC_stack_base sb;
    if (GC_get_stack_base(&sb) != GC_SUCCESS)
        nos__fatal("cannot find the stack of an I/O thread");
    GC_register_my_thread(&sb);
}

uv_loop_t *nos_io_loop(void)
{
    return the_loop;
}

uint64_t nos_io_now_ms(void)
{
    return uv_now(the_loop);
}

/* ---- the in-flight list (reactor thread only) ------------------------------------------------ */

/* A static, hence a root of the collector: every op the reactor holds hangs from it. */
static nos_io_op_t *inflight;

void nos_io_hold(nos_io_op_t *op)
{
    if (op->in_flight)
        return;
    op->in_flight = 1;
    op->il_prev = NULL;
    op->il_next = inflight;
    if (inflight)
        inflight->il_prev = op;
    inflight = op;
}

static void unhold(nos_io_op_t *op)
{
    if (!op->in_flight)
        return;
    op->in_flight = 0;
    if (op->il_prev)
        op->il_prev->il_next = op->il_next;
    else
        inflight = op->il_next;
    if (op->il_next)
        op->il_next->il_prev = op->il_prev;
    op->il_prev = op->il_next = NULL;
}

static long futex(_Atomic int *addr, int op, int val)
{
    return syscall(SYS_futex, (int *)addr, op, val, NULL, NULL, 0);
}

/* b == NULL: wake the process at once. */
void nos_io_finish_into(nos_io_op_t *op, nos__wake_batch_t *b)
{
    unhold(op);
    if (op->nowait) {
        atomic_store_explicit(&op->done, 1, memory_order_seq_cst);
        return;
    }
    nos_pid_t *p = op->pid;
    /* seq_cst: pairs with the process's nos__park_commit (publish mask, then test done). */
    atomic_store_explicit(&op->done, 1, memory_order_seq_cst);
    if (p && b)
        nos__wake_into(p, NOS_WAKE_IO, b);
    else if (p)
        nos__wake(p, NOS_WAKE_IO);
    else
        futex(&op->done, FUTEX_WAKE_PRIVATE, INT_MAX);
}

void nos_io_finish(nos_io_op_t *op)
{
    nos_io_finish_into(op, NULL);
}

void nos_io_fail(nos_io_op_t *op, const char *kind, const char *fmt, ...)
{
    va_list ap;
    nos__sb_t b;
    nos__sb_init(&b, 64);
    va_start(ap, fmt);
    nos__sb_vprintf(&b, fmt, ap);
    va_end(ap);
    op->ekind = kind;
    op->emsg = nos__sb_finish(&b);
    nos_io_finish(op);
}

void nos_io_fail_uv(nos_io_op_t *op, const char *kind, int uverr, const char *what)
{
    nos_io_fail(op, kind, "%s: %s", what, uv_strerror(uverr));
}

bool nos_io_waiter_alive(const nos_io_op_t *op)
{
    nos_pid_t *p = op->pid;
    if (!p)
        return !op->nowait;
    if (atomic_load_explicit(&p->flags, memory_order_acquire) & NOS_PF_KILLED)
        return false;
    return atomic_load_explicit(&p->state, memory_order_acquire) != NOS_P_DEAD;
}

/* ---- wait queues (reactor thread only) -------------------------------------------------------- */

void nos_io_queue_push(nos_io_queue_t *q, nos_io_op_t *op)
{
    op->wq_next = NULL;
    if (q->tail)
        q->tail->wq_next = op;
    else
        q->head = op;
    q->tail = op;
}

nos_io_op_t *nos_io_queue_pop(nos_io_queue_t *q)
{
    nos_io_op_t *op = q->head;
    if (op) {
        q->head = op->wq_next;
        if (!q->head)
            q->tail = NULL;
        op->wq_next = NULL;
    }
    return op;
}

nos_io_op_t *nos_io_queue_pop_live(nos_io_queue_t *q)
{
    nos_io_op_t *op;
    while ((op = nos_io_queue_pop(q))) {
        if (nos_io_waiter_alive(op))
            return op;
        nos_io_finish(op);
    }
    return NULL;
}

void nos_io_queue_fail_all(nos_io_queue_t *q, const char *kind, const char *msg)
{
    nos_io_op_t *op;
    while ((op = nos_io_queue_pop(q)))
        nos_io_fail(op, kind, "%s", msg);
}

/* ---- the process side ------------------------------------------------------------------------ */

static void io_init_once(void);

static void trampoline(uv_loop_t *loop, void *arg)
{
    nos_io_op_t *op = arg;
    if (!the_loop) {
        the_loop = loop;
        nos_io_register_thread();
    }
    op->start(loop, op);
}

void *nos_io_op_new(size_t bytes)
{
    return nos_alloc(bytes);
}

static bool op_done(nos_pid_t *p, void *arg)
{
    (void)p;
    return atomic_load_explicit(&((nos_io_op_t *)arg)->done, memory_order_seq_cst) != 0;
}

static bool op_commit(nos_pid_t *p, void *arg)
{
    return nos__park_commit(p, NOS_WAKE_IO, op_done, arg);
}

static void submit_to_reactor(nos_io_op_t *op)
{
    nos__reactor_submit(&op->rq, trampoline, op);
}

bool nos_io_run_via(nos_io_op_t *op, void (*submit)(nos_io_op_t *op))
{
    io_init_once();
    nos__worker_t *w = nos__w();
    if (!w || !w->cur || w->on_sys) {
        /* Not a process (a plain thread): block the thread on the done word. */
        op->pid = NULL;
        submit(op);
        while (!atomic_load_explicit(&op->done, memory_order_acquire))
            futex(&op->done, FUTEX_WAIT_PRIVATE, 0);
        return op->ekind == NULL;
    }
    op->pid = w->cur;
    submit(op);
    while (!atomic_load_explicit(&op->done, memory_order_acquire))
        nos__park(op_commit, op);
    return op->ekind == NULL;
}

bool nos_io_run_nothrow(nos_io_op_t *op, nos_io_start_fn start)
{
    op->start = start;
    return nos_io_run_via(op, submit_to_reactor);
}

void nos_io_throw(nos_io_op_t *op)
{
    nos_val_t *t = nos_tuple2((nos_val_t)(uintptr_t)nos_str_cstr(op->ekind),
                              (nos_val_t)(uintptr_t)op->emsg);
    nos_throw(&nos_type_error_tuple, (nos_val_t)(uintptr_t)t);
}

void nos_io_run(nos_io_op_t *op, nos_io_start_fn start)
{
    if (!nos_io_run_nothrow(op, start))
        nos_io_throw(op);
}

void nos_io_post(nos_io_op_t *op, nos_io_start_fn start)
{
    io_init_once();
    op->start = start;
    op->nowait = 1;
    nos__reactor_submit(&op->rq, trampoline, op);
}

/* ---- process-wide set-up ---------------------------------------------------------------------- */

static void *init_sys(void *unused)
{
    (void)unused;
    /* A peer that goes away must give EPIPE, not kill the program (reliability C15). */
    signal(SIGPIPE, SIG_IGN);
    /* The libuv pool does the file work; the default of 4 threads is fine on small machines,
     * more helps when many processes read files at once. */
    if (!getenv("UV_THREADPOOL_SIZE"))
        setenv("UV_THREADPOOL_SIZE", "8", 0);
    return NULL;
}

static void io_init_once(void)
{
    static _Atomic int state;
    nos_io_once(&state, init_sys);
}

/* Runs fn(NULL) on the system stack the first time any process gets here; a process that
 * comes while another runs it waits for it to finish. state: 0 not run, 1 running, 2 done. */
void nos_io_once(_Atomic int *state, void *(*fn)(void *))
{
    if (atomic_load_explicit(state, memory_order_acquire) == 2)
        return;
    int expect = 0;
    if (atomic_compare_exchange_strong(state, &expect, 1)) {
        nos__on_system_stack(fn, NULL);
        atomic_store_explicit(state, 2, memory_order_release);
        return;
    }
    while (atomic_load_explicit(state, memory_order_acquire) != 2)
        sched_yield();
}

/* ---- resources and handles (reactor thread only) -------------------------------------------- */

void *nos_io_res_alloc(size_t bytes)
{
    void *r = GC_MALLOC_UNCOLLECTABLE(bytes);
    if (!r)
        nos__fatal("out of memory (I/O resource)");
    memset(r, 0, bytes);
    return r;
}

void nos_io_res_free(void *r)
{
    GC_FREE(r);
}

typedef struct slot {
    nos_io_res_t *r;   /* NULL: free */
    uint32_t gen;
    uint32_t next_free;
} slot_t;

static struct {
    slot_t *s;
    uint32_t n, cap;
    uint32_t free_head;     /* index + 1; 0: none */
    int64_t live;
    int64_t reapable;
} tab;

static uv_timer_t reap_timer;
static int reap_timer_on;

#define SLOT_BITS 24

static void reap_tick(uv_timer_t *t)
{
    (void)t;
    int64_t reapable = 0;
    for (uint32_t i = 0; i < tab.n; i++) {
        nos_io_res_t *r = tab.s[i].r;
        if (!r || !r->reap || r->closing)
            continue;
        /* The owner of a request may be set by the process that took it (server.c). */
        nos_pid_t *p = __atomic_load_n(&r->owner, __ATOMIC_ACQUIRE);
        if (!p)
            continue;
        reapable++;
        if (atomic_load_explicit(&p->state, memory_order_acquire) != NOS_P_DEAD)
            continue;
        if (atomic_load_explicit(&p->flags, memory_order_acquire) & NOS_PF_KILLED) {
            r->reap(r);
        } else if (r->reap_any_death) {
            /* A process may post its last request (Server.respond) and end at once: the
             * request is processed before the next tick, so wait for a second look. */
            if (r->dead_seen)
                r->reap(r);
            else
                r->dead_seen = 1;
        }
    }
    tab.reapable = reapable;
    if (reapable == 0) {
        uv_timer_stop(&reap_timer);
        reap_timer_on = 0;
    }
}

static void reaper_on(void)
{
    tab.reapable++;
    if (reap_timer_on)
        return;
    if (!reap_timer.loop)
        uv_timer_init(the_loop, &reap_timer);
    uv_timer_start(&reap_timer, reap_tick, 20, 20);
    uv_unref((uv_handle_t *)&reap_timer);
    reap_timer_on = 1;
}

int64_t nos_io_handle_add(nos_io_res_t *r)
{
    uint32_t i;
    if (tab.free_head) {
        i = tab.free_head - 1;
        tab.free_head = tab.s[i].next_free;
    } else {
        if (tab.n == tab.cap) {
            uint32_t cap = tab.cap ? tab.cap * 2 : 256;
            if (cap > (1u << SLOT_BITS))
                nos__fatal("too many open I/O handles");
            slot_t *s = realloc(tab.s, cap * sizeof *s);
            if (!s)
                nos__fatal("out of memory (handle table)");
            tab.s = s;
            tab.cap = cap;
        }
        i = tab.n++;
        tab.s[i].gen = 0;
    }
    tab.s[i].r = r;
    tab.s[i].next_free = 0;
    tab.live++;
    r->handle = ((int64_t)tab.s[i].gen << SLOT_BITS) | (int64_t)(i + 1);
    if (r->reap && r->owner)
        reaper_on();
    return r->handle;
}

void nos_io_res_set_owner(nos_io_res_t *r, nos_pid_t *owner)
{
    r->owner = owner;
    if (r->reap && owner)
        reaper_on();
}

static int64_t slot_of(int64_t h)
{
    if (h <= 0)
        return -1;
    int64_t i = (h & ((1 << SLOT_BITS) - 1)) - 1;
    if (i < 0 || i >= (int64_t)tab.n)
        return -1;
    if ((int64_t)tab.s[i].gen != (h >> SLOT_BITS) || !tab.s[i].r)
        return -1;
    return i;
}

nos_io_res_t *nos_io_handle_get(int64_t h, int kind)
{
    int64_t i = slot_of(h);
    if (i < 0)
        return NULL;
    nos_io_res_t *r = tab.s[i].r;
    if (r->closing || (kind && r->kind != kind))
        return NULL;
    return r;
}

void nos_io_handle_remove(int64_t h)
{
    int64_t i = slot_of(h);
    if (i < 0)
        return;
    tab.s[i].r = NULL;
    tab.s[i].gen = (tab.s[i].gen + 1) & 0x7fffffu;
    tab.s[i].next_free = tab.free_head;
    tab.free_head = (uint32_t)i + 1;
    tab.live--;
}

int64_t nos_io_handle_count(void)
{
    return tab.live;
}

/* ---- helpers -------------------------------------------------------------------------------- */

void nos_io_sb_add_lossy(nos__sb_t *b, const char *p, int64_t n)
{
    int64_t i = 0, run = 0;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int len = nos__utf8_seqlen(c);
        if (len > 1 && i + len <= n && nos_utf8_valid(p + i, len)) {
            i += len;
            continue;
        }
        nos__sb_add(b, p + run, i - run);
        nos__sb_adds(b, "\xEF\xBF\xBD");
        i++;
        run = i;
    }
    nos__sb_add(b, p + run, n - run);
}

typedef struct big_req {
    size_t bytes;
    void *out;
} big_req_t;

static void *big_alloc_sys(void *arg)
{
    big_req_t *r = arg;
    r->out = GC_MALLOC_ATOMIC_IGNORE_OFF_PAGE(r->bytes);
    return NULL;
}

/*
 * A string of len bytes (contents uninitialised). Big ones (I/O buffers: file contents,
 * bodies) are allocated "ignore off page": a string is always referenced through its
 * start, and Boehm then neither warns about repeated large allocations nor keeps such a
 * block alive for a stray interior pointer. Any thread; runs Boehm on the system stack.
 */
nos_str_t *nos_io_str_alloc(int64_t len)
{
    if (len < 16384)
        return nos__str_alloc(len);
    big_req_t r = {sizeof(nos_str_t) + (size_t)len + 1, NULL};
    nos__on_system_stack(big_alloc_sys, &r);
    if (!r.out)
        nos__fatal("out of memory allocating %lld bytes", (long long)len);
    nos_str_t *s = r.out;
    s->len = len;
    s->nchars = -1;
    s->data[len] = '\0';
    return s;
}

nos_str_t *nos_io_str_lossy(const char *p, int64_t n)
{
    if (n >= 16384 && nos_utf8_valid(p, n)) {
        nos_str_t *s = nos_io_str_alloc(n);
        memcpy(s->data, p, (size_t)n);
        return s;
    }
    if (nos_utf8_valid(p, n))
        return nos_str_new(p, n);
    nos__sb_t b;
    nos__sb_init(&b, n + 16);
    nos_io_sb_add_lossy(&b, p, n);
    return nos__sb_finish(&b);
}

int64_t nos_io_utf8_complete_prefix(const char *p, int64_t n)
{
    /* Look back at most 3 bytes for the lead byte of a sequence that runs past the end. */
    for (int64_t k = 1; k <= 4 && k <= n; k++) {
        unsigned char c = (unsigned char)p[n - k];
        if ((c & 0xC0) == 0x80)
            continue;          /* continuation byte: keep looking for the lead */
        if (c < 0x80)
            return n;
        int len = nos__utf8_seqlen(c);
        return len > k ? n - k : n;
    }
    return n;
}

nos_val_t nos_io_pair(nos_str_t *a, nos_str_t *b)
{
    return (nos_val_t)(uintptr_t)nos_tuple2((nos_val_t)(uintptr_t)a, (nos_val_t)(uintptr_t)b);
}

nos_list_t *nos_io_list_reverse(nos_list_t *l)
{
    return nos_list_reverse(l);
}

void nos_io_buf_add(nos_io_buf_t *b, const char *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->len + n)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q)
            nos__fatal("out of memory (I/O buffer)");
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void nos_io_buf_consume(nos_io_buf_t *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

void nos_io_buf_free(nos_io_buf_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void nos_io_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    buf->base = malloc(65536);
    buf->len = buf->base ? 65536 : 0;
}

int64_t nos_str_byte_length(nos_str_t *s);
int64_t nos_str_byte_length(nos_str_t *s)
{
    return s->len;
}
