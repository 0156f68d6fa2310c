package store

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cofferhq/coffer/api"
)

// AuditEvent is one row of the audit trail (table audit_events). The store
// keeps it as given: package audit numbers events, computes PrevHash and
// Hash and checks them; the store neither computes nor verifies them. Rows
// are append-only: the store has no method that changes or deletes one.
type AuditEvent struct {
	Seq            int64 // 1, 2, 3 ... without gaps
	Time           time.Time
	AccountID      string
	RequestID      string
	InitiatorIAMID string
	InitiatorKind  string
	APIKeyID       string
	ProfileID      string
	SourceAddr     string
	UserAgent      string
	Action         string
	Target         string
	Outcome        string
	Reason         string
	Details        map[string]string // stored as a JSON object; empty comes back nil
	PrevHash       []byte
	Hash           []byte

	// DetailsJSON, when set, is Details already encoded as a JSON object
	// (writers may encode it off the serial commit path). Not read back.
	DetailsJSON []byte
}

const auditCols = "seq, time, account_id, request_id, initiator_iam_id, initiator_kind, api_key_id, profile_id, " +
	"source_addr, user_agent, action, target, outcome, reason, details, prev_hash, hash"

// auditNumCols is the number of columns in auditCols.
const auditNumCols = 17

// auditInsertChunk is the number of rows per INSERT statement: 50 rows of 17
// parameters stay far below both databases' limits on parameters.
const auditInsertChunk = 50

func scanAuditEvent(s scanner) (*AuditEvent, error) {
	e := new(AuditEvent)
	var details string
	err := s.Scan(&e.Seq, (*usec)(&e.Time), &e.AccountID, &e.RequestID, &e.InitiatorIAMID, &e.InitiatorKind,
		&e.APIKeyID, &e.ProfileID, &e.SourceAddr, &e.UserAgent, &e.Action, &e.Target, &e.Outcome, &e.Reason,
		&details, &e.PrevHash, &e.Hash)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
		return nil, fmt.Errorf("store: audit event %d: details are not a JSON object of strings: %v", e.Seq, err)
	}
	if len(e.Details) == 0 {
		e.Details = nil
	}
	return e, nil
}

// auditArgs returns e's column values in auditCols order.
func auditArgs(e *AuditEvent) ([]any, error) {
	details := []byte("{}")
	if e.DetailsJSON != nil {
		details = e.DetailsJSON
	} else if len(e.Details) > 0 {
		var err error
		if details, err = json.Marshal(e.Details); err != nil {
			return nil, err
		}
	}
	return []any{e.Seq, micros(e.Time), e.AccountID, e.RequestID, e.InitiatorIAMID, e.InitiatorKind,
		e.APIKeyID, e.ProfileID, e.SourceAddr, e.UserAgent, e.Action, e.Target, e.Outcome, e.Reason,
		string(details), nonNil(e.PrevHash), nonNil(e.Hash)}, nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// LockAuditHead returns the sequence number and hash of the last audit
// event (0 and an empty hash when there is none). Call it inside Update,
// before numbering new events: on PostgreSQL it locks the head row until the
// transaction ends (SELECT ... FOR UPDATE), so that writers on several nodes
// take turns; on SQLite the write transaction already runs alone.
func (q *queries) LockAuditHead(ctx context.Context) (seq int64, hash []byte, err error) {
	query := `SELECT seq, hash FROM audit_head WHERE id = 1`
	if q.pg {
		query += ` FOR UPDATE`
	}
	err = q.wr.QueryRowContext(ctx, q.bind(query)).Scan(&seq, &hash)
	return seq, hash, wrap(err, "audit head")
}

// AuditHead returns the sequence number and hash of the last audit event
// (0 and an empty hash when there is none) without locking anything.
func (q *queries) AuditHead(ctx context.Context) (seq int64, hash []byte, err error) {
	err = q.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash)
	return seq, hash, wrap(err, "audit head")
}

