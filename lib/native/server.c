/*
 * server.c - the HTTP/1.1 server: Server.bind / accept / respond / close / matchPath
 * (LANGUAGE.md 1.14) on uv_tcp, with the request parser of Debian's libhttp-parser.
 *
 * The reactor accepts every connection, parses requests with http_parser and queues each
 * complete request on its server as an HttpRequest record; Server.accept (any number of
 * processes per server) takes the oldest one or parks until one comes. Server.respond
 * formats the whole response in the calling process and hands the bytes to the reactor
 * without waiting. A connection handles one request at a time: the parser pauses after a
 * complete request and resumes (with any pipelined bytes already read) once the response is
 * written, so responses always go out in request order. HTTP/1.1 keep-alive follows
 * http_should_keep_alive.
 *
 * Every request in flight has an Int id (a handle of kind NOS_RES_HTTPREQ). If the process
 * that accepted it ends without responding, the reactor answers 500 itself. A connection
 * that does not complete a request within REQUEST_TIMEOUT_MS is closed (slowloris).
 * Failures are ("io_error", message).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <http_parser.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io.h"

#define KIND "io_error"
#define REQUEST_TIMEOUT_MS 60000
#define MAX_HEADER_BYTES (64 * 1024)
#define MAX_BODY_BYTES ((size_t)64 << 20)

typedef struct server_res server_res_t;
typedef struct conn conn_t;

/* An accepted request waiting for its response. */
typedef struct req_res {
    nos_io_res_t res;
    conn_t *conn;               /* NULL once the connection is gone */
    int head;                   /* HEAD request: send no body */
} req_res_t;

struct conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    server_res_t *srv;
    conn_t *prev, *next;        /* the server's list */
    http_parser parser;
    nos_io_buf_t in;            /* bytes read but not yet parsed */
    /* the request being parsed */
    nos_io_buf_t url, field, value, body;
    nos_list_t *headers;        /* reversed (name, value) pairs; GC memory, see conn_alloc */
    int last_was_value;
    size_t header_bytes;
    int upgrade_hdr, conn_upgrade;
    int keep_alive;
    int too_big;
    req_res_t *active;          /* the request in flight (parser paused) */
    int closing;
    int handles;                /* libuv handles still open */
};

struct server_res {
    nos_io_res_t res;
    uv_tcp_t tcp;
    nos_io_queue_t waiters;     /* Server.accept ops */
    /* Requests nobody has accepted yet: GC cells whose heads are (record, req_res_t *)
     * pairs. Shared with processes under srv_lock, so that Server.accept takes a waiting
     * request without a trip through the reactor. */
    nos_list_t *ready, *ready_tail;
    conn_t *conns;
    int closed;
    server_res_t *live_next;    /* the list of servers processes may look up (srv_lock) */
};

/* Guards every server's ready list and the list of live servers. Any thread. */
static pthread_mutex_t srv_lock = PTHREAD_MUTEX_INITIALIZER;
static server_res_t *live_servers;

static http_parser_settings settings;

/* ---- connections -------------------------------------------------------------------------------- */

/*
 * conn_t is uncollectable memory (GC_MALLOC_UNCOLLECTABLE), so the GC pointers in it
 * (headers) keep their objects alive.
 */
static void conn_freed(uv_handle_t *h)
{
    conn_t *c = h->data;
    if (--c->handles > 0)
        return;
    nos_io_buf_free(&c->in);
    nos_io_buf_free(&c->url);
    nos_io_buf_free(&c->field);
    nos_io_buf_free(&c->value);
    nos_io_buf_free(&c->body);
    nos_io_res_free(c);
}

static void server_maybe_free(server_res_t *s);

static void conn_close(conn_t *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    if (c->active) {
        c->active->conn = NULL;
        c->active = NULL;
    }
    server_res_t *s = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else if (s)
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    c->srv = NULL;
    c->handles = 2;
    c->tcp.data = c;
    c->timer.data = c;
    uv_close((uv_handle_t *)&c->tcp, conn_freed);
    uv_close((uv_handle_t *)&c->timer, conn_freed);
    if (s)
        server_maybe_free(s);
}

