// mutex: PROCS goroutines increment a mutex-protected counter INCS times each.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

func main() {
	procs, incs := 1000, 1000
	if len(os.Args) > 2 {
		procs, _ = strconv.Atoi(os.Args[1])
		incs, _ = strconv.Atoi(os.Args[2])
	}
	var mu sync.Mutex
	counter := 0
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := 0; i < procs; i++ {
		wg.Add(1)
		go func() {
			for j := 0; j < incs; j++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	dt := time.Since(t0)
	if counter != procs*incs {
		panic("wrong total")
	}
	fmt.Printf("bench=mutex lang=go procs=%d incs=%d total=%d ns_per_inc=%.1f\n", procs, incs, counter, float64(dt.Nanoseconds())/float64(procs*incs))
}
