/*
 * io.h - plumbing shared by the I/O natives (files, HTTP, server, TCP, Exec, PostgreSQL).
 *
 * Every I/O call looks blocking to the Nostos program but parks only the calling process:
 *
 *   process (worker thread)                      reactor thread (libuv loop, rt/timer.c)
 *   ---------------------------                  ------------------------------------------
 *   op = nos_io_op_new(sizeof *op)
 *   fill op's arguments
 *   nos_io_run(&op->base, start) ───submit───▶   start(loop, op): nos_io_hold(op); start the
 *     parks with NOS_WAKE_IO                       libuv request (fs work, tcp write, poll ...)
 *                                                ... completion callback:
 *     runs again ◀──────────wake──────────────     fill op's results; nos_io_finish(op)
 *   read op's results (or nos_io_run threw)
 *
 * Memory. An op is GC memory. While the reactor owns it, it is linked into the in-flight
 * list (a root: the list head is a static), so it survives even if its process is killed
 * while parked (a killed process never resumes; its stack is freed). The reactor thread and
 * the libuv thread-pool threads register themselves with the collector the first time they
 * run one of our callbacks, so they may allocate Nostos values and their stacks are scanned.
 * Long-lived resources (open files, sockets, servers, connections, child processes) are
 * GC_MALLOC_UNCOLLECTABLE objects owned by the reactor and named by Int handles in a table
 * that only the reactor thread touches; they are freed explicitly after uv_close.
 *
 * Errors. A failed op carries (kind, message); nos_io_run throws it as the usual (String,
 * String) runtime error in the calling process. Nothing here ever aborts the runtime for an
 * error that comes from outside (a bad path, a refused connection, a broken server).
 *
 * Stacks. Natives run on the calling process's stack with NOS_NONSPLIT_ROOM (16 KiB) to
 * spare (rt/sched_internal.h, point 5). nos_io_run itself is small; everything heavy runs on
 * the reactor thread or on the libuv pool, never on a process stack.
 */
#ifndef NOSTOS_LIB_IO_H
#define NOSTOS_LIB_IO_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "internal.h"
#include "nostos.h"
#include "sched_internal.h"

/* ---- ops --------------------------------------------------------------------------------- */

typedef struct nos_io_op nos_io_op_t;
typedef void (*nos_io_start_fn)(uv_loop_t *loop, nos_io_op_t *op);

struct nos_io_op {
    nos__reactor_req_t rq;      /* must stay first: the submission link */
    nos_io_start_fn start;
    nos_pid_t *pid;             /* the waiting process (NULL: a plain thread, see io_core.c) */
    _Atomic int done;           /* 1 once the reactor is finished with the op (release) */
    const char *ekind;          /* error kind (a static string) or NULL */
    nos_str_t *emsg;            /* error message */
    nos_io_op_t *il_prev, *il_next;   /* in-flight list: reactor thread only */
    nos_io_op_t *wq_next;       /* a resource's wait queue: reactor thread only */
    uint8_t in_flight;
    uint8_t nowait;             /* fire and forget: nobody waits for it */
};

/* A zeroed op of `bytes` bytes (the concrete op struct embeds nos_io_op_t first). Process. */
void *nos_io_op_new(size_t bytes);

/*
 * Submit op to the reactor, where start(loop, op) runs, and park the calling process until
 * the reactor finishes it; then throw its error, if any. Process side.
 */
void nos_io_run(nos_io_op_t *op, nos_io_start_fn start);
/* As nos_io_run, but returns false with the error left in op instead of throwing. */
bool nos_io_run_nothrow(nos_io_op_t *op, nos_io_start_fn start);
/* As nos_io_run_nothrow, with the caller's own way to hand the op to a loop (submit
 * runs in the calling process; op->pid is set before). Process side. */
bool nos_io_run_via(nos_io_op_t *op, void (*submit)(nos_io_op_t *op));
/* Submit without waiting (the reactor finishes it later; errors are dropped). Any thread. */
void nos_io_post(nos_io_op_t *op, nos_io_start_fn start);
/* Throw op's error in the calling process. */
_Noreturn void nos_io_throw(nos_io_op_t *op);

