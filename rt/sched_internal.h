/*
 * sched_internal.h - the process runtime's internal declarations (scheduler, stacks, context switch,
 * mailboxes, mvars, timers, GC glue). Never included by generated code.
 *
 * Files: sched.c (workers, run queues, parking, preemption), proc.c (process records, pids,
 * Process.*), stack.c + morestack_x86_64.S (segmented stacks), ctx_*.S (context switch),
 * mailbox.c, mvar.c, timer.c (the reactor thread), gc.c (Boehm integration), main.c.
 *
 * ======================================================================================
 * WHAT GENERATED CODE MUST DO (the contract with codegen/)
 * ======================================================================================
 *
 * 1. Every Nostos function (and every compiler-made thunk or closure body) gets the LLVM
 *    function attribute "split-stack" on x86-64:
 *        LLVMAddAttributeToFunction(fn, LLVMAttributeFunctionIndex,
 *            LLVMCreateStringAttribute(ctx, "split-stack", 11, "", 0));
 *    LLVM then emits at entry `cmp %fs:0x70,%rsp` (or `lea -FRAME(%rsp),%r11; cmp
 *    %fs:0x70,%r11`) and calls __morestack when the stack segment is short. The runtime
 *    defines __morestack and __morestack_non_split (rt/morestack_x86_64.S): the process
 *    gets a new, bigger segment (the stack grows on demand, limited by NOSTOS_STACK_MAX,
 *    default 1 GiB; past that the process fails with ("StackOverflow", "Stack overflow")).
 *    The same check is the function-entry preemption point: the watchdog poisons the
 *    limit with ~0, so the next prologue check fails and __morestack yields.
 *
 * 2. Loop back-edges (while/for loops and self tail calls lowered to loops) must poll:
 *        %l = load volatile i64, ptr addrspace(257) inttoptr (i64 112 to ptr addrspace(257))
 *        %p = icmp eq i64 %l, -1
 *        br i1 %p, label %poll, label %cont, !prof !{!"branch_weights", i32 1, i32 2000}
 *      poll:
 *        call void @nos_preempt()     ; cold; may switch the process to another worker
 *        br label %cont
 *    (x86-64 code: `cmpq $-1, %fs:0x70; je .Lpoll`). The load must be volatile (or
 *    monotonic atomic) so that it is not hoisted out of the loop. Tail calls that are not
 *    turned into loops go through a function entry and are covered by (1); mark them
 *    `musttail` where possible so a tail-recursive loop runs in constant stack.
 *
 * 3. aarch64: LLVM ignores "split-stack" there. Codegen (cg_entry_stack_check) emits at
 *    every function entry, after the prologue,
 *        %lim = call i64 asm sideeffect "mrs $0, tpidr_el0
 *                   add $0, $0, #:tprel_hi12:nos__stack_limit, lsl #12
 *                   ldr $0, [$0, #:tprel_lo12_nc:nos__stack_limit]", "=r"()
 *        %sp  = call i64 @llvm.read_register.i64(metadata !"sp")
 *        %low = icmp ult i64 %sp, %lim                 ; sp already includes the frame
 *        br i1 %low, label %check, label %body         ; check: call void @nos_stack_check()
 *    and at back-edges `if (%lim == -1) call @nos_preempt()` with the same asm. The thread
 *    pointer is read afresh each time (a process changes threads at any call, and LLVM would
 *    reuse a TLS address computed before one); local-exec TLS, because the runtime is a
 *    static archive, so nos__stack_limit is in the executable's own TLS block. Stacks do not
 *    grow: a process has one contiguous stack (NOSTOS_STACK_AARCH64, default 1 MiB) whose
 *    limit is NOS_STACK_RESERVE + NOS_NONSPLIT_ROOM above its end, room for the frame just
 *    allocated and for the C functions called from Nostos code (they run below the limit
 *    unchecked); nos_stack_check throws StackOverflow when the stack really is short.
 *
 * 4. Link every program with lld and eager binding:
 *        clang-19 ... -fuse-ld=lld -Wl,-z,now <objects> libnostos_rt.a $(pkg-config --libs
 *        bdw-gc libuv libcurl libpq) -lpthread -lm
 *        -Wl,--split-stack-adjust-size=65536          ; x86-64 only
 *    lld rewrites the prologue of a split-stack function that calls a function without
 *    split-stack support so that it asks for NOS_NONSPLIT_ROOM (64 KiB) more (ld.bfd
 *    silently does not, which would let C code run off a small segment; lld's default of
 *    16 KiB is too little for Boehm's allocator). -z now matters because lazy PLT binding
 *    runs the dynamic linker (an XSAVE of ~1 KiB) on whatever stack the first call happens
 *    on.
 *
 * 5. Which runtime entry points may be called directly, and what the others cost:
 *    - The object files of the scheduler half (sched.c, proc.c, mailbox.c, mvar.c, timer.c,
 *      stack.c, gc.c, main.c) carry .note.GNU-split-stack: lld treats them as split-stack
 *      aware and does not enlarge the caller's check. They are "nosplit" in Go's sense:
 *      each path uses at most NOS_NOSPLIT_BUDGET bytes of the caller's segment and does
 *      anything heavier (allocation slow paths, libc, libuv, printing) on the worker's own
 *      pthread stack through nos__on_system_stack. So nos_spawn, nos_self, nos_send,
 *      nos_pid_id, nos_recv_*, nos_sleep, nos_yield, nos_preempt, nos_mvar_*,
 *      nos_process_*, nos_vm_stats are cheap to call from any function.
 *    - Every other runtime function (values, strings, show, dyn, lib natives) is ordinary
 *      C: lld rewrites the prologue of EVERY function that contains a call to one so that
 *      it asks for NOS_NONSPLIT_ROOM (64 KiB) first - a small-frame function then enters
 *      __morestack_non_split on every call, and a process whose body makes such a call at
 *      all moves to a >= 64 KiB segment (one more touched page while it waits: an idle
 *      process costs ~5.5 KB instead of ~1.4 KB). Recommended: call them through a
 *      per-callee thunk that codegen emits,
 *          define internal i64 @nos.thunk.nos_alloc(i64 %n) #split_stack {
 *            %r = musttail call i64 @nos_alloc(i64 %n)
 *            ret i64 %r
 *          }
 *      so that only the thunk's prologue is rewritten: the room is then taken only while
 *      the C function actually runs (the segment is released when it returns) and the
 *      caller's own frame stays on the small segment. Hot, bounded functions are better
 *      made nosplit-safe instead (their file expands NOS__SPLIT_STACK_AWARE and they keep
 *      within the budget; nos_alloc can pop from nos__gc_alloc's per-worker free lists,
 *      which never run Boehm on a process stack).
 *    - Anything that may need more than 64 KiB (deep recursion in C, libcurl, libpq, big
 *      formatting) must be wrapped in nos__on_system_stack by the native that calls it.
 *      Code running there must not park, yield or throw.
 *
 * 6. Program start: the generated C-level `main` is
 *        int main(int argc, char **argv) {
 *            return nos_main(argc, argv, init_fn, main_fn, &result_type_descriptor);
 *        }
 *    init_fn runs top-level bindings and mvar initialisers, main_fn is the Nostos main;
 *    both run inside the main process (on a growable process stack, not the C stack).
 *
 * 7. try/catch: the frame is a local (alloca) of the function that opens it; nos_throw
 *    calls nos__stack_unwind_to(frame) before _longjmp so that segments entered after the
 *    try are released (see stack.c).
 */
