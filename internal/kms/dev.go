package kms

import (
	"context"
	"fmt"
	"sync"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/envelope"
)

// Dev is the provider of `coffer server --dev`: a random root key held only
// in memory, so the data it protects (in a temporary data directory) is
// unreadable once the process ends. It supports rotation.
type Dev struct {
	mu       sync.Mutex
	key      envelope.Key
	rotating bool
}

// NewDev returns a Dev provider with a fresh random key. It panics if the
// system's random source fails, as nothing can be protected then.
func NewDev() *Dev {
	key, err := envelope.NewKey()
	if err != nil {
		panic("kms: no randomness for the dev root key")
	}
	return &Dev{key: key}
}

// Name returns "dev".
func (d *Dev) Name() string { return "dev" }

// RootKey returns the key in memory; it never fails.
func (d *Dev) RootKey(ctx context.Context) (envelope.Key, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.key, nil
}

// PrepareRotation makes a fresh key that commit puts in place of the current
// one (see Rotator). It fails with an error wrapping api.ErrConflict while
// another rotation is prepared.
func (d *Dev) PrepareRotation(ctx context.Context) (envelope.Key, func() ([]string, error), func(), error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.rotating {
		return envelope.Key{}, nil, nil, fmt.Errorf("kms: a dev root key rotation is already in progress: %w", api.ErrConflict)
	}
	next, err := envelope.NewKey()
	if err != nil {
		return envelope.Key{}, nil, nil, err
	}
	d.rotating = true
	done := false
	finish := func(apply bool) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if done {
			return
		}
		if apply {
			d.key = next
		}
		next.Zero()
		done, d.rotating = true, false
	}
	commit := func() ([]string, error) { finish(true); return nil, nil }
	abort := func() { finish(false) }
	return next, commit, abort, nil
}
