package store

import (
	"context"
	"time"

	"github.com/cofferhq/coffer/api"
)

// APIKey is an API key of an account, owned by the identity IAMID. Only its
// keyed hash is stored; hashes are unique, so a presented key finds its row
// with APIKeyByHash. StoredValue, when not nil, is the key's value sealed by
// the caller (service ID keys created with store_value); the store never
// sees it in the clear.
type APIKey struct {
	ID               string
	AccountID        string
	IAMID            string // the owner's iam_id
	Name             string
	Description      string
	CreatedBy        string
	Hash             []byte
	Locked           bool
	Disabled         bool
	ExpiresAt        time.Time // zero: never expires
	SupportSessions  bool
	ActionWhenLeaked string // none, disable or delete
	StoredValue      []byte // sealed value, or nil
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Revision         int64
}

const apiKeyCols = "id, account_id, iam_id, name, description, created_by, hash, locked, disabled, " +
	"expires_at, support_sessions, action_when_leaked, stored_value, created_at, updated_at, revision"

func scanAPIKey(s scanner) (*APIKey, error) {
	k := new(APIKey)
	err := s.Scan(&k.ID, &k.AccountID, &k.IAMID, &k.Name, &k.Description, &k.CreatedBy, &k.Hash,
		(*boolean)(&k.Locked), (*boolean)(&k.Disabled), (*optUsec)(&k.ExpiresAt), (*boolean)(&k.SupportSessions),
		&k.ActionWhenLeaked, &k.StoredValue, (*usec)(&k.CreatedAt), (*usec)(&k.UpdatedAt), &k.Revision)
	return k, err
}

func apiKeyKey(k *APIKey) (time.Time, string) { return k.CreatedAt, k.ID }

// CreateAPIKey stores a new API key. It sets k.Revision to 1 and k.CreatedAt
// and k.UpdatedAt to now when zero. Errors: ErrAlreadyExists (same id or
// hash), api.ErrFailedPrecondition (no such account), api.ErrInvalid (empty
// id, account id or hash).
func (q *queries) CreateAPIKey(ctx context.Context, k *APIKey) error {
	if err := required("create api key", "id", k.ID, "account id", k.AccountID); err != nil {
		return err
	}
	if len(k.Hash) == 0 {
		return api.Errorf(api.ErrInvalid, "create api key: hash is required")
	}
	created, updated := createTimes(k.CreatedAt, k.UpdatedAt)
	expires := optTime(k.ExpiresAt)
	err := q.create(ctx, "api key "+k.ID,
		`INSERT INTO api_keys (id, account_id, iam_id, name, description, created_by, hash, locked, disabled,
		 expires_at, support_sessions, action_when_leaked, stored_value, created_at, updated_at, revision)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		k.ID, k.AccountID, k.IAMID, k.Name, k.Description, k.CreatedBy, k.Hash, k.Locked, k.Disabled,
		optMicros(expires), k.SupportSessions, k.ActionWhenLeaked, k.StoredValue, micros(created), micros(updated))
	if err != nil {
		return err
	}
	k.ExpiresAt, k.CreatedAt, k.UpdatedAt, k.Revision = expires, created, updated, 1
	return nil
}

// APIKey returns the API key with the given id, or ErrNotFound.
func (q *queries) APIKey(ctx context.Context, id string) (*APIKey, error) {
	return getOne(ctx, q, scanAPIKey, "api key "+id,
		`SELECT `+apiKeyCols+` FROM api_keys WHERE id = ?`, id)
}

// APIKeyByHash returns the API key with the given hash, or ErrNotFound.
func (q *queries) APIKeyByHash(ctx context.Context, hash []byte) (*APIKey, error) {
	return getOne(ctx, q, scanAPIKey, "api key by hash",
		`SELECT `+apiKeyCols+` FROM api_keys WHERE hash = ?`, hash)
}

// ListAPIKeys returns a page of the account's API keys, only those owned by
// ownerIAMID unless it is "". Errors: api.ErrInvalid for a bad page token or
// an empty account id.
func (q *queries) ListAPIKeys(ctx context.Context, accountID, ownerIAMID string, opts ListOptions) ([]*APIKey, string, error) {
	if err := required("list api keys", "account id", accountID); err != nil {
		return nil, "", err
	}
	p := page{what: "list api keys of account " + accountID, cols: apiKeyCols, table: "api_keys", id: "id",
		where: "account_id = ?", args: []any{accountID}}
	if ownerIAMID != "" {
		p.where += " AND iam_id = ?"
		p.args = append(p.args, ownerIAMID)
	}
	return list(ctx, q, p, opts, scanAPIKey, apiKeyKey)
}

// UpdateAPIKey writes k's Name, Description, Locked, Disabled, ExpiresAt,
// SupportSessions and ActionWhenLeaked (the account, owner, creator, hash and
// stored value are fixed at creation) if the stored row is still at
// k.Revision, then increments k.Revision and sets k.UpdatedAt. Errors:
// ErrNotFound, ErrConflict (stale revision).
func (q *queries) UpdateAPIKey(ctx context.Context, k *APIKey) error {
	t := now()
	expires := optTime(k.ExpiresAt)
	err := q.update(ctx, "api key "+k.ID,
		`UPDATE api_keys SET name = ?, description = ?, locked = ?, disabled = ?, expires_at = ?,
		 support_sessions = ?, action_when_leaked = ?, updated_at = ?,
		 revision = revision + 1 WHERE id = ? AND revision = ?`,
		[]any{k.Name, k.Description, k.Locked, k.Disabled, optMicros(expires), k.SupportSessions,
			k.ActionWhenLeaked, micros(t), k.ID, k.Revision},
		`SELECT 1 FROM api_keys WHERE id = ?`, k.ID)
	if err != nil {
		return err
	}
	k.ExpiresAt = expires
	k.Revision++
	k.UpdatedAt = t
	return nil
}

// DeleteAPIKey deletes the API key. Errors: ErrNotFound.
func (q *queries) DeleteAPIKey(ctx context.Context, id string) error {
	return q.execOne(ctx, "api key "+id, `DELETE FROM api_keys WHERE id = ?`, id)
}