#ifndef NOSTOS_SCHED_H
#define NOSTOS_SCHED_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nostos.h"
#include "sched_asm.h"

/* From the value half of rt/ (rt/internal.h), declared here too so that these files do not
 * depend on that header. */
_Noreturn void nos__fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool nos__type_mutable(const nos_type_t *t);
/* Provided here for the value half (rt/error.c). */
nos_exc_frame_t **nos__exc_slot(void);
_Noreturn void nos__uncaught(const nos_type_t *t, nos_val_t v);

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NOS_TSAN 1
#endif
#if __has_feature(address_sanitizer)
#define NOS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(NOS_TSAN)
#define NOS_TSAN 1
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(NOS_ASAN)
#define NOS_ASAN 1
#endif

/*
 * Marks an object file as split-stack aware (see point 5 above). Every scheduler-half C
 * file expands this once at file scope. The code of such a file must respect the budget.
 */
#if defined(__x86_64__) && defined(__ELF__)
#define NOS__SPLIT_STACK_AWARE                                                               \
    __asm__(".section .note.GNU-split-stack,\"\",@progbits\n\t.previous\n\t"               \
            ".section .note.GNU-no-split-stack,\"\",@progbits\n\t.previous")
#else
#define NOS__SPLIT_STACK_AWARE struct nos__split_stack_unused
#endif

