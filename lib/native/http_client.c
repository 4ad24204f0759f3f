/*
 * http_client.c - Http.get / post / put / patch / delete / head / request (LANGUAGE.md 1.14)
 * through libcurl's multi-socket API on the reactor.
 *
 * One CURLM lives on the reactor thread. curl tells us which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION: one uv_poll_t per socket) and when to call it back
 * (CURLMOPT_TIMERFUNCTION: one uv_timer_t); libuv events go back to curl through
 * curl_multi_socket_action. The multi handle keeps a cache of connections, so requests to
 * the same host reuse keep-alive connections; finished easy handles are kept for reuse
 * (configured once, only the per-request options are set again).
 *
 * The reactor only moves bytes: it leaves the status, the raw header lines and the body in
 * the op, and the calling process builds the HttpResponse record from them, so decoding is
 * spread over the workers instead of loading the one reactor thread.
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
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "io.h"

#define KIND "io_error"
#define MAX_HEADER_BYTES ((size_t)1 << 20)

typedef struct http_op {
    nos_io_op_t base;
    nos_str_t *method, *url, *body;
    nos_list_t *headers;        /* request headers */
    /* reactor side */
    CURL *easy;
    struct curl_slist *hdrs;
    int too_big;
    char errbuf[CURL_ERROR_SIZE];
    /* results, turned into the record by the process */
    long status;
    nos_io_buf_t rbody;         /* the body (malloc'd) */
    nos_io_buf_t rhead;         /* header lines of the last response, "name: value\r\n" ... */
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
} sock_ctx_t;

static sock_ctx_t **socks;      /* by descriptor */
static size_t nsocks;

static CURLM *multi;
static uv_timer_t curl_timer;
static struct curl_slist *default_headers;   /* "Expect:": no 100-continue round trip */
static CURL *spare[64];
static int nspare;
static long timeout_ms, max_body;

/* ---- finishing requests ------------------------------------------------------------------------ */

static void release_easy(http_op_t *op)
{
    curl_multi_remove_handle(multi, op->easy);
    if (op->hdrs)
        curl_slist_free_all(op->hdrs);
    op->hdrs = NULL;
    if (nspare < (int)(sizeof spare / sizeof spare[0])) {
        /* Drop what points into the op before the handle waits for its next request. */
        curl_easy_setopt(op->easy, CURLOPT_POSTFIELDS, (char *)NULL);
        curl_easy_setopt(op->easy, CURLOPT_HTTPHEADER, default_headers);
        curl_easy_setopt(op->easy, CURLOPT_ERRORBUFFER, (char *)NULL);
        spare[nspare++] = op->easy;
    } else {
        curl_easy_cleanup(op->easy);
    }
    op->easy = NULL;
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
        if (op->too_big)
            nos_io_fail(&op->base, KIND, "HTTP error: response body larger than %ld bytes", max_body);
        else if (rc == CURLE_OPERATION_TIMEDOUT)
            nos_io_fail(&op->base, KIND, "Operation timed out: %s", detail);
        else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                 rc == CURLE_COULDNT_RESOLVE_PROXY)
            nos_io_fail(&op->base, KIND, "Connection failed: %s", detail);
        else if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
            nos_io_fail(&op->base, KIND, "Invalid URL: %s (%s)", op->url->data, detail);
        else
            nos_io_fail(&op->base, KIND, "HTTP error: %s", detail);
        return;
    }
    op->status = status;
    if (!nos_io_waiter_alive(&op->base)) {
        nos_io_buf_free(&op->rbody);
        nos_io_buf_free(&op->rhead);
    }
    nos_io_finish(&op->base);
}

static void check_done(void)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(multi, &left))) {
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
    curl_multi_socket_action(multi, s->fd, flags, &running);
    check_done();
}

static void on_timer(uv_timer_t *t)
{
    (void)t;
    int running;
    curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done();
}

static int timer_cb(CURLM *m, long ms, void *u)
{
    (void)m;
    (void)u;
    if (ms < 0)
        uv_timer_stop(&curl_timer);
    else
        uv_timer_start(&curl_timer, on_timer, (uint64_t)ms, 0);
    return 0;
}

static void sock_closed(uv_handle_t *h)
{
    free(h->data);
}

