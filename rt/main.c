/*
 * main.c - nos_main, the entry point the generated C `main` calls.
 *
 * Start-up order: stacks, GC (with our signal wrappers and root hooks), the scheduler with
 * worker 0 = this thread, the reactor thread; then the main process (<pid:1>) runs the
 * program's init code and its main function on a process stack like any other process.
 * When main returns, its result is printed in the result-display format unless its type is
 * Unit, and the program exits 0 at once, whatever other processes still run: nothing they
 * print gets out after main's result (nos__exit_program). An uncaught error in main prints
 * "Runtime error: <message>" and exits 1 the same way (proc.c, nos__uncaught).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sched_internal.h"

NOS__SPLIT_STACK_AWARE;

int nos__argc;
char **nos__argv;

static void (*main_init)(void);
static nos_val_t (*main_entry)(void);
static const nos_type_t *main_result_type;

/*
 * The program ends with `status` after `line` (if any) is printed on `to`. From here on
 * nothing else may appear: both standard streams stay locked until _exit, so a process on
 * another worker that still prints (a crash report, println) waits for good instead of
 * writing after main's last line.
 */
_Noreturn void nos__exit_program(int status, FILE *to, const char *prefix, const char *line,
                                 size_t len)
{
    flockfile(stdout);
    flockfile(stderr);
    if (to != stdout)
        fflush(stdout);
    if (line) {
        fputs(prefix, to);
        fwrite(line, 1, len, to);
        fputc('\n', to);
    }
    nos__stack_report();
    fflush(NULL);
    _exit(status);
}

static _Noreturn void *main_finish(void *arg)
{
    nos_val_t v = *(nos_val_t *)arg;
    if (main_result_type && main_result_type->kind != NT_UNIT) {
        nos_str_t *s = nos_show_result(main_result_type, v);
        nos__exit_program(0, stdout, "", s->data, (size_t)s->len);
    }
    nos__exit_program(0, stdout, "", NULL, 0);
}

static void main_body(void *unused)
{
    (void)unused;
    nos__proc_begin();
    if (main_init)
        main_init();
    nos_val_t v = main_entry ? main_entry() : 0;
    nos__on_system_stack(main_finish, &v);
}

int nos_main(int argc, char **argv, void (*init)(void), nos_val_t (*entry)(void),
             const nos_type_t *result_type)
{
    nos__argc = argc;
    nos__argv = argv;
    main_init = init;
    main_entry = entry;
    main_result_type = result_type;
    signal(SIGPIPE, SIG_IGN);
    nos__stack_init();
    nos__gc_init();
    nos__sched_init(0);
    nos__reactor_init();
    nos_pid_t *p = nos__proc_new(main_body, NULL);
    atomic_fetch_or_explicit(&p->flags, NOS_PF_MAIN, memory_order_relaxed);
    nos__spawn_enqueue(p);
    nos__sched_run_main();
}
