package identity

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// Verified-token cache defaults.
const (
	// DefaultTokenCacheSize bounds the verified-token cache.
	DefaultTokenCacheSize = 10000
	// tokenCacheTTL bounds how long a verified token is trusted without
	// looking at the store again, so that changes made on other nodes (a key
	// deleted, a profile removed) take effect within it.
	tokenCacheTTL = 30 * time.Second
)

// Principal kinds.
const (
	KindUser      = "user"
	KindServiceID = "serviceid"
	KindProfile   = "profile"
)

// subject is an identity a credential stands for, as found in the store.
type subject struct {
	kind      SubjectKind
	id        string // CofferId-, ServiceId- or Profile- id
	iamID     string
	accountID string
	name      string
	email     string
}

// Authenticate turns a credential into its principal: a Bearer IAM access
// token (verified against the signing keys, then its subject, API key or
// profile checked in the store; results cached by token hash for at most
// 30 s) or an API key. Every unusable credential (unknown, malformed,
// expired, locked, disabled; subject gone) is an error wrapping
// api.ErrUnauthenticated; api.ErrSealed while sealed.
func (s *Service) Authenticate(ctx context.Context, cred authz.Credential) (*authz.Principal, error) {
	if cred.Bearer != "" {
		return s.authenticateBearer(ctx, cred.Bearer.Reveal())
	}
	if cred.APIKey == "" {
		return nil, errBadCredential
	}
	k, err := s.apiKeyByValue(ctx, cred.APIKey.Reveal())
	if err != nil {
		return nil, err
	}
	if keyProblem(k, s.now()) != nil {
		return nil, errBadCredential
	}
	subj, err := s.lookupSubject(ctx, k.AccountID, k.IAMID)
	if err != nil {
		return nil, err
	}
	return s.principal(ctx, subj, k.ID)
}

func (s *Service) authenticateBearer(ctx context.Context, token string) (*authz.Principal, error) {
	h := sha256.Sum256([]byte(token))
	now := s.now()
	if p, ok := s.cache.get(h, now); ok {
		return p, nil
	}
	c, keyID, err := s.verifyAccessToken(ctx, token)
	if err != nil {
		return nil, err
	}
	p, err := s.principalOfClaims(ctx, c, keyID)
	if err != nil {
		return nil, err
	}
	until := now.Add(tokenCacheTTL)
	if exp := time.Unix(c.Expiry, 0); exp.Before(until) {
		until = exp
	}
	s.cache.put(h, p, until, now)
	return p, nil
}

// verifyAccessToken checks an access token's signature, issuer and
// lifetime and returns its claims and its Coffer apikey_id claim. Errors
// wrap api.ErrUnauthenticated (or api.ErrSealed).
func (s *Service) verifyAccessToken(ctx context.Context, token string) (*Claims, string, error) {
	if len(token) > MaxTokenSize {
		return nil, "", api.Errorf(api.ErrUnauthenticated, "token larger than %d bytes", MaxTokenSize)
	}
	set, err := s.signingKeys.keySet(ctx, peekKid(token))
	if err != nil {
		return nil, "", err
	}
	c, err := Verify(token, set, VerifyOptions{Issuer: s.Issuer(), Now: s.now()})
	if err != nil {
		return nil, "", err
	}
	var extra struct {
		APIKeyID string `json:"apikey_id"`
	}
	if parts := strings.Split(token, "."); len(parts) == 3 {
		if raw, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
			json.Unmarshal(raw, &extra)
		}
	}
	return c, extra.APIKeyID, nil
}

// peekKid reads the kid of a compact JWS header without verifying
// anything, to decide whether the key set must be reloaded.
func peekKid(token string) string {
	enc, _, ok := strings.Cut(token, ".")
	if !ok || len(enc) > 1024 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return ""
	}
	var h struct {
		Kid string `json:"kid"`
	}
	json.Unmarshal(raw, &h)
	return h.Kid
}

// principalOfClaims checks that the subject of verified claims (and the
// API key it logged in with, if any) still exists and may log in.
func (s *Service) principalOfClaims(ctx context.Context, c *Claims, apiKeyID string) (*authz.Principal, error) {
	subj, err := s.lookupSubject(ctx, c.Account.BSS, c.IAMID)
	if err != nil {
		return nil, err
	}
	if apiKeyID != "" {
		k, err := s.st.APIKey(ctx, apiKeyID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errBadCredential
		}
		if err != nil {
			return nil, err
		}
		if k.IAMID != subj.iamID || k.AccountID != subj.accountID || keyProblem(k, s.now()) != nil {
			return nil, errBadCredential
		}
	}
	return s.principal(ctx, subj, apiKeyID)
}

