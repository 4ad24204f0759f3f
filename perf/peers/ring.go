// ring.go - Go peer of perf/ring.nos: SIZE goroutines in a ring, each with a one-slot mailbox
// channel; a token holding a hop count is passed on and decremented at each hop; the node
// that receives 0 tells the parent. Building the ring is not timed.
// Usage: ring SIZE HOPS (default 100 1000000).
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
	size, hops := arg(1, 100), arg(2, 1000000)
	boxes := make([]chan int, size)
	for i := range boxes {
		boxes[i] = make(chan int, 1)
	}
	done := make(chan int, 1)
	for i := 0; i < size; i++ {
		in, out := boxes[i], boxes[(i+1)%size]
		go func() {
			for k := range in {
				if k == 0 {
					done <- 0
				} else {
					out <- k - 1
				}
			}
		}()
	}
	t0 := time.Now()
	boxes[0] <- hops
	got := <-done
	el := time.Since(t0)
	if got != 0 {
		os.Exit(1)
	}
	fmt.Printf("bench=ring lang=go n=%d hops=%d ns_per_hop=%.1f\n", size, hops,
		float64(el.Nanoseconds())/float64(hops))
}
