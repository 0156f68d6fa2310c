package kms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/envelope"
	"github.com/cofferhq/coffer/internal/store"
)

// Meta keys Keys keeps in the store.
const (
	metaRootCheck  = "kms.root_check"  // a random key wrapped by the root key: proves a root key right
	metaRootKeyID  = "kms.root_key_id" // envelope.Key.ID of the root key in use
	metaShamir     = "kms.shamir"      // {"shares":N,"threshold":K} once a Shamir server is initialized
	adRootCheck    = "coffer root key check v1"
	adDataKeyV1    = "coffer data key v1"
	SystemInstance = "coffer:system" // the keyring namespace of Coffer's own secrets
)

// Keys manages the root key and every instance's data keys. It holds the
// root key in memory only while unsealed, verifies it against the database
// before using it (a wrong key changes nothing), creates an instance's first
// data key on first use, and re-wraps every data key when the root key
// rotates, in one transaction.
//
// Data keys are wrapped with associated data binding them to their instance
// and term, so a wrapped key copied to another row fails to unwrap.
type Keys struct {
	provider Provider
	store    *store.Store
	log      *slog.Logger

	// rotating is held for writing while the root key rotates and for
	// reading while a data key is wrapped, so no data key is wrapped under
	// a root key that is being replaced.
	rotating sync.RWMutex

	mu       sync.RWMutex
	root     *envelope.Key // nil while sealed
	rootID   string
	rings    map[string]*envelope.Keyring
	onUnseal []func(context.Context) error
}

// KeysConfig configures Keys.
type KeysConfig struct {
	Provider Provider     // required
	Store    *store.Store // required
	Logger   *slog.Logger
}

