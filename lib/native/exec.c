/*
 * exec.c - external processes on uv_spawn (LANGUAGE.md 2.7 Exec).
 *
 *   Exec.run(cmd, args) -> ExecResult{exitCode, stdout, stderr}   waits for the end
 *   Exec.start(cmd, args) -> Int                                    a handle with pipes
 *   Exec.readline(h) / Exec.readStderr(h) -> String   the next line with its "\n"; "eof" at the end
 *   Exec.write(h, s)    to the child's stdin
 *   Exec.wait(h) -> Int the exit code (-1 if a signal ended it); releases the handle
 *   Exec.kill(h)        SIGKILL; releases the handle
 *
 * The child's pipes are read eagerly into buffers (io_stream.c). A handle is freed only after
 * the child has exited (so that libuv reaps it: no zombies) and every pipe is closed.
 * Failures are ("io_error", message).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"

#define KIND "io_error"

typedef struct exec_res {
    nos_io_res_t res;
    uv_process_t proc;
    uv_pipe_t in, out, err;
    nos_io_rstream_t rs_out, rs_err;
    int has_in;
    int exited;
    int64_t exit_code;
    int open_handles;           /* libuv handles not yet closed */
    int release;                /* free everything once the child has exited */
    nos_io_queue_t waiters;     /* Exec.wait and Exec.run ops */
    struct exec_op *run_op;     /* Exec.run: the op to finish when all is read */
} exec_res_t;

enum { X_RUN, X_START, X_READ, X_WRITE, X_WAIT, X_KILL };

typedef struct exec_op {
    nos_io_read_op_t r;         /* X_READ uses all of it (r.which: 1 stdout, 2 stderr) */
    int what;
    nos_str_t *cmd;
    nos_list_t *args;
    int64_t ires;
    nos_val_t *record;          /* X_RUN */
} exec_op_t;

/* ---- releasing ------------------------------------------------------------------------------- */

static void handle_closed(uv_handle_t *h)
{
    exec_res_t *x = h->data;
    if (--x->open_handles == 0)
        nos_io_res_free(x);
}

static void close_one(exec_res_t *x, uv_handle_t *h)
{
    if (uv_is_closing(h))
        return;
    h->data = x;
    uv_close(h, handle_closed);
}

/* Start releasing x: now if the child has exited, else after its exit callback. */
static void release(exec_res_t *x)
{
    if (!x->res.closing) {
        x->res.closing = 1;
        if (x->res.handle)
            nos_io_handle_remove(x->res.handle);
    }
    x->release = 1;
    if (x->has_in)
        close_one(x, (uv_handle_t *)&x->in);
    if (!x->exited)
        return;
    nos_io_rs_close(&x->rs_out, "process handle released");
    nos_io_rs_close(&x->rs_err, "process handle released");
    nos_io_queue_fail_all(&x->waiters, KIND, "process handle released");
    close_one(x, (uv_handle_t *)&x->out);
    close_one(x, (uv_handle_t *)&x->err);
    close_one(x, (uv_handle_t *)&x->proc);
}

static void exec_reap(nos_io_res_t *r)
{
    exec_res_t *x = (exec_res_t *)r;
    if (!x->exited)
        uv_process_kill(&x->proc, SIGKILL);
    release(x);
}

/* Exec.run: done when the child has exited and both pipes reached their end. */
static void run_check(exec_res_t *x)
{
    exec_op_t *op = x->run_op;
    if (!op || !x->exited || !(x->rs_out.eof || x->rs_out.err) || !(x->rs_err.eof || x->rs_err.err))
        return;
    x->run_op = NULL;
    nos_val_t *rec = nos_alloc(3 * sizeof(nos_val_t));
    rec[0] = (nos_val_t)x->exit_code;
    rec[1] = (nos_val_t)(uintptr_t)nos_io_str_lossy(x->rs_out.buf.p, (int64_t)x->rs_out.buf.len);
    rec[2] = (nos_val_t)(uintptr_t)nos_io_str_lossy(x->rs_err.buf.p, (int64_t)x->rs_err.buf.len);
    op->record = rec;
    nos_io_finish(&op->r.base);
    release(x);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    exec_res_t *x = (exec_res_t *)((char *)p - offsetof(exec_res_t, proc));
    x->exited = 1;
    x->exit_code = sig ? -1 : status;
    nos_io_op_t *w;
    while ((w = nos_io_queue_pop(&x->waiters))) {
        ((exec_op_t *)w)->ires = x->exit_code;
        nos_io_finish(w);
    }
    if (x->run_op) {
        run_check(x);
        return;
    }
    if (x->release)
        release(x);
}

