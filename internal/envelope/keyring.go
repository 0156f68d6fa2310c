package envelope

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/cofferhq/coffer/api"
)

const (
	headerSize    = 1 + 8 + nonceSize
	minCiphertext = headerSize + tagSize
	envelopeLabel = "coffer-envelope-v1"
)

// Errors of Keyring.Open and CiphertextTerm. Every failure to open wraps
// ErrDecrypt, which wraps api.ErrInternal: a payload that does not open means
// corrupted storage or a misplaced row, never a caller's mistake.
// ErrUnknownTerm (which also wraps ErrDecrypt) says the ciphertext names a
// term the keyring does not hold, typically a data key not loaded yet.
var (
	ErrDecrypt     = fmt.Errorf("envelope: cannot decrypt: %w", api.ErrInternal)
	ErrUnknownTerm = fmt.Errorf("envelope: unknown key term: %w", ErrDecrypt)
)

// Binding names the row a ciphertext belongs to. It is the associated data of
// Seal and Open, so a ciphertext copied to another instance, secret or
// version fails to open. Empty fields are allowed and are distinct from any
// non-empty value.
type Binding struct {
	Instance string // instance GUID
	Secret   string // secret ID
	Version  string // version ID
}

// Keyring is an immutable set of data keys by term, one of them current for
// new writes. It keeps an AES-GCM instance per term, not the keys themselves,
// and is safe for concurrent use. Build a new Keyring to add a term.
type Keyring struct {
	aeads   map[int64]cipher.AEAD
	current int64
}

// NewKeyring returns a keyring holding keys, with current as the term for new
// writes. Terms start at 1. The keyring does not retain the map: the caller
// may zero its keys afterwards. Errors wrap api.ErrInvalid: no keys, a term
// below 1, or current not among the terms.
func NewKeyring(keys map[int64]Key, current int64) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("envelope: keyring needs at least one key: %w", api.ErrInvalid)
	}
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("envelope: current term %d has no key: %w", current, api.ErrInvalid)
	}
	aeads := make(map[int64]cipher.AEAD, len(keys))
	for term, key := range keys {
		if term < 1 {
			return nil, fmt.Errorf("envelope: key term %d is below 1: %w", term, api.ErrInvalid)
		}
		aead, err := newAEAD(key)
		if err != nil {
			return nil, err
		}
		aeads[term] = aead
	}
	return &Keyring{aeads: aeads, current: current}, nil
}

// Current returns the term that Seal uses.
func (k *Keyring) Current() int64 { return k.current }

// Has reports whether the keyring holds a key for term.
func (k *Keyring) Has(term int64) bool {
	_, ok := k.aeads[term]
	return ok
}

// Seal encrypts plaintext under the current term, bound to b, in ciphertext
// format version 1 (see the package documentation). The ciphertext is 37
// bytes longer than plaintext. An error means the random source failed.
func (k *Keyring) Seal(b Binding, plaintext []byte) ([]byte, error) {
	out := make([]byte, headerSize, headerSize+len(plaintext)+tagSize)
	out[0] = formatV1
	binary.BigEndian.PutUint64(out[1:9], uint64(k.current))
	nonce := out[9:headerSize]
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return nil, fmt.Errorf("envelope: reading random nonce: %w", api.ErrInternal)
	}
	return k.aeads[k.current].Seal(out, nonce, plaintext, associatedData(b, k.current)), nil
}

// Open decrypts a ciphertext made by Seal, with the key of the term the
// ciphertext names. It fails with an error wrapping ErrUnknownTerm when the
// keyring lacks that term, and with one wrapping ErrDecrypt when the
// ciphertext is malformed, altered, or bound to another Binding or term.
// The returned plaintext is a new slice the caller owns.
func (k *Keyring) Open(b Binding, ciphertext []byte) ([]byte, error) {
	term, err := CiphertextTerm(ciphertext)
	if err != nil {
		return nil, err
	}
	aead, ok := k.aeads[term]
	if !ok {
		return nil, fmt.Errorf("envelope: ciphertext term %d is not in the keyring: %w", term, ErrUnknownTerm)
	}
	plaintext, err := aead.Open(nil, ciphertext[9:headerSize], ciphertext[headerSize:], associatedData(b, term))
	if err != nil {
		return nil, ErrDecrypt
	}
	return plaintext, nil
}

// CiphertextTerm returns the term a ciphertext was sealed under, without
// decrypting it, so a background job can find payloads to re-encrypt. It
// fails with an error wrapping ErrDecrypt when ciphertext is too short or
// has an unknown format version.
func CiphertextTerm(ciphertext []byte) (int64, error) {
	if len(ciphertext) < minCiphertext {
		return 0, fmt.Errorf("envelope: ciphertext has %d bytes, want at least %d: %w", len(ciphertext), minCiphertext, ErrDecrypt)
	}
	if ciphertext[0] != formatV1 {
		return 0, fmt.Errorf("envelope: unknown ciphertext version %d: %w", ciphertext[0], ErrDecrypt)
	}
	return int64(binary.BigEndian.Uint64(ciphertext[1:9])), nil
}

// associatedData encodes the GCM associated data of a ciphertext: the label,
// the three Binding fields and the term, each string preceded by its uvarint
// length so that no two distinct inputs share an encoding.
func associatedData(b Binding, term int64) []byte {
	n := 4*binary.MaxVarintLen64 + len(envelopeLabel) + len(b.Instance) + len(b.Secret) + len(b.Version) + 8
	ad := make([]byte, 0, n)
	for _, s := range [...]string{envelopeLabel, b.Instance, b.Secret, b.Version} {
		ad = binary.AppendUvarint(ad, uint64(len(s)))
		ad = append(ad, s...)
	}
	ad = binary.AppendUvarint(ad, 8)
	return binary.BigEndian.AppendUint64(ad, uint64(term))
}
