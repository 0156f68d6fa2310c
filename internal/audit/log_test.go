package audit_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/audit"
)

func TestNewRequiresStore(t *testing.T) {
	_, err := audit.New(audit.Config{})
	wantKind(t, "New without a store", err, api.ErrInvalid)
}

// TestChain writes events one by one and checks what is stored: numbers 1..n,
// the events as written, distinct hashes, and a chain that verifies.
func TestChain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		l := startLog(t, audit.Config{Store: openStore(t, b.url(t))})
		var want []audit.Event
		for i := range 5 {
			e := event(i)
			mustWrite(t, l, e)
			e.ID = int64(i + 1)
			want = append([]audit.Event{e}, want...) // Query is newest first
		}
		got, next, err := l.Query(context.Background(), audit.Filter{})
		if err != nil || next != "" {
			t.Fatalf("Query() next = %q, %v; want one page", next, err)
		}
		if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(audit.Event{}, "Hash")); diff != "" {
			t.Errorf("Query() mismatch (-want +got):\n%s", diff)
		}
		seen := map[string]bool{}
		for _, e := range got {
			if len(e.Hash) != 32 || seen[string(e.Hash)] {
				t.Errorf("event %d hash %x: want 32 bytes, distinct from the others", e.ID, e.Hash)
			}
			seen[string(e.Hash)] = true
		}
		wantVerified(t, l, 5)
	})
}

// TestWriteStampsTime checks that an event without a time gets the log's
// clock, in UTC to the microsecond.
func TestWriteStampsTime(t *testing.T) {
	now := time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.FixedZone("X", 3600))
	l := startLog(t, audit.Config{Store: openStore(t, sqliteURL(t)), Now: func() time.Time { return now }})
	e := event(1)
	e.Time = time.Time{}
	mustWrite(t, l, e)
	got, _, err := l.Query(context.Background(), audit.Filter{})
	if want := now.UTC().Truncate(time.Microsecond); err != nil || len(got) != 1 || !got[0].Time.Equal(want) ||
		got[0].Time.Location() != time.UTC {
		t.Fatalf("Query() = %v, %v; want one event at %v UTC", got, err, want)
	}
	wantVerified(t, l, 1)
}

// TestGroupCommit has 200 writers write at once: every event is committed,
// in far fewer transactions than events, and the chain is linear.
func TestGroupCommit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		l := startLog(t, audit.Config{Store: openStore(t, b.url(t))})
		const writers = 200
		start := make(chan struct{})
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				<-start
				errs[i] = l.Write(context.Background(), event(i))
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("writer %d: Write = %v", i, err)
			}
		}
		st := l.Stats()
		t.Logf("%d events in %d transactions", st.Events, st.Commits)
		if st.Events != writers || st.Commits > writers/10 {
			t.Errorf("Stats() = %+v; want %d events in at most %d commits", st, writers, writers/10)
		}
		wantVerified(t, l, writers)
	})
}

// TestTwoNodes runs two logs on two stores over one database, writing at
// once: the chain must stay linear, without gaps or forks.
func TestTwoNodes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		url := b.url(t)
		logs := []*audit.Log{
			startLog(t, audit.Config{Store: openStore(t, url)}),
			startLog(t, audit.Config{Store: openStore(t, url)}),
		}
		const perNode, goroutines = 100, 10
		var wg sync.WaitGroup
		for _, l := range logs {
			for g := range goroutines {
				wg.Go(func() {
					for i := range perNode / goroutines {
						if err := l.Write(context.Background(), event(g*100+i)); err != nil {
							t.Errorf("Write: %v", err)
							return
						}
					}
				})
			}
		}
		wg.Wait()
		wantVerified(t, logs[0], 2*perNode)
		wantVerified(t, logs[1], 2*perNode)
	})
}

// TestFailClosed closes the store under a running log: Write must fail and
// Healthy must report it.
func TestFailClosed(t *testing.T) {
	s := openStore(t, sqliteURL(t))
	l := startLog(t, audit.Config{Store: s})
	mustWrite(t, l, event(1))
	if err := l.Healthy(); err != nil {
		t.Fatalf("Healthy() after a commit = %v, want nil", err)
	}
	s.Close()
	err := l.Write(context.Background(), event(2))
	if k := api.KindOf(err); k != api.ErrUnavailable {
		t.Errorf("Write on a closed store = %v, of kind %v; want %v", err, k, api.ErrUnavailable)
	}
	wantKind(t, "Healthy() after a failed commit", l.Healthy(), api.ErrUnavailable)
	if st := l.Stats(); st.CommitFailures != 1 || st.Events != 1 {
		t.Errorf("Stats() = %+v; want 1 event and 1 commit failure", st)
	}
}

