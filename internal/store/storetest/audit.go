package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// testAudit checks the audit trail's rows, head, range reads, filters and
// paging. The store does not hash: the hashes here are arbitrary bytes.
func testAudit(t *testing.T, open func(testing.TB) *store.Store) {
	tests := []struct {
		name string
		test func(*testing.T, *store.Store)
	}{
		{"AppendAndRange", testAuditAppendAndRange},
		{"Rollback", testAuditRollback},
		{"Refused", testAuditRefused},
		{"ManyRows", testAuditManyRows},
		{"Filters", testAuditFilters},
		{"Paging", testAuditPaging},
		{"ConcurrentWriters", testAuditConcurrentWriters},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, open(t)) })
	}
}

var auditEpoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// auditRow returns row seq with distinctive binary hashes.
func auditRow(seq int64) *store.AuditEvent {
	return &store.AuditEvent{Seq: seq, Time: auditEpoch.Add(time.Duration(seq) * time.Second),
		AccountID: "acct-1", RequestID: fmt.Sprintf("req-%d", seq), InitiatorIAMID: "iam-ServiceId-1",
		InitiatorKind: "serviceid", APIKeyID: "ApiKey-1", ProfileID: "", SourceAddr: "192.0.2.1",
		UserAgent: "test", Action: "secrets-manager.secret.read", Target: "crn:v1:coffer:secret:1",
		Outcome: "success", Reason: "", Details: map[string]string{"secret_id": fmt.Sprint(seq)},
		PrevHash: []byte{0x00, byte(seq), 0xff}, Hash: []byte{0xff, byte(seq), 0x00, 0x80}}
}

// appendAudit appends rows and moves the head in one transaction.
func appendAudit(tb testing.TB, s *store.Store, rows ...*store.AuditEvent) {
	tb.Helper()
	ctx := context.Background()
	err := s.Update(ctx, func(tx *store.Tx) error {
		if _, _, err := tx.LockAuditHead(ctx); err != nil {
			return err
		}
		if err := tx.AppendAuditEvents(ctx, rows); err != nil {
			return err
		}
		last := rows[len(rows)-1]
		return tx.SetAuditHead(ctx, last.Seq, last.Hash)
	})
	if err != nil {
		tb.Fatalf("append audit rows: %v", err)
	}
}

// wantHead fails unless the audit head is at seq with hash.
func wantHead(tb testing.TB, s *store.Store, seq int64, hash []byte) {
	tb.Helper()
	gotSeq, gotHash, err := s.AuditHead(context.Background())
	if err != nil || gotSeq != seq || string(gotHash) != string(hash) {
		tb.Errorf("AuditHead() = %d, %x, %v; want %d, %x", gotSeq, gotHash, err, seq, hash)
	}
}

func testAuditAppendAndRange(t *testing.T, s *store.Store) {
	ctx := context.Background()
	wantHead(t, s, 0, nil)
	rows := []*store.AuditEvent{auditRow(1), auditRow(2), auditRow(3)}
	rows[1].Details = nil
	appendAudit(t, s, rows...)
	wantHead(t, s, 3, rows[2].Hash)
	got, err := s.AuditRange(ctx, 1, 3, 10)
	if err != nil {
		t.Fatalf("AuditRange(1, 3): %v", err)
	}
	if diff := cmp.Diff(rows, got); diff != "" {
		t.Errorf("AuditRange(1, 3) mismatch (-want +got):\n%s", diff)
	}
	got, err = s.AuditRange(ctx, 2, 3, 1)
	if err != nil || len(got) != 1 || got[0].Seq != 2 {
		t.Errorf("AuditRange(2, 3, limit 1) = %v, %v; want event 2 only", got, err)
	}
}

