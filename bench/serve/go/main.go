// bench/serve/go: the Go net/http peer of bench/serve/waits (standard library only).
//
//	peer -mode MODE [-port 0] [-upstream URL]
//
// Modes (every response a short text/plain body):
//
//	hello     "hello world\n"
//	sleep     time.Sleep(50ms), then "ok\n" (also the local upstream of the http workload)
//	upstream  GET -upstream (a keep-alive client), then "ok\n"
//	park      /?ms=M: time.Sleep(M ms, default 20 s), then "ok\n"; /_health: "ok\n" at once
//	mix       /heavy?n=N: a CPU loop of N iterations; any other path: "hello world\n"
//
// Prints "listening on PORT" once it accepts connections.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

func text(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, body)
}

// spin is the CPU-bound handler's work: the same integer loop as heavy.goost and peer.js.
func spin(n int) int {
	acc := 0
	for i := 0; i < n; i++ {
		acc = (acc + i*i) % 1000003
	}
	return acc
}

func main() {
	mode := flag.String("mode", "hello", "hello, sleep, upstream, park or mix")
	port := flag.Int("port", 0, "port on 127.0.0.1 (0: any free port)")
	upstream := flag.String("upstream", "", "URL the upstream mode calls")
	flag.Parse()

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 4096, MaxIdleConnsPerHost: 4096}}
	var handler http.HandlerFunc
	switch *mode {
	case "hello":
		handler = func(w http.ResponseWriter, r *http.Request) { text(w, "hello world\n") }
	case "sleep":
		handler = func(w http.ResponseWriter, r *http.Request) { time.Sleep(50 * time.Millisecond); text(w, "ok\n") }
	case "park":
		handler = func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/_health" {
				text(w, "ok\n")
				return
			}
			ms, err := strconv.Atoi(r.URL.Query().Get("ms"))
			if err != nil {
				ms = 20000
			}
			time.Sleep(time.Duration(ms) * time.Millisecond)
			text(w, "ok\n")
		}
	case "upstream":
		handler = func(w http.ResponseWriter, r *http.Request) {
			resp, err := client.Get(*upstream)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			text(w, "ok\n")
		}
	case "mix":
		handler = func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/heavy" {
				n, _ := strconv.Atoi(r.URL.Query().Get("n"))
				text(w, fmt.Sprintf("%d\n", spin(n)))
				return
			}
			text(w, "hello world\n")
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", *mode)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening on %d\n", ln.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	http.Serve(ln, handler)
}
