package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer/api"
)

// EventDestination is where an instance's event notifications go (table
// event_destinations). Config is package events' JSON document of the
// destination; any secret in it is sealed by the caller, the store never
// sees it in the clear. Kind is "webhook" or "nats".
type EventDestination struct {
	InstanceGUID string
	ID           string
	Kind         string
	Config       []byte
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Revision     int64
}

const eventDestinationCols = "instance_guid, id, kind, config, created_at, updated_at, revision"

func scanEventDestination(s scanner) (*EventDestination, error) {
	d := new(EventDestination)
	err := s.Scan(&d.InstanceGUID, &d.ID, &d.Kind, (*textBytes)(&d.Config), (*usec)(&d.CreatedAt),
		(*usec)(&d.UpdatedAt), &d.Revision)
	return d, err
}

// PutEventDestination creates the destination or replaces the kind and
// config of the one with the same instance and id (incrementing its
// revision; the revision rule does not apply, the last write wins). It sets
// d's times and revision from the stored row. Errors: api.ErrInvalid (empty
// instance, id or kind), api.ErrFailedPrecondition (no such instance).
func (q *queries) PutEventDestination(ctx context.Context, d *EventDestination) error {
	if err := required("put event destination", "instance", d.InstanceGUID, "id", d.ID, "kind", d.Kind); err != nil {
		return err
	}
	t := now()
	err := q.create(ctx, "event destination "+d.ID,
		`INSERT INTO event_destinations (`+eventDestinationCols+`) VALUES (?, ?, ?, ?, ?, ?, 1)
		 ON CONFLICT (instance_guid, id) DO UPDATE SET kind = excluded.kind, config = excluded.config,
		 updated_at = excluded.updated_at, revision = event_destinations.revision + 1`,
		d.InstanceGUID, d.ID, d.Kind, string(d.Config), micros(t), micros(t))
	if err != nil {
		return err
	}
	stored, err := q.eventDestination(ctx, d.InstanceGUID, d.ID)
	if err != nil {
		return err
	}
	d.CreatedAt, d.UpdatedAt, d.Revision = stored.CreatedAt, stored.UpdatedAt, stored.Revision
	return nil
}

func (q *queries) eventDestination(ctx context.Context, instance, id string) (*EventDestination, error) {
	query := `SELECT ` + eventDestinationCols + ` FROM event_destinations WHERE instance_guid = ? AND id = ?`
	d, err := scanEventDestination(q.wr.QueryRowContext(ctx, q.bind(query), instance, id))
	return d, wrap(err, "event destination %s", id)
}

// EventDestinations returns every destination of the instance, oldest
// first.
func (q *queries) EventDestinations(ctx context.Context, instance string) ([]*EventDestination, error) {
	return getAll(ctx, q, scanEventDestination, "list event destinations",
		`SELECT `+eventDestinationCols+` FROM event_destinations WHERE instance_guid = ? ORDER BY created_at, id`, instance)
}

// DeleteEventDestination deletes the destination and, by cascade, its
// outbox rows (pending ones are never delivered). Errors: ErrNotFound.
func (q *queries) DeleteEventDestination(ctx context.Context, instance, id string) error {
	return q.execOne(ctx, "event destination "+id,
		`DELETE FROM event_destinations WHERE instance_guid = ? AND id = ?`, instance, id)
}

// States of an outbox row.
const (
	OutboxPending   = "pending"   // waiting for its next attempt
	OutboxDelivered = "delivered" // the destination accepted it
	OutboxDead      = "dead"      // given up after the last attempt
)

// OutboxEntry is one delivery of one event to one destination (table
// event_outbox). Event is the body exactly as it is sent. Attempts counts
// claims; ClaimToken is the token of the latest claim ("" when none).
type OutboxEntry struct {
	ID            string
	InstanceGUID  string
	DestinationID string
	EventID       string
	EventType     string
	Event         []byte
	State         string
	Attempts      int64
	NextAttemptAt time.Time
	ClaimToken    string
	DeliveredAt   time.Time // zero until delivered
	LastError     string
	CreatedAt     time.Time
}