// NewKeys returns a sealed Keys; call Start to unseal it with a provider that
// holds its key (every provider but Shamir).
func NewKeys(cfg KeysConfig) (*Keys, error) {
	if cfg.Provider == nil || cfg.Store == nil {
		return nil, errors.New("kms: Provider and Store are required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Keys{provider: cfg.Provider, store: cfg.Store, log: log, rings: map[string]*envelope.Keyring{}}, nil
}

// OnUnseal registers fn to run each time Keys becomes unsealed (bootstrap
// uses it). An error from fn is returned by the call that unsealed.
func (k *Keys) OnUnseal(fn func(context.Context) error) { k.onUnseal = append(k.onUnseal, fn) }

// Sealed reports whether the root key is unavailable.
func (k *Keys) Sealed() bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.root == nil
}

// Start unseals Keys with the provider's key. For a key file it also finishes
// an interrupted root key rotation. The first start records the key's check
// value; later starts refuse a key that does not match it, changing nothing.
// A Shamir provider stays sealed: Start returns nil and waits for Init or Unseal.
func (k *Keys) Start(ctx context.Context) error {
	if _, ok := k.provider.(*Shamir); ok {
		return nil
	}
	key, err := k.pickRootKey(ctx)
	if err != nil {
		return err
	}
	return k.unsealWith(ctx, key)
}

// pickRootKey returns the provider's key, or for a key file whichever of the
// current and pending keys the database accepts.
func (k *Keys) pickRootKey(ctx context.Context) (envelope.Key, error) {
	kf, ok := k.provider.(*KeyFile)
	if !ok {
		return k.provider.RootKey(ctx)
	}
	cands, err := kf.Candidates()
	if err != nil {
		return envelope.Key{}, err
	}
	var lastErr error
	for i, c := range cands {
		if lastErr = k.verify(ctx, c); lastErr == nil {
			if i > 0 { // the pending key of an interrupted rotation is the one in use
				if err := kf.Promote(); err != nil {
					return envelope.Key{}, err
				}
				k.log.Info("finished an interrupted root key rotation", "root_key_id", c.ID())
			} else if len(cands) > 1 { // a rotation that never reached the database: drop its key
				if err := kf.DiscardNext(); err != nil {
					return envelope.Key{}, err
				}
			}
			return c, nil
		}
	}
	return envelope.Key{}, lastErr
}

// verify checks key against the database's check value; with no check value
// yet (a new database) it accepts any key.
func (k *Keys) verify(ctx context.Context, key envelope.Key) error {
	check, err := k.store.Meta(ctx, metaRootCheck)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := envelope.Unwrap(key, check, []byte(adRootCheck)); err != nil {
		want, _ := k.store.Meta(ctx, metaRootKeyID)
		return fmt.Errorf("the root key (id %s) does not match this database (which expects root key id %s): "+
			"start Coffer with the root key it was created with: %w", key.ID(), want, api.ErrFailedPrecondition)
	}
	return nil
}

// unsealWith records the check value on first use, keeps key, and runs the
// unseal hooks.
func (k *Keys) unsealWith(ctx context.Context, key envelope.Key) error {
	if err := k.verify(ctx, key); err != nil {
		return err
	}
	if _, err := k.store.Meta(ctx, metaRootCheck); errors.Is(err, store.ErrNotFound) {
		if err := k.store.Update(ctx, func(tx *store.Tx) error { return writeRootCheck(ctx, tx, key) }); err != nil {
			return err
		}
	}
	k.mu.Lock()
	k.root, k.rootID = &key, key.ID()
	k.rings = map[string]*envelope.Keyring{}
	k.mu.Unlock()
	for _, fn := range k.onUnseal {
		if err := fn(ctx); err != nil {
			return err
		}
	}
	return nil
}

type metaWriter interface {
	PutMeta(ctx context.Context, key string, value []byte) error
}

func writeRootCheck(ctx context.Context, tx metaWriter, key envelope.Key) error {
	probe, err := envelope.NewKey()
	if err != nil {
		return err
	}
	check, err := envelope.Wrap(key, probe, []byte(adRootCheck))
	if err != nil {
		return err
	}
	if err := tx.PutMeta(ctx, metaRootCheck, check); err != nil {
		return err
	}
	return tx.PutMeta(ctx, metaRootKeyID, []byte(key.ID()))
}

func (k *Keys) rootKey() (envelope.Key, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.root == nil {
		return envelope.Key{}, api.Errorf(api.ErrSealed, "Coffer is sealed")
	}
	return *k.root, nil
}

func dataKeyAD(instance string, term int64) []byte {
	return []byte(adDataKeyV1 + "\x00" + instance + "\x00" + strconv.FormatInt(term, 10))
}

// Encrypt encrypts plaintext for the place b names, under the current data key
// of b.Instance (created on first use).
func (k *Keys) Encrypt(ctx context.Context, b envelope.Binding, plaintext []byte) ([]byte, error) {
	ring, err := k.Keyring(ctx, b.Instance)
	if err != nil {
		return nil, err
	}
	return ring.Seal(b, plaintext)
}

// Decrypt decrypts a ciphertext made by Encrypt for the same binding. A ciphertext
// of a term this node has not loaded yet (another node rotated) reloads the
// keyring once.
func (k *Keys) Decrypt(ctx context.Context, b envelope.Binding, ciphertext []byte) ([]byte, error) {
	ring, err := k.Keyring(ctx, b.Instance)
	if err != nil {
		return nil, err
	}
	pt, err := ring.Open(b, ciphertext)
	if errors.Is(err, envelope.ErrUnknownTerm) {
		k.forget(b.Instance)
		if ring, err = k.Keyring(ctx, b.Instance); err != nil {
			return nil, err
		}
		pt, err = ring.Open(b, ciphertext)
	}
	return pt, err
}

func (k *Keys) forget(instance string) {
	k.mu.Lock()
	delete(k.rings, instance)
	k.mu.Unlock()
}

// Keyring returns the data keys of instance, creating its first key when it
// has none.
func (k *Keys) Keyring(ctx context.Context, instance string) (*envelope.Keyring, error) {
	k.mu.RLock()
	ring, ok := k.rings[instance]
	k.mu.RUnlock()
	if ok {
		return ring, nil
	}
	dks, err := k.store.DataKeys(ctx, instance)
	if err != nil {
		return nil, err
	}
	if len(dks) == 0 {
		if _, err := k.addDataKey(ctx, instance, true); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
			return nil, err
		}
		if dks, err = k.store.DataKeys(ctx, instance); err != nil {
			return nil, err
		}
	}
	root, err := k.rootKey()
	if err != nil {
		return nil, err
	}
	ring, err = unwrapRing(root, instance, dks)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.rings[instance] = ring
	k.mu.Unlock()
	return ring, nil
}

