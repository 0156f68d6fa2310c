package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cofferhq/coffer/api"
)

// sessionVersion is the format version of ~/.coffer/config.json.
//
// Format (version 1): one JSON object
//
//	{"version":1, "url":"http://…", "apikey":"…", "access_token":"…",
//	 "refresh_token":"…", "expiration":1700000000, "account_id":"…", "iam_id":"…",
//	 "ce_project":"…"}
//
// written by `coffer login` and updated whenever the CLI obtains a new token.
// The directory is 0700 and the file 0600, replaced atomically (write to a
// temporary file in the same directory, sync, rename). The API key is kept
// so the CLI can get new tokens when the refresh token no longer works, as
// IBM's CLI keeps its refresh token.
const sessionVersion = 1

// session is the content of the config file. Secret fields are WireSecret so
// that printing a session never shows them.
type session struct {
	Version      int            `json:"version"`
	URL          string         `json:"url,omitempty"`
	APIKey       api.WireSecret `json:"apikey,omitempty"`
	AccessToken  api.WireSecret `json:"access_token,omitempty"`
	RefreshToken api.WireSecret `json:"refresh_token,omitempty"`
	Expiration   int64          `json:"expiration,omitempty"` // of the access token, Unix seconds
	AccountID    string         `json:"account_id,omitempty"`
	IAMID        string         `json:"iam_id,omitempty"`
	CEProject    string         `json:"ce_project,omitempty"` // GUID of the project `coffer ce` acts on
}

// loggedIn reports whether the session holds credentials.
func (s *session) loggedIn() bool { return s.APIKey != "" || s.AccessToken != "" }

// logout forgets the credentials and who they belong to; the URL stays.
func (s *session) logout() {
	*s = session{Version: sessionVersion, URL: s.URL}
}

// configPath returns the config file under home.
func configPath(home string) string { return filepath.Join(home, ".coffer", "config.json") }

// loadSession reads the config file; a missing file is an empty session.
func loadSession(home string) (*session, error) {
	s := &session{Version: sessionVersion}
	if home == "" {
		return s, nil
	}
	b, err := os.ReadFile(configPath(home))
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("reading %s: %w", configPath(home), err)
	}
	if err := json.Unmarshal(b, s); err != nil {
		return &session{Version: sessionVersion}, api.Errorf(api.ErrInvalid, "%s is not valid JSON; remove it and log in again", configPath(home))
	}
	if s.Version > sessionVersion {
		return &session{Version: sessionVersion}, api.Errorf(api.ErrInvalid, "%s has format version %d, newer than this coffer understands", configPath(home), s.Version)
	}
	return s, nil
}

// saveSession writes the config file atomically: directory 0700, file 0600.
func saveSession(home string, s *session) error {
	if home == "" {
		return api.Errorf(api.ErrInvalid, "no home directory to keep the login in")
	}
	s.Version = sessionVersion
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	path := configPath(home)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// writeFileAtomic replaces path with data (mode 0600) so that a reader sees
// either the old or the new content, never a part.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".config-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // no-op after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
