/*
 * show.c - turning values into text: the display format (show, println, interpolation)
 * and the result display format (main's value), LANGUAGE.md 1.10 and tests-census.md 1.
 *
 * The two formats, as the reference prints them (gc.rs display_value/show_value and
 * shared_types.rs SendableValue::display):
 *
 *   value          display (top / nested)          result display
 *   String         text / "te\"xt" (escapes \ ")   "text" (never escaped)
 *   Char           c / 'c'                         'c'
 *   Int8..UInt64   5                               5i8 255u8 ...
 *   Float32        1.5                             1.5f32
 *   Record         Point{x: 1} (module stripped)   mod.Point{x: 1} (name as given)
 *   Pid            <pid 3>                         <pid:3>
 *   Map            %{k: v} keys in key form        same, keys and values in result form
 *   Set            #{a, b} key forms, sorted       #{...N items}
 *   closure        <closure>                       "<closure>"   (so arrays, handles too)
 * Everything else is the same in both: (), true, 42, floats (floatfmt.c), [1, 2], (1, 2),
 * Some(1), None, Int64Array[3]. Map keys and set elements use the reference's key form:
 * strings quoted without escapes, chars quoted, and in display records keep their full name.
 *
 * Deep right-nested values (a user-defined list Cons(1, Cons(2, ...)), long tails of lists
 * of lists) are shown without recursion on the last field: closers are stacked instead, so
 * the C stack stays flat. Any thread; allocates only GC memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum mode {
    M_TOP,     /* display, top level */
    M_DISP,    /* display, nested */
    M_DKEY,    /* display of a map key or set element */
    M_RESULT,  /* result display */
    M_RKEY     /* result display of a map key or set element */
};

static bool is_result(enum mode m)
{
    return m == M_RESULT || m == M_RKEY;
}

/* A stack of pending closing characters, on the C stack until it grows. */
typedef struct closers {
    char *p;
    int64_t n, cap;
    char local[32];
} closers_t;

static void push_closer(closers_t *c, char ch)
{
    if (c->n == c->cap) {
        char *np = nos_alloc_atomic((size_t)c->cap * 2);
        memcpy(np, c->p, (size_t)c->n);
        c->p = np;
        c->cap *= 2;
    }
    c->p[c->n++] = ch;
}

static void show_val(nos__sb_t *b, const nos_type_t *t, nos_val_t v, enum mode m, int depth);

static void add_quoted(nos__sb_t *b, const nos_str_t *s, bool escape)
{
    nos__sb_reserve(b, s->len + 2);
    nos__sb_addc(b, '"');
    if (!escape) {
        nos__sb_add_str(b, s);
    } else {
        for (int64_t i = 0; i < s->len; i++) {
            char c = s->data[i];
            if (c == '"' || c == '\\')
                nos__sb_addc(b, '\\');
            nos__sb_addc(b, c);
        }
    }
    nos__sb_addc(b, '"');
}

static const char *int_suffix(uint32_t kind)
{
    switch (kind) {
    case NT_I8: return "i8";
    case NT_I16: return "i16";
    case NT_I32: return "i32";
    case NT_U8: return "u8";
    case NT_U16: return "u16";
    case NT_U32: return "u32";
    case NT_U64: return "u64";
    default: return "";
    }
}

static const char *strip_module(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot ? dot + 1 : name;
}

/* Text of the kinds that result display wraps in quotes (closures, arrays, handles). */
static void opaque_text(nos__sb_t *b, const nos_type_t *t, nos_val_t v)
{
    switch (t->kind) {
    case NT_FUN:
        nos__sb_adds(b, "<closure>");
        break;
    case NT_ARRAY_I64:
    case NT_ARRAY_F64:
    case NT_ARRAY_F32: {
        nos_array_t *a = (nos_array_t *)(uintptr_t)v;
        const char *name = t->kind == NT_ARRAY_I64   ? "Int64Array"
                           : t->kind == NT_ARRAY_F64 ? "Float64Array"
                                                     : "Float32Array";
        nos__sb_printf(b, "%s[%lld]", name, (long long)(a ? a->len : 0));
        break;
    }
    case NT_BUFFER:
        nos__sb_adds(b, "<buffer>");
        break;
    default:
        nos__sb_adds(b, t->name ? t->name : "<opaque>");
        break;
    }
}