// keyProblem returns the token error that refuses a login with k, or nil.
func keyProblem(k *store.APIKey, now time.Time) *TokenError {
	switch {
	case k.Disabled:
		return APIKeyDisabledError()
	case k.Locked:
		return APIKeyLockedError()
	case !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt):
		return APIKeyExpiredError()
	}
	return nil
}

// lookupSubject finds iamID in account. A missing subject (or one of
// another account) is errBadCredential.
func (s *Service) lookupSubject(ctx context.Context, accountID, iamID string) (*subject, error) {
	kind, id, err := ParseIAMID(iamID)
	if err != nil || accountID == "" {
		return nil, errBadCredential
	}
	subj := &subject{kind: kind, id: id, iamID: iamID, accountID: accountID}
	switch kind {
	case SubjectUser:
		u, err := s.st.User(ctx, accountID, iamID)
		if err != nil {
			return nil, notFoundIsBad(err)
		}
		subj.name, subj.email = u.Name, u.Email
	case SubjectServiceID:
		sid, err := s.st.ServiceID(ctx, id)
		if err != nil {
			return nil, notFoundIsBad(err)
		}
		if sid.AccountID != accountID {
			return nil, errBadCredential
		}
		subj.name = sid.Name
	case SubjectProfile:
		p, err := s.st.Profile(ctx, id)
		if err != nil {
			return nil, notFoundIsBad(err)
		}
		if p.AccountID != accountID {
			return nil, errBadCredential
		}
		subj.name = p.Name
	default:
		return nil, errBadCredential
	}
	return subj, nil
}

func notFoundIsBad(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return errBadCredential
	}
	return err
}

// principal builds the principal of subj.
func (s *Service) principal(ctx context.Context, subj *subject, apiKeyID string) (*authz.Principal, error) {
	acct, err := s.st.Account(ctx, subj.accountID)
	if err != nil {
		return nil, notFoundIsBad(err)
	}
	p := &authz.Principal{IAMID: subj.iamID, AccountID: subj.accountID, APIKeyID: apiKeyID}
	switch subj.kind {
	case SubjectUser:
		p.Kind = KindUser
	case SubjectServiceID:
		p.Kind = KindServiceID
	case SubjectProfile:
		p.Kind, p.ProfileID = KindProfile, subj.id
	}
	p.Admin = acct.OwnerIAMID == subj.iamID
	if p.Admin {
		op, err := s.operatorAccount(ctx)
		if err != nil {
			return nil, err
		}
		p.Operator = subj.accountID == op
	}
	return p, nil
}

// invalidateSubject forgets, on this node, every cached verification of a
// token of iamID, and has the gate forget its cached decisions (on every
// node). The IAM Identity service calls it when a key, service ID, profile
// or user changes; other nodes' token caches converge within 30 s.
func (s *Service) invalidateSubject(iamID string) {
	s.cache.dropSubject(iamID)
	if err := s.gate.Invalidate(context.Background()); err != nil {
		s.log.Warn("identity: invalidating cached authorization decisions failed", "error", err.Error())
	}
}

// tokenCache holds verified tokens by SHA-256 of the token, each until
// min(token exp, 30 s after verification).
type tokenCache struct {
	max int
	mu  sync.Mutex
	m   map[[32]byte]cacheEntry
}

type cacheEntry struct {
	p     authz.Principal
	until time.Time
}

func newTokenCache(size int) *tokenCache {
	if size == 0 {
		size = DefaultTokenCacheSize
	}
	return &tokenCache{max: size, m: map[[32]byte]cacheEntry{}}
}

func (c *tokenCache) get(h [32]byte, now time.Time) (*authz.Principal, bool) {
	if c.max < 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[h]
	if !ok || !now.Before(e.until) {
		return nil, false
	}
	p := e.p
	return &p, true
}

func (c *tokenCache) put(h [32]byte, p *authz.Principal, until, now time.Time) {
	if c.max < 0 || !now.Before(until) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		c.evictLocked(now)
	}
	c.m[h] = cacheEntry{p: *p, until: until}
}

// evictLocked drops expired entries, and if that is not enough, about a
// tenth of the others (map order is random).
func (c *tokenCache) evictLocked(now time.Time) {
	for h, e := range c.m {
		if !now.Before(e.until) {
			delete(c.m, h)
		}
	}
	for h := range c.m {
		if len(c.m) < c.max-c.max/10 {
			break
		}
		delete(c.m, h)
	}
}

func (c *tokenCache) dropSubject(iamID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, e := range c.m {
		if e.p.IAMID == iamID {
			delete(c.m, h)
		}
	}
}

func (c *tokenCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
