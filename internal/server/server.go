// Package server wires Coffer together: it reads the configuration, opens
// the store, obtains the root key, bootstraps the first account, builds every
// service and serves HTTP until it is told to stop. It is the only package
// that chooses implementations (which database, which root key provider).
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/access"
	"github.com/cofferhq/coffer/internal/audit"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/compute"
	"github.com/cofferhq/coffer/internal/events"
	"github.com/cofferhq/coffer/internal/federation"
	"github.com/cofferhq/coffer/internal/httpapi"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/operator"
	"github.com/cofferhq/coffer/internal/resource"
	"github.com/cofferhq/coffer/internal/rotation"
	"github.com/cofferhq/coffer/internal/secrets"
	"github.com/cofferhq/coffer/internal/store"
)

// Version is Coffer's version, set at build time with -ldflags.
var Version = "0.1.0-dev"

// DevAPIKey is the bootstrap API key of a --dev server when
// COFFER_BOOTSTRAP_API_KEY does not name another. It is public: dev mode is
// for trying Coffer on a laptop, never for real secrets.
const DevAPIKey = "coffer-dev-apikey-not-for-production"

// Server is a running Coffer.
type Server struct {
	cfg        Config
	log        *slog.Logger
	store      *store.Store
	keys       *kms.Keys
	identity   *identity.Service
	fedIssuers *federation.Registry // external OIDC issuers of the cr-token grant
	audit      *audit.Log
	gate       *authz.Gate
	access     *access.Service
	stopBG     context.CancelFunc // stops the audit log's and the gate's Run
	bgDone     chan struct{}
	http       *httpapi.Server
	ln         net.Listener
	bootstrap  *identity.BootstrapResult
	resources  *resource.Service   // instances; its Run reclaims deleted ones
	events     *events.Bus         // event notifications; its Dispatcher runs in the background
	rotation   *rotation.Scheduler // rotation, expiry and retirement sweeps
	credTasks  *secrets.TaskRunner // custom credentials tasks of the built-in providers
	tmpDir     string              // removed at Close in dev mode
}

// Options are the parts of a server that are not configuration.
type Options struct {
	Logger *slog.Logger // nil: JSON to stderr at cfg.LogLevel
}

// New builds a server from cfg and starts listening (but not serving: call
// Run). On any error everything opened so far is closed again.
func New(ctx context.Context, cfg Config, opts Options) (_ *Server, err error) {
	s := &Server{cfg: cfg, log: opts.Logger}
	if s.log == nil {
		s.log = newLogger(os.Stderr, cfg.LogLevel)
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if err := s.cfg.applyDefaults(); err != nil {
		return nil, err
	}
	dev := cfg.Dev && cfg.DataDir == ""
	if err := s.cfg.resolvePaths(); err != nil {
		return nil, err
	}
	if dev {
		s.tmpDir = s.cfg.DataDir
	}
	if err := checkWritable(s.cfg.DataDir); err != nil {
		return nil, err
	}
	if s.ln, err = net.Listen("tcp", s.cfg.Listen); err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w", s.cfg.Listen, errors.Unwrap(err))
	}
	if strings.HasSuffix(s.cfg.Listen, ":0") { // an ephemeral port: tell the truth about where we are
		s.cfg.PublicURL = strings.Replace(s.cfg.PublicURL, s.cfg.Listen, s.ln.Addr().String(), 1)
	}
	if s.store, err = store.Open(ctx, store.Config{URL: s.cfg.Storage, Logger: s.log}); err != nil {
		return nil, err
	}
	if err := s.openKeys(ctx); err != nil {
		return nil, err
	}
	if err := s.buildHTTP(); err != nil {
		return nil, err
	}
	return s, nil
}

func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".write-check-")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %w", dir, errors.Unwrap(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// openKeys builds the root key provider the configuration names, unseals
// with it when it can, and bootstraps on every unseal.
func (s *Server) openKeys(ctx context.Context) error {
	provider, err := s.provider(ctx)
	if err != nil {
		return err
	}
	s.keys, err = kms.NewKeys(kms.KeysConfig{Provider: provider, Store: s.store, Logger: s.log})
	if err != nil {
		return err
	}
	if s.fedIssuers, err = federation.NewRegistry(federation.Config{Store: s.store, Logger: s.log}); err != nil {
		return err
	}
	s.identity, err = identity.New(identity.Config{Store: s.store, Keys: s.keys, Logger: s.log, PublicURL: s.cfg.PublicURL,
		OnAccountCreated: s.createAdminPolicies, CRIssuers: []identity.CRIssuers{s.fedIssuers}})
	if err != nil {
		return err
	}
	if err := s.buildGate(); err != nil {
		return err
	}
	s.keys.OnUnseal(s.runBootstrap)
	return s.keys.Start(ctx)
}

