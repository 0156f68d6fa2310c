package kms

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/envelope"
)

// Parameters of the passphrase provider. The key is
// PBKDF2-HMAC-SHA256(passphrase, salt, PassphraseIterations, 32 bytes);
// changing any of them changes the key, so they are fixed for version 1.
const (
	PassphraseIterations = 600_000 // OWASP's 2023 figure for PBKDF2-HMAC-SHA256
	MinPassphraseLen     = 12      // in characters
	MinSaltLen           = 16      // in bytes
	saltLen              = 16
)

// Passphrase is the provider whose root key is derived from an operator's
// passphrase and a salt that the caller stores (in the database). It cannot
// rotate online: the key changes only with the passphrase.
type Passphrase struct {
	key envelope.Key
}

// NewPassphrase derives the key, which takes a fraction of a second on
// purpose. Errors wrap api.ErrInvalid: a passphrase shorter than 12
// characters or a salt shorter than 16 bytes. They never contain the
// passphrase.
func NewPassphrase(passphrase string, salt []byte) (*Passphrase, error) {
	if n := utf8.RuneCountInString(passphrase); n < MinPassphraseLen {
		return nil, fmt.Errorf("kms: the passphrase has %d characters, want at least %d: %w", n, MinPassphraseLen, api.ErrInvalid)
	}
	if len(salt) < MinSaltLen {
		return nil, fmt.Errorf("kms: the passphrase salt has %d bytes, want at least %d: %w", len(salt), MinSaltLen, api.ErrInvalid)
	}
	b, err := pbkdf2.Key(sha256.New, passphrase, salt, PassphraseIterations, envelope.KeySize)
	if err != nil {
		return nil, fmt.Errorf("kms: deriving the key from the passphrase: %w", api.ErrInternal)
	}
	defer clear(b)
	p := &Passphrase{}
	copy(p.key[:], b)
	return p, nil
}

// NewSalt returns a fresh random 16-byte salt for NewPassphrase. An error
// means the random source failed.
func NewSalt() ([]byte, error) {
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(rand.Reader, salt); err != nil {
		return nil, fmt.Errorf("kms: reading random salt: %w", api.ErrInternal)
	}
	return salt, nil
}

// Name returns "passphrase".
func (p *Passphrase) Name() string { return "passphrase" }

// RootKey returns the derived key; it never fails.
func (p *Passphrase) RootKey(ctx context.Context) (envelope.Key, error) { return p.key, nil }