static void on_timeout(uv_timer_t *t)
{
    conn_close((conn_t *)t->data);
}

static void arm_timer(conn_t *c)
{
    c->timer.data = c;
    uv_timer_start(&c->timer, on_timeout, REQUEST_TIMEOUT_MS, 0);
}

/* ---- building the request record (reactor thread, registered with the collector) ------------ */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent-decoding ('+' is a space in query strings and form bodies), lossy UTF-8. */
static nos_str_t *url_decode(const char *p, size_t n)
{
    char small[256] = {0};
    char *out = n <= sizeof small ? small : malloc(n);
    if (!out)
        return nos_str_empty();
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '%' && i + 2 < n && hexval((unsigned char)p[i + 1]) >= 0 && hexval((unsigned char)p[i + 2]) >= 0) {
            out[k++] = (char)(hexval((unsigned char)p[i + 1]) * 16 + hexval((unsigned char)p[i + 2]));
            i += 2;
        } else if (p[i] == '+') {
            out[k++] = ' ';
        } else {
            out[k++] = p[i];
        }
    }
    nos_str_t *s = nos_io_str_lossy(out, (int64_t)k);
    if (out != small)
        free(out);
    return s;
}

/* "a=1&b=2" -> [("a", "1"), ("b", "2")] */
static nos_list_t *parse_pairs(const char *p, size_t n)
{
    nos_list_t *rev = NULL;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && p[j] != '&')
            j++;
        if (j > i) {
            const char *eq = memchr(p + i, '=', j - i);
            size_t klen = eq ? (size_t)(eq - (p + i)) : j - i;
            nos_str_t *k = url_decode(p + i, klen);
            nos_str_t *v = eq ? url_decode(eq + 1, (size_t)(p + j - eq - 1)) : nos_str_empty();
            rev = nos_list_cons(nos_io_pair(k, v), rev);
        }
        i = j + 1;
    }
    return nos_list_reverse(rev);
}

static nos_str_t *trim_str(const char *p, size_t n)
{
    while (n > 0 && (*p == ' ' || *p == '\t'))
        p++, n--;
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    return nos_io_str_lossy(p, (int64_t)n);
}

/* "a=1; b=2" -> [("a", "1"), ("b", "2")] */
static nos_list_t *parse_cookies(nos_list_t *headers)
{
    nos_list_t *rev = NULL;
    for (nos_list_t *l = headers; l; l = l->tail) {
        nos_val_t *pair = (nos_val_t *)(uintptr_t)l->head;
        nos_str_t *name = (nos_str_t *)(uintptr_t)pair[0];
        if (strcmp(name->data, "cookie") != 0)
            continue;
        nos_str_t *v = (nos_str_t *)(uintptr_t)pair[1];
        const char *p = v->data, *end = p + v->len;
        while (p < end) {
            const char *semi = memchr(p, ';', (size_t)(end - p));
            const char *stop = semi ? semi : end;
            const char *eq = memchr(p, '=', (size_t)(stop - p));
            const char *nend = eq ? eq : stop;
            const char *a = p;
            size_t alen = (size_t)(nend - p);
            while (alen > 0 && (*a == ' ' || *a == '\t'))
                a++, alen--;
            while (alen > 0 && (a[alen - 1] == ' ' || a[alen - 1] == '\t'))
                alen--;
            if (alen > 0) {
                nos_str_t *cv = eq ? trim_str(eq + 1, (size_t)(stop - eq - 1)) : nos_str_empty();
                rev = nos_list_cons(nos_io_pair(nos_io_str_lossy(a, (int64_t)alen), cv), rev);
            }
            p = stop + 1;
        }
    }
    return nos_list_reverse(rev);
}

