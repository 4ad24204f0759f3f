// ring: a token passed around NODES goroutines (1-slot mailboxes), decremented per hop.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	nodes, hops := 100, 1000000
	if len(os.Args) > 2 {
		nodes, _ = strconv.Atoi(os.Args[1])
		hops, _ = strconv.Atoi(os.Args[2])
	}
	chans := make([]chan int, nodes)
	for i := range chans {
		chans[i] = make(chan int, 1)
	}
	done := make(chan int)
	for i := 0; i < nodes; i++ {
		in, out := chans[i], chans[(i+1)%nodes]
		go func() {
			for h := range in {
				if h == 0 {
					done <- 1
					continue
				}
				out <- h - 1
			}
		}()
	}
	t0 := time.Now()
	chans[0] <- hops
	<-done
	dt := time.Since(t0)
	fmt.Printf("bench=ring lang=go nodes=%d hops=%d ns_per_hop=%.1f\n", nodes, hops, float64(dt.Nanoseconds())/float64(hops))
}
