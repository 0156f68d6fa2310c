// Package storetest is the conformance suite of package store: Run checks
// every behaviour other packages rely on (CRUD, uniqueness, the revision
// rule, transactions, concurrency, paging, cascades, time and blob
// round-trips) against stores made by a given function, so that SQLite and
// PostgreSQL are held to the same contract. OpenSQLite and OpenPostgres make
// such stores for tests of any package.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/cofferhq/coffer/internal/store"
)

// PostgresEnv names the environment variable holding the URL of a PostgreSQL
// database for tests, such as
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const PostgresEnv = "COFFER_TEST_POSTGRES_URL"

// OpenSQLite returns a fresh, migrated store on SQLite in tb.TempDir(), closed at cleanup.
func OpenSQLite(tb testing.TB) *store.Store {
	tb.Helper()
	return open(tb, "sqlite:"+filepath.Join(tb.TempDir(), "coffer.db"))
}

// OpenPostgres returns a fresh store in a new schema of the database named by
// COFFER_TEST_POSTGRES_URL (create schema coffer_test_<random>, connect with search_path set to it,
// drop it CASCADE at cleanup). Skips with a clear message when the variable is unset.
func OpenPostgres(tb testing.TB) *store.Store {
	tb.Helper()
	return open(tb, PostgresSchema(tb))
}

// PostgresSchema creates a new empty schema coffer_test_<random> in the
// database named by COFFER_TEST_POSTGRES_URL and returns a URL whose
// search_path selects it; the schema is dropped (CASCADE) at cleanup. It
// skips the test when the variable is unset. Use it to open several stores
// on one database; OpenPostgres is the common case.
func PostgresSchema(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		tb.Skipf("PostgreSQL tests skipped: set %s, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", PostgresEnv)
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s is not a URL: %v", PostgresEnv, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open %s: %v", PostgresEnv, err)
	}
	tb.Cleanup(func() { admin.Close() })
	schema := "coffer_test_" + randomHex(tb, 8)
	if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema %s: %v", schema, err)
	}
	tb.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// open opens the store at url and closes it at cleanup (registered after the
// schema's, so it runs first).
func open(tb testing.TB, url string) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), store.Config{URL: url})
	if err != nil {
		tb.Fatalf("store.Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

func randomHex(tb testing.TB, n int) string {
	tb.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// Run runs the whole conformance suite against stores made by open. Each
// subtest gets its own store.
func Run(t *testing.T, open func(testing.TB) *store.Store) {
	entities := []struct {
		name string
		run  func(*testing.T, func(testing.TB) *store.Store)
	}{
		{"Account", accounts.run},
		{"User", users.run},
		{"APIKey", apiKeys.run},
		{"Instance", instances.run},
		{"Resource", runResource},
		{"Identity", runIdentity},
		{"Compute", runCompute},
		{"Audit", testAudit},
		{"Federation", runFederation},
		{"Policy", runPolicy},
		{"Secrets", runSecrets},
	}
	for _, e := range entities {
		t.Run(e.name, func(t *testing.T) { e.run(t, open) })
	}
	t.Run("Tokens", func(t *testing.T) { testTokens(t, open) })
	t.Run("Events", func(t *testing.T) { testEvents(t, open) })
	tests := []struct {
		name string
		test func(*testing.T, *store.Store)
	}{
		{"Ping", testPing},
		{"Required", testRequired},
		{"UnstorableText", testUnstorableText},
		{"ForeignKey", testForeignKey},
		{"Cascade", testCascade},
		{"NamesScopedToAccount", testNamesScopedToAccount},
		{"APIKeysByOwner", testAPIKeysByOwner},
		{"InstancesAllAccounts", testInstancesAllAccounts},
		{"DataKeys", testDataKeys},
		{"Meta", testMeta},
		{"TimePrecision", testTimePrecision},
		{"Blobs", testBlobs},
		{"TxCommit", testTxCommit},
		{"TxRollbackOnError", testTxRollbackOnError},
		{"TxRollbackOnPanic", testTxRollbackOnPanic},
		{"TxIsolation", testTxIsolation},
		{"ConcurrentCreates", testConcurrentCreates},
		{"ConcurrentOptimisticUpdates", testConcurrentOptimisticUpdates},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, open(t)) })
	}
}
