package identity

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/envelope"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/store"
)

// Key rotation defaults.
const (
	// DefaultSigningKeyRotation is how long one signing key signs.
	DefaultSigningKeyRotation = 24 * time.Hour
	// maxTokenLifetime bounds every token Coffer signs (access tokens and
	// CR tokens): a key must verify this long after it stops signing.
	maxTokenLifetime = time.Hour
	// keyReloadInterval rate-limits reloads caused by unknown kids.
	keyReloadInterval = 5 * time.Second
)

// keyBackend is where a keyRing's keys live: the IAM signing keys or the
// compute issuer keys of one account.
type keyBackend interface {
	load(ctx context.Context, now time.Time) ([]*store.SigningKey, error)
	insert(ctx context.Context, k *store.SigningKey) error
	purge(ctx context.Context, now time.Time) error
	binding(kid string) envelope.Binding
}

// keyRing is a rotating set of RSA signing keys shared by every node
// through the database. Its kids are the start of the time slot each key
// signs in, so nodes that rotate at once collide on the primary key; the
// loser reloads and signs with the winner's key.
type keyRing struct {
	backend  keyBackend
	keys     *kms.Keys
	now      func() time.Time
	rotation time.Duration

	mu       sync.Mutex
	loaded   bool
	signing  []*SigningKey // by NotAfter
	set      KeySet
	lastLoad time.Time
}

func newKeyRing(b keyBackend, keys *kms.Keys, now func() time.Time, rotation time.Duration) *keyRing {
	return &keyRing{backend: b, keys: keys, now: now, rotation: rotation}
}

// signer returns the key that signs now, loading, creating or rotating
// keys as needed.
func (r *keyRing) signer(ctx context.Context) (*SigningKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if !r.loaded {
		if err := r.reloadLocked(ctx, now); err != nil {
			return nil, err
		}
	}
	if k := r.currentLocked(now); k != nil {
		return k, nil
	}
	if err := r.reloadLocked(ctx, now); err != nil { // another node may have rotated
		return nil, err
	}
	if k := r.currentLocked(now); k != nil {
		return k, nil
	}
	if err := r.createLocked(ctx, now); err != nil {
		return nil, err
	}
	if k := r.currentLocked(now); k != nil {
		return k, nil
	}
	return nil, fmt.Errorf("signing key of the current slot not found after creating it: %w", api.ErrInternal)
}

// currentLocked returns the newest key that may sign at now.
func (r *keyRing) currentLocked(now time.Time) *SigningKey {
	for i := len(r.signing) - 1; i >= 0; i-- {
		k := r.signing[i]
		if start, err := time.Parse(kidLayout, k.ID); err == nil && !now.Before(start) && now.Before(k.NotAfter) {
			return k
		}
	}
	return nil
}

// createLocked creates the key of now's slot; losing the race to another
// node is fine: the winner's key is loaded instead.
func (r *keyRing) createLocked(ctx context.Context, now time.Time) error {
	gen, err := GenerateSigningKey(now)
	if err != nil {
		return err
	}
	start := now.UTC().Truncate(r.rotation)
	gen.ID = start.Format(kidLayout)
	gen.NotAfter = start.Add(r.rotation)
	gen.ExpiresAt = gen.NotAfter.Add(maxTokenLifetime + DefaultLeeway)
	der, err := MarshalPrivateKey(gen.Private)
	if err != nil {
		return err
	}
	sealed, err := r.keys.Encrypt(ctx, r.backend.binding(gen.ID), der)
	if err != nil {
		return err
	}
	row := &store.SigningKey{ID: gen.ID, PrivateKey: sealed, NotAfter: gen.NotAfter, ExpiresAt: gen.ExpiresAt, CreatedAt: now}
	if err := r.backend.insert(ctx, row); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return err
	}
	if err := r.backend.purge(ctx, now); err != nil {
		return err
	}
	return r.reloadLocked(ctx, now)
}

// reloadLocked replaces the ring by the keys in the database.
func (r *keyRing) reloadLocked(ctx context.Context, now time.Time) error {
	rows, err := r.backend.load(ctx, now)
	if err != nil {
		return err
	}
	signing := make([]*SigningKey, 0, len(rows))
	pubs := make([]PublicKey, 0, len(rows))
	for _, row := range rows {
		der, err := r.keys.Decrypt(ctx, r.backend.binding(row.ID), row.PrivateKey)
		if err != nil {
			return fmt.Errorf("signing key %s: %w", row.ID, err)
		}
		priv, err := ParsePrivateKey(der)
		if err != nil {
			return fmt.Errorf("signing key %s: %w", row.ID, err)
		}
		k := &SigningKey{ID: row.ID, Private: priv, NotAfter: row.NotAfter, ExpiresAt: row.ExpiresAt}
		signing = append(signing, k)
		pubs = append(pubs, k.Public())
	}
	set, err := NewKeySet(pubs...)
	if err != nil {
		return err
	}
	r.signing, r.set, r.loaded, r.lastLoad = signing, set, true, now
	return nil
}