const outboxCols = "id, instance_guid, destination_id, event_id, event_type, event, state, attempts, " +
	"next_attempt_at, claim_token, delivered_at, last_error, created_at"

func scanOutboxEntry(s scanner) (*OutboxEntry, error) {
	e := new(OutboxEntry)
	err := s.Scan(&e.ID, &e.InstanceGUID, &e.DestinationID, &e.EventID, &e.EventType, (*textBytes)(&e.Event),
		&e.State, &e.Attempts, (*usec)(&e.NextAttemptAt), &e.ClaimToken, (*optUsec)(&e.DeliveredAt),
		&e.LastError, (*usec)(&e.CreatedAt))
	return e, err
}

// CreateOutboxEntries inserts pending rows: State is set to OutboxPending,
// Attempts to 0, ClaimToken and LastError to "", and NextAttemptAt and
// CreatedAt to now when zero. Call it in the transaction that made the
// change the events describe, so both commit or neither. Errors:
// api.ErrInvalid (an empty id, instance, destination or event id),
// ErrAlreadyExists (same id, or the event already queued for the
// destination), api.ErrFailedPrecondition (no such destination).
func (q *queries) CreateOutboxEntries(ctx context.Context, entries []*OutboxEntry) error {
	for _, e := range entries {
		if err := required("create outbox entry", "id", e.ID, "instance", e.InstanceGUID,
			"destination", e.DestinationID, "event id", e.EventID); err != nil {
			return err
		}
		created, next := createTimes(e.CreatedAt, e.NextAttemptAt)
		err := q.create(ctx, fmt.Sprintf("outbox entry of event %s for destination %s", e.EventID, e.DestinationID),
			`INSERT INTO event_outbox (`+outboxCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, '', 0, '', ?)`,
			e.ID, e.InstanceGUID, e.DestinationID, e.EventID, e.EventType, string(e.Event), OutboxPending,
			micros(next), micros(created))
		if err != nil {
			return err
		}
		e.State, e.Attempts, e.ClaimToken, e.LastError = OutboxPending, 0, "", ""
		e.CreatedAt, e.NextAttemptAt, e.DeliveredAt = created, next, time.Time{}
	}
	return nil
}

// ClaimOutboxEntries claims at most limit pending rows due at now (oldest
// due first) in one transaction: each gets claim as its ClaimToken, one more
// attempt, and NextAttemptAt = now + lease, so that if the claimer dies the
// row comes due again after the lease. On PostgreSQL the rows are selected
// FOR UPDATE SKIP LOCKED, so concurrent claimers on several nodes get
// disjoint rows; on SQLite the write transaction runs alone. It returns the
// claimed rows as updated. Errors: api.ErrInvalid (empty claim, limit < 1).
func (s *Store) ClaimOutboxEntries(ctx context.Context, now time.Time, lease time.Duration, limit int, claim string) ([]*OutboxEntry, error) {
	if claim == "" || limit < 1 {
		return nil, api.Errorf(api.ErrInvalid, "claim outbox entries: a claim token and a positive limit are required")
	}
	var claimed []*OutboxEntry
	err := s.Update(ctx, func(tx *Tx) error {
		query := `SELECT ` + outboxCols + ` FROM event_outbox WHERE state = ? AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ?`
		if tx.pg {
			query += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := getAll(ctx, &tx.queries, scanOutboxEntry, "claim outbox entries", query,
			OutboxPending, micros(now), limit)
		if err != nil || len(rows) == 0 {
			return err
		}
		next := fromMicros(micros(now.Add(lease)))
		ids := make([]any, 0, len(rows)+2)
		ids = append(ids, claim, micros(next))
		for _, e := range rows {
			ids = append(ids, e.ID)
			e.ClaimToken, e.NextAttemptAt = claim, next
			e.Attempts++
		}
		_, err = tx.exec(ctx, `UPDATE event_outbox SET claim_token = ?, next_attempt_at = ?, attempts = attempts + 1
			WHERE id IN (`+placeholders(len(rows))+`)`, ids...)
		if err != nil {
			return wrap(err, "claim outbox entries")
		}
		claimed = rows
		return nil
	})
	return claimed, err
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// FinishOutboxEntry records the outcome of an attempt on a row claimed with
// e.ClaimToken: it writes e.State, e.NextAttemptAt, e.DeliveredAt (zero for
// none) and e.LastError, and clears the claim token. Errors: ErrNotFound
// (the row is gone, e.g. its destination was removed), ErrConflict (the
// claim was lost: the lease ended and another claimer took the row),
// api.ErrInvalid (an unknown state or no claim token).
func (q *queries) FinishOutboxEntry(ctx context.Context, e *OutboxEntry) error {
	switch {
	case e.ClaimToken == "":
		return api.Errorf(api.ErrInvalid, "finish outbox entry %s: no claim token", e.ID)
	case e.State != OutboxPending && e.State != OutboxDelivered && e.State != OutboxDead:
		return api.Errorf(api.ErrInvalid, "finish outbox entry %s: unknown state %q", e.ID, e.State)
	}
	delivered := optTime(e.DeliveredAt)
	res, err := q.exec(ctx, `UPDATE event_outbox SET state = ?, next_attempt_at = ?, delivered_at = ?,
		last_error = ?, claim_token = '' WHERE id = ? AND claim_token = ?`,
		e.State, micros(e.NextAttemptAt), optMicros(delivered), e.LastError, e.ID, e.ClaimToken)
	what := "outbox entry " + e.ID
	if err != nil {
		return wrap(err, "%s", what)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap(err, "%s", what)
	} else if n == 1 {
		e.ClaimToken, e.DeliveredAt = "", delivered
		return nil
	}
	var one int
	if err := q.wr.QueryRowContext(ctx, q.bind(`SELECT 1 FROM event_outbox WHERE id = ?`), e.ID).Scan(&one); err != nil {
		return wrap(err, "%s", what)
	}
	return fmt.Errorf("%s: claim lost: %w", what, ErrConflict)
}

// OutboxFilter selects rows for OutboxEntries. Empty fields match
// everything.
type OutboxFilter struct {
	InstanceGUID  string
	DestinationID string
	EventID       string
	State         string
	Limit         int // <= 0 means 100, more than 1000 means 1000
}

// OutboxEntries returns the rows f selects, oldest first.
func (q *queries) OutboxEntries(ctx context.Context, f OutboxFilter) ([]*OutboxEntry, error) {
	var conds []string
	var args []any
	for _, c := range []struct{ col, v string }{{"instance_guid", f.InstanceGUID},
		{"destination_id", f.DestinationID}, {"event_id", f.EventID}, {"state", f.State}} {
		if c.v != "" {
			conds = append(conds, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	query := `SELECT ` + outboxCols + ` FROM event_outbox`
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	query += " ORDER BY created_at, id LIMIT ?"
	args = append(args, ListOptions{Limit: f.Limit}.limit())
	return getAll(ctx, q, scanOutboxEntry, "list outbox entries", query, args...)
}

// DeleteFinishedOutboxEntries deletes delivered and dead rows created
// before the given time and returns how many it deleted.
func (q *queries) DeleteFinishedOutboxEntries(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM event_outbox WHERE state IN (?, ?) AND created_at < ?`,
		OutboxDelivered, OutboxDead, micros(before))
	if err != nil {
		return 0, wrap(err, "delete finished outbox entries")
	}
	n, err := res.RowsAffected()
	return n, wrap(err, "delete finished outbox entries")
}
