package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSessionSaveLoad(t *testing.T) {
	home := t.TempDir()
	s := &session{URL: "http://h:1", APIKey: "k", AccessToken: "a", RefreshToken: "r", Expiration: 42, AccountID: "acct", IAMID: "iam"}
	if err := saveSession(home, s); err != nil {
		t.Fatalf("saveSession() = %v", err)
	}
	got, err := loadSession(home)
	if err != nil {
		t.Fatalf("loadSession() = %v", err)
	}
	if d := cmp.Diff(s, got); d != "" {
		t.Errorf("loadSession() (-want +got):\n%s", d)
	}
	for path, want := range map[string]os.FileMode{filepath.Join(home, ".coffer"): 0o700, configPath(home): 0o600} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("mode of %s = %v, %v, want %v", path, fi.Mode().Perm(), err, want)
		}
	}
}

func TestSessionSaveFixesPermissionsAndIsAtomic(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, ".coffer")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(configPath(home), []byte(`{"version":1,"url":"old"}`), 0o644)
	if err := saveSession(home, &session{URL: "new", APIKey: "k"}); err != nil {
		t.Fatalf("saveSession() = %v", err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("mode of %s = %v, want 0700", dir, fi.Mode().Perm())
	}
	if fi, _ := os.Stat(configPath(home)); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode of the config file = %v, want 0600 (a replaced file, not the old one rewritten)", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%s holds %d files, want only config.json (no temporary files left)", dir, len(entries))
	}
	s, _ := loadSession(home)
	if s.URL != "new" {
		t.Errorf("loadSession().URL = %q, want %q", s.URL, "new")
	}
}

func TestSessionSaveFailureKeepsOldFile(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	home := t.TempDir()
	saveSession(home, &session{URL: "old"})
	t.Cleanup(func() { os.Chmod(filepath.Join(home, ".coffer"), 0o700) })
	os.Chmod(filepath.Join(home, ".coffer"), 0o500) // no new files
	if err := writeFileAtomic(configPath(home), []byte("garbage")); err == nil {
		t.Fatal("writeFileAtomic() into a read-only directory = nil, want an error")
	}
	if s, err := loadSession(home); err != nil || s.URL != "old" {
		t.Errorf("loadSession() after a failed write = %+v, %v, want the old session", s, err)
	}
}

func TestLoadSession(t *testing.T) {
	home := t.TempDir()
	s, err := loadSession(home)
	if err != nil || s.loggedIn() || s.URL != "" {
		t.Errorf("loadSession(no file) = %+v, %v, want an empty session", s, err)
	}
	os.MkdirAll(filepath.Join(home, ".coffer"), 0o700)
	os.WriteFile(configPath(home), []byte("{not json"), 0o600)
	if _, err := loadSession(home); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("loadSession(corrupt) = %v, want a not valid JSON error", err)
	}
	os.WriteFile(configPath(home), []byte(`{"version":99}`), 0o600)
	if _, err := loadSession(home); err == nil {
		t.Error("loadSession(version 99) = nil error, want an error")
	}
}

func TestSessionLogoutKeepsURL(t *testing.T) {
	s := &session{URL: "u", APIKey: "k", AccessToken: "a", RefreshToken: "r", Expiration: 1, AccountID: "a", IAMID: "i"}
	s.logout()
	if d := cmp.Diff(&session{Version: sessionVersion, URL: "u"}, s); d != "" {
		t.Errorf("logout() (-want +got):\n%s", d)
	}
}