// keySet returns the verifying keys, loading them on first use and
// reloading (at most every keyReloadInterval) when kid is unknown; kid ""
// asks for a listing, reloaded when older than a minute.
func (r *keyRing) keySet(ctx context.Context, kid string) (KeySet, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	_, known := r.set.Key(kid)
	stale := now.Sub(r.lastLoad) >= keyReloadInterval
	if kid == "" { // a listing (JWKS): show other nodes' keys within a minute
		stale, known = now.Sub(r.lastLoad) >= time.Minute, false
	}
	if !r.loaded || (!known && stale) {
		if err := r.reloadLocked(ctx, now); err != nil {
			return KeySet{}, err
		}
	}
	return r.set, nil
}

// keyFunc returns a VerifyWith key lookup over set at now.
func keyFunc(set KeySet, now time.Time) func(string) (crypto.PublicKey, error) {
	return func(kid string) (crypto.PublicKey, error) {
		k, ok := set.Key(kid)
		if !ok {
			return nil, api.Errorf(api.ErrUnauthenticated, "token signed by an unknown key")
		}
		if !k.ExpiresAt.IsZero() && now.After(k.ExpiresAt) {
			return nil, api.Errorf(api.ErrUnauthenticated, "token signed by a retired key")
		}
		return k.Key, nil
	}
}

// iamKeys is the backend of the IAM signing keys.
type iamKeys struct{ st *store.Store }

func (b iamKeys) load(ctx context.Context, now time.Time) ([]*store.SigningKey, error) {
	return b.st.SigningKeys(ctx, now)
}

func (b iamKeys) insert(ctx context.Context, k *store.SigningKey) error {
	return b.st.CreateSigningKey(ctx, k)
}

func (b iamKeys) purge(ctx context.Context, now time.Time) error {
	_, err := b.st.DeleteExpiredSigningKeys(ctx, now)
	return err
}

func (b iamKeys) binding(kid string) envelope.Binding {
	return envelope.Binding{Instance: kms.SystemInstance, Secret: "signing-key", Version: kid}
}

// computeKeys is the backend of one account's CR token issuer keys.
type computeKeys struct {
	st      *store.Store
	account string
}

func (b computeKeys) load(ctx context.Context, now time.Time) ([]*store.SigningKey, error) {
	return b.st.ComputeIssuerKeys(ctx, b.account, now)
}

func (b computeKeys) insert(ctx context.Context, k *store.SigningKey) error {
	k.AccountID = b.account
	return b.st.CreateComputeIssuerKey(ctx, k)
}

func (b computeKeys) purge(ctx context.Context, now time.Time) error {
	_, err := b.st.DeleteExpiredComputeIssuerKeys(ctx, now)
	return err
}

func (b computeKeys) binding(kid string) envelope.Binding {
	return envelope.Binding{Instance: kms.SystemInstance, Secret: "compute-issuer-key/" + b.account, Version: kid}
}

// JWKS returns the public keys that verify Coffer's access tokens, as
// served at GET /identity/keys (every key not yet expired). It creates the
// first signing key if there is none. Errors: api.ErrSealed while sealed.
func (s *Service) JWKS(ctx context.Context) ([]byte, error) {
	if _, err := s.signingKeys.signer(ctx); err != nil {
		return nil, err
	}
	set, err := s.signingKeys.keySet(ctx, "")
	if err != nil {
		return nil, err
	}
	return set.JWKS()
}

// Issuer returns the iss of Coffer's access tokens: PublicURL + "/identity".
func (s *Service) Issuer() string { return s.url + "/identity" }

// OpenIDConfiguration returns the discovery document served at
// GET /identity/.well-known/openid-configuration.
func (s *Service) OpenIDConfiguration() map[string]any {
	iss := s.Issuer()
	return map[string]any{
		"issuer":                                iss,
		"token_endpoint":                        iss + "/token",
		"jwks_uri":                              iss + "/keys",
		"authorization_endpoint":                iss + "/authorize",
		"passcode_endpoint":                     iss + "/passcode",
		"grant_types_supported":                 []string{GrantAPIKey, GrantRefreshToken, GrantCRToken, GrantAssume},
		"response_types_supported":              []string{"cloud_iam"},
		"scopes_supported":                      []string{"openid", "ibm"},
		"id_token_signing_alg_values_supported": []string{AlgRS256},
		"subject_types_supported":               []string{"public"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "none"},
	}
}
