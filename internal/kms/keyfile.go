package kms

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/envelope"
)

// Key file format: the key in standard base64 with padding (envelope.Key's
// Encode) followed by a newline, in a regular file of mode 0600. ParseKey
// rules apply when reading, so 64 hex digits are accepted as well.
//
// Rotation keeps two files, PATH and PATH.next, and is crash-safe:
// PrepareRotation writes PATH.next completely (fsynced) before the caller
// re-wraps the data keys; commit renames it over PATH. A crash in between
// leaves both files, and Candidates returns both keys so that the caller can
// keep whichever the database accepts (Promote when it is PATH.next,
// DiscardNext when it is PATH).

const (
	keyFileMode   = 0o600
	maxKeyFileLen = 4096
	nextSuffix    = ".next"
)

// KeyFile is the provider whose root key lives in a file. It is safe for
// concurrent use within one process; only one process should use a file.
type KeyFile struct {
	path string

	mu       sync.Mutex
	rotating bool // a rotation is prepared, or its commit failed
}

// NewKeyFile returns the provider for the key file at path. It does not touch
// the file: Create makes it, RootKey reads it.
func NewKeyFile(path string) *KeyFile { return &KeyFile{path: path} }

// Name returns "keyfile".
func (f *KeyFile) Name() string { return "keyfile" }

// Path returns the key file's path.
func (f *KeyFile) Path() string { return f.path }

// RootKey reads the key file on every call, so that it reflects a completed
// rotation. Errors wrap api.ErrFailedPrecondition and say what to fix: the
// file is missing, readable by group or others (run chmod 600 PATH), not a
// regular file, or does not hold a key. They never contain the file's content.
func (f *KeyFile) RootKey(ctx context.Context) (envelope.Key, error) {
	return readKeyFile(f.path)
}

// Create generates a random key and writes it to the key file when the file
// does not exist, and reports whether it did. The file appears atomically,
// complete and synced, with mode 0600: the key is written to a temporary file
// that is then linked to the path, which fails if the path exists (like
// O_EXCL), and the directory is synced. An existing file is left alone and
// gives created == false. Errors wrap api.ErrFailedPrecondition.
func (f *KeyFile) Create() (created bool, err error) {
	key, err := envelope.NewKey()
	if err != nil {
		return false, err
	}
	defer key.Zero()
	return writeKeyExclusive(f.path, key)
}

// PrepareRotation writes a fresh key to PATH.next (see Rotator). commit
// renames PATH.next over PATH and syncs the directory; if it fails, the
// rotation stays pending and commit may be called again. abort removes
// PATH.next. It fails with an error wrapping api.ErrConflict while another
// rotation is pending in this process, and with one wrapping
// api.ErrFailedPrecondition when PATH.next already exists (left by an
// interrupted rotation: see Candidates).
func (f *KeyFile) PrepareRotation(ctx context.Context) (envelope.Key, func() ([]string, error), func(), error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rotating {
		return envelope.Key{}, nil, nil, fmt.Errorf("kms: a rotation of key file %s is already in progress: %w", f.path, api.ErrConflict)
	}
	next, err := envelope.NewKey()
	if err != nil {
		return envelope.Key{}, nil, nil, err
	}
	created, err := writeKeyExclusive(f.next(), next)
	if err != nil {
		return envelope.Key{}, nil, nil, err
	}
	if !created {
		return envelope.Key{}, nil, nil, fmt.Errorf("kms: %s exists, left by an interrupted rotation; "+
			"once Coffer runs with the key in %s, delete it: %w", f.next(), f.path, api.ErrFailedPrecondition)
	}
	f.rotating = true
	r := &keyFileRotation{f: f}
	return next, r.commit, r.abort, nil
}

// keyFileRotation is one prepared rotation; done makes commit and abort
// idempotent and abort a no-op after commit.
type keyFileRotation struct {
	f    *KeyFile
	done bool
}

func (r *keyFileRotation) commit() ([]string, error) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	if r.done {
		return nil, nil
	}
	if err := r.f.promote(); err != nil {
		return nil, err
	}
	r.done, r.f.rotating = true, false
	return nil, nil
}

func (r *keyFileRotation) abort() {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	if r.done {
		return
	}
	_ = r.f.discardNext() // best effort: a leftover is reported by the next PrepareRotation
	r.done, r.f.rotating = true, false
}

