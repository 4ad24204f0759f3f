/*
 * file.c - File and Dir (LANGUAGE.md 1.14) on libuv's file-system requests.
 *
 * Every call is one op: the reactor hands it to libuv's thread pool (uv_queue_work), where
 * the work function runs libuv's fs requests in their synchronous form (uv_fs_open, uv_fs_read,
 * ... with no callback), so that a path form such as File.readAll costs one trip to the pool,
 * not one per system call. The pool thread registers with the collector only while it
 * allocates the result, so a 64 KiB file is read straight into the Nostos string.
 *
 * Handles (File.open) are resources in the reactor's handle table. Their ops are serialised:
 * one runs on the pool at a time, the others wait in the handle's FIFO. A handle keeps a read
 * buffer (for readLine and for reads that stop inside a UTF-8 sequence); seek and write first
 * give back what was read ahead.
 *
 * Errors are ("io_error", message): "File not found: <path>", "Permission denied: <path>",
 * or "IO error: <reason>: <path>"; invalid UTF-8 in File.readAll is an error as well (use
 * File.readBytes for binary files).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef GC_THREADS
#define GC_THREADS
#endif
#include <gc/gc.h>

#include "io.h"

/* ---- collector access from pool threads ---------------------------------------------------- */

/* A pool thread may allocate Nostos values only between these two. */
static int pool_gc_enter(void)
{
    if (GC_thread_is_registered())
        return 0;
    struct GC_stack_base sb;
    if (GC_get_stack_base(&sb) != GC_SUCCESS)
        nos__fatal("cannot find the stack of a pool thread");
    GC_register_my_thread(&sb);
    return 1;
}

static void pool_gc_leave(int entered)
{
    if (entered)
        GC_unregister_my_thread();
}

/* ---- fast UTF-8 check ------------------------------------------------------------------------ */

static bool utf8_ok(const char *p, int64_t n)
{
    int64_t i = 0;
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull)
            break;
        i += 8;
    }
    return nos_utf8_valid(p + i, n - i);
}

/* ---- ops ---------------------------------------------------------------------------------------- */

enum {
    FS_READ_ALL,
    FS_READ_BYTES,
    FS_WRITE_ALL,
    FS_APPEND,
    FS_EXISTS,
    FS_REMOVE,
    FS_RENAME,
    FS_COPY,
    FS_SIZE,
    DIR_CREATE,
    DIR_CREATE_ALL,
    DIR_LIST,
    DIR_REMOVE,
    DIR_REMOVE_ALL,
    DIR_EXISTS,
    /* handle forms */
    FH_OPEN,
    FH_WRITE,
    FH_READ,
    FH_READ_LINE,
    FH_FLUSH,
    FH_SEEK,
    FH_CLOSE
};

typedef struct file_res file_res_t;

typedef struct fs_op {
    nos_io_op_t base;
    uv_work_t work;
    int what;
    nos_str_t *path, *path2, *data;
    int64_t n, off;
    int flags;                  /* FH_OPEN: open flags; FH_SEEK: whence */
    int64_t h;
    /* results */
    int err;                    /* a libuv error code (negative) or 0 */
    const char *emsg;           /* a fixed message instead of err */
    nos_str_t *epath;           /* the path the error is about */
    int64_t ires;
    nos_val_t vres;             /* String / List result */
    file_res_t *fr;             /* handle ops: the resource */
    struct fs_op *qnext;        /* handle ops: FIFO link */
} fs_op_t;

struct file_res {
    nos_io_res_t res;
    uv_file fd;
    int busy;
    fs_op_t *qhead, *qtail;
    char *rbuf;                 /* read-ahead: rbuf[rpos..rlen) not yet returned */
    size_t rpos, rlen, rcap;
    int eof;
};

/* ---- synchronous helpers for the pool (libuv fs requests without a callback) ------------------ */

static int fs_stat(const char *path, uv_stat_t *st)
{
    uv_fs_t r;
    int rc = uv_fs_stat(NULL, &r, path, NULL);
    if (rc == 0)
        *st = r.statbuf;
    uv_fs_req_cleanup(&r);
    return rc;
}

