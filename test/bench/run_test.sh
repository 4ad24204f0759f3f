#!/bin/sh
# run_test.sh NOSTOS SRC_DIR WORK_DIR - tests `nostos bench` itself on the tiny benchmarks here:
# the runs, the JSON it saves, a regression forced through --baseline (exit 3), a benchmark
# whose self-check fails (exit 1), and that directories named bugs/ are skipped.
set -u
NOSTOS=$1
SRC=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
XDG_CACHE_HOME=$WORK/cache
export XDG_CACHE_HOME
fail() {
    echo "FAIL: $*"
    exit 1
}

# 1. Two counted runs, no warm-up, saved as JSON.
"$NOSTOS" bench "$SRC/ok" -n 2 --warmup 0 --save "$WORK/run.json" >"$WORK/out1.txt" 2>&1
rc=$?
cat "$WORK/out1.txt"
[ $rc -eq 0 ] || fail "bench of ok/ exited $rc"
grep -q "result: bench=fixed lang=nostos work=100" "$WORK/out1.txt" || fail "no result line in the report"
grep -q "crash" "$WORK/out1.txt" && fail "a file under bugs/ was run"
[ -f "$WORK/cache/nostos/bench/last.json" ] || fail "no JSON at the default path"
if command -v python3 >/dev/null 2>&1; then
    python3 - "$WORK/run.json" <<'PY' || fail "the saved JSON is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
rows = {b["name"]: b for b in d["benchmarks"]}
assert set(rows) == {"fixed", "fixed:env"}, rows.keys()
# The variant row runs with its own environment on both sides.
for name, work, peer, ratio in (("fixed", 100, 40, 2.5), ("fixed:env", 200, 20, 10)):
    r = rows[name]
    assert r["status"] == "ok", r
    assert r["runs"] == 2, r
    m = r["nostos"]["metric"]
    assert m["key"] == "work" and m["median"] == work and m["values"] == [work, work], m
    assert r["nostos"]["result"] == "bench=fixed lang=nostos work=%d" % work, r["nostos"]["result"]
    for k in ("wall_ms", "user_ms", "sys_ms", "maxrss_kb"):
        assert r["nostos"][k]["median"] is not None, k
    # Peak RSS is the program's own, not the harness's (which maps ~50 MiB of LLVM).
    assert 0 < r["nostos"]["maxrss_kb"]["median"] < 40 * 1024, r["nostos"]["maxrss_kb"]
    p = r["peers"][0]
    assert p["label"] == "sh" and p["metric"]["median"] == peer, p
    assert p["ratio"]["median"] == ratio, p["ratio"]
print("json ok")
PY
else
    grep -q '"name": "fixed"' "$WORK/run.json" || fail "the saved JSON has no row for fixed"
fi

# 2. Against its own run: no regression.
"$NOSTOS" bench "$SRC/ok/fixed.nos" -n 2 --warmup 0 --no-peers --baseline "$WORK/run.json" >"$WORK/out2.txt" 2>&1
rc=$?
cat "$WORK/out2.txt"
[ $rc -eq 0 ] || fail "no regression expected, exit $rc"

# 3. Against a baseline where the figure was half: a regression, exit 3.
cat >"$WORK/base.json" <<'JSON'
{"format": "nostos-bench/1",
 "benchmarks": [{"name": "fixed", "status": "ok", "nostos": {"metric": {"key": "work", "median": 50}}}]}
JSON
"$NOSTOS" bench "$SRC/ok/fixed.nos" -n 2 --warmup 0 --no-peers --baseline "$WORK/base.json" >"$WORK/out3.txt" 2>&1
rc=$?
cat "$WORK/out3.txt"
[ $rc -eq 3 ] || fail "a forced regression must exit 3, got $rc"
grep -q "REGRESSION" "$WORK/out3.txt" || fail "the regression is not shown"
# ... unless the threshold allows it.
"$NOSTOS" bench "$SRC/ok/fixed.nos" -n 1 --warmup 0 --no-peers --baseline "$WORK/base.json" --threshold 150 \
    >"$WORK/out4.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "a change within --threshold must exit 0, got $rc"

# 4. A wrong answer fails the run.
"$NOSTOS" bench "$SRC/fail" -n 1 --warmup 0 >"$WORK/out5.txt" 2>&1
rc=$?
cat "$WORK/out5.txt"
[ $rc -eq 1 ] || fail "a failing self-check must exit 1, got $rc"
grep -q "Assertion failed" "$WORK/out5.txt" || fail "the failing run's output is not shown"

# 5. --vs runs a command beside the benchmark.
"$NOSTOS" bench "$SRC/ok/fixed.nos" -n 2 --warmup 0 --vs "echo bench=vs work=25" >"$WORK/out6.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "--vs exited $rc"
grep -q "median 4.000x" "$WORK/out6.txt" || fail "--vs ratio is not 4"
echo "PASS"
