package envelope

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/cofferhq/coffer/api"
)

// KeySize is the size of a Key in bytes.
const KeySize = 32

const redacted = "REDACTED"

// Key is a 256-bit symmetric key: a root key, a data key or a key-encryption
// key. It prints as REDACTED with every fmt verb, in slog and in JSON; Encode
// reveals it on purpose, for key files.
type Key [KeySize]byte

// NewKey returns a fresh random key from crypto/rand. An error means the
// system's random source failed; the key must not be used.
func NewKey() (Key, error) {
	var k Key
	if _, err := io.ReadFull(rand.Reader, k[:]); err != nil {
		return Key{}, fmt.Errorf("envelope: reading random key: %w", api.ErrInternal)
	}
	return k, nil
}

// Zero overwrites the key with zeros. Call it when a key is no longer needed;
// Go may still hold earlier copies, so this narrows exposure, it does not end it.
func (k *Key) Zero() { clear(k[:]) }

// ParseKey parses a key written as standard base64 (with padding) or as 64
// hexadecimal digits, ignoring surrounding white space. Both forms must
// decode to exactly 32 bytes. The error wraps api.ErrInvalid and never
// repeats s.
func ParseKey(s string) (Key, error) {
	s = strings.TrimSpace(s)
	var k Key
	if len(s) == hex.EncodedLen(KeySize) {
		if _, err := hex.Decode(k[:], []byte(s)); err == nil {
			return k, nil
		}
		clear(k[:])
	}
	b, err := base64.StdEncoding.DecodeString(s)
	defer clear(b)
	if err != nil || len(b) != KeySize {
		return Key{}, fmt.Errorf("envelope: key (%d characters) is neither base64 of 32 bytes nor 64 hex digits: %w", len(s), api.ErrInvalid)
	}
	copy(k[:], b)
	return k, nil
}

// Encode returns the key as standard base64 with padding, the form key files
// and COFFER_MASTER_KEY hold. It reveals the key: use it only to store it.
func (k Key) Encode() string { return base64.StdEncoding.EncodeToString(k[:]) }

// ID returns a short fingerprint of the key that is safe to store and log:
// the first 8 bytes of SHA-256("coffer key id v1" || key) in hexadecimal.
func (k Key) ID() string {
	h := sha256.New()
	h.Write([]byte("coffer key id v1"))
	h.Write(k[:])
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// IsZero reports whether every byte of the key is zero, which is never a key
// that NewKey returns and usually means a key was not set.
func (k Key) IsZero() bool { return k == Key{} }

// String returns REDACTED.
func (k Key) String() string { return redacted }

// GoString returns REDACTED, so %#v does not reveal the key.
func (k Key) GoString() string { return redacted }

// Format writes REDACTED for every verb, so that %d or %x do not print the
// bytes of the array.
func (k Key) Format(f fmt.State, verb rune) { io.WriteString(f, redacted) }

// LogValue implements slog.LogValuer and returns REDACTED.
func (k Key) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns REDACTED, so a Key inside a JSON or text document never
// appears in clear. It has no UnmarshalText counterpart: reading REDACTED back
// fails instead of yielding a wrong key.
func (k Key) MarshalText() ([]byte, error) { return []byte(redacted), nil }
