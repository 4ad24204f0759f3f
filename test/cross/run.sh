#!/usr/bin/env bash
# test/cross/run.sh - the language and I/O tests cross-built for aarch64 and run under
# qemu-aarch64-static (this machine has no binfmt_misc registration, so qemu is called
# explicitly, by test/cross/nostos-qemu). Each program is built with
# `nostos build FILE --target aarch64-linux-gnu` and judged by its `# expect:` header exactly
# as test/lang/run.py judges `nostos FILE` on the host.
#
#   bash test/cross/run.sh                 test/lang and test/io (default)
#   bash test/cross/run.sh --static        the same, linked with --static; programs that use
#                                          the HTTP client or PostgreSQL (libcurl, libpq: no
#                                          static archives on Debian) are left out and counted
#   bash test/cross/run.sh --host --static the same for the host (x86-64), natively: checks
#                                          the host's static executables
#   bash test/cross/run.sh PATH...         only these files or directories
#
# Needs: the host build ($BUILD/nostos, default build/) and the aarch64 runtime next to it
# ($BUILD/aarch64-linux-gnu/libnostos_rt.a): `bash tools/setup-aarch64.sh` installs the
# packages and builds it. test/io needs PostgreSQL and the local HTTP server: started here
# with test/io/services.sh if they are not up (and stopped again if started here).
# Prints each failure, then a last line "N passed, N failed"; exit 1 on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
JOBS=${JOBS:-$(nproc)}
TIMEOUT=${NOSTOS_CROSS_TIMEOUT:-120}
TRIPLE=aarch64-linux-gnu

static=""
paths=()
for a in "$@"; do
  case "$a" in
    --static) static=1 ;;
    --host) TRIPLE="$(uname -m)-linux-gnu" ;;
    *) paths+=("$a") ;;
  esac
done
[ ${#paths[@]} -eq 0 ] && paths=(test/lang test/io)

nostos=$(cd "$BUILD" 2>/dev/null && pwd)/nostos
if [ ! -x "$nostos" ]; then
  echo "test/cross/run.sh: $BUILD/nostos not found (build the compiler first: bash tools/setup.sh)"
  echo "0 passed, 1 failed"; exit 1
fi
host=""
[ "$TRIPLE" = "$(uname -m)-linux-gnu" ] && host=1
if [ -z "$host" ] && { [ ! -f "$BUILD/$TRIPLE/libnostos_rt.a" ] || ! command -v qemu-aarch64-static >/dev/null; }; then
  echo "test/cross/run.sh: no aarch64 runtime or qemu: run BUILD=$BUILD bash tools/setup-aarch64.sh"
  echo "0 passed, 1 failed"; exit 1
fi

# Programs that cannot pass under qemu-user for reasons of the emulation, not of aarch64.
declare -A skip=()
declare -A with_env=()
if [ -z "$host" ]; then
  skip=(
    [test/io/file_errors.nos]="re-runs itself through /proc/\$PPID/exe, which under qemu-user is qemu"
    [test/io/pg_sleep_parallel.nos]="a timing bound (800 ms) that 20 emulated SCRAM logins exceed"
    [test/io/http_client_errors.nos]="a 500 ms HTTP timeout that 11 emulated redirects can exceed on a busy machine"
  )
  # Programs that need a bigger stack on aarch64, where a process's stack does not grow.
  with_env=(
    [test/lang/functions/deep_recursion_million.nos]="NOSTOS_STACK_AARCH64=64M"
  )
fi

files=()
special=()
nskip=0
while IFS= read -r f; do
  [ -z "$f" ] && continue
  case "$f" in */bugs/*|*/compiler_bugs/*) continue ;; esac
  if [ -n "${skip[$f]:-}" ]; then nskip=$((nskip + 1)); continue; fi
  if [ -n "$static" ] && grep -rqE '\b(Pg|Http)\.' "$f"; then nskip=$((nskip + 1)); continue; fi
  if [ -n "${with_env[$f]:-}" ]; then special+=("$f"); continue; fi
  files+=("$f")
done < <(for p in "${paths[@]}"; do
           # A directory holding main.nos is a project: one test, built as a whole.
           if [ -d "$p" ]; then
             # The outermost directory below $p holding main.nos is the project (its
             # files may sit in subdirectories: geo/plane/figures.nos).
             find "$p" -name '*.nos' | sort | while IFS= read -r g; do
               proj=""
               d=$(dirname "$g")
               while [ "$d" != "$p" ] && [ "$d" != . ] && [ "$d" != / ]; do
                 [ -f "$d/main.nos" ] && proj=$d
                 d=$(dirname "$d")
               done
               if [ -n "$proj" ]; then
                 [ "$g" = "$proj/main.nos" ] && echo "$proj"
               else
                 echo "$g"
               fi
             done
           else echo "$p"; fi
         done)

started_services=""
if printf '%s\n' "${files[@]}" "${special[@]}" | grep -q '^test/io/'; then
  if ! test/io/services.sh status 2>/dev/null | grep -q "PostgreSQL: up" ||
     ! test/io/services.sh status 2>/dev/null | grep -q "HTTP: up"; then
    test/io/services.sh start >/dev/null && started_services=1 ||
      echo "test/cross/run.sh: could not start test/io/services.sh (PostgreSQL, HTTP)"
  fi
fi

export NOSTOS_CROSS_COMPILER="$nostos" NOSTOS_CROSS_TARGET="$TRIPLE"
[ -n "$static" ] && export NOSTOS_CROSS_STATIC=1
pass=0
fail=0
run() {  # files...
  local out last
  out=$(python3 test/lang/run.py --nostos test/cross/nostos-qemu -j "$JOBS" --timeout "$TIMEOUT" "$@" 2>&1)
  echo "$out" | grep -E "^FAIL" || true
  last=$(echo "$out" | tail -1)
  if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    pass=$((pass + BASH_REMATCH[1])); fail=$((fail + BASH_REMATCH[2]))
  else
    echo "test/cross/run.sh: runner failed: $last"; fail=$((fail + 1))
  fi
}
[ ${#files[@]} -gt 0 ] && run "${files[@]}"
for f in "${special[@]}"; do
  out=$(env ${with_env[$f]} python3 test/lang/run.py --nostos test/cross/nostos-qemu -j 1 \
          --timeout "$TIMEOUT" "$f" 2>&1)
  echo "$out" | grep -E "^FAIL" || true
  if echo "$out" | tail -1 | grep -q "^1 passed"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done

[ -n "$started_services" ] && test/io/services.sh stop >/dev/null
if [ -n "$host" ]; then
  echo "$TRIPLE${static:+ (--static)}: $nskip left out${static:+ (libcurl/libpq users)}"
else
  echo "$TRIPLE under qemu${static:+ (--static)}: $nskip left out (emulation limits${static:+, libcurl/libpq users})"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
