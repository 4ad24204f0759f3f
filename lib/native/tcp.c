/*
 * tcp.c - Tcp.listen / accept / connect / read / write / close on uv_tcp (LANGUAGE.md 1.14).
 *
 * Sockets and listeners are resources of the reactor's handle table. A listener does not
 * accept a connection before some process asks for one (libuv then pauses the listening
 * socket), so connections nobody takes stay in the kernel's backlog. Reads are buffered per
 * socket (io_stream.c). Failures are ("tcp_error", message).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"

#define KIND "tcp_error"

typedef struct tcp_res {
    nos_io_res_t res;
    uv_tcp_t tcp;
    nos_io_rstream_t rs;
} tcp_res_t;

typedef struct listener_res {
    nos_io_res_t res;
    uv_tcp_t tcp;
    int pending;                /* libuv holds a connection for us to accept */
    nos_io_queue_t waiters;
} listener_res_t;

enum { T_LISTEN, T_ACCEPT, T_CONNECT, T_READ, T_CLOSE };

typedef struct tcp_op {
    nos_io_read_op_t r;         /* T_READ uses all of it; the others r.base and r.h */
    int what;
    int64_t port;
    nos_str_t *host;
    int64_t ires;
    /* connect */
    uv_getaddrinfo_t gai;
    uv_connect_t conn;
    uv_timer_t timer;
    struct addrinfo *ai, *ai_next;
    struct tcp_res *cur;        /* the socket being connected */
    struct tcp_res *result;     /* the connected socket */
    int cur_closing, resolving, timed_out, last_err;
} tcp_op_t;

/* ---- closing ---------------------------------------------------------------------------------- */

static void sock_closed(uv_handle_t *h)
{
    tcp_res_t *t = (tcp_res_t *)((char *)h - offsetof(tcp_res_t, tcp));
    nos_io_res_free(t);
}

static void sock_close(tcp_res_t *t)
{
    if (t->res.closing)
        return;
    t->res.closing = 1;
    if (t->res.handle)
        nos_io_handle_remove(t->res.handle);
    nos_io_rs_close(&t->rs, "socket closed");
    uv_close((uv_handle_t *)&t->tcp, sock_closed);
}

static void listener_closed(uv_handle_t *h)
{
    listener_res_t *l = (listener_res_t *)((char *)h - offsetof(listener_res_t, tcp));
    nos_io_res_free(l);
}

static void listener_close(listener_res_t *l)
{
    if (l->res.closing)
        return;
    l->res.closing = 1;
    nos_io_handle_remove(l->res.handle);
    nos_io_queue_fail_all(&l->waiters, KIND, "listener closed");
    uv_close((uv_handle_t *)&l->tcp, listener_closed);
}

static void sock_reap(nos_io_res_t *r)
{
    sock_close((tcp_res_t *)r);
}

static void listener_reap(nos_io_res_t *r)
{
    listener_close((listener_res_t *)r);
}

/* A socket resource around an initialised uv_tcp_t. */
static tcp_res_t *sock_new(nos_pid_t *owner)
{
    tcp_res_t *t = nos_io_res_alloc(sizeof *t);
    t->res.kind = NOS_RES_TCP;
    t->res.owner = owner;
    t->res.reap = sock_reap;
    uv_tcp_init(nos_io_loop(), &t->tcp);
    return t;
}

static void sock_start(tcp_res_t *t)
{
    uv_tcp_nodelay(&t->tcp, 1);
    nos_io_handle_add(&t->res);
    nos_io_rs_init(&t->rs, (uv_stream_t *)&t->tcp, KIND, "");
}

/* ---- listen and accept ------------------------------------------------------------------------- */

static void accept_into(listener_res_t *l, tcp_op_t *op)
{
    tcp_res_t *t = sock_new(op->r.base.pid);
    int rc = uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)&t->tcp);
    l->pending = 0;
    if (rc < 0) {
        uv_close((uv_handle_t *)&t->tcp, sock_closed);
        nos_io_fail_uv(&op->r.base, KIND, rc, "accept failed");
        return;
    }
    sock_start(t);
    op->ires = t->res.handle;
    nos_io_finish(&op->r.base);
}

static void on_connection(uv_stream_t *server, int status)
{
    listener_res_t *l = (listener_res_t *)((char *)server - offsetof(listener_res_t, tcp));
    if (status < 0) {
        /* EMFILE and friends: tell one waiter, keep listening. */
        nos_io_op_t *w = nos_io_queue_pop_live(&l->waiters);
        if (w)
            nos_io_fail_uv(w, KIND, status, "accept failed");
        return;
    }
    nos_io_op_t *w = nos_io_queue_pop_live(&l->waiters);
    if (w)
        accept_into(l, (tcp_op_t *)w);
    else
        l->pending = 1;
}