func (s *Server) runBootstrap(ctx context.Context) error {
	key := api.Sensitive(s.cfg.BootstrapAPIKey)
	if key == "" && s.cfg.Dev {
		key = DevAPIKey
	}
	res, err := s.identity.Bootstrap(ctx, identity.BootstrapConfig{APIKey: key, Region: s.cfg.Region})
	if err != nil {
		return err
	}
	if res.Created && s.cfg.BootstrapAPIKey == "" && !s.cfg.Dev {
		path := filepath.Join(s.cfg.DataDir, "bootstrap-apikey")
		if err := os.WriteFile(path, []byte(res.APIKey.Reveal()+"\n"), 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	s.bootstrap = res
	return nil
}

func (s *Server) buildHTTP() error {
	gate := s.gate
	resources, err := resource.New(resource.Config{Store: s.store, Keys: s.keys, Gate: gate, Logger: s.log,
		PublicURL: s.cfg.PublicURL, ReclamationWindow: s.cfg.ReclamationWindow})
	if err != nil {
		return err
	}
	s.resources = resources
	if s.events, err = events.New(events.Config{Store: s.store, Keys: s.keys, Logger: s.log}); err != nil {
		return err
	}
	secretsSvc, err := secrets.New(secrets.Config{Store: s.store, Keys: s.keys, Gate: gate, Resources: resources,
		Identity: s.identity, Logger: s.log, PublicURL: s.cfg.PublicURL, Events: s.events,
		CredentialsGrace: s.cfg.CredentialsGrace})
	if err != nil {
		return err
	}
	if err := s.buildRotation(secretsSvc); err != nil {
		return err
	}
	if s.credTasks, err = secrets.NewTaskRunner(secrets.TaskRunnerConfig{Service: secretsSvc, Logger: s.log,
		Backoff: s.cfg.CredentialsRetryBackoff}); err != nil {
		return err
	}
	computeSvc, err := compute.New(compute.Config{Store: s.store, Gate: gate, Minter: s.identity, Region: s.cfg.Region,
		Logger: s.log})
	if err != nil {
		return err
	}
	fedSvc, err := federation.New(federation.ServiceConfig{Registry: s.fedIssuers, Gate: gate})
	if err != nil {
		return err
	}
	s.http, err = httpapi.New(httpapi.Config{
		Logger:       s.log,
		MaxBodyBytes: s.cfg.MaxBodyBytes,
		Version:      api.Version{Version: Version, GoVersion: runtime.Version()},
		Identity:     s.identity,
		Resources:    resources,
		Secrets:      secretsSvc,
		Compute:      computeSvc,
		Federation:   fedSvc,
		Access:       s.access,
		Operator:     operator.New(s.keys, gate, s.log),
		Readiness:    readiness{s},
		Gate:         gate,
		Sealed:       s.keys.Sealed,
	})
	return err
}

type readiness struct{ s *Server }

func (r readiness) Ready(ctx context.Context) map[string]error {
	checks := map[string]error{"store": r.s.store.Ping(ctx), "seal": nil, "audit": r.s.audit.Healthy()}
	if r.s.keys.Sealed() {
		checks["seal"] = api.Errorf(api.ErrSealed, "sealed")
	}
	return checks
}

// URL is where clients reach the server.
func (s *Server) URL() string { return s.cfg.PublicURL }

// Bootstrap reports what the server created or found at its first unseal
// (nil while a Shamir server has not been unsealed).
func (s *Server) Bootstrap() *identity.BootstrapResult { return s.bootstrap }

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.http }

// Run serves until ctx ends, then shuts down gracefully: new connections are
// refused, in-flight requests finish (up to the shutdown timeout), and the
// store is closed.
func (s *Server) Run(ctx context.Context) error {
	hs := &http.Server{
		Handler:           s.http,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.startBackground()
	errc := make(chan error, 1)
	go func() {
		if s.cfg.TLSCert != "" {
			hs.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			errc <- hs.ServeTLS(s.ln, s.cfg.TLSCert, s.cfg.TLSKey)
			return
		}
		errc <- hs.Serve(s.ln)
	}()
	select {
	case err := <-errc:
		s.Close()
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return err
}

// Close releases the listener and the store (Run calls it).
func (s *Server) Close() error {
	var err error
	if s.ln != nil {
		s.ln.Close()
	}
	s.stopBackground()
	if s.store != nil {
		err = s.store.Close()
		s.store = nil
	}
	if s.tmpDir != "" {
		os.RemoveAll(s.tmpDir)
		s.tmpDir = ""
	}
	return err
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// buildRotation builds the rotation scheduler over the secrets service,
// which also publishes its events (only for instances with a notifications
// registration); startBackground runs it with the event dispatcher.
func (s *Server) buildRotation(svc *secrets.Service) error {
	var err error
	s.rotation, err = rotation.New(rotation.Config{Store: s.store, Secrets: svc, Events: svc, Audit: s.audit,
		Logger: s.log, Interval: s.cfg.RotationInterval})
	return err
}

// Sweep does the background work that is due now, once: a sweep of the
// rotation scheduler (rotations, expiries, retirements), then a pass of the
// custom credentials task runner. The background loops do the same on
// their own schedule; Sweep serves operators and tests that cannot wait.
// Errors: the store's.
func (s *Server) Sweep(ctx context.Context) error {
	if _, err := s.rotation.Sweep(ctx); err != nil {
		return err
	}
	_, err := s.credTasks.RunOnce(ctx)
	return err
}
