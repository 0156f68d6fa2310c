package kms

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/envelope"
	"github.com/cofferhq/coffer/internal/store"
)

// Status reports the seal state.
func (k *Keys) Status(ctx context.Context) api.SealStatus {
	st := api.SealStatus{Type: k.provider.Name(), Initialized: true, Sealed: k.Sealed(), RootKeyID: k.RootKeyID()}
	if sh, ok := k.provider.(*Shamir); ok {
		n, t, initialized, err := ShamirThreshold(ctx, k.store)
		st.Initialized = initialized && err == nil
		st.Shares, st.Threshold = n, t
		st.Progress, _ = sh.Progress()
	}
	return st
}

func (k *Keys) shamir() (*Shamir, error) {
	sh, ok := k.provider.(*Shamir)
	if !ok {
		return nil, api.Errorf(api.ErrFailedPrecondition,
			"this server's root key comes from %q, not from Shamir shares", k.provider.Name())
	}
	return sh, nil
}

// Init creates the root key of a new Shamir server, splits it into shares
// (returned once, never stored) and unseals. It fails on a server that is
// already initialized.
func (k *Keys) Init(ctx context.Context, shares, threshold int) (*api.InitResponse, error) {
	sh, err := k.shamir()
	if err != nil {
		return nil, err
	}
	if _, _, ok, err := ShamirThreshold(ctx, k.store); err != nil || ok {
		if err != nil {
			return nil, err
		}
		return nil, api.Errorf(api.ErrFailedPrecondition, "Coffer is already initialized")
	}
	key, encoded, err := sh.Init(shares, threshold)
	if err != nil {
		return nil, err
	}
	meta, _ := json.Marshal(shamirMeta{Shares: shares, Threshold: threshold})
	err = k.store.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Meta(ctx, metaRootCheck); err == nil {
			return api.Errorf(api.ErrFailedPrecondition, "Coffer is already initialized")
		}
		if err := writeRootCheck(ctx, tx, key); err != nil {
			return err
		}
		return tx.PutMeta(ctx, metaShamir, meta)
	})
	if err != nil {
		sh.Seal()
		return nil, err
	}
	if err := k.unsealWith(ctx, key); err != nil {
		return nil, err
	}
	return &api.InitResponse{Shares: encoded, Threshold: threshold, RootKeyID: key.ID()}, nil
}

// Unseal adds one share; with enough shares the root key is rebuilt,
// verified against the database and used.
func (k *Keys) Unseal(ctx context.Context, share string) (api.SealStatus, error) {
	sh, err := k.shamir()
	if err != nil {
		return api.SealStatus{}, err
	}
	if !k.Sealed() {
		return k.Status(ctx), nil
	}
	if _, _, ok, err := ShamirThreshold(ctx, k.store); err != nil || !ok {
		if err != nil {
			return api.SealStatus{}, err
		}
		return api.SealStatus{}, api.Errorf(api.ErrFailedPrecondition, "Coffer is not initialized: run `coffer operator init` first")
	}
	_, _, unsealed, err := sh.Unseal(share)
	if err != nil {
		return api.SealStatus{}, err
	}
	if unsealed {
		key, err := sh.RootKey(ctx)
		if err != nil {
			return api.SealStatus{}, err
		}
		if err := k.unsealWith(ctx, key); err != nil {
			sh.Seal()
			return api.SealStatus{}, err
		}
	}
	return k.Status(ctx), nil
}

// Seal forgets the root key and every data key. Only a Shamir server can
// be sealed while running (other providers would unseal again at once).
func (k *Keys) Seal() error {
	sh, err := k.shamir()
	if err != nil {
		return err
	}
	k.mu.Lock()
	if k.root != nil {
		k.root.Zero()
	}
	k.root, k.rootID, k.rings = nil, "", map[string]*envelope.Keyring{}
	k.mu.Unlock()
	sh.Seal()
	return nil
}

// RotateRootKey replaces the root key: every data key is re-wrapped under a
// fresh root key in one transaction, then the provider persists the new key.
// Reads and writes go on meanwhile (data keys themselves do not change).
func (k *Keys) RotateRootKey(ctx context.Context) (*api.RootKeyRotation, error) {
	k.rotating.Lock()
	defer k.rotating.Unlock()
	old, err := k.rootKey()
	if err != nil {
		return nil, err
	}
	rot, ok := k.provider.(Rotator)
	if !ok {
		return nil, api.Errorf(api.ErrFailedPrecondition, "a %q root key cannot be rotated: it is given to Coffer "+
			"at start (COFFER_MASTER_KEY or COFFER_PASSPHRASE) and Coffer cannot replace it; online rotation needs "+
			"--seal keyfile or --seal shamir", k.provider.Name())
	}
	next, commit, abort, err := rot.PrepareRotation(ctx)
	if err != nil {
		return nil, err
	}
	n, err := k.rewrapAll(ctx, old, next)
	if err != nil {
		abort()
		return nil, err
	}
	// The database now expects next: use it from here on, even if the
	// provider fails to persist it (a key file's pending key is then found
	// at the next start).
	k.mu.Lock()
	k.root, k.rootID = &next, next.ID()
	k.mu.Unlock()
	shares, err := commit()
	if err != nil {
		return nil, fmt.Errorf("root key rotated in the database but not yet persisted by %s: %w", k.provider.Name(), err)
	}
	return &api.RootKeyRotation{RootKeyID: next.ID(), DataKeys: n, Shares: shares}, nil
}

func (k *Keys) rewrapAll(ctx context.Context, old, next envelope.Key) (int, error) {
	var n int
	err := k.store.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.LockMeta(ctx, metaRootKeyID); err != nil {
			return err
		}
		dks, err := tx.AllDataKeys(ctx)
		if err != nil {
			return err
		}
		for _, dk := range dks {
			ad := dataKeyAD(dk.InstanceID, dk.Term)
			dek, err := envelope.Unwrap(old, dk.Wrapped, ad)
			if err != nil {
				return fmt.Errorf("data key %d of %s: %w", dk.Term, dk.InstanceID, err)
			}
			wrapped, err := envelope.Wrap(next, dek, ad)
			dek.Zero()
			if err != nil {
				return err
			}
			if err := tx.UpdateDataKeyWrapping(ctx, dk.InstanceID, dk.Term, wrapped, next.ID()); err != nil {
				return err
			}
		}
		n = len(dks)
		return writeRootCheck(ctx, tx, next)
	})
	return n, err
}
