package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"

	"github.com/cofferhq/coffer/internal/store"
)

// testTokens checks signing keys, compute issuer keys and refresh tokens.
func testTokens(t *testing.T, open func(testing.TB) *store.Store) {
	t.Run("SigningKeys", func(t *testing.T) { testSigningKeys(t, open(t)) })
	t.Run("ComputeIssuerKeys", func(t *testing.T) { testComputeIssuerKeys(t, open(t)) })
	t.Run("RefreshTokens", func(t *testing.T) { testRefreshTokens(t, open(t)) })
	t.Run("RefreshTokenCascade", func(t *testing.T) { testRefreshTokenCascade(t, open(t)) })
}

var tokenEpoch = time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)

func signingKey(acct, kid string, notAfter time.Duration) *store.SigningKey {
	na := tokenEpoch.Add(notAfter)
	return &store.SigningKey{AccountID: acct, ID: kid, PrivateKey: []byte("sealed\x00" + kid),
		NotAfter: na, ExpiresAt: na.Add(2 * time.Hour), CreatedAt: tokenEpoch}
}

func testSigningKeys(t *testing.T, s *store.Store) {
	ctx := context.Background()
	k1, k2 := signingKey("", "k1", time.Hour), signingKey("", "k2", 2*time.Hour)
	for _, k := range []*store.SigningKey{k2, k1} {
		if err := s.CreateSigningKey(ctx, k); err != nil {
			t.Fatalf("CreateSigningKey(%s): %v", k.ID, err)
		}
	}
	wantKind(t, "CreateSigningKey of a taken kid", s.CreateSigningKey(ctx, signingKey("", "k1", 5*time.Hour)), store.ErrAlreadyExists)
	wantKind(t, "CreateSigningKey without key", s.CreateSigningKey(ctx, &store.SigningKey{ID: "x"}), api.ErrInvalid)
	got, err := s.SigningKeys(ctx, tokenEpoch)
	if err != nil {
		t.Fatalf("SigningKeys: %v", err)
	}
	if diff := cmp.Diff([]*store.SigningKey{k1, k2}, got); diff != "" {
		t.Errorf("SigningKeys (-want +got):\n%s", diff)
	}
	// k1 expires at epoch+3h: gone from the list after it, then deleted.
	later := tokenEpoch.Add(3 * time.Hour)
	if got, _ := s.SigningKeys(ctx, later); len(got) != 1 || got[0].ID != "k2" {
		t.Errorf("SigningKeys(after k1 expired) = %v, want [k2]", got)
	}
	if n, err := s.DeleteExpiredSigningKeys(ctx, later); err != nil || n != 1 {
		t.Errorf("DeleteExpiredSigningKeys = %d, %v, want 1, nil", n, err)
	}
	if got, _ := s.SigningKeys(ctx, tokenEpoch); len(got) != 1 {
		t.Errorf("SigningKeys after delete = %d keys, want 1", len(got))
	}
}

// testConcurrentSigningKeyCreate: of several nodes creating the key of one
// slot, exactly one succeeds.
func testConcurrentSigningKeyCreate(t *testing.T, s *store.Store) {
	ctx := context.Background()
	const n = 4
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreateSigningKey(ctx, signingKey("", "slot", time.Hour))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			wantKind(t, "losing CreateSigningKey", err, store.ErrAlreadyExists)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent CreateSigningKey succeeded, want 1", ok, n)
	}
}

