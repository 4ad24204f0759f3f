// startup.go - Go peer of perf/startup.nos: start, print one line, exit.
package main

import "fmt"

func main() {
	fmt.Println("bench=startup lang=go")
}
