package kms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/envelope"
	"github.com/cofferhq/coffer/internal/store"
)

// env is a data directory with a SQLite database and a root key file.
type env struct {
	dir     string
	keyPath string
	dbURL   string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	return &env{dir: dir, keyPath: filepath.Join(dir, "root.key"), dbURL: "sqlite:" + filepath.Join(dir, "coffer.db")}
}

// open starts Keys over the environment with provider p (a key file when
// nil), the way a server start does.
func (e *env) open(t *testing.T, p Provider) (*Keys, error) {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{URL: e.dbURL})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if p == nil {
		kf := NewKeyFile(e.keyPath)
		if _, err := kf.Create(); err != nil {
			t.Fatalf("Create: %v", err)
		}
		p = kf
	}
	k, err := NewKeys(KeysConfig{Provider: p, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	return k, k.Start(context.Background())
}

func (e *env) mustOpen(t *testing.T, p Provider) *Keys {
	t.Helper()
	k, err := e.open(t, p)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return k
}

func encrypt(t *testing.T, k *Keys, b envelope.Binding, pt string) []byte {
	t.Helper()
	ct, err := k.Encrypt(context.Background(), b, []byte(pt))
	if err != nil {
		t.Fatalf("Encrypt(%v): %v", b, err)
	}
	return ct
}

func decrypt(k *Keys, b envelope.Binding, ct []byte) (string, error) {
	pt, err := k.Decrypt(context.Background(), b, ct)
	return string(pt), err
}

func TestEncryptBindsCiphertextToItsRow(t *testing.T) {
	e := newEnv(t)
	k := e.mustOpen(t, nil)
	b := envelope.Binding{Instance: "inst-a", Secret: "s1", Version: "v1"}
	ct := encrypt(t, k, b, "hello")
	if got, err := decrypt(k, b, ct); err != nil || got != "hello" {
		t.Fatalf("Decrypt = %q, %v; want hello", got, err)
	}
	encrypt(t, k, envelope.Binding{Instance: "inst-b", Secret: "s1", Version: "v1"}, "other")
	for _, moved := range []envelope.Binding{
		{Instance: "inst-b", Secret: "s1", Version: "v1"}, // another instance (another data key)
		{Instance: "inst-a", Secret: "s2", Version: "v1"}, // another secret
		{Instance: "inst-a", Secret: "s1", Version: "v2"}, // another version
	} {
		if got, err := decrypt(k, moved, ct); err == nil {
			t.Errorf("Decrypt(%v) of a ciphertext made for %v = %q, want an error", moved, b, got)
		}
	}
}

func TestDatabaseNeverHoldsPlaintext(t *testing.T) {
	e := newEnv(t)
	k := e.mustOpen(t, nil)
	const secret = "correct-horse-battery-staple-0123456789"
	ct := encrypt(t, k, envelope.Binding{Instance: "inst", Secret: "s", Version: "1"}, secret)
	if err := k.store.PutMeta(context.Background(), "test.payload", ct); err != nil {
		t.Fatal(err)
	}
	root, _ := k.rootKey()
	raw := readAll(t, e.dir, "coffer.db")
	if !bytes.Contains(raw, ct[:16]) {
		t.Fatalf("the database files do not contain the ciphertext: the scan is looking in the wrong place")
	}
	for name, needle := range map[string][]byte{"payload": []byte(secret), "root key": root[:], "root key (base64)": []byte(root.Encode())} {
		if bytes.Contains(raw, needle) {
			t.Errorf("the raw database holds the %s in clear", name)
		}
	}
}

// readAll returns the bytes of a SQLite database and its WAL.
func readAll(t *testing.T, dir, db string) []byte {
	t.Helper()
	var all []byte
	for _, name := range []string{db, db + "-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func TestWrongRootKeyIsRefusedAndChangesNothing(t *testing.T) {
	e := newEnv(t)
	k := e.mustOpen(t, nil)
	b := envelope.Binding{Instance: "inst", Secret: "s", Version: "1"}
	ct := encrypt(t, k, b, "kept")
	k.store.Close()
	before := readAll(t, e.dir, "coffer.db")

	other, _ := envelope.NewKey()
	mk, err := NewMasterKey(other.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.open(t, mk); !errors.Is(err, api.ErrFailedPrecondition) {
		t.Fatalf("Start with a wrong root key = %v, want ErrFailedPrecondition", err)
	}
	if after := readAll(t, e.dir, "coffer.db"); !bytes.Equal(before, after) {
		t.Errorf("starting with a wrong root key changed the database")
	}
	k2 := e.mustOpen(t, nil)
	if got, err := decrypt(k2, b, ct); err != nil || got != "kept" {
		t.Errorf("after a refused wrong key, Decrypt with the right key = %q, %v; want kept", got, err)
	}
}

func TestRotateRootKey(t *testing.T) {
	e := newEnv(t)
	k := e.mustOpen(t, nil)
	oldKey, _ := k.rootKey()
	bindings := make([]envelope.Binding, 5)
	cts := make([][]byte, 5)
	for i := range bindings {
		bindings[i] = envelope.Binding{Instance: fmt.Sprintf("inst-%d", i), Secret: "s", Version: "1"}
		cts[i] = encrypt(t, k, bindings[i], fmt.Sprint("value ", i))
	}
	res, err := k.RotateRootKey(context.Background())
	if err != nil {
		t.Fatalf("RotateRootKey: %v", err)
	}
	if res.DataKeys != 5 || res.RootKeyID == oldKey.ID() {
		t.Errorf("RotateRootKey = %+v, want 5 data keys and a new root key id", res)
	}
	if _, err := os.Stat(e.keyPath + ".next"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("root.key.next left behind after a committed rotation: %v", err)
	}
	k.store.Close()
	k2 := e.mustOpen(t, nil) // reads the new key file
	for i, b := range bindings {
		if got, err := decrypt(k2, b, cts[i]); err != nil || got != fmt.Sprint("value ", i) {
			t.Errorf("after rotation Decrypt(%v) = %q, %v", b, got, err)
		}
	}
	mk, _ := NewMasterKey(oldKey.Encode())
	if _, err := e.open(t, mk); !errors.Is(err, api.ErrFailedPrecondition) {
		t.Errorf("Start with the retired root key = %v, want ErrFailedPrecondition", err)
	}
}

func TestInterruptedRotationIsFinishedAtStart(t *testing.T) {
	for _, reachedDB := range []bool{false, true} {
		t.Run(fmt.Sprintf("reachedDatabase=%t", reachedDB), func(t *testing.T) {
			e := newEnv(t)
			k := e.mustOpen(t, nil)
			b := envelope.Binding{Instance: "inst", Secret: "s", Version: "1"}
			ct := encrypt(t, k, b, "survives")
			old, _ := k.rootKey()
			next, _, _, err := k.provider.(Rotator).PrepareRotation(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if reachedDB {
				if _, err := k.rewrapAll(context.Background(), old, next); err != nil {
					t.Fatal(err)
				}
			}
			k.store.Close() // the process dies before commit
			k2 := e.mustOpen(t, nil)
			want := old.ID()
			if reachedDB {
				want = next.ID()
			}
			if k2.RootKeyID() != want {
				t.Errorf("root key after restart = %s, want %s", k2.RootKeyID(), want)
			}
			if _, err := os.Stat(e.keyPath + ".next"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("root.key.next still there after the start settled the rotation")
			}
			if got, err := decrypt(k2, b, ct); err != nil || got != "survives" {
				t.Errorf("Decrypt after an interrupted rotation = %q, %v", got, err)
			}
			if _, err := k2.RotateRootKey(context.Background()); err != nil {
				t.Errorf("a later rotation fails: %v", err)
			}
		})
	}
}

func TestRotateDataKeyKeepsOldTermsReadable(t *testing.T) {
	k := newEnv(t).mustOpen(t, nil)
	b1 := envelope.Binding{Instance: "inst", Secret: "s", Version: "1"}
	b2 := envelope.Binding{Instance: "inst", Secret: "s", Version: "2"}
	ct1 := encrypt(t, k, b1, "one")
	term, err := k.RotateDataKey(context.Background(), "inst")
	if err != nil || term != 2 {
		t.Fatalf("RotateDataKey = %d, %v; want 2", term, err)
	}
	ct2 := encrypt(t, k, b2, "two")
	if t1, _ := envelope.CiphertextTerm(ct1); t1 != 1 {
		t.Errorf("first ciphertext term = %d, want 1", t1)
	}
	if t2, _ := envelope.CiphertextTerm(ct2); t2 != 2 {
		t.Errorf("second ciphertext term = %d, want 2", t2)
	}
	for b, ct := range map[envelope.Binding][]byte{b1: ct1, b2: ct2} {
		if _, err := decrypt(k, b, ct); err != nil {
			t.Errorf("Decrypt(%v): %v", b, err)
		}
	}
}

func TestShredMakesCiphertextsUnreadable(t *testing.T) {
	k := newEnv(t).mustOpen(t, nil)
	b := envelope.Binding{Instance: "doomed", Secret: "s", Version: "1"}
	ct := encrypt(t, k, b, "gone")
	if err := k.Shred(context.Background(), "doomed"); err != nil {
		t.Fatal(err)
	}
	if got, err := decrypt(k, b, ct); err == nil {
		t.Errorf("Decrypt after Shred = %q, want an error", got)
	}
}

func TestConcurrentFirstUseCreatesOneDataKey(t *testing.T) {
	k := newEnv(t).mustOpen(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := k.Keyring(context.Background(), "shared")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Keyring: %v", err)
		}
	}
	dks, err := k.store.DataKeys(context.Background(), "shared")
	if err != nil || len(dks) != 1 {
		t.Errorf("DataKeys = %d keys, %v; want exactly 1", len(dks), err)
	}
}

func TestRotationRacingNewInstancesLosesNothing(t *testing.T) {
	e := newEnv(t)
	k := e.mustOpen(t, nil)
	var wg sync.WaitGroup
	cts := make([][]byte, 20)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range 3 {
			if _, err := k.RotateRootKey(context.Background()); err != nil {
				t.Errorf("RotateRootKey: %v", err)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := range cts {
			b := envelope.Binding{Instance: fmt.Sprint("new-", i), Secret: "s", Version: "1"}
			ct, err := k.Encrypt(context.Background(), b, []byte("x"))
			if err != nil {
				t.Errorf("Encrypt: %v", err)
			}
			cts[i] = ct
		}
	}()
	wg.Wait()
	k.store.Close()
	k2 := e.mustOpen(t, nil)
	for i, ct := range cts {
		b := envelope.Binding{Instance: fmt.Sprint("new-", i), Secret: "s", Version: "1"}
		if _, err := decrypt(k2, b, ct); err != nil {
			t.Errorf("after restart, Decrypt(%v): %v", b, err)
		}
	}
}

func TestShamirInitSealUnseal(t *testing.T) {
	e := newEnv(t)
	sh := NewShamir(0, nil)
	k := e.mustOpen(t, sh)
	if !k.Sealed() || k.Status(context.Background()).Initialized {
		t.Fatalf("a new Shamir server must be sealed and uninitialized: %+v", k.Status(context.Background()))
	}
	if _, err := k.Unseal(context.Background(), "coffer-share-v1-aaaa"); !errors.Is(err, api.ErrFailedPrecondition) {
		t.Errorf("Unseal before Init = %v, want ErrFailedPrecondition", err)
	}
	res, err := k.Init(context.Background(), 3, 2)
	if err != nil || len(res.Shares) != 3 {
		t.Fatalf("Init = %+v, %v", res, err)
	}
	if _, err := k.Init(context.Background(), 3, 2); !errors.Is(err, api.ErrFailedPrecondition) {
		t.Errorf("a second Init = %v, want ErrFailedPrecondition", err)
	}
	b := envelope.Binding{Instance: "inst", Secret: "s", Version: "1"}
	ct := encrypt(t, k, b, "behind shares")
	if err := k.Seal(); err != nil || !k.Sealed() {
		t.Fatalf("Seal = %v, sealed %t", err, k.Sealed())
	}
	if _, err := k.Encrypt(context.Background(), b, []byte("x")); !errors.Is(err, api.ErrSealed) {
		t.Errorf("Encrypt while sealed = %v, want ErrSealed", err)
	}

	// A share of another root key is refused and leaves the server sealed.
	_, foreign, _ := newSplitKey(3, 2)
	k.Unseal(context.Background(), foreign[0])
	if _, err := k.Unseal(context.Background(), foreign[1]); err == nil || !k.Sealed() {
		t.Errorf("unsealing with foreign shares = %v, sealed %t; want an error and still sealed", err, k.Sealed())
	}
	st, err := k.Unseal(context.Background(), res.Shares[2])
	if err != nil || !st.Sealed || st.Progress != 1 {
		t.Fatalf("Unseal(share 3) = %+v, %v; want sealed with progress 1", st, err)
	}
	if st, err = k.Unseal(context.Background(), res.Shares[0]); err != nil || st.Sealed {
		t.Fatalf("Unseal(share 1) = %+v, %v; want unsealed", st, err)
	}
	if got, err := decrypt(k, b, ct); err != nil || got != "behind shares" {
		t.Errorf("Decrypt after unseal = %q, %v", got, err)
	}
	rot, err := k.RotateRootKey(context.Background())
	if err != nil || len(rot.Shares) != 3 {
		t.Fatalf("RotateRootKey (Shamir) = %+v, %v; want 3 new shares", rot, err)
	}
	k.Seal()
	k.Unseal(context.Background(), res.Shares[0])
	if _, err := k.Unseal(context.Background(), res.Shares[1]); err == nil {
		t.Errorf("the old shares still unseal after a root key rotation")
	}
	k.Unseal(context.Background(), rot.Shares[1])
	if st, err := k.Unseal(context.Background(), rot.Shares[2]); err != nil || st.Sealed {
		t.Errorf("unseal with the new shares = %+v, %v", st, err)
	}
}
