package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// run creates the secrets, measures both servers and prints the table.
func run(ctx context.Context, o options) error {
	triv, err := startTrivial()
	if err != nil {
		return err
	}
	defer triv.close()
	var coffer target
	if !o.trivialOnly {
		if coffer, err = prepareCoffer(ctx, o); err != nil {
			return err
		}
	}
	var rows []row
	for _, c := range o.conns {
		r := row{conns: c}
		if !o.trivialOnly {
			fmt.Fprintf(os.Stderr, "coffer:  %d connections for %s...\n", c, o.duration)
			r.coffer = load(ctx, coffer, c, o.duration)
		}
		fmt.Fprintf(os.Stderr, "trivial: %d connections for %s...\n", c, o.duration)
		r.trivial = load(ctx, triv.target(o.secrets), c, o.duration)
		rows = append(rows, r)
	}
	printTable(rows)
	return nil
}

// prepareCoffer gets one IAM token and creates the secrets to read.
func prepareCoffer(ctx context.Context, o options) (target, error) {
	base := strings.TrimRight(o.url, "/")
	tok, err := client.New(client.Config{URL: base}).ExchangeAPIKey(ctx, api.Sensitive(o.apiKey))
	if err != nil {
		return target{}, fmt.Errorf("getting an IAM token: %w", err)
	}
	bearer := "Bearer " + tok.AccessToken.Reveal()
	sm := client.New(client.Config{URL: base, Token: tok.AccessToken.Sensitive(),
		HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: transport(o.workers)}}).SecretsManager(o.instance)
	start := time.Now()
	ids, err := createSecrets(ctx, sm, o.secrets, o.workers)
	if err != nil {
		return target{}, err
	}
	el := time.Since(start)
	fmt.Printf("created %d arbitrary secrets in %.2fs: %.0f secrets/s (%d workers)\n",
		len(ids), el.Seconds(), float64(len(ids))/el.Seconds(), o.workers)
	prefix := base
	if o.instance != "" {
		prefix += "/instances/" + o.instance
	}
	urls := make([]string, len(ids))
	for i, id := range ids {
		urls[i] = prefix + "/api/v2/secrets/" + id
	}
	t := target{urls: urls, bearer: bearer}
	if err := firstReads(ctx, t, o.workers); err != nil {
		return target{}, err
	}
	return t, nil
}

// firstReads reads every secret once, with workers connections, and prints
// the rate. A secret's first read also records it as downloaded (a durable
// write), so the timed runs that follow measure the steady state: reads of
// secrets that have been read before.
func firstReads(ctx context.Context, t target, workers int) error {
	tr := transport(workers)
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var next atomic.Int64
	var failed atomic.Pointer[string]
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(t.urls) && failed.Load() == nil; i = int(next.Add(1) - 1) {
				if msg := get(ctx, hc, t, t.urls[i]); msg != "" {
					failed.CompareAndSwap(nil, &msg)
				}
			}
		})
	}
	wg.Wait()
	if msg := failed.Load(); msg != nil {
		return fmt.Errorf("first read: %s", *msg)
	}
	el := time.Since(start)
	fmt.Printf("read each secret once (first reads, %d connections): %.0f reads/s\n",
		workers, float64(len(t.urls))/el.Seconds())
	return nil
}

// createSecrets creates n arbitrary secrets with 64-byte payloads using
// workers goroutines and returns their ids.
func createSecrets(ctx context.Context, sm *client.SecretsClient, n, workers int) ([]string, error) {
	run := rand.Text()[:8]
	ids := make([]string, n)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				p := make([]byte, 48)
				rand.Read(p)
				s, err := sm.CreateSecret(ctx, api.SecretPrototype{SecretType: api.SecretTypeArbitrary,
					Name: fmt.Sprintf("bench-%s-%d", strings.ToLower(run), i), Payload: api.SecretString(fmt.Sprintf("%x", p)[:64])})
				if err != nil {
					once.Do(func() { firstErr = fmt.Errorf("creating secret %d: %w", i, err) })
					next.Store(int64(n))
					return
				}
				ids[i] = s.ID
			}
		})
	}
	wg.Wait()
	return ids, firstErr
}

// row is one line of the result table.
type row struct {
	conns           int
	coffer, trivial result
}

func printTable(rows []row) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "conns\tcoffer rps\tp50\tp99\terrors\ttrivial rps\tp50\tp99\terrors\tcoffer/trivial\t")
	for _, r := range rows {
		ratio := "-"
		if r.trivial.rps() > 0 && r.coffer.ok > 0 {
			ratio = fmt.Sprintf("%.1f%%", 100*r.coffer.rps()/r.trivial.rps())
		}
		fmt.Fprintf(tw, "%d\t%.0f\t%s\t%s\t%d\t%.0f\t%s\t%s\t%d\t%s\t\n", r.conns,
			r.coffer.rps(), ms(r.coffer.quantile(0.50)), ms(r.coffer.quantile(0.99)), r.coffer.errors,
			r.trivial.rps(), ms(r.trivial.quantile(0.50)), ms(r.trivial.quantile(0.99)), r.trivial.errors, ratio)
	}
	tw.Flush()
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}