// Candidates returns the key of PATH and, when PATH.next exists, the key of
// PATH.next after it, for the caller to finish an interrupted rotation at
// start: keep whichever key the database accepts, then call Promote if it is
// the second, or DiscardNext if it is the first. Errors are RootKey's, for
// either file.
func (f *KeyFile) Candidates() ([]envelope.Key, error) {
	cur, err := readKeyFile(f.path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Lstat(f.next()); errors.Is(err, fs.ErrNotExist) {
		return []envelope.Key{cur}, nil
	}
	next, err := readKeyFile(f.next())
	if err != nil {
		return nil, err
	}
	return []envelope.Key{cur, next}, nil
}

// Promote renames PATH.next over PATH and syncs the directory, making the
// pending key of an interrupted rotation the key file's key. Errors wrap
// api.ErrFailedPrecondition; PATH.next missing is an error.
func (f *KeyFile) Promote() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.promote()
}

// DiscardNext removes PATH.next, the pending key of a rotation that did not
// reach the database, and syncs the directory. A missing PATH.next is not an
// error. Errors wrap api.ErrFailedPrecondition.
func (f *KeyFile) DiscardNext() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.discardNext()
}

func (f *KeyFile) next() string { return f.path + nextSuffix }

func (f *KeyFile) promote() error {
	if err := os.Rename(f.next(), f.path); err != nil {
		return fmt.Errorf("kms: renaming %s over %s: %w", f.next(), f.path, wrapFSError(err))
	}
	return syncDir(f.path)
}

func (f *KeyFile) discardNext() error {
	err := os.Remove(f.next())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kms: removing %s: %w", f.next(), wrapFSError(err))
	}
	return syncDir(f.path)
}

// readKeyFile opens path, checks that it is a regular file private to its
// owner, and parses the key it holds.
func readKeyFile(path string) (envelope.Key, error) {
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return envelope.Key{}, fmt.Errorf("kms: root key file %s does not exist (restore it from your backup; "+
			"Coffer creates one only for a new database): %w", path, api.ErrFailedPrecondition)
	}
	if err != nil {
		return envelope.Key{}, fmt.Errorf("kms: opening root key file: %w", wrapFSError(err))
	}
	defer fh.Close()
	if err := checkKeyFileMode(path, fh); err != nil {
		return envelope.Key{}, err
	}
	buf, err := io.ReadAll(io.LimitReader(fh, maxKeyFileLen+1))
	defer clear(buf)
	if err != nil {
		return envelope.Key{}, fmt.Errorf("kms: reading root key file: %w", wrapFSError(err))
	}
	key, err := envelope.ParseKey(string(buf))
	if err != nil || len(buf) > maxKeyFileLen {
		return envelope.Key{}, fmt.Errorf("kms: root key file %s does not hold a key "+
			"(want a base64 32-byte key and a newline): %w", path, api.ErrFailedPrecondition)
	}
	return key, nil
}

func checkKeyFileMode(path string, fh *os.File) error {
	fi, err := fh.Stat()
	if err != nil {
		return fmt.Errorf("kms: reading root key file: %w", wrapFSError(err))
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("kms: root key file %s is not a regular file: %w", path, api.ErrFailedPrecondition)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return fmt.Errorf("kms: root key file %s has mode %04o, which lets group or others access it; "+
			"run `chmod 600 %s`: %w", path, perm, path, api.ErrFailedPrecondition)
	}
	return nil
}

// writeKeyExclusive writes key to path if path does not exist, atomically:
// a synced temporary file in the same directory is hard-linked to path.
func writeKeyExclusive(path string, key envelope.Key) (created bool, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return false, fmt.Errorf("kms: creating key file: %w", wrapFSError(err))
	}
	defer os.Remove(tmp.Name())
	if err := writeAndSync(tmp, key); err != nil {
		return false, err
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("kms: creating key file %s: %w", path, wrapFSError(err))
	}
	if err := os.Remove(tmp.Name()); err != nil {
		return false, fmt.Errorf("kms: removing temporary key file: %w", wrapFSError(err))
	}
	return true, syncDir(path)
}

func writeAndSync(fh *os.File, key envelope.Key) error {
	err := fh.Chmod(keyFileMode)
	if err == nil {
		_, err = fh.WriteString(key.Encode() + "\n")
	}
	if err == nil {
		err = fh.Sync()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("kms: writing key file: %w", wrapFSError(err))
	}
	return nil
}

// syncDir fsyncs the directory holding path, so a created, renamed or
// removed entry survives a crash.
func syncDir(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("kms: syncing key file directory: %w", wrapFSError(err))
	}
	defer d.Close()
	if err := d.Sync(); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("kms: syncing key file directory: %w", wrapFSError(err))
	}
	return nil
}

// wrapFSError keeps the operating system's explanation (which names a path,
// never file content) and adds the kind.
func wrapFSError(err error) error {
	return fmt.Errorf("%v: %w", err, api.ErrFailedPrecondition)
}
