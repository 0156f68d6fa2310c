package identity

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/envelope"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/store"
)

// metaPepper holds the API key hashing pepper, sealed under the system
// keyring so that only an unsealed server can hash keys.
const metaPepper = "identity.apikey_pepper"

var pepperBinding = envelope.Binding{Instance: kms.SystemInstance, Secret: "apikey-pepper", Version: "1"}

// Config configures the identity service.
type Config struct {
	Store  *store.Store // required
	Keys   *kms.Keys    // required
	Logger *slog.Logger
	Now    func() time.Time
	// PublicURL is the URL clients reach Coffer at; tokens name
	// PublicURL+"/identity" as their issuer.
	PublicURL string
	// SigningKeyRotation is how long one token signing key (and one compute
	// issuer key) signs before the next takes over; zero means
	// DefaultSigningKeyRotation. Old keys verify until every token they
	// signed has expired.
	SigningKeyRotation time.Duration
	// TokenCacheSize bounds the verified-token cache; zero means
	// DefaultTokenCacheSize, negative disables the cache.
	TokenCacheSize int
	// CRIssuers are extra issuers of CR tokens, asked in order after
	// Coffer's compute runtime issuer (for the federation of external OIDC
	// issuers).
	CRIssuers []CRIssuers
	// OnAccountCreated runs after Bootstrap and CreateAccount created an
	// account and its administrator (and again on every later Bootstrap, so
	// it must be idempotent): the server creates the administrator's
	// policies there. nil: nothing runs.
	OnAccountCreated func(ctx context.Context, accountID, adminIAMID string) error
}

// Service owns accounts, users, service IDs, API keys and trusted profiles,
// and authenticates the credentials callers present.
type Service struct {
	st   *store.Store
	keys *kms.Keys
	log  *slog.Logger
	now  func() time.Time
	url  string

	pepperMu         sync.Mutex
	pepper           []byte
	lastRefreshPurge time.Time // guarded by pepperMu

	rotation    time.Duration
	signingKeys *keyRing
	cache       *tokenCache
	crIssuers   []CRIssuers

	computeMu    sync.Mutex
	computeRings map[string]*keyRing // by account

	gate             *authz.Gate // authorizes the IAM Identity operations; authenticates with s
	onAccountCreated func(ctx context.Context, accountID, adminIAMID string) error
}

// New returns the identity service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Keys == nil {
		return nil, errors.New("identity: Store and Keys are required")
	}
	s := &Service{st: cfg.Store, keys: cfg.Keys, log: cfg.Logger, now: cfg.Now, url: cfg.PublicURL}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.url = strings.TrimSuffix(s.url, "/")
	s.rotation = cfg.SigningKeyRotation
	if s.rotation <= 0 {
		s.rotation = DefaultSigningKeyRotation
	}
	if s.rotation < time.Second {
		return nil, errors.New("identity: SigningKeyRotation must be at least a second")
	}
	s.signingKeys = newKeyRing(iamKeys{s.st}, s.keys, s.now, s.rotation)
	s.cache = newTokenCache(cfg.TokenCacheSize)
	s.computeRings = map[string]*keyRing{}
	s.crIssuers = append([]CRIssuers{computeIssuers{s}}, cfg.CRIssuers...)
	s.gate = authz.NewGate(s)
	s.onAccountCreated = cfg.OnAccountCreated
	return s, nil
}

// SetGate makes the service authorize with g, the server's gate, instead of
// its own bootstrap-rule gate. The server calls it once, before serving:
// the gate authenticates with this service, so it exists only after it.
func (s *Service) SetGate(g *authz.Gate) { s.gate = g }

// apiKeyPepper returns the pepper, creating it on first use.
func (s *Service) apiKeyPepper(ctx context.Context) ([]byte, error) {
	s.pepperMu.Lock()
	defer s.pepperMu.Unlock()
	if s.pepper != nil {
		return s.pepper, nil
	}
	sealed, err := s.st.Meta(ctx, metaPepper)
	if errors.Is(err, store.ErrNotFound) {
		p := make([]byte, 32)
		rand.Read(p)
		if sealed, err = s.keys.Encrypt(ctx, pepperBinding, p); err != nil {
			return nil, err
		}
		if err := s.st.PutMeta(ctx, metaPepper, sealed); err != nil {
			return nil, err
		}
		s.pepper = p
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	if s.pepper, err = s.keys.Decrypt(ctx, pepperBinding, sealed); err != nil {
		return nil, err
	}
	return s.pepper, nil
}

// HashKey returns the stored form of an API key value.
func (s *Service) HashKey(ctx context.Context, value string) ([]byte, error) {
	p, err := s.apiKeyPepper(ctx)
	if err != nil {
		return nil, err
	}
	return HashAPIKey(p, value), nil
}

// errBadCredential is the one answer for every unusable credential, so a
// caller cannot tell a wrong key from a deleted one.
var errBadCredential = api.Errorf(api.ErrUnauthenticated, "the credential is not valid")

func (s *Service) apiKeyByValue(ctx context.Context, value string) (*store.APIKey, error) {
	h, err := s.HashKey(ctx, value)
	if err != nil {
		return nil, err
	}
	k, err := s.st.APIKeyByHash(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errBadCredential
	}
	return k, err
}
