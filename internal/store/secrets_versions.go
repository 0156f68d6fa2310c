package store

import (
	"context"
	"strings"
	"time"
)

// SecretVersion is a version of a secret. Seq numbers a secret's versions
// from 1; Payload is the ciphertext, nil when the data was destroyed or not
// delivered yet (PayloadAvailable false). Metadata is the service's JSON
// document of the version's metadata.
type SecretVersion struct {
	ID               string
	SecretID         string
	Seq              int64
	Payload          []byte
	PayloadAvailable bool
	Downloaded       bool
	AutoRotated      bool
	Metadata         []byte
	ExpirationDate   time.Time
	CreatedBy        string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Revision         int64
}

const versionCols = "v.id, v.secret_id, v.seq, v.payload, v.payload_available, v.downloaded, v.auto_rotated, " +
	"v.metadata, v.expiration_date, v.created_by, v.created_at, v.updated_at, v.revision"

// versionMetaCols selects a version without its payload.
const versionMetaCols = "v.id, v.secret_id, v.seq, NULL, v.payload_available, v.downloaded, v.auto_rotated, " +
	"v.metadata, v.expiration_date, v.created_by, v.created_at, v.updated_at, v.revision"

func versionDest(v *SecretVersion) []any {
	return []any{&v.ID, &v.SecretID, &v.Seq, (*textBytes)(&v.Payload), (*boolean)(&v.PayloadAvailable),
		(*boolean)(&v.Downloaded), (*boolean)(&v.AutoRotated), (*textBytes)(&v.Metadata),
		(*nullUsec)(&v.ExpirationDate), &v.CreatedBy, (*usec)(&v.CreatedAt), (*usec)(&v.UpdatedAt), &v.Revision}
}

func scanVersion(s scanner) (*SecretVersion, error) {
	v := new(SecretVersion)
	return v, s.Scan(versionDest(v)...)
}

