#!/usr/bin/env python3
"""rt_stack_budget.py - how much of a process's stack each runtime entry point can use.

The scheduler half of rt/ is "nosplit" (rt/sched_internal.h, contract point 5): called from
Nostos code, it runs on the process's segment below the stack limit, within
NOS_NOSPLIT_BUDGET bytes. This tool compiles those files as an optimized build does (gcc -O3
-fcallgraph-info=su), reads every function's frame size and its calls and tail jumps (from
objdump), and prints the deepest path below each entry point, return addresses included.
A path ends where it leaves the segment: the switch to the system stack (nos__on_sys_fast,
nos__call_on_stack) or to the scheduler (nos__ctx_switch). Functions that only ever run on
the system stack (named *_slow or *_sys by convention, and a few others listed below) are
not followed: keep that naming convention (and nothing else named so).

    tools/rt_stack_budget.py [--budget N] [--cc gcc]     (exit 1 if a path exceeds N)
"""
import argparse, glob, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = ['sched', 'proc', 'stack', 'mailbox', 'mvar', 'timer', 'gc', 'main', 'alloc']
ENTRIES = ['nos_send', 'nos_recv_begin', 'nos_recv_next', 'nos_recv_take', 'nos_spawn',
           'nos_self', 'nos_pid_id', 'nos_sleep', 'nos_yield', 'nos_preempt', 'nos_stack_check',
           'nos_mvar_init', 'nos_mvar_lock', 'nos_mvar_unlock', 'nos_mvar_lock_shared',
           'nos_mvar_unlock_shared', 'nos_process_alive', 'nos_process_time', 'nos_process_info',
           'nos_process_all', 'nos_process_kill', 'nos_vm_stats', 'nos__gc_alloc',
           'nos__gc_alloc_atomic', 'nos_alloc', 'nos_alloc_atomic', 'nos__preempt_point', 'nos__morestack_done',
           'nos__stack_unwind_to']
# Bytes below their entry that these use on the process stack before leaving it.
LEAVES = {'nos__on_sys_fast': 8, 'nos__call_on_stack': 16, 'nos__ctx_switch': 48}
SYSTEM_ONLY = {'slots_refill', 'slots_spill', 'throw_overflow', 'main_uncaught',
               'proc_crash_report', 'nos__fatal', 'nos_throw_error'}


def analyse(cc, outdir):
    size, calls, tails = {}, {}, {}
    for f in FILES:
        src = os.path.join(ROOT, 'rt', f + '.c')
        obj = os.path.join(outdir, f + '.o')
        subprocess.run([cc, '-O3', '-DNDEBUG', '-DGC_THREADS', '-D_GNU_SOURCE', '-std=gnu11',
                        '-I' + os.path.join(ROOT, 'rt'), '-fcallgraph-info=su', '-c', src,
                        '-o', obj], check=True, cwd=outdir)
    for ci in glob.glob(os.path.join(outdir, '*.ci')):
        for line in open(ci):
            m = re.match(r'node: \{ title: "([^"]+)" label: "[^\\]*\\n[^\\]*\\n(\d+) bytes', line)
            if m:
                size[m.group(1).split(':')[-1]] = int(m.group(2))
    for obj in glob.glob(os.path.join(outdir, '*.o')):
        out = subprocess.run(['objdump', '-dr', '--no-show-raw-insn', obj],
                             capture_output=True, text=True, check=True).stdout
        cur, last = None, None
        for line in out.splitlines():
            m = re.match(r'^[0-9a-f]+ <([^>]+)>:', line)
            if m:
                cur = m.group(1)
                if cur.endswith('.cold'):
                    cur = cur[:-5]
                calls.setdefault(cur, set())
                tails.setdefault(cur, set())
                continue
            if cur is None:
                continue
            m = re.search(r'\s(call|jmp)\s+[0-9a-f]* ?<([^>+]+)>', line)
            r = re.search(r'R_X86_64_(?:PLT32|PC32)\s+([A-Za-z0-9_.]+)', line)
            if m and m.group(2) != cur and not m.group(2).startswith(cur + '.'):
                tgt = m.group(2)[:-5] if m.group(2).endswith('.cold') else m.group(2)
                if not tgt.endswith('_main'):   # (a cold part's jump back, misnamed)
                    (calls if m.group(1) == 'call' else tails)[cur].add(tgt)
            elif r and last in ('call', 'jmp') and not r.group(1).startswith('.'):
                (calls if last == 'call' else tails)[cur].add(r.group(1).split('-')[0])
            mm = re.search(r'\s(call|jmp)\s', line)
            last = mm.group(1) if mm else None
    return size, calls, tails


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--budget', type=int, default=256)
    ap.add_argument('--cc', default='gcc')
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        size, calls, tails = analyse(a.cc, d)
    skip = lambda c: c.endswith('_slow') or c.endswith('_sys') or c in SYSTEM_ONLY
    memo, unknown = {}, set()

    def depth(f, stack=()):
        if f in LEAVES:
            return LEAVES[f], [f]
        if f in memo:
            return memo[f]
        if f in stack:
            return 0, ['(recursion)']
        if f not in size and f not in calls:
            unknown.add(f)
            return 0, ['?' + f]
        own = size.get(f, 0)
        best = (own, [f])
        for c in calls.get(f, ()):
            if not skip(c):
                d = depth(c, stack + (f,))
                if own + 8 + d[0] > best[0]:
                    best = (own + 8 + d[0], [f] + d[1])
        for c in tails.get(f, ()):
            if not skip(c):
                d = depth(c, stack + (f,))
                if d[0] > best[0]:
                    best = (d[0], [f, '(jump)'] + d[1])
        memo[f] = best
        return best

    rows = sorted(((depth(e)[0] + 8, e, ' > '.join(depth(e)[1])) for e in ENTRIES), reverse=True)
    for n, e, path in rows:
        print('%5d  %-24s %s' % (n, e, path))
    reached = sorted(u for u in unknown if not u.startswith('nos__san'))
    print('outside the runtime (libc, vDSO; small frames):', ', '.join(reached))
    worst = rows[0][0]
    print('deepest: %d bytes of a budget of %d' % (worst, a.budget))
    return 1 if worst > a.budget else 0


if __name__ == '__main__':
    sys.exit(main())
