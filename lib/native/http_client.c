/*
 * http_client.c - Http.get / post / put / patch / delete / head / request (LANGUAGE.md 1.14)
 * through libcurl's multi-socket API on libuv loops.
 *
 * The client runs on its own loop threads ("client loops", NOSTOS_HTTP_LOOPS of them,
 * default: 2 when there are two CPUs or more, else 1), not on the main reactor: measured
 * on the http_get benchmark, one thread that does every send and receive of every
 * connection was the bottleneck (most of its time is the kernel's TCP send path), and a
 * second loop lets a second CPU take half of it. Requests are spread over the loops
 * round-robin; each loop has its own CURLM (and so its own cache of keep-alive connections),
 * its uv_async inbox, its timer and its sockets. Everything below runs on the loop that owns
 * the op, so no locks are needed but the inbox's.
 *
 * curl tells a loop which sockets to watch (CURLMOPT_SOCKETFUNCTION: one uv_poll per socket,
 * kept across requests on a keep-alive connection) and when to call it back
 * (CURLMOPT_TIMERFUNCTION: one uv_timer); libuv events go back through
 * curl_multi_socket_action. Finished easy handles are kept for reuse (configured once).
 *
 * Processes whose requests completed are woken together, once per round of the loop: after
 * the round's socket events (a uv_check) and at the end of the timer callback (curl may
 * finish a transfer there when the response came while it was sending). One batch takes
 * the global run queue's lock once and wakes at most one worker; waking each process alone
 * cost a lock, often contended with the workers, and a worker wake-up per request.
 *
 * The loop only moves bytes: it leaves the status, the raw header lines and the body in the
 * op, and the calling process builds the HttpResponse record from them. A small response
 * (up to 64 KiB) is left as two strings, so that no malloc'd buffer of the loop is freed by
 * a worker (that takes the loop's malloc arena lock: a futex call per request).
 *
 * Memory: an op is held by its loop's in-flight list (a static root) from submission to
 * completion; the loop threads are registered with the collector.
 *
 * Defaults: connect timeout NOSTOS_CONNECT_TIMEOUT_MS (10 s), total timeout
 * NOSTOS_HTTP_TIMEOUT_MS (60 s), up to 10 redirects, TLS verified with the system's CA
 * store, bodies capped at NOSTOS_HTTP_MAX_BODY bytes (256 MiB). Response header names are
 * lower-case. A body that is not UTF-8 is decoded lossily (U+FFFD). Statuses other than 2xx
 * are not errors; failures to get a response are ("io_error", message).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifndef GC_THREADS
#define GC_THREADS
#endif
#include <gc/gc.h>

#include "io.h"

#define KIND "io_error"
#define MAX_HEADER_BYTES ((size_t)1 << 20)
#define MAX_LOOPS 8
/* Responses up to this size (headers and body) become strings on the loop (see complete). */
#define SMALL_RESPONSE ((size_t)64 << 10)

typedef struct hloop hloop_t;

typedef struct http_op {
    nos_io_op_t base;
    nos_str_t *method, *url, *body;
    nos_list_t *headers;        /* request headers */
    /* loop side */
    hloop_t *L;
    struct http_op *inbox_next;
    CURL *easy;
    struct curl_slist *hdrs;
    int too_big;
    char errbuf[CURL_ERROR_SIZE];
    /* results, turned into the record by the process */
    long status;
    nos_io_buf_t rbody;         /* the body (malloc'd) */
    nos_io_buf_t rhead;         /* header lines of the last response, "name: value\r\n" ... */
    nos_str_t *body_s, *head_s; /* the same as strings, when the loop made them (small ones) */
} http_op_t;

/*
 * One uv_poll per socket curl uses, kept from one transfer to the next on a keep-alive
 * connection: curl stops watching a socket (CURL_POLL_REMOVE) when its connection goes back
 * to the cache, and watches it again for the next request. Closing and re-creating the
 * poll each time would cost two epoll_ctl calls per request, so the poll stays registered
 * with its events ("parked"); an event on a parked socket (the server closed the idle
 * connection) only stops the poll. The poll is closed when curl closes the socket
 * (CURLOPT_CLOSESOCKETFUNCTION).
 */
