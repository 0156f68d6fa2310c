package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// target is what a load run reads: URLs picked at random, with a bearer
// header.
type target struct {
	urls   []string
	bearer string
}

// result is the outcome of one load run.
type result struct {
	ok, errors int
	elapsed    time.Duration
	lat        []time.Duration // of successful requests, sorted
	firstErr   string
}

func (r result) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

func (r result) quantile(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(q*float64(len(r.lat))))]
}

// transport keeps up to conns connections to the server open.
func transport(conns int) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     30 * time.Second,
	}
}

// load runs conns workers, each sending one request at a time, for d.
func load(ctx context.Context, t target, conns int, d time.Duration) result {
	tr := transport(conns)
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	results := make([]result, conns)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() { results[w] = worker(ctx, hc, t) })
	}
	wg.Wait()
	total := result{elapsed: time.Since(start)}
	for _, r := range results {
		total.ok += r.ok
		total.errors += r.errors
		total.lat = append(total.lat, r.lat...)
		if total.firstErr == "" {
			total.firstErr = r.firstErr
		}
	}
	slices.Sort(total.lat)
	if total.firstErr != "" {
		fmt.Printf("  (first error at %d connections: %s)\n", conns, total.firstErr)
	}
	return total
}

// worker sends requests until ctx ends. Requests cut short by the end of
// the run are not counted.
func worker(ctx context.Context, hc *http.Client, t target) result {
	var r result
	r.lat = make([]time.Duration, 0, 4096)
	for ctx.Err() == nil {
		start := time.Now()
		msg := get(ctx, hc, t, t.urls[rand.IntN(len(t.urls))])
		lat := time.Since(start)
		switch {
		case ctx.Err() != nil:
		case msg != "":
			r.fail(msg)
		default:
			r.ok++
			r.lat = append(r.lat, lat)
		}
	}
	return r
}

// get reads u with t's bearer; it returns "" on a 200 with its body read,
// otherwise what went wrong.
func get(ctx context.Context, hc *http.Client, t target, u string) string {
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	req.Header.Set("Authorization", t.bearer)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err.Error()
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return err.Error()
	case resp.StatusCode != http.StatusOK:
		return fmt.Sprintf("GET %s: %s", u, resp.Status)
	}
	return ""
}

func (r *result) fail(msg string) {
	r.errors++
	if r.firstErr == "" {
		r.firstErr = msg
	}
}

// waitHealthy polls base/healthz until it answers 200.
func waitHealthy(base string, limit time.Duration) error {
	if err := loopbackURL(base); err != nil {
		return err
	}
	deadline := time.Now().Add(limit)
	hc := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		resp, err := hc.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s/healthz did not answer 200 within %s", base, limit)
}