// TestRecovers breaks the database under a running log (the head table
// disappears), then repairs it: writes fail while it is broken, Healthy
// reports the failure until a commit succeeds again, and nothing half-written
// remains.
func TestRecovers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		url := b.url(t)
		l := startLog(t, audit.Config{Store: openStore(t, url)})
		raw := b.raw(t, url)
		mustWrite(t, l, event(1))
		mustExec(t, raw, `ALTER TABLE audit_head RENAME TO audit_head_away`)
		for i := range 2 {
			wantKind(t, "Write on a broken database", l.Write(context.Background(), event(2+i)), api.ErrUnavailable)
		}
		wantKind(t, "Healthy() while broken", l.Healthy(), api.ErrUnavailable)
		mustExec(t, raw, `ALTER TABLE audit_head_away RENAME TO audit_head`)
		wantKind(t, "Healthy() before the next commit", l.Healthy(), api.ErrUnavailable)
		mustWrite(t, l, event(4))
		if err := l.Healthy(); err != nil {
			t.Errorf("Healthy() after a successful commit = %v, want nil", err)
		}
		wantVerified(t, l, 2)
	})
}

// TestStopped checks that a closed log refuses writes and that Run runs once.
func TestStopped(t *testing.T) {
	l, err := audit.New(audit.Config{Store: openStore(t, sqliteURL(t))})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- l.Run(context.Background()) }()
	mustWrite(t, l, event(1))
	wantKind(t, "second Run", l.Run(context.Background()), api.ErrFailedPrecondition)
	if err := l.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := <-ran; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	wantKind(t, "Write after Close", l.Write(context.Background(), event(2)), api.ErrUnavailable)
	wantKind(t, "Healthy() after Close", l.Healthy(), api.ErrUnavailable)
}

// TestRunContextEnds stops the log by ending Run's context.
func TestRunContextEnds(t *testing.T) {
	l, err := audit.New(audit.Config{Store: openStore(t, sqliteURL(t))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- l.Run(ctx) }()
	mustWrite(t, l, event(1))
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	wantKind(t, "Write after Run ended", l.Write(context.Background(), event(2)), api.ErrUnavailable)
	l.Close()
}

// TestWriteCanceled checks that a writer that gives up gets its context's
// error and that nothing is written for a context that ended first.
func TestWriteCanceled(t *testing.T) {
	l := startLog(t, audit.Config{Store: openStore(t, sqliteURL(t))})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Write(ctx, event(1)); !errors.Is(err, context.Canceled) {
		t.Errorf("Write(canceled) = %v, want %v", err, context.Canceled)
	}
	mustWrite(t, l, event(2))
	if st := l.Stats(); st.Events != 1 {
		t.Errorf("Stats().Events = %d, want 1 (the canceled write dropped)", st.Events)
	}
}

// TestWriteDoesNotAlias checks that the log keeps its own copy of Details.
func TestWriteDoesNotAlias(t *testing.T) {
	var buf bytes.Buffer
	l, err := audit.New(audit.Config{Store: openStore(t, sqliteURL(t)), Sinks: []audit.Sink{audit.NewJSONLinesSink(&buf)}})
	if err != nil {
		t.Fatal(err)
	}
	go l.Run(context.Background())
	e := event(1)
	mustWrite(t, l, e)
	e.Details["n"] = "changed"
	l.Close()
	if !bytes.Contains(buf.Bytes(), []byte(`"n":"1"`)) {
		t.Errorf("sink got %s, want the details as written", buf.Bytes())
	}
	wantVerified(t, l, 1)
}

// TestWriteInvalidText writes events whose caller-supplied text (a user
// agent, a form value in the details) holds invalid UTF-8 and NUL bytes,
// which PostgreSQL's text columns refuse: each event commits with that
// text replaced by U+FFFD, the chain still verifies, and other writers'
// events in the same commits are unharmed.
func TestWriteInvalidText(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		l := startLog(t, audit.Config{Store: openStore(t, b.url(t))})
		bad := event(1)
		bad.Initiator.UserAgent = "curl/8\xff\xfe"
		bad.Details = map[string]string{"grant_type": "a\x00b", "resource": "\xc3"}
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() { mustWrite(t, l, event(i+2)) })
		}
		mustWrite(t, l, bad)
		wg.Wait()
		got, _, err := l.Query(context.Background(), audit.Filter{Action: bad.Action, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range got {
			if e.Initiator.UserAgent != "curl/8\uFFFD" {
				continue
			}
			found = true
			want := map[string]string{"grant_type": "a\uFFFDb", "resource": "\uFFFD"}
			if diff := cmp.Diff(want, e.Details); diff != "" {
				t.Errorf("details mismatch (-want +got):\n%s", diff)
			}
		}
		if !found {
			t.Errorf("no event with the user agent made valid among %d", len(got))
		}
		wantVerified(t, l, 9)
	})
}