typedef struct sock_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
    int parked;                 /* curl does not watch it now */
    int events;                 /* what the poll watches (0: stopped) */
    hloop_t *L;
} sock_ctx_t;

struct hloop {
    int index;
    uv_loop_t loop;
    uv_async_t async;
    _Atomic(http_op_t *) inbox;  /* ops submitted by processes (a LIFO, reversed on drain) */
    CURLM *multi;
    uv_timer_t timer;
    CURL *spare[64];
    int nspare;
    sock_ctx_t **socks;          /* by descriptor */
    size_t nsocks;
    nos__wake_batch_t wakes;     /* processes whose requests completed in this round */
    uv_check_t check;            /* after the round's socket events: wake them */
};

static hloop_t loops[MAX_LOOPS];
static _Atomic int nloops;
static _Atomic unsigned next_loop;
/* The ops each loop holds (GC roots: a static array). Loop thread only. */
static nos_io_op_t *inflight[MAX_LOOPS];
static struct curl_slist *default_headers;   /* "Expect:": no 100-continue round trip */
static long timeout_ms, max_body;

/* ---- holding ops -------------------------------------------------------------------------------- */

static void hold(hloop_t *L, http_op_t *op)
{
    nos_io_op_t *b = &op->base;
    b->il_prev = NULL;
    b->il_next = inflight[L->index];
    if (b->il_next)
        b->il_next->il_prev = b;
    inflight[L->index] = b;
}

static void unhold(hloop_t *L, http_op_t *op)
{
    nos_io_op_t *b = &op->base;
    if (b->il_prev)
        b->il_prev->il_next = b->il_next;
    else if (inflight[L->index] == b)
        inflight[L->index] = b->il_next;
    if (b->il_next)
        b->il_next->il_prev = b->il_prev;
    b->il_prev = b->il_next = NULL;
}

/* ---- finishing requests ------------------------------------------------------------------------ */

static void release_easy(http_op_t *op)
{
    hloop_t *L = op->L;
    curl_multi_remove_handle(L->multi, op->easy);
    if (op->hdrs)
        curl_slist_free_all(op->hdrs);
    op->hdrs = NULL;
    if (L->nspare < (int)(sizeof L->spare / sizeof L->spare[0])) {
        /* Drop what points into the op before the handle waits for its next request. */
        curl_easy_setopt(op->easy, CURLOPT_POSTFIELDS, (char *)NULL);
        curl_easy_setopt(op->easy, CURLOPT_HTTPHEADER, default_headers);
        curl_easy_setopt(op->easy, CURLOPT_ERRORBUFFER, (char *)NULL);
        L->spare[L->nspare++] = op->easy;
    } else {
        curl_easy_cleanup(op->easy);
    }
    op->easy = NULL;
}

static void fail(http_op_t *op, const char *fmt, const char *a, const char *b)
{
    unhold(op->L, op);
    nos_io_fail(&op->base, KIND, fmt, a, b);
}