/* ---- tunables (defaults; most can be overridden by environment variables) ------------------ */

/* LLVM lets a function with a frame under 256 bytes run at the limit without a new segment. */
#define NOS_SPLIT_SMALL_FRAME 256
/*
 * Stack that nosplit runtime code (and __morestack itself) may use below that, return
 * address included. The deepest paths of an optimized build (tools/rt_stack_budget.py, from
 * gcc's -fcallgraph-info and the tail calls in the objects): an mvar release that wakes a
 * waiter whose worker's run queue overflows, 224 B; a park, ~210 B; __morestack, 32 B (its
 * work runs on the system stack). Every one of these paths is kept short on purpose: slow
 * parts are out of line, requests for the system stack are built there or in the worker.
 * The budget is what a first segment must hold below its limit, so it decides what an idle
 * process costs. Unoptimized and sanitized runtimes get far more room. Debug builds check
 * it at every switch (nos__budget_check) and measure it (NOSTOS_STACK_REPORT).
 */
#if defined(NOS_ASAN) || defined(NOS_TSAN)
#define NOS_NOSPLIT_BUDGET 8192
#elif !defined(__OPTIMIZE__)
#define NOS_NOSPLIT_BUDGET 1024
#else
#define NOS_NOSPLIT_BUDGET 256
#endif
/* Bytes kept below a segment's limit: the sum of the two. */
#define NOS_STACK_RESERVE (NOS_SPLIT_SMALL_FRAME + NOS_NOSPLIT_BUDGET)
/*
 * Extra room a split-stack function gets before it calls ordinary C. Boehm's allocator
 * writes up to ~25 KiB below its caller's sp (GC_clear_stack zeroes 16 KiB now and then,
 * plus the collector's frames), so lld's default of 16 KiB is not enough: programs must be
 * linked with -Wl,--split-stack-adjust-size=65536 to match this value.
 */
#define NOS_NONSPLIT_ROOM 65536
#if !defined(__x86_64__)
/*
 * Without split stacks (aarch64, point 3) a process gets its whole stack up front, one
 * segment of this size (NOSTOS_STACK_AARCH64 overrides); pages are committed when touched.
 */
#define NOS_STACK_ONE_SEGMENT ((size_t)1 << 20)
#endif
/* Run-queue ring size per worker (Go's runq). */
#define NOS_RUNQ_SIZE 256
/* An idle worker that was looking for work keeps looking this long before it sleeps. */
#define NOS_IDLE_SPIN_NS (50 * 1000)
/* A process that runs this long without blocking is asked to yield. */
#define NOS_TIMESLICE_NS (10 * 1000 * 1000)

/* ---- stack segments (stack.c) ------------------------------------------------------------------ */

/*
 * A segment is [base, hi) plus this header just above hi, at the top of its memory block.
 * The stack grows down from hi; the limit (what %fs:0x70 holds while the segment is in use)
 * is base + NOS_STACK_RESERVE. Segments of a process are chained innermost first.
 */
typedef struct nos__seg {
    struct nos__seg *prev;  /* the segment this one was entered from (NULL: first) */
    uintptr_t base;         /* lowest usable address */
    uintptr_t saved_sp;     /* sp in this segment when a newer one was entered (for the GC) */
    uint32_t bytes;         /* size of the whole block, header included (huge ones: clamped) */
    uint16_t cls;           /* size class (stack.c) */
    uint16_t state;         /* in use or free (checked on every hand-over) */
} nos__seg_t;

