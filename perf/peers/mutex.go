// mutex.go - Go peer of perf/mvar_contention.nos: W goroutines each increment a shared
// counter K times under a sync.Mutex, then report to the parent's channel; the parent checks
// the total. Usage: mutex W K (default 1000 1000).
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
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
	w, k := arg(1, 1000), arg(2, 1000)
	var mu sync.Mutex
	counter := 0
	done := make(chan int, w)
	t0 := time.Now()
	for i := 0; i < w; i++ {
		go func() {
			for j := 0; j < k; j++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
			done <- 1
		}()
	}
	for i := 0; i < w; i++ {
		<-done
	}
	el := time.Since(t0)
	mu.Lock()
	total := counter
	mu.Unlock()
	if total != w*k {
		fmt.Fprintf(os.Stderr, "counter = %d, expected %d\n", total, w*k)
		os.Exit(1)
	}
	fmt.Printf("bench=mutex lang=go workers=%d incs=%d ns_per_inc=%.2f\n", w, k,
		float64(el.Nanoseconds())/float64(w*k))
}
