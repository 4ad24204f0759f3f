/*
 * clock.c - clocks for programs and benchmarks.
 */
#include "nostos.h"

#include <time.h>

int64_t nos_monotonic_ns(void);

/* Nanoseconds of CLOCK_MONOTONIC: for measuring durations inside a program. */
int64_t nos_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
