// idle_procs: N goroutines report ready, then block receiving; RSS per goroutine.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func rss() int64 {
	b, _ := os.ReadFile("/proc/self/statm")
	f := strings.Fields(string(b))
	p, _ := strconv.ParseInt(f[1], 10, 64)
	return p * int64(os.Getpagesize())
}

func main() {
	n := 1000000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	runtime.GC()
	before := rss()
	t0 := time.Now()
	ready := make(chan int, n)
	chans := make([]chan int, n)
	for i := 0; i < n; i++ {
		c := make(chan int)
		chans[i] = c
		go func() { ready <- 1; <-c }()
	}
	got := 0
	for i := 0; i < n; i++ {
		got += <-ready
	}
	dt := time.Since(t0)
	if got != n {
		panic("wrong count")
	}
	after := rss()
	fmt.Printf("bench=idle_procs lang=go n=%d bytes_per_proc=%.0f spawn_ready_ms=%.0f\n", n,
		float64(after-before)/float64(n), float64(dt.Milliseconds()))
	runtime.KeepAlive(chans)
}
