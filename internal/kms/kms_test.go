package kms

import (
	"context"
	"sync"
	"testing"

	"github.com/cofferhq/coffer/internal/envelope"
)

// providers returns one ready provider of each kind, by name.
func providers(tb testing.TB) map[string]Provider {
	tb.Helper()
	key, _ := envelope.NewKey()
	mk, err := NewMasterKey(key.Encode())
	if err != nil {
		tb.Fatal(err)
	}
	pp, err := testPassphrase()
	if err != nil {
		tb.Fatal(err)
	}
	sh := NewShamir(0, nil)
	if _, _, err := sh.Init(3, 2); err != nil {
		tb.Fatal(err)
	}
	return map[string]Provider{
		"keyfile":    newKeyFile(tb),
		"master-key": mk,
		"passphrase": pp,
		"shamir":     sh,
		"dev":        NewDev(),
	}
}

func TestProviders(t *testing.T) {
	rotators := map[string]bool{"keyfile": true, "shamir": true, "dev": true}
	for name, p := range providers(t) {
		t.Run(name, func(t *testing.T) {
			if p.Name() != name {
				t.Errorf("Name() = %q, want %q", p.Name(), name)
			}
			k1, k2 := mustRootKey(t, p), mustRootKey(t, p)
			if k1 != k2 || k1.IsZero() {
				t.Errorf("RootKey() twice = %s, %s; want the same non-zero key", k1.ID(), k2.ID())
			}
			r, ok := p.(Rotator)
			if ok != rotators[name] {
				t.Fatalf("%s implements Rotator = %v, want %v", name, ok, rotators[name])
			}
			if ok {
				testRotator(t, p, r)
			}
		})
	}
}

// testRotator checks the Rotator contract: abort keeps the key, commit
// switches to next, abort after commit does nothing.
func testRotator(t *testing.T, p Provider, r Rotator) {
	t.Helper()
	ctx := context.Background()
	old := mustRootKey(t, p)
	next, _, abort, err := r.PrepareRotation(ctx)
	if err != nil {
		t.Fatalf("PrepareRotation() error = %v", err)
	}
	abort()
	if got := mustRootKey(t, p); got != old {
		t.Errorf("RootKey() after abort = %s, want the old %s", got.ID(), old.ID())
	}
	next, commit, abort, err := r.PrepareRotation(ctx)
	if err != nil {
		t.Fatalf("PrepareRotation() after abort error = %v", err)
	}
	if next == old {
		t.Fatalf("PrepareRotation() returned the current key")
	}
	if _, err := commit(); err != nil {
		t.Fatalf("commit() error = %v", err)
	}
	abort()
	if got := mustRootKey(t, p); got != next {
		t.Errorf("RootKey() after commit = %s, want the new %s", got.ID(), next.ID())
	}
}

func TestProvidersConcurrentUse(t *testing.T) {
	ctx := context.Background()
	for name, p := range providers(t) {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for range 20 {
						if _, err := p.RootKey(ctx); err != nil {
							t.Errorf("RootKey() error = %v", err)
						}
					}
				})
			}
			if r, ok := p.(Rotator); ok {
				wg.Go(func() {
					for range 5 {
						if _, commit, _, err := r.PrepareRotation(ctx); err == nil {
							commit()
						}
					}
				})
			}
			wg.Wait()
		})
	}
}
