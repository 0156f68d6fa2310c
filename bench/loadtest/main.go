// Command loadtest measures Coffer's fast read path: GET /api/v2/secrets/{id}
// of arbitrary secrets, authenticated with one IAM bearer token, at several
// numbers of connections, side by side with a trivial Go handler (in this
// process, on loopback) that checks a bearer header and AES-GCM-decrypts 64
// bytes. It prints the secrets created per second and, per concurrency,
// requests per second, p50, p99 and errors of both, and the ratio
// Coffer/trivial.
//
// It talks only to loopback addresses, runs each load for a bounded time
// and stops by itself. bench/run.sh starts a Coffer server for it; see
// docs/secrets-manager.md.
//
// Usage:
//
//	loadtest -url http://127.0.0.1:PORT [-apikey KEY] [-instance GUID] [-secrets 10000]
//	         [-duration 10s] [-conns 1,8,32,128] [-create-workers 16]
//	loadtest -free-port      print a free loopback TCP port and exit
//	loadtest -wait URL       wait (at most 60s) until URL/healthz answers 200
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// options are the command line.
type options struct {
	url, apiKey, instance string
	secrets, workers      int
	duration              time.Duration
	conns                 []int
	trivialOnly           bool
}

func main() {
	o, done, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(2)
	}
	if done {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.bound())
	defer cancel()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// parseFlags reads the flags; done reports that a helper mode (-free-port,
// -wait) already did its work.
func parseFlags(args []string) (o options, done bool, err error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.StringVar(&o.url, "url", "", "Coffer base URL (loopback only)")
	fs.StringVar(&o.apiKey, "apikey", os.Getenv("COFFER_APIKEY"), "API key to get the one IAM token with (default COFFER_APIKEY)")
	fs.StringVar(&o.instance, "instance", "", "Secrets Manager instance GUID (default: the account's default instance)")
	fs.IntVar(&o.secrets, "secrets", 10000, "arbitrary secrets to create and read (1-100000)")
	fs.IntVar(&o.workers, "create-workers", 16, "concurrent creations")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each load run (at most 2m)")
	conns := fs.String("conns", "1,8,32,128", "numbers of connections, comma-separated (each at most 512)")
	freePort := fs.Bool("free-port", false, "print a free loopback TCP port and exit")
	wait := fs.String("wait", "", "wait until URL/healthz answers 200, then exit")
	fs.BoolVar(&o.trivialOnly, "trivial-only", false, "measure only the trivial handler (no Coffer needed)")
	if err := fs.Parse(args); err != nil {
		return o, false, err
	}
	switch {
	case *freePort:
		return o, true, printFreePort()
	case *wait != "":
		return o, true, waitHealthy(*wait, 60*time.Second)
	}
	if o.conns, err = parseConns(*conns); err != nil {
		return o, false, err
	}
	return o, false, o.check()
}

// check bounds the run and keeps it on loopback.
func (o options) check() error {
	if o.duration <= 0 || o.duration > 2*time.Minute {
		return fmt.Errorf("-duration must be between 0 and 2m")
	}
	if o.secrets < 1 || o.secrets > 100000 || o.workers < 1 || o.workers > 256 {
		return fmt.Errorf("-secrets must be 1-100000 and -create-workers 1-256")
	}
	if o.trivialOnly {
		return nil
	}
	if o.apiKey == "" {
		return fmt.Errorf("give the API key with -apikey or COFFER_APIKEY")
	}
	return loopbackURL(o.url)
}

// bound is the longest the whole run may take: creation plus both loads.
func (o options) bound() time.Duration {
	return 10*time.Minute + 2*time.Duration(len(o.conns))*(o.duration+5*time.Second)
}

func parseConns(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 512 {
			return nil, fmt.Errorf("-conns: %q is not a number of connections between 1 and 512", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// loopbackURL refuses a URL whose host is not a loopback address.
func loopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-url %q is not a URL", raw)
	}
	ip := net.ParseIP(u.Hostname())
	if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-url %q: the load tool only targets loopback addresses", raw)
	}
	return nil
}

func printFreePort() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer l.Close()
	fmt.Println(l.Addr().(*net.TCPAddr).Port)
	return nil
}