static int fs_open(const char *path, int flags, int mode)
{
    uv_fs_t r;
    int rc = uv_fs_open(NULL, &r, path, flags, mode, NULL);
    uv_fs_req_cleanup(&r);
    return rc;
}

static void fs_close(uv_file fd)
{
    uv_fs_t r;
    uv_fs_close(NULL, &r, fd, NULL);
    uv_fs_req_cleanup(&r);
}

static ssize_t fs_read(uv_file fd, char *p, size_t n, int64_t off)
{
    uv_fs_t r;
    uv_buf_t b = uv_buf_init(p, (unsigned)(n > 0x40000000 ? 0x40000000 : n));
    ssize_t rc = uv_fs_read(NULL, &r, fd, &b, 1, off, NULL);
    uv_fs_req_cleanup(&r);
    return rc;
}

static int fs_write_all(uv_file fd, const char *p, size_t n)
{
    while (n > 0) {
        uv_fs_t r;
        uv_buf_t b = uv_buf_init((char *)p, (unsigned)(n > 0x40000000 ? 0x40000000 : n));
        ssize_t rc = uv_fs_write(NULL, &r, fd, &b, 1, -1, NULL);
        uv_fs_req_cleanup(&r);
        if (rc < 0)
            return (int)rc;
        p += rc;
        n -= (size_t)rc;
    }
    return 0;
}

/* Read all of fd into malloc'd memory (for files whose size is unknown or changing). */
static int read_rest(uv_file fd, char **out, size_t *outlen, size_t have, size_t cap)
{
    char *buf = *out;
    size_t len = have;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                return UV_ENOMEM;
            }
            buf = nb;
        }
        ssize_t rc = fs_read(fd, buf + len, cap - len, -1);
        if (rc < 0) {
            free(buf);
            return (int)rc;
        }
        if (rc == 0)
            break;
        len += (size_t)rc;
    }
    *out = buf;
    *outlen = len;
    return 0;
}

/* File.readAll / readBytes: one open, one fstat, reads, one close. */
static void do_read_all(fs_op_t *op)
{
    const char *path = op->path->data;
    int fd = fs_open(path, O_RDONLY, 0);
    if (fd < 0) {
        op->err = fd;
        return;
    }
    uv_fs_t sr;
    int rc = uv_fs_fstat(NULL, &sr, fd, NULL);
    uv_stat_t st = sr.statbuf;
    uv_fs_req_cleanup(&sr);
    if (rc < 0) {
        op->err = rc;
        fs_close(fd);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        op->err = UV_EISDIR;
        fs_close(fd);
        return;
    }
    size_t size = S_ISREG(st.st_mode) ? (size_t)st.st_size : 0;
    if (op->what == FS_READ_ALL && size > 0 && size < ((size_t)1 << 40)) {
        /* The common case: read straight into the string. */
        int g = pool_gc_enter();
        nos_str_t *s = nos_io_str_alloc((int64_t)size);
        /* Published in the op (a root) before this thread stops being scanned. */
        op->vres = (nos_val_t)(uintptr_t)s;
        pool_gc_leave(g);
        size_t got = 0;
        while (got < size) {
            ssize_t n = fs_read(fd, s->data + got, size - got, -1);
            if (n < 0) {
                op->vres = 0;
                op->err = (int)n;
                fs_close(fd);
                return;
            }
            if (n == 0)
                break;
            got += (size_t)n;
        }
        char probe;
        ssize_t more = got == size ? fs_read(fd, &probe, 1, -1) : 0;
        if (more == 0) {
            fs_close(fd);
            s->len = (int64_t)got;
            s->data[got] = '\0';
            if (!utf8_ok(s->data, s->len)) {
                op->vres = 0;
                op->emsg = "invalid UTF-8";
            }
            return;
        }
        /* The file grew while we read it: fall back to the general path. */
        char *buf = malloc(got + 1 + 65536);
        if (!buf) {
            op->vres = 0;
            op->err = UV_ENOMEM;
            fs_close(fd);
            return;
        }
        memcpy(buf, s->data, got);
        op->vres = 0;
        buf[got] = probe;
        size_t len;
        rc = read_rest(fd, &buf, &len, got + 1, got + 1 + 65536);
        fs_close(fd);
        if (rc < 0) {
            op->err = rc;
            return;
        }
        if (!utf8_ok(buf, (int64_t)len)) {
            free(buf);
            op->emsg = "invalid UTF-8";
            return;
        }
        g = pool_gc_enter();
        nos_str_t *s2 = nos_io_str_alloc((int64_t)len);
        memcpy(s2->data, buf, len);
        op->vres = (nos_val_t)(uintptr_t)s2;
        pool_gc_leave(g);
        free(buf);
        return;
    }
    char *buf = NULL;
    size_t len = 0;
    rc = read_rest(fd, &buf, &len, 0, 0);
    fs_close(fd);
    if (rc < 0) {
        op->err = rc;
        return;
    }
    int g = pool_gc_enter();
    if (op->what == FS_READ_ALL) {
        if (!utf8_ok(buf, (int64_t)len)) {
            op->emsg = "invalid UTF-8";
        } else {
            nos_str_t *s3 = nos_io_str_alloc((int64_t)len);
            memcpy(s3->data, buf, len);
            op->vres = (nos_val_t)(uintptr_t)s3;
        }
    } else {
        nos_list_t *l = NULL;
        for (size_t i = len; i > 0; i--)
            l = nos_list_cons((nos_val_t)(unsigned char)buf[i - 1], l);
        op->vres = (nos_val_t)(uintptr_t)l;
    }
    pool_gc_leave(g);
    free(buf);
}

