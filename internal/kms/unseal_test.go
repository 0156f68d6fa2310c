package kms

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/envelope"
)

// initShamir returns a provider initialized with n shares, threshold k, then
// sealed, with a check that accepts only the key Init made.
func initShamir(tb testing.TB, n, k int) (*Shamir, envelope.Key, []string) {
	tb.Helper()
	var want envelope.Key
	s := NewShamir(0, func(key envelope.Key) error {
		if key != want {
			return errors.New("root key check value does not match")
		}
		return nil
	})
	key, shares, err := s.Init(n, k)
	if err != nil {
		tb.Fatalf("Init(%d, %d) error = %v", n, k, err)
	}
	if len(shares) != n {
		tb.Fatalf("Init(%d, %d) gave %d shares", n, k, len(shares))
	}
	want = key
	s.Seal()
	return s, key, shares
}

func mustUnseal(tb testing.TB, s *Shamir, share string, wantProgress int, wantUnsealed bool) {
	tb.Helper()
	p, th, unsealed, err := s.Unseal(share)
	if err != nil || p != wantProgress || unsealed != wantUnsealed {
		tb.Fatalf("Unseal() = %d/%d, %v, %v; want %d, %v, nil", p, th, unsealed, err, wantProgress, wantUnsealed)
	}
}

func TestShamirInitLeavesUnsealed(t *testing.T) {
	s := NewShamir(0, nil)
	if !s.Sealed() {
		t.Fatalf("a new Shamir provider is not sealed")
	}
	key, _, err := s.Init(5, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustRootKey(t, s); got != key {
		t.Errorf("RootKey() after Init = %s, want %s", got.ID(), key.ID())
	}
	if have, need := s.Progress(); have != 0 || need != 3 {
		t.Errorf("Progress() = %d, %d; want 0, 3", have, need)
	}
	if _, _, err := s.Init(5, 3); !errors.Is(err, api.ErrFailedPrecondition) {
		t.Errorf("second Init() error = %v, want api.ErrFailedPrecondition", err)
	}
	s.Seal()
	if _, _, err := NewShamir(0, nil).Init(3, 1); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("Init(3, 1) error = %v, want api.ErrInvalid", err)
	}
}

func TestShamirUnseal(t *testing.T) {
	s, key, shares := initShamir(t, 5, 3)
	_, err := s.RootKey(context.Background())
	if !errors.Is(err, api.ErrSealed) {
		t.Fatalf("RootKey() while sealed error = %v, want api.ErrSealed", err)
	}
	mustUnseal(t, s, shares[4], 1, false)
	if _, _, _, err := s.Unseal(shares[4]); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("Unseal(same share again) error = %v, want api.ErrInvalid", err)
	}
	if _, _, _, err := s.Unseal("coffer-share-v1-garbage"); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("Unseal(garbage) error = %v, want api.ErrInvalid", err)
	}
	if have, need := s.Progress(); have != 1 || need != 3 {
		t.Errorf("Progress() after refused shares = %d, %d; want 1, 3", have, need)
	}
	mustUnseal(t, s, strings.ToUpper(shares[0]), 2, false)
	mustUnseal(t, s, shares[2], 3, true)
	if got := mustRootKey(t, s); got != key {
		t.Errorf("RootKey() after unseal = %s, want %s", got.ID(), key.ID())
	}
	mustUnseal(t, s, "anything", 3, true) // already unsealed
	s.Seal()
	if !s.Sealed() {
		t.Errorf("Sealed() after Seal = false")
	}
	if have, _ := s.Progress(); have != 0 {
		t.Errorf("Progress() after Seal = %d, want 0", have)
	}
}

func TestShamirUnsealWrongShares(t *testing.T) {
	s, key, shares := initShamir(t, 3, 2)
	_, _, other := initShamir(t, 3, 2)
	mustUnseal(t, s, shares[0], 1, false)
	p, _, unsealed, err := s.Unseal(other[1])
	if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), "shares do not reconstruct the root key") || unsealed || p != 0 {
		t.Fatalf("Unseal(share of another key) = %d, %v, %v; want 0, false, api.ErrInvalid", p, unsealed, err)
	}
	if have, _ := s.Progress(); have != 0 {
		t.Errorf("Progress() after a failed check = %d, want 0 (shares cleared)", have)
	}
	mustUnseal(t, s, shares[1], 1, false)
	mustUnseal(t, s, shares[2], 2, true)
	if got := mustRootKey(t, s); got != key {
		t.Errorf("RootKey() = %s, want %s", got.ID(), key.ID())
	}
}

func TestShamirUnsealRefusesNonRootShare(t *testing.T) {
	s, _, _ := initShamir(t, 3, 2)
	raw, _ := Split([]byte("short secret"), 3, 2)
	if _, _, _, err := s.Unseal(EncodeShare(raw[0])); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("Unseal(share of a 12-byte secret) error = %v, want api.ErrInvalid", err)
	}
}