typedef struct map_show_ctx {
    nos__sb_t *b;
    const nos_type_t *kt, *vt;
    enum mode km, vm;
    bool first;
    int depth;
} map_show_ctx_t;

static void show_entry(nos_val_t k, nos_val_t v, void *ctx)
{
    map_show_ctx_t *c = ctx;
    if (!c->first)
        nos__sb_adds(c->b, ", ");
    c->first = false;
    show_val(c->b, c->kt, k, c->km, c->depth);
    nos__sb_adds(c->b, ": ");
    show_val(c->b, c->vt, v, c->vm, c->depth);
}

typedef struct set_show_ctx {
    const nos_type_t *et;
    nos_str_t **items;
    int64_t n;
    int depth;
} set_show_ctx_t;

static void collect_elem(nos_val_t x, nos_val_t unused, void *ctx)
{
    set_show_ctx_t *c = ctx;
    nos__sb_t sb;
    nos__sb_init(&sb, 16);
    show_val(&sb, c->et, x, M_DKEY, c->depth);
    c->items[c->n++] = nos__sb_finish(&sb);
}

static int cmp_strp(const void *a, const void *b)
{
    return nos_str_cmp(*(nos_str_t *const *)a, *(nos_str_t *const *)b);
}

static void show_set(nos__sb_t *b, const nos_type_t *t, nos_set_t *s, enum mode m, int depth)
{
    int64_t n = nos_set_size(s);
    if (m == M_RESULT) {
        nos__sb_printf(b, "#{...%lld items}", (long long)n);
        return;
    }
    set_show_ctx_t c = { t->elems[0], nos_alloc(sizeof(nos_str_t *) * (size_t)(n ? n : 1)), 0, depth };
    nos__set_each(s, collect_elem, &c);
    qsort(c.items, (size_t)c.n, sizeof c.items[0], cmp_strp);
    nos__sb_adds(b, "#{");
    for (int64_t i = 0; i < c.n; i++) {
        if (i)
            nos__sb_adds(b, ", ");
        nos__sb_add_str(b, c.items[i]);
    }
    nos__sb_addc(b, '}');
}

typedef struct show_args {
    nos__sb_t *b;
    const nos_type_t *t;
    nos_val_t v;
    enum mode m;
} show_args_t;

static void *show_on_system_stack(void *p)
{
    show_args_t *a = p;
    show_val(a->b, a->t, a->v, a->m, NOS__HOP_DEPTH + 1);
    return NULL;
}

