#!/bin/sh
# run_golden.sh - golden tests of the lexer and the parser.
#
#   test/parse/run_golden.sh [NOSTOS] [--update]
#
# For every NAME.nos in this directory:
#   NAME.tokens  expected stdout of `nostos build NAME.nos --emit=tokens`
#   NAME.ast     expected stdout of `nostos build NAME.nos --emit=ast`
#   NAME.err     expected stderr of the --emit=ast run (diagnostics); when it
#                is absent, both runs must print nothing on stderr.
# A golden file that does not exist is not checked (except NAME.err, see
# above). --update rewrites the golden files from the current output.
# The last line is "N passed, N failed"; the exit status is 1 on a failure.
HERE=$(cd "$(dirname "$0")" && pwd)
NOSTOS=$HERE/../../build/nostos
UPDATE=0
for a in "$@"; do
    case $a in
    --update) UPDATE=1 ;;
    *) NOSTOS=$a ;;
    esac
done
case $NOSTOS in
/*) ;;
*) NOSTOS=$(pwd)/$NOSTOS ;;
esac
if [ ! -x "$NOSTOS" ]; then
    echo "run_golden.sh: no compiler at $NOSTOS" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
cd "$HERE" || exit 1
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
pass=0 fail=0

# check NAME KIND FILE: compares FILE with the golden NAME.KIND (or writes it).
check() {
    if [ $UPDATE -eq 1 ]; then
        cp "$3" "$1.$2"
        return 0
    fi
    [ -f "$1.$2" ] || return 0
    if ! diff -u "$1.$2" "$3" > /dev/null; then
        echo "  $1.$2 differs:"
        diff -u "$1.$2" "$3" | head -n 20 | sed 's/^/    /'
        return 1
    fi
    return 0
}

for src in *.nos; do
    name=${src%.nos}
    ok=1
    timeout 20 "$NOSTOS" build "$src" --emit=tokens > "$out" 2> "$err"
    check "$name" tokens "$out" || ok=0
    if [ ! -f "$name.err" ] && [ -s "$err" ] && [ $UPDATE -eq 0 ]; then
        echo "  unexpected diagnostics from --emit=tokens:"
        head -n 5 "$err" | sed 's/^/    /'
        ok=0
    fi
    timeout 20 "$NOSTOS" build "$src" --emit=ast > "$out" 2> "$err"
    check "$name" ast "$out" || ok=0
    if [ -f "$name.err" ] || { [ $UPDATE -eq 1 ] && [ -s "$err" ]; }; then
        check "$name" err "$err" || ok=0
    elif [ -s "$err" ]; then
        echo "  unexpected diagnostics from --emit=ast:"
        head -n 5 "$err" | sed 's/^/    /'
        ok=0
    fi
    if [ $ok -eq 1 ]; then
        pass=$((pass + 1))
        echo "PASS $name"
    else
        fail=$((fail + 1))
        echo "FAIL $name"
    fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
