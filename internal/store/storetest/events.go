package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// testEvents checks event destinations and the event outbox.
func testEvents(t *testing.T, open func(testing.TB) *store.Store) {
	tests := []struct {
		name string
		test func(*testing.T, *store.Store)
	}{
		{"Destinations", testEventDestinations},
		{"OutboxLifecycle", testOutboxLifecycle},
		{"OutboxClaimLost", testOutboxClaimLost},
		{"OutboxConcurrentClaims", testOutboxConcurrentClaims},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, open(t)) })
	}
}

// mustEventInstance creates an account and an instance and returns the
// instance's GUID.
func mustEventInstance(tb testing.TB, s *store.Store) string {
	tb.Helper()
	mustCreateAccount(tb, s, "acct-ev")
	in := instances.make("acct-ev", 1)
	if err := s.CreateInstance(context.Background(), in); err != nil {
		tb.Fatalf("CreateInstance: %v", err)
	}
	return in.GUID
}

func mustPutDestination(tb testing.TB, s *store.Store, instance, id string) {
	tb.Helper()
	d := &store.EventDestination{InstanceGUID: instance, ID: id, Kind: "webhook", Config: []byte(`{"v":1}`)}
	if err := s.PutEventDestination(context.Background(), d); err != nil {
		tb.Fatalf("PutEventDestination(%q): %v", id, err)
	}
}

func testEventDestinations(t *testing.T, s *store.Store) {
	ctx := context.Background()
	guid := mustEventInstance(t, s)
	d := &store.EventDestination{InstanceGUID: guid, ID: "d1", Kind: "webhook", Config: []byte(`{"v":1,"url":"a"}`)}
	if err := s.PutEventDestination(ctx, d); err != nil || d.Revision != 1 {
		t.Fatalf("PutEventDestination = %v (revision %d), want nil (revision 1)", err, d.Revision)
	}
	d.Kind, d.Config = "nats", []byte(`{"v":1,"url":"b"}`)
	if err := s.PutEventDestination(ctx, d); err != nil || d.Revision != 2 {
		t.Fatalf("PutEventDestination again = %v (revision %d), want nil (revision 2)", err, d.Revision)
	}
	got, err := s.EventDestinations(ctx, guid)
	if err != nil {
		t.Fatalf("EventDestinations: %v", err)
	}
	if diff := cmp.Diff([]*store.EventDestination{d}, got); diff != "" {
		t.Errorf("EventDestinations (-want +got):\n%s", diff)
	}
	wantKind(t, "put destination of a missing instance",
		s.PutEventDestination(ctx, &store.EventDestination{InstanceGUID: "nope", ID: "x", Kind: "nats"}), api.ErrFailedPrecondition)
	wantKind(t, "put destination without kind",
		s.PutEventDestination(ctx, &store.EventDestination{InstanceGUID: guid, ID: "x"}), api.ErrInvalid)
	mustCreateOutbox(t, s, guid, "d1", "ev-1")
	if err := s.DeleteEventDestination(ctx, guid, "d1"); err != nil {
		t.Fatalf("DeleteEventDestination: %v", err)
	}
	wantKind(t, "delete destination twice", s.DeleteEventDestination(ctx, guid, "d1"), store.ErrNotFound)
	if rows, err := s.OutboxEntries(ctx, store.OutboxFilter{InstanceGUID: guid}); err != nil || len(rows) != 0 {
		t.Errorf("OutboxEntries after deleting the destination = %d rows, %v; want 0, nil", len(rows), err)
	}
}

func mustCreateOutbox(tb testing.TB, s *store.Store, instance, dest string, events ...string) []*store.OutboxEntry {
	tb.Helper()
	var entries []*store.OutboxEntry
	for _, ev := range events {
		entries = append(entries, &store.OutboxEntry{ID: "ob-" + dest + "-" + ev, InstanceGUID: instance,
			DestinationID: dest, EventID: ev, EventType: "secret.created", Event: []byte(`{"id":"` + ev + `"}`),
			NextAttemptAt: time.Now().Add(-time.Second)})
	}
	err := s.Update(context.Background(), func(tx *store.Tx) error { return tx.CreateOutboxEntries(context.Background(), entries) })
	if err != nil {
		tb.Fatalf("CreateOutboxEntries: %v", err)
	}
	return entries
}