static void complete(http_op_t *op, CURLcode rc)
{
    long status = 0;
    curl_easy_getinfo(op->easy, CURLINFO_RESPONSE_CODE, &status);
    release_easy(op);
    if (rc != CURLE_OK) {
        const char *detail = op->errbuf[0] ? op->errbuf : curl_easy_strerror(rc);
        nos_io_buf_free(&op->rbody);
        nos_io_buf_free(&op->rhead);
        if (op->too_big) {
            char lim[32];
            snprintf(lim, sizeof lim, "%ld", max_body);
            fail(op, "HTTP error: response body larger than %s bytes%s", lim, "");
        } else if (rc == CURLE_OPERATION_TIMEDOUT) {
            fail(op, "Operation timed out: %s%s", detail, "");
        } else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                   rc == CURLE_COULDNT_RESOLVE_PROXY) {
            fail(op, "Connection failed: %s%s", detail, "");
        } else if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
            fail(op, "Invalid URL: %s (%s)", op->url->data, detail);
        } else {
            fail(op, "HTTP error: %s%s", detail, "");
        }
        return;
    }
    op->status = status;
    if (!nos_io_waiter_alive(&op->base)) {
        nos_io_buf_free(&op->rbody);
        nos_io_buf_free(&op->rhead);
    } else if (op->rbody.len + op->rhead.len <= SMALL_RESPONSE) {
        /* Copied into strings here, so that the buffers are freed by the thread that
         * allocated them: a free from a worker takes this thread's malloc arena lock, and
         * with curl allocating all the time here, that was a futex call per request. */
        op->body_s = nos_io_str_lossy(op->rbody.p ? op->rbody.p : "", (int64_t)op->rbody.len);
        op->head_s = nos_str_new(op->rhead.p ? op->rhead.p : "", (int64_t)op->rhead.len);
        nos_io_buf_free(&op->rbody);
        nos_io_buf_free(&op->rhead);
    }
    unhold(op->L, op);
    nos_io_finish_into(&op->base, &op->L->wakes);
}

static void check_done(hloop_t *L)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(L->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        http_op_t *op = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&op);
        complete(op, m->data.result);
    }
}

/* ---- libuv <-> curl ------------------------------------------------------------------------------ */

static void on_poll(uv_poll_t *p, int status, int events)
{
    sock_ctx_t *s = p->data;
    if (s->parked) {
        uv_poll_stop(&s->poll);
        s->events = 0;
        return;
    }
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running;
    hloop_t *L = s->L;
    curl_multi_socket_action(L->multi, s->fd, flags, &running);
    check_done(L);
}

static void on_timer(uv_timer_t *t)
{
    hloop_t *L = t->data;
    int running;
    curl_multi_socket_action(L->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(L);
    nos__ready_batch(&L->wakes);
}

static void on_check(uv_check_t *c)
{
    hloop_t *L = c->data;
    nos__ready_batch(&L->wakes);
}

static int timer_cb(CURLM *m, long ms, void *u)
{
    (void)m;
    hloop_t *L = u;
    if (ms < 0)
        uv_timer_stop(&L->timer);
    else
        uv_timer_start(&L->timer, on_timer, (uint64_t)ms, 0);
    return 0;
}

static void sock_closed(uv_handle_t *h)
{
    free(h->data);
}

static int socket_cb(CURL *e, curl_socket_t fd, int what, void *u, void *sockp)
{
    (void)e;
    (void)sockp;
    hloop_t *L = u;
    sock_ctx_t *s = fd >= 0 && (size_t)fd < L->nsocks ? L->socks[fd] : NULL;
    if (what == CURL_POLL_REMOVE) {
        if (s)
            s->parked = 1;
        return 0;
    }
    if (!s) {
        if ((size_t)fd >= L->nsocks) {
            size_t n = L->nsocks ? L->nsocks : 256;
            while (n <= (size_t)fd)
                n *= 2;
            sock_ctx_t **t = realloc(L->socks, n * sizeof *t);
            if (!t)
                return -1;
            memset(t + L->nsocks, 0, (n - L->nsocks) * sizeof *t);
            L->socks = t;
            L->nsocks = n;
        }
        s = calloc(1, sizeof *s);
        if (!s)
            return -1;
        s->fd = fd;
        s->L = L;
        if (uv_poll_init_socket(&L->loop, &s->poll, fd) < 0) {
            free(s);
            return -1;
        }
        s->poll.data = s;
        L->socks[fd] = s;
    }
    s->parked = 0;
    int ev = 0;
    if (what & CURL_POLL_IN)
        ev |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        ev |= UV_WRITABLE;
    if (ev != s->events) {
        uv_poll_start(&s->poll, ev, on_poll);
        s->events = ev;
    }
    return 0;
}

/* curl is done with a socket: close its poll (that unregisters it at once), then it. */
static int close_socket_cb(void *u, curl_socket_t fd)
{
    hloop_t *L = u;
    if (fd >= 0 && (size_t)fd < L->nsocks && L->socks[fd]) {
        sock_ctx_t *s = L->socks[fd];
        L->socks[fd] = NULL;
        uv_close((uv_handle_t *)&s->poll, sock_closed);
    }
    return close(fd);
}

/* ---- easy handle callbacks -------------------------------------------------------------------- */

/* New sockets are close-on-exec, so that programs started with Exec do not inherit them. */
static int sockopt_cb(void *u, curl_socket_t fd, curlsocktype purpose)
{
    (void)u;
    (void)purpose;
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0)
        fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
    return CURL_SOCKOPT_OK;
}

