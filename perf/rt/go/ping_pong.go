// ping_pong: N round trips between a ping and a pong goroutine.
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
	pingc, pongc, done := make(chan int), make(chan int), make(chan int)
	go func() {
		for v := range pingc {
			pongc <- v
		}
	}()
	go func() {
		got := 0
		for i := 0; i < n; i++ {
			pingc <- 1
			got += <-pongc
		}
		close(pingc)
		done <- got
	}()
	got := <-done
	dt := time.Since(t0)
	if got != n {
		panic("wrong count")
	}
	fmt.Printf("bench=ping_pong lang=go n=%d ns_per_round_trip=%.1f\n", n, float64(dt.Nanoseconds())/float64(n))
}
