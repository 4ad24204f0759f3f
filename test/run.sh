#!/usr/bin/env bash
# test/run.sh - runs every test suite of the project against build/:
#   1. the registered CTest tests (runtime C tests, parser goldens, fuzzing, ...)
#   2. the language tests (test/lang, `# expect:` format), one count per program
#   3. the examples of docs/language.md (tools/check-docs.py)
#   4. the I/O tests (test/io) with PostgreSQL and a local HTTP server started
#      by test/io/services.sh, if present
# Prints each failure, then a last line "N passed, N failed"; exit 1 on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
JOBS=${JOBS:-$(nproc)}
pass=0
fail=0

# 1. CTest (the language and I/O suites are counted per program below).
ctest_out=$(cd "$BUILD" && ctest -j"$JOBS" --timeout 900 -E '^(lang_tests|io_tests)$' --output-on-failure 2>&1)
echo "$ctest_out" | grep -E "Failed|\*\*\*|tests passed|tests failed" | grep -v "^$" || true
line=$(echo "$ctest_out" | grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" | tail -1)
if [ -n "$line" ]; then
  total=$(echo "$line" | sed -E 's/.*out of ([0-9]+).*/\1/')
  failed=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed.*/\1/')
  pass=$((pass + total - failed)); fail=$((fail + failed))
elif ! echo "$ctest_out" | grep -q "No tests were found"; then
  echo "test/run.sh: ctest did not run"; fail=$((fail + 1))
fi

run_counted() {  # $1 = label, the rest = a runner whose last line is "N passed, N failed"
  local label=$1 out last
  shift
  out=$("$@" 2>&1)
  echo "$out" | grep -E "^FAIL" || true
  last=$(echo "$out" | tail -1)
  if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    pass=$((pass + BASH_REMATCH[1])); fail=$((fail + BASH_REMATCH[2]))
    echo "$label: $last"
  else
    echo "$label: runner failed: $last"; fail=$((fail + 1))
  fi
}

run_lang() {  # $1 = directory
  run_counted "$1" python3 test/lang/run.py --nostos "$BUILD/nostos" -j "$JOBS" "$1"
}

# 2. language tests
[ -f test/lang/run.py ] && run_lang test/lang

# 3. every complete example of docs/language.md, built and run
[ -f tools/check-docs.py ] && run_counted docs/language.md python3 tools/check-docs.py --nostos "$BUILD/nostos"

# 4. I/O tests with services
if [ -d test/io ] && [ -x test/io/services.sh ]; then
  if test/io/services.sh start; then
    run_lang test/io
    test/io/services.sh stop || true
  else
    echo "test/run.sh: could not start services for test/io"; fail=$((fail + 1))
  fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
