#!/bin/sh
# test/golden/run.sh NOSTOS - checks `nostos build F --emit=types` of every
# test/golden/*.nos against F.types. Prints a diff for each difference and
# ends with "N passed, N failed". With UPDATE=1, rewrites the .types files.
nostos=${1:-build/nostos}
dir=$(dirname "$0")
pass=0
fail=0
for f in "$dir"/*.nos; do
  exp="${f%.nos}.types"
  out=$("$nostos" build "$f" --emit=types 2>&1)
  if [ "${UPDATE:-0}" = 1 ]; then printf '%s\n' "$out" > "$exp"; fi
  if [ -f "$exp" ] && [ "$out" = "$(cat "$exp")" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: $f"
    printf '%s\n' "$out" | diff "$exp" - | head -20
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
