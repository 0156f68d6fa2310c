// Package envelope is Coffer's encryption layer: 256-bit keys, key wrapping
// and AES-256-GCM sealing of payloads bound to the row they belong to.
//
// # Model
//
// A root key (the key-encryption key, supplied by package kms) wraps data
// keys with Wrap and Unwrap. Each Secrets Manager instance has data keys
// numbered by term; a Keyring holds the unwrapped data keys of one instance,
// one term being current for new writes. Seal encrypts a payload under the
// current term and Open decrypts under whatever term the ciphertext names, so
// old payloads stay readable while a background job re-encrypts them
// (CiphertextTerm tells it which ones are still on an old term).
//
// # Invariants
//
//   - Every ciphertext is bound to a Binding (instance, secret, version) and to
//     its term through the GCM associated data: a ciphertext copied to another
//     row, or relabelled with another term, fails to open.
//   - Nonces are 96 random bits from crypto/rand, fresh for every Seal and Wrap.
//     At the NIST bound of 2^32 messages per key, a data key should be rotated
//     (a new term) long before that many payloads are written under it.
//   - Keys print as REDACTED in fmt, slog and JSON; errors never hold key
//     material or plaintext. The package does no I/O besides crypto/rand.
//
// # Formats
//
// All multi-byte integers are big endian. Every format starts with a version
// byte; version 1 is the only one defined.
//
// Wrapped key (Wrap, Unwrap), 61 bytes:
//
//	0x01 | nonce (12 bytes) | AES-256-GCM(kek, dek (32 bytes)) with its 16-byte tag
//
// with GCM associated data "coffer-wrap-v1:" || ad, where ad is the caller's
// associated data (for example the instance and term the data key serves).
//
// Ciphertext (Keyring.Seal, Keyring.Open):
//
//	0x01 | term (8 bytes, int64) | nonce (12 bytes) | AES-256-GCM(dataKey, plaintext) with its 16-byte tag
//
// with GCM associated data made of five length-prefixed fields, each a
// uvarint byte length followed by the bytes:
//
//	"coffer-envelope-v1", Binding.Instance, Binding.Secret, Binding.Version, term (8 bytes)
//
// The length prefixes make the encoding injective: ("a", "bc") and ("ab", "c")
// give different associated data.
//
// Key text (Key.Encode, ParseKey): standard base64 with padding of the 32 key
// bytes; ParseKey also accepts 64 hexadecimal digits.
//
// Key ID (Key.ID): the first 8 bytes of SHA-256("coffer key id v1" || key),
// as 16 lowercase hexadecimal digits. It names a key without revealing it.
package envelope
