// Package kms supplies Coffer's root key, the key-encryption key that wraps
// every data key (ARCHITECTURE §5), from one of several providers:
//
//   - KeyFile: a 0600 file holding the key in base64 (the default);
//   - MasterKey: the COFFER_MASTER_KEY variable;
//   - Passphrase: PBKDF2-HMAC-SHA256 of an operator's passphrase and a salt;
//   - Shamir: sealed at start, unsealed by a threshold of operators' shares;
//   - Dev: a random key in memory, for `coffer server --dev`.
//
// Only internal/server chooses a provider. Providers that can replace their
// key online implement Rotator. Every provider is safe for concurrent use, and
// no error or log line of this package contains key material or shares.
//
// The package also implements Shamir's secret sharing over GF(2^8) (Split,
// Combine) and a typo-detecting text form for shares (EncodeShare,
// DecodeShare); their formats are described next to their code.
package kms

import (
	"context"

	"github.com/cofferhq/coffer/internal/envelope"
)

// Provider supplies the root key.
type Provider interface {
	// Name is the provider's kind: "keyfile", "master-key", "passphrase",
	// "shamir" or "dev".
	Name() string
	// RootKey returns the root key. While the provider is sealed the error
	// wraps api.ErrSealed; other errors say what the operator must fix.
	RootKey(ctx context.Context) (envelope.Key, error)
}

// Rotator is implemented by providers whose key can be replaced online.
//
// PrepareRotation makes a fresh root key and returns it with commit and
// abort. The caller re-wraps every data key under next and commits that to
// the store, then calls commit, which makes next the provider's key (and
// persists it, for a key file) and returns operator-facing output, such as
// the new Shamir shares (empty for a key file). If anything fails before,
// the caller calls abort, which discards next. Calling abort after a
// successful commit does nothing, so `defer abort()` is safe. Only one
// rotation may be prepared at a time; a second PrepareRotation fails with an
// error wrapping api.ErrConflict until the first is committed or aborted.
type Rotator interface {
	PrepareRotation(ctx context.Context) (next envelope.Key, commit func() ([]string, error), abort func(), err error)
}