static void show_val(nos__sb_t *b, const nos_type_t *t, nos_val_t v, enum mode m, int depth)
{
    if (depth == NOS__HOP_DEPTH) {
        show_args_t a = { b, t, v, m };
        nos__on_system_stack(show_on_system_stack, &a);
        return;
    }
    closers_t cl;
    cl.p = cl.local;
    cl.n = 0;
    cl.cap = sizeof cl.local;

    for (;;) {
        /* Children of a top-level value are shown nested. */
        enum mode cm = m == M_TOP ? M_DISP : m;
        switch (t->kind) {
        case NT_DYN: {
            const nos_val_t *box = (const nos_val_t *)(uintptr_t)v;
            t = (const nos_type_t *)(uintptr_t)box[0];
            v = box[1];
            continue;
        }
        case NT_UNIT:
            nos__sb_adds(b, "()");
            break;
        case NT_BOOL:
            nos__sb_adds(b, v ? "true" : "false");
            break;
        case NT_CHAR:
            if (m == M_TOP) {
                nos__sb_add_utf8(b, (int32_t)v);
            } else {
                nos__sb_addc(b, '\'');
                nos__sb_add_utf8(b, (int32_t)v);
                nos__sb_addc(b, '\'');
            }
            break;
        case NT_INT:
        case NT_I8:
        case NT_I16:
        case NT_I32:
            nos__sb_printf(b, "%lld%s", (long long)(int64_t)v,
                           m == M_RESULT ? int_suffix(t->kind) : "");
            break;
        case NT_U8:
        case NT_U16:
        case NT_U32:
        case NT_U64:
            nos__sb_printf(b, "%llu%s", (unsigned long long)v,
                           m == M_RESULT ? int_suffix(t->kind) : "");
            break;
        case NT_FLOAT:
            nos__fmt_float(b, nos_val_to_float(v));
            break;
        case NT_F32:
            nos__fmt_f32(b, nos_val_to_f32(v));
            if (m == M_RESULT)
                nos__sb_adds(b, "f32");
            break;
        case NT_BIGINT:
            nos__sb_add_str(b, nos_bigint_to_str((nos_bigint_t *)(uintptr_t)v));
            break;
        case NT_DECIMAL:
            nos__sb_add_str(b, nos_decimal_to_str((nos_decimal_t *)(uintptr_t)v));
            break;
        case NT_STRING: {
            nos_str_t *s = (nos_str_t *)(uintptr_t)v;
            if (m == M_TOP)
                nos__sb_add_str(b, s);
            else
                add_quoted(b, s, m == M_DISP);
            break;
        }
        case NT_PID:
            nos__sb_printf(b, is_result(m) ? "<pid:%lld>" : "<pid %lld>",
                           (long long)nos_pid_id((nos_pid_t *)(uintptr_t)v));
            break;
        case NT_LIST: {
            nos_list_t *l = (nos_list_t *)(uintptr_t)v;
            nos__sb_addc(b, '[');
            if (!l) {
                nos__sb_addc(b, ']');
                break;
            }
            for (; l->tail; l = l->tail) {
                show_val(b, t->elems[0], l->head, cm, depth + 1);
                nos__sb_adds(b, ", ");
            }
            push_closer(&cl, ']');
            t = t->elems[0];
            v = l->head;
            m = cm;
            continue;
        }
        case NT_TUPLE: {
            nos_val_t *f = (nos_val_t *)(uintptr_t)v;
            nos__sb_addc(b, '(');
            if (t->n == 0) {
                nos__sb_addc(b, ')');
                break;
            }
            for (uint32_t i = 0; i + 1 < t->n; i++) {
                show_val(b, t->elems[i], f[i], cm, depth + 1);
                nos__sb_adds(b, ", ");
            }
            push_closer(&cl, ')');
            v = f[t->n - 1];
            t = t->elems[t->n - 1];
            m = cm;
            continue;
        }
        case NT_RECORD: {
            if (t->show) { /* a user Show implementation */
                nos__sb_add_str(b, t->show(v));
                break;
            }
            nos_val_t *f = (nos_val_t *)(uintptr_t)v;
            const char *name = t->name ? t->name : "";
            /* The reference strips the module in display and in result-display keys. */
            if (m == M_TOP || m == M_DISP || m == M_RKEY)
                name = strip_module(name);
            nos__sb_adds(b, name);
            nos__sb_addc(b, '{');
            if (t->n == 0) {
                nos__sb_addc(b, '}');
                break;
            }
            for (uint32_t i = 0; i + 1 < t->n; i++) {
                nos__sb_adds(b, t->field_names[i]);
                nos__sb_adds(b, ": ");
                show_val(b, t->elems[i], f[i], cm, depth + 1);
                nos__sb_adds(b, ", ");
            }
            nos__sb_adds(b, t->field_names[t->n - 1]);
            nos__sb_adds(b, ": ");
            push_closer(&cl, '}');
            v = f[t->n - 1];
            t = t->elems[t->n - 1];
            m = cm;
            continue;
        }
        case NT_VARIANT: {
            if (t->show) {
                nos__sb_add_str(b, t->show(v));
                break;
            }
            nos_variant_t *var = (nos_variant_t *)(uintptr_t)v;
            const nos_ctor_t *c = &t->ctors[var->tag];
            nos__sb_adds(b, c->name);
            if (c->n == 0)
                break;
            nos__sb_addc(b, '(');
            for (uint32_t i = 0; i + 1 < c->n; i++) {
                show_val(b, c->fields[i], var->fields[i], cm, depth + 1);
                nos__sb_adds(b, ", ");
            }
            push_closer(&cl, ')');
            v = var->fields[c->n - 1];
            t = c->fields[c->n - 1];
            m = cm;
            continue;
        }
        case NT_MAP: {
            bool res = is_result(m);
            map_show_ctx_t c = { b, t->elems[0], t->elems[1], res ? M_RKEY : M_DKEY,
                                 res ? M_RESULT : M_DISP, true, depth + 1 };
            nos__sb_adds(b, "%{");
            nos__map_each((nos_map_t *)(uintptr_t)v, show_entry, &c);
            nos__sb_addc(b, '}');
            break;
        }
        case NT_SET:
            show_set(b, t, (nos_set_t *)(uintptr_t)v, m, depth + 1);
            break;
        default:
            if (is_result(m)) {
                nos__sb_addc(b, '"');
                opaque_text(b, t, v);
                nos__sb_addc(b, '"');
            } else {
                opaque_text(b, t, v);
            }
            break;
        }
        break;
    }
    while (cl.n > 0)
        nos__sb_addc(b, cl.p[--cl.n]);
}

