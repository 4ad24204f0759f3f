// timers: N goroutines sleep MS each; total time including spawning.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	n, ms := 100000, 100
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[1])
		ms, _ = strconv.Atoi(os.Args[2])
	}
	t0 := time.Now()
	done := make(chan int, n)
	for i := 0; i < n; i++ {
		go func() { time.Sleep(time.Duration(ms) * time.Millisecond); done <- 1 }()
	}
	for i := 0; i < n; i++ {
		<-done
	}
	dt := time.Since(t0)
	fmt.Printf("bench=timers lang=go n=%d sleep_ms=%d total_ms=%.1f\n", n, ms, float64(dt.Microseconds())/1000)
}