static void pipe_eof(nos_io_rstream_t *rs)
{
    run_check((exec_res_t *)rs->owner);
}

/* ---- spawning ---------------------------------------------------------------------------------- */

static void do_spawn(exec_op_t *op)
{
    exec_res_t *x = nos_io_res_alloc(sizeof *x);
    x->res.kind = NOS_RES_EXEC;
    x->res.owner = op->r.base.pid;
    x->res.reap = exec_reap;
    uv_loop_t *loop = nos_io_loop();
    int64_t nargs = nos_list_length(op->args);
    char **argv = calloc((size_t)nargs + 2, sizeof *argv);
    if (!argv) {
        nos_io_res_free(x);
        nos_io_fail(&op->r.base, KIND, "out of memory");
        return;
    }
    argv[0] = op->cmd->data;
    int64_t i = 1;
    for (nos_list_t *l = op->args; l; l = l->tail)
        argv[i++] = ((nos_str_t *)(uintptr_t)l->head)->data;
    argv[i] = NULL;

    x->has_in = op->what == X_START;
    if (x->has_in)
        uv_pipe_init(loop, &x->in, 0);
    uv_pipe_init(loop, &x->out, 0);
    uv_pipe_init(loop, &x->err, 0);
    uv_stdio_container_t stdio[3];
    if (x->has_in) {
        stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
        stdio[0].data.stream = (uv_stream_t *)&x->in;
    } else {
        stdio[0].flags = UV_IGNORE;
    }
    stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[1].data.stream = (uv_stream_t *)&x->out;
    stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[2].data.stream = (uv_stream_t *)&x->err;
    uv_process_options_t o;
    memset(&o, 0, sizeof o);
    o.exit_cb = on_exit_cb;
    o.file = op->cmd->data;
    o.args = argv;
    o.stdio = stdio;
    o.stdio_count = 3;
    int rc = uv_spawn(loop, &x->proc, &o);
    free(argv);
    x->open_handles = 3 + x->has_in;
    if (rc < 0) {
        /* The process handle must be closed too (libuv initialised it). */
        x->exited = 1;
        x->res.closing = 1;
        x->release = 1;
        if (x->has_in)
            close_one(x, (uv_handle_t *)&x->in);
        close_one(x, (uv_handle_t *)&x->out);
        close_one(x, (uv_handle_t *)&x->err);
        close_one(x, (uv_handle_t *)&x->proc);
        nos_io_fail(&op->r.base, KIND, "Failed to execute %s: %s", op->cmd->data, uv_strerror(rc));
        return;
    }
    x->rs_out.unbounded = x->rs_err.unbounded = op->what == X_RUN;
    nos_io_rs_init(&x->rs_out, (uv_stream_t *)&x->out, KIND, "eof");
    nos_io_rs_init(&x->rs_err, (uv_stream_t *)&x->err, KIND, "eof");
    if (op->what == X_RUN) {
        x->run_op = op;
        x->rs_out.on_eof = pipe_eof;
        x->rs_err.on_eof = pipe_eof;
        x->rs_out.owner = x->rs_err.owner = x;
        nos_io_hold(&op->r.base);
        return;
    }
    op->ires = nos_io_handle_add(&x->res);
    nos_io_finish(&op->r.base);
}

/* ---- the reactor side ------------------------------------------------------------------------ */

