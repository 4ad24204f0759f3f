/*
 * pg.c - PostgreSQL through libpq's asynchronous API on the reactor (LANGUAGE.md 1.14 Pg).
 *
 * A connection is a resource of the handle table. PQconnectStart runs on the libuv pool (it
 * may resolve host names); then PQconnectPoll is driven by a uv_poll on PQsocket, which is
 * re-checked after every step (it changes when libpq tries the next address). Once
 * connected, the connection runs one op at a time (a FIFO of waiting ops): PQsendQueryParams
 * / PQsendPrepare / PQsendQueryPrepared, PQflush while the socket is writable, PQconsumeInput
 * and PQgetResult while it is readable. Between ops it keeps watching for input, so
 * notifications (LISTEN) and a server that goes away are seen at once. No libpq call ever
 * blocks a worker thread.
 *
 * The uv_poll is stopped around every libpq call that may close the socket (libpq closes it
 * when the connection breaks), so libuv never watches a descriptor that was closed under it.
 *
 * Parameters are encoded by nos_pg_params from their static type (descriptor): Int as int8,
 * Float as float8, Bool as bool, String as text, () and None as NULL, lists as arrays,
 * Float32Array as a pgvector literal; a List, a tuple, () or a single value may be given.
 * Results are text; each row is decoded into the row type the program expects (a tuple, a
 * record or a single value), column by column, guided by that type and the column's type:
 * ints, floats, numeric, bool, text types, uuid, json, timestamps and dates (epoch ms, UTC),
 * time (ms since midnight), bytea (List[Int]), arrays (List), pgvector (Float32Array), and
 * NULL as () or None.
 *
 * Errors: ("connection_error", msg) when connecting fails or the connection is lost,
 * ("query_error", "ERROR <SQLSTATE>: <message>") for a failed query (execute_error,
 * prepare_error, deallocate_error, transaction_error, listen_error, ... per call).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io.h"

/* Type OIDs (pg_type.h). */
enum {
    OID_BOOL = 16, OID_BYTEA = 17, OID_CHAR = 18, OID_NAME = 19, OID_INT8 = 20, OID_INT2 = 21,
    OID_INT4 = 23, OID_TEXT = 25, OID_OID = 26, OID_JSON = 114, OID_FLOAT4 = 700,
    OID_FLOAT8 = 701, OID_BOOLARR = 1000, OID_INT2ARR = 1005, OID_INT4ARR = 1007,
    OID_TEXTARR = 1009, OID_VARCHARARR = 1015, OID_INT8ARR = 1016, OID_FLOAT4ARR = 1021,
    OID_FLOAT8ARR = 1022, OID_BPCHAR = 1042, OID_VARCHAR = 1043, OID_DATE = 1082,
    OID_TIME = 1083, OID_TIMESTAMP = 1114, OID_TIMESTAMPTZ = 1184, OID_NUMERIC = 1700,
    OID_UUID = 2950, OID_JSONB = 3802
};

enum {
    PG_CONNECT, PG_QUERY, PG_EXECUTE, PG_PREPARE, PG_QUERY_PREPARED, PG_EXECUTE_PREPARED,
    PG_COMMAND, PG_AWAIT, PG_CLOSE
};

typedef struct pg_res pg_res_t;

typedef struct pg_op {
    nos_io_op_t base;
    int what;
    int64_t h;
    const char *kind;           /* the error kind of this call */
    nos_str_t *conninfo;
    int listener;
    nos_str_t *sql;
    nos_str_t *name;
    nos_list_t *params;         /* encoded by nos_pg_params */
    int64_t timeout_ms;
    uv_work_t work;             /* connect: PQconnectStart on the pool */
    PGconn *conn;
    uv_timer_t timer;           /* await: the timeout */
    int timer_on;
    /* results */
    PGresult *res;              /* a query's rows, decoded by the calling process */
    int64_t affected;
    int64_t ires;
    nos_val_t note;             /* await: (channel, payload), 0 for none */
    char *err;                  /* malloc'd error message */
    int broken;                 /* the error is a lost connection */
} pg_op_t;

struct pg_res {
    nos_io_res_t res;
    PGconn *conn;
    uv_poll_t *poll;            /* malloc'd: closed independently when the socket changes */
    int fd;
    int connecting;
    int broken;
    int listener;
    pg_op_t *cur;               /* the op in progress (connect or a query) */
    nos_io_queue_t queue;       /* ops waiting for the connection */
    nos_list_t *notes, *notes_tail;   /* notifications nobody awaited yet (GC cells) */
    nos_io_queue_t awaiters;
    uv_timer_t ctimer;          /* connect timeout */
    int ctimer_on;
};

static void on_poll(uv_poll_t *p, int status, int events);
static void run_next(pg_res_t *r);

/* ---- the socket watch ------------------------------------------------------------------------- */

static void poll_freed(uv_handle_t *h)
{
    free(h);
}

static void poll_stop(pg_res_t *r)
{
    if (r->poll)
        uv_poll_stop(r->poll);
}

static void poll_close(pg_res_t *r)
{
    if (r->poll) {
        uv_poll_stop(r->poll);
        uv_close((uv_handle_t *)r->poll, poll_freed);
        r->poll = NULL;
        r->fd = -1;
    }
}

/* Watch PQsocket for events; a new socket gets a new uv_poll. */
static int poll_watch(pg_res_t *r, int events)
{
    int fd = PQsocket(r->conn);
    if (fd < 0)
        return UV_EBADF;
    if (r->poll && r->fd != fd)
        poll_close(r);
    if (!r->poll) {
        uv_poll_t *p = malloc(sizeof *p);
        if (!p)
            return UV_ENOMEM;
        int rc = uv_poll_init_socket(nos_io_loop(), p, fd);
        if (rc < 0) {
            free(p);
            return rc;
        }
        p->data = r;
        r->poll = p;
        r->fd = fd;
    }
    return uv_poll_start(r->poll, events, on_poll);
}

/* ---- errors --------------------------------------------------------------------------------- */

static char *dup_msg(const char *m)
{
    size_t n = strlen(m);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
        n--;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, m, n);
        s[n] = '\0';
    }
    return s;
}

static void op_error(pg_op_t *op, const char *msg)
{
    if (!op->err)
        op->err = dup_msg(msg);
}

