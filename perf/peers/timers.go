// timers.go - Go peer of perf/timers.nos: N goroutines each sleep MS milliseconds and then
// report to the parent; the total includes starting them. Usage: timers N MS (default 100000 100).
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func arg(i, dflt int) int {
	if len(os.Args) > i {
		if v, err := strconv.Atoi(os.Args[i]); err == nil {
			return v
		}
	}
	return dflt
}

func main() {
	n, ms := arg(1, 100000), arg(2, 100)
	done := make(chan int, n)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		go func() {
			time.Sleep(time.Duration(ms) * time.Millisecond)
			done <- 1
		}()
	}
	count := 0
	for i := 0; i < n; i++ {
		count += <-done
	}
	el := time.Since(t0)
	if count != n || el < time.Duration(ms)*time.Millisecond {
		fmt.Fprintf(os.Stderr, "count %d in %v\n", count, el)
		os.Exit(1)
	}
	fmt.Printf("bench=timers lang=go n=%d sleep_ms=%d ms=%.1f\n", n, ms, float64(el.Nanoseconds())/1e6)
}