static nos_str_t *header_get(nos_list_t *headers, const char *name)
{
    for (nos_list_t *l = headers; l; l = l->tail) {
        nos_val_t *pair = (nos_val_t *)(uintptr_t)l->head;
        if (strcmp(((nos_str_t *)(uintptr_t)pair[0])->data, name) == 0)
            return (nos_str_t *)(uintptr_t)pair[1];
    }
    return NULL;
}

/* The HttpRequest record, fields in declaration order (lib/io.nos). */
static nos_val_t *build_request(conn_t *c, int64_t id)
{
    nos_list_t *headers = nos_list_reverse(c->headers);
    const char *url = c->url.p ? c->url.p : "/";
    size_t ulen = c->url.len ? c->url.len : 1;
    const char *hash = memchr(url, '#', ulen);
    size_t uend = hash ? (size_t)(hash - url) : ulen;
    const char *q = memchr(url, '?', uend);
    size_t plen = q ? (size_t)(q - url) : uend;
    nos_list_t *query = q ? parse_pairs(q + 1, uend - plen - 1) : NULL;
    nos_str_t *ctype = header_get(headers, "content-type");
    nos_list_t *form = NULL;
    if (ctype && strncasecmp(ctype->data, "application/x-www-form-urlencoded", 33) == 0 &&
        nos_utf8_valid(c->body.p ? c->body.p : "", (int64_t)c->body.len))
        form = parse_pairs(c->body.p ? c->body.p : "", c->body.len);
    nos_val_t *r = nos_alloc(9 * sizeof(nos_val_t));
    r[0] = (nos_val_t)id;
    r[1] = (nos_val_t)(uintptr_t)nos_str_cstr(http_method_str((enum http_method)c->parser.method));
    r[2] = (nos_val_t)(uintptr_t)nos_io_str_lossy(url, (int64_t)plen);
    r[3] = (nos_val_t)(uintptr_t)headers;
    r[4] = (nos_val_t)(uintptr_t)nos_io_str_lossy(c->body.p ? c->body.p : "", (int64_t)c->body.len);
    r[5] = (nos_val_t)(uintptr_t)query;
    r[6] = (nos_val_t)(uintptr_t)parse_cookies(headers);
    r[7] = (nos_val_t)(uintptr_t)form;
    r[8] = (nos_val_t)(c->upgrade_hdr && c->conn_upgrade);
    return r;
}

/* ---- dispatching requests to Server.accept ---------------------------------------------------- */

typedef struct accept_op {
    nos_io_op_t base;
    int64_t h;
    nos_val_t *request;
} accept_op_t;

static void req_reap(nos_io_res_t *r);

static void server_offer(server_res_t *s, nos_val_t *request)
{
    nos_io_op_t *w = nos_io_queue_pop_live(&s->waiters);
    if (w) {
        ((accept_op_t *)w)->request = request;
        /* The accepting process answers; if it dies first, the reaper sends a 500. */
        req_res_t *rq = (req_res_t *)nos_io_handle_get((int64_t)request[0], NOS_RES_HTTPREQ);
        if (rq)
            nos_io_res_set_owner(&rq->res, w->pid);
        nos_io_finish(w);
        return;
    }
    req_res_t *rq = (req_res_t *)nos_io_handle_get((int64_t)request[0], NOS_RES_HTTPREQ);
    nos_val_t *entry = nos_tuple2((nos_val_t)(uintptr_t)request, (nos_val_t)(uintptr_t)rq);
    nos_list_t *cell = nos_list_cons((nos_val_t)(uintptr_t)entry, NULL);
    pthread_mutex_lock(&srv_lock);
    if (s->ready_tail)
        s->ready_tail->tail = cell;
    else
        s->ready = cell;
    s->ready_tail = cell;
    pthread_mutex_unlock(&srv_lock);
}

