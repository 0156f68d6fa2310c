package kms

import (
	"context"
	"fmt"
	"sync"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/envelope"
)

// Shamir is the provider whose root key is split into shares held by
// operators. It starts sealed; Unseal collects shares until the threshold is
// reached, rebuilds the key and verifies it with the check function. Nothing
// is stored on disk: the threshold and share count live in the caller's
// database. It is safe for concurrent use.
type Shamir struct {
	check func(envelope.Key) error

	unsealMu sync.Mutex // serializes Unseal and Init; held while check runs

	mu        sync.Mutex // guards the fields below; never held while check runs
	threshold int        // k; 0 until known
	shares    int        // n; 0 until Init or SetShareCount
	key       *envelope.Key
	collected [][]byte // distinct binary shares given since the last reset
	gen       uint64   // incremented by Seal, to spot a Seal during a check or rotation
	rotating  bool
}

// NewShamir returns a sealed provider needing threshold shares (0 for a
// server not initialized yet: Init sets it). check verifies a rebuilt key,
// typically against the database, and must not call back into Unseal or
// Init; nil accepts any rebuilt key, leaving verification to the caller.
func NewShamir(threshold int, check func(envelope.Key) error) *Shamir {
	return &Shamir{threshold: threshold, check: check}
}

// Name returns "shamir".
func (s *Shamir) Name() string { return "shamir" }

// RootKey returns the rebuilt key, or an error wrapping api.ErrSealed that
// gives the unseal progress.
func (s *Shamir) RootKey(ctx context.Context) (envelope.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key == nil {
		return envelope.Key{}, fmt.Errorf("kms: sealed, %d of %d unseal shares given: %w", len(s.collected), s.threshold, api.ErrSealed)
	}
	return *s.key, nil
}

// Sealed reports whether the provider lacks its key.
func (s *Shamir) Sealed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.key == nil
}

// Progress returns how many shares were given so far and how many are needed.
func (s *Shamir) Progress() (have, need int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.collected), s.threshold
}

// Seal forgets the key and any shares given so far.
func (s *Shamir) Seal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forget()
	s.gen++
}

// forget zeroes and drops the key and the collected shares; s.mu is held.
func (s *Shamir) forget() {
	if s.key != nil {
		s.key.Zero()
		s.key = nil
	}
	s.clearCollected()
}

func (s *Shamir) clearCollected() {
	for _, c := range s.collected {
		clear(c)
	}
	s.collected = nil
}

// SetShareCount records how many shares the current key was split into (the
// n of Init, kept in the database), which PrepareRotation needs after a
// restart. The error wraps api.ErrInvalid unless threshold <= n <= 255.
func (s *Shamir) SetShareCount(n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < max(s.threshold, MinThreshold) || n > MaxShares {
		return fmt.Errorf("kms: %d shares with threshold %d: need threshold <= shares <= 255: %w", n, s.threshold, api.ErrInvalid)
	}
	s.shares = n
	return nil
}

// Init creates a new random root key, splits it into n shares any k of which
// rebuild it, and returns the key and the shares in text form (EncodeShare).
// The provider is then unsealed with that key and needs k shares from now
// on. Nothing is stored: the caller records n, k and a check value, and hands
// the shares to the operators. Errors wrap api.ErrInvalid (n and k out of
// range, see Split) or api.ErrFailedPrecondition (the provider is unsealed
// or rotating: it already has a key).
func (s *Shamir) Init(n, k int) (envelope.Key, []string, error) {
	s.unsealMu.Lock()
	defer s.unsealMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil || s.rotating {
		return envelope.Key{}, nil, fmt.Errorf("kms: cannot initialize: the provider already holds a root key: %w", api.ErrFailedPrecondition)
	}
	key, shares, err := newSplitKey(n, k)
	if err != nil {
		return envelope.Key{}, nil, err
	}
	s.clearCollected()
	s.threshold, s.shares = k, n
	held := key
	s.key = &held
	return key, shares, nil
}

// newSplitKey returns a fresh key and its n shares, threshold k, in text form.
func newSplitKey(n, k int) (envelope.Key, []string, error) {
	key, err := envelope.NewKey()
	if err != nil {
		return envelope.Key{}, nil, err
	}
	raw, err := Split(key[:], n, k)
	if err != nil {
		key.Zero()
		return envelope.Key{}, nil, err
	}
	shares := make([]string, len(raw))
	for i, r := range raw {
		shares[i] = EncodeShare(r)
		clear(r)
	}
	return key, shares, nil
}