static void start(uv_loop_t *loop, nos_io_op_t *base)
{
    (void)loop;
    exec_op_t *op = (exec_op_t *)base;
    if (op->what == X_RUN || op->what == X_START) {
        do_spawn(op);
        return;
    }
    exec_res_t *x = (exec_res_t *)nos_io_handle_get(op->r.h, NOS_RES_EXEC);
    if (!x) {
        nos_io_fail(base, KIND, "Invalid process handle");
        return;
    }
    switch (op->what) {
    case X_READ:
        nos_io_hold(base);
        nos_io_rs_wait(op->r.which == 2 ? &x->rs_err : &x->rs_out, &op->r);
        return;
    case X_WAIT:
        if (x->exited) {
            op->ires = x->exit_code;
            nos_io_finish(base);
            release(x);
            return;
        }
        nos_io_hold(base);
        nos_io_queue_push(&x->waiters, base);
        x->release = 1;    /* the handle goes once the child has exited */
        x->res.closing = 1;
        nos_io_handle_remove(x->res.handle);
        return;
    case X_KILL:
        if (!x->exited) {
            int rc = uv_process_kill(&x->proc, SIGKILL);
            if (rc < 0 && rc != UV_ESRCH) {
                nos_io_fail_uv(base, KIND, rc, "kill failed");
                return;
            }
        }
        release(x);
        nos_io_finish(base);
        return;
    default:
        nos_io_finish(base);
    }
}

static void start_write(uv_loop_t *loop, nos_io_op_t *base)
{
    (void)loop;
    nos_io_write_op_t *op = (nos_io_write_op_t *)base;
    exec_res_t *x = (exec_res_t *)nos_io_handle_get(op->h, NOS_RES_EXEC);
    if (!x || !x->has_in || uv_is_closing((uv_handle_t *)&x->in)) {
        nos_io_fail(base, KIND, "Invalid process handle");
        return;
    }
    nos_io_stream_write((uv_stream_t *)&x->in, op);
}

/* ---- the natives -------------------------------------------------------------------------------- */

nos_val_t *nos_exec_run(nos_str_t *cmd, nos_list_t *args);
int64_t nos_exec_start(nos_str_t *cmd, nos_list_t *args);
nos_str_t *nos_exec_readline(int64_t h);
nos_str_t *nos_exec_read_stderr(int64_t h);
void nos_exec_write(int64_t h, nos_str_t *s);
int64_t nos_exec_wait(int64_t h);
void nos_exec_kill(int64_t h);

static exec_op_t *new_op(int what, int64_t h)
{
    exec_op_t *op = nos_io_op_new(sizeof *op);
    op->what = what;
    op->r.h = h;
    return op;
}

nos_val_t *nos_exec_run(nos_str_t *cmd, nos_list_t *args)
{
    exec_op_t *op = new_op(X_RUN, 0);
    op->cmd = cmd;
    op->args = args;
    nos_io_run(&op->r.base, start);
    return op->record;
}

int64_t nos_exec_start(nos_str_t *cmd, nos_list_t *args)
{
    exec_op_t *op = new_op(X_START, 0);
    op->cmd = cmd;
    op->args = args;
    nos_io_run(&op->r.base, start);
    return op->ires;
}

static nos_str_t *read_line(int64_t h, int which)
{
    exec_op_t *op = new_op(X_READ, h);
    op->r.mode = NOS_RS_LINE;
    op->r.which = which;
    nos_io_run(&op->r.base, start);
    return op->r.out;
}

nos_str_t *nos_exec_readline(int64_t h)
{
    return read_line(h, 1);
}

nos_str_t *nos_exec_read_stderr(int64_t h)
{
    return read_line(h, 2);
}

void nos_exec_write(int64_t h, nos_str_t *s)
{
    nos_io_write_op_t *op = nos_io_op_new(sizeof *op);
    op->h = h;
    op->data = s;
    op->kind = KIND;
    nos_io_run(&op->base, start_write);
}

int64_t nos_exec_wait(int64_t h)
{
    exec_op_t *op = new_op(X_WAIT, h);
    nos_io_run(&op->r.base, start);
    return op->ires;
}

void nos_exec_kill(int64_t h)
{
    nos_io_run(&new_op(X_KILL, h)->r.base, start);
}
