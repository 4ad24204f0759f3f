// fib: K goroutines compute fib(N) in parallel.
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

func main() {
	k, n := 8, 35
	if len(os.Args) > 2 {
		k, _ = strconv.Atoi(os.Args[1])
		n, _ = strconv.Atoi(os.Args[2])
	}
	t0 := time.Now()
	ch := make(chan int, k)
	for i := 0; i < k; i++ {
		go func() { ch <- fib(n) }()
	}
	sum := 0
	for i := 0; i < k; i++ {
		sum += <-ch
	}
	dt := time.Since(t0)
	if sum != k*fib(n) {
		panic("wrong")
	}
	fmt.Printf("bench=fib lang=go k=%d n=%d ms=%.1f\n", k, n, float64(dt.Microseconds())/1000)
}