func testOutboxLifecycle(t *testing.T, s *store.Store) {
	ctx := context.Background()
	guid := mustEventInstance(t, s)
	mustPutDestination(t, s, guid, "d1")
	created := mustCreateOutbox(t, s, guid, "d1", "ev-1", "ev-2")
	dup := []*store.OutboxEntry{{ID: "other", InstanceGUID: guid, DestinationID: "d1", EventID: "ev-1"}}
	wantKind(t, "queue an event twice for one destination", s.CreateOutboxEntries(ctx, dup), store.ErrAlreadyExists)
	wantKind(t, "queue for a missing destination", s.CreateOutboxEntries(ctx,
		[]*store.OutboxEntry{{ID: "x", InstanceGUID: guid, DestinationID: "nope", EventID: "e"}}), api.ErrFailedPrecondition)

	now := time.Now()
	claimed, err := s.ClaimOutboxEntries(ctx, now, time.Minute, 10, "c1")
	if err != nil || len(claimed) != 2 {
		t.Fatalf("ClaimOutboxEntries = %d rows, %v; want 2, nil", len(claimed), err)
	}
	if c := claimed[0]; c.Attempts != 1 || c.ClaimToken != "c1" || string(c.Event) != string(created[0].Event) {
		t.Errorf("claimed row = %+v, want attempts 1, claim c1, event %s", c, created[0].Event)
	}
	if again, err := s.ClaimOutboxEntries(ctx, now, time.Minute, 10, "c2"); err != nil || len(again) != 0 {
		t.Errorf("ClaimOutboxEntries during the lease = %d rows, %v; want 0, nil", len(again), err)
	}
	delivered := claimed[0]
	delivered.State, delivered.DeliveredAt = store.OutboxDelivered, now
	if err := s.FinishOutboxEntry(ctx, delivered); err != nil {
		t.Fatalf("FinishOutboxEntry(delivered): %v", err)
	}
	retry := claimed[1]
	retry.State, retry.NextAttemptAt, retry.LastError = store.OutboxPending, now.Add(-time.Millisecond), "HTTP 500"
	if err := s.FinishOutboxEntry(ctx, retry); err != nil {
		t.Fatalf("FinishOutboxEntry(retry): %v", err)
	}
	again, err := s.ClaimOutboxEntries(ctx, now, time.Minute, 10, "c3")
	if err != nil || len(again) != 1 || again[0].ID != retry.ID || again[0].Attempts != 2 || again[0].LastError != "HTTP 500" {
		t.Fatalf("ClaimOutboxEntries after a retry = %+v, %v; want %s at attempt 2", again, err, retry.ID)
	}
	rows, err := s.OutboxEntries(ctx, store.OutboxFilter{InstanceGUID: guid, State: store.OutboxDelivered})
	if err != nil || len(rows) != 1 || !rows[0].DeliveredAt.Equal(delivered.DeliveredAt) {
		t.Errorf("OutboxEntries(delivered) = %+v, %v; want the one delivered row", rows, err)
	}
	if n, err := s.DeleteFinishedOutboxEntries(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("DeleteFinishedOutboxEntries = %d, %v; want 1, nil", n, err)
	}
}

func testOutboxClaimLost(t *testing.T, s *store.Store) {
	ctx := context.Background()
	guid := mustEventInstance(t, s)
	mustPutDestination(t, s, guid, "d1")
	mustCreateOutbox(t, s, guid, "d1", "ev-1")
	now := time.Now()
	first, err := s.ClaimOutboxEntries(ctx, now, time.Second, 1, "slow")
	if err != nil || len(first) != 1 {
		t.Fatalf("ClaimOutboxEntries = %d, %v", len(first), err)
	}
	second, err := s.ClaimOutboxEntries(ctx, now.Add(2*time.Second), time.Second, 1, "fast")
	if err != nil || len(second) != 1 {
		t.Fatalf("ClaimOutboxEntries after the lease = %d, %v; want 1 row", len(second), err)
	}
	first[0].State = store.OutboxDelivered
	wantKind(t, "finish with a lost claim", s.FinishOutboxEntry(ctx, first[0]), store.ErrConflict)
	second[0].State = store.OutboxDelivered
	if err := s.FinishOutboxEntry(ctx, second[0]); err != nil {
		t.Errorf("FinishOutboxEntry(current claim) = %v", err)
	}
	gone := &store.OutboxEntry{ID: "missing", ClaimToken: "x", State: store.OutboxDelivered}
	wantKind(t, "finish a missing row", s.FinishOutboxEntry(ctx, gone), store.ErrNotFound)
}

// testOutboxConcurrentClaims has several claimers race for 40 rows: every
// row is claimed exactly once.
func testOutboxConcurrentClaims(t *testing.T, s *store.Store) {
	ctx := context.Background()
	guid := mustEventInstance(t, s)
	mustPutDestination(t, s, guid, "d1")
	var ids []string
	for i := range 40 {
		ids = append(ids, fmt.Sprintf("ev-%02d", i))
	}
	mustCreateOutbox(t, s, guid, "d1", ids...)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for range 20 {
				rows, err := s.ClaimOutboxEntries(ctx, time.Now(), time.Hour, 3, fmt.Sprintf("w%d", w))
				if err != nil {
					t.Errorf("ClaimOutboxEntries: %v", err)
					return
				}
				mu.Lock()
				for _, r := range rows {
					seen[r.EventID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("event %s claimed %d times, want 1", id, seen[id])
		}
	}
}
