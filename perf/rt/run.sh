#!/bin/sh
# run.sh - build and run the process-runtime micro-benchmarks beside their Go peers.
#
#   perf/rt/run.sh [BUILD_DIR] [RUNS]     (BUILD_DIR holds libnostos_rt.a; default: build)
#
# Builds perf/rt/bench.c like a Nostos program (split-stack code, lld, the runtime archive)
# and the Go programs in perf/rt/go, runs every case RUNS times (default 5) and prints the
# median of each metric. Every program checks its own answer first. Environment variables
# are passed through (NOSTOS_THREADS / GOMAXPROCS for one-thread figures).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
runs=${2:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cc=${CC:-cc}
lld_dir=/usr/lib/llvm-19/bin
$cc -O2 -fsplit-stack -I"$here/../../rt" -c "$here/bench.c" -o "$out/bench.o"
$cc -B"$lld_dir" -fuse-ld=lld -Wl,-z,now -Wl,--split-stack-adjust-size=65536 "$out/bench.o" \
    "$build/libnostos_rt.a" $(pkg-config --libs bdw-gc libuv libcurl libpq) -lpthread -lm \
    -o "$out/bench"
have_go=0
if command -v go >/dev/null 2>&1; then
    have_go=1
    for f in "$here"/go/*.go; do
        (cd "$here/go" && GOFLAGS=-mod=mod go build -o "$out/$(basename "$f" .go)_go" "$f")
    done
fi

# median VALUE-OF-KEY over RUNS runs of a command
median() {
    key=$1; shift
    i=0
    : > "$out/vals"
    while [ $i -lt "$runs" ]; do
        "$@" | tr ' ' '\n' | sed -n "s/^$key=//p" >> "$out/vals"
        i=$((i + 1))
    done
    sort -n "$out/vals" | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}

row() {
    name=$1 key=$2 args=$3 goprog=$4
    c=$(median "$key" "$out/bench" $args)
    g=-
    if [ $have_go = 1 ]; then
        g=$(median "$key" "$out/${goprog}_go" $(echo "$args" | cut -d' ' -f2-))
    fi
    printf '%-34s %-20s %12s %12s\n' "$name" "$key" "$c" "$g"
}

printf '%-34s %-20s %12s %12s\n' case metric nostos-c go
row "spawn+collect 1M"            ms                  "spawn_wait 1000000"  spawn_wait
row "1M idle processes"           bytes_per_proc      "idle_procs 1000000"  idle_procs
row "ping-pong 1M round trips"    ns_per_round_trip   "ping_pong 1000000"   ping_pong
row "ring of 100, 1M hops"        ns_per_hop          "ring 100 1000000"    ring
row "1000 x 1000 mvar increments" ns_per_inc          "mutex 1000 1000"     mutex
row "100k x sleep(100)"           total_ms            "timers 100000 100"   timers
row "8 x fib(35)"                 ms                  "fib 8 35"            fib
