package federation

import (
	"context"
	"crypto"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/store"
)

// Defaults of Config.
const (
	DefaultKeysMaxAge      = 15 * time.Minute
	DefaultRefreshInterval = 10 * time.Second
	DefaultRefreshBurst    = 3
	DefaultFetchTimeout    = 10 * time.Second
	// MaxKubernetesTokenLifetime is the longest exp-iat of an IKS_SA or
	// ROKS_SA token: IBM requires projected service-account tokens for IAM
	// to expire within an hour.
	MaxKubernetesTokenLifetime = time.Hour
	// MaxOIDCTokenLifetime is the longest exp-iat of a generic OIDC token.
	MaxOIDCTokenLifetime = 24 * time.Hour
)

// Config configures a Registry.
type Config struct {
	Store  *store.Store // required
	Logger *slog.Logger // nil discards
	Now    func() time.Time
	// HTTPClient fetches discovery documents and JWKS: it is the network
	// the operator configured (its transport's proxy and TLS settings
	// apply). nil means a client with DefaultFetchTimeout that honours the
	// HTTPS_PROXY and NO_PROXY environment variables. Redirects are
	// followed only to URLs the fetch policy allows.
	HTTPClient *http.Client
	// AllowInsecureHTTP allows http:// discovery and JWKS URLs on any host.
	// By default only https is fetched, and plain http only from loopback
	// addresses (a local cluster or a test issuer).
	AllowInsecureHTTP bool
	// KeysMaxAge is how long a fetched key set is used before it is fetched
	// again; zero means DefaultKeysMaxAge. An unknown kid refetches sooner.
	KeysMaxAge time.Duration
	// RefreshInterval and RefreshBurst rate-limit the fetches of one
	// issuer's keys: at most RefreshBurst at once, then one per
	// RefreshInterval. Zero means the defaults.
	RefreshInterval time.Duration
	RefreshBurst    int
	// Leeway is the clock skew tolerated on exp, nbf and iat; zero means
	// identity.DefaultLeeway.
	Leeway time.Duration
}

// Registry finds and verifies the tokens of registered external OIDC
// issuers. It implements identity.CRIssuers; pass it in
// identity.Config.CRIssuers. It is safe for concurrent use.
type Registry struct {
	st     *store.Store
	log    *slog.Logger
	now    func() time.Time
	leeway time.Duration
	fetch  *fetcher
	cache  *keyCache
}

// NewRegistry returns a registry reading issuers from cfg.Store. Errors:
// api.ErrInvalid when Store is nil.
func NewRegistry(cfg Config) (*Registry, error) {
	if cfg.Store == nil {
		return nil, api.Errorf(api.ErrInvalid, "federation: Store is required")
	}
	r := &Registry{st: cfg.Store, log: cfg.Logger, now: cfg.Now, leeway: cfg.Leeway}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.now == nil {
		r.now = time.Now
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: DefaultFetchTimeout, Transport: &http.Transport{Proxy: http.ProxyFromEnvironment,
			TLSHandshakeTimeout: DefaultFetchTimeout, MaxIdleConnsPerHost: 2}}
	}
	r.fetch = newFetcher(hc, cfg.AllowInsecureHTTP)
	r.cache = &keyCache{f: r.fetch, now: r.now, log: r.log, entries: map[string]*keyEntry{},
		maxAge: or(cfg.KeysMaxAge, DefaultKeysMaxAge), interval: or(cfg.RefreshInterval, DefaultRefreshInterval),
		burst: cfg.RefreshBurst}
	if r.cache.burst <= 0 {
		r.cache.burst = DefaultRefreshBurst
	}
	return r, nil
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// FindCRIssuer returns the verifier of the registered issuer whose URL is
// exactly iss, whichever account registered it (issuer URLs are unique
// across accounts). Errors: api.ErrNotFound when none is registered.
func (r *Registry) FindCRIssuer(ctx context.Context, iss string) (identity.CRIssuer, error) {
	row, err := r.st.FederationIssuerByURL(ctx, iss)
	if errors.Is(err, store.ErrNotFound) {
		return nil, api.Errorf(api.ErrNotFound, "no federation issuer %q", short(iss))
	} else if err != nil {
		return nil, err
	}
	v := &verifier{r: r, iss: row}
	if row.JWKSSource == api.JWKSSourceStatic {
		if v.static, err = parseJWKS([]byte(row.StaticJWKS)); err != nil {
			return nil, api.Errorf(api.ErrUnavailable, "the static JWKS of issuer %s is unusable: %s", iss, api.Message(err))
		}
	}
	return v, nil
}

// verifier verifies the tokens of one registered issuer.
type verifier struct {
	r      *Registry
	iss    *store.FederationIssuer
	static keySet // static issuers only
}

// keyFunc finds the token's key: in the static set, or in the cache of the
// remote set (fetching as the cache allows).
func (v *verifier) keyFunc(ctx context.Context) func(string) (crypto.PublicKey, error) {
	return func(kid string) (crypto.PublicKey, error) {
		if v.static == nil {
			return v.r.cache.key(ctx, v.iss, kid)
		}
		if k, ok := v.static.lookup(kid); ok {
			return k, nil
		}
		return nil, api.Errorf(api.ErrUnauthenticated, "token signed by a key (kid %q) not in the static JWKS of issuer %s",
			short(kid), v.iss.Issuer)
	}
}

// VerifyCRToken checks the token's signature (RS256 or ES256) with the
// issuer's keys, its iss, that its aud holds one of the issuer's allowed
// audiences, exp, nbf and iat (with leeway; iat is required) and its
// lifetime (at most an hour for Kubernetes tokens, a day for others), then
// returns the compute resource it proves, in the issuer's account. Errors:
// api.ErrUnauthenticated for a refused token, api.ErrUnavailable when the
// issuer's keys cannot be fetched.
func (v *verifier) VerifyCRToken(ctx context.Context, token string) (*identity.VerifiedCR, error) {
	now := v.r.now()
	raw, err := identity.VerifyWith(token, v.keyFunc(ctx), identity.VerifyOptions{Issuer: v.iss.Issuer, Now: now,
		Leeway: v.r.leeway, AllowedAlgs: []string{identity.AlgRS256, identity.AlgES256}})
	if err != nil {
		return nil, err
	}
	if !audienceAllowed(raw["aud"], v.iss.Audiences) {
		return nil, api.Errorf(api.ErrUnauthenticated, "token audience (aud) is none of %q, the audiences issuer %s allows",
			v.iss.Audiences, v.iss.Issuer)
	}
	if err := checkLifetime(raw, v.iss.CRType); err != nil {
		return nil, err
	}
	if v.iss.CRType == api.CRTypeOIDC {
		return oidcIdentity(v.iss, raw)
	}
	return kubernetesIdentity(v.iss, raw)
}