/* The top of a segment's stack (16-aligned): the header sits right there. */
static inline uintptr_t nos__seg_hi(const nos__seg_t *s)
{
    return (uintptr_t)s;
}

static inline uintptr_t nos__seg_limit(const nos__seg_t *s)
{
#if defined(__x86_64__)
    return s->base + NOS_STACK_RESERVE;
#else
    /* Only Nostos functions check the limit (at entry); the C functions they call run below
     * it unchecked, so it leaves them the room a split-stack thunk gets on x86-64. */
    return s->base + NOS_STACK_RESERVE + NOS_NONSPLIT_ROOM;
#endif
}

/* Debug builds: fail loudly if nosplit code got within 64 bytes of a segment's end. */
#ifndef NDEBUG
void nos__budget_check(uintptr_t sp);
#else
#define nos__budget_check(sp) ((void)0)
#endif

typedef struct nos__worker nos__worker_t;

void nos__stack_init(void);
/* A first segment for a new process (owner worker; may use the system stack). */
nos__seg_t *nos__seg_first(nos__worker_t *w);
/* Give every segment of a dead process back (scheduler side, owner worker). */
void nos__seg_release_all(nos__worker_t *w, nos_pid_t *p);
/* Pop segments of the current process until `addr` (an address in a live frame) is inside
 * the current one; restores the limit. Called before a longjmp to a try frame. */
void nos__stack_unwind_to(const void *addr);
/* Debug builds: with NOSTOS_STACK_REPORT set, print the deepest use of a segment's reserve. */
void nos__stack_report(void);
/* Total stack memory (bytes) reserved and in use, for vmStats-like reports. */
size_t nos__stack_bytes_in_use(void);
/* __morestack entries so far, all workers (approximate while they run). */
uint64_t nos__stack_morestack_calls(void);
extern size_t nos__stack_max;       /* per-process stack budget (NOSTOS_STACK_MAX) */
extern size_t nos__stack_first;     /* first segment size (NOSTOS_STACK_FIRST) */

/* ---- context switch (ctx_*.S) --------------------------------------------------------------- */

/* Save callee-saved registers and sp into *save, load `to` and return into that context. */
void nos__ctx_switch(uintptr_t *save, uintptr_t to);
/* Prepare a fresh stack whose top is `hi` so that switching to the result calls fn(arg). */
uintptr_t nos__ctx_init(uintptr_t hi, void (*fn)(void *), void *arg);
/* Store sp into *save_sp, switch to new_sp, call fn(arg), switch back; returns fn's result. */
void *nos__call_on_stack(void *arg, void *(*fn)(void *), uintptr_t new_sp, uintptr_t *save_sp);

/* ---- processes (proc.c) -------------------------------------------------------------------------- */

enum {
    NOS_P_NEW,       /* spawned, never ran */
    NOS_P_RUNNABLE,  /* in a run queue */
    NOS_P_RUNNING,
    NOS_P_WAITING,   /* parked (receive, mvar, I/O) */
    NOS_P_SLEEPING,  /* parked in sleep */
    NOS_P_DEAD
};

/* Why a parked process may be woken (nos_pid.wake). */
enum {
    NOS_WAKE_MSG = 1u,
    NOS_WAKE_TIMER = 2u,
    NOS_WAKE_MVAR = 4u,
    NOS_WAKE_IO = 8u,
    NOS_WAKE_KILL = 16u
};

/* nos_pid.flags */
enum {
    NOS_PF_MAIN = 1u,
    NOS_PF_KILLED = 2u,
    NOS_PF_TIMER_ARMED = 4u
};

/* nos_pid.mv_state: what became of a process's wait for an mvar (mvar.c). */
enum {
    NOS_MV_QUEUED = 0,   /* in the lock's queue */
    NOS_MV_WOKEN = 1,    /* taken off the queue and woken to try again */
    NOS_MV_GRANTED = 2   /* handed the lock */
};

