#!/bin/sh
# check_ref.sh - parses every .nos file of the reference test suite and
# reports how many parse without a diagnostic.
#
#   test/parse/check_ref.sh [TESTS_DIR] [NOSTOS]
#
# TESTS_DIR defaults to /tmp/ref/tests (the reference's tests/, extracted
# outside this repository; nothing is copied from it). NOSTOS defaults to
# build/nostos. A file counts as clean when `nostos build FILE --emit=ast` exits 0
# and prints nothing on stderr. Files listed in EXPECTED_FAILURES are meant
# to be rejected by the parser and count as clean when they are.
# Exit status: 0 when every file is as expected, 1 otherwise.
TESTS=${1:-/tmp/ref/tests}
HERE=$(cd "$(dirname "$0")" && pwd)
NOSTOS=${2:-$HERE/../../build/nostos}
EXPECTED_FAILURES=""

if [ ! -d "$TESTS" ]; then
    echo "check_ref.sh: no tests directory $TESTS" >&2
    exit 2
fi
if [ ! -x "$NOSTOS" ]; then
    echo "check_ref.sh: no compiler at $NOSTOS" >&2
    exit 2
fi

total=0 clean=0 bad=0
tmp=$(mktemp)
list=$(mktemp)
find "$TESTS" -name '*.nos' | sort > "$list"
while IFS= read -r f; do
    total=$((total + 1))
    rel=${f#"$TESTS"/}
    expect_fail=0
    for e in $EXPECTED_FAILURES; do
        [ "$e" = "$rel" ] && expect_fail=1
    done
    if timeout 10 "$NOSTOS" build "$f" --emit=ast > /dev/null 2> "$tmp" && [ ! -s "$tmp" ]; then
        ok=1
    else
        ok=0
    fi
    if [ $ok -ne $expect_fail ]; then
        clean=$((clean + 1))
    else
        bad=$((bad + 1))
        echo "FAIL $rel: $(head -n 1 "$tmp")"
    fi
done < "$list"
rm -f "$tmp" "$list"
echo "$clean of $total files parse as expected, $bad do not"
[ $bad -eq 0 ]