// Unseal adds one share in text form and reports the progress. Shares are
// collected until the threshold is reached; then the key is rebuilt and
// verified with check. Outcomes:
//   - a share that does not decode, is not a root key share, or repeats the
//     point of a share already given: an error wrapping api.ErrInvalid; the
//     shares given so far are kept;
//   - a rebuilt key that check refuses (shares of another key, or a mistyped
//     share that passed its checksum by chance): the collected shares are
//     cleared and the error, wrapping api.ErrInvalid, says "shares do not
//     reconstruct the root key";
//   - a provider not initialized (threshold unknown): api.ErrFailedPrecondition;
//   - an already unsealed provider: (threshold, threshold, true, nil), and the
//     share is ignored.
func (s *Shamir) Unseal(share string) (progress, threshold int, unsealed bool, err error) {
	s.unsealMu.Lock()
	defer s.unsealMu.Unlock()
	raw, decodeErr := DecodeShare(share)
	s.mu.Lock()
	if s.key != nil {
		defer s.mu.Unlock()
		clear(raw)
		return s.threshold, s.threshold, true, nil
	}
	if err := s.addShare(raw, decodeErr); err != nil || len(s.collected) < s.threshold {
		defer s.mu.Unlock()
		return len(s.collected), s.threshold, false, err
	}
	shares, gen, need := s.collected, s.gen, s.threshold
	s.collected = nil
	s.mu.Unlock()

	key, err := s.rebuild(shares)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		return 0, need, false, err
	}
	if gen != s.gen {
		key.Zero()
		return 0, need, false, fmt.Errorf("kms: sealed while the shares were checked; unseal again: %w", api.ErrConflict)
	}
	s.key = &key
	return need, need, true, nil
}

// addShare validates a decoded share against the collected ones and adds it;
// s.mu is held.
func (s *Shamir) addShare(raw []byte, decodeErr error) error {
	if s.threshold == 0 {
		return fmt.Errorf("kms: not initialized: run `coffer operator init` first: %w", api.ErrFailedPrecondition)
	}
	if s.threshold < MinThreshold || s.threshold > MaxShares {
		return fmt.Errorf("kms: the unseal threshold %d is out of range 2..255: %w", s.threshold, api.ErrFailedPrecondition)
	}
	if decodeErr != nil {
		return decodeErr
	}
	if len(raw) != 1+envelope.KeySize {
		clear(raw)
		return fmt.Errorf("kms: this share is not a share of a root key (wrong length): %w", api.ErrInvalid)
	}
	for _, c := range s.collected {
		if x := raw[0]; c[0] == x {
			clear(raw)
			return fmt.Errorf("kms: share number %d was already given: %w", x, api.ErrInvalid)
		}
	}
	s.collected = append(s.collected, raw)
	return nil
}

// rebuild combines shares (and zeroes them) and verifies the key with check.
func (s *Shamir) rebuild(shares [][]byte) (envelope.Key, error) {
	secret, err := Combine(shares)
	for _, sh := range shares {
		clear(sh)
	}
	var key envelope.Key
	if err == nil {
		copy(key[:], secret)
		clear(secret)
		if s.check != nil {
			err = s.check(key)
		}
	}
	if err != nil {
		key.Zero()
		return envelope.Key{}, fmt.Errorf("kms: shares do not reconstruct the root key (%v); the shares given were discarded, start again: %w",
			err, api.ErrInvalid)
	}
	return key, nil
}

// PrepareRotation makes a new random root key and splits it like the current
// one (see Rotator); commit makes it the provider's key and returns its
// shares in text form, to hand to the operators once. If the provider was
// sealed between prepare and commit, commit leaves it sealed: it must be
// unsealed with the new shares. Errors wrap api.ErrSealed (no key to rotate),
// api.ErrConflict (a rotation is pending) or api.ErrFailedPrecondition (the
// share count is unknown: call SetShareCount after a restart).
func (s *Shamir) PrepareRotation(ctx context.Context) (envelope.Key, func() ([]string, error), func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.key == nil:
		return envelope.Key{}, nil, nil, fmt.Errorf("kms: cannot rotate the root key while sealed: %w", api.ErrSealed)
	case s.rotating:
		return envelope.Key{}, nil, nil, fmt.Errorf("kms: a root key rotation is already in progress: %w", api.ErrConflict)
	case s.shares == 0:
		return envelope.Key{}, nil, nil, fmt.Errorf("kms: the number of shares to issue is unknown (SetShareCount was not called): %w", api.ErrFailedPrecondition)
	}
	next, shares, err := newSplitKey(s.shares, s.threshold)
	if err != nil {
		return envelope.Key{}, nil, nil, err
	}
	s.rotating = true
	r := &shamirRotation{s: s, next: next, shares: shares, gen: s.gen}
	return next, r.commit, r.abort, nil
}

// shamirRotation is one prepared rotation of a Shamir provider.
type shamirRotation struct {
	s      *Shamir
	next   envelope.Key
	shares []string
	gen    uint64
	done   bool
}

func (r *shamirRotation) commit() ([]string, error) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if r.done {
		return r.shares, nil
	}
	if r.s.key != nil {
		r.s.key.Zero()
		r.s.key = nil
	}
	if r.gen == r.s.gen { // not sealed meanwhile
		next := r.next
		r.s.key = &next
	}
	r.next.Zero()
	r.done, r.s.rotating = true, false
	return r.shares, nil
}

func (r *shamirRotation) abort() {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if r.done {
		return
	}
	r.next.Zero()
	r.shares = nil
	r.done, r.s.rotating = true, false
}