/* A shared hold of an mvar (exclusive holds are found through the mvar registry, mvar.c). */
typedef struct nos__mvhold {
    nos_mvar_t *m;
    int32_t shared;      /* shared holds (re-entrant readers) */
    int32_t unused;
} nos__mvhold_t;

/* mvar.c: the queue node of a process waiting for an mvar; it lives in the waiter's frame. */
typedef struct nos__mvwait nos__mvwait_t;

/* The mailbox's first dummy node: only its `next` is ever used (mailbox.c). */
typedef struct nos__mbstub {
    nos_msg_t *next;
} nos__mbstub_t;

/*
 * A process. Allocated from the GC heap so that a pid can never dangle: a dead process's
 * record lives on, marked DEAD, as long as somebody holds its pid. Pids are never reused.
 * It is kept to 128 bytes (one size class of the collector, no slop byte): every idle
 * process pays for it, and spawn-heavy programs allocate one per process. What a process
 * runs is not stored here: it sits in the initial frame of its stack (nos__ctx_init).
 */
struct nos_pid {
    /* switch state: owned by whoever runs or resumes the process */
    uintptr_t sp;                  /* saved sp while not running on a process stack */
    nos__seg_t *seg;               /* innermost segment in use */
    struct nos_pid *next;          /* global run queue link */
    int64_t id;
    _Atomic uint32_t state;        /* NOS_P_* */
    _Atomic uint32_t wake;         /* NOS_WAKE_* bits a parked process accepts; 0 = not parked */
    _Atomic uint32_t flags;        /* NOS_PF_* */
    uint32_t slot;                 /* index in the process table */
    nos_exc_frame_t *exc;          /* try-frame chain */
    uint32_t stack_bytes;          /* bytes of all segments (budget; nos__stack_max < 4 GiB) */
    int32_t heap_idx;              /* index in the timer heap (timer.c), -1 if not armed */
    /* mailbox (mailbox.c): Vyukov MPSC chain; mb_head is a dummy node */
    _Atomic(nos_msg_t *) mb_tail;
    nos_msg_t *mb_head;
    _Atomic uint32_t mb_sent;      /* length = mb_sent - mb_taken (mod 2^32) */
    uint32_t mb_taken;
    nos__mbstub_t mb_stub;
    /* mvars (mvar.c) */
    nos__mvwait_t *mv_wait;        /* while waiting for a lock: the queue node */
    nos__mvhold_t *holds;          /* shared holds (GC memory), released on crash */
    uint16_t nholds;
    uint16_t capholds;
    uint16_t nexcl;                /* mvars held exclusively, released on crash */
    _Atomic uint8_t mv_state;      /* NOS_MV_*: what became of the wait (read by the park commit) */
    uint8_t unused;
    /* bookkeeping */
    int64_t start_ns;              /* coarse monotonic clock (nos__now_coarse_ns) */
#if defined(NOS_TSAN) || defined(NOS_ASAN)
    void *san_fiber;               /* TSan fiber / ASan fake stack */
#endif
};

#if !defined(NOS_TSAN) && !defined(NOS_ASAN)
_Static_assert(sizeof(struct nos_pid) == 128, "the process record should stay 128 bytes");
#endif

/* The process table: every live process, for the GC, Process.all and vmStats. */
void nos__proc_table_add(nos__worker_t *w, nos_pid_t *p);
void nos__proc_table_remove(nos__worker_t *w, nos_pid_t *p);
typedef void (*nos__proc_visit_fn)(nos_pid_t *p, void *ctx);
/* Visit every live process (table snapshot; may see a process twice if it races). */
void nos__proc_each(nos__proc_visit_fn f, void *ctx);
void nos__proc_table_push_roots(void);   /* GC hook: the table's chunks */
/*
 * A new process that will run entry(arg) (NEW state, in the table, not yet queued). entry
 * starts with nos__proc_begin() and ends with nos__proc_exit(); arg stays reachable for the
 * GC from the process's own stack.
 */
nos_pid_t *nos__proc_new(void (*entry)(void *), void *arg);
extern _Atomic int64_t nos__stat_spawned, nos__stat_exited;

/* ---- workers and scheduling (sched.c) -------------------------------------------------------- */