func unwrapRing(root envelope.Key, instance string, dks []*store.DataKey) (*envelope.Keyring, error) {
	keys := make(map[int64]envelope.Key, len(dks))
	var current int64
	for _, dk := range dks {
		key, err := envelope.Unwrap(root, dk.Wrapped, dataKeyAD(instance, dk.Term))
		if err != nil {
			return nil, fmt.Errorf("data key %d of %s: %w", dk.Term, instance, err)
		}
		keys[dk.Term] = key
		current = max(current, dk.Term)
	}
	return envelope.NewKeyring(keys, current)
}

// addDataKey creates the next term of instance's data keys (or, with
// firstOnly, term 1 unless some term exists already). It wraps the
// key under the root key the database names, so that a concurrent root key
// rotation (on this node or another) never leaves a key wrapped under the
// retired root key.
func (k *Keys) addDataKey(ctx context.Context, instance string, firstOnly bool) (int64, error) {
	k.rotating.RLock()
	defer k.rotating.RUnlock()
	root, err := k.rootKey()
	if err != nil {
		return 0, err
	}
	var term int64
	err = k.store.Update(ctx, func(tx *store.Tx) error {
		id, err := tx.LockMeta(ctx, metaRootKeyID)
		if err != nil {
			return err
		}
		if string(id) != root.ID() {
			return fmt.Errorf("the root key was rotated by another node (now %s): restart this node with the new root key: %w",
				id, api.ErrFailedPrecondition)
		}
		dks, err := tx.DataKeys(ctx, instance)
		if err != nil {
			return err
		}
		term = 1
		if n := len(dks); n > 0 {
			if firstOnly {
				term = dks[n-1].Term
				return nil
			}
			term = dks[n-1].Term + 1
		}
		dek, err := envelope.NewKey()
		if err != nil {
			return err
		}
		defer dek.Zero()
		wrapped, err := envelope.Wrap(root, dek, dataKeyAD(instance, term))
		if err != nil {
			return err
		}
		return tx.CreateDataKey(ctx, &store.DataKey{InstanceID: instance, Term: term, Wrapped: wrapped, RootKeyID: root.ID()})
	})
	return term, err
}

// RotateDataKey starts a new term for instance: new writes use it, old
// ciphertexts still open with their own term.
func (k *Keys) RotateDataKey(ctx context.Context, instance string) (int64, error) {
	term, err := k.addDataKey(ctx, instance, false)
	k.forget(instance)
	return term, err
}

// Shred destroys the data keys of instance: every ciphertext sealed under
// them becomes unreadable for good.
func (k *Keys) Shred(ctx context.Context, instance string) error {
	k.forget(instance)
	return k.store.DeleteDataKeys(ctx, instance)
}

// RootKeyID returns the id of the root key in use ("" while sealed).
func (k *Keys) RootKeyID() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.rootID
}

type shamirMeta struct {
	Shares    int `json:"shares"`
	Threshold int `json:"threshold"`
}

// ShamirThreshold reads the Shamir parameters recorded at Init; ok is false
// on a server that was never initialized.
func ShamirThreshold(ctx context.Context, st *store.Store) (shares, threshold int, ok bool, err error) {
	raw, err := st.Meta(ctx, metaShamir)
	if errors.Is(err, store.ErrNotFound) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, err
	}
	var m shamirMeta
	if err := json.Unmarshal(raw, &m); err != nil {
		return 0, 0, false, fmt.Errorf("kms: corrupt Shamir parameters: %w", api.ErrFailedPrecondition)
	}
	return m.Shares, m.Threshold, true, nil
}
