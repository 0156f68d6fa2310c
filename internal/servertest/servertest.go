// Package servertest starts a real, in-process Coffer server for tests: on
// loopback, on a fresh SQLite database in a temporary directory, with a known
// bootstrap API key and a client logged in with it.
package servertest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/server"
)

// Server is a running test server.
type Server struct {
	*server.Server
	URL     string
	APIKey  string         // the bootstrap administrator's API key
	Client  *client.Client // authenticated with APIKey
	DataDir string
	Config  server.Config
}

// Option changes the configuration before the server starts.
type Option func(*server.Config)

// WithConfig lets a test change any setting.
func WithConfig(fn func(*server.Config)) Option { return Option(fn) }

// New starts a server that stops when the test ends. Set COFFER_TEST_LOG=1
// to see its logs.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	key := identity.NewAPIKeyValue().Reveal()
	cfg := server.Config{
		Listen:          "127.0.0.1:0",
		DataDir:         tb.TempDir(),
		BootstrapAPIKey: key,
		ShutdownTimeout: 5 * time.Second,
		LogLevel:        "debug",
	}
	for _, o := range opts {
		o(&cfg)
	}
	var w io.Writer = io.Discard
	if os.Getenv("COFFER_TEST_LOG") != "" {
		w = os.Stderr
	}
	log := slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	s, err := server.New(ctx, cfg, server.Options{Logger: log})
	if err != nil {
		cancel()
		tb.Fatalf("servertest: starting the server: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tb.Cleanup(func() {
		// A connection a client dialed but never sent a request on counts
		// as busy for five seconds when the server shuts down, which would
		// outlast ShutdownTimeout: close the idle ones first.
		tr.CloseIdleConnections()
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("servertest: server stopped with %v", err)
		}
	})
	ts := &Server{Server: s, URL: s.URL(), APIKey: key, DataDir: cfg.DataDir, Config: cfg}
	ts.Client = client.New(client.Config{URL: ts.URL, APIKey: api.Sensitive(key),
		HTTPClient: &http.Client{Timeout: time.Minute, Transport: tr}})
	return ts
}