static void op_result_error(pg_op_t *op, const PGresult *res)
{
    if (op->err)
        return;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY);
    const char *prim = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (state && prim) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s %s: %s", sev ? sev : "ERROR", state, prim);
        op->err = dup_msg(buf);
    } else {
        op->err = dup_msg(PQresultErrorMessage(res));
    }
}

/* Complete op: success, or its error as (kind, message); the connection_error kind if the
 * connection broke. */
static void op_complete(pg_op_t *op)
{
    if (op->err) {
        const char *kind = op->broken ? "connection_error" : op->kind;
        char *m = op->err;
        op->err = NULL;
        if (op->res) {
            PQclear(op->res);
            op->res = NULL;
        }
        nos_io_fail(&op->base, kind, "%s", m);
        free(m);
        return;
    }
    if (op->res && !nos_io_waiter_alive(&op->base)) {
        PQclear(op->res);
        op->res = NULL;
    }
    nos_io_finish(&op->base);
}

/* An awaiter's timer must be closed before the op may go (the handle lives in the op). */
static void await_closed(uv_handle_t *h)
{
    op_complete((pg_op_t *)h->data);
}

static void close_await_timer(pg_op_t *a)
{
    a->timer.data = a;
    uv_close((uv_handle_t *)&a->timer, await_closed);
}

/* Complete an awaiter (result or error already set in it). */
static void await_done(pg_op_t *a)
{
    if (a->timer_on) {
        uv_timer_stop(&a->timer);
        a->timer_on = 0;
        close_await_timer(a);
    } else {
        op_complete(a);
    }
}

/* Fail every op of a connection that is closed or lost. */
static void fail_all(pg_res_t *r, const char *msg)
{
    if (r->cur) {
        pg_op_t *op = r->cur;
        r->cur = NULL;
        op_error(op, msg);
        op->broken = 1;
        op_complete(op);
    }
    nos_io_queue_fail_all(&r->queue, "connection_error", msg);
    nos_io_op_t *w;
    while ((w = nos_io_queue_pop(&r->awaiters))) {
        pg_op_t *a = (pg_op_t *)w;
        op_error(a, msg);
        a->broken = 1;
        await_done(a);
    }
}

/* The connection is gone: fail everything that waits on it. */
static void conn_broken(pg_res_t *r, const char *why)
{
    r->broken = 1;
    poll_close(r);
    char msg[512];
    snprintf(msg, sizeof msg, "connection lost: %s", why && *why ? why : "server closed the connection");
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    fail_all(r, msg);
}

/* ---- notifications ------------------------------------------------------------------------ */

static void deliver(pg_res_t *r, nos_val_t note)
{
    nos_io_op_t *w = nos_io_queue_pop_live(&r->awaiters);
    if (w) {
        pg_op_t *a = (pg_op_t *)w;
        a->note = note;
        await_done(a);
        return;
    }
    nos_list_t *cell = nos_list_cons(note, NULL);
    if (r->notes_tail)
        r->notes_tail->tail = cell;
    else
        r->notes = cell;
    r->notes_tail = cell;
}

static void drain_notifies(pg_res_t *r)
{
    PGnotify *n;
    while ((n = PQnotifies(r->conn))) {
        nos_val_t note = nos_io_pair(nos_io_str_lossy(n->relname, (int64_t)strlen(n->relname)),
                                     nos_io_str_lossy(n->extra, (int64_t)strlen(n->extra)));
        PQfreemem(n);
        deliver(r, note);
    }
}

/* ---- connecting ------------------------------------------------------------------------------ */

static void pg_free(pg_res_t *r);

static void ctimer_closed(uv_handle_t *h)
{
    pg_res_t *r = h->data;
    r->ctimer_on = 2;   /* closed */
    if (r->res.closing)
        nos_io_res_free(r);
}

static void connect_failed(pg_res_t *r, const char *msg)
{
    pg_op_t *op = r->cur;
    r->cur = NULL;
    op_error(op, msg);
    poll_close(r);
    PQfinish(r->conn);
    r->conn = NULL;
    pg_free(r);
    op_complete(op);
}

/* NOTICE messages (e.g. "table does not exist, skipping") are not printed. */
static void ignore_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static void connect_step(pg_res_t *r, PostgresPollingStatusType st)
{
    int rc = 0;
    switch (st) {
    case PGRES_POLLING_READING:
        rc = poll_watch(r, UV_READABLE);
        break;
    case PGRES_POLLING_WRITING:
        rc = poll_watch(r, UV_WRITABLE);
        break;
    case PGRES_POLLING_OK: {
        pg_op_t *op = r->cur;
        r->cur = NULL;
        r->connecting = 0;
        uv_timer_stop(&r->ctimer);
        PQsetnonblocking(r->conn, 1);
        PQsetNoticeProcessor(r->conn, ignore_notice, NULL);
        op->ires = nos_io_handle_add(&r->res);
        op_complete(op);
        run_next(r);
        return;
    }
    default:
        connect_failed(r, PQerrorMessage(r->conn));
        return;
    }
    if (rc < 0)
        connect_failed(r, uv_strerror(rc));
}

static void on_connect_timeout(uv_timer_t *t)
{
    pg_res_t *r = t->data;
    if (r->connecting)
        connect_failed(r, "connection timed out");
}

/* The owner was killed: close the connection. */
static void pg_reap(nos_io_res_t *res)
{
    pg_res_t *r = (pg_res_t *)res;
    fail_all(r, "connection closed");
    pg_free(r);
}

static void connect_work(uv_work_t *w)
{
    pg_op_t *op = w->data;
    op->conn = PQconnectStart(op->conninfo->data);
}

static void connect_after(uv_work_t *w, int status)
{
    pg_op_t *op = w->data;
    (void)status;
    if (!op->conn) {
        op_error(op, "out of memory");
        op_complete(op);
        return;
    }
    if (PQstatus(op->conn) == CONNECTION_BAD) {
        op_error(op, PQerrorMessage(op->conn));
        PQfinish(op->conn);
        op->conn = NULL;
        op_complete(op);
        return;
    }
    pg_res_t *r = nos_io_res_alloc(sizeof *r);
    r->res.kind = NOS_RES_PG;
    r->res.owner = op->base.pid;
    r->res.reap = pg_reap;
    r->conn = op->conn;
    r->fd = -1;
    r->listener = op->listener;
    r->connecting = 1;
    r->cur = op;
    uv_timer_init(nos_io_loop(), &r->ctimer);
    r->ctimer.data = r;
    r->ctimer_on = 1;
    uv_timer_start(&r->ctimer, on_connect_timeout, (uint64_t)nos_io_connect_timeout_ms(), 0);
    connect_step(r, PGRES_POLLING_WRITING);
}