func TestShamirUninitialized(t *testing.T) {
	s := NewShamir(0, nil)
	share := EncodeShare(append([]byte{1}, make([]byte, 32)...))
	if _, _, _, err := s.Unseal(share); !errors.Is(err, api.ErrFailedPrecondition) {
		t.Errorf("Unseal() before Init error = %v, want api.ErrFailedPrecondition", err)
	}
	if _, _, _, err := s.PrepareRotation(context.Background()); !errors.Is(err, api.ErrSealed) {
		t.Errorf("PrepareRotation() while sealed error = %v, want api.ErrSealed", err)
	}
}

func TestShamirRotation(t *testing.T) {
	s, old, shares := initShamir(t, 4, 2)
	mustUnseal(t, s, shares[0], 1, false)
	mustUnseal(t, s, shares[1], 2, true)
	next, commit, abort, err := s.PrepareRotation(context.Background())
	if err != nil {
		t.Fatalf("PrepareRotation() error = %v", err)
	}
	defer abort()
	if got := mustRootKey(t, s); got != old {
		t.Errorf("RootKey() before commit = %s, want %s", got.ID(), old.ID())
	}
	newShares, err := commit()
	if err != nil || len(newShares) != 4 {
		t.Fatalf("commit() = %d shares, %v; want 4, nil", len(newShares), err)
	}
	if got := mustRootKey(t, s); got != next {
		t.Errorf("RootKey() after commit = %s, want %s", got.ID(), next.ID())
	}
	raw := make([][]byte, 2)
	for i := range raw {
		if raw[i], err = DecodeShare(newShares[i+2]); err != nil {
			t.Fatal(err)
		}
	}
	secret, err := Combine(raw)
	if err != nil || envelope.Key(secret) != next {
		t.Errorf("Combine(new shares) = %v; want the new key %s", err, next.ID())
	}
}

func TestShamirRotationAfterRestartNeedsShareCount(t *testing.T) {
	_, key, shares := initShamir(t, 3, 2)
	s := NewShamir(2, func(k envelope.Key) error {
		if k != key {
			return errors.New("mismatch")
		}
		return nil
	})
	mustUnseal(t, s, shares[0], 1, false)
	mustUnseal(t, s, shares[1], 2, true)
	if _, _, _, err := s.PrepareRotation(context.Background()); !errors.Is(err, api.ErrFailedPrecondition) {
		t.Fatalf("PrepareRotation() without a share count error = %v, want api.ErrFailedPrecondition", err)
	}
	if err := s.SetShareCount(1); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("SetShareCount(1) with threshold 2 error = %v, want api.ErrInvalid", err)
	}
	if err := s.SetShareCount(3); err != nil {
		t.Fatalf("SetShareCount(3) error = %v", err)
	}
	_, commit, _, err := s.PrepareRotation(context.Background())
	if err != nil {
		t.Fatalf("PrepareRotation() error = %v", err)
	}
	if _, _, _, err := s.PrepareRotation(context.Background()); !errors.Is(err, api.ErrConflict) {
		t.Errorf("second PrepareRotation() error = %v, want api.ErrConflict", err)
	}
	if got, err := commit(); err != nil || len(got) != 3 {
		t.Errorf("commit() = %d shares, %v; want 3, nil", len(got), err)
	}
}

func TestShamirRotationSealedBeforeCommit(t *testing.T) {
	s := NewShamir(0, nil)
	if _, _, err := s.Init(3, 2); err != nil {
		t.Fatal(err)
	}
	_, commit, _, err := s.PrepareRotation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.Seal()
	if shares, err := commit(); err != nil || len(shares) != 3 {
		t.Errorf("commit() after Seal = %d shares, %v; want 3, nil", len(shares), err)
	}
	if !s.Sealed() {
		t.Errorf("commit() unsealed a provider that was sealed meanwhile")
	}
}

func TestShamirConcurrentUnseal(t *testing.T) {
	s, key, shares := initShamir(t, 10, 4)
	var wg sync.WaitGroup
	for i := range shares {
		wg.Go(func() {
			_, _, _, _ = s.Unseal(shares[i])
			_, _ = s.RootKey(context.Background())
			s.Progress()
		})
	}
	wg.Wait()
	if got := mustRootKey(t, s); got != key {
		t.Errorf("RootKey() after concurrent unseal = %s, want %s", got.ID(), key.ID())
	}
}

func TestShamirErrorsHoldNoShares(t *testing.T) {
	s, _, shares := initShamir(t, 3, 2)
	_, _, other := initShamir(t, 3, 2)
	mustUnseal(t, s, shares[0], 1, false)
	_, _, _, err := s.Unseal(other[1])
	for _, sh := range append(shares, other...) {
		body := strings.TrimPrefix(sh, sharePrefix)
		if strings.Contains(err.Error(), body[:10]) {
			t.Errorf("Unseal error %q contains a share", err)
		}
	}
	if _, err := s.RootKey(context.Background()); err == nil || !strings.Contains(err.Error(), "0 of 2") {
		t.Errorf("RootKey() while sealed error = %v, want progress 0 of 2", err)
	}
}