// CreateSecretVersion stores a version (the caller updates the secret's
// current version and total in the same transaction). Errors:
// ErrAlreadyExists (same id or sequence number), api.ErrFailedPrecondition
// (no such secret), api.ErrInvalid.
func (q *queries) CreateSecretVersion(ctx context.Context, v *SecretVersion) error {
	if err := required("create secret version", "id", v.ID, "secret", v.SecretID); err != nil {
		return err
	}
	created, updated := createTimes(v.CreatedAt, v.UpdatedAt)
	err := q.create(ctx, "secret "+v.SecretID+" version "+v.ID,
		`INSERT INTO secret_versions (id, secret_id, seq, payload, payload_available, downloaded, auto_rotated,
		 metadata, expiration_date, created_by, created_at, updated_at, revision)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		v.ID, v.SecretID, v.Seq, nilBytes(v.Payload), v.PayloadAvailable, v.Downloaded, v.AutoRotated,
		string(v.Metadata), nullMicros(v.ExpirationDate), v.CreatedBy, micros(created), micros(updated))
	q.touch(v.SecretID)
	if err != nil {
		return err
	}
	v.CreatedAt, v.UpdatedAt, v.Revision = created, updated, 1
	return nil
}

func nilBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// SecretVersion returns the version id of the secret with its payload, or
// ErrNotFound.
func (q *queries) SecretVersion(ctx context.Context, secretID, id string) (*SecretVersion, error) {
	return getOne(ctx, q, scanVersion, "secret "+secretID+" version "+id,
		`SELECT `+versionCols+` FROM secret_versions v WHERE v.secret_id = ? AND v.id = ?`, secretID, id)
}

// SecretVersionBySeq returns the version of the secret with sequence number
// seq, with its payload, or ErrNotFound.
func (q *queries) SecretVersionBySeq(ctx context.Context, secretID string, seq int64) (*SecretVersion, error) {
	return getOne(ctx, q, scanVersion, "secret "+secretID+" version",
		`SELECT `+versionCols+` FROM secret_versions v WHERE v.secret_id = ? AND v.seq = ?`, secretID, seq)
}

// SecretVersions returns the secret's versions without payloads, newest
// first.
func (q *queries) SecretVersions(ctx context.Context, secretID string) ([]*SecretVersion, error) {
	return getAll(ctx, q, scanVersion, "list versions of secret "+secretID,
		`SELECT `+versionMetaCols+` FROM secret_versions v WHERE v.secret_id = ? ORDER BY v.seq DESC`, secretID)
}

// UpdateSecretVersion writes the version's payload, availability, metadata
// and expiration under the revision rule. Errors: ErrNotFound, ErrConflict.
func (q *queries) UpdateSecretVersion(ctx context.Context, v *SecretVersion) error {
	t := now()
	err := q.update(ctx, "secret "+v.SecretID+" version "+v.ID,
		`UPDATE secret_versions SET payload = ?, payload_available = ?, metadata = ?, expiration_date = ?,
		 updated_at = ?, revision = revision + 1 WHERE id = ? AND secret_id = ? AND revision = ?`,
		[]any{nilBytes(v.Payload), v.PayloadAvailable, string(v.Metadata), nullMicros(v.ExpirationDate), micros(t),
			v.ID, v.SecretID, v.Revision},
		`SELECT 1 FROM secret_versions WHERE id = ?`, v.ID)
	q.touch(v.SecretID)
	if err != nil {
		return err
	}
	v.Revision++
	v.UpdatedAt = t
	return nil
}

// DestroySecretVersionData removes a version's payload for good.
// Errors: ErrNotFound.
func (q *queries) DestroySecretVersionData(ctx context.Context, secretID, id string) error {
	defer q.touch(secretID)
	return q.execOne(ctx, "secret "+secretID+" version "+id,
		`UPDATE secret_versions SET payload = NULL, payload_available = ?, updated_at = ?, revision = revision + 1
		 WHERE id = ? AND secret_id = ?`, false, micros(now()), id, secretID)
}

// SecretLock is a named lock on a version of a secret. Names are unique per
// version. Attributes is a JSON object.
type SecretLock struct {
	VersionID    string
	Name         string
	SecretID     string
	InstanceGUID string
	Description  string
	Attributes   []byte
	CreatedBy    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

const lockCols = "version_id, name, secret_id, instance_guid, description, attributes, created_by, created_at, updated_at"

func scanLock(s scanner) (*SecretLock, error) {
	l := new(SecretLock)
	err := s.Scan(&l.VersionID, &l.Name, &l.SecretID, &l.InstanceGUID, &l.Description, (*textBytes)(&l.Attributes),
		&l.CreatedBy, (*usec)(&l.CreatedAt), (*usec)(&l.UpdatedAt))
	return l, err
}

// PutSecretLock creates the lock, or replaces the description and
// attributes of the lock of the same name on the same version. It does not
// update the secret's lock count: call RecountSecretLocks. Errors:
// api.ErrFailedPrecondition (no such version), api.ErrInvalid.
func (q *queries) PutSecretLock(ctx context.Context, l *SecretLock) error {
	if err := required("create secret lock", "version", l.VersionID, "name", l.Name, "secret", l.SecretID); err != nil {
		return err
	}
	created, updated := createTimes(l.CreatedAt, l.UpdatedAt)
	attrs := string(l.Attributes)
	if attrs == "" {
		attrs = "{}"
	}
	err := q.create(ctx, "secret lock "+l.Name,
		`INSERT INTO secret_locks (`+lockCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (version_id, name) DO UPDATE SET description = excluded.description,
		 attributes = excluded.attributes, updated_at = excluded.updated_at`,
		l.VersionID, l.Name, l.SecretID, l.InstanceGUID, l.Description, attrs, l.CreatedBy, micros(created), micros(updated))
	if err != nil {
		return err
	}
	l.CreatedAt, l.UpdatedAt = created, updated
	return nil
}

// DeleteSecretLocks deletes the named locks of the version (every lock of
// it when names is empty) and returns how many went.
func (q *queries) DeleteSecretLocks(ctx context.Context, versionID string, names []string) (int64, error) {
	query, args := `DELETE FROM secret_locks WHERE version_id = ?`, []any{versionID}
	if len(names) > 0 {
		query += ` AND name IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + `)`
		for _, n := range names {
			args = append(args, n)
		}
	}
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return 0, wrap(err, "delete locks of version %s", versionID)
	}
	n, err := res.RowsAffected()
	return n, wrap(err, "delete locks of version %s", versionID)
}

// SecretLocks returns every lock of the secret, oldest first.
func (q *queries) SecretLocks(ctx context.Context, secretID string) ([]*SecretLock, error) {
	return getAll(ctx, q, scanLock, "list locks of secret "+secretID,
		`SELECT `+lockCols+` FROM secret_locks WHERE secret_id = ? ORDER BY created_at, version_id, name`, secretID)
}

// RecountSecretLocks sets the secret's locks_total from its locks and
// returns it.
func (q *queries) RecountSecretLocks(ctx context.Context, secretID string) (int64, error) {
	defer q.touch(secretID)
	_, err := q.exec(ctx, `UPDATE secrets SET locks_total = (SELECT COUNT(*) FROM secret_locks WHERE secret_id = ?)
		WHERE id = ?`, secretID, secretID)
	if err != nil {
		return 0, wrap(err, "secret %s", secretID)
	}
	var n int64
	err = q.wr.QueryRowContext(ctx, q.bind(`SELECT locks_total FROM secrets WHERE id = ?`), secretID).Scan(&n)
	return n, wrap(err, "secret %s", secretID)
}

// LockedSecretFilter selects the secrets ListLockedSecrets returns.
type LockedSecretFilter struct {
	Offset, Limit int64
	Search        string // substring of a lock name (case-insensitive)
	Groups        []string
}

// ListLockedSecrets returns the page of the instance's secrets that hold a
// lock (whose name contains f.Search), oldest first, and their number.
func (q *queries) ListLockedSecrets(ctx context.Context, instance string, f LockedSecretFilter) ([]*Secret, int64, error) {
	where, args := "s.instance_guid = ? AND EXISTS (SELECT 1 FROM secret_locks l WHERE l.secret_id = s.id", []any{instance}
	if f.Search != "" {
		where += ` AND LOWER(l.name) LIKE ? ESCAPE '\'`
		args = append(args, "%"+likeEscape(strings.ToLower(f.Search))+"%")
	}
	where += ")"
	if len(f.Groups) > 0 {
		where += " AND s.group_id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(f.Groups)), ", ") + ")"
		for _, g := range f.Groups {
			args = append(args, g)
		}
	}
	var total int64
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM secrets s WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, wrap(err, "list locked secrets")
	}
	args = append(args, f.Limit, f.Offset)
	out, err := getAll(ctx, q, scanSecret, "list locked secrets",
		`SELECT `+secretCols+` FROM secrets s WHERE `+where+` ORDER BY s.created_at, s.id LIMIT ? OFFSET ?`, args...)
	return out, total, err
}