/* Release a connection resource (its PGconn already finished or about to be). */
static void pg_free(pg_res_t *r)
{
    r->res.closing = 1;
    if (r->res.handle)
        nos_io_handle_remove(r->res.handle);
    poll_close(r);
    if (r->conn) {
        PQfinish(r->conn);
        r->conn = NULL;
    }
    r->notes = r->notes_tail = NULL;
    if (r->ctimer_on == 1) {
        uv_timer_stop(&r->ctimer);
        uv_close((uv_handle_t *)&r->ctimer, ctimer_closed);
    } else if (r->ctimer_on == 2 || r->ctimer_on == 0) {
        nos_io_res_free(r);
    }
}

/* ---- running queries ---------------------------------------------------------------------- */

/* Turn the encoded parameters into libpq's arrays (malloc'd in one block). */
typedef struct params {
    int n;
    Oid *types;
    const char **values;
    void *block;
} params_t;

static bool decode_params(nos_list_t *enc, params_t *p)
{
    int n = (int)nos_list_length(enc);
    p->n = n;
    p->block = calloc((size_t)(n ? n : 1), sizeof(Oid) + sizeof(char *));
    if (!p->block)
        return false;
    p->values = p->block;
    p->types = (Oid *)(p->values + (n ? n : 1));
    int i = 0;
    for (nos_list_t *l = enc; l; l = l->tail, i++) {
        nos_str_t *s = (nos_str_t *)(uintptr_t)l->head;
        if (s->len == 1 && s->data[0] == '-') {
            p->values[i] = NULL;
            p->types[i] = 0;
            continue;
        }
        char *colon = strchr(s->data, ':');
        p->types[i] = (Oid)strtoul(s->data, NULL, 10);
        p->values[i] = colon ? colon + 1 : "";
    }
    return true;
}

static void send_failed(pg_res_t *r, pg_op_t *op)
{
    r->cur = NULL;
    op_error(op, PQerrorMessage(r->conn));
    if (PQstatus(r->conn) == CONNECTION_BAD) {
        op->broken = 1;
        op_complete(op);
        conn_broken(r, PQerrorMessage(r->conn));
        return;
    }
    op_complete(op);
}

static void watch_busy(pg_res_t *r)
{
    poll_stop(r);
    int f = PQflush(r->conn);
    if (f < 0) {
        conn_broken(r, PQerrorMessage(r->conn));
        return;
    }
    int rc = poll_watch(r, f == 1 ? UV_READABLE | UV_WRITABLE : UV_READABLE);
    if (rc < 0)
        conn_broken(r, uv_strerror(rc));
}

static void run_next(pg_res_t *r)
{
    while (!r->cur && !r->broken && !r->connecting) {
        nos_io_op_t *w = nos_io_queue_pop_live(&r->queue);
        if (!w)
            break;
        pg_op_t *op = (pg_op_t *)w;
        r->cur = op;
        poll_stop(r);
        int ok;
        params_t p = {0};
        switch (op->what) {
        case PG_QUERY:
        case PG_EXECUTE:
        case PG_QUERY_PREPARED:
        case PG_EXECUTE_PREPARED:
            if (!decode_params(op->params, &p)) {
                r->cur = NULL;
                op_error(op, "out of memory");
                op_complete(op);
                continue;
            }
            if (op->what == PG_QUERY || op->what == PG_EXECUTE)
                ok = PQsendQueryParams(r->conn, op->sql->data, p.n, p.types, p.values, NULL, NULL, 0);
            else
                ok = PQsendQueryPrepared(r->conn, op->name->data, p.n, p.values, NULL, NULL, 0);
            free(p.block);
            break;
        case PG_PREPARE:
            ok = PQsendPrepare(r->conn, op->name->data, op->sql->data, 0, NULL);
            break;
        default: /* PG_COMMAND: plain SQL without parameters */
            ok = PQsendQueryParams(r->conn, op->sql->data, 0, NULL, NULL, NULL, NULL, 0);
            break;
        }
        if (!ok) {
            send_failed(r, op);
            continue;
        }
        watch_busy(r);
        return;
    }
    /* Idle: keep reading, for notifications and to notice a closed connection. */
    if (!r->cur && !r->broken && !r->connecting && r->conn) {
        int rc = poll_watch(r, UV_READABLE);
        if (rc < 0)
            conn_broken(r, uv_strerror(rc));
    }
}

static void collect(pg_op_t *op, PGresult *res)
{
    switch (PQresultStatus(res)) {
    case PGRES_TUPLES_OK:
        if (op->what == PG_QUERY || op->what == PG_QUERY_PREPARED) {
            if (op->res)
                PQclear(op->res);
            op->res = res;
            op->affected = PQntuples(res);
            return;
        }
        op->affected = PQntuples(res);
        break;
    case PGRES_COMMAND_OK: {
        const char *t = PQcmdTuples(res);
        op->affected = t && *t ? atoll(t) : 0;
        break;
    }
    case PGRES_EMPTY_QUERY:
        break;
    case PGRES_FATAL_ERROR:
    case PGRES_BAD_RESPONSE:
    case PGRES_NONFATAL_ERROR:
        op_result_error(op, res);
        break;
    default:
        op_error(op, "COPY and other streaming statements are not supported");
        break;
    }
    PQclear(res);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    pg_res_t *r = p->data;
    if (r->connecting) {
        poll_stop(r);
        connect_step(r, PQconnectPoll(r->conn));
        return;
    }
    poll_stop(r);
    if (status < 0)
        events |= UV_READABLE;
    if (events & UV_WRITABLE) {
        if (PQflush(r->conn) < 0) {
            conn_broken(r, PQerrorMessage(r->conn));
            return;
        }
    }
    if (events & UV_READABLE) {
        if (!PQconsumeInput(r->conn)) {
            conn_broken(r, PQerrorMessage(r->conn));
            return;
        }
    }
    drain_notifies(r);
    pg_op_t *op = r->cur;
    if (op) {
        while (!PQisBusy(r->conn)) {
            PGresult *res = PQgetResult(r->conn);
            if (!res) {
                r->cur = NULL;
                if (PQstatus(r->conn) == CONNECTION_BAD) {
                    op->broken = 1;
                    op_error(op, PQerrorMessage(r->conn));
                    op_complete(op);
                    conn_broken(r, PQerrorMessage(r->conn));
                    return;
                }
                op_complete(op);
                drain_notifies(r);
                run_next(r);
                return;
            }
            collect(op, res);
        }
        if (PQstatus(r->conn) == CONNECTION_BAD) {
            conn_broken(r, PQerrorMessage(r->conn));
            return;
        }
        watch_busy(r);
        return;
    }
    if (PQstatus(r->conn) == CONNECTION_BAD) {
        conn_broken(r, PQerrorMessage(r->conn));
        return;
    }
    run_next(r);
}

