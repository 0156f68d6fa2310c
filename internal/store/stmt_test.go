package store

import (
	"context"
	"path/filepath"
	"testing"
)

func openTestSQLite(tb testing.TB) *Store {
	tb.Helper()
	s, err := Open(context.Background(), Config{URL: "sqlite:" + filepath.Join(tb.TempDir(), "c.db")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// TestStmtCache checks that reads are prepared once on the reader pool and
// that texts first met inside a transaction are prepared after it.
func TestStmtCache(t *testing.T) {
	s := openTestSQLite(t)
	ctx := context.Background()
	const read = `SELECT COUNT(*) FROM accounts WHERE id = ?`
	const write = `UPDATE accounts SET state = ? WHERE id = ?`
	for range 3 {
		var n int
		if err := s.queryRow(ctx, read, "a").Scan(&n); err != nil || n != 0 {
			t.Fatalf("queryRow(%q) = %d, %v; want 0, nil", read, n, err)
		}
	}
	if s.rdStmts.lookup(read) == nil || s.rdStmts.n.Load() != 1 {
		t.Errorf("reader cache holds %d statements, lookup(%q) = nil; want it cached once", s.rdStmts.n.Load(), read)
	}
	err := s.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, write, "active", "a")
		return err
	})
	if err != nil {
		t.Fatalf("Update = %v", err)
	}
	if s.wrStmts.lookup(write) == nil {
		t.Errorf("writer cache lookup(%q) after Update = nil, want prepared after the transaction", write)
	}
	if err := s.Update(ctx, func(tx *Tx) error { _, err := tx.exec(ctx, write, "active", "a"); return err }); err != nil {
		t.Errorf("Update with the cached statement = %v", err)
	}
}

// TestStmtCacheFull runs queries unprepared once the cache is full.
func TestStmtCacheFull(t *testing.T) {
	s := openTestSQLite(t)
	ctx := context.Background()
	s.rdStmts.n.Store(maxCachedStmts)
	const read = `SELECT COUNT(*) FROM accounts`
	var n int
	if err := s.queryRow(ctx, read).Scan(&n); err != nil {
		t.Fatalf("queryRow(%q) = %v", read, err)
	}
	if s.rdStmts.lookup(read) != nil {
		t.Errorf("lookup(%q) on a full cache = a statement, want nil", read)
	}
}
