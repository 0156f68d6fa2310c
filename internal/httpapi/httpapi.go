// Package httpapi serves Coffer's HTTP APIs: IBM's wire APIs and Coffer's
// own. A handler decodes the request, makes one service call and encodes the
// answer; errors go through one adapter that maps api error kinds to a status
// and to the IBM error shape of the request's API family (see errors.go).
//
// This package never touches storage or keys: it only calls services.
package httpapi

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/access"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/compute"
	"github.com/cofferhq/coffer/internal/federation"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/resource"
	"github.com/cofferhq/coffer/internal/secrets"
)

// DefaultMaxBodyBytes caps request bodies when Config.MaxBodyBytes is zero.
const DefaultMaxBodyBytes = 2 << 20

// Operator is the operator service: seal state, unseal, root key rotation.
type Operator interface {
	SealStatus(ctx context.Context) api.SealStatus
	Init(ctx context.Context, shares, threshold int) (*api.InitResponse, error)
	Unseal(ctx context.Context, share string) (api.SealStatus, error)
	Seal(ctx context.Context, cred authz.Credential) error
	RotateRootKey(ctx context.Context, cred authz.Credential) (*api.RootKeyRotation, error)
}

// Readiness reports whether the server can serve: unsealed, store reachable.
type Readiness interface {
	Ready(ctx context.Context) map[string]error
}

// Config configures the HTTP layer.
type Config struct {
	Logger       *slog.Logger // nil = discard
	Now          func() time.Time
	MaxBodyBytes int64 // 0 = DefaultMaxBodyBytes
	Version      api.Version

	// Registry receives the HTTP metrics; nil = a private registry.
	Registry *prometheus.Registry

	Identity   *identity.Service   // required: IAM token and IAM Identity APIs
	Resources  *resource.Service   // required: Resource Controller
	Secrets    *secrets.Service    // required: Secrets Manager v2
	Compute    *compute.Service    // optional: compute runtime (/coffer/v1/compute/projects)
	Federation *federation.Service // optional: external OIDC issuers (/coffer/v1/federation/issuers)
	Access     *access.Service     // optional: Policy Management and Access Groups (/v1/policies, /v2/policies, /v2/roles, /v2/groups)
	Operator   Operator            // required
	Readiness  Readiness           // required
	// Gate serves the audit and explain APIs; nil: those routes answer 404.
	Gate *authz.Gate
	// Sealed reports whether the server is sealed; while it is, every API but
	// health, metrics and the unseal routes answers 503.
	Sealed func() bool
}

// Server is Coffer's HTTP handler.
type Server struct {
	log      *slog.Logger
	now      func() time.Time
	maxBody  int64
	mux      *http.ServeMux
	handler  http.Handler
	metrics  *metrics
	registry *prometheus.Registry
	cfg      Config
}

// New returns the handler for every API.
func New(cfg Config) (*Server, error) {
	if cfg.Identity == nil || cfg.Operator == nil || cfg.Readiness == nil || cfg.Sealed == nil {
		return nil, api.Errorf(api.ErrInvalid, "httpapi: Identity, Operator, Readiness and Sealed are required")
	}
	s := &Server{log: cfg.Logger, now: cfg.Now, maxBody: cfg.MaxBodyBytes, mux: http.NewServeMux(),
		registry: cfg.Registry, cfg: cfg}
	if s.log == nil {
		s.log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	s.metrics = newMetrics(s.registry)
	s.routeHealth()
	s.routeOperator()
	s.routeToken()
	s.routeIdentity()
	s.routeResource()
	s.routeSecrets()
	s.routeAudit()
	s.routeAuthz()
	s.routeCompute()
	s.routeFederation()
	s.routeEventDestinations()
	s.routePolicy()
	s.routeGroups()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, api.Errorf(api.ErrNotFound, "no such API: %s %s", r.Method, r.URL.Path))
	})
	s.handler = withRequestID(s.observe(s.sealGate(s.limitBody(s.mux))))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Handle registers an extra route with the error adapter; service packages'
// route files use it.
func (s *Server) Handle(pattern string, fn func(http.ResponseWriter, *http.Request) error) {
	s.mux.Handle(pattern, s.adapt(fn))
}

// adapt turns an error-returning handler into an http.Handler.
func (s *Server) adapt(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// unsealedPaths stay reachable while the server is sealed.
var unsealedPaths = map[string]bool{
	"/healthz": true, "/readyz": true, "/metrics": true, "/coffer/v1/version": true,
	"/coffer/v1/operator/seal-status": true, "/coffer/v1/operator/unseal": true, "/coffer/v1/operator/init": true,
}

func (s *Server) sealGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !unsealedPaths[r.URL.Path] && s.cfg.Sealed() {
			s.writeError(w, r, api.Errorf(api.ErrSealed,
				"Coffer is sealed: unseal it with `coffer operator unseal` before using the API"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Credential extracts the caller's credential from the Authorization header:
// "Bearer TOKEN", or "Basic base64(apikey:KEY)" as IBM services accept.
func Credential(r *http.Request) (authz.Credential, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return authz.Credential{}, nil
	}
	scheme, value, _ := strings.Cut(h, " ")
	value = strings.TrimSpace(value)
	switch strings.ToLower(scheme) {
	case "bearer":
		if value == "" {
			return authz.Credential{}, api.Errorf(api.ErrUnauthenticated, "empty bearer token")
		}
		return authz.Credential{Bearer: api.Sensitive(value)}, nil
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(value)
		user, pass, ok := strings.Cut(string(raw), ":")
		if err != nil || !ok || user != "apikey" || pass == "" {
			return authz.Credential{}, api.Errorf(api.ErrUnauthenticated,
				"Basic authorization must be apikey:API_KEY")
		}
		return authz.Credential{APIKey: api.Sensitive(pass)}, nil
	}
	return authz.Credential{}, api.Errorf(api.ErrUnauthenticated, "unsupported authorization scheme %q", scheme)
}

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coffer_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "coffer_http_request_duration_seconds", Help: "HTTP request latency by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (s *Server) routeHealth() {
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, api.Health{Status: "ok"})
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		h := api.Health{Status: "ok", Checks: map[string]string{}}
		status := http.StatusOK
		for name, err := range s.cfg.Readiness.Ready(r.Context()) {
			if err == nil {
				h.Checks[name] = "ok"
				continue
			}
			h.Status, status = "unavailable", http.StatusServiceUnavailable
			h.Checks[name] = api.Message(err)
		}
		writeJSON(w, status, h)
	})
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	s.Handle("GET /coffer/v1/version", func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, http.StatusOK, s.cfg.Version)
		return nil
	})
}
