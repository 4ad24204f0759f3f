#!/usr/bin/env python3
"""Check the runnable examples of a Markdown document (docs/language.md) with a nostos binary.

An example is a fenced code block tagged ```nostos that is followed (after blank lines at most)
by one of these HTML comments:

  <!-- expect: TEXT -->        the program builds, and the last line of its stdout, right-trimmed,
                               is TEXT (right-trimmed); an empty stdout counts as the line ""
  <!-- expect-error: TEXT -->  `nostos build` fails and its output contains TEXT
  <!-- check -->               `nostos check` accepts it (for programs that need a service, such
                               as PostgreSQL, to run)

Blocks without such a comment are fragments and are not checked. A multi-file project is a run
of blocks each preceded by `<!-- file: NAME -->` (NAME relative to the project directory, e.g.
main.nos or geometry/shapes.nos); the comment after the last block judges the project, which is
built as a directory.

Each example is built with `NOSTOS build SRC -o prog` in a fresh temporary directory and run there
with stdin closed and a timeout. Prints `FAIL: FILE:LINE: detail` per failure and ends with
`N passed, N failed`; exit status 1 if anything failed.

Usage: python3 tools/check-docs.py --nostos build/nostos [-j N] [-v] [docs/language.md ...]
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

FENCE_OPEN = re.compile(r'^```nostos\s*$')
FENCE_CLOSE = re.compile(r'^```\s*$')
EXPECT = re.compile(r'^<!--\s*(expect|expect-error|check)(?::\s?(.*?))?\s*-->\s*$')
FILE_MARK = re.compile(r'^<!--\s*file:\s*(\S+)\s*-->\s*$')


class Example:
    def __init__(self, doc, line, files, kind, text):
        self.doc = doc          # the Markdown file
        self.line = line        # line of the (first) opening fence, 1-based
        self.files = files      # list of (name, source); name None for a single-file example
        self.kind = kind        # 'expect', 'expect-error' or 'check'
        self.text = text


def extract(doc):
    """Return the examples of one Markdown file, in order."""
    with open(doc, encoding='utf-8') as f:
        lines = f.read().split('\n')
    examples = []
    pending = []        # project files collected so far: (name, source, line)
    i = 0
    n = len(lines)
    while i < n:
        if not FENCE_OPEN.match(lines[i]):
            i += 1
            continue
        start = i
        # A `<!-- file: NAME -->` right above the fence (blank lines allowed) names a project file.
        j = start - 1
        while j >= 0 and lines[j].strip() == '':
            j -= 1
        mark = FILE_MARK.match(lines[j]) if j >= 0 else None
        i += 1
        body = []
        while i < n and not FENCE_CLOSE.match(lines[i]):
            body.append(lines[i])
            i += 1
        i += 1  # past the closing fence
        source = '\n'.join(body) + '\n'
        if mark:
            pending.append((mark.group(1), source, start + 1))
        k = i
        while k < n and lines[k].strip() == '':
            k += 1
        m = EXPECT.match(lines[k]) if k < n else None
        if not m:
            continue
        if mark:
            files = [(name, src) for name, src, _ in pending]
            first = pending[0][2]
            pending = []
        else:
            files = [(None, source)]
            first = start + 1
        examples.append(Example(doc, first, files, m.group(1), m.group(2) or ''))
    return examples


def last_line(text):
    lines = text.rstrip().split('\n')
    return lines[-1].rstrip() if lines else ''


def run_example(ex, nostos, timeout):
    """Build and run one example; return None on success or a failure detail."""
    tmp = tempfile.mkdtemp(prefix='nostos-doc-')
    try:
        if ex.files[0][0] is None:
            src = os.path.join(tmp, 'example.nos')
            with open(src, 'w', encoding='utf-8') as f:
                f.write(ex.files[0][1])
        else:
            src = os.path.join(tmp, 'project')
            for name, text in ex.files:
                path = os.path.join(src, name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, 'w', encoding='utf-8') as f:
                    f.write(text)
        if ex.kind == 'check':
            try:
                c = subprocess.run([nostos, 'check', src], cwd=tmp, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout * 4)
            except subprocess.TimeoutExpired:
                return 'check timed out'
            if c.returncode != 0:
                return 'check failed:\n' + c.stdout.decode('utf-8', 'replace').rstrip()
            return None
        prog = os.path.join(tmp, 'prog')
        try:
            b = subprocess.run([nostos, 'build', src, '-o', prog], cwd=tmp, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout * 4)
        except subprocess.TimeoutExpired:
            return 'build timed out'
        out = b.stdout.decode('utf-8', 'replace')
        if ex.kind == 'expect-error':
            if b.returncode == 0:
                return 'expected a compile error containing %r, but it built' % ex.text
            if ex.text not in out:
                return 'compile error does not contain %r:\n%s' % (ex.text, out.rstrip())
            return None
        if b.returncode != 0:
            return 'build failed:\n' + out.rstrip()
        try:
            r = subprocess.run([prog], cwd=tmp, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            return 'timed out after %ss' % timeout
        got = last_line(r.stdout.decode('utf-8', 'replace'))
        if got != ex.text.rstrip():
            err = r.stderr.decode('utf-8', 'replace').rstrip()
            return 'expected %r, got %r (exit %d)%s' % (ex.text, got, r.returncode,
                                                       ('\nstderr: ' + err) if err else '')
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description='Check the runnable examples of Markdown documents.')
    ap.add_argument('--nostos', required=True, help='the nostos compiler to use')
    ap.add_argument('-j', type=int, default=os.cpu_count() or 1, help='examples run in parallel')
    ap.add_argument('--timeout', type=float, default=20.0, help='seconds per run (the build gets 4x)')
    ap.add_argument('-v', action='store_true', help='print every example, not only failures')
    ap.add_argument('docs', nargs='*', help='Markdown files (default: docs/language.md)')
    args = ap.parse_args()
    nostos = os.path.abspath(args.nostos)
    docs = args.docs or [os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'docs', 'language.md')]
    examples = []
    for d in docs:
        examples.extend(extract(d))
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.j)) as pool:
        results = pool.map(lambda ex: (ex, run_example(ex, nostos, args.timeout)), examples)
        for ex, detail in results:
            where = '%s:%d' % (os.path.relpath(ex.doc), ex.line)
            if detail is None:
                passed += 1
                if args.v:
                    print('ok: ' + where)
            else:
                failed += 1
                print('FAIL: %s: %s' % (where, detail))
    print('%d passed, %d failed' % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