enum {
    NOS_ACT_NONE,
    NOS_ACT_YIELD,     /* back to the local run queue */
    NOS_ACT_PREEMPT,   /* ran too long: to the global queue */
    NOS_ACT_PARK,      /* run act_fn; it returns true if the process stays parked */
    NOS_ACT_EXIT       /* the process ended: free it */
};

typedef bool (*nos__park_fn)(nos_pid_t *p, void *arg);

struct nos__worker {
    /* owner only (but preempt_req); __morestack uses these too (offsets NOS_W_* in sched_asm.h) */
    nos_pid_t *cur;            /* the running process */
    uintptr_t sys_sp;          /* top of the system stack for nos__on_system_stack */
    int on_sys;                /* >0 while running on the system stack from a process */
    int act;                   /* NOS_ACT_*: what the process asked the scheduler to do */
    nos__seg_t *seg_spare;     /* the segment most recently left by __morestack: the next
                                  crossing on this worker reuses it (stack.c) */
    uint64_t tick;             /* schedule count (owner) */
    _Atomic uint64_t preempt_req; /* tick of the process the watchdog asked to yield */
    uint64_t morestack_calls;  /* __morestack entries on this worker (stats, tests) */
    uintptr_t ms_save[NOS_W_MS_WORDS];   /* __morestack's argument registers (pushed for the GC) */
    /* run queue (Go's runq): the owner pushes at tail, anyone takes at head */
    _Alignas(64) _Atomic uint32_t runq_head;
    _Atomic uint32_t runq_tail;
    _Atomic(nos_pid_t *) runnext;
    _Atomic(nos_pid_t *) runq[NOS_RUNQ_SIZE];
    /* the scheduler context */
    _Alignas(64) uintptr_t sched_sp;   /* scheduler's saved sp while a process runs */
    nos__park_fn act_fn;
    void *act_arg;
    int id;
    uint32_t rand;
    _Atomic uint64_t tick_pub; /* published tick for the watchdog */
    uintptr_t *guard_slot;     /* &(%fs:0x70) of this thread (x86-64) */
    /* idle parking */
    _Atomic uint32_t parked;   /* futex word: 1 while asleep on the idle list */
    int spinning;
    nos__worker_t *idle_next;
    /* stacks, for the GC */
    uintptr_t pthread_lo, pthread_hi;
    char *altstack;
    size_t altstack_size;
    _Atomic uintptr_t signal_sp;   /* sp at the GC's suspend signal (gc.c) */
    /* allocation caches */
    void *gc_fl[32];               /* tiny free lists for scanned objects (gc.c) */
    void *gc_afl[32];              /* and for pointer-free ones */
    nos__seg_t *seg_cache[8];      /* per-class cache of free segments (stack.c) */
    uint32_t seg_ncache[8];
    uint32_t free_slots_n;         /* process-table slots kept by this worker (proc.c) */
    uint32_t free_slots[64];
    void *san_fiber;               /* the scheduler's TSan fiber */
    void *asan_fake;               /* ASan fake stack of the context being left */
};

extern nos__worker_t **nos__workers;
extern int nos__nworkers;
extern _Thread_local nos__worker_t *nos__tls_worker;

nos__worker_t *nos__w_slow(void);

/*
 * The worker running the calling code. Processes move between workers whenever they park or
 * yield, so this must be read again after any call that may do so: the inline asm keeps the
 * compiler from reusing an earlier thread-pointer computation.
 */
static inline nos__worker_t *nos__w(void)
{
#if defined(__x86_64__)
    nos__worker_t *w;
    __asm__ volatile("movq nos__tls_worker@gottpoff(%%rip), %0\n\t"
                     "movq %%fs:(%0), %0"
                     : "=r"(w));
    return w;
#else
    return nos__w_slow();
#endif
}

static inline uintptr_t nos__sp(void)
{
#if defined(__x86_64__)
    uintptr_t sp;
    __asm__ volatile("movq %%rsp, %0" : "=r"(sp));
    return sp;
#elif defined(__aarch64__)
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
#else
    return (uintptr_t)__builtin_frame_address(0);
#endif
}

