// spawn_wait: spawn N goroutines that each send one value; collect them (peer of bench.c).
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
	ch := make(chan int, n)
	for i := 0; i < n; i++ {
		go func(i int) { ch <- i }(i)
	}
	sum := 0
	for i := 0; i < n; i++ {
		sum += <-ch
	}
	dt := time.Since(t0)
	if sum != n*(n-1)/2 {
		panic("wrong sum")
	}
	fmt.Printf("bench=spawn_wait lang=go n=%d ms=%.1f\n", n, float64(dt.Microseconds())/1000)
}
