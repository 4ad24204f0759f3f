// idle_procs.go - Go peer of perf/idle_procs.nos: N goroutines each report "ready" to the
// parent and then block receiving on a channel of their own (kept in a slice, as pids would
// be). The harness divides the process's peak RSS by n; the program also prints its own RSS
// growth per goroutine. Usage: idle_procs N (default 1000000).
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func rssBytes() int {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.Atoi(f[1])
	return pages * os.Getpagesize()
}

func main() {
	n := 1000000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	before := rssBytes()
	t0 := time.Now()
	ready := make(chan int, n)
	boxes := make([]chan int, n)
	for i := 0; i < n; i++ {
		box := make(chan int)
		boxes[i] = box
		go func() {
			ready <- 1
			<-box
		}()
	}
	count := 0
	for i := 0; i < n; i++ {
		count += <-ready
	}
	el := time.Since(t0)
	if count != n {
		fmt.Fprintf(os.Stderr, "ready = %d, expected %d\n", count, n)
		os.Exit(1)
	}
	delta := float64(rssBytes()-before) / float64(n)
	fmt.Printf("bench=idle_procs lang=go n=%d ready_ms=%.1f rss_delta_per_proc=%.0f\n", n,
		float64(el.Nanoseconds())/1e6, delta)
	_ = boxes
}