/* The current thread's stack limit (what split-stack prologues compare against). */
#if defined(__x86_64__)
static inline void nos__set_limit(uintptr_t v)
{
    __asm__ volatile("movq %0, %%fs:0x70" ::"r"(v) : "memory");
}
static inline uintptr_t nos__get_limit(void)
{
    uintptr_t v;
    __asm__ volatile("movq %%fs:0x70, %0" : "=r"(v));
    return v;
}
#else
extern _Thread_local uintptr_t nos__stack_limit;
void nos__set_limit(uintptr_t v);
uintptr_t nos__get_limit(void);
#endif
#define NOS_LIMIT_POISON ((uintptr_t)-1)

void nos__sched_init(int nworkers);
/* Run the scheduler on the calling (main) thread as worker 0; never returns. */
_Noreturn void nos__sched_run_main(void);
/* Park the current process and let the scheduler run `fn(p, arg)` on its own stack. */
void nos__park(nos__park_fn fn, void *arg);
/* End the current process (scheduler frees it). */
_Noreturn void nos__proc_exit(void);
/* The first call of every process entry function (sanitizer bookkeeping of the switch). */
void nos__proc_begin(void);
/* Make a parked process runnable; any thread (workers use their run queue, others the
 * global queue). The caller must have won the process's wake word. */
void nos__ready(nos_pid_t *p);
/* Queue a new process at the tail of the current worker's run queue. */
void nos__spawn_enqueue(nos_pid_t *p);
/* Try to wake a parked process for `why`; true if this call woke it. Any thread. */
bool nos__wake(nos_pid_t *p, uint32_t why);
/*
 * Wake-ups collected by a thread that is not a worker (an I/O loop) during one round of
 * its events, made runnable together by nos__ready_batch: one lock of the global queue
 * and at most one worker woken for the lot. Owner thread only.
 */
typedef struct nos__wake_batch {
    nos_pid_t *head, *tail;
    int64_t n;
} nos__wake_batch_t;
/* As nos__wake, but a woken process joins b instead of a run queue. */
bool nos__wake_into(nos_pid_t *p, uint32_t why, nos__wake_batch_t *b);
/* Move every process of b to the global queue (woken first) and wake a worker. */
void nos__ready_batch(nos__wake_batch_t *b);
/*
 * Commit helper for park functions: publish the wake mask; returns true if the process
 * must stay parked, false if it was already woken (`cond` true) and should continue.
 * Once the mask is published the process may be woken and run on another worker: `cond`
 * must only read atomics of p or data the commit copied beforehand (never p's stack).
 */
bool nos__park_commit(nos_pid_t *p, uint32_t mask, bool (*cond)(nos_pid_t *p, void *arg),
                      void *arg);
/* Preemption request from __morestack / nos_preempt: yield if asked to. */
void nos__preempt_point(void);
/* Called when a killed process notices it: ends it. */
_Noreturn void nos__proc_die(void);

/* Run fn(arg) on the worker's own pthread stack (Go's systemstack). Any process context;
 * runs fn directly when already on a system stack or outside a process. fn must not park. */
void *nos__on_system_stack(void *(*fn)(void *), void *arg);

#if defined(NOS_TSAN)
void nos__tsan_poll(void);
#define NOS_TSAN_POLL(counter)                                                              \
    do {                                                                                    \
        static _Thread_local unsigned counter;                                              \
        if ((++counter & 255) == 0)                                                         \
            nos__tsan_poll();                                                               \
    } while (0)
#else
#define NOS_TSAN_POLL(counter) ((void)0)
#endif

/* Monotonic clock in ns. */
int64_t nos__now_ns(void);
/* The same, to the kernel's tick (a few ms), for bookkeeping: about 4x cheaper. */
int64_t nos__now_coarse_ns(void);

/* ---- GC (gc.c) ---------------------------------------------------------------------------- */

