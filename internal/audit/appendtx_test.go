package audit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cofferhq/coffer/internal/audit"
	"github.com/cofferhq/coffer/internal/store"
)

// recordingSink keeps what it is given.
type recordingSink struct {
	mu     sync.Mutex
	events []audit.Event
}

func (s *recordingSink) WriteEvents(events []audit.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, events...)
	return nil
}

// TestAppendTx appends events inside operations' transactions, some of
// which roll back, while Write commits others concurrently: the chain holds
// exactly the committed events, numbered without gaps, and verifies.
func TestAppendTx(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		st := openStore(t, b.url(t))
		sink := &recordingSink{}
		l := startLog(t, audit.Config{Store: st, Sinks: []audit.Sink{sink}})
		ctx := context.Background()
		errOp := errors.New("the operation failed")
		var wg sync.WaitGroup
		const n = 40
		committed := make([]bool, n)
		for i := range n {
			wg.Go(func() {
				if i%3 == 0 { // an event of its own, through the group commit
					mustWrite(t, l, event(i))
					committed[i] = true
					return
				}
				var appended audit.Event
				err := st.Update(ctx, func(tx *store.Tx) error {
					var err error
					if appended, err = l.AppendTx(ctx, tx, event(i)); err != nil {
						return err
					}
					if i%3 == 2 {
						return errOp // the operation fails: its event goes with it
					}
					return nil
				})
				switch {
				case i%3 == 1 && err == nil:
					if appended.ID == 0 || len(appended.Hash) == 0 {
						t.Errorf("AppendTx(%d) = id %d, hash %x; want both set", i, appended.ID, appended.Hash)
					}
					l.Published(appended)
					committed[i] = true
				case i%3 == 2 && !errors.Is(err, errOp):
					t.Errorf("Update(%d) = %v; want the operation's error", i, err)
				case i%3 == 1:
					t.Errorf("Update(%d) = %v", i, err)
				}
			})
		}
		wg.Wait()
		want := 0
		for _, c := range committed {
			if c {
				want++
			}
		}
		wantVerified(t, l, int64(want))
		got, _, err := l.Query(ctx, audit.Filter{Limit: 100})
		if err != nil || len(got) != want {
			t.Fatalf("Query = %d events, %v; want %d", len(got), err, want)
		}
		seen := map[string]bool{}
		for _, e := range got {
			seen[e.RequestID] = true
		}
		for i, c := range committed {
			if id := fmt.Sprintf("req-%d", i); seen[id] != c {
				t.Errorf("event %s in the trail = %v; want %v", id, seen[id], c)
			}
		}
		if err := l.Close(); err != nil { // drains the sinks
			t.Fatal(err)
		}
		sink.mu.Lock()
		defer sink.mu.Unlock()
		if len(sink.events) != want {
			t.Errorf("the sink got %d events; want %d", len(sink.events), want)
		}
	})
}

// TestAppendTxInvalid refuses an invalid event and writes nothing.
func TestAppendTxInvalid(t *testing.T) {
	st := openStore(t, sqliteURL(t))
	l := startLog(t, audit.Config{Store: st})
	ctx := context.Background()
	bad := event(1)
	bad.Action = ""
	err := st.Update(ctx, func(tx *store.Tx) error {
		_, err := l.AppendTx(ctx, tx, bad)
		return err
	})
	if err == nil {
		t.Fatal("AppendTx of an event without an action succeeded")
	}
	wantVerified(t, l, 0)
}
