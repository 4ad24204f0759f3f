// fib.go - Go peer of perf/fib32.nos: naive recursive fib(n) on one goroutine, timed in-program.
// Usage: fib N (default 32).
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

func expected(n int) int {
	a, b := 0, 1
	for i := 0; i < n; i++ {
		a, b = b, a+b
	}
	return a
}

func main() {
	n := 32
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	t0 := time.Now()
	r := fib(n)
	el := time.Since(t0)
	if r != expected(n) {
		fmt.Fprintf(os.Stderr, "fib(%d) = %d, expected %d\n", n, r, expected(n))
		os.Exit(1)
	}
	fmt.Printf("bench=fib lang=go n=%d result=%d ms=%.3f\n", n, r, float64(el.Nanoseconds())/1e6)
}