/* Reactor side: keep op alive while libuv holds it (links it into the in-flight list). */
void nos_io_hold(nos_io_op_t *op);
/* Reactor side: the op is complete (results filled in): unlink, publish, wake its process. */
void nos_io_finish(nos_io_op_t *op);
/* Runs fn on the system stack once per *state (initially 0); concurrent callers wait for it. */
void nos_io_once(_Atomic int *state, void *(*fn)(void *));
/* As nos_io_finish, but a woken process joins b, which the caller makes runnable soon
 * with nos__ready_batch (rt/sched_internal.h). Reactor side. */
void nos_io_finish_into(nos_io_op_t *op, nos__wake_batch_t *b);
/* Reactor side: complete op with an error. */
void nos_io_fail(nos_io_op_t *op, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reactor side: complete op with a libuv error code: "<what>: <uv_strerror>". */
void nos_io_fail_uv(nos_io_op_t *op, const char *kind, int uverr, const char *what);

/* True while the op's process may still take a result (not killed, not dead). Any thread. */
bool nos_io_waiter_alive(const nos_io_op_t *op);

/* FIFO of ops waiting on a resource (reactor thread only). */
typedef struct nos_io_queue {
    nos_io_op_t *head, *tail;
} nos_io_queue_t;
void nos_io_queue_push(nos_io_queue_t *q, nos_io_op_t *op);
nos_io_op_t *nos_io_queue_pop(nos_io_queue_t *q);
/* Pop the oldest op whose process can still take a result; ops of killed processes are
 * finished silently on the way. NULL if none. */
nos_io_op_t *nos_io_queue_pop_live(nos_io_queue_t *q);
/* Fail every queued op with (kind, msg). */
void nos_io_queue_fail_all(nos_io_queue_t *q, const char *kind, const char *msg);

/* ---- the reactor and the pool --------------------------------------------------------------- */

/* The reactor's loop (valid on the reactor thread). */
uv_loop_t *nos_io_loop(void);
/* Make the calling thread known to the collector (reactor and pool threads; idempotent). */
void nos_io_register_thread(void);
/* Monotonic milliseconds of the reactor loop. */
uint64_t nos_io_now_ms(void);

/* ---- handles: Int names for reactor-owned resources --------------------------------------- */

enum {
    NOS_RES_FILE = 1,
    NOS_RES_TCP,
    NOS_RES_LISTENER,
    NOS_RES_SERVER,
    NOS_RES_HTTPREQ,
    NOS_RES_EXEC,
    NOS_RES_PG
};

typedef struct nos_io_res nos_io_res_t;
struct nos_io_res {
    int kind;                   /* NOS_RES_* */
    int closing;                /* close started: lookups fail from now on */
    int64_t handle;             /* its Int name (0 before nos_io_handle_add) */
    nos_pid_t *owner;           /* the process that created it */
    /* Called on the reactor when the owner was killed (Process.kill), or when it ended in any
     * way if reap_any_death is set: release everything. */
    void (*reap)(nos_io_res_t *r);
    int reap_any_death;
    int dead_seen;              /* the reaper saw the owner dead once already */
};

/* Allocate a resource object (uncollectable, zeroed). Reactor thread. */
void *nos_io_res_alloc(size_t bytes);
/* Free it (after every libuv handle in it is closed). Reactor thread. */
void nos_io_res_free(void *r);
/* Name r by a fresh Int handle; r->owner must be set. Reactor thread. */
int64_t nos_io_handle_add(nos_io_res_t *r);
/* The live resource named h of the given kind (0: any), or NULL. Reactor thread. */
nos_io_res_t *nos_io_handle_get(int64_t h, int kind);
/* Set (or change) the owner of a named resource. Reactor thread. */
void nos_io_res_set_owner(nos_io_res_t *r, nos_pid_t *owner);
/* Forget the name h. Reactor thread. */
void nos_io_handle_remove(int64_t h);
/* Number of named resources (for tests and leak checks). Reactor thread. */
int64_t nos_io_handle_count(void);

/* ---- small helpers -------------------------------------------------------------------------- */

/* A NUL-terminated C copy of a Nostos string in GC memory (nos_str_t data already is). */
static inline const char *nos_io_cstr(nos_str_t *s)
{
    return s->data;
}

/* A string of len bytes, contents uninitialised (big ones ignore-off-page). Any thread. */
nos_str_t *nos_io_str_alloc(int64_t len);
/* Append bytes to a Nostos string builder, replacing invalid UTF-8 with U+FFFD. */
void nos_io_sb_add_lossy(nos__sb_t *b, const char *p, int64_t n);
/* A Nostos string from bytes: copied as is when valid UTF-8, lossily otherwise. */
nos_str_t *nos_io_str_lossy(const char *p, int64_t n);
/* Length of the longest prefix of p[0..n) that does not end inside a UTF-8 sequence. */
int64_t nos_io_utf8_complete_prefix(const char *p, int64_t n);

/* (String, String) pair and list building. */
nos_val_t nos_io_pair(nos_str_t *a, nos_str_t *b);
nos_list_t *nos_io_list_reverse(nos_list_t *l);

/* A growable malloc'd byte buffer (reactor-side staging of data from libuv). */
typedef struct nos_io_buf {
    char *p;
    size_t len, cap;
} nos_io_buf_t;
void nos_io_buf_add(nos_io_buf_t *b, const char *p, size_t n);
void nos_io_buf_consume(nos_io_buf_t *b, size_t n);
void nos_io_buf_free(nos_io_buf_t *b);

/* libuv's allocation callback for reads: a malloc'd 64 KiB chunk. */
void nos_io_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf);

