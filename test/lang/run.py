#!/usr/bin/env python3
"""Runner for the Nostos language test suite (test/lang).

Each test is a .nos file whose header holds one expectation:

  # expect: <text>          the last line of the merged stdout+stderr, after trailing
                            whitespace is dropped, must equal <text> (also right-trimmed)
  # expect_error: <text>    the merged output must contain <text> (case-sensitive)

If a file has both, expect_error wins (as the reference's runner). Exit status of the
program is not judged. Each test runs as `NOSTOS FILE` in a fresh temporary directory with
stdin closed and a timeout (15 s unless --timeout says otherwise); a timeout is a failure.

Usage: python3 test/lang/run.py --nostos build/nostos [-j N] [-v] [paths...]
A directory holding a main.nos is a project: one test, compiled as a whole, its header in
main.nos. A path is a .nos file or a directory searched recursively; the default is the folder this
script lives in, without its bugs/ folder (the minimized bug repros; pass test/lang/bugs
to run those). Prints `FAIL: path: detail` per failure and ends with `N passed, N failed`;
exit status 1 if anything failed.
"""
import argparse
import concurrent.futures
import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_header(text):
    expect = None
    expect_error = None
    for line in text.split('\n'):
        if expect is None and line.startswith('# expect:'):
            expect = line[len('# expect:'):].strip()
        if expect_error is None and line.startswith('# expect_error:'):
            expect_error = line[len('# expect_error:'):].strip()
    return expect, expect_error


def collect(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            default_root = os.path.abspath(p) == HERE
            for root, dirs, names in os.walk(p):
                dirs.sort()
                if default_root and os.path.abspath(root) == HERE and 'bugs' in dirs:
                    dirs.remove('bugs')
                if 'main.nos' in names:
                    # A project directory: one test, compiled as a whole.
                    files.append(root)
                    dirs[:] = []
                    continue
                for n in sorted(names):
                    if n.endswith('.nos'):
                        files.append(os.path.join(root, n))
        elif os.path.isfile(p):
            files.append(p)
        else:
            print('FAIL: %s: no such file or directory' % p)
            files.append(None)
    return files


def run_one(nostos, path, timeout):
    """Return None on success, else a one-line failure detail."""
    try:
        with open(os.path.join(path, 'main.nos') if os.path.isdir(path) else path, encoding='utf-8') as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        return 'cannot read: %s' % e
    expect, expect_error = parse_header(text)
    if expect is None and expect_error is None:
        return 'missing # expect: or # expect_error: header'
    tmp = tempfile.mkdtemp(prefix='nostos-lang-')
    try:
        proc = subprocess.Popen([nostos, os.path.abspath(path)], cwd=tmp,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.communicate()
            return 'timeout after %gs' % timeout
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    output = out.decode('utf-8', errors='replace')
    lines = output.rstrip().split('\n')
    last = lines[-1].rstrip() if lines else ''
    if expect_error is not None:
        if expect_error in output:
            return None
        return 'expected error containing %r, got %r (exit %d)' % (expect_error, last, proc.returncode)
    if last == expect:
        return None
    return 'expected %r, got %r (exit %d)' % (expect, last, proc.returncode)


def main():
    ap = argparse.ArgumentParser(description='Run the Nostos language tests.')
    ap.add_argument('--nostos', required=True, help='path of the nostos compiler binary')
    ap.add_argument('-j', type=int, default=os.cpu_count() or 1, help='parallel jobs')
    ap.add_argument('--timeout', type=float, default=15.0, help='seconds per test')
    ap.add_argument('-v', action='store_true', help='also print passing tests')
    ap.add_argument('paths', nargs='*')
    args = ap.parse_args()

    nostos = os.path.abspath(args.nostos)
    if not os.access(nostos, os.X_OK):
        print('FAIL: %s: not an executable' % args.nostos)
        print('0 passed, 1 failed')
        return 1
    files = collect(args.paths or [HERE])
    passed = failed = 0
    real = [f for f in files if f is not None]
    failed += len(files) - len(real)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.j)) as ex:
        results = ex.map(lambda f: (f, run_one(nostos, f, args.timeout)), real)
        for path, detail in results:
            rel = os.path.relpath(path)
            if detail is None:
                passed += 1
                if args.v:
                    print('PASS: %s' % rel)
            else:
                failed += 1
                print('FAIL: %s: %s' % (rel, detail))
            sys.stdout.flush()
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