// SetAuditHead records seq and hash as the last audit event. Call it in the
// transaction that appended that event, after LockAuditHead.
func (q *queries) SetAuditHead(ctx context.Context, seq int64, hash []byte) error {
	return q.execOne(ctx, "audit head", `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, seq, nonNil(hash))
}

// AppendAuditEvents inserts events, which must carry their sequence numbers
// and hashes. Errors: ErrAlreadyExists when a sequence number is taken,
// api.ErrInvalid when one is not positive.
func (q *queries) AppendAuditEvents(ctx context.Context, events []*AuditEvent) error {
	for start := 0; start < len(events); start += auditInsertChunk {
		chunk := events[start:min(start+auditInsertChunk, len(events))]
		args := make([]any, 0, len(chunk)*auditNumCols)
		for _, e := range chunk {
			if e.Seq <= 0 {
				return api.Errorf(api.ErrInvalid, "append audit event: sequence number %d is not positive", e.Seq)
			}
			a, err := auditArgs(e)
			if err != nil {
				return fmt.Errorf("append audit event %d: %w", e.Seq, err)
			}
			args = append(args, a...)
		}
		what := fmt.Sprintf("audit events %d-%d", chunk[0].Seq, chunk[len(chunk)-1].Seq)
		if err := q.create(ctx, what, auditInsert(len(chunk)), args...); err != nil {
			return err
		}
	}
	return nil
}

// auditInsert returns an INSERT of n rows.
func auditInsert(n int) string {
	row := "(" + strings.Repeat("?, ", auditNumCols-1) + "?)"
	return "INSERT INTO audit_events (" + auditCols + ") VALUES " + strings.Repeat(row+", ", n-1) + row
}

// AuditRange returns at most limit audit events with from <= seq <= to, in
// ascending order of seq.
func (q *queries) AuditRange(ctx context.Context, from, to int64, limit int) ([]*AuditEvent, error) {
	return getAll(ctx, q, scanAuditEvent, "audit range",
		`SELECT `+auditCols+` FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`, from, to, limit)
}

// AuditFilter selects audit events for AuditEvents. Empty fields match
// everything.
type AuditFilter struct {
	From time.Time // events at or after From
	To   time.Time // events strictly before To
	// Action matches exactly, or, when it ends with '*', every action that
	// starts with what precedes the '*' (case-sensitive on both databases).
	Action         string
	InitiatorIAMID string
	Target         string
	Outcome        string
	AccountID      string
	// PageToken is the next token of the previous page, or "".
	PageToken string
	// Limit is the page size: <= 0 means 100, and more than 1000 means 1000.
	Limit int
}

// AuditEvents returns the page of events f selects, newest (highest seq)
// first, and the token of the next page ("" on the last one). Errors:
// api.ErrInvalid for a malformed page token.
func (q *queries) AuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, string, error) {
	conds, args, err := auditConds(f)
	if err != nil {
		return nil, "", fmt.Errorf("list audit events: %w", err)
	}
	query := `SELECT ` + auditCols + ` FROM audit_events`
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	limit := ListOptions{Limit: f.Limit}.limit()
	query += " ORDER BY seq DESC LIMIT ?"
	items, err := getAll(ctx, q, scanAuditEvent, "list audit events", query, append(args, limit+1)...)
	if err != nil || len(items) <= limit {
		return items, "", err
	}
	items = items[:limit]
	return items, encodeAuditToken(items[limit-1].Seq), nil
}

// auditConds returns the WHERE conditions and arguments of f.
func auditConds(f AuditFilter) ([]string, []any, error) {
	var conds []string
	var args []any
	add := func(cond string, arg any) { conds = append(conds, cond); args = append(args, arg) }
	if !f.From.IsZero() {
		add("time >= ?", micros(f.From))
	}
	if !f.To.IsZero() {
		add("time < ?", micros(f.To))
	}
	if prefix, ok := strings.CutSuffix(f.Action, "*"); ok {
		if prefix != "" {
			// substr counts characters on both databases; LIKE would be
			// case-insensitive on SQLite.
			add(fmt.Sprintf("substr(action, 1, %d) = ?", utf8.RuneCountInString(prefix)), prefix)
		}
	} else if f.Action != "" {
		add("action = ?", f.Action)
	}
	for _, c := range []struct{ col, v string }{
		{"initiator_iam_id", f.InitiatorIAMID}, {"target", f.Target}, {"outcome", f.Outcome}, {"account_id", f.AccountID},
	} {
		if c.v != "" {
			add(c.col+" = ?", c.v)
		}
	}
	if f.PageToken != "" {
		seq, err := decodeAuditToken(f.PageToken)
		if err != nil {
			return nil, nil, err
		}
		add("seq < ?", seq)
	}
	return conds, args, nil
}

// Audit page token format, version 1: base64url without padding of
//
//	0x01 | seq (8 bytes, big-endian)
//
// naming the last (lowest) sequence number of the previous page; the next
// page holds events with smaller numbers. Bump the version byte if the
// layout changes.
const auditTokenV1 = 1

func encodeAuditToken(seq int64) string {
	b := make([]byte, 9)
	b[0] = auditTokenV1
	binary.BigEndian.PutUint64(b[1:], uint64(seq))
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeAuditToken(tok string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 9 || b[0] != auditTokenV1 {
		return 0, api.Errorf(api.ErrInvalid, "invalid page token")
	}
	return int64(binary.BigEndian.Uint64(b[1:])), nil
}