/* Take the oldest waiting request of s (srv_lock held); the caller becomes its owner. */
static nos_val_t *ready_pop_locked(server_res_t *s, nos_pid_t *taker)
{
    nos_list_t *cell = s->ready;
    if (!cell)
        return NULL;
    s->ready = cell->tail;
    if (!s->ready)
        s->ready_tail = NULL;
    nos_val_t *entry = (nos_val_t *)(uintptr_t)cell->head;
    req_res_t *rq = (req_res_t *)(uintptr_t)entry[1];
    if (rq)
        __atomic_store_n(&rq->res.owner, taker, __ATOMIC_RELEASE);
    return (nos_val_t *)(uintptr_t)entry[0];
}

/* ---- http_parser callbacks ------------------------------------------------------------------- */

static int on_message_begin(http_parser *p)
{
    conn_t *c = p->data;
    c->url.len = c->field.len = c->value.len = c->body.len = 0;
    c->headers = NULL;
    c->last_was_value = 0;
    c->header_bytes = 0;
    c->upgrade_hdr = c->conn_upgrade = 0;
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    conn_t *c = p->data;
    c->header_bytes += n;
    if (c->header_bytes > MAX_HEADER_BYTES)
        return 1;
    nos_io_buf_add(&c->url, at, n);
    return 0;
}

static void flush_header(conn_t *c)
{
    if (!c->field.len && !c->value.len)
        return;
    for (size_t i = 0; i < c->field.len; i++)
        c->field.p[i] = (char)tolower((unsigned char)c->field.p[i]);
    nos_str_t *k = nos_io_str_lossy(c->field.p ? c->field.p : "", (int64_t)c->field.len);
    nos_str_t *v = nos_io_str_lossy(c->value.p ? c->value.p : "", (int64_t)c->value.len);
    if (!strcmp(k->data, "upgrade") && !strcasecmp(v->data, "websocket"))
        c->upgrade_hdr = 1;
    if (!strcmp(k->data, "connection") && strcasestr(v->data, "upgrade"))
        c->conn_upgrade = 1;
    c->headers = nos_list_cons(nos_io_pair(k, v), c->headers);
    c->field.len = c->value.len = 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    conn_t *c = p->data;
    c->header_bytes += n;
    if (c->header_bytes > MAX_HEADER_BYTES)
        return 1;
    if (c->last_was_value) {
        flush_header(c);
        c->last_was_value = 0;
    }
    nos_io_buf_add(&c->field, at, n);
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    conn_t *c = p->data;
    c->header_bytes += n;
    if (c->header_bytes > MAX_HEADER_BYTES)
        return 1;
    c->last_was_value = 1;
    nos_io_buf_add(&c->value, at, n);
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    conn_t *c = p->data;
    flush_header(c);
    c->last_was_value = 0;
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    conn_t *c = p->data;
    if (c->body.len + n > MAX_BODY_BYTES) {
        c->too_big = 1;
        return 1;
    }
    nos_io_buf_add(&c->body, at, n);
    return 0;
}

static int on_message_complete(http_parser *p)
{
    conn_t *c = p->data;
    server_res_t *s = c->srv;
    c->keep_alive = http_should_keep_alive(p) && s && !s->closed;
    req_res_t *rq = nos_io_res_alloc(sizeof *rq);
    rq->res.kind = NOS_RES_HTTPREQ;
    rq->res.reap = req_reap;
    rq->res.reap_any_death = 1;
    rq->conn = c;
    rq->head = p->method == HTTP_HEAD;
    int64_t id = nos_io_handle_add(&rq->res);
    c->active = rq;
    uv_timer_stop(&c->timer);
    nos_val_t *request = build_request(c, id);
    c->headers = NULL;
    http_parser_pause(p, 1);
    if (s)
        server_offer(s, request);
    return 0;
}

/* ---- reading ---------------------------------------------------------------------------------- */

static void send_simple(conn_t *c, int status, const char *text);

