package audit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/audit"
)

// failingSink fails every write.
type failingSink struct{ calls atomic.Int64 }

func (s *failingSink) WriteEvents([]audit.Event) error {
	s.calls.Add(1)
	return errors.New("disk full")
}

// readLines decodes JSON lines of api.AuditEvent.
func readLines(tb testing.TB, b []byte) []api.AuditEvent {
	tb.Helper()
	var out []api.AuditEvent
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var e api.AuditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			tb.Fatalf("sink line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

// TestSinks checks that every committed event reaches the sinks once, in
// order, with its id and hash, and that a failing sink is counted but fails
// no write.
func TestSinks(t *testing.T) {
	var buf bytes.Buffer
	bad := &failingSink{}
	s := openStore(t, sqliteURL(t))
	l, err := audit.New(audit.Config{Store: s, Sinks: []audit.Sink{bad, audit.NewJSONLinesSink(&buf)}})
	if err != nil {
		t.Fatal(err)
	}
	go l.Run(context.Background())
	for i := range 5 {
		mustWrite(t, l, event(i))
	}
	if err := l.Close(); err != nil { // drains the sinks
		t.Fatalf("Close() = %v", err)
	}
	stored, _, err := l.Query(context.Background(), audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var want []api.AuditEvent
	for i := len(stored) - 1; i >= 0; i-- {
		want = append(want, stored[i].Wire())
	}
	if diff := cmp.Diff(want, readLines(t, buf.Bytes())); diff != "" {
		t.Errorf("JSON lines mismatch (-want +got):\n%s", diff)
	}
	if st := l.Stats(); st.SinkFailures != bad.calls.Load() || st.SinkFailures == 0 {
		t.Errorf("Stats().SinkFailures = %d, want %d (every call of the failing sink)", st.SinkFailures, bad.calls.Load())
	}
}

// TestFileSink checks that OpenFileSink creates a 0600 file and appends.
func TestFileSink(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	for round := range 2 {
		sink, err := audit.OpenFileSink(path)
		if err != nil {
			t.Fatalf("OpenFileSink: %v", err)
		}
		l := startLog(t, audit.Config{Store: openStore(t, sqliteURL(t)), Sinks: []audit.Sink{sink}})
		mustWrite(t, l, event(round))
		if err := l.Close(); err != nil {
			t.Fatalf("Close() = %v", err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("sink file mode = %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	lines := readLines(t, b)
	if len(lines) != 2 || lines[0].RequestID != "req-0" || lines[1].RequestID != "req-1" {
		t.Errorf("sink file holds %+v, want the events of both rounds, appended", lines)
	}
	for _, e := range lines {
		if h, err := hex.DecodeString(e.Hash); err != nil || len(h) != 32 {
			t.Errorf("sink line hash %q, want 64 hex digits", e.Hash)
		}
	}
}