/* ---- awaiting notifications --------------------------------------------------------------- */

static void on_await_timeout(uv_timer_t *t)
{
    pg_op_t *a = t->data;
    a->timer_on = 0;
    /* Take it out of its connection's awaiters. */
    pg_res_t *r = (pg_res_t *)nos_io_handle_get(a->h, NOS_RES_PG);
    if (r) {
        nos_io_op_t **pp = &r->awaiters.head, *prev = NULL;
        while (*pp && *pp != &a->base) {
            prev = *pp;
            pp = &(*pp)->wq_next;
        }
        if (*pp) {
            *pp = a->base.wq_next;
            if (r->awaiters.tail == &a->base)
                r->awaiters.tail = prev;
        }
    }
    a->note = 0;
    close_await_timer(a);
}

/* ---- the reactor side of each call ---------------------------------------------------------------- */

static void start(uv_loop_t *loop, nos_io_op_t *base)
{
    pg_op_t *op = (pg_op_t *)base;
    nos_io_hold(base);
    if (op->what == PG_CONNECT) {
        op->work.data = op;
        int rc = uv_queue_work(loop, &op->work, connect_work, connect_after);
        if (rc < 0) {
            op_error(op, uv_strerror(rc));
            op_complete(op);
        }
        return;
    }
    pg_res_t *r = (pg_res_t *)nos_io_handle_get(op->h, NOS_RES_PG);
    if (!r) {
        nos_io_fail(base, "connection_error", "invalid connection handle");
        return;
    }
    if (op->what == PG_CLOSE) {
        fail_all(r, "connection closed");
        pg_free(r);
        nos_io_finish(base);
        return;
    }
    if (r->broken) {
        nos_io_fail(base, "connection_error", "connection lost");
        return;
    }
    if (op->what == PG_AWAIT) {
        if (r->notes) {
            op->note = r->notes->head;
            r->notes = r->notes->tail;
            if (!r->notes)
                r->notes_tail = NULL;
            nos_io_finish(base);
            return;
        }
        if (op->timeout_ms == 0) {
            nos_io_finish(base);
            return;
        }
        nos_io_queue_push(&r->awaiters, base);
        if (op->timeout_ms > 0) {
            uv_timer_init(loop, &op->timer);
            op->timer.data = op;
            op->timer_on = 1;
            uv_timer_start(&op->timer, on_await_timeout, (uint64_t)op->timeout_ms, 0);
        }
        return;
    }
    nos_io_queue_push(&r->queue, base);
    run_next(r);
}

/* ---- decoding rows (process side) --------------------------------------------------------------- */

typedef struct dec {
    PGresult *res;
    int row, col;
    char err[256];
} dec_t;

static bool is_option(const nos_type_t *t)
{
    return t->kind == NT_VARIANT && t->n == 2 && t->name && !strcmp(t->name, "Option");
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "HH:MM:SS[.ffffff]" -> ms; advances *pp. */
static bool parse_time(const char **pp, int64_t *ms)
{
    const char *p = *pp;
    char *end;
    long h = strtol(p, &end, 10);
    if (*end != ':')
        return false;
    long mi = strtol(end + 1, &end, 10);
    if (*end != ':')
        return false;
    double s = strtod(end + 1, &end);
    *ms = (int64_t)h * 3600000 + (int64_t)mi * 60000 + (int64_t)llround(s * 1000.0);
    *pp = end;
    return true;
}

/* timestamp / timestamptz / date text -> epoch ms (UTC). */
static bool parse_timestamp(const char *p, int64_t *out)
{
    if (!strcmp(p, "infinity")) {
        *out = INT64_MAX;
        return true;
    }
    if (!strcmp(p, "-infinity")) {
        *out = INT64_MIN;
        return true;
    }
    char *end;
    long long y = strtoll(p, &end, 10);
    if (*end != '-')
        return false;
    long mo = strtol(end + 1, &end, 10);
    if (*end != '-')
        return false;
    long d = strtol(end + 1, &end, 10);
    int64_t ms = days_from_civil(y, mo, d) * 86400000;
    const char *q = end;
    if (*q == ' ' || *q == 'T') {
        q++;
        int64_t t;
        if (!parse_time(&q, &t))
            return false;
        ms += t;
        if (*q == '+' || *q == '-') {
            int sign = *q == '-' ? -1 : 1;
            long oh = strtol(q + 1, &end, 10), om = 0, os = 0;
            if (*end == ':') {
                om = strtol(end + 1, &end, 10);
                if (*end == ':')
                    os = strtol(end + 1, &end, 10);
            }
            ms -= sign * ((int64_t)oh * 3600000 + (int64_t)om * 60000 + (int64_t)os * 1000);
        }
    }
    if (strstr(q, " BC"))
        return false;
    *out = ms;
    return true;
}

static bool text_to_int(const char *s, Oid oid, int64_t *out)
{
    if (oid == OID_BOOL) {
        *out = s[0] == 't';
        return true;
    }
    if (oid == OID_TIMESTAMP || oid == OID_TIMESTAMPTZ || oid == OID_DATE)
        return parse_timestamp(s, out);
    if (oid == OID_TIME) {
        const char *p = s;
        return parse_time(&p, out);
    }
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end == '\0' && errno == 0) {
        *out = v;
        return true;
    }
    double d = strtod(s, &end);
    if (*end != '\0' || end == s)
        return false;
    *out = nos_float_to_int(d);
    return true;
}