/* Parse what is buffered, unless a request is in flight. */
static void conn_parse(conn_t *c)
{
    while (!c->closing && !c->active && c->in.len > 0) {
        size_t n = http_parser_execute(&c->parser, &settings, c->in.p, c->in.len);
        enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
        if (e == HPE_PAUSED) {
            nos_io_buf_consume(&c->in, n);
            return;
        }
        if (e != HPE_OK || c->parser.upgrade) {
            if (c->parser.upgrade && e == HPE_OK) {
                /* WebSocket and other upgrades are not supported: the request was answered
                 * through the normal path already; drop the rest. */
                c->in.len = 0;
                return;
            }
            send_simple(c, c->too_big ? 413 : 400, c->too_big ? "Payload Too Large" : "Bad Request");
            return;
        }
        nos_io_buf_consume(&c->in, n);
    }
}

static void conn_read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    conn_t *c = st->data;
    if (n > 0) {
        nos_io_buf_add(&c->in, buf->base, (size_t)n);
        if (c->active && c->in.len > MAX_HEADER_BYTES)
            uv_read_stop(st);   /* pipelining beyond reason: wait for the response */
        conn_parse(c);
    }
    if (buf->base)
        free(buf->base);
    if (n < 0) {
        if (c->active) {
            /* Half-closed client: answer what is in flight, then close. */
            c->keep_alive = 0;
            uv_read_stop(st);
        } else {
            conn_close(c);
        }
    }
}

/* ---- writing responses -------------------------------------------------------------------------- */

typedef struct respond_op {
    nos_io_op_t base;
    uv_write_t wr;
    int64_t id;
    nos_str_t *bytes;           /* the whole response */
    int64_t head_len;           /* bytes of status line and headers */
    conn_t *conn;
    int close_after;
} respond_op_t;

static void response_written(respond_op_t *op, int status)
{
    conn_t *c = op->conn;
    nos_io_finish(&op->base);
    if (!c || c->closing)
        return;
    if (status < 0 || op->close_after) {
        conn_close(c);
        return;
    }
    /* Next request: resume the parser on what was pipelined, and reading. */
    http_parser_pause(&c->parser, 0);
    arm_timer(c);
    uv_read_start((uv_stream_t *)&c->tcp, nos_io_alloc_cb, conn_read_cb);
    conn_parse(c);
}

static void write_cb(uv_write_t *wr, int status)
{
    response_written(wr->data, status);
}

static void conn_write(conn_t *c, respond_op_t *op)
{
    op->conn = c;
    op->close_after = !c->keep_alive;
    c->active = NULL;
    uv_buf_t b = uv_buf_init(op->bytes->data, (unsigned)op->bytes->len);
    int rc = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (rc == (int)b.len) {
        response_written(op, 0);
        return;
    }
    if (rc < 0 && rc != UV_EAGAIN) {
        response_written(op, rc);
        return;
    }
    if (rc > 0) {
        b.base += rc;
        b.len -= (size_t)rc;
    }
    op->wr.data = op;
    nos_io_hold(&op->base);
    rc = uv_write(&op->wr, (uv_stream_t *)&c->tcp, &b, 1, write_cb);
    if (rc < 0)
        response_written(op, rc);
}

static nos_str_t *format_response(int64_t status, nos_list_t *headers, nos_str_t *body, int64_t *head_len,
                                  bool close);

static void send_simple(conn_t *c, int status, const char *text)
{
    if (c->closing)
        return;
    respond_op_t *op = nos_alloc(sizeof *op);
    op->base.nowait = 1;
    nos_str_t *body = nos_str_cstr(text);
    op->bytes = format_response(status, NULL, body, &op->head_len, true);
    c->keep_alive = 0;
    uv_read_stop((uv_stream_t *)&c->tcp);
    conn_write(c, op);
}