void nos__show_into(nos__sb_t *b, const nos_type_t *t, nos_val_t v, bool result)
{
    show_val(b, t, v, result ? M_RESULT : M_TOP, 0);
}

nos_str_t *nos_show(const nos_type_t *t, nos_val_t v)
{
    if (t->kind == NT_DYN) {
        const nos_val_t *box = (const nos_val_t *)(uintptr_t)v;
        t = (const nos_type_t *)(uintptr_t)box[0];
        v = box[1];
    }
    if (t->kind == NT_STRING)
        return (nos_str_t *)(uintptr_t)v;
    nos__sb_t b;
    nos__sb_init(&b, 32);
    show_val(&b, t, v, M_TOP, 0);
    return nos__sb_finish(&b);
}

nos_str_t *nos_show_result(const nos_type_t *t, nos_val_t v)
{
    nos__sb_t b;
    nos__sb_init(&b, 32);
    show_val(&b, t, v, M_RESULT, 0);
    return nos__sb_finish(&b);
}

/* flushStdout() / flushStderr() */
void nos_flush_stdout(void)
{
    fflush(stdout);
}

void nos_flush_stderr(void)
{
    fflush(stderr);
}

/* main's result as the program prints it: result display and a newline; nothing for Unit. */
void nos_print_result(const nos_type_t *t, nos_val_t v)
{
    if (t->kind == NT_DYN) {
        const nos_val_t *box = (const nos_val_t *)(uintptr_t)v;
        t = (const nos_type_t *)(uintptr_t)box[0];
        v = box[1];
    }
    if (t->kind == NT_UNIT)
        return;
    nos_str_t *s = nos_show_result(t, v);
    flockfile(stdout);
    fwrite(s->data, 1, (size_t)s->len, stdout);
    fwrite("\n", 1, 1, stdout); /* not putc_unlocked: TSan cannot see flockfile */
    funlockfile(stdout);
}

/* Write s (and a newline) with one locked stdio call sequence, so lines stay whole. */
static void emit(FILE *f, const nos_type_t *t, nos_val_t v, bool newline)
{
    nos_str_t *s = nos_show(t, v);
    flockfile(f);
    fwrite(s->data, 1, (size_t)s->len, f);
    if (newline)
        fwrite("\n", 1, 1, f); /* not putc_unlocked: TSan cannot see flockfile */
    funlockfile(f);
}

void nos_print(const nos_type_t *t, nos_val_t v)
{
    emit(stdout, t, v, false);
}

void nos_println(const nos_type_t *t, nos_val_t v)
{
    emit(stdout, t, v, true);
}

void nos_eprint(const nos_type_t *t, nos_val_t v)
{
    fflush(stdout); /* keep the order of stdout and stderr lines when both go to one place */
    emit(stderr, t, v, false);
    fflush(stderr);
}

void nos_eprintln(const nos_type_t *t, nos_val_t v)
{
    fflush(stdout);
    emit(stderr, t, v, true);
    fflush(stderr);
}
