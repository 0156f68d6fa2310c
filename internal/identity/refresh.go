package identity

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// RefreshTokenLifetime is how long a refresh token may be exchanged.
const RefreshTokenLifetime = 30 * 24 * time.Hour

const (
	refreshTokenBytes  = 32
	refreshHashPrefix  = "coffer refresh token v1\x00"
	refreshPurgeEvery  = time.Hour
	detailsRefreshUsed = "The refresh token was already used; every token of its login is revoked. Log in again."
)

// Refresh tokens are opaque: 32 random bytes, base64url. The store keeps
// only HMAC-SHA-256 of the value under the API key pepper (with a domain
// prefix), bound to the API key and subject of the login. Each is
// single-use: exchanging one marks it used and issues the next of the same
// family; presenting a used one again (a replay, so a likely theft)
// revokes the whole family.

func (s *Service) refreshHash(ctx context.Context, value string) ([]byte, error) {
	return s.HashKey(ctx, refreshHashPrefix+value)
}

// issueRefreshToken stores and returns a new refresh token of the login
// with k, in family ("" starts a new family).
func (s *Service) issueRefreshToken(ctx context.Context, k *store.APIKey, family string) (api.Sensitive, error) {
	var b [refreshTokenBytes]byte
	rand.Read(b[:])
	value := base64.RawURLEncoding.EncodeToString(b[:])
	h, err := s.refreshHash(ctx, value)
	if err != nil {
		return "", err
	}
	if family == "" {
		family = newJTI()
	}
	now := s.now()
	rt := &store.RefreshToken{Hash: h, Family: family, APIKeyID: k.ID, AccountID: k.AccountID, IAMID: k.IAMID,
		CreatedAt: now, ExpiresAt: now.Add(RefreshTokenLifetime)}
	if err := s.st.CreateRefreshToken(ctx, rt); err != nil {
		return "", err
	}
	s.purgeRefreshTokens(ctx, now)
	return api.Sensitive(value), nil
}

// purgeRefreshTokens deletes expired refresh tokens, at most once an hour
// per node; a failure only delays it.
func (s *Service) purgeRefreshTokens(ctx context.Context, now time.Time) {
	s.pepperMu.Lock()
	due := now.Sub(s.lastRefreshPurge) >= refreshPurgeEvery
	if due {
		s.lastRefreshPurge = now
	}
	s.pepperMu.Unlock()
	if !due {
		return
	}
	if _, err := s.st.DeleteExpiredRefreshTokens(ctx, now); err != nil {
		s.log.Warn("deleting expired refresh tokens failed", "error", err.Error())
	}
}

// refreshGrant exchanges a refresh token for new tokens, once.
func (s *Service) refreshGrant(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	rt, err := s.usableRefreshToken(ctx, req.RefreshToken.Reveal())
	if err != nil {
		return nil, err
	}
	if err := s.st.UseRefreshToken(ctx, rt.Hash, s.now()); errors.Is(err, store.ErrConflict) {
		return nil, s.refreshReplayed(ctx, rt)
	} else if errors.Is(err, store.ErrNotFound) {
		return nil, RefreshTokenInvalidError("The refresh token is not known.")
	} else if err != nil {
		return nil, err
	}
	k, err := s.st.APIKey(ctx, rt.APIKeyID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && k.IAMID != rt.IAMID) {
		return nil, RefreshTokenInvalidError("The API key of this login no longer exists.")
	}
	if err != nil {
		return nil, err
	}
	resp, err := s.loginWithKey(ctx, req, k, rt.Family)
	var te *TokenError
	if errors.As(err, &te) {
		return nil, RefreshTokenInvalidError("The API key or identity of this login can no longer log in. " + te.Details)
	}
	return resp, err
}

// usableRefreshToken finds value's row and checks that it is unused and
// unexpired; a used one revokes its family.
func (s *Service) usableRefreshToken(ctx context.Context, value string) (*store.RefreshToken, error) {
	h, err := s.refreshHash(ctx, value)
	if err != nil {
		return nil, err
	}
	rt, err := s.st.RefreshTokenByHash(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return nil, RefreshTokenInvalidError("The refresh token is not known.")
	}
	if err != nil {
		return nil, err
	}
	if !rt.UsedAt.IsZero() {
		return nil, s.refreshReplayed(ctx, rt)
	}
	if !s.now().Before(rt.ExpiresAt) {
		return nil, RefreshTokenInvalidError("The refresh token has expired.")
	}
	return rt, nil
}

// refreshReplayed revokes the family of a replayed refresh token.
func (s *Service) refreshReplayed(ctx context.Context, rt *store.RefreshToken) error {
	n, err := s.st.DeleteRefreshTokenFamily(ctx, rt.Family)
	if err != nil {
		return err
	}
	s.log.Warn("refresh token replayed: login revoked", "iam_id", rt.IAMID, "api_key_id", rt.APIKeyID, "revoked", n)
	return RefreshTokenInvalidError(detailsRefreshUsed)
}