/* Bind a TCP handle to port on all addresses: dual-stack [::] first, else 0.0.0.0. */
int nos_io_tcp_bind_any(uv_tcp_t *tcp, int port);
int nos_io_tcp_bind_any(uv_tcp_t *tcp, int port)
{
    struct sockaddr_in6 a6;
    struct sockaddr_in a4;
    int rc = -1;
    if (uv_ip6_addr("::", port, &a6) == 0)
        rc = uv_tcp_bind(tcp, (const struct sockaddr *)&a6, 0);
    if (rc == UV_EAFNOSUPPORT || rc == UV_EADDRNOTAVAIL || rc == -1) {
        uv_ip4_addr("0.0.0.0", port, &a4);
        rc = uv_tcp_bind(tcp, (const struct sockaddr *)&a4, 0);
    }
    return rc;
}

static void do_listen(tcp_op_t *op)
{
    if (op->port < 0 || op->port > 65535) {
        nos_io_fail(&op->r.base, KIND, "invalid port %lld", (long long)op->port);
        return;
    }
    listener_res_t *l = nos_io_res_alloc(sizeof *l);
    l->res.kind = NOS_RES_LISTENER;
    l->res.owner = op->r.base.pid;
    l->res.reap = listener_reap;
    uv_tcp_init(nos_io_loop(), &l->tcp);
    int rc = nos_io_tcp_bind_any(&l->tcp, (int)op->port);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&l->tcp, 511, on_connection);
    if (rc < 0) {
        l->res.closing = 1;
        uv_close((uv_handle_t *)&l->tcp, listener_closed);
        nos_io_fail(&op->r.base, KIND, "cannot listen on port %lld: %s", (long long)op->port,
                    uv_strerror(rc));
        return;
    }
    op->ires = nos_io_handle_add(&l->res);
    nos_io_finish(&op->r.base);
}

static void do_accept(tcp_op_t *op)
{
    listener_res_t *l = (listener_res_t *)nos_io_handle_get(op->r.h, NOS_RES_LISTENER);
    if (!l) {
        nos_io_fail(&op->r.base, KIND, "invalid listener handle");
        return;
    }
    if (l->pending)
        accept_into(l, op);
    else
        nos_io_queue_push(&l->waiters, &op->r.base);
}

/* ---- connect ---------------------------------------------------------------------------------- */

/*
 * Resolve, then try each address in turn until one connects, all within the connect
 * timeout. The op ends when its timer handle is closed (connect_complete).
 */
static void connect_next(tcp_op_t *op);

static void connect_complete(uv_handle_t *timer)
{
    tcp_op_t *op = timer->data;
    if (op->result) {
        sock_start(op->result);
        op->ires = op->result->res.handle;
        nos_io_finish(&op->r.base);
    } else if (op->timed_out) {
        nos_io_fail(&op->r.base, KIND, "connect to %s:%lld timed out", op->host->data,
                    (long long)op->port);
    } else {
        nos_io_fail(&op->r.base, KIND, "connect to %s:%lld failed: %s", op->host->data,
                    (long long)op->port,
                    uv_strerror(op->last_err ? op->last_err : UV_ECONNREFUSED));
    }
}

static void connect_end(tcp_op_t *op, tcp_res_t *ok)
{
    op->result = ok;
    if (op->ai)
        uv_freeaddrinfo(op->ai);
    op->ai = op->ai_next = NULL;
    op->timer.data = op;
    uv_close((uv_handle_t *)&op->timer, connect_complete);
}

static void on_connect(uv_connect_t *req, int status)
{
    tcp_op_t *op = req->data;
    tcp_res_t *t = op->cur;
    op->cur = NULL;
    if (status == 0 && !op->timed_out) {
        connect_end(op, t);
        return;
    }
    if (status < 0 && status != UV_ECANCELED)
        op->last_err = status;
    if (!op->cur_closing)
        uv_close((uv_handle_t *)&t->tcp, sock_closed);
    op->cur_closing = 0;
    if (op->timed_out)
        connect_end(op, NULL);
    else
        connect_next(op);
}

static void connect_next(tcp_op_t *op)
{
    while (op->ai_next) {
        struct addrinfo *ai = op->ai_next;
        op->ai_next = ai->ai_next;
        tcp_res_t *t = sock_new(op->r.base.pid);
        op->conn.data = op;
        int rc = uv_tcp_connect(&op->conn, &t->tcp, ai->ai_addr, on_connect);
        if (rc == 0) {
            op->cur = t;
            return;
        }
        op->last_err = rc;
        uv_close((uv_handle_t *)&t->tcp, sock_closed);
    }
    connect_end(op, NULL);
}

static void on_connect_timeout(uv_timer_t *timer)
{
    tcp_op_t *op = timer->data;
    op->timed_out = 1;
    if (op->cur && !op->cur_closing) {
        /* on_connect follows with UV_ECANCELED. */
        op->cur_closing = 1;
        uv_close((uv_handle_t *)&op->cur->tcp, sock_closed);
    } else if (op->resolving) {
        uv_cancel((uv_req_t *)&op->gai);
    }
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    tcp_op_t *op = req->data;
    op->resolving = 0;
    if (status < 0 || op->timed_out) {
        if (res)
            uv_freeaddrinfo(res);
        if (status < 0 && !op->timed_out)
            op->last_err = status;
        connect_end(op, NULL);
        return;
    }
    op->ai = op->ai_next = res;
    connect_next(op);
}