static size_t write_cb(char *p, size_t size, size_t n, void *u)
{
    http_op_t *op = u;
    size_t bytes = size * n;
    if (op->rbody.len + bytes > (size_t)max_body) {
        op->too_big = 1;
        return 0;
    }
    nos_io_buf_add(&op->rbody, p, bytes);
    return bytes;
}

static size_t header_cb(char *p, size_t size, size_t n, void *u)
{
    http_op_t *op = u;
    size_t len = size * n;
    if (len >= 5 && !memcmp(p, "HTTP/", 5)) {
        op->rhead.len = 0;      /* a new response (after a redirect or 100 Continue) */
        return len;
    }
    if (op->rhead.len + len > MAX_HEADER_BYTES)
        return 0;               /* fails the transfer */
    nos_io_buf_add(&op->rhead, p, len);
    return len;
}

/* ---- starting a request (its loop) ------------------------------------------------------------------ */

/* An easy handle with the options every request shares. */
static CURL *new_easy(hloop_t *L)
{
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)nos_io_connect_timeout_ms());
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "nostos");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_socket_cb);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, L);
    curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, sockopt_cb);
    return e;
}

/* The request headers the program gave (plus "Expect:"), or NULL for none. */
static struct curl_slist *request_headers(nos_list_t *headers)
{
    struct curl_slist *h = NULL;
    for (nos_list_t *l = headers; l; l = l->tail) {
        nos_val_t *pair = (nos_val_t *)(uintptr_t)l->head;
        nos_str_t *k = (nos_str_t *)(uintptr_t)pair[0];
        nos_str_t *v = (nos_str_t *)(uintptr_t)pair[1];
        if (memchr(k->data, '\n', (size_t)k->len) || memchr(v->data, '\n', (size_t)v->len))
            continue;   /* no header injection */
        if (!h && !(h = curl_slist_append(NULL, "Expect:")))
            return NULL;
        nos__sb_t sb;
        nos__sb_init(&sb, k->len + v->len + 4);
        nos__sb_add_str(&sb, k);
        nos__sb_add(&sb, v->len ? ": " : ";", v->len ? 2 : 1);
        nos__sb_add_str(&sb, v);
        struct curl_slist *nh = curl_slist_append(h, nos__sb_finish(&sb)->data);
        if (!nh)
            break;
        h = nh;
    }
    return h;
}

static void start(hloop_t *L, http_op_t *op)
{
    hold(L, op);
    const char *url = op->url->data;
    if (!op->url->len || strlen(url) != (size_t)op->url->len) {
        fail(op, "Invalid URL: %s%s", url, "");
        return;
    }
    CURL *e = L->nspare ? L->spare[--L->nspare] : new_easy(L);
    if (!e) {
        fail(op, "HTTP error: %s%s", "cannot create a request", "");
        return;
    }
    op->easy = e;
    op->errbuf[0] = '\0';
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)op);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, op->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, op);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, op);
    /* Every option a previous request may have changed is set again. */
    const char *m = op->method->data;
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, (char *)NULL);
    curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    if (!strcasecmp(m, "HEAD")) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcasecmp(m, "GET") != 0) {
        if (strcasecmp(m, "POST") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
        if (op->body || strcasecmp(m, "POST") == 0) {
            nos_str_t *b = op->body ? op->body : nos_str_empty();
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, (const char *)b->data);
        }
    }
    op->hdrs = request_headers(op->headers);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, op->hdrs ? op->hdrs : default_headers);
    CURLMcode mc = curl_multi_add_handle(L->multi, e);
    if (mc != CURLM_OK) {
        release_easy(op);
        fail(op, "HTTP error: %s%s", curl_multi_strerror(mc), "");
    }
}

