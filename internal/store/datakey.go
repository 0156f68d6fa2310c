package store

import (
	"context"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/api"
)

// DataKey is one term of an instance's data key, wrapped (encrypted) by the
// root key RootKeyID. Data keys do not reference instances: the system
// namespace (instance id "" or "coffer:system") has keys but no instance.
// Rows are immutable except for re-wrapping under a new root key.
type DataKey struct {
	InstanceID string
	Term       int64
	Wrapped    []byte
	RootKeyID  string
	CreatedAt  time.Time
}

const dataKeyCols = "instance_id, term, wrapped, root_key_id, created_at"

func scanDataKey(s scanner) (*DataKey, error) {
	k := new(DataKey)
	err := s.Scan(&k.InstanceID, &k.Term, &k.Wrapped, &k.RootKeyID, (*usec)(&k.CreatedAt))
	return k, err
}

// CreateDataKey stores a new term of a data key, setting k.CreatedAt to now
// when zero. Errors: ErrAlreadyExists (the term exists), api.ErrInvalid (no
// wrapped key).
func (q *queries) CreateDataKey(ctx context.Context, k *DataKey) error {
	if len(k.Wrapped) == 0 {
		return api.Errorf(api.ErrInvalid, "create data key: wrapped key is required")
	}
	created := normal(k.CreatedAt, now())
	err := q.create(ctx, fmt.Sprintf("instance %q data key term %d", k.InstanceID, k.Term),
		`INSERT INTO data_keys (instance_id, term, wrapped, root_key_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.InstanceID, k.Term, k.Wrapped, k.RootKeyID, micros(created))
	if err != nil {
		return err
	}
	k.CreatedAt = created
	return nil
}

// DataKeys returns the instance's data keys by term, ascending; none is an
// empty result, not an error.
func (q *queries) DataKeys(ctx context.Context, instanceID string) ([]*DataKey, error) {
	return getAll(ctx, q, scanDataKey, fmt.Sprintf("instance %q data keys", instanceID),
		`SELECT `+dataKeyCols+` FROM data_keys WHERE instance_id = ? ORDER BY term`, instanceID)
}

// AllDataKeys returns every data key, by instance id then term, for
// re-wrapping under a new root key.
func (q *queries) AllDataKeys(ctx context.Context) ([]*DataKey, error) {
	return getAll(ctx, q, scanDataKey, "all data keys",
		`SELECT `+dataKeyCols+` FROM data_keys ORDER BY instance_id, term`)
}

// UpdateDataKeyWrapping replaces the wrapped key and root key id of one
// term. Errors: ErrNotFound, api.ErrInvalid (no wrapped key).
func (q *queries) UpdateDataKeyWrapping(ctx context.Context, instanceID string, term int64, wrapped []byte, rootKeyID string) error {
	if len(wrapped) == 0 {
		return api.Errorf(api.ErrInvalid, "update data key wrapping: wrapped key is required")
	}
	return q.execOne(ctx, fmt.Sprintf("instance %q data key term %d", instanceID, term),
		`UPDATE data_keys SET wrapped = ?, root_key_id = ? WHERE instance_id = ? AND term = ?`,
		wrapped, rootKeyID, instanceID, term)
}

// DeleteDataKeys deletes all the instance's data keys; deleting none is not
// an error.
func (q *queries) DeleteDataKeys(ctx context.Context, instanceID string) error {
	defer q.touchAll()
	_, err := q.exec(ctx, `DELETE FROM data_keys WHERE instance_id = ?`, instanceID)
	return wrap(err, "delete instance %q data keys", instanceID)
}