static void do_write(fs_op_t *op, int flags)
{
    int fd = fs_open(op->path->data, flags, 0644);
    if (fd < 0) {
        op->err = fd;
        return;
    }
    int rc = fs_write_all(fd, op->data->data, (size_t)op->data->len);
    fs_close(fd);
    if (rc < 0)
        op->err = rc;
}

static int mkdir_all(char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        path[--n] = '\0';
    uv_stat_t st;
    if (fs_stat(path, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : UV_EEXIST;
    char *slash = strrchr(path, '/');
    if (slash && slash != path) {
        *slash = '\0';
        int rc = mkdir_all(path);
        *slash = '/';
        if (rc < 0)
            return rc;
    }
    uv_fs_t r;
    int rc = uv_fs_mkdir(NULL, &r, path, 0755, NULL);
    uv_fs_req_cleanup(&r);
    return rc == UV_EEXIST ? 0 : rc;
}

/* rm -r without following symbolic links. */
static int remove_all(const char *path)
{
    uv_fs_t r;
    int rc = uv_fs_lstat(NULL, &r, path, NULL);
    uv_stat_t st = r.statbuf;
    uv_fs_req_cleanup(&r);
    if (rc < 0)
        return rc;
    if (!S_ISDIR(st.st_mode)) {
        rc = uv_fs_unlink(NULL, &r, path, NULL);
        uv_fs_req_cleanup(&r);
        return rc;
    }
    rc = uv_fs_scandir(NULL, &r, path, 0, NULL);
    if (rc < 0) {
        uv_fs_req_cleanup(&r);
        return rc;
    }
    uv_dirent_t ent;
    size_t plen = strlen(path);
    int first_err = 0;
    while (uv_fs_scandir_next(&r, &ent) != UV_EOF) {
        size_t elen = strlen(ent.name);
        char *child = malloc(plen + elen + 2);
        if (!child) {
            first_err = UV_ENOMEM;
            break;
        }
        memcpy(child, path, plen);
        child[plen] = '/';
        memcpy(child + plen + 1, ent.name, elen + 1);
        int crc = remove_all(child);
        free(child);
        if (crc < 0 && !first_err)
            first_err = crc;
    }
    uv_fs_req_cleanup(&r);
    if (first_err)
        return first_err;
    rc = uv_fs_rmdir(NULL, &r, path, NULL);
    uv_fs_req_cleanup(&r);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void do_list(fs_op_t *op)
{
    uv_fs_t r;
    int rc = uv_fs_scandir(NULL, &r, op->path->data, 0, NULL);
    if (rc < 0) {
        uv_fs_req_cleanup(&r);
        op->err = rc;
        return;
    }
    size_t n = 0, cap = 16;
    char **names = malloc(cap * sizeof *names);
    uv_dirent_t ent;
    while (names && uv_fs_scandir_next(&r, &ent) != UV_EOF) {
        if (n == cap) {
            char **nn = realloc(names, (cap *= 2) * sizeof *names);
            if (!nn) {
                for (size_t i = 0; i < n; i++)
                    free(names[i]);
                free(names);
                names = NULL;
                break;
            }
            names = nn;
        }
        names[n++] = strdup(ent.name);
    }
    uv_fs_req_cleanup(&r);
    if (!names) {
        op->err = UV_ENOMEM;
        return;
    }
    qsort(names, n, sizeof *names, cmp_names);
    int g = pool_gc_enter();
    nos_list_t *l = NULL;
    for (size_t i = n; i > 0; i--) {
        const char *nm = names[i - 1] ? names[i - 1] : "";
        l = nos_list_cons((nos_val_t)(uintptr_t)nos_io_str_lossy(nm, (int64_t)strlen(nm)), l);
    }
    op->vres = (nos_val_t)(uintptr_t)l;
    pool_gc_leave(g);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* ---- handle work (the op owns op->fr while it runs) ----------------------------------------- */

/* Give back read-ahead bytes: move the descriptor's offset to the logical position. */
static int unread_buffer(file_res_t *f)
{
    if (f->rpos < f->rlen) {
        if (lseek(f->fd, -(off_t)(f->rlen - f->rpos), SEEK_CUR) < 0) {
            f->rpos = f->rlen = 0;
            return uv_translate_sys_error(errno);
        }
    }
    f->rpos = f->rlen = 0;
    f->eof = 0;
    return 0;
}

/* Make sure at least `want` unread bytes are buffered, or EOF is reached. */
static int fill(file_res_t *f, size_t want)
{
    while (f->rlen - f->rpos < want && !f->eof) {
        if (f->rpos > 0) {
            memmove(f->rbuf, f->rbuf + f->rpos, f->rlen - f->rpos);
            f->rlen -= f->rpos;
            f->rpos = 0;
        }
        if (f->rcap - f->rlen < 4096) {
            size_t cap = f->rcap ? f->rcap * 2 : 65536;
            while (cap - f->rlen < 4096)
                cap *= 2;
            char *nb = realloc(f->rbuf, cap);
            if (!nb)
                return UV_ENOMEM;
            f->rbuf = nb;
            f->rcap = cap;
        }
        ssize_t n = fs_read(f->fd, f->rbuf + f->rlen, f->rcap - f->rlen, -1);
        if (n < 0)
            return (int)n;
        if (n == 0)
            f->eof = 1;
        f->rlen += (size_t)n;
    }
    return 0;
}

static void take_string(fs_op_t *op, file_res_t *f, size_t n)
{
    int g = pool_gc_enter();
    op->vres = (nos_val_t)(uintptr_t)nos_io_str_lossy(f->rbuf + f->rpos, (int64_t)n);
    pool_gc_leave(g);
    f->rpos += n;
}

static void do_handle(fs_op_t *op)
{
    file_res_t *f = op->fr;
    int rc;
    switch (op->what) {
    case FH_WRITE:
        rc = unread_buffer(f);
        if (rc == 0)
            rc = fs_write_all(f->fd, op->data->data, (size_t)op->data->len);
        if (rc < 0)
            op->err = rc;
        op->ires = op->data->len;
        break;
    case FH_READ: {
        size_t want = op->n > 0 ? (size_t)op->n : 0;
        if (want > ((size_t)1 << 30))
            want = (size_t)1 << 30;
        rc = fill(f, want);
        if (rc < 0) {
            op->err = rc;
            break;
        }
        size_t avail = f->rlen - f->rpos;
        size_t n = avail < want ? avail : want;
        /* Never end inside a UTF-8 sequence: shorten, or complete the one character. */
        size_t cut = (size_t)nos_io_utf8_complete_prefix(f->rbuf + f->rpos, (int64_t)n);
        if (cut == 0 && n > 0) {
            int len = nos__utf8_seqlen((unsigned char)f->rbuf[f->rpos]);
            fill(f, (size_t)len);
            avail = f->rlen - f->rpos;
            cut = (size_t)len < avail ? (size_t)len : avail;
        } else if (cut < n && f->eof && n == avail) {
            cut = n;   /* a broken sequence at the end of the file: give it (lossily) */
        }
        take_string(op, f, cut);
        break;
    }
    case FH_READ_LINE: {
        size_t scanned = 0;
        for (;;) {
            char *nl = f->rbuf ? memchr(f->rbuf + f->rpos + scanned, '\n',
                                        f->rlen - f->rpos - scanned)
                               : NULL;
            if (nl) {
                take_string(op, f, (size_t)(nl - (f->rbuf + f->rpos)) + 1);
                break;
            }
            scanned = f->rlen - f->rpos;
            if (f->eof) {
                if (scanned == 0) {
                    int g = pool_gc_enter();
                    op->vres = (nos_val_t)(uintptr_t)nos_str_cstr("eof");
                    pool_gc_leave(g);
                } else {
                    take_string(op, f, scanned);
                }
                break;
            }
            rc = fill(f, scanned + 1);
            if (rc < 0) {
                op->err = rc;
                break;
            }
        }
        break;
    }
    case FH_FLUSH:
        rc = unread_buffer(f);
        if (rc < 0)
            op->err = rc;
        break;
    case FH_SEEK: {
        off_t logical = lseek(f->fd, 0, SEEK_CUR);
        if (logical < 0) {
            op->err = uv_translate_sys_error(errno);
            break;
        }
        logical -= (off_t)(f->rlen - f->rpos);
        f->rpos = f->rlen = 0;
        f->eof = 0;
        off_t to = op->flags == SEEK_CUR ? logical + op->off : op->off;
        int whence = op->flags == SEEK_CUR ? SEEK_SET : op->flags;
        off_t res = lseek(f->fd, to, whence);
        if (res < 0)
            op->err = uv_translate_sys_error(errno);
        op->ires = res;
        break;
    }
    case FH_CLOSE:
        fs_close(f->fd);
        f->fd = -1;
        break;
    default:
        break;
    }
}

/* ---- pool entry and completion ----------------------------------------------------------------- */

static void work_cb(uv_work_t *w)
{
    fs_op_t *op = w->data;
    const char *p = op->path ? op->path->data : NULL;
    uv_fs_t r;
    uv_stat_t st = {0};
    int rc;
    op->epath = op->path;
    switch (op->what) {
    case FS_READ_ALL:
    case FS_READ_BYTES:
        do_read_all(op);
        break;
    case FS_WRITE_ALL:
        do_write(op, O_WRONLY | O_CREAT | O_TRUNC);
        break;
    case FS_APPEND:
        do_write(op, O_WRONLY | O_CREAT | O_APPEND);
        break;
    case FS_EXISTS:
        op->ires = fs_stat(p, &st) == 0;
        break;
    case DIR_EXISTS:
        op->ires = fs_stat(p, &st) == 0 && S_ISDIR(st.st_mode);
        break;
    case FS_SIZE:
        rc = fs_stat(p, &st);
        if (rc < 0)
            op->err = rc;
        else if (S_ISDIR(st.st_mode))
            op->err = UV_EISDIR;
        op->ires = (int64_t)st.st_size;
        break;
    case FS_REMOVE:
        rc = uv_fs_unlink(NULL, &r, p, NULL);
        uv_fs_req_cleanup(&r);
        if (rc < 0)
            op->err = rc;
        break;
    case FS_RENAME:
        rc = uv_fs_rename(NULL, &r, p, op->path2->data, NULL);
        uv_fs_req_cleanup(&r);
        if (rc < 0)
            op->err = rc;
        break;
    case FS_COPY:
        rc = uv_fs_copyfile(NULL, &r, p, op->path2->data, 0, NULL);
        uv_fs_req_cleanup(&r);
        if (rc < 0)
            op->err = rc;
        break;
    case DIR_CREATE:
        rc = uv_fs_mkdir(NULL, &r, p, 0755, NULL);
        uv_fs_req_cleanup(&r);
        if (rc < 0)
            op->err = rc;
        break;
    case DIR_CREATE_ALL: {
        char *copy = strdup(p);
        rc = copy ? mkdir_all(copy) : UV_ENOMEM;
        free(copy);
        if (rc < 0)
            op->err = rc;
        break;
    }
    case DIR_LIST:
        do_list(op);
        break;
    case DIR_REMOVE:
        rc = uv_fs_rmdir(NULL, &r, p, NULL);
        uv_fs_req_cleanup(&r);
        if (rc < 0)
            op->err = rc;
        break;
    case DIR_REMOVE_ALL:
        rc = remove_all(p);
        if (rc < 0)
            op->err = rc;
        break;
    case FH_OPEN:
        rc = fs_open(p, op->flags, 0644);
        if (rc < 0) {
            op->err = rc;
        } else {
            uv_fs_t sr;
            int src = uv_fs_fstat(NULL, &sr, rc, NULL);
            bool dir = src == 0 && S_ISDIR(sr.statbuf.st_mode);
            uv_fs_req_cleanup(&sr);
            if (dir) {
                fs_close(rc);
                op->err = UV_EISDIR;
            } else {
                op->ires = rc;
            }
        }
        break;
    default:
        do_handle(op);
        break;
    }
}

static void handle_next(file_res_t *f);

static void finish_fs(fs_op_t *op)
{
    if (op->err || op->emsg) {
        const char *path = op->epath ? op->epath->data : "";
        if (op->emsg)
            nos_io_fail(&op->base, "io_error", "IO error: %s: %s", op->emsg, path);
        else if (op->err == UV_ENOENT)
            nos_io_fail(&op->base, "io_error", "File not found: %s", path);
        else if (op->err == UV_EACCES || op->err == UV_EPERM)
            nos_io_fail(&op->base, "io_error", "Permission denied: %s", path);
        else if (op->epath)
            nos_io_fail(&op->base, "io_error", "IO error: %s: %s", uv_strerror(op->err), path);
        else
            nos_io_fail(&op->base, "io_error", "IO error: %s", uv_strerror(op->err));
        return;
    }
    nos_io_finish(&op->base);
}

static void file_reap(nos_io_res_t *r);

static void after_work_cb(uv_work_t *w, int status)
{
    fs_op_t *op = w->data;
    if (status == UV_ECANCELED && !op->err)
        op->err = status;
    file_res_t *f = op->fr;
    if (op->what == FH_OPEN && !op->err) {
        f = nos_io_res_alloc(sizeof *f);
        f->res.kind = NOS_RES_FILE;
        f->res.owner = op->base.pid;
        f->res.reap = file_reap;
        f->fd = (uv_file)op->ires;
        op->ires = nos_io_handle_add(&f->res);
        finish_fs(op);
        return;
    }
    if (!f) {
        finish_fs(op);
        return;
    }
    /* A handle op: let the next one in, or free the handle after a close. */
    f->busy = 0;
    if (op->what == FH_CLOSE) {
        finish_fs(op);
        fs_op_t *q = f->qhead;
        f->qhead = f->qtail = NULL;
        while (q) {
            fs_op_t *next = q->qnext;
            nos_io_fail(&q->base, "io_error", "Invalid file handle");
            q = next;
        }
        free(f->rbuf);
        nos_io_res_free(f);
        return;
    }
    finish_fs(op);
    handle_next(f);
}

static void submit_work(fs_op_t *op)
{
    op->work.data = op;
    int rc = uv_queue_work(nos_io_loop(), &op->work, work_cb, after_work_cb);
    if (rc < 0) {
        op->err = rc;
        finish_fs(op);
    }
}

static void handle_next(file_res_t *f)
{
    if (f->busy || !f->qhead)
        return;
    fs_op_t *op = f->qhead;
    f->qhead = op->qnext;
    if (!f->qhead)
        f->qtail = NULL;
    f->busy = 1;
    if (op->what == FH_CLOSE) {
        nos_io_handle_remove(f->res.handle);
        f->res.closing = 1;
    }
    submit_work(op);
}

static void enqueue(file_res_t *f, fs_op_t *op)
{
    op->fr = f;
    op->qnext = NULL;
    if (f->qtail)
        f->qtail->qnext = op;
    else
        f->qhead = op;
    f->qtail = op;
    handle_next(f);
}

/* Reactor: start a path op, or route a handle op to its handle's queue. */
static void start_fs(uv_loop_t *loop, nos_io_op_t *base)
{
    (void)loop;
    fs_op_t *op = (fs_op_t *)base;
    nos_io_hold(base);
    if (op->what < FH_WRITE) {
        submit_work(op);
        return;
    }
    file_res_t *f = (file_res_t *)nos_io_handle_get(op->h, NOS_RES_FILE);
    if (!f) {
        nos_io_fail(base, "io_error", "Invalid file handle");
        return;
    }
    if (op->what == FH_CLOSE)
        f->res.closing = 1;    /* later lookups fail; queued ops still run before the close */
    enqueue(f, op);
}

static void file_reap(nos_io_res_t *r)
{
    file_res_t *f = (file_res_t *)r;
    fs_op_t *op = nos_alloc(sizeof *op);
    op->what = FH_CLOSE;
    op->base.nowait = 1;
    op->h = r->handle;
    nos_io_hold(&op->base);
    f->res.closing = 1;
    enqueue(f, op);
}

/* ---- the natives -------------------------------------------------------------------------------- */

static fs_op_t *new_op(int what, nos_str_t *path)
{
    fs_op_t *op = nos_io_op_new(sizeof *op);
    op->what = what;
    op->path = path;
    return op;
}

static nos_val_t run(fs_op_t *op)
{
    nos_io_run(&op->base, start_fs);
    return op->vres;
}

nos_str_t *nos_file_read_all(nos_str_t *path);
nos_list_t *nos_file_read_bytes(nos_str_t *path);
void nos_file_write_all(nos_str_t *path, nos_str_t *data);
void nos_file_append(nos_str_t *path, nos_str_t *data);
bool nos_file_exists(nos_str_t *path);
void nos_file_remove(nos_str_t *path);
void nos_file_rename(nos_str_t *from, nos_str_t *to);
void nos_file_copy(nos_str_t *from, nos_str_t *to);
int64_t nos_file_size(nos_str_t *path);
int64_t nos_file_open(nos_str_t *path, nos_str_t *mode);
int64_t nos_file_write(int64_t h, nos_str_t *data);
nos_str_t *nos_file_read(int64_t h, int64_t n);
nos_str_t *nos_file_read_line(int64_t h);
void nos_file_flush(int64_t h);
void nos_file_close(int64_t h);
void nos_file_seek(int64_t h, int64_t off, nos_str_t *whence);
void nos_dir_create(nos_str_t *path);
void nos_dir_create_all(nos_str_t *path);
nos_list_t *nos_dir_list(nos_str_t *path);
void nos_dir_remove(nos_str_t *path);
void nos_dir_remove_all(nos_str_t *path);
bool nos_dir_exists(nos_str_t *path);

nos_str_t *nos_file_read_all(nos_str_t *path)
{
    return (nos_str_t *)(uintptr_t)run(new_op(FS_READ_ALL, path));
}

nos_list_t *nos_file_read_bytes(nos_str_t *path)
{
    return (nos_list_t *)(uintptr_t)run(new_op(FS_READ_BYTES, path));
}

void nos_file_write_all(nos_str_t *path, nos_str_t *data)
{
    fs_op_t *op = new_op(FS_WRITE_ALL, path);
    op->data = data;
    run(op);
}

void nos_file_append(nos_str_t *path, nos_str_t *data)
{
    fs_op_t *op = new_op(FS_APPEND, path);
    op->data = data;
    run(op);
}

bool nos_file_exists(nos_str_t *path)
{
    fs_op_t *op = new_op(FS_EXISTS, path);
    run(op);
    return op->ires != 0;
}

void nos_file_remove(nos_str_t *path)
{
    run(new_op(FS_REMOVE, path));
}

void nos_file_rename(nos_str_t *from, nos_str_t *to)
{
    fs_op_t *op = new_op(FS_RENAME, from);
    op->path2 = to;
    run(op);
}

void nos_file_copy(nos_str_t *from, nos_str_t *to)
{
    fs_op_t *op = new_op(FS_COPY, from);
    op->path2 = to;
    run(op);
}

int64_t nos_file_size(nos_str_t *path)
{
    fs_op_t *op = new_op(FS_SIZE, path);
    run(op);
    return op->ires;
}

static int open_flags(const char *m)
{
    if (!strcmp(m, "r") || !strcmp(m, "read"))
        return O_RDONLY;
    if (!strcmp(m, "w") || !strcmp(m, "write"))
        return O_WRONLY | O_CREAT | O_TRUNC;
    if (!strcmp(m, "a") || !strcmp(m, "append"))
        return O_WRONLY | O_CREAT | O_APPEND;
    if (!strcmp(m, "rw") || !strcmp(m, "readwrite") || !strcmp(m, "r+"))
        return O_RDWR | O_CREAT;
    return -1;
}

int64_t nos_file_open(nos_str_t *path, nos_str_t *mode)
{
    int fl = open_flags(mode->data);
    if (fl < 0)
        nos_throw_error("io_error", "Invalid file mode: %s (use r, w, a or rw)", mode->data);
    fs_op_t *op = new_op(FH_OPEN, path);
    op->flags = fl;
    run(op);
    return op->ires;
}

static fs_op_t *handle_op(int what, int64_t h)
{
    fs_op_t *op = nos_io_op_new(sizeof *op);
    op->what = what;
    op->h = h;
    return op;
}

int64_t nos_file_write(int64_t h, nos_str_t *data)
{
    fs_op_t *op = handle_op(FH_WRITE, h);
    op->data = data;
    run(op);
    return op->ires;
}

nos_str_t *nos_file_read(int64_t h, int64_t n)
{
    fs_op_t *op = handle_op(FH_READ, h);
    op->n = n;
    return (nos_str_t *)(uintptr_t)run(op);
}

nos_str_t *nos_file_read_line(int64_t h)
{
    return (nos_str_t *)(uintptr_t)run(handle_op(FH_READ_LINE, h));
}

void nos_file_flush(int64_t h)
{
    run(handle_op(FH_FLUSH, h));
}

void nos_file_close(int64_t h)
{
    run(handle_op(FH_CLOSE, h));
}

void nos_file_seek(int64_t h, int64_t off, nos_str_t *whence)
{
    int wh;
    if (!strcmp(whence->data, "start") || !strcmp(whence->data, "set"))
        wh = SEEK_SET;
    else if (!strcmp(whence->data, "current") || !strcmp(whence->data, "cur"))
        wh = SEEK_CUR;
    else if (!strcmp(whence->data, "end"))
        wh = SEEK_END;
    else
        nos_throw_error("io_error", "Invalid seek origin: %s (use start, current or end)",
                        whence->data);
    fs_op_t *op = handle_op(FH_SEEK, h);
    op->off = off;
    op->flags = wh;
    run(op);
}

void nos_dir_create(nos_str_t *path)
{
    run(new_op(DIR_CREATE, path));
}

void nos_dir_create_all(nos_str_t *path)
{
    run(new_op(DIR_CREATE_ALL, path));
}

nos_list_t *nos_dir_list(nos_str_t *path)
{
    return (nos_list_t *)(uintptr_t)run(new_op(DIR_LIST, path));
}

void nos_dir_remove(nos_str_t *path)
{
    run(new_op(DIR_REMOVE, path));
}

void nos_dir_remove_all(nos_str_t *path)
{
    run(new_op(DIR_REMOVE_ALL, path));
}

bool nos_dir_exists(nos_str_t *path)
{
    fs_op_t *op = new_op(DIR_EXISTS, path);
    run(op);
    return op->ires != 0;
}
