/* fib.c - the C peer of perf/fib32.nos: naive recursive fib(n) on one thread, timed in-program.
 * Built by `nostos bench` with clang-19 -O2. Usage: fib N (default 32). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

/* fib(n) for the n this program accepts, to check the answer. */
static long expected(long n) {
    long a = 0, b = 1;
    for (long i = 0; i < n; i++) {
        long t = a + b;
        a = b;
        b = t;
    }
    return a;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 32;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long r = fib(n);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (r != expected(n)) {
        fprintf(stderr, "fib(%ld) = %ld, expected %ld\n", n, r, expected(n));
        return 1;
    }
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("bench=fib lang=c n=%ld result=%ld ms=%.3f\n", n, r, ms);
    return 0;
}