/* ---- byte streams read by processes (TCP sockets, pipes of child processes) ------------------ */

/*
 * Incoming bytes of a uv_stream_t, buffered on the reactor (reading pauses above 1 MiB),
 * handed to processes that wait with NOS_RS_READ (up to n bytes, at least one, "" at end of
 * stream) or NOS_RS_LINE (through the next "\n"; the rest at the end; then eof_text).
 * Strings never end inside a UTF-8 sequence; invalid bytes become U+FFFD.
 */
typedef struct nos_io_rstream {
    uv_stream_t *s;
    nos_io_buf_t buf;
    int eof;                    /* end of stream seen */
    int err;                    /* a read error (libuv code), reported once the buffer is empty */
    int reading;
    int closed;
    const char *kind;           /* error kind for its ops ("tcp_error", "io_error") */
    const char *eof_text;       /* what NOS_RS_LINE returns at the end ("" or "eof") */
    nos_io_queue_t waiters;
    void (*on_eof)(struct nos_io_rstream *rs);   /* optional: called once at end of stream */
    void *owner;                /* for on_eof */
    int unbounded;              /* read everything (Exec.run collects the whole output) */
} nos_io_rstream_t;

enum { NOS_RS_READ, NOS_RS_LINE };

typedef struct nos_io_read_op {
    nos_io_op_t base;
    int64_t h;
    int64_t max;
    int mode;                   /* NOS_RS_* */
    int which;                  /* for resources with several streams (Exec: 1 stdout, 2 stderr) */
    nos_str_t *out;
} nos_io_read_op_t;

/* Start watching s (its data pointer must already be set by the owner). Reactor. */
void nos_io_rs_init(nos_io_rstream_t *rs, uv_stream_t *s, const char *kind, const char *eof_text);
/* Queue a read op and serve what can be served. Reactor. */
void nos_io_rs_wait(nos_io_rstream_t *rs, nos_io_read_op_t *op);
/* The stream is being closed: fail the waiters, stop reading, free the buffer. Reactor. */
void nos_io_rs_close(nos_io_rstream_t *rs, const char *msg);
/* libuv read callback for streams whose handle->data points to a struct whose first
 * member... is not assumed: owners call this from their own read callback. */
void nos_io_rs_on_read(nos_io_rstream_t *rs, ssize_t n, const uv_buf_t *buf);

/* A write of a Nostos string to a stream; finishes the op when written. Reactor. */
typedef struct nos_io_write_op {
    nos_io_op_t base;
    uv_write_t wr;
    int64_t h;
    nos_str_t *data;
    int64_t n;
    int which;
    const char *kind;
} nos_io_write_op_t;
void nos_io_stream_write(uv_stream_t *s, nos_io_write_op_t *op);

/* Connect timeout for Tcp, Http and Pg in ms (NOSTOS_CONNECT_TIMEOUT_MS, default 10 s). */
int64_t nos_io_connect_timeout_ms(void);

#endif
