package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/cofferhq/coffer/internal/store"
	"github.com/cofferhq/coffer/internal/store/storetest"
)

// TestNotifySQLite: one node, so Notify is a no-op and Listen returns at once.
func TestNotifySQLite(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Notify(ctx, "coffer_test", "x"); err != nil {
		t.Errorf("Notify = %v, want nil", err)
	}
	if err := s.Listen(ctx, "coffer_test", func(string) { t.Error("fn called on SQLite") }); err != nil {
		t.Errorf("Listen = %v, want nil", err)
	}
	if ctx.Err() != nil {
		t.Errorf("Listen waited for the context on SQLite; want an immediate return")
	}
}

// TestNotifyPostgres: a notification from one node reaches a listener on
// another; when the listening connection is killed, the listener reconnects,
// reports the gap with "" and hears later notifications.
func TestNotifyPostgres(t *testing.T) {
	url := storetest.PostgresSchema(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := openURL(t, url), openURL(t, url)
	channel := "coffer_test_" + time.Now().Format("150405.000000")
	got := make(chan string, 16)
	done := make(chan error, 1)
	go func() { done <- b.Listen(ctx, channel, func(p string) { got <- p }) }()

	notifyUntilHeard(t, a, channel, "one", got)
	if _, err := rawExec(t, url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE query = 'LISTEN "`+channel+`"'`); err != nil {
		t.Fatalf("terminating the listener: %v", err)
	}
	for p := receive(t, got); p != ""; p = receive(t, got) {
		if p != "one" { // late copies of "one" may still arrive
			t.Fatalf("after reconnecting Listen called fn(%q), want fn(\"\")", p)
		}
	}
	notifyUntilHeard(t, a, channel, "two", got)
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Listen after cancel = %v, want context.Canceled", err)
	}
}

// notifyUntilHeard notifies until the listener (which may still be
// connecting) hears payload.
func notifyUntilHeard(t *testing.T, s *store.Store, channel, payload string, got chan string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err := s.Notify(context.Background(), channel, payload); err != nil {
			t.Fatalf("Notify = %v", err)
		}
		select {
		case p := <-got:
			if p == payload {
				return
			}
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatalf("the listener never heard %q", payload)
}

func receive(t *testing.T, got chan string) string {
	t.Helper()
	select {
	case p := <-got:
		return p
	case <-time.After(15 * time.Second):
		t.Fatal("no notification within 15s")
		return ""
	}
}

func rawExec(t *testing.T, url, query string) (sql.Result, error) {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	defer db.Close()
	return db.ExecContext(context.Background(), query)
}

func openURL(t *testing.T, url string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Config{URL: url})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
