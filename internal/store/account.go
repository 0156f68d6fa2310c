package store

import (
	"context"
	"fmt"
	"time"
)

// Account is a tenant: every user, API key and instance belongs to one, and
// deleting it deletes them.
type Account struct {
	ID    string
	Name  string
	State string
	// OwnerIAMID is the iam_id of the account's owner, its first
	// administrator.
	OwnerIAMID string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Revision   int64
}

const accountCols = "id, name, state, owner_iam_id, created_at, updated_at, revision"

func scanAccount(s scanner) (*Account, error) {
	a := new(Account)
	err := s.Scan(&a.ID, &a.Name, &a.State, &a.OwnerIAMID, (*usec)(&a.CreatedAt), (*usec)(&a.UpdatedAt), &a.Revision)
	return a, err
}

func accountKey(a *Account) (time.Time, string) { return a.CreatedAt, a.ID }

// CreateAccount stores a new account. It sets a.Revision to 1 and
// a.CreatedAt and a.UpdatedAt to now when zero. Errors: ErrAlreadyExists
// when the id is taken, api.ErrInvalid when a.ID is empty.
func (q *queries) CreateAccount(ctx context.Context, a *Account) error {
	if err := required("create account", "id", a.ID); err != nil {
		return err
	}
	created, updated := createTimes(a.CreatedAt, a.UpdatedAt)
	err := q.create(ctx, fmt.Sprintf("account %s", a.ID),
		`INSERT INTO accounts (id, name, state, owner_iam_id, created_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, 1)`,
		a.ID, a.Name, a.State, a.OwnerIAMID, micros(created), micros(updated))
	if err != nil {
		return err
	}
	a.CreatedAt, a.UpdatedAt, a.Revision = created, updated, 1
	return nil
}

// Account returns the account with the given id, or ErrNotFound.
func (q *queries) Account(ctx context.Context, id string) (*Account, error) {
	return getOne(ctx, q, scanAccount, "account "+id,
		`SELECT `+accountCols+` FROM accounts WHERE id = ?`, id)
}

// ListAccounts returns a page of all accounts. Errors: api.ErrInvalid for a
// bad page token.
func (q *queries) ListAccounts(ctx context.Context, opts ListOptions) ([]*Account, string, error) {
	p := page{what: "list accounts", cols: accountCols, table: "accounts", id: "id"}
	return list(ctx, q, p, opts, scanAccount, accountKey)
}

// UpdateAccount writes a's Name, State and OwnerIAMID if the stored row is still at
// a.Revision, then increments a.Revision and sets a.UpdatedAt. Errors:
// ErrNotFound, ErrConflict (stale revision; nothing written).
func (q *queries) UpdateAccount(ctx context.Context, a *Account) error {
	t := now()
	err := q.update(ctx, "account "+a.ID,
		`UPDATE accounts SET name = ?, state = ?, owner_iam_id = ?, updated_at = ?, revision = revision + 1 WHERE id = ? AND revision = ?`,
		[]any{a.Name, a.State, a.OwnerIAMID, micros(t), a.ID, a.Revision},
		`SELECT 1 FROM accounts WHERE id = ?`, a.ID)
	if err != nil {
		return err
	}
	a.Revision++
	a.UpdatedAt = t
	return nil
}

// DeleteAccount deletes the account and, by cascade, its users, API keys
// and instances. Errors: ErrNotFound.
func (q *queries) DeleteAccount(ctx context.Context, id string) error {
	defer q.touchAll()
	return q.execOne(ctx, "account "+id, `DELETE FROM accounts WHERE id = ?`, id)
}
