package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"syscall"
	"time"
)

// Main runs `coffer server`: it parses args and the environment, starts the
// server, prints where it listens, and serves until SIGINT or SIGTERM.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := ParseConfig(args, getenv, stderr)
	if errors.Is(err, errHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	s, err := New(ctx, cfg, Options{Logger: newLogger(stderr, cfg.LogLevel)})
	if err != nil {
		return err
	}
	s.printBanner(stdout, time.Since(start))
	return s.Run(ctx)
}

func (s *Server) printBanner(w io.Writer, took time.Duration) {
	if s.cfg.Dev {
		fmt.Fprint(w, `
  ##################################################################
  ##  DEVELOPMENT MODE, NOT FOR PRODUCTION                         ##
  ##  Data lives in a temporary directory and vanishes at exit;    ##
  ##  the root key is in memory and the API key below is public.   ##
  ##################################################################
`)
	}
	fmt.Fprintf(w, "\nCoffer %s listening on %s (started in %s)\n", Version, s.URL(), took.Round(time.Millisecond))
	fmt.Fprintf(w, "  data:    %s\n  storage: %s\n  seal:    %s\n", s.cfg.DataDir, redactURL(s.cfg.Storage), s.keys.Status(context.Background()).Type)
	b := s.bootstrap
	switch {
	case b == nil:
		fmt.Fprintf(w, "  SEALED: run `coffer operator init` (first start) or `coffer operator unseal SHARE`\n")
	case b.Created && b.APIKey != "" && (s.cfg.Dev || s.cfg.BootstrapAPIKey == ""):
		fmt.Fprintf(w, "  bootstrap API key (shown once): %s\n", b.APIKey.Reveal())
		if !s.cfg.Dev {
			fmt.Fprintf(w, "  also written to %s/bootstrap-apikey (mode 0600)\n", s.cfg.DataDir)
		}
	case s.cfg.Dev:
		fmt.Fprintf(w, "  bootstrap API key: %s\n", DevAPIKey)
	}
	if b != nil {
		fmt.Fprintf(w, "  account: %s   default instance: %s\n", b.AccountID, b.DefaultInstance)
		fmt.Fprintf(w, "\nTry: coffer login -a %s --apikey KEY\n\n", s.URL())
	}
}
