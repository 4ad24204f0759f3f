// http_server.go - Go peer of perf/io/http_server.nos: a net/http "Hello, World!" server in
// this process, measured by wrk -t1 -c100 -d5s run as a child, exactly as the Nostos side does.
// Usage: http_server PORT.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

func main() {
	port := os.Args[1]
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "text/plain")
		io.WriteString(w, "Hello, World!")
	})
	go http.Serve(ln, mux)
	url := "http://127.0.0.1:" + port + "/"
	resp, err := http.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "Hello, World!" {
		fmt.Fprintln(os.Stderr, "wrong answer:", resp.StatusCode, string(body))
		os.Exit(1)
	}
	out, err := exec.Command("wrk", "-t1", "-c100", "-d5s", url).Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "wrk:", err)
		os.Exit(1)
	}
	rate := -1.0
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "Non-2xx") || strings.Contains(l, "Socket errors") {
			fmt.Fprintln(os.Stderr, "wrk:", l)
			os.Exit(1)
		}
		if strings.HasPrefix(l, "Requests/sec:") {
			rate, _ = strconv.ParseFloat(strings.TrimSpace(l[13:]), 64)
		}
	}
	if rate <= 0 {
		fmt.Fprintln(os.Stderr, "wrk printed no rate:", string(out))
		os.Exit(1)
	}
	fmt.Printf("bench=http_server lang=go conns=100 req_per_s=%.1f\n", rate)
}
