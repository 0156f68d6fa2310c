package store

import (
	"context"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/api"
)

// SigningKey is a stored token signing key: the IAM token signing keys
// (table signing_keys, AccountID empty) and the compute runtime's CR token
// issuer keys of an account (table compute_issuer_keys). PrivateKey is the
// private key encrypted by the caller; the store never sees it in clear.
// The key signs until NotAfter and verifies until ExpiresAt.
type SigningKey struct {
	AccountID  string // compute issuer keys only
	ID         string // kid
	PrivateKey []byte // sealed
	NotAfter   time.Time
	ExpiresAt  time.Time
	CreatedAt  time.Time
}

const signingKeyCols = "kid, private_key, not_after, expires_at, created_at"

func scanSigningKey(s scanner) (*SigningKey, error) {
	k := new(SigningKey)
	err := s.Scan(&k.ID, &k.PrivateKey, (*usec)(&k.NotAfter), (*usec)(&k.ExpiresAt), (*usec)(&k.CreatedAt))
	return k, err
}

// CreateSigningKey stores a new IAM signing key. Its kid names the rotation
// slot it serves, so ErrAlreadyExists means another node created the key of
// that slot first: reload and use it. CreatedAt is set to now when zero.
// Errors: ErrAlreadyExists, api.ErrInvalid (empty kid or key).
func (q *queries) CreateSigningKey(ctx context.Context, k *SigningKey) error {
	if err := checkSigningKey("create signing key", k); err != nil {
		return err
	}
	created, _ := createTimes(k.CreatedAt, k.CreatedAt)
	err := q.create(ctx, "signing key "+k.ID,
		`INSERT INTO signing_keys (kid, private_key, not_after, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.ID, k.PrivateKey, micros(k.NotAfter), micros(k.ExpiresAt), micros(created))
	if err != nil {
		return err
	}
	k.CreatedAt, k.NotAfter, k.ExpiresAt = created, fromMicros(micros(k.NotAfter)), fromMicros(micros(k.ExpiresAt))
	return nil
}

// SigningKeys returns every IAM signing key whose ExpiresAt is after now,
// ordered by NotAfter then kid.
func (q *queries) SigningKeys(ctx context.Context, now time.Time) ([]*SigningKey, error) {
	return getAll(ctx, q, scanSigningKey, "list signing keys",
		`SELECT `+signingKeyCols+` FROM signing_keys WHERE expires_at > ? ORDER BY not_after, kid`, micros(now))
}

// DeleteExpiredSigningKeys deletes the IAM signing keys whose ExpiresAt is
// at or before now and returns how many it deleted.
func (q *queries) DeleteExpiredSigningKeys(ctx context.Context, now time.Time) (int64, error) {
	return q.deleteTokenRows(ctx, "delete expired signing keys", `DELETE FROM signing_keys WHERE expires_at <= ?`, micros(now))
}

// CreateComputeIssuerKey stores a new CR token issuer key of k.AccountID,
// like CreateSigningKey. Errors: ErrAlreadyExists (same account and kid),
// api.ErrFailedPrecondition (no such account), api.ErrInvalid.
func (q *queries) CreateComputeIssuerKey(ctx context.Context, k *SigningKey) error {
	if err := checkSigningKey("create compute issuer key", k); err != nil {
		return err
	}
	if err := required("create compute issuer key", "account id", k.AccountID); err != nil {
		return err
	}
	created, _ := createTimes(k.CreatedAt, k.CreatedAt)
	err := q.create(ctx, fmt.Sprintf("account %s compute issuer key %s", k.AccountID, k.ID),
		`INSERT INTO compute_issuer_keys (account_id, kid, private_key, not_after, expires_at, created_at)
		 VALUES (?, ?, ?, ?, ?, ?)`,
		k.AccountID, k.ID, k.PrivateKey, micros(k.NotAfter), micros(k.ExpiresAt), micros(created))
	if err != nil {
		return err
	}
	k.CreatedAt, k.NotAfter, k.ExpiresAt = created, fromMicros(micros(k.NotAfter)), fromMicros(micros(k.ExpiresAt))
	return nil
}

// ComputeIssuerKeys returns the account's CR token issuer keys whose
// ExpiresAt is after now, ordered by NotAfter then kid.
func (q *queries) ComputeIssuerKeys(ctx context.Context, accountID string, now time.Time) ([]*SigningKey, error) {
	ks, err := getAll(ctx, q, scanSigningKey, "list compute issuer keys of account "+accountID,
		`SELECT `+signingKeyCols+` FROM compute_issuer_keys WHERE account_id = ? AND expires_at > ?
		 ORDER BY not_after, kid`, accountID, micros(now))
	for _, k := range ks {
		k.AccountID = accountID
	}
	return ks, err
}

// DeleteExpiredComputeIssuerKeys deletes the CR token issuer keys of every
// account whose ExpiresAt is at or before now and returns how many.
func (q *queries) DeleteExpiredComputeIssuerKeys(ctx context.Context, now time.Time) (int64, error) {
	return q.deleteTokenRows(ctx, "delete expired compute issuer keys",
		`DELETE FROM compute_issuer_keys WHERE expires_at <= ?`, micros(now))
}

func checkSigningKey(what string, k *SigningKey) error {
	if err := required(what, "kid", k.ID); err != nil {
		return err
	}
	if len(k.PrivateKey) == 0 || k.NotAfter.IsZero() || k.ExpiresAt.IsZero() {
		return api.Errorf(api.ErrInvalid, "%s: private key, not-after and expiry are required", what)
	}
	return nil
}

// RefreshToken is a stored refresh token: only a keyed hash of its value.
// Tokens of one login share a Family; each is single-use (UsedAt is set
// when it is exchanged). APIKeyID references the API key the login used, so
// deleting the key deletes its refresh tokens.
type RefreshToken struct {
	Hash      []byte
	Family    string
	APIKeyID  string
	AccountID string
	IAMID     string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero while unused
}

const refreshTokenCols = "hash, family, api_key_id, account_id, iam_id, created_at, expires_at, used_at"

func scanRefreshToken(s scanner) (*RefreshToken, error) {
	t := new(RefreshToken)
	var used int64
	err := s.Scan(&t.Hash, &t.Family, &t.APIKeyID, &t.AccountID, &t.IAMID,
		(*usec)(&t.CreatedAt), (*usec)(&t.ExpiresAt), &used)
	if used != 0 {
		t.UsedAt = fromMicros(used)
	}
	return t, err
}

// CreateRefreshToken stores a new, unused refresh token. CreatedAt is set
// to now when zero. Errors: ErrAlreadyExists (same hash),
// api.ErrFailedPrecondition (no such API key), api.ErrInvalid.
func (q *queries) CreateRefreshToken(ctx context.Context, t *RefreshToken) error {
	if err := required("create refresh token", "family", t.Family, "api key id", t.APIKeyID,
		"account id", t.AccountID, "iam id", t.IAMID); err != nil {
		return err
	}
	if len(t.Hash) == 0 || t.ExpiresAt.IsZero() {
		return api.Errorf(api.ErrInvalid, "create refresh token: hash and expiry are required")
	}
	created, _ := createTimes(t.CreatedAt, t.CreatedAt)
	err := q.create(ctx, "refresh token of api key "+t.APIKeyID,
		`INSERT INTO refresh_tokens (hash, family, api_key_id, account_id, iam_id, created_at, expires_at, used_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, 0)`,
		t.Hash, t.Family, t.APIKeyID, t.AccountID, t.IAMID, micros(created), micros(t.ExpiresAt))
	if err != nil {
		return err
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = created, fromMicros(micros(t.ExpiresAt)), time.Time{}
	return nil
}

// RefreshTokenByHash returns the refresh token with the given hash, used or
// not, or ErrNotFound.
func (q *queries) RefreshTokenByHash(ctx context.Context, hash []byte) (*RefreshToken, error) {
	return getOne(ctx, q, scanRefreshToken, "refresh token",
		`SELECT `+refreshTokenCols+` FROM refresh_tokens WHERE hash = ?`, hash)
}

// UseRefreshToken marks the refresh token used at now, atomically: of two
// concurrent calls exactly one succeeds. Errors: ErrNotFound (no such
// token), ErrConflict (already used: a replay).
func (q *queries) UseRefreshToken(ctx context.Context, hash []byte, now time.Time) error {
	err := q.update(ctx, "refresh token",
		`UPDATE refresh_tokens SET used_at = ? WHERE hash = ? AND used_at = 0`,
		[]any{max(micros(now), 1), hash}, `SELECT 1 FROM refresh_tokens WHERE hash = ?`, hash)
	return err
}

// DeleteRefreshTokenFamily deletes every refresh token of the family (a
// revoked login) and returns how many.
func (q *queries) DeleteRefreshTokenFamily(ctx context.Context, family string) (int64, error) {
	return q.deleteTokenRows(ctx, "delete refresh token family", `DELETE FROM refresh_tokens WHERE family = ?`, family)
}

// DeleteExpiredRefreshTokens deletes the refresh tokens whose ExpiresAt is
// at or before now and returns how many.
func (q *queries) DeleteExpiredRefreshTokens(ctx context.Context, now time.Time) (int64, error) {
	return q.deleteTokenRows(ctx, "delete expired refresh tokens", `DELETE FROM refresh_tokens WHERE expires_at <= ?`, micros(now))
}

// deleteTokenRows runs a DELETE of any number of rows and returns the count.
func (q *queries) deleteTokenRows(ctx context.Context, what, query string, args ...any) (int64, error) {
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return 0, wrap(err, "%s", what)
	}
	n, err := res.RowsAffected()
	return n, wrap(err, "%s", what)
}
