// file_read.go - Go peer of perf/io/file_read.nos: N goroutines each read a distinct 64 KiB
// file with os.ReadFile and send its length to the parent's channel; the parent checks the
// total. Usage: file_read DIR N.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	dir := os.Args[1]
	n, _ := strconv.Atoi(os.Args[2])
	t0 := time.Now()
	mailbox := make(chan int, n)
	for i := 0; i < n; i++ {
		go func(k int) {
			b, err := os.ReadFile(fmt.Sprintf("%s/f%04d", dir, k))
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			mailbox <- len(b)
		}(i)
	}
	total := 0
	for i := 0; i < n; i++ {
		total += <-mailbox
	}
	el := time.Since(t0)
	if total != n*65536 {
		fmt.Fprintf(os.Stderr, "total = %d, expected %d\n", total, n*65536)
		os.Exit(1)
	}
	fmt.Printf("bench=file_read lang=go n=%d bytes=%d ms=%.3f\n", n, total, float64(el.Nanoseconds())/1e6)
}
