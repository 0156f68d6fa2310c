package kms

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/envelope"
)

// newKeyFile returns a created key file provider in a temporary directory.
func newKeyFile(tb testing.TB) *KeyFile {
	tb.Helper()
	f := NewKeyFile(filepath.Join(tb.TempDir(), "root.key"))
	if created, err := f.Create(); err != nil || !created {
		tb.Fatalf("Create() = %v, %v; want true, nil", created, err)
	}
	return f
}

func mustRootKey(tb testing.TB, p Provider) envelope.Key {
	tb.Helper()
	k, err := p.RootKey(context.Background())
	if err != nil {
		tb.Fatalf("%s: RootKey() error = %v", p.Name(), err)
	}
	return k
}

func TestKeyFileCreate(t *testing.T) {
	f := newKeyFile(t)
	fi, err := os.Stat(f.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(f.Path())
	key := mustRootKey(t, f)
	if string(data) != key.Encode()+"\n" {
		t.Errorf("key file holds %d bytes, want the base64 key and a newline", len(data))
	}
	created, err := f.Create()
	if err != nil || created {
		t.Errorf("second Create() = %v, %v; want false, nil", created, err)
	}
	if again := mustRootKey(t, f); again != key {
		t.Errorf("second Create() changed the key from %s to %s", key.ID(), again.ID())
	}
	entries, _ := os.ReadDir(filepath.Dir(f.Path()))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after Create, want only the key file", len(entries))
	}
}

func TestKeyFileCreateInMissingDirectory(t *testing.T) {
	f := NewKeyFile(filepath.Join(t.TempDir(), "no", "root.key"))
	if created, err := f.Create(); err == nil {
		t.Errorf("Create() in a missing directory = %v, nil; want an error", created)
	}
}

func TestKeyFileRefusals(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key, _ := envelope.NewKey()
	const secretish = "c2VjcmV0LWxvb2tpbmctYnV0LXdyb25nLWxlbmd0aA=="
	tests := []struct {
		name    string
		path    string
		want    []string
		notWant string
	}{
		{"group readable", write("g.key", key.Encode()+"\n", 0o640), []string{"g.key", "0640", "chmod 600 " + filepath.Join(dir, "g.key")}, key.Encode()},
		{"world readable", write("w.key", key.Encode()+"\n", 0o604), []string{"w.key", "0604", "chmod 600"}, key.Encode()},
		{"missing", filepath.Join(dir, "missing.key"), []string{"missing.key", "does not exist"}, ""},
		{"bad content", write("bad.key", secretish+"\n", 0o600), []string{"bad.key", "does not hold a key"}, secretish},
		{"empty", write("empty.key", "", 0o600), []string{"empty.key", "does not hold a key"}, ""},
		{"directory", dir, []string{"not a regular file"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewKeyFile(tt.path)
			_, err := f.RootKey(context.Background())
			if !errors.Is(err, api.ErrFailedPrecondition) {
				t.Fatalf("RootKey(%s) error = %v, want api.ErrFailedPrecondition", tt.path, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("RootKey(%s) error %q does not say %q", tt.path, err, w)
				}
			}
			if tt.notWant != "" && strings.Contains(err.Error(), tt.notWant) {
				t.Errorf("RootKey(%s) error %q reveals the file content", tt.path, err)
			}
			if _, err := f.Candidates(); err == nil {
				t.Errorf("Candidates() on %s succeeded, want RootKey's error", tt.path)
			}
		})
	}
}

