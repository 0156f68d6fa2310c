package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/audit"
	"github.com/cofferhq/coffer/internal/store"
	"github.com/cofferhq/coffer/internal/store/storetest"
)

// backend opens a fresh database: its URL, for opening several stores
// ("nodes") on it, and a raw handle on it for tampering behind the store's
// back.
type backend struct {
	name string
	url  func(testing.TB) string
	raw  func(testing.TB, string) *sql.DB
}

var backends = []backend{
	{"sqlite", sqliteURL, func(tb testing.TB, url string) *sql.DB {
		return openRaw(tb, "sqlite", "file:"+url[len("sqlite:"):]+"?_pragma=busy_timeout(10000)")
	}},
	{"postgres", storetest.PostgresSchema, func(tb testing.TB, url string) *sql.DB {
		return openRaw(tb, "pgx", url)
	}},
}

// forEachBackend runs test on SQLite and, when configured, PostgreSQL.
func forEachBackend(t *testing.T, test func(*testing.T, backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b) })
	}
}

func sqliteURL(tb testing.TB) string {
	return "sqlite:" + filepath.Join(tb.TempDir(), "coffer.db")
}

func openRaw(tb testing.TB, driver, dsn string) *sql.DB {
	tb.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		tb.Fatalf("sql.Open(%s): %v", driver, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// openStore opens the store at url and closes it at cleanup (a store the
// test closed itself is closed again harmlessly).
func openStore(tb testing.TB, url string) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), store.Config{URL: url})
	if err != nil {
		tb.Fatalf("store.Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// startLog returns a running log over cfg (cfg.Store is required), closed
// at cleanup; Run must then have returned nil.
func startLog(tb testing.TB, cfg audit.Config) *audit.Log {
	tb.Helper()
	l, err := audit.New(cfg)
	if err != nil {
		tb.Fatalf("audit.New: %v", err)
	}
	ran := make(chan error, 1)
	go func() { ran <- l.Run(context.Background()) }()
	tb.Cleanup(func() {
		if err := l.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
		if err := <-ran; err != nil {
			tb.Errorf("Run = %v, want nil", err)
		}
	})
	return l
}

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// event returns a valid event, numbered i in its request id and detail.
func event(i int) audit.Event {
	return audit.Event{
		Time:      epoch.Add(time.Duration(i) * time.Second),
		RequestID: fmt.Sprintf("req-%d", i),
		Initiator: audit.Initiator{IAMID: "iam-ServiceId-1", Kind: api.InitiatorServiceID, APIKeyID: "ApiKey-1",
			SourceAddr: "192.0.2.7", UserAgent: "coffer-test"},
		Action:    "secrets-manager.secret.read",
		Target:    "crn:v1:coffer:public:secrets-manager:local:a/acct-1:inst-1:secret:s-1",
		AccountID: "acct-1",
		Outcome:   api.OutcomeSuccess,
		Details:   map[string]string{"secret_id": "s-1", "n": fmt.Sprint(i)},
	}
}

func mustWrite(tb testing.TB, l *audit.Log, events ...audit.Event) {
	tb.Helper()
	for _, e := range events {
		if err := l.Write(context.Background(), e); err != nil {
			tb.Fatalf("Write(%v): %v", e, err)
		}
	}
}

// wantVerified fails unless the whole chain verifies with n events checked.
func wantVerified(tb testing.TB, l *audit.Log, n int64) {
	tb.Helper()
	rep, err := l.Verify(context.Background(), 0, 0)
	if err != nil || !rep.OK() || rep.Checked != n {
		tb.Errorf("Verify(0, 0) = %+v, %v; want ok with %d checked", rep, err, n)
	}
}

// wantKind fails unless err wraps kind.
func wantKind(tb testing.TB, what string, err, kind error) {
	tb.Helper()
	if !errors.Is(err, kind) {
		tb.Errorf("%s: err = %v, want %v", what, err, kind)
	}
}