/* Take every op processes submitted (oldest first) and start it. */
static void on_inbox(uv_async_t *a)
{
    hloop_t *L = a->data;
    http_op_t *r = atomic_exchange_explicit(&L->inbox, NULL, memory_order_acquire);
    http_op_t *fifo = NULL;
    while (r) {
        http_op_t *next = r->inbox_next;
        r->inbox_next = fifo;
        fifo = r;
        r = next;
    }
    while (fifo) {
        http_op_t *next = fifo->inbox_next;
        fifo->inbox_next = NULL;
        start(L, fifo);
        fifo = next;
    }
}

/* ---- the loop threads ---------------------------------------------------------------------------- */

static void *loop_main(void *arg)
{
    hloop_t *L = arg;
    struct GC_stack_base sb;
    if (GC_get_stack_base(&sb) == GC_SUCCESS)
        GC_register_my_thread(&sb);
    uv_run(&L->loop, UV_RUN_DEFAULT);
    return NULL;
}

static long env_long(const char *name, long dflt)
{
    const char *e = getenv(name);
    long v = e ? atol(e) : 0;
    return v > 0 ? v : dflt;
}

static void *init_sys(void *unused)
{
    (void)unused;
    curl_global_init(CURL_GLOBAL_ALL);
    default_headers = curl_slist_append(NULL, "Expect:");
    timeout_ms = env_long("NOSTOS_HTTP_TIMEOUT_MS", 60000);
    max_body = env_long("NOSTOS_HTTP_MAX_BODY", 256L << 20);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int n = (int)env_long("NOSTOS_HTTP_LOOPS", cpus >= 2 ? 2 : 1);
    if (n > MAX_LOOPS)
        n = MAX_LOOPS;
    /* The loop threads take no signals but the collector's (they inherit this mask). */
    sigset_t all, old;
    sigfillset(&all);
    sigdelset(&all, GC_get_suspend_signal());
    sigdelset(&all, GC_get_thr_restart_signal());
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (int i = 0; i < n; i++) {
        hloop_t *L = &loops[i];
        L->index = i;
        if (uv_loop_init(&L->loop) != 0)
            nos__fatal("cannot create an HTTP client loop");
        uv_async_init(&L->loop, &L->async, on_inbox);
        L->async.data = L;
        uv_timer_init(&L->loop, &L->timer);
        L->timer.data = L;
        uv_check_init(&L->loop, &L->check);
        L->check.data = L;
        uv_check_start(&L->check, on_check);
        uv_unref((uv_handle_t *)&L->check);
        L->multi = curl_multi_init();
        if (!L->multi)
            nos__fatal("cannot create the HTTP client");
        curl_multi_setopt(L->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
        curl_multi_setopt(L->multi, CURLMOPT_SOCKETDATA, L);
        curl_multi_setopt(L->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
        curl_multi_setopt(L->multi, CURLMOPT_TIMERDATA, L);
        curl_multi_setopt(L->multi, CURLMOPT_MAXCONNECTS, 512L);
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, (size_t)1 << 20);
        if (pthread_create(&th, &attr, loop_main, L) != 0)
            nos__fatal("cannot start an HTTP client loop");
        pthread_attr_destroy(&attr);
        pthread_setname_np(th, "nos-http");
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    atomic_store_explicit(&nloops, n, memory_order_release);
    return NULL;
}

static void init_once(void)
{
    static _Atomic int state;
    nos_io_once(&state, init_sys);
}

/* Hand op to a loop (round-robin). Process side. */
static void submit(nos_io_op_t *base)
{
    http_op_t *op = (http_op_t *)base;
    unsigned i = atomic_fetch_add_explicit(&next_loop, 1, memory_order_relaxed) % (unsigned)nloops;
    hloop_t *L = &loops[i];
    op->L = L;
    op->inbox_next = atomic_load_explicit(&L->inbox, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&L->inbox, &op->inbox_next, op,
                                                  memory_order_release, memory_order_relaxed))
        ;
    uv_async_send(&L->async);
}

/* ---- the natives (process side) ---------------------------------------------------------------- */

nos_val_t *nos_http_request(nos_str_t *method, nos_str_t *url, nos_list_t *headers, nos_str_t *body);
nos_val_t *nos_http_get(nos_str_t *url);
nos_val_t *nos_http_delete(nos_str_t *url);
nos_val_t *nos_http_head(nos_str_t *url);
nos_val_t *nos_http_post(nos_str_t *url, nos_str_t *body);
nos_val_t *nos_http_put(nos_str_t *url, nos_str_t *body);
nos_val_t *nos_http_patch(nos_str_t *url, nos_str_t *body);

/* The HttpResponse record {status, headers, body} from what the loop left in the op. */
static nos_val_t *record_of(http_op_t *op)
{
    nos_list_t *rev = NULL;
    const char *p = op->head_s ? op->head_s->data : op->rhead.p;
    const char *end = op->head_s ? p + op->head_s->len : p ? p + op->rhead.len : NULL;
    while (p && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        const char *colon = memchr(p, ':', (size_t)(le - p));
        if (colon && colon > p) {
            const char *v = colon + 1, *ve = le;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            nos_str_t *k = nos_io_str_lossy(p, colon - p);
            for (int64_t i = 0; i < k->len; i++)
                k->data[i] = (char)tolower((unsigned char)k->data[i]);
            rev = nos_list_cons(nos_io_pair(k, nos_io_str_lossy(v, ve - v)), rev);
        }
        p = eol ? eol + 1 : end;
    }
    nos_val_t *rec = nos_alloc(3 * sizeof(nos_val_t));
    rec[0] = (nos_val_t)op->status;
    rec[1] = (nos_val_t)(uintptr_t)nos_list_reverse(rev);
    rec[2] = (nos_val_t)(uintptr_t)(op->body_s ? op->body_s
                                               : nos_io_str_lossy(op->rbody.p ? op->rbody.p : "",
                                                                  (int64_t)op->rbody.len));
    nos_io_buf_free(&op->rbody);
    nos_io_buf_free(&op->rhead);
    return rec;
}

static nos_val_t *run(nos_str_t *method, nos_str_t *url, nos_list_t *headers, nos_str_t *body)
{
    init_once();
    http_op_t *op = nos_io_op_new(sizeof *op);
    op->method = method;
    op->url = url;
    op->headers = headers;
    op->body = body;
    if (!nos_io_run_via(&op->base, submit))
        nos_io_throw(&op->base);
    return record_of(op);
}

nos_val_t *nos_http_request(nos_str_t *method, nos_str_t *url, nos_list_t *headers, nos_str_t *body)
{
    bool bodyless = !strcasecmp(method->data, "GET") || !strcasecmp(method->data, "HEAD");
    return run(method, url, headers, body->len || !bodyless ? body : NULL);
}

nos_val_t *nos_http_get(nos_str_t *url)
{
    return run(nos_str_cstr("GET"), url, NULL, NULL);
}

nos_val_t *nos_http_delete(nos_str_t *url)
{
    return run(nos_str_cstr("DELETE"), url, NULL, NULL);
}

nos_val_t *nos_http_head(nos_str_t *url)
{
    return run(nos_str_cstr("HEAD"), url, NULL, NULL);
}

nos_val_t *nos_http_post(nos_str_t *url, nos_str_t *body)
{
    return run(nos_str_cstr("POST"), url, NULL, body);
}

nos_val_t *nos_http_put(nos_str_t *url, nos_str_t *body)
{
    return run(nos_str_cstr("PUT"), url, NULL, body);
}

nos_val_t *nos_http_patch(nos_str_t *url, nos_str_t *body)
{
    return run(nos_str_cstr("PATCH"), url, NULL, body);
}
