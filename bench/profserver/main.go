// Command profserver is coffer with Go's profiler on a loopback port, for
// profiling the server under bench/run.sh's load:
//
//	COFFER_PPROF=127.0.0.1:6060 go run ./bench/profserver server ...
//	go tool pprof -top http://127.0.0.1:6060/debug/pprof/profile?seconds=10
//
// It takes the same arguments as coffer. The profiler listens only when
// COFFER_PPROF names a loopback address. COFFER_PPROF_BLOCKING=1 also
// samples blocking and mutex contention (/debug/pprof/block, /mutex).
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
	"runtime"

	"github.com/cofferhq/coffer/internal/cli"
)

func main() {
	if addr := os.Getenv("COFFER_PPROF"); addr != "" {
		host, _, err := net.SplitHostPort(addr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			fmt.Fprintln(os.Stderr, "profserver: COFFER_PPROF must be a loopback host:port")
			os.Exit(2)
		}
		if os.Getenv("COFFER_PPROF_BLOCKING") != "" {
			// Sampled: a blocking event of 10µs or more, one mutex contention in 10.
			runtime.SetBlockProfileRate(10000)
			runtime.SetMutexProfileFraction(10)
		}
		go func() { fmt.Fprintln(os.Stderr, http.ListenAndServe(addr, nil)) }()
	}
	os.Exit(cli.Run(context.Background(), os.Args[1:], cli.OSEnv()))
}