func TestKeyFileAcceptsHex(t *testing.T) {
	f := newKeyFile(t)
	key := mustRootKey(t, f)
	hexKey := strings.ToUpper(hex.EncodeToString(key[:]))
	if err := os.WriteFile(f.Path(), []byte(hexKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := mustRootKey(t, f); got != key {
		t.Errorf("RootKey() of a hex key file = %s, want %s", got.ID(), key.ID())
	}
}

func TestKeyFileRotationCommit(t *testing.T) {
	f := newKeyFile(t)
	old := mustRootKey(t, f)
	next, commit, abort, err := f.PrepareRotation(context.Background())
	if err != nil {
		t.Fatalf("PrepareRotation() error = %v", err)
	}
	assertMode600(t, f.Path()+".next")
	if got := mustRootKey(t, f); got != old {
		t.Errorf("RootKey() before commit = %s, want the old key %s", got.ID(), old.ID())
	}
	if _, _, _, err := f.PrepareRotation(context.Background()); !errors.Is(err, api.ErrConflict) {
		t.Errorf("second PrepareRotation() error = %v, want api.ErrConflict", err)
	}
	if out, err := commit(); err != nil || len(out) != 0 {
		t.Fatalf("commit() = %q, %v; want no output, nil", out, err)
	}
	abort() // after commit: must do nothing
	if got := mustRootKey(t, f); got != next {
		t.Errorf("RootKey() after commit = %s, want the new key %s", got.ID(), next.ID())
	}
	assertMode600(t, f.Path())
	if _, err := os.Stat(f.Path() + ".next"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s.next still exists after commit (err %v)", f.Path(), err)
	}
	if _, _, _, err := f.PrepareRotation(context.Background()); err != nil {
		t.Errorf("PrepareRotation() after a commit error = %v", err)
	}
}

func TestKeyFileRotationAbort(t *testing.T) {
	f := newKeyFile(t)
	old := mustRootKey(t, f)
	_, commit, abort, err := f.PrepareRotation(context.Background())
	if err != nil {
		t.Fatalf("PrepareRotation() error = %v", err)
	}
	abort()
	if _, err := os.Stat(f.Path() + ".next"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s.next still exists after abort (err %v)", f.Path(), err)
	}
	if _, err := commit(); err != nil {
		t.Errorf("commit() after abort error = %v, want nil (a no-op)", err)
	}
	if got := mustRootKey(t, f); got != old {
		t.Errorf("RootKey() after abort = %s, want the old key %s", got.ID(), old.ID())
	}
}

func TestKeyFileInterruptedRotation(t *testing.T) {
	f := newKeyFile(t)
	old := mustRootKey(t, f)
	next, _, _, err := f.PrepareRotation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// A crash: a new process finds both files.
	g := NewKeyFile(f.Path())
	cands, err := g.Candidates()
	if err != nil || len(cands) != 2 || cands[0] != old || cands[1] != next {
		t.Fatalf("Candidates() = %d keys, %v; want [old, next]", len(cands), err)
	}
	if _, _, _, err := g.PrepareRotation(context.Background()); !errors.Is(err, api.ErrFailedPrecondition) ||
		!strings.Contains(err.Error(), ".next") {
		t.Errorf("PrepareRotation() with a leftover .next error = %v, want api.ErrFailedPrecondition naming it", err)
	}
	if err := g.Promote(); err != nil {
		t.Fatalf("Promote() error = %v", err)
	}
	if cands, err := g.Candidates(); err != nil || len(cands) != 1 || cands[0] != next {
		t.Errorf("Candidates() after Promote = %d keys, %v; want [next]", len(cands), err)
	}
	if err := g.Promote(); err == nil {
		t.Errorf("Promote() without a .next file succeeded, want an error")
	}
}

func TestKeyFileDiscardNext(t *testing.T) {
	f := newKeyFile(t)
	old := mustRootKey(t, f)
	if _, _, _, err := f.PrepareRotation(context.Background()); err != nil {
		t.Fatal(err)
	}
	g := NewKeyFile(f.Path())
	if err := g.DiscardNext(); err != nil {
		t.Fatalf("DiscardNext() error = %v", err)
	}
	if cands, err := g.Candidates(); err != nil || len(cands) != 1 || cands[0] != old {
		t.Errorf("Candidates() after DiscardNext = %d keys, %v; want [old]", len(cands), err)
	}
	if err := g.DiscardNext(); err != nil {
		t.Errorf("DiscardNext() without a .next file error = %v, want nil", err)
	}
}

func assertMode600(tb testing.TB, path string) {
	tb.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatalf("Stat(%s) error = %v", path, err)
	}
	if fi.Mode().Perm() != 0o600 {
		tb.Errorf("%s has mode %04o, want 0600", path, fi.Mode().Perm())
	}
}