static int socket_cb(CURL *e, curl_socket_t fd, int what, void *u, void *sockp)
{
    (void)e;
    (void)u;
    (void)sockp;
    sock_ctx_t *s = fd >= 0 && (size_t)fd < nsocks ? socks[fd] : NULL;
    if (what == CURL_POLL_REMOVE) {
        if (s)
            s->parked = 1;
        return 0;
    }
    if (!s) {
        if ((size_t)fd >= nsocks) {
            size_t n = nsocks ? nsocks : 256;
            while (n <= (size_t)fd)
                n *= 2;
            sock_ctx_t **t = realloc(socks, n * sizeof *t);
            if (!t)
                return -1;
            memset(t + nsocks, 0, (n - nsocks) * sizeof *t);
            socks = t;
            nsocks = n;
        }
        s = calloc(1, sizeof *s);
        if (!s)
            return -1;
        s->fd = fd;
        if (uv_poll_init_socket(nos_io_loop(), &s->poll, fd) < 0) {
            free(s);
            return -1;
        }
        s->poll.data = s;
        socks[fd] = s;
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
    (void)u;
    if (fd >= 0 && (size_t)fd < nsocks && socks[fd]) {
        sock_ctx_t *s = socks[fd];
        socks[fd] = NULL;
        uv_close((uv_handle_t *)&s->poll, sock_closed);
    }
    return close(fd);
}

/* ---- easy handle callbacks -------------------------------------------------------------------- */

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

/* ---- starting a request (reactor) -------------------------------------------------------------- */

static long env_long(const char *name, long dflt)
{
    const char *e = getenv(name);
    long v = e ? atol(e) : 0;
    return v > 0 ? v : dflt;
}

/* An easy handle with the options every request shares. */
static CURL *new_easy(void)
{
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)nos_io_connect_timeout_ms());
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "nostos");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_socket_cb);
    return e;
}

static void init_multi(uv_loop_t *loop)
{
    curl_global_init(CURL_GLOBAL_ALL);
    multi = curl_multi_init();
    if (!multi)
        nos__fatal("cannot create the HTTP client");
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 512L);
    uv_timer_init(loop, &curl_timer);
    default_headers = curl_slist_append(NULL, "Expect:");
    timeout_ms = env_long("NOSTOS_HTTP_TIMEOUT_MS", 60000);
    max_body = env_long("NOSTOS_HTTP_MAX_BODY", 256L << 20);
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

static void start(uv_loop_t *loop, nos_io_op_t *base)
{
    http_op_t *op = (http_op_t *)base;
    if (!multi)
        init_multi(loop);
    const char *url = op->url->data;
    if (!op->url->len || strlen(url) != (size_t)op->url->len) {
        nos_io_fail(base, KIND, "Invalid URL: %s", url);
        return;
    }
    CURL *e = nspare ? spare[--nspare] : new_easy();
    if (!e) {
        nos_io_fail(base, KIND, "HTTP error: cannot create a request");
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
    nos_io_hold(base);
    CURLMcode mc = curl_multi_add_handle(multi, e);
    if (mc != CURLM_OK) {
        release_easy(op);
        nos_io_fail(base, KIND, "HTTP error: %s", curl_multi_strerror(mc));
    }
}

/* ---- the natives (process side) ---------------------------------------------------------------- */

nos_val_t *nos_http_request(nos_str_t *method, nos_str_t *url, nos_list_t *headers, nos_str_t *body);
nos_val_t *nos_http_get(nos_str_t *url);
nos_val_t *nos_http_delete(nos_str_t *url);
nos_val_t *nos_http_head(nos_str_t *url);
nos_val_t *nos_http_post(nos_str_t *url, nos_str_t *body);
nos_val_t *nos_http_put(nos_str_t *url, nos_str_t *body);
nos_val_t *nos_http_patch(nos_str_t *url, nos_str_t *body);

/* The HttpResponse record {status, headers, body} from what the reactor left in the op. */
static nos_val_t *record_of(http_op_t *op)
{
    nos_list_t *rev = NULL;
    const char *p = op->rhead.p, *end = p ? p + op->rhead.len : NULL;
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
    rec[2] = (nos_val_t)(uintptr_t)nos_io_str_lossy(op->rbody.p ? op->rbody.p : "",
                                                    (int64_t)op->rbody.len);
    nos_io_buf_free(&op->rbody);
    nos_io_buf_free(&op->rhead);
    return rec;
}

static nos_val_t *run(nos_str_t *method, nos_str_t *url, nos_list_t *headers, nos_str_t *body)
{
    http_op_t *op = nos_io_op_new(sizeof *op);
    op->method = method;
    op->url = url;
    op->headers = headers;
    op->body = body;
    nos_io_run(&op->base, start);
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
