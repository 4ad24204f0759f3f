// fib_par.go - Go peer of perf/fib_par.nos: P goroutines each compute fib(N); the parent
// collects the results from a channel and checks their sum. GOMAXPROCS decides the cores.
// Usage: fib_par P N (default 8 35).
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func arg(i, dflt int) int {
	if len(os.Args) > i {
		if v, err := strconv.Atoi(os.Args[i]); err == nil {
			return v
		}
	}
	return dflt
}

func main() {
	p, n := arg(1, 8), arg(2, 35)
	a, b := 0, 1
	for i := 0; i < n; i++ {
		a, b = b, a+b
	}
	t0 := time.Now()
	results := make(chan int, p)
	for i := 0; i < p; i++ {
		go func() { results <- fib(n) }()
	}
	total := 0
	for i := 0; i < p; i++ {
		total += <-results
	}
	el := time.Since(t0)
	if total != p*a {
		fmt.Fprintf(os.Stderr, "sum = %d, expected %d\n", total, p*a)
		os.Exit(1)
	}
	fmt.Printf("bench=fib_par lang=go procs=%d n=%d ms=%.3f\n", p, n, float64(el.Nanoseconds())/1e6)
}