func testComputeIssuerKeys(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "a1")
	mustCreateAccount(t, s, "a2")
	k := signingKey("a1", "k1", time.Hour)
	if err := s.CreateComputeIssuerKey(ctx, k); err != nil {
		t.Fatalf("CreateComputeIssuerKey: %v", err)
	}
	if err := s.CreateComputeIssuerKey(ctx, signingKey("a2", "k1", time.Hour)); err != nil {
		t.Errorf("CreateComputeIssuerKey(same kid, other account) = %v, want nil", err)
	}
	wantKind(t, "same account and kid", s.CreateComputeIssuerKey(ctx, signingKey("a1", "k1", time.Hour)), store.ErrAlreadyExists)
	wantKind(t, "missing account", s.CreateComputeIssuerKey(ctx, signingKey("nope", "k1", time.Hour)), api.ErrFailedPrecondition)
	got, err := s.ComputeIssuerKeys(ctx, "a1", tokenEpoch)
	if err != nil {
		t.Fatalf("ComputeIssuerKeys: %v", err)
	}
	if diff := cmp.Diff([]*store.SigningKey{k}, got); diff != "" {
		t.Errorf("ComputeIssuerKeys (-want +got):\n%s", diff)
	}
	if n, err := s.DeleteExpiredComputeIssuerKeys(ctx, tokenEpoch.Add(4*time.Hour)); err != nil || n != 2 {
		t.Errorf("DeleteExpiredComputeIssuerKeys = %d, %v, want 2, nil", n, err)
	}
	if err := s.CreateComputeIssuerKey(ctx, signingKey("a1", "k2", time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAccount(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ComputeIssuerKeys(ctx, "a1", tokenEpoch); len(got) != 0 {
		t.Errorf("ComputeIssuerKeys of a deleted account = %d keys, want 0", len(got))
	}
}

func refreshToken(acct, keyID, family string, i int) *store.RefreshToken {
	return &store.RefreshToken{Hash: []byte{byte(i), 0, 1}, Family: family, APIKeyID: keyID, AccountID: acct,
		IAMID: "IBMid-owner", CreatedAt: tokenEpoch, ExpiresAt: tokenEpoch.Add(time.Hour)}
}

func testRefreshTokens(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "a1")
	key := apiKeys.mustCreate(t, s, apiKeys.make("a1", 1))
	r1, r2, other := refreshToken("a1", key.ID, "f1", 1), refreshToken("a1", key.ID, "f1", 2), refreshToken("a1", key.ID, "f2", 3)
	for _, r := range []*store.RefreshToken{r1, r2, other} {
		if err := s.CreateRefreshToken(ctx, r); err != nil {
			t.Fatalf("CreateRefreshToken: %v", err)
		}
	}
	wantKind(t, "duplicate hash", s.CreateRefreshToken(ctx, refreshToken("a1", key.ID, "f9", 1)), store.ErrAlreadyExists)
	wantKind(t, "missing api key", s.CreateRefreshToken(ctx, refreshToken("a1", "ApiKey-gone", "f9", 9)), api.ErrFailedPrecondition)
	got, err := s.RefreshTokenByHash(ctx, r1.Hash)
	if err != nil {
		t.Fatalf("RefreshTokenByHash: %v", err)
	}
	if diff := cmp.Diff(r1, got); diff != "" {
		t.Errorf("RefreshTokenByHash (-want +got):\n%s", diff)
	}
	used := tokenEpoch.Add(time.Minute)
	if err := s.UseRefreshToken(ctx, r1.Hash, used); err != nil {
		t.Fatalf("UseRefreshToken: %v", err)
	}
	wantKind(t, "UseRefreshToken twice", s.UseRefreshToken(ctx, r1.Hash, used), store.ErrConflict)
	wantKind(t, "UseRefreshToken of a missing token", s.UseRefreshToken(ctx, []byte("nope"), used), store.ErrNotFound)
	if got, _ := s.RefreshTokenByHash(ctx, r1.Hash); got == nil || !got.UsedAt.Equal(used) {
		t.Errorf("RefreshTokenByHash(used).UsedAt = %v, want %v", got, used)
	}
	if n, err := s.DeleteRefreshTokenFamily(ctx, "f1"); err != nil || n != 2 {
		t.Errorf("DeleteRefreshTokenFamily = %d, %v, want 2, nil", n, err)
	}
	_, err = s.RefreshTokenByHash(ctx, r2.Hash)
	wantKind(t, "token of a deleted family", err, store.ErrNotFound)
	if n, err := s.DeleteExpiredRefreshTokens(ctx, tokenEpoch.Add(2*time.Hour)); err != nil || n != 1 {
		t.Errorf("DeleteExpiredRefreshTokens = %d, %v, want 1, nil", n, err)
	}
	testConcurrentSigningKeyCreate(t, s)
}

func testRefreshTokenCascade(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "a1")
	key := apiKeys.mustCreate(t, s, apiKeys.make("a1", 1))
	r := refreshToken("a1", key.ID, "f1", 1)
	if err := s.CreateRefreshToken(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAPIKey(ctx, key.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.RefreshTokenByHash(ctx, r.Hash)
	wantKind(t, "refresh token of a deleted api key", err, store.ErrNotFound)
}