func testAuditRollback(t *testing.T, s *store.Store) {
	ctx := context.Background()
	errStop := errors.New("stop")
	err := s.Update(ctx, func(tx *store.Tx) error {
		if err := tx.AppendAuditEvents(ctx, []*store.AuditEvent{auditRow(1)}); err != nil {
			return err
		}
		if err := tx.SetAuditHead(ctx, 1, []byte("h")); err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("Update = %v, want %v", err, errStop)
	}
	wantHead(t, s, 0, nil)
	if got, err := s.AuditRange(ctx, 1, 100, 100); err != nil || len(got) != 0 {
		t.Errorf("AuditRange after rollback = %d rows, %v; want none", len(got), err)
	}
}

func testAuditRefused(t *testing.T, s *store.Store) {
	ctx := context.Background()
	appendAudit(t, s, auditRow(1))
	wantKind(t, "append a taken seq", s.AppendAuditEvents(ctx, []*store.AuditEvent{auditRow(1)}), store.ErrAlreadyExists)
	wantKind(t, "append seq 0", s.AppendAuditEvents(ctx, []*store.AuditEvent{auditRow(0)}), api.ErrInvalid)
	_, _, err := s.AuditEvents(ctx, store.AuditFilter{PageToken: "not a token"})
	wantKind(t, "AuditEvents with a bad token", err, api.ErrInvalid)
}

// testAuditManyRows appends more rows than one INSERT statement holds.
func testAuditManyRows(t *testing.T, s *store.Store) {
	ctx := context.Background()
	var rows []*store.AuditEvent
	for i := range int64(123) {
		rows = append(rows, auditRow(i+1))
	}
	appendAudit(t, s, rows...)
	got, err := s.AuditRange(ctx, 1, 1000, 1000)
	if err != nil {
		t.Fatalf("AuditRange: %v", err)
	}
	if diff := cmp.Diff(rows, got); diff != "" {
		t.Errorf("AuditRange after appending 123 rows mismatch (-want +got):\n%s", diff)
	}
}

// auditFixture appends 8 rows that differ in the filtered columns.
func auditFixture(tb testing.TB, s *store.Store) {
	tb.Helper()
	var rows []*store.AuditEvent
	for i := range int64(8) {
		r := auditRow(i + 1)
		r.AccountID = []string{"acct-1", "acct-2"}[i%2]
		r.InitiatorIAMID = []string{"IBMid-alice", "iam-ServiceId-bob", "iam-Profile-carol"}[i%3]
		r.Action = []string{"secrets-manager.secret.read", "secrets-manager.secret.create",
			"iam-identity.apikey.create", "Secrets-manager.secret.read"}[i%4]
		r.Target = fmt.Sprintf("crn:v1:t:%d", i%2)
		r.Outcome = []string{"success", "denied"}[min(i%3, 1)]
		rows = append(rows, r)
	}
	appendAudit(tb, s, rows...)
}

func testAuditFilters(t *testing.T, s *store.Store) {
	auditFixture(t, s)
	tests := []struct {
		name string
		f    store.AuditFilter
		want []int64
	}{
		{"all", store.AuditFilter{}, []int64{8, 7, 6, 5, 4, 3, 2, 1}},
		{"account", store.AuditFilter{AccountID: "acct-2"}, []int64{8, 6, 4, 2}},
		{"initiator", store.AuditFilter{InitiatorIAMID: "IBMid-alice"}, []int64{7, 4, 1}},
		{"action exact", store.AuditFilter{Action: "secrets-manager.secret.read"}, []int64{5, 1}},
		{"action prefix", store.AuditFilter{Action: "secrets-manager.*"}, []int64{6, 5, 2, 1}},
		{"action prefix is case-sensitive", store.AuditFilter{Action: "Secrets-*"}, []int64{8, 4}},
		{"action star", store.AuditFilter{Action: "*"}, []int64{8, 7, 6, 5, 4, 3, 2, 1}},
		{"action prefix without match", store.AuditFilter{Action: "secrets-manager.secret.read.*"}, nil},
		{"target", store.AuditFilter{Target: "crn:v1:t:0"}, []int64{7, 5, 3, 1}},
		{"outcome", store.AuditFilter{Outcome: "denied"}, []int64{8, 6, 5, 3, 2}},
		{"from", store.AuditFilter{From: auditEpoch.Add(6 * time.Second)}, []int64{8, 7, 6}},
		{"to", store.AuditFilter{To: auditEpoch.Add(3 * time.Second)}, []int64{2, 1}},
		{"combined", store.AuditFilter{AccountID: "acct-1", Outcome: "success", Action: "secrets-manager.*"},
			[]int64{1}},
	}
	for _, tc := range tests {
		got, next, err := s.AuditEvents(context.Background(), tc.f)
		if err != nil || next != "" {
			t.Errorf("%s: AuditEvents(%+v) = next %q, %v; want one page", tc.name, tc.f, next, err)
			continue
		}
		if diff := cmp.Diff(tc.want, seqs(got)); diff != "" {
			t.Errorf("%s: AuditEvents(%+v) seqs mismatch (-want +got):\n%s", tc.name, tc.f, diff)
		}
	}
}

func seqs(rows []*store.AuditEvent) []int64 {
	var out []int64
	for _, r := range rows {
		out = append(out, r.Seq)
	}
	return out
}

func testAuditPaging(t *testing.T, s *store.Store) {
	ctx := context.Background()
	auditFixture(t, s)
	f := store.AuditFilter{AccountID: "acct-1", Limit: 3}
	var got []int64
	for page := 0; ; page++ {
		rows, next, err := s.AuditEvents(ctx, f)
		if err != nil || page > 10 {
			t.Fatalf("AuditEvents page %d: %v", page, err)
		}
		got = append(got, seqs(rows)...)
		if next == "" {
			break
		}
		appendAudit(t, s, auditRow(int64(100+page))) // newer rows never shift a page
		f.PageToken = next
	}
	if diff := cmp.Diff([]int64{7, 5, 3, 1}, got); diff != "" {
		t.Errorf("paged seqs mismatch (-want +got):\n%s", diff)
	}
}

// testAuditConcurrentWriters has writers in several goroutines (on
// PostgreSQL, several connections) each lock the head, append the next row
// and move the head: the lock must make them take turns, so no seq is taken
// twice and none is skipped.
func testAuditConcurrentWriters(t *testing.T, s *store.Store) {
	ctx := context.Background()
	const writers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for range writers {
		wg.Go(func() {
			for range each {
				errs <- s.Update(ctx, func(tx *store.Tx) error {
					seq, _, err := tx.LockAuditHead(ctx)
					if err != nil {
						return err
					}
					time.Sleep(time.Millisecond) // widen the window a missing lock would open
					r := auditRow(seq + 1)
					if err := tx.AppendAuditEvents(ctx, []*store.AuditEvent{r}); err != nil {
						return err
					}
					return tx.SetAuditHead(ctx, r.Seq, r.Hash)
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent append: %v", err)
		}
	}
	rows, err := s.AuditRange(ctx, 1, 1000, 1000)
	if err != nil {
		t.Fatalf("AuditRange: %v", err)
	}
	want := make([]int64, writers*each)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if got := seqs(rows); !slices.Equal(got, want) {
		t.Errorf("seqs after concurrent appends = %v, want 1..%d", got, writers*each)
	}
	wantHead(t, s, writers*each, auditRow(writers*each).Hash)
}
