/*
 * list.c - immutable singly linked lists: a cell is two words (head, tail), NULL is [].
 *
 * Cells are never modified once another value can see them; functions that build a list
 * front to back fill the tail of the newest cell before returning it. All loops are
 * iterative. nos_list_sort_by calls Nostos code (the comparator), which may yield or throw;
 * the sort keeps its scratch space in GC memory reachable from its own frame, holds no lock
 * and caches nothing thread-local, so both are safe.
 */
#include <string.h>

#include "internal.h"

nos_list_t *nos_list_cons(nos_val_t head, nos_list_t *tail)
{
    nos_list_t *c = nos_alloc(sizeof *c);
    c->head = head;
    c->tail = tail;
    return c;
}

int64_t nos_list_length(nos_list_t *l)
{
    int64_t n = 0;
    for (; l; l = l->tail)
        n++;
    return n;
}

nos_list_t *nos_list_from_array(const nos_val_t *v, int64_t n)
{
    nos_list_t *l = NULL;
    for (int64_t i = n - 1; i >= 0; i--)
        l = nos_list_cons(v[i], l);
    return l;
}

/* Copies the cells of a (b is shared). */
nos_list_t *nos_list_append(nos_list_t *a, nos_list_t *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    nos_list_t *head = NULL, **tailp = &head;
    for (; a; a = a->tail) {
        nos_list_t *c = nos_list_cons(a->head, NULL);
        *tailp = c;
        tailp = &c->tail;
    }
    *tailp = b;
    return head;
}

/* xs[i]: throws ("IndexOutOfBounds", "Index i out of bounds (length n)"). */
nos_val_t nos_list_index(nos_list_t *l, int64_t i)
{
    if (i >= 0) {
        nos_list_t *p = l;
        for (int64_t k = i; p && k > 0; k--)
            p = p->tail;
        if (p)
            return p->head;
    }
    nos_err_index(i, nos_list_length(l));
}

/* range(a, b) = [a, a + 1, ..., b - 1]; empty when a >= b. */
nos_list_t *nos_list_range(int64_t from, int64_t to)
{
    nos_list_t *l = NULL;
    for (int64_t i = to; i > from; i--)
        l = nos_list_cons((nos_val_t)(i - 1), l);
    return l;
}

nos_list_t *nos_list_reverse(nos_list_t *l)
{
    nos_list_t *r = NULL;
    for (; l; l = l->tail)
        r = nos_list_cons(l->head, r);
    return r;
}

nos_val_t nos_list_head(nos_list_t *l)
{
    if (!l)
        nos_err_index(0, 0);
    return l->head;
}

nos_list_t *nos_list_tail(nos_list_t *l)
{
    if (!l)
        nos_err_index(0, 0);
    return l->tail;
}

nos_val_t nos_list_last(nos_list_t *l)
{
    if (!l)
        nos_err_index(0, 0);
    while (l->tail)
        l = l->tail;
    return l->head;
}

/* The first n elements (all of them if n >= length, none if n <= 0). */
nos_list_t *nos_list_take(nos_list_t *l, int64_t n)
{
    if (nos_list_drop(l, n) == NULL)
        return l; /* the whole list: share it */
    nos_list_t *head = NULL, **tailp = &head;
    for (; l && n > 0; l = l->tail, n--) {
        nos_list_t *c = nos_list_cons(l->head, NULL);
        *tailp = c;
        tailp = &c->tail;
    }
    return head;
}

/* Everything after the first n elements (shares the rest). */
nos_list_t *nos_list_drop(nos_list_t *l, int64_t n)
{
    for (; l && n > 0; n--)
        l = l->tail;
    return l;
}

bool nos_list_contains(const nos_type_t *elem, nos_list_t *l, nos_val_t x)
{
    for (; l; l = l->tail)
        if (nos_eq(elem, l->head, x))
            return true;
    return false;
}

/* ---- sorting ------------------------------------------------------------------------------ */

typedef int (*cmp_fn)(const void *ctx, nos_val_t a, nos_val_t b);

/* Bottom-up stable merge sort of v[0..n) using tmp[0..n) as scratch. */
static void merge_sort(nos_val_t *v, nos_val_t *tmp, int64_t n, cmp_fn cmp, const void *ctx)
{
    for (int64_t width = 1; width < n; width *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * width) {
            int64_t mid = lo + width < n ? lo + width : n;
            int64_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            int64_t i = lo, j = mid, k = lo;
            if (mid >= hi || cmp(ctx, v[mid - 1], v[mid]) <= 0) {
                memcpy(tmp + lo, v + lo, sizeof(nos_val_t) * (size_t)(hi - lo));
                continue;
            }
            while (i < mid && j < hi)
                tmp[k++] = cmp(ctx, v[j], v[i]) < 0 ? v[j++] : v[i++];
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        memcpy(v, tmp, sizeof(nos_val_t) * (size_t)n);
    }
}

static nos_list_t *sort_list(nos_list_t *l, cmp_fn cmp, const void *ctx)
{
    int64_t n = nos_list_length(l);
    if (n < 2)
        return l;
    nos_val_t *v = nos_alloc(sizeof(nos_val_t) * (size_t)n);
    nos_val_t *tmp = nos_alloc(sizeof(nos_val_t) * (size_t)n);
    int64_t i = 0;
    for (nos_list_t *p = l; p; p = p->tail)
        v[i++] = p->head;
    merge_sort(v, tmp, n, cmp, ctx);
    return nos_list_from_array(v, n);
}

static int cmp_by_type(const void *ctx, nos_val_t a, nos_val_t b)
{
    return nos_cmp(ctx, a, b);
}

nos_list_t *nos_list_sort(const nos_type_t *elem, nos_list_t *l)
{
    return sort_list(l, cmp_by_type, elem);
}

static int cmp_by_closure(const void *ctx, nos_val_t a, nos_val_t b)
{
    nos_closure_t *c = (nos_closure_t *)ctx;
    int64_t r = ((int64_t(*)(nos_closure_t *, nos_val_t, nos_val_t))c->fn)(c, a, b);
    return r < 0 ? -1 : r > 0;
}

nos_list_t *nos_list_sort_by(nos_list_t *l, nos_closure_t *cmp)
{
    return sort_list(l, cmp_by_closure, cmp);
}

/*
 * set(xs, i, v) and `xs[i] = v`: a list equal to xs with element i replaced by v (the cells
 * before i are copied, the rest shared). Like the reference's stdlib `set`, an index
 * outside [0, length) leaves the list as it is.
 */
nos_list_t *nos_list_set(nos_list_t *l, int64_t i, nos_val_t v)
{
    if (i < 0 || nos_list_drop(l, i) == NULL)
        return l;
    nos_list_t *head = NULL, **tailp = &head;
    for (; i > 0; i--, l = l->tail) {
        nos_list_t *c = nos_list_cons(l->head, NULL);
        *tailp = c;
        tailp = &c->tail;
    }
    *tailp = nos_list_cons(v, l->tail);
    return head;
}
