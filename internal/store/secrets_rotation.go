package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/cofferhq/coffer/api"
)

// RotationClaim is a secret claimed for automatic rotation (see
// ClaimDueRotations). Attempts counts this attempt.
type RotationClaim struct {
	SecretID     string
	InstanceGUID string
	Attempts     int64
	Claim        string
}

// ExpiryClaim is a secret whose expiry needs the scheduler: a notice is due
// or it expired (see ClaimDueExpiries). Stage is the secret's expiry stage
// (0 none sent, N > 0 the N-day notice sent).
type ExpiryClaim struct {
	SecretID       string
	InstanceGUID   string
	ExpirationDate time.Time
	Stage          int64
}

// RetireClaim is a superseded, unlocked version whose credentials are due
// to be retired (see ClaimDueRetirements).
type RetireClaim struct {
	SecretID     string
	VersionID    string
	InstanceGUID string
	SecretType   string
	Attempts     int64
	Claim        string
}

func checkClaim(what, claim string, limit int) error {
	if claim == "" || limit < 1 {
		return api.Errorf(api.ErrInvalid, "%s: a claim token and a positive limit are required", what)
	}
	return nil
}

// ClaimDueRotations claims at most limit secrets due for automatic rotation
// at now (next_rotation_date <= now, not leased, not waiting for a retry),
// earliest first, in one transaction: each gets claim as its claim token,
// one more attempt and a lease until now + lease, after which an unfinished
// claim comes due again. On PostgreSQL the rows are selected FOR UPDATE SKIP
// LOCKED, so concurrent claimers get disjoint secrets. Errors: api.ErrInvalid.
func (s *Store) ClaimDueRotations(ctx context.Context, now time.Time, lease time.Duration, limit int, claim string) ([]*RotationClaim, error) {
	if err := checkClaim("claim due rotations", claim, limit); err != nil {
		return nil, err
	}
	var out []*RotationClaim
	err := s.Update(ctx, func(tx *Tx) error {
		query := `SELECT id, instance_guid, rotation_attempts FROM secrets WHERE next_rotation_date <= ?
			AND (rotation_not_before IS NULL OR rotation_not_before <= ?) ORDER BY next_rotation_date, id LIMIT ?`
		if tx.pg {
			query += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := getAll(ctx, &tx.queries, func(sc scanner) (*RotationClaim, error) {
			c := &RotationClaim{Claim: claim}
			return c, sc.Scan(&c.SecretID, &c.InstanceGUID, &c.Attempts)
		}, "claim due rotations", query, micros(now), micros(now), limit)
		if err != nil || len(rows) == 0 {
			return err
		}
		args := []any{claim, micros(now.Add(lease))}
		for _, c := range rows {
			c.Attempts++
			args = append(args, c.SecretID)
		}
		_, err = tx.exec(ctx, `UPDATE secrets SET rotation_claim = ?, rotation_not_before = ?,
			rotation_attempts = rotation_attempts + 1 WHERE id IN (`+placeholders(len(rows))+`)`, args...)
		out = rows
		return wrap(err, "claim due rotations")
	})
	return out, err
}

// FinishRotation ends the claim on a secret: a zero retryAt records success
// (attempts reset, no lease); otherwise the secret is retried at retryAt.
// Errors: ErrConflict (the claim was lost to another claimer or the secret
// is gone).
func (q *queries) FinishRotation(ctx context.Context, secretID, claim string, retryAt time.Time) error {
	query := `UPDATE secrets SET rotation_claim = '', rotation_not_before = ?, rotation_attempts = 0
		WHERE id = ? AND rotation_claim = ?`
	if !retryAt.IsZero() {
		query = `UPDATE secrets SET rotation_claim = '', rotation_not_before = ? WHERE id = ? AND rotation_claim = ?`
	}
	res, err := q.exec(ctx, query, nullMicros(retryAt), secretID, claim)
	return finishErr(res, err, "finish rotation of secret "+secretID)
}

// maxFinishIDs bounds the ids of one UPDATE of FinishRotations (SQLite and
// PostgreSQL cap the parameters of a statement).
const maxFinishIDs = 500

// FinishRotations records the successful rotation of the secrets in
// secretIDs that still hold claim, in one transaction (attempts reset, no
// lease), as FinishRotation with a zero retryAt does for one secret; it is
// how a scheduler ends the claims of a whole batch at once. It returns how
// many claims it ended: a secret missing from that count lost its claim to
// another claimer (its lease ended) or is gone, and is left as it is.
// Errors: api.ErrInvalid (no claim token), store errors (nothing is
// finished then).
func (s *Store) FinishRotations(ctx context.Context, claim string, secretIDs []string) (int, error) {
	if err := checkClaim("finish rotations", claim, 1); err != nil {
		return 0, err
	}
	n := 0
	err := s.Update(ctx, func(tx *Tx) error {
		n = 0
		for ids := range slices.Chunk(secretIDs, maxFinishIDs) {
			args := append([]any{claim}, anySlice(ids)...)
			res, err := tx.exec(ctx, `UPDATE secrets SET rotation_claim = '', rotation_not_before = NULL,
				rotation_attempts = 0 WHERE rotation_claim = ? AND id IN (`+placeholders(len(ids))+`)`, args...)
			if err != nil {
				return wrap(err, "finish rotations")
			}
			k, err := res.RowsAffected()
			if err != nil {
				return wrap(err, "finish rotations")
			}
			n += int(k)
		}
		return nil
	})
	return n, err
}

func anySlice(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func finishErr(res interface{ RowsAffected() (int64, error) }, err error, what string) error {
	if err != nil {
		return wrap(err, "%s", what)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%s: the claim was lost: %w", what, ErrConflict)
	}
	return nil
}

// ClaimDueExpiries claims at most limit secrets whose expiration date is
// at or before horizon and whose expiry was not recorded yet, skipping those
// leased or waiting (expiry_not_before after now). Each claimed secret is
// leased until now + lease; FinishExpiry records the outcome. PostgreSQL
// uses FOR UPDATE SKIP LOCKED. Errors: api.ErrInvalid.
func (s *Store) ClaimDueExpiries(ctx context.Context, now, horizon time.Time, lease time.Duration, limit int) ([]*ExpiryClaim, error) {
	if err := checkClaim("claim due expiries", "-", limit); err != nil {
		return nil, err
	}
	var out []*ExpiryClaim
	err := s.Update(ctx, func(tx *Tx) error {
		query := `SELECT id, instance_guid, expiration_date, expiry_stage FROM secrets
			WHERE expiration_date IS NOT NULL AND expiration_date <= ? AND expiry_stage >= 0
			AND (expiry_not_before IS NULL OR expiry_not_before <= ?) ORDER BY expiration_date, id LIMIT ?`
		if tx.pg {
			query += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := getAll(ctx, &tx.queries, func(sc scanner) (*ExpiryClaim, error) {
			c := new(ExpiryClaim)
			return c, sc.Scan(&c.SecretID, &c.InstanceGUID, (*usec)(&c.ExpirationDate), &c.Stage)
		}, "claim due expiries", query, micros(horizon), micros(now), limit)
		if err != nil || len(rows) == 0 {
			return err
		}
		args := []any{micros(now.Add(lease))}
		for _, c := range rows {
			args = append(args, c.SecretID)
		}
		_, err = tx.exec(ctx, `UPDATE secrets SET expiry_not_before = ? WHERE id IN (`+placeholders(len(rows))+`)`, args...)
		out = rows
		return wrap(err, "claim due expiries")
	})
	return out, err
}

// FinishExpiry records a secret's expiry stage (-1: expired and recorded)
// and when it next needs attention (zero: when it is due by its date).
func (q *queries) FinishExpiry(ctx context.Context, secretID string, stage int64, notBefore time.Time) error {
	_, err := q.exec(ctx, `UPDATE secrets SET expiry_stage = ?, expiry_not_before = ? WHERE id = ?`,
		stage, nullMicros(notBefore), secretID)
	return wrap(err, "finish expiry of secret %s", secretID)
}

// ResetExpiry forgets the notices sent for a secret (its expiration date
// changed).
func (q *queries) ResetExpiry(ctx context.Context, secretID string) error {
	return q.FinishExpiry(ctx, secretID, 0, time.Time{})
}

// SetRetireAfter schedules the retirement of a superseded version's
// credentials at t (zero: never).
func (q *queries) SetRetireAfter(ctx context.Context, versionID string, t time.Time) error {
	_, err := q.exec(ctx, `UPDATE secret_versions SET retire_after = ? WHERE id = ?`, nullMicros(t), versionID)
	return wrap(err, "schedule retirement of version %s", versionID)
}

// ClaimDueRetirements claims at most limit versions whose retirement is due
// at now and that hold no lock, like ClaimDueRotations. Errors:
// api.ErrInvalid.
func (s *Store) ClaimDueRetirements(ctx context.Context, now time.Time, lease time.Duration, limit int, claim string) ([]*RetireClaim, error) {
	if err := checkClaim("claim due retirements", claim, limit); err != nil {
		return nil, err
	}
	var out []*RetireClaim
	err := s.Update(ctx, func(tx *Tx) error {
		query := `SELECT v.secret_id, v.id, s.instance_guid, s.secret_type, v.retire_attempts FROM secret_versions v
			JOIN secrets s ON s.id = v.secret_id WHERE v.retire_after IS NOT NULL AND v.retire_after <= ?
			AND NOT EXISTS (SELECT 1 FROM secret_locks l WHERE l.version_id = v.id) ORDER BY v.retire_after, v.id LIMIT ?`
		if tx.pg {
			query += ` FOR UPDATE OF v SKIP LOCKED`
		}
		rows, err := getAll(ctx, &tx.queries, func(sc scanner) (*RetireClaim, error) {
			c := &RetireClaim{Claim: claim}
			return c, sc.Scan(&c.SecretID, &c.VersionID, &c.InstanceGUID, &c.SecretType, &c.Attempts)
		}, "claim due retirements", query, micros(now), limit)
		if err != nil || len(rows) == 0 {
			return err
		}
		args := []any{claim, micros(now.Add(lease))}
		for _, c := range rows {
			c.Attempts++
			args = append(args, c.VersionID)
		}
		_, err = tx.exec(ctx, `UPDATE secret_versions SET retire_claim = ?, retire_after = ?,
			retire_attempts = retire_attempts + 1 WHERE id IN (`+placeholders(len(rows))+`)`, args...)
		out = rows
		return wrap(err, "claim due retirements")
	})
	return out, err
}

// FinishRetirement ends the claim on a version: a zero retryAt records that
// its credentials are retired (nothing left to do); otherwise it is retried
// at retryAt. Errors: ErrConflict (the claim was lost).
func (q *queries) FinishRetirement(ctx context.Context, versionID, claim string, retryAt time.Time) error {
	res, err := q.exec(ctx, `UPDATE secret_versions SET retire_claim = '', retire_after = ? WHERE id = ? AND retire_claim = ?`,
		nullMicros(retryAt), versionID, claim)
	return finishErr(res, err, "finish retirement of version "+versionID)
}
