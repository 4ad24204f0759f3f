/* bench.c - `nostos bench` (see issue 5); placeholder until the harness lands. */
#include <stdio.h>

int bench_main(int argc, char **argv);

int bench_main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "nostos bench: not available in this build yet\n");
    return 2;
}
