/*
 * io_stream.c - buffered reading from libuv streams for processes (TCP sockets and the pipes
 * of child processes), and writes of Nostos strings. Reactor thread only.
 *
 * Flow control: the reactor reads eagerly into the buffer until it holds RS_HIGH bytes, then
 * stops reading until processes have taken enough of it.
 */
#include <stdlib.h>
#include <string.h>

#include "io.h"

#define RS_HIGH ((size_t)1 << 20)

static void rs_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static void rs_flow(nos_io_rstream_t *rs)
{
    if (rs->closed || rs->eof || rs->err)
        return;
    if (rs->buf.len >= RS_HIGH && !rs->unbounded) {
        if (rs->reading) {
            uv_read_stop(rs->s);
            rs->reading = 0;
        }
    } else if (!rs->reading) {
        int rc = uv_read_start(rs->s, nos_io_alloc_cb, rs_read_cb);
        if (rc < 0)
            rs->err = rc;
        else
            rs->reading = 1;
    }
}

/* Take n bytes from the front of the buffer as a string (lossy UTF-8). */
static nos_str_t *take(nos_io_rstream_t *rs, size_t n)
{
    nos_str_t *s = nos_io_str_lossy(rs->buf.p, (int64_t)n);
    nos_io_buf_consume(&rs->buf, n);
    return s;
}

/* Serve the head waiter if possible; true if it was served (or dropped). */
static bool serve_one(nos_io_rstream_t *rs)
{
    nos_io_op_t *head = rs->waiters.head;
    if (!head)
        return false;
    nos_io_read_op_t *op = (nos_io_read_op_t *)head;
    if (!nos_io_waiter_alive(head)) {
        nos_io_queue_pop(&rs->waiters);
        nos_io_finish(head);
        return true;
    }
    size_t have = rs->buf.len;
    if (op->mode == NOS_RS_READ) {
        size_t max = op->max > 0 ? (size_t)op->max : 0;
        if (max == 0) {
            op->out = nos_str_empty();
        } else if (have > 0) {
            size_t n = have < max ? have : max;
            size_t cut = (size_t)nos_io_utf8_complete_prefix(rs->buf.p, (int64_t)n);
            if (cut == 0) {
                /* One character longer than max, or not complete yet. */
                size_t len = (size_t)nos__utf8_seqlen((unsigned char)rs->buf.p[0]);
                if (have >= len)
                    cut = len;
                else if (rs->eof || rs->err)
                    cut = have;
                else
                    return false;
            }
            op->out = take(rs, cut);
        } else if (rs->err && rs->err != UV_EOF) {
            nos_io_queue_pop(&rs->waiters);
            nos_io_fail(head, rs->kind, "read failed: %s", uv_strerror(rs->err));
            return true;
        } else if (rs->eof || rs->closed) {
            op->out = nos_str_empty();
        } else {
            return false;
        }
    } else {
        char *nl = have ? memchr(rs->buf.p, '\n', have) : NULL;
        if (nl) {
            op->out = take(rs, (size_t)(nl - rs->buf.p) + 1);
        } else if (rs->err && rs->err != UV_EOF && have == 0) {
            nos_io_queue_pop(&rs->waiters);
            nos_io_fail(head, rs->kind, "read failed: %s", uv_strerror(rs->err));
            return true;
        } else if (rs->eof || rs->closed || rs->err) {
            op->out = have ? take(rs, have) : nos_str_cstr(rs->eof_text);
        } else {
            return false;
        }
    }
    nos_io_queue_pop(&rs->waiters);
    nos_io_finish(head);
    return true;
}

static void serve(nos_io_rstream_t *rs)
{
    while (serve_one(rs))
        ;
    rs_flow(rs);
}

void nos_io_rs_on_read(nos_io_rstream_t *rs, ssize_t n, const uv_buf_t *buf)
{
    if (n > 0) {
        nos_io_buf_add(&rs->buf, buf->base, (size_t)n);
    } else if (n == UV_EOF) {
        rs->eof = 1;
    } else if (n < 0) {
        rs->err = (int)n;
    }
    if (buf && buf->base)
        free(buf->base);
    if (n < 0 && rs->reading) {
        uv_read_stop(rs->s);
        rs->reading = 0;
    }
    serve(rs);
    if (n < 0 && rs->on_eof) {
        void (*f)(nos_io_rstream_t *) = rs->on_eof;
        rs->on_eof = NULL;
        f(rs);
    }
}

/* Streams are embedded in resources; handle->data points to the stream itself. */
static void rs_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    nos_io_rs_on_read((nos_io_rstream_t *)s->data, n, buf);
}

void nos_io_rs_init(nos_io_rstream_t *rs, uv_stream_t *s, const char *kind, const char *eof_text)
{
    rs->s = s;
    rs->kind = kind;
    rs->eof_text = eof_text;
    s->data = rs;
    rs_flow(rs);
}

void nos_io_rs_wait(nos_io_rstream_t *rs, nos_io_read_op_t *op)
{
    nos_io_queue_push(&rs->waiters, &op->base);
    serve(rs);
}

void nos_io_rs_close(nos_io_rstream_t *rs, const char *msg)
{
    if (rs->closed)
        return;
    rs->closed = 1;
    if (rs->reading) {
        uv_read_stop(rs->s);
        rs->reading = 0;
    }
    nos_io_queue_fail_all(&rs->waiters, rs->kind ? rs->kind : "io_error", msg);
    nos_io_buf_free(&rs->buf);
}

/* ---- writes --------------------------------------------------------------------------------- */

static void write_cb(uv_write_t *wr, int status)
{
    nos_io_write_op_t *op = wr->data;
    if (status < 0)
        nos_io_fail_uv(&op->base, op->kind, status, "write failed");
    else
        nos_io_finish(&op->base);
}

void nos_io_stream_write(uv_stream_t *s, nos_io_write_op_t *op)
{
    op->n = op->data->len;
    if (op->n == 0) {
        nos_io_finish(&op->base);
        return;
    }
    uv_buf_t b = uv_buf_init(op->data->data, (unsigned)op->data->len);
    /* Most writes fit in the socket buffer: try without queueing first. */
    int rc = uv_try_write(s, &b, 1);
    if (rc == (int)b.len) {
        nos_io_finish(&op->base);
        return;
    }
    if (rc < 0 && rc != UV_EAGAIN && rc != UV_ENOSYS) {
        nos_io_fail_uv(&op->base, op->kind, rc, "write failed");
        return;
    }
    if (rc > 0) {
        b.base += rc;
        b.len -= (size_t)rc;
    }
    op->wr.data = op;
    nos_io_hold(&op->base);
    rc = uv_write(&op->wr, s, &b, 1, write_cb);
    if (rc < 0)
        nos_io_fail_uv(&op->base, op->kind, rc, "write failed");
}

int64_t nos_io_connect_timeout_ms(void)
{
    static int64_t ms;
    if (!ms) {
        const char *e = getenv("NOSTOS_CONNECT_TIMEOUT_MS");
        long long v = e ? atoll(e) : 0;
        ms = v > 0 ? v : 10000;
    }
    return ms;
}
