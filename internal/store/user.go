package store

import (
	"context"
	"fmt"
	"time"
)

// User is a person in an account, identified there by IAM id. Names are
// unique within an account.
type User struct {
	IAMID     string
	AccountID string
	Name      string
	Email     string
	State     string
	CreatedAt time.Time
	UpdatedAt time.Time
	Revision  int64
}

const userCols = "iam_id, account_id, name, email, state, created_at, updated_at, revision"

func scanUser(s scanner) (*User, error) {
	u := new(User)
	err := s.Scan(&u.IAMID, &u.AccountID, &u.Name, &u.Email, &u.State,
		(*usec)(&u.CreatedAt), (*usec)(&u.UpdatedAt), &u.Revision)
	return u, err
}

func userKey(u *User) (time.Time, string) { return u.CreatedAt, u.IAMID }

// CreateUser stores a new user. It sets u.Revision to 1 and u.CreatedAt and
// u.UpdatedAt to now when zero. Errors: ErrAlreadyExists (same IAM id or name
// in the account), api.ErrFailedPrecondition (no such account), api.ErrInvalid
// (empty IAM id or account id).
func (q *queries) CreateUser(ctx context.Context, u *User) error {
	if err := required("create user", "account id", u.AccountID, "iam id", u.IAMID); err != nil {
		return err
	}
	created, updated := createTimes(u.CreatedAt, u.UpdatedAt)
	err := q.create(ctx, fmt.Sprintf("account %s user %s", u.AccountID, u.IAMID),
		`INSERT INTO users (iam_id, account_id, name, email, state, created_at, updated_at, revision)
		 VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
		u.IAMID, u.AccountID, u.Name, u.Email, u.State, micros(created), micros(updated))
	if err != nil {
		return err
	}
	u.CreatedAt, u.UpdatedAt, u.Revision = created, updated, 1
	return nil
}

// User returns the user with the IAM id in the account, or ErrNotFound.
func (q *queries) User(ctx context.Context, accountID, iamID string) (*User, error) {
	return getOne(ctx, q, scanUser, fmt.Sprintf("account %s user %s", accountID, iamID),
		`SELECT `+userCols+` FROM users WHERE account_id = ? AND iam_id = ?`, accountID, iamID)
}

// UserByName returns the user with the name in the account, or ErrNotFound.
func (q *queries) UserByName(ctx context.Context, accountID, name string) (*User, error) {
	return getOne(ctx, q, scanUser, fmt.Sprintf("account %s user named %q", accountID, name),
		`SELECT `+userCols+` FROM users WHERE account_id = ? AND name = ?`, accountID, name)
}

// ListUsers returns a page of the account's users. Errors: api.ErrInvalid
// for a bad page token or an empty account id.
func (q *queries) ListUsers(ctx context.Context, accountID string, opts ListOptions) ([]*User, string, error) {
	if err := required("list users", "account id", accountID); err != nil {
		return nil, "", err
	}
	p := page{what: "list users of account " + accountID, cols: userCols, table: "users", id: "iam_id",
		where: "account_id = ?", args: []any{accountID}}
	return list(ctx, q, p, opts, scanUser, userKey)
}

// UpdateUser writes u's Name, Email and State if the stored row is still at
// u.Revision, then increments u.Revision and sets u.UpdatedAt. Errors:
// ErrNotFound, ErrConflict (stale revision), ErrAlreadyExists (name taken).
func (q *queries) UpdateUser(ctx context.Context, u *User) error {
	t := now()
	err := q.update(ctx, fmt.Sprintf("account %s user %s", u.AccountID, u.IAMID),
		`UPDATE users SET name = ?, email = ?, state = ?, updated_at = ?, revision = revision + 1
		 WHERE account_id = ? AND iam_id = ? AND revision = ?`,
		[]any{u.Name, u.Email, u.State, micros(t), u.AccountID, u.IAMID, u.Revision},
		`SELECT 1 FROM users WHERE account_id = ? AND iam_id = ?`, u.AccountID, u.IAMID)
	if err != nil {
		return err
	}
	u.Revision++
	u.UpdatedAt = t
	return nil
}

// DeleteUser deletes the user. Errors: ErrNotFound.
func (q *queries) DeleteUser(ctx context.Context, accountID, iamID string) error {
	return q.execOne(ctx, fmt.Sprintf("account %s user %s", accountID, iamID),
		`DELETE FROM users WHERE account_id = ? AND iam_id = ?`, accountID, iamID)
}
