// http_get.go - Go peer of perf/io/http_get.nos: C goroutines make N/C GETs each with one
// net/http client (keep-alive, up to C idle connections to the host), checking status and body
// size. Usage: http_get URL N C.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	url := os.Args[1]
	n, _ := strconv.Atoi(os.Args[2])
	c, _ := strconv.Atoi(os.Args[3])
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: c, MaxIdleConnsPerHost: c}}
	type res struct{ ok, bytes int }
	mailbox := make(chan res, c)
	t0 := time.Now()
	for w := 0; w < c; w++ {
		go func() {
			r := res{}
			for i := 0; i < n/c; i++ {
				resp, err := client.Get(url)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					r.ok++
				}
				r.bytes += len(b)
			}
			mailbox <- r
		}()
	}
	ok, bytes := 0, 0
	for w := 0; w < c; w++ {
		r := <-mailbox
		ok += r.ok
		bytes += r.bytes
	}
	secs := time.Since(t0).Seconds()
	if ok != n || bytes != n*75 {
		fmt.Fprintf(os.Stderr, "ok = %d, bytes = %d\n", ok, bytes)
		os.Exit(1)
	}
	fmt.Printf("bench=http_get lang=go n=%d conc=%d req_per_s=%.1f\n", n, c, float64(n)/secs)
}
