package audit

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// Filter selects events for Query. Empty fields match everything.
type Filter struct {
	From time.Time // events at or after From
	To   time.Time // events strictly before To
	// InitiatorIAMID is the iam_id of the caller.
	InitiatorIAMID string
	// Action matches exactly, or, ending with '*', every action with that
	// prefix: "secrets-manager.secret.*".
	Action    string
	Target    string // a CRN, exactly
	Outcome   string
	AccountID string
	// PageToken is the next token of the previous page, "" for the first.
	PageToken string
	// Limit is the page size: <= 0 means 100, more than 1000 means 1000.
	Limit int
}

// Query returns the page of events f selects, newest (highest ID) first, and
// the token of the next page ("" on the last). Paging is by keyset: events
// committed meanwhile never shift a page. Errors: api.ErrInvalid for a
// malformed page token; store errors otherwise.
func (l *Log) Query(ctx context.Context, f Filter) ([]Event, string, error) {
	rows, next, err := l.store.AuditEvents(ctx, store.AuditFilter{
		From: f.From, To: f.To, InitiatorIAMID: f.InitiatorIAMID, Action: f.Action, Target: f.Target,
		Outcome: f.Outcome, AccountID: f.AccountID, PageToken: f.PageToken, Limit: f.Limit})
	if err != nil {
		return nil, "", fmt.Errorf("audit: query: %w", err)
	}
	events := make([]Event, len(rows))
	for i, r := range rows {
		events[i] = fromRow(r)
	}
	return events, next, nil
}

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	Checked int64 // events whose links were checked
	// FirstBroken is the first event whose link is broken (missing, edited,
	// out of place, or with a wrong hash); nil when the chain is intact.
	FirstBroken *int64
	Reason      string // why FirstBroken is broken
}

// OK reports whether no broken link was found.
func (r VerifyReport) OK() bool { return r.FirstBroken == nil }

// verifyBatch is how many rows Verify reads at a time.
const verifyBatch = 1000

// Verify recomputes the hash chain of events from through to (inclusive)
// and reports the first broken link. from < 1 means 1; to <= 0 or past the
// last event means the last event, and then Verify also checks that the
// last stored event is the one the log's head names (so that deleting the
// newest events shows). It reads the rows in batches, so any length works.
// Errors: api.ErrInvalid when to > 0 and from > to; store errors.
func (l *Log) Verify(ctx context.Context, from, to int64) (VerifyReport, error) {
	if to > 0 && from > to {
		return VerifyReport{}, api.Errorf(api.ErrInvalid, "audit: verify from %d to %d: from is after to", from, to)
	}
	headSeq, headHash, err := l.store.AuditHead(ctx)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("audit: verify: %w", err)
	}
	whole := to <= 0 || to >= headSeq
	if whole {
		to = headSeq
	}
	v := verifier{next: max(from, 1)}
	if err := v.anchor(ctx, l.store); err != nil || v.broken != nil {
		return v.report(), err
	}
	for v.next <= to && v.broken == nil {
		rows, err := l.store.AuditRange(ctx, v.next, to, verifyBatch)
		if err != nil {
			return v.report(), fmt.Errorf("audit: verify: %w", err)
		}
		if len(rows) == 0 {
			v.fail(v.next, fmt.Sprintf("event %d is missing: no stored event from %d to %d", v.next, v.next, to))
			break
		}
		for _, r := range rows {
			if !v.check(r) {
				break
			}
		}
	}
	if whole && v.broken == nil && v.next > 1 && !bytes.Equal(v.prev, headHash) {
		v.fail(v.next-1, fmt.Sprintf("event %d: hash differs from the one the audit head records", v.next-1))
	}
	return v.report(), nil
}

// verifier walks the chain.
type verifier struct {
	next    int64  // sequence number expected next
	prev    []byte // hash the next event must link to
	checked int64
	broken  *int64
	reason  string
}

// anchor sets prev: genesis before event 1, else the stored hash of the
// event before v.next.
func (v *verifier) anchor(ctx context.Context, s *store.Store) error {
	if v.next == 1 {
		v.prev = genesis
		return nil
	}
	rows, err := s.AuditRange(ctx, v.next-1, v.next-1, 1)
	if err != nil {
		return fmt.Errorf("audit: verify: %w", err)
	}
	if len(rows) == 0 {
		v.fail(v.next-1, fmt.Sprintf("event %d is missing", v.next-1))
		return nil
	}
	v.prev = rows[0].Hash
	return nil
}

// check checks r, the row read where event v.next was expected, and reports
// whether the chain is still intact.
func (v *verifier) check(r *store.AuditEvent) bool {
	switch {
	case r.Seq != v.next:
		v.fail(v.next, fmt.Sprintf("event %d is missing (the next stored event is %d)", v.next, r.Seq))
	case !bytes.Equal(r.PrevHash, v.prev):
		v.fail(r.Seq, fmt.Sprintf("event %d: prev_hash does not match the hash of event %d", r.Seq, r.Seq-1))
	case !bytes.Equal(r.Hash, chainHash(r.PrevHash, r)):
		v.fail(r.Seq, fmt.Sprintf("event %d: hash does not match its content", r.Seq))
	default:
		v.checked++
		v.next, v.prev = r.Seq+1, r.Hash
		return true
	}
	return false
}

func (v *verifier) fail(seq int64, reason string) { v.broken, v.reason = &seq, reason }

func (v *verifier) report() VerifyReport {
	return VerifyReport{Checked: v.checked, FirstBroken: v.broken, Reason: v.reason}
}
