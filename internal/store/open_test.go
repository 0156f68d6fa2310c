package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
)

func openFile(tb testing.TB, path string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), Config{URL: "sqlite:" + path})
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	return s
}

// wantRefused opens path, wants api.ErrFailedPrecondition mentioning
// substr, and the file byte-identical afterwards.
func wantRefused(t *testing.T, path, substr string) {
	t.Helper()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), Config{URL: "sqlite:" + path})
	if err == nil {
		s.Close()
		t.Fatalf("Open(%s) = nil error, want refusal", path)
	}
	if !errors.Is(err, api.ErrFailedPrecondition) || !strings.Contains(err.Error(), substr) {
		t.Errorf("Open(%s) = %v, want api.ErrFailedPrecondition mentioning %q", path, err, substr)
	}
	after, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("Open changed %s (read err %v)", path, err)
	}
}

func TestOpenRefusesNonSQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "random.db")
	junk := make([]byte, 8192)
	rand.Read(junk)
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, path, "not a SQLite database")
}

func TestOpenRefusesForeignDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE foo (x TEXT); INSERT INTO foo VALUES ('precious')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	wantRefused(t, path, "not a Coffer database")
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "coffer.db")
	s := openFile(t, path)
	if _, err := s.writer.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, 1)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	wantRefused(t, path, "newer than this binary")
}

func TestOpenIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "coffer.db")
	s := openFile(t, path)
	if err := s.CreateAccount(context.Background(), &Account{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for range 2 {
		s = openFile(t, path)
		if _, err := s.Account(context.Background(), "a"); err != nil {
			t.Errorf("Account after reopening = %v, want the account", err)
		}
		var n int
		if err := s.reader.QueryRow(`SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0`).Scan(&n); err != nil || n != int(latestMigration()) {
			t.Errorf("applied migrations = %d, %v; want %d", n, err, latestMigration())
		}
		s.Close()
	}
}

func TestOpenEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	openFile(t, path).Close()
}

func TestOpenBadDirectory(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path, want string }{
		{"missing", filepath.Join(dir, "nope", "coffer.db"), "no such file or directory"},
		{"file", filepath.Join(file, "coffer.db"), "not a directory"},
	}
	if ro := filepath.Join(dir, "ro"); os.Mkdir(ro, 0o500) == nil && !writable(ro) {
		tests = append(tests, struct{ name, path, want string }{"read-only", filepath.Join(ro, "coffer.db"), "not writable"})
	} else {
		t.Log("running as root: the read-only directory case is skipped")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(context.Background(), Config{URL: "sqlite:" + tc.path})
			if !errors.Is(err, api.ErrFailedPrecondition) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open(%s) = %v, want api.ErrFailedPrecondition mentioning %q", tc.path, err, tc.want)
			}
		})
	}
}

func writable(dir string) bool {
	f, err := os.CreateTemp(dir, "probe")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

func TestOpenInvalidURL(t *testing.T) {
	for _, u := range []string{"", "sqlite:", "sqlite::memory:", "mysql://root:pw@host/db", "/tmp/x.db"} {
		_, err := Open(context.Background(), Config{URL: u})
		if !errors.Is(err, api.ErrInvalid) || strings.Contains(err.Error(), "pw@") {
			t.Errorf("Open(%q) = %v, want api.ErrInvalid without the password", u, err)
		}
	}
}

func TestOpenUnreachablePostgres(t *testing.T) {
	u := "postgres://coffer:s3cret-pw@127.0.0.1:1/coffer?sslmode=disable"
	_, err := Open(context.Background(), Config{URL: u})
	if !errors.Is(err, api.ErrUnavailable) {
		t.Fatalf("Open(unreachable) = %v, want api.ErrUnavailable", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "127.0.0.1:1") || strings.Contains(msg, "s3cret") || strings.Contains(msg, "\n") {
		t.Errorf("Open(unreachable) message = %q, want one line naming 127.0.0.1:1 and not the password", msg)
	}
}

// TestBlobAffinity checks that SQLite stores BYTEA values as blobs, even
// ones that look like numbers (BYTEA has NUMERIC affinity there).
func TestBlobAffinity(t *testing.T) {
	s := openFile(t, filepath.Join(t.TempDir(), "coffer.db"))
	defer s.Close()
	ctx := context.Background()
	for _, v := range [][]byte{[]byte("12"), []byte("3.5"), {}, {0, 0xff}} {
		if err := s.PutMeta(ctx, "k", v); err != nil {
			t.Fatal(err)
		}
		var typ string
		var got []byte
		if err := s.reader.QueryRow(`SELECT typeof(value), value FROM meta WHERE name = 'k'`).Scan(&typ, &got); err != nil {
			t.Fatal(err)
		}
		if typ != "blob" || !bytes.Equal(got, v) {
			t.Errorf("PutMeta(%q) stored %s %q, want blob %q", v, typ, got, v)
		}
	}
}

func TestSQLitePools(t *testing.T) {
	s := openFile(t, filepath.Join(t.TempDir(), "coffer.db"))
	defer s.Close()
	if got := s.writer.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer MaxOpenConnections = %d, want 1", got)
	}
	if _, err := s.reader.Exec(`INSERT INTO meta (name, value) VALUES ('x', x'00')`); err == nil {
		t.Errorf("write through the reader pool succeeded, want query_only refusal")
	}
	var mode string
	if err := s.reader.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	for pragma, want := range map[string]int{"synchronous": 2, "foreign_keys": 1, "busy_timeout": 10000} {
		var got int
		if err := s.writer.QueryRow(`PRAGMA ` + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("writer PRAGMA %s = %d, %v; want %d", pragma, got, err, want)
		}
	}
}

func TestNewSQLiteFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "coffer.db")
	s, err := Open(context.Background(), Config{URL: "sqlite:" + path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
}
