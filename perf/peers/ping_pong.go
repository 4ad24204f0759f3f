// ping_pong.go - Go peer of perf/ping_pong.nos: a ping goroutine and a pong goroutine, each
// with a one-slot mailbox channel, exchange N round trips of an int; ping tells the parent when
// done. Usage: ping_pong N (default 1000000).
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	n := 1000000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	toPing := make(chan int, 1)
	toPong := make(chan int, 1)
	done := make(chan int, 1)
	t0 := time.Now()
	go func() {
		for k := range toPong {
			toPing <- k
		}
	}()
	go func() {
		for k := 0; k < n; k++ {
			toPong <- k
			if got := <-toPing; got != k {
				fmt.Fprintf(os.Stderr, "pong %d for ping %d\n", got, k)
				os.Exit(1)
			}
		}
		done <- n
	}()
	got := <-done
	el := time.Since(t0)
	close(toPong)
	if got != n {
		os.Exit(1)
	}
	fmt.Printf("bench=ping_pong lang=go n=%d ns_per_rt=%.1f\n", n, float64(el.Nanoseconds())/float64(n))
}
