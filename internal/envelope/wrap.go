package envelope

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"io"

	"github.com/cofferhq/coffer/api"
)

// Format constants shared by wrapped keys and ciphertexts; see the package
// documentation for the layouts.
const (
	formatV1  = 0x01
	nonceSize = 12
	tagSize   = 16

	wrappedSize = 1 + nonceSize + KeySize + tagSize
	wrapLabel   = "coffer-wrap-v1:"
)

// ErrWrongKey is returned by Unwrap when the key-encryption key is wrong, the
// associated data differs from the one given to Wrap, or the wrapped key was
// altered or truncated. These cases cannot be told apart by design.
var ErrWrongKey = fmt.Errorf("envelope: wrong key or corrupted data: %w", api.ErrFailedPrecondition)

// Wrap seals the data key dek under the key-encryption key kek, binding it to
// the associated data ad (nil and empty ad are the same). The result is in
// wrapped key format version 1 (see the package documentation). An error
// means the random source failed.
func Wrap(kek, dek Key, ad []byte) ([]byte, error) {
	aead, err := newAEAD(kek)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+nonceSize, wrappedSize)
	out[0] = formatV1
	if _, err := io.ReadFull(rand.Reader, out[1:]); err != nil {
		return nil, fmt.Errorf("envelope: reading random nonce: %w", api.ErrInternal)
	}
	return aead.Seal(out, out[1:], dek[:], wrapAD(ad)), nil
}

// Unwrap opens a key sealed by Wrap with the same kek and ad. A wrong kek, a
// different ad, an unknown format version or any alteration of wrapped gives
// an error wrapping ErrWrongKey (and so api.ErrFailedPrecondition).
func Unwrap(kek Key, wrapped, ad []byte) (Key, error) {
	if len(wrapped) != wrappedSize {
		return Key{}, fmt.Errorf("envelope: wrapped key has %d bytes, want %d: %w", len(wrapped), wrappedSize, ErrWrongKey)
	}
	if wrapped[0] != formatV1 {
		return Key{}, fmt.Errorf("envelope: unknown wrapped key version %d: %w", wrapped[0], ErrWrongKey)
	}
	aead, err := newAEAD(kek)
	if err != nil {
		return Key{}, err
	}
	var dek Key
	if _, err := aead.Open(dek[:0], wrapped[1:1+nonceSize], wrapped[1+nonceSize:], wrapAD(ad)); err != nil {
		dek.Zero()
		return Key{}, ErrWrongKey
	}
	return dek, nil
}

// wrapAD prefixes the caller's associated data with a fixed label, so that a
// wrapped key can never be confused with a payload ciphertext.
func wrapAD(ad []byte) []byte {
	b := make([]byte, 0, len(wrapLabel)+len(ad))
	return append(append(b, wrapLabel...), ad...)
}

// newAEAD returns AES-256-GCM with a 12-byte nonce and a 16-byte tag.
func newAEAD(k Key) (cipher.AEAD, error) {
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, fmt.Errorf("envelope: creating cipher: %w", api.ErrInternal)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("envelope: creating GCM: %w", api.ErrInternal)
	}
	return aead, nil
}