static void start_respond(uv_loop_t *loop, nos_io_op_t *base)
{
    (void)loop;
    respond_op_t *op = (respond_op_t *)base;
    req_res_t *rq = (req_res_t *)nos_io_handle_get(op->id, NOS_RES_HTTPREQ);
    if (!rq) {
        nos_io_fail(base, KIND, "unknown request id %lld", (long long)op->id);
        return;
    }
    nos_io_handle_remove(rq->res.handle);
    conn_t *c = rq->conn;
    int head = rq->head;
    nos_io_res_free(rq);
    if (!c || c->closing || c->active != rq) {
        nos_io_finish(base);    /* the client went away: nothing to do */
        return;
    }
    if (head && op->head_len < op->bytes->len)
        op->bytes = nos_str_slice_bytes(op->bytes, 0, op->head_len);
    conn_write(c, op);
}

/* The process that accepted a request ended without answering it. */
static void req_reap(nos_io_res_t *r)
{
    req_res_t *rq = (req_res_t *)r;
    conn_t *c = rq->conn;
    nos_io_handle_remove(r->handle);
    nos_io_res_free(rq);
    if (c && !c->closing && c->active == rq) {
        respond_op_t *op = nos_alloc(sizeof *op);
        op->base.nowait = 1;
        op->bytes = format_response(500, NULL, nos_str_cstr("Internal Server Error"), &op->head_len,
                                    false);
        conn_write(c, op);
    }
}

/* ---- the listener -------------------------------------------------------------------------------- */