static void do_connect(tcp_op_t *op)
{
    nos_io_hold(&op->r.base);
    uv_timer_init(nos_io_loop(), &op->timer);
    op->timer.data = op;
    if (op->port <= 0 || op->port > 65535) {
        op->last_err = UV_EINVAL;
        connect_end(op, NULL);
        return;
    }
    char port[16];
    snprintf(port, sizeof port, "%lld", (long long)op->port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    uv_timer_start(&op->timer, on_connect_timeout, (uint64_t)nos_io_connect_timeout_ms(), 0);
    op->gai.data = op;
    op->resolving = 1;
    int rc = uv_getaddrinfo(nos_io_loop(), &op->gai, on_resolved, op->host->data, port, &hints);
    if (rc < 0) {
        op->resolving = 0;
        op->last_err = rc;
        connect_end(op, NULL);
    }
}

/* ---- the reactor side of each call -------------------------------------------------------------- */

static void start(uv_loop_t *loop, nos_io_op_t *base)
{
    (void)loop;
    tcp_op_t *op = (tcp_op_t *)base;
    switch (op->what) {
    case T_LISTEN:
        do_listen(op);
        return;
    case T_ACCEPT:
        nos_io_hold(base);
        do_accept(op);
        return;
    case T_CONNECT:
        do_connect(op);
        return;
    default:
        break;
    }
    nos_io_res_t *r = nos_io_handle_get(op->r.h, 0);
    if (op->what == T_CLOSE) {
        if (r && r->kind == NOS_RES_TCP)
            sock_close((tcp_res_t *)r);
        else if (r && r->kind == NOS_RES_LISTENER)
            listener_close((listener_res_t *)r);
        nos_io_finish(base);
        return;
    }
    if (!r || r->kind != NOS_RES_TCP) {
        nos_io_fail(base, KIND, "invalid socket handle");
        return;
    }
    nos_io_hold(base);
    nos_io_rs_wait(&((tcp_res_t *)r)->rs, &op->r);
}

static void start_write(uv_loop_t *loop, nos_io_op_t *base)
{
    (void)loop;
    nos_io_write_op_t *op = (nos_io_write_op_t *)base;
    tcp_res_t *t = (tcp_res_t *)nos_io_handle_get(op->h, NOS_RES_TCP);
    if (!t) {
        nos_io_fail(base, KIND, "invalid socket handle");
        return;
    }
    nos_io_stream_write((uv_stream_t *)&t->tcp, op);
}

/* ---- the natives ------------------------------------------------------------------------------ */

int64_t nos_tcp_listen(int64_t port);
int64_t nos_tcp_accept(int64_t listener);
int64_t nos_tcp_connect(nos_str_t *host, int64_t port);
nos_str_t *nos_tcp_read(int64_t sock, int64_t max);
int64_t nos_tcp_write(int64_t sock, nos_str_t *data);
void nos_tcp_close(int64_t h);

static tcp_op_t *new_op(int what, int64_t h)
{
    tcp_op_t *op = nos_io_op_new(sizeof *op);
    op->what = what;
    op->r.h = h;
    return op;
}

int64_t nos_tcp_listen(int64_t port)
{
    tcp_op_t *op = new_op(T_LISTEN, 0);
    op->port = port;
    nos_io_run(&op->r.base, start);
    return op->ires;
}

int64_t nos_tcp_accept(int64_t listener)
{
    tcp_op_t *op = new_op(T_ACCEPT, listener);
    nos_io_run(&op->r.base, start);
    return op->ires;
}

int64_t nos_tcp_connect(nos_str_t *host, int64_t port)
{
    tcp_op_t *op = new_op(T_CONNECT, 0);
    op->host = host;
    op->port = port;
    nos_io_run(&op->r.base, start);
    return op->ires;
}

nos_str_t *nos_tcp_read(int64_t sock, int64_t max)
{
    tcp_op_t *op = new_op(T_READ, sock);
    op->r.max = max;
    op->r.mode = NOS_RS_READ;
    nos_io_run(&op->r.base, start);
    return op->r.out;
}

int64_t nos_tcp_write(int64_t sock, nos_str_t *data)
{
    nos_io_write_op_t *op = nos_io_op_new(sizeof *op);
    op->h = sock;
    op->data = data;
    op->kind = KIND;
    nos_io_run(&op->base, start_write);
    return op->n;
}

void nos_tcp_close(int64_t h)
{
    tcp_op_t *op = new_op(T_CLOSE, h);
    nos_io_run(&op->r.base, start);
}
