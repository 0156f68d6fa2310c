package kms

import (
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/cofferhq/coffer/api"
)

// testPassphrase derives the test passphrase's key once per test binary:
// 600,000 rounds of PBKDF2 take seconds under the race detector.
var testPassphrase = sync.OnceValues(func() (*Passphrase, error) {
	return NewPassphrase("correct horse battery stäple", []byte("0123456789abcdef"))
})

func TestPassphraseKnownKey(t *testing.T) {
	// python3 -c "import hashlib; print(hashlib.pbkdf2_hmac('sha256',
	//   'correct horse battery stäple'.encode(), b'0123456789abcdef', 600000).hex())"
	const want = "a643ed9ef1190845550edaeac000f00e3bf05853a06b0c346119f7b952379a5c"
	p, err := testPassphrase()
	if err != nil {
		t.Fatalf("NewPassphrase() error = %v", err)
	}
	key := mustRootKey(t, p)
	if got := hex.EncodeToString(key[:]); got != want {
		t.Errorf("passphrase key = %s, want %s", got, want)
	}
	if p.Name() != "passphrase" {
		t.Errorf("Name() = %q, want passphrase", p.Name())
	}
}

func TestPassphraseRefusals(t *testing.T) {
	salt := []byte("0123456789abcdef")
	tests := []struct {
		name, passphrase string
		salt             []byte
	}{
		{"short passphrase", "eleven-char", salt},
		{"short in characters, long in bytes", "ééééééééééé", salt},
		{"empty passphrase", "", salt},
		{"short salt", "a long enough passphrase", salt[:15]},
		{"no salt", "a long enough passphrase", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPassphrase(tt.passphrase, tt.salt)
			if !errors.Is(err, api.ErrInvalid) {
				t.Fatalf("NewPassphrase(%d chars, %d-byte salt) error = %v, want api.ErrInvalid", len(tt.passphrase), len(tt.salt), err)
			}
			if tt.passphrase != "" && strings.Contains(err.Error(), tt.passphrase) {
				t.Errorf("NewPassphrase error %q reveals the passphrase", err)
			}
		})
	}
}

func TestNewSalt(t *testing.T) {
	a, err := NewSalt()
	if err != nil || len(a) < MinSaltLen {
		t.Fatalf("NewSalt() = %d bytes, %v; want at least %d, nil", len(a), err, MinSaltLen)
	}
	b, _ := NewSalt()
	if string(a) == string(b) {
		t.Errorf("NewSalt() twice gave the same salt")
	}
}