static void on_connection(uv_stream_t *ls, int status)
{
    server_res_t *s = (server_res_t *)((char *)ls - offsetof(server_res_t, tcp));
    if (status < 0)
        return;     /* EMFILE and the like: libuv retries when descriptors free up */
    conn_t *c = nos_io_res_alloc(sizeof *c);
    uv_tcp_init(nos_io_loop(), &c->tcp);
    uv_timer_init(nos_io_loop(), &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    if (uv_accept(ls, (uv_stream_t *)&c->tcp) < 0) {
        c->closing = 1;
        c->handles = 2;
        uv_close((uv_handle_t *)&c->tcp, conn_freed);
        uv_close((uv_handle_t *)&c->timer, conn_freed);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    c->srv = s;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    arm_timer(c);
    uv_read_start((uv_stream_t *)&c->tcp, nos_io_alloc_cb, conn_read_cb);
}

static void server_closed(uv_handle_t *h)
{
    server_res_t *s = h->data;
    s->closed = 2;
    server_maybe_free(s);
}

static void server_maybe_free(server_res_t *s)
{
    if (s->closed == 2 && !s->conns)
        nos_io_res_free(s);
}

static void live_remove(server_res_t *s)
{
    pthread_mutex_lock(&srv_lock);
    for (server_res_t **pp = &live_servers; *pp; pp = &(*pp)->live_next)
        if (*pp == s) {
            *pp = s->live_next;
            break;
        }
    nos_list_t *ready = s->ready;
    s->ready = s->ready_tail = NULL;
    pthread_mutex_unlock(&srv_lock);
    /* Requests nobody accepted: their connections go, and so do their ids. */
    for (; ready; ready = ready->tail) {
        nos_val_t *entry = (nos_val_t *)(uintptr_t)ready->head;
        req_res_t *rq = (req_res_t *)(uintptr_t)entry[1];
        if (!rq)
            continue;
        conn_t *c = rq->conn;
        nos_io_handle_remove(rq->res.handle);
        if (c && c->active == rq)
            c->active = NULL;
        nos_io_res_free(rq);
        if (c)
            conn_close(c);
    }
}

static void server_close(server_res_t *s)
{
    if (s->closed)
        return;
    s->closed = 1;
    s->res.closing = 1;
    nos_io_handle_remove(s->res.handle);
    nos_io_queue_fail_all(&s->waiters, KIND, "Server closed");
    live_remove(s);
    /* Idle connections go now; one with a request in flight after its response. */
    conn_t *c = s->conns;
    while (c) {
        conn_t *next = c->next;
        if (!c->active)
            conn_close(c);
        else
            c->keep_alive = 0;
        c = next;
    }
    s->tcp.data = s;
    uv_close((uv_handle_t *)&s->tcp, server_closed);
}

static void server_reap(nos_io_res_t *r)
{
    server_close((server_res_t *)r);
}

/* ---- ops ---------------------------------------------------------------------------------------- */

int nos_io_tcp_bind_any(uv_tcp_t *tcp, int port);

typedef struct bind_op {
    nos_io_op_t base;
    int64_t port;
    int64_t h;
} bind_op_t;

static void init_settings(void)
{
    if (settings.on_message_complete)
        return;
    settings.on_message_begin = on_message_begin;
    settings.on_url = on_url;
    settings.on_header_field = on_header_field;
    settings.on_header_value = on_header_value;
    settings.on_headers_complete = on_headers_complete;
    settings.on_body = on_body;
    settings.on_message_complete = on_message_complete;
}

static void start_bind(uv_loop_t *loop, nos_io_op_t *base)
{
    bind_op_t *op = (bind_op_t *)base;
    init_settings();
    if (op->port < 0 || op->port > 65535) {
        nos_io_fail(base, KIND, "invalid port %lld", (long long)op->port);
        return;
    }
    server_res_t *s = nos_io_res_alloc(sizeof *s);
    s->res.kind = NOS_RES_SERVER;
    s->res.owner = base->pid;
    s->res.reap = server_reap;
    uv_tcp_init(loop, &s->tcp);
    int rc = nos_io_tcp_bind_any(&s->tcp, (int)op->port);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->tcp, 1024, on_connection);
    if (rc < 0) {
        s->closed = 1;
        s->tcp.data = s;
        uv_close((uv_handle_t *)&s->tcp, server_closed);
        nos_io_fail(base, KIND, "cannot bind port %lld: %s", (long long)op->port, uv_strerror(rc));
        return;
    }
    op->h = nos_io_handle_add(&s->res);
    pthread_mutex_lock(&srv_lock);
    s->live_next = live_servers;
    live_servers = s;
    pthread_mutex_unlock(&srv_lock);
    nos_io_finish(base);
}

static void start_accept(uv_loop_t *loop, nos_io_op_t *base)
{
    (void)loop;
    accept_op_t *op = (accept_op_t *)base;
    server_res_t *s = (server_res_t *)nos_io_handle_get(op->h, NOS_RES_SERVER);
    if (!s) {
        nos_io_fail(base, KIND, "Server closed or invalid server handle");
        return;
    }
    pthread_mutex_lock(&srv_lock);
    op->request = ready_pop_locked(s, base->pid);
    pthread_mutex_unlock(&srv_lock);
    if (op->request) {
        nos_io_finish(base);
        return;
    }
    nos_io_hold(base);
    nos_io_queue_push(&s->waiters, base);
}

static void start_close(uv_loop_t *loop, nos_io_op_t *base)
{
    (void)loop;
    accept_op_t *op = (accept_op_t *)base;
    server_res_t *s = (server_res_t *)nos_io_handle_get(op->h, NOS_RES_SERVER);
    if (s)
        server_close(s);
    nos_io_finish(base);
}

/* ---- the natives -------------------------------------------------------------------------------- */

int64_t nos_server_bind(int64_t port);
nos_val_t *nos_server_accept(int64_t h);
void nos_server_respond(int64_t id, int64_t status, nos_list_t *headers, nos_str_t *body);
void nos_server_close(int64_t h);
nos_list_t *nos_server_match_path(nos_str_t *path, nos_str_t *pattern);

int64_t nos_server_bind(int64_t port)
{
    bind_op_t *op = nos_io_op_new(sizeof *op);
    op->port = port;
    nos_io_run(&op->base, start_bind);
    return op->h;
}

nos_val_t *nos_server_accept(int64_t h)
{
    /* Fast path: a request is already waiting. */
    nos__worker_t *w = nos__w();
    if (w && w->cur && !w->on_sys) {
        nos_val_t *request = NULL;
        pthread_mutex_lock(&srv_lock);
        for (server_res_t *s = live_servers; s; s = s->live_next)
            if (s->res.handle == h && !s->closed) {
                request = ready_pop_locked(s, w->cur);
                break;
            }
        pthread_mutex_unlock(&srv_lock);
        if (request)
            return request;
    }
    accept_op_t *op = nos_io_op_new(sizeof *op);
    op->h = h;
    nos_io_run(&op->base, start_accept);
    return op->request;
}

static bool skip_header(nos_str_t *name)
{
    return !strcasecmp(name->data, "content-length") ||
           !strcasecmp(name->data, "transfer-encoding");
}

static nos_str_t *format_response(int64_t status, nos_list_t *headers, nos_str_t *body, int64_t *head_len,
                                  bool close)
{
    nos__sb_t b;
    nos__sb_init(&b, 128 + body->len);
    const char *reason = status >= 100 && status <= 599
                             ? http_status_str((enum http_status)status)
                             : "Unknown";
    if (!strcmp(reason, "<unknown>"))
        reason = "Unknown";
    nos__sb_printf(&b, "HTTP/1.1 %lld %s\r\n", (long long)status, reason);
    for (nos_list_t *l = headers; l; l = l->tail) {
        nos_val_t *pair = (nos_val_t *)(uintptr_t)l->head;
        nos_str_t *k = (nos_str_t *)(uintptr_t)pair[0];
        nos_str_t *v = (nos_str_t *)(uintptr_t)pair[1];
        if (skip_header(k) || memchr(k->data, '\n', (size_t)k->len) ||
            memchr(v->data, '\n', (size_t)v->len))
            continue;   /* no response splitting */
        nos__sb_add_str(&b, k);
        nos__sb_add(&b, ": ", 2);
        nos__sb_add_str(&b, v);
        nos__sb_add(&b, "\r\n", 2);
    }
    nos__sb_printf(&b, "content-length: %lld\r\n", (long long)body->len);
    if (close)
        nos__sb_adds(&b, "connection: close\r\n");
    nos__sb_add(&b, "\r\n", 2);
    *head_len = b.s->len;
    nos__sb_add_str(&b, body);
    return nos__sb_finish(&b);
}

void nos_server_respond(int64_t id, int64_t status, nos_list_t *headers, nos_str_t *body)
{
    respond_op_t *op = nos_io_op_new(sizeof *op);
    op->id = id;
    op->bytes = format_response(status, headers, body, &op->head_len, false);
    nos_io_post(&op->base, start_respond);
}

void nos_server_close(int64_t h)
{
    accept_op_t *op = nos_io_op_new(sizeof *op);
    op->h = h;
    nos_io_run(&op->base, start_close);
}

/* Server.matchPath("/users/1", "/users/:id") == [("id", "1")]; [] when it does not match. */
nos_list_t *nos_server_match_path(nos_str_t *path, nos_str_t *pattern)
{
    const char *p = path->data, *q = pattern->data;
    const char *pe = p + path->len, *qe = q + pattern->len;
    nos_list_t *rev = NULL;
    for (;;) {
        const char *ps = memchr(p, '/', (size_t)(pe - p));
        const char *qs = memchr(q, '/', (size_t)(qe - q));
        const char *pend = ps ? ps : pe, *qend = qs ? qs : qe;
        if (qend > q && *q == ':') {
            nos_str_t *k = nos_str_new(q + 1, qend - q - 1);
            nos_str_t *v = nos_str_new(p, pend - p);
            rev = nos_list_cons(nos_io_pair(k, v), rev);
        } else if (pend - p != qend - q || memcmp(p, q, (size_t)(pend - p)) != 0) {
            return NULL;
        }
        if (!ps || !qs)
            return ps || qs ? NULL : nos_list_reverse(rev);
        p = ps + 1;
        q = qs + 1;
    }
}
