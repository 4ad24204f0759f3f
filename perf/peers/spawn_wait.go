// spawn_wait.go - Go peer of perf/spawn_wait.nos: start N goroutines, each sends its index to
// the parent's "mailbox" (a channel with room for N, so a send never blocks, as a mailbox);
// the parent receives N values and checks their sum. Usage: spawn_wait N (default 1000000).
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
	t0 := time.Now()
	mailbox := make(chan int, n)
	for i := 0; i < n; i++ {
		go func(k int) { mailbox <- k }(i)
	}
	sum := 0
	for i := 0; i < n; i++ {
		sum += <-mailbox
	}
	el := time.Since(t0)
	if sum != n*(n-1)/2 {
		fmt.Fprintf(os.Stderr, "sum = %d, expected %d\n", sum, n*(n-1)/2)
		os.Exit(1)
	}
	fmt.Printf("bench=spawn_wait lang=go n=%d ms=%.3f\n", n, float64(el.Nanoseconds())/1e6)
}