static bool text_to_float(const char *s, double *out)
{
    char *end;
    double d = strtod(s, &end);
    if (end == s || *end != '\0')
        return false;
    *out = d;
    return true;
}

static bool decode_text(dec_t *d, const nos_type_t *t, const char *s, size_t len, Oid oid,
                        nos_val_t *out);

/* "{a,"b c",NULL}" -> the elements, each decoded as the list's element type. */
static bool decode_array(dec_t *d, const nos_type_t *elem, const char *s, Oid eoid, nos_list_t **out)
{
    nos_list_t *rev = NULL;
    const char *p = s;
    char close = '}';
    if (*p == '[') {
        close = ']';   /* pgvector */
    } else if (*p != '{') {
        snprintf(d->err, sizeof d->err, "column %d is not an array", d->col + 1);
        return false;
    }
    p++;
    size_t cap = 64;
    char *buf = malloc(cap);
    if (!buf)
        return false;
    while (*p && *p != close) {
        size_t n = 0;
        bool quoted = false, null = false;
        if (*p == '"') {
            quoted = true;
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                if (n + 1 >= cap) {
                    char *nb = realloc(buf, cap *= 2);
                    if (!nb) {
                        free(buf);
                        return false;
                    }
                    buf = nb;
                }
                buf[n++] = *p++;
            }
            if (*p == '"')
                p++;
        } else {
            while (*p && *p != ',' && *p != close) {
                if (n + 1 >= cap) {
                    char *nb = realloc(buf, cap *= 2);
                    if (!nb) {
                        free(buf);
                        return false;
                    }
                    buf = nb;
                }
                buf[n++] = *p++;
            }
            while (n > 0 && buf[n - 1] == ' ')
                n--;
            null = n == 4 && !memcmp(buf, "NULL", 4);
        }
        buf[n] = '\0';
        nos_val_t v;
        if (null && !quoted) {
            if (is_option(elem)) {
                v = (nos_val_t)(uintptr_t)nos_none();
            } else if (elem->kind == NT_UNIT) {
                v = 0;
            } else {
                snprintf(d->err, sizeof d->err, "column %d holds a NULL array element", d->col + 1);
                free(buf);
                return false;
            }
        } else if (!decode_text(d, elem, buf, n, eoid, &v)) {
            free(buf);
            return false;
        }
        rev = nos_list_cons(v, rev);
        if (*p == ',')
            p++;
        while (*p == ' ')
            p++;
    }
    free(buf);
    *out = nos_list_reverse(rev);
    return true;
}

static Oid array_elem_oid(Oid oid)
{
    switch (oid) {
    case OID_BOOLARR: return OID_BOOL;
    case OID_INT2ARR: return OID_INT2;
    case OID_INT4ARR: return OID_INT4;
    case OID_INT8ARR: return OID_INT8;
    case OID_FLOAT4ARR: return OID_FLOAT4;
    case OID_FLOAT8ARR: return OID_FLOAT8;
    default: return OID_TEXT;
    }
}