void nos__gc_init(void);
/* A full collection now (runs on the system stack). */
void nos__gc_collect(void);
#if defined(NOS_TSAN)
void nos__gc_safepoint(void);       /* workers, in the scheduler loop */
void nos__gc_maybe_collect(void);   /* the watchdog */
#endif
/* Per worker thread, after it started: altstack, stack bounds, GC registration details. */
void nos__gc_worker_start(nos__worker_t *w);
/* Allocate `bytes` of zeroed, scanned GC memory without using more than the nosplit budget
 * of the current stack (the slow path runs on the system stack). */
void *nos__gc_alloc(size_t bytes);
/* The same for memory that holds no pointers (not scanned, not zeroed). */
void *nos__gc_alloc_atomic(size_t bytes);
/* nos__gc_alloc without the slop byte: for objects that no code ever points one past the
 * end of (process records), so that a 128-byte record takes 128 bytes. */
void *nos__gc_alloc_exact(size_t bytes);

/* ---- timers and the reactor (timer.c) -------------------------------------------------------- */

void nos__reactor_init(void);
/*
 * Run fn(loop, arg) on the reactor thread, soon, in submission order per submitter. Any
 * thread. r is owned by the caller until fn runs (it typically lives in the frame of the
 * process that then parks with NOS_WAKE_IO; the completion callback wakes it).
 */
struct uv_loop_s;
typedef struct nos__reactor_req {
    struct nos__reactor_req *next;
    void (*fn)(struct uv_loop_s *loop, void *arg);
    void *arg;
} nos__reactor_req_t;
void nos__reactor_submit(nos__reactor_req_t *r, void (*fn)(struct uv_loop_s *loop, void *arg),
                         void *arg);
/* Arm p's timer for `deadline` (monotonic ns; p is parking). Any worker. */
void nos__timer_arm(nos_pid_t *p, int64_t deadline);
/* Disarm p's timer if armed. */
void nos__timer_cancel(nos_pid_t *p);

/* ---- mailbox (mailbox.c) and mvars (mvar.c) -------------------------------------------------- */

void nos__mbox_init(nos_pid_t *p);
int64_t nos__mbox_len(nos_pid_t *p);
void nos__mbox_clear(nos_pid_t *p);
/* A dying process: release every mvar lock it holds and leave any wait queue. */
void nos__mvar_release_all(nos_pid_t *p);

/* ---- main (main.c) ------------------------------------------------------------------------ */

extern int nos__argc;
extern char **nos__argv;
/* End the program: print prefix and line (if not NULL) and a newline on `to`, flush, exit
 * with status; nothing printed by any other thread gets out after it. System stack. */
_Noreturn void nos__exit_program(int status, FILE *to, const char *prefix,
                                 const char *line, size_t len);

/* ---- sanitizer fiber annotations (gc.c) -------------------------------------------------- */

#if defined(NOS_TSAN) || defined(NOS_ASAN)
void nos__san_worker_start(nos__worker_t *w);
void nos__san_fiber_create(nos_pid_t *p);
void nos__san_fiber_destroy(nos_pid_t *p);
/* Before a context switch: to = the process entered, or NULL for the scheduler (then dying
 * says whether the process being left has ended). */
void nos__san_switch_begin(nos__worker_t *w, nos_pid_t *to, bool dying);
/* After it, in the context entered: arrived = that process, or NULL for the scheduler. */
void nos__san_switch_end(nos__worker_t *w, nos_pid_t *arrived);
#if defined(NOS_ASAN)
/* nos__on_system_stack's switch, told to ASan. */
void *nos__san_call_on_system_stack(nos__worker_t *w, nos_pid_t *p, void *(*fn)(void *),
                                    void *arg);
#endif
#else
static inline void nos__san_worker_start(nos__worker_t *w) { (void)w; }
static inline void nos__san_fiber_create(nos_pid_t *p) { (void)p; }
static inline void nos__san_fiber_destroy(nos_pid_t *p) { (void)p; }
static inline void nos__san_switch_begin(nos__worker_t *w, nos_pid_t *to, bool dying)
{
    (void)w; (void)to; (void)dying;
}
static inline void nos__san_switch_end(nos__worker_t *w, nos_pid_t *arrived)
{
    (void)w; (void)arrived;
}
#endif

#endif
