package store

import (
	"context"
	"fmt"
	"time"
)

// Instance is a Secrets Manager service instance of an account. Names are
// unique within an account.
type Instance struct {
	GUID            string
	AccountID       string
	Name            string
	Region          string
	ResourceGroupID string
	Plan            string
	State           string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Revision        int64
}

const instanceCols = "guid, account_id, name, region, resource_group_id, plan, state, created_at, updated_at, revision"

func scanInstance(s scanner) (*Instance, error) {
	in := new(Instance)
	err := s.Scan(&in.GUID, &in.AccountID, &in.Name, &in.Region, &in.ResourceGroupID, &in.Plan, &in.State,
		(*usec)(&in.CreatedAt), (*usec)(&in.UpdatedAt), &in.Revision)
	return in, err
}

func instanceKey(in *Instance) (time.Time, string) { return in.CreatedAt, in.GUID }

// CreateInstance stores a new instance. It sets in.Revision to 1 and
// in.CreatedAt and in.UpdatedAt to now when zero. Errors: ErrAlreadyExists
// (same GUID, or same name in the account), api.ErrFailedPrecondition (no
// such account), api.ErrInvalid (empty GUID or account id).
func (q *queries) CreateInstance(ctx context.Context, in *Instance) error {
	if err := required("create instance", "guid", in.GUID, "account id", in.AccountID); err != nil {
		return err
	}
	created, updated := createTimes(in.CreatedAt, in.UpdatedAt)
	err := q.create(ctx, "instance "+in.GUID,
		`INSERT INTO instances (guid, account_id, name, region, resource_group_id, plan, state,
		 created_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		in.GUID, in.AccountID, in.Name, in.Region, in.ResourceGroupID, in.Plan, in.State,
		micros(created), micros(updated))
	if err != nil {
		return err
	}
	in.CreatedAt, in.UpdatedAt, in.Revision = created, updated, 1
	return nil
}

// Instance returns the instance with the given GUID, or ErrNotFound.
func (q *queries) Instance(ctx context.Context, guid string) (*Instance, error) {
	return getOne(ctx, q, scanInstance, "instance "+guid,
		`SELECT `+instanceCols+` FROM instances WHERE guid = ?`, guid)
}

// InstanceByName returns the instance with the name in the account, or
// ErrNotFound.
func (q *queries) InstanceByName(ctx context.Context, accountID, name string) (*Instance, error) {
	return getOne(ctx, q, scanInstance, fmt.Sprintf("account %s instance named %q", accountID, name),
		`SELECT `+instanceCols+` FROM instances WHERE account_id = ? AND name = ?`, accountID, name)
}

// ListInstances returns a page of the account's instances, or of all
// instances when accountID is "". Errors: api.ErrInvalid for a bad page token.
func (q *queries) ListInstances(ctx context.Context, accountID string, opts ListOptions) ([]*Instance, string, error) {
	p := page{what: "list instances", cols: instanceCols, table: "instances", id: "guid"}
	if accountID != "" {
		p.what += " of account " + accountID
		p.where, p.args = "account_id = ?", []any{accountID}
	}
	return list(ctx, q, p, opts, scanInstance, instanceKey)
}

// UpdateInstance writes every field but the GUID, account and creation time
// if the stored row is still at in.Revision, then increments in.Revision and
// sets in.UpdatedAt. Errors: ErrNotFound, ErrConflict (stale revision),
// ErrAlreadyExists (name taken in the account).
func (q *queries) UpdateInstance(ctx context.Context, in *Instance) error {
	t := now()
	err := q.update(ctx, "instance "+in.GUID,
		`UPDATE instances SET name = ?, region = ?, resource_group_id = ?, plan = ?, state = ?, updated_at = ?,
		 revision = revision + 1 WHERE guid = ? AND revision = ?`,
		[]any{in.Name, in.Region, in.ResourceGroupID, in.Plan, in.State, micros(t), in.GUID, in.Revision},
		`SELECT 1 FROM instances WHERE guid = ?`, in.GUID)
	if err != nil {
		return err
	}
	in.Revision++
	in.UpdatedAt = t
	return nil
}

// DeleteInstance deletes the instance (not its data keys: see
// DeleteDataKeys). Errors: ErrNotFound.
func (q *queries) DeleteInstance(ctx context.Context, guid string) error {
	defer q.touchAll()
	return q.execOne(ctx, "instance "+guid, `DELETE FROM instances WHERE guid = ?`, guid)
}