static int hexv(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool decode_text(dec_t *d, const nos_type_t *t, const char *s, size_t len, Oid oid,
                        nos_val_t *out)
{
    switch (t->kind) {
    case NT_UNIT:
        *out = 0;
        return true;
    case NT_INT: case NT_I8: case NT_I16: case NT_I32: case NT_U8: case NT_U16: case NT_U32:
    case NT_U64: {
        int64_t v;
        if (!text_to_int(s, oid, &v))
            goto bad;
        *out = (nos_val_t)v;
        return true;
    }
    case NT_FLOAT: case NT_F32: {
        double v;
        if (oid == OID_TIMESTAMP || oid == OID_TIMESTAMPTZ || oid == OID_DATE) {
            int64_t ms;
            if (!parse_timestamp(s, &ms))
                goto bad;
            v = (double)ms;
        } else if (!text_to_float(s, &v)) {
            goto bad;
        }
        *out = t->kind == NT_F32 ? nos_val_of_f32((float)v) : nos_val_of_float(v);
        return true;
    }
    case NT_BOOL:
        *out = s[0] == 't' || s[0] == 'T' || s[0] == '1' || s[0] == 'y';
        return true;
    case NT_CHAR: {
        int adv = 0;
        *out = len ? (nos_val_t)(uint32_t)nos__utf8_decode(s, s + len, &adv) : 0;
        return true;
    }
    case NT_STRING:
        *out = (nos_val_t)(uintptr_t)nos_io_str_lossy(s, (int64_t)len);
        return true;
    case NT_BIGINT: {
        nos_bigint_t *b = nos_bigint_parse(s, (int64_t)len);
        if (!b)
            goto bad;
        *out = (nos_val_t)(uintptr_t)b;
        return true;
    }
    case NT_DECIMAL: {
        nos_decimal_t *x = nos_decimal_parse(s, (int64_t)len);
        if (!x)
            goto bad;
        *out = (nos_val_t)(uintptr_t)x;
        return true;
    }
    case NT_LIST: {
        const nos_type_t *e = t->elems[0];
        if (oid == OID_BYTEA && e->kind == NT_INT) {
            nos_list_t *rev = NULL;
            if (len >= 2 && s[0] == '\\' && s[1] == 'x') {
                for (size_t i = 2; i + 1 < len; i += 2) {
                    int hi = hexv((unsigned char)s[i]), lo = hexv((unsigned char)s[i + 1]);
                    if (hi < 0 || lo < 0)
                        goto bad;
                    rev = nos_list_cons((nos_val_t)(hi * 16 + lo), rev);
                }
            } else {
                for (size_t i = 0; i < len; i++)
                    rev = nos_list_cons((nos_val_t)(unsigned char)s[i], rev);
            }
            *out = (nos_val_t)(uintptr_t)nos_list_reverse(rev);
            return true;
        }
        nos_list_t *l;
        if (!decode_array(d, e, s, array_elem_oid(oid), &l))
            return false;
        *out = (nos_val_t)(uintptr_t)l;
        return true;
    }
    case NT_ARRAY_F32: case NT_ARRAY_F64: case NT_ARRAY_I64: {
        const nos_type_t *e = t->kind == NT_ARRAY_I64 ? &nos_type_int : &nos_type_float;
        nos_list_t *l;
        if (!decode_array(d, e, s, OID_FLOAT8, &l))
            return false;
        *out = (nos_val_t)(uintptr_t)nos_array_from_list(t->kind, l);
        return true;
    }
    case NT_VARIANT:
        if (is_option(t)) {
            const nos_type_t *inner = t->ctors[0].fields[0];
            nos_val_t v;
            if (!decode_text(d, inner, s, len, oid, &v))
                return false;
            *out = (nos_val_t)(uintptr_t)nos_some(v);
            return true;
        }
        break;
    default:
        break;
    }
bad:
    snprintf(d->err, sizeof d->err, "cannot read column %d (%s) as the type the program expects",
             d->col + 1, PQfname(d->res, d->col) ? PQfname(d->res, d->col) : "?");
    return false;
}

/* The natural Nostos type of a column, for values the program reads as Any. */
static const nos_type_t *natural_type(Oid oid)
{
    switch (oid) {
    case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID: return &nos_type_int;
    case OID_FLOAT4: case OID_FLOAT8: case OID_NUMERIC: return &nos_type_float;
    case OID_BOOL: return &nos_type_bool;
    default: return &nos_type_string;
    }
}

static bool decode_cell(dec_t *d, const nos_type_t *t, nos_val_t *out)
{
    if (t->kind == NT_DYN) {
        /* Any: a box of the column's natural type; NULL is (). */
        const nos_type_t *nt = PQgetisnull(d->res, d->row, d->col) ? &nos_type_unit
                                                                   : natural_type(PQftype(d->res, d->col));
        nos_val_t *box = nos_alloc(2 * sizeof(nos_val_t));
        box[0] = (nos_val_t)(uintptr_t)nt;
        if (!decode_cell(d, nt, &box[1]))
            return false;
        *out = (nos_val_t)(uintptr_t)box;
        return true;
    }
    if (PQgetisnull(d->res, d->row, d->col)) {
        if (t->kind == NT_UNIT) {
            *out = 0;
            return true;
        }
        if (is_option(t)) {
            *out = (nos_val_t)(uintptr_t)nos_none();
            return true;
        }
        snprintf(d->err, sizeof d->err,
                 "column %d (%s) is NULL: read it as an Option or ()", d->col + 1,
                 PQfname(d->res, d->col));
        return false;
    }
    const char *s = PQgetvalue(d->res, d->row, d->col);
    return decode_text(d, t, s, (size_t)PQgetlength(d->res, d->row, d->col),
                       PQftype(d->res, d->col), out);
}

/* Rows as the program's row type: a tuple or record (column i -> field i) or one value. */
static nos_list_t *decode_rows(PGresult *res, const nos_type_t *list_t, char *err, size_t errlen)
{
    dec_t d = {.res = res};
    const nos_type_t *rt = list_t && list_t->kind == NT_LIST ? list_t->elems[0] : &nos_type_unit;
    int nrows = PQntuples(res), ncols = PQnfields(res);
    bool multi = rt->kind == NT_TUPLE || rt->kind == NT_RECORD;
    uint32_t nf = multi ? rt->n : 1;
    if (multi && (int)nf > ncols && rt->kind == NT_RECORD) {
        snprintf(err, errlen, "the query returns %d columns, the record %s has %u fields", ncols,
                 rt->name ? rt->name : "", nf);
        return NULL;
    }
    nos_list_t *rev = NULL;
    for (int i = 0; i < nrows; i++) {
        d.row = i;
        nos_val_t rowv;
        if (multi) {
            nos_val_t *fields = nos_alloc((nf ? nf : 1) * sizeof(nos_val_t));
            for (uint32_t c = 0; c < nf; c++) {
                const nos_type_t *ft = rt->elems[c];
                if ((int)c >= ncols) {
                    if (ft->kind == NT_UNIT)
                        continue;
                    snprintf(err, errlen, "the query returns %d columns, the program reads column %u",
                             ncols, c + 1);
                    return NULL;
                }
                d.col = (int)c;
                if (!decode_cell(&d, ft, &fields[c])) {
                    snprintf(err, errlen, "%s", d.err);
                    return NULL;
                }
            }
            rowv = (nos_val_t)(uintptr_t)fields;
        } else {
            if (ncols == 0 || rt->kind == NT_UNIT) {
                rowv = 0;
            } else {
                d.col = 0;
                if (!decode_cell(&d, rt, &rowv)) {
                    snprintf(err, errlen, "%s", d.err);
                    return NULL;
                }
            }
        }
        rev = nos_list_cons(rowv, rev);
    }
    err[0] = '\0';
    return nos_list_reverse(rev);
}

/* ---- encoding parameters (process side) -------------------------------------------------------- */

static void enc_scalar(nos__sb_t *b, const nos_type_t *t, nos_val_t v, Oid *oid, bool *null, bool *ok);

static void enc_array(nos__sb_t *b, const nos_type_t *elem, nos_list_t *l, Oid *oid, bool *ok)
{
    Oid eoid = 0;
    nos__sb_addc(b, '{');
    for (; l; l = l->tail) {
        nos__sb_t e;
        nos__sb_init(&e, 16);
        bool null = false;
        enc_scalar(&e, elem, l->head, &eoid, &null, ok);
        if (null) {
            nos__sb_adds(b, "NULL");
        } else {
            nos__sb_addc(b, '"');
            nos_str_t *s = nos__sb_finish(&e);
            for (int64_t i = 0; i < s->len; i++) {
                if (s->data[i] == '"' || s->data[i] == '\\')
                    nos__sb_addc(b, '\\');
                nos__sb_addc(b, s->data[i]);
            }
            nos__sb_addc(b, '"');
        }
        if (l->tail)
            nos__sb_addc(b, ',');
    }
    nos__sb_addc(b, '}');
    switch (eoid) {
    case OID_INT8: *oid = OID_INT8ARR; break;
    case OID_FLOAT8: *oid = OID_FLOAT8ARR; break;
    case OID_BOOL: *oid = OID_BOOLARR; break;
    case OID_TEXT: *oid = OID_TEXTARR; break;
    default: *oid = 0; break;
    }
}

/* The OID a value of type t is sent as (0: let the server decide). */
static Oid type_oid(const nos_type_t *t)
{
    switch (t->kind) {
    case NT_INT: case NT_I8: case NT_I16: case NT_I32: case NT_U8: case NT_U16: case NT_U32:
        return OID_INT8;
    case NT_U64: case NT_BIGINT: case NT_DECIMAL:
        return OID_NUMERIC;
    case NT_FLOAT:
        return OID_FLOAT8;
    case NT_F32:
        return OID_FLOAT4;
    case NT_BOOL:
        return OID_BOOL;
    case NT_CHAR: case NT_STRING:
        return OID_TEXT;
    case NT_LIST:
        switch (type_oid(t->elems[0])) {
        case OID_INT8: return OID_INT8ARR;
        case OID_FLOAT8: return OID_FLOAT8ARR;
        case OID_BOOL: return OID_BOOLARR;
        case OID_TEXT: return OID_TEXTARR;
        default: return 0;
        }
    case NT_VARIANT:
        return is_option(t) ? type_oid(t->ctors[0].fields[0]) : 0;
    default:
        return 0;
    }
}

static void enc_float(nos__sb_t *b, double d)
{
    if (isnan(d))
        nos__sb_adds(b, "NaN");
    else if (isinf(d))
        nos__sb_adds(b, d > 0 ? "Infinity" : "-Infinity");
    else
        nos__sb_printf(b, "%.17g", d);
}

static void enc_scalar(nos__sb_t *b, const nos_type_t *t, nos_val_t v, Oid *oid, bool *null, bool *ok)
{
    switch (t->kind) {
    case NT_UNIT:
        *null = true;
        *oid = 0;
        return;
    case NT_INT: case NT_I8: case NT_I16: case NT_I32:
        nos__sb_printf(b, "%lld", (long long)(int64_t)v);
        *oid = OID_INT8;
        return;
    case NT_U8: case NT_U16: case NT_U32: case NT_U64:
        nos__sb_printf(b, "%llu", (unsigned long long)v);
        *oid = t->kind == NT_U64 ? OID_NUMERIC : OID_INT8;
        return;
    case NT_FLOAT:
        enc_float(b, nos_val_to_float(v));
        *oid = OID_FLOAT8;
        return;
    case NT_F32:
        enc_float(b, nos_val_to_f32(v));
        *oid = OID_FLOAT4;
        return;
    case NT_BOOL:
        nos__sb_adds(b, v ? "t" : "f");
        *oid = OID_BOOL;
        return;
    case NT_CHAR:
        nos__sb_add_utf8(b, (int32_t)v);
        *oid = OID_TEXT;
        return;
    case NT_STRING:
        nos__sb_add_str(b, (nos_str_t *)(uintptr_t)v);
        *oid = OID_TEXT;
        return;
    case NT_BIGINT:
        nos__sb_add_str(b, nos_bigint_to_str((nos_bigint_t *)(uintptr_t)v));
        *oid = OID_NUMERIC;
        return;
    case NT_DECIMAL:
        nos__sb_add_str(b, nos_decimal_to_str((nos_decimal_t *)(uintptr_t)v));
        *oid = OID_NUMERIC;
        return;
    case NT_LIST:
        enc_array(b, t->elems[0], (nos_list_t *)(uintptr_t)v, oid, ok);
        return;
    case NT_ARRAY_F32: case NT_ARRAY_F64: case NT_ARRAY_I64: {
        nos_array_t *a = (nos_array_t *)(uintptr_t)v;
        nos__sb_addc(b, '[');
        for (int64_t i = 0; i < a->len; i++) {
            if (i)
                nos__sb_addc(b, ',');
            if (t->kind == NT_ARRAY_F32)
                enc_float(b, nos_array_f32(a)[i]);
            else if (t->kind == NT_ARRAY_F64)
                enc_float(b, nos_array_f64(a)[i]);
            else
                nos__sb_printf(b, "%lld", (long long)nos_array_i64(a)[i]);
        }
        nos__sb_addc(b, ']');
        *oid = 0;   /* unknown: the server takes it as the column's type (vector) */
        return;
    }
    case NT_VARIANT:
        if (is_option(t)) {
            nos_variant_t *o = (nos_variant_t *)(uintptr_t)v;
            if (o->tag != NOS_TAG_SOME) {
                /* None: NULL, typed as Some's type would be. */
                *null = true;
                *oid = type_oid(t->ctors[0].fields[0]);
                return;
            }
            enc_scalar(b, t->ctors[0].fields[0], o->fields[0], oid, null, ok);
            return;
        }
        break;
    default:
        break;
    }
    *ok = false;
}

static nos_str_t *enc_one(const nos_type_t *t, nos_val_t v)
{
    nos__sb_t b;
    nos__sb_init(&b, 32);
    Oid oid = 0;
    bool null = false, ok = true;
    nos__sb_t val;
    nos__sb_init(&val, 32);
    enc_scalar(&val, t, v, &oid, &null, &ok);
    if (!ok)
        nos_throw_error("query_error", "cannot pass a value of this type as a query parameter");
    if (null)
        return nos_str_cstr("-");
    nos__sb_printf(&b, "%u:", (unsigned)oid);
    nos__sb_add_str(&b, nos__sb_finish(&val));
    return nos__sb_finish(&b);
}

/* The parameters of a call, encoded as "<oid>:<text>" (or "-" for NULL) strings. */
nos_list_t *nos_pg_params(const nos_type_t *t, nos_val_t v);
nos_list_t *nos_pg_params(const nos_type_t *t, nos_val_t v)
{
    nos_list_t *rev = NULL;
    if (t->kind == NT_UNIT)
        return NULL;
    if (t->kind == NT_LIST) {
        for (nos_list_t *l = (nos_list_t *)(uintptr_t)v; l; l = l->tail)
            rev = nos_list_cons((nos_val_t)(uintptr_t)enc_one(t->elems[0], l->head), rev);
        return nos_list_reverse(rev);
    }
    if (t->kind == NT_TUPLE) {
        nos_val_t *f = (nos_val_t *)(uintptr_t)v;
        for (uint32_t i = 0; i < t->n; i++)
            rev = nos_list_cons((nos_val_t)(uintptr_t)enc_one(t->elems[i], f[i]), rev);
        return nos_list_reverse(rev);
    }
    return nos_list_cons((nos_val_t)(uintptr_t)enc_one(t, v), NULL);
}

/* ---- the natives -------------------------------------------------------------------------------- */

int64_t nos_pg_connect(nos_str_t *conninfo);
int64_t nos_pg_listen_connect(nos_str_t *conninfo);
nos_list_t *nos_pg_query(const nos_type_t *rt, int64_t h, nos_str_t *sql, nos_list_t *params);
nos_list_t *nos_pg_query_prepared(const nos_type_t *rt, int64_t h, nos_str_t *name, nos_list_t *params);
int64_t nos_pg_execute(int64_t h, nos_str_t *sql, nos_list_t *params);
int64_t nos_pg_execute_prepared(int64_t h, nos_str_t *name, nos_list_t *params);
void nos_pg_prepare(int64_t h, nos_str_t *name, nos_str_t *sql);
void nos_pg_command(int64_t h, nos_str_t *sql, nos_str_t *kind);
void nos_pg_close(int64_t h);
nos_variant_t *nos_pg_await(int64_t h, int64_t timeout_ms);
nos_str_t *nos_pg_quote_ident(nos_str_t *s);

static pg_op_t *new_op(int what, int64_t h, const char *kind)
{
    pg_op_t *op = nos_io_op_new(sizeof *op);
    op->what = what;
    op->h = h;
    op->kind = kind;
    return op;
}

static int64_t connect_as(nos_str_t *conninfo, int listener, const char *kind)
{
    pg_op_t *op = new_op(PG_CONNECT, 0, kind);
    op->conninfo = conninfo;
    op->listener = listener;
    nos_io_run(&op->base, start);
    return op->ires;
}

int64_t nos_pg_connect(nos_str_t *conninfo)
{
    return connect_as(conninfo, 0, "connection_error");
}

int64_t nos_pg_listen_connect(nos_str_t *conninfo)
{
    return connect_as(conninfo, 1, "connect_error");
}

static nos_list_t *rows_of(pg_op_t *op, const nos_type_t *rt)
{
    PGresult *res = op->res;
    op->res = NULL;
    if (!res)
        return NULL;
    char err[300];
    nos_list_t *rows = decode_rows(res, rt, err, sizeof err);
    PQclear(res);
    if (err[0])
        nos_throw_error(op->kind, "%s", err);
    return rows;
}

nos_list_t *nos_pg_query(const nos_type_t *rt, int64_t h, nos_str_t *sql, nos_list_t *params)
{
    pg_op_t *op = new_op(PG_QUERY, h, "query_error");
    op->sql = sql;
    op->params = params;
    nos_io_run(&op->base, start);
    return rows_of(op, rt);
}

nos_list_t *nos_pg_query_prepared(const nos_type_t *rt, int64_t h, nos_str_t *name, nos_list_t *params)
{
    pg_op_t *op = new_op(PG_QUERY_PREPARED, h, "query_error");
    op->name = name;
    op->params = params;
    nos_io_run(&op->base, start);
    return rows_of(op, rt);
}

int64_t nos_pg_notify(int64_t h, nos_str_t *channel, nos_str_t *payload);
int64_t nos_pg_notify(int64_t h, nos_str_t *channel, nos_str_t *payload)
{
    pg_op_t *op = new_op(PG_EXECUTE, h, "notify_error");
    op->sql = nos_str_cstr("SELECT pg_notify($1, $2)");
    nos_list_t *ps = nos_list_cons((nos_val_t)(uintptr_t)nos_str_concat(nos_str_cstr("25:"), payload), NULL);
    op->params = nos_list_cons((nos_val_t)(uintptr_t)nos_str_concat(nos_str_cstr("25:"), channel), ps);
    nos_io_run(&op->base, start);
    return op->affected;
}

int64_t nos_pg_execute(int64_t h, nos_str_t *sql, nos_list_t *params)
{
    pg_op_t *op = new_op(PG_EXECUTE, h, "execute_error");
    op->sql = sql;
    op->params = params;
    nos_io_run(&op->base, start);
    return op->affected;
}

int64_t nos_pg_execute_prepared(int64_t h, nos_str_t *name, nos_list_t *params)
{
    pg_op_t *op = new_op(PG_EXECUTE_PREPARED, h, "execute_error");
    op->name = name;
    op->params = params;
    nos_io_run(&op->base, start);
    return op->affected;
}

void nos_pg_prepare(int64_t h, nos_str_t *name, nos_str_t *sql)
{
    pg_op_t *op = new_op(PG_PREPARE, h, "prepare_error");
    op->name = name;
    op->sql = sql;
    nos_io_run(&op->base, start);
}

/* Plain SQL with no parameters or rows (BEGIN, LISTEN, DEALLOCATE ...); kind names errors. */
void nos_pg_command(int64_t h, nos_str_t *sql, nos_str_t *kind)
{
    static const char *const kinds[] = {"transaction_error", "listen_error", "unlisten_error",
                                        "notify_error", "deallocate_error", "execute_error"};
    const char *k = "execute_error";
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kind->data, kinds[i]))
            k = kinds[i];
    pg_op_t *op = new_op(PG_COMMAND, h, k);
    op->sql = sql;
    nos_io_run(&op->base, start);
}

void nos_pg_close(int64_t h)
{
    nos_io_run(&new_op(PG_CLOSE, h, "connection_error")->base, start);
}

nos_variant_t *nos_pg_await(int64_t h, int64_t timeout_ms)
{
    pg_op_t *op = new_op(PG_AWAIT, h, "listen_error");
    op->timeout_ms = timeout_ms < 0 ? -1 : timeout_ms;
    nos_io_run(&op->base, start);
    return op->note ? nos_some(op->note) : nos_none();
}

/* "name" -> "\"name\"" with inner quotes doubled (an SQL identifier). */
nos_str_t *nos_pg_quote_ident(nos_str_t *s)
{
    nos__sb_t b;
    nos__sb_init(&b, s->len + 2);
    nos__sb_addc(&b, '"');
    for (int64_t i = 0; i < s->len; i++) {
        if (s->data[i] == '"')
            nos__sb_addc(&b, '"');
        nos__sb_addc(&b, s->data[i]);
    }
    nos__sb_addc(&b, '"');
    return nos__sb_finish(&b);
}
