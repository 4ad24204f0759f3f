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

/*
 * Allocation goes through the scheduler's per-worker free lists (rt/gc.c): the fast path
 * uses a few words of the caller's stack and the slow path (refilling the lists, running a
 * collection) happens on the worker's own stack. So this file is split-stack aware and
 * generated code calls it directly from the smallest process stack segment.
 */
void *nos__gc_alloc(size_t bytes);
void *nos__gc_alloc_atomic(size_t bytes);

void *nos_alloc(size_t bytes)
{
    return nos__gc_alloc(bytes ? bytes : 1);
}

void *nos_alloc_atomic(size_t bytes)
{
    return nos__gc_alloc_atomic(bytes ? bytes : 1);
}

#if defined(__x86_64__) && defined(__ELF__)
__asm__(".section .note.GNU-split-stack,\"\",@progbits\n\t.previous\n\t"
        ".section .note.GNU-no-split-stack,\"\",@progbits\n\t.previous");
#endif
