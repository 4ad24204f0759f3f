/*
 * alloc.c - allocation of Nostos values from the Boehm collector.
 *
 * Every Nostos heap object comes from here. nos_alloc memory may hold pointers and is
 * scanned; nos_alloc_atomic memory (strings, number arrays, bignum limbs) is never scanned
 * and must not hold the only reference to anything. Both return memory aligned to 16 bytes;
 * nos_alloc memory is zeroed, nos_alloc_atomic memory is not. Out of memory is fatal.
 * Any thread.
 */
#ifndef GC_THREADS
#define GC_THREADS
#endif
#include <gc/gc.h>

#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

void nos__fatal(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("runtime: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void *nos_alloc(size_t bytes)
{
    void *p = GC_MALLOC(bytes ? bytes : 1);
    if (!p)
        nos__fatal("out of memory allocating %zu bytes", bytes);
    return p;
}

void *nos_alloc_atomic(size_t bytes)
{
    void *p = GC_MALLOC_ATOMIC(bytes ? bytes : 1);
    if (!p)
        nos__fatal("out of memory allocating %zu bytes", bytes);
    return p;
}
