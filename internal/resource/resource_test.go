package resource_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/envelope"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/resource"
	"github.com/cofferhq/coffer/internal/store"
	"github.com/cofferhq/coffer/internal/store/storetest"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a resource service on a real store, key manager, identity service
// and gate, with a bootstrapped account.
type env struct {
	st    *store.Store
	keys  *kms.Keys
	svc   *resource.Service
	clock *clock
	cred  authz.Credential // the bootstrap administrator's
	boot  *identity.BootstrapResult
}

func newEnv(tb testing.TB, cfg resource.Config) *env {
	tb.Helper()
	ctx := context.Background()
	e := &env{st: storetest.OpenSQLite(tb), clock: &clock{t: time.Now()}}
	var err error
	if e.keys, err = kms.NewKeys(kms.KeysConfig{Provider: kms.NewDev(), Store: e.st}); err != nil {
		tb.Fatalf("NewKeys: %v", err)
	}
	ids, err := identity.New(identity.Config{Store: e.st, Keys: e.keys})
	if err != nil {
		tb.Fatalf("identity.New: %v", err)
	}
	key := identity.NewAPIKeyValue()
	e.keys.OnUnseal(func(ctx context.Context) error {
		e.boot, err = ids.Bootstrap(ctx, identity.BootstrapConfig{APIKey: key, Region: "us-south"})
		return err
	})
	if err := e.keys.Start(ctx); err != nil {
		tb.Fatalf("Keys.Start: %v", err)
	}
	e.cred = authz.Credential{APIKey: key}
	cfg.Store, cfg.Keys, cfg.Gate, cfg.Now, cfg.PublicURL = e.st, e.keys, authz.NewGate(ids), e.clock.now, "http://coffer.test"
	if e.svc, err = resource.New(cfg); err != nil {
		tb.Fatalf("resource.New: %v", err)
	}
	return e
}

func (e *env) create(tb testing.TB, name string) *api.ResourceInstance {
	tb.Helper()
	in, err := e.svc.CreateInstance(context.Background(), e.cred, api.CreateResourceInstanceRequest{
		Name: name, Target: "eu-de", ResourcePlanID: api.StandardPlanID})
	if err != nil {
		tb.Fatalf("CreateInstance(%q): %v", name, err)
	}
	return in
}

func TestReclamationShredsDataKeys(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, resource.Config{ReclamationWindow: -1})
	in := e.create(t, "doomed")
	kept := e.create(t, "kept")
	b := envelope.Binding{Instance: in.GUID, Secret: "s1", Version: "v1"}
	ct, err := e.keys.Encrypt(ctx, b, []byte("a payload"))
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	kb := envelope.Binding{Instance: kept.GUID, Secret: "s1", Version: "v1"}
	kct, err := e.keys.Encrypt(ctx, kb, []byte("kept payload"))
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	del, err := e.svc.DeleteInstance(ctx, e.cred, in.GUID)
	if err != nil {
		t.Fatalf("DeleteInstance: %v", err)
	}
	if del.State != api.InstanceStatePendingReclamation || del.ScheduledReclaimAt == nil || del.Name != "doomed" {
		t.Errorf("DeleteInstance = state %q, scheduled_reclaim_at %v, name %q; want pending_reclamation, set, doomed",
			del.State, del.ScheduledReclaimAt, del.Name)
	}
	if _, err := e.svc.Instance(ctx, in.GUID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("Instance(deleted) = %v, want not found", err)
	}
	if n, err := e.svc.Reap(ctx); n != 1 || err != nil {
		t.Fatalf("Reap = %d, %v, want 1, nil", n, err)
	}
	if dks, err := e.st.DataKeys(ctx, in.GUID); err != nil || len(dks) != 0 {
		t.Errorf("DataKeys(reclaimed) = %d keys, %v; want none", len(dks), err)
	}
	if _, err := e.st.Instance(ctx, in.GUID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("store.Instance(reclaimed) = %v, want not found", err)
	}
	if pt, err := e.keys.Decrypt(ctx, b, ct); err == nil {
		t.Errorf("Decrypt after reclamation = %q, want an error", pt)
	}
	if pt, err := e.keys.Decrypt(ctx, kb, kct); err != nil || string(pt) != "kept payload" {
		t.Errorf("Decrypt(other instance) = %q, %v; want it intact", pt, err)
	}
	if n, err := e.svc.Reap(ctx); n != 0 || err != nil {
		t.Errorf("second Reap = %d, %v, want 0, nil", n, err)
	}
}

func TestReclamationWaitsForWindow(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, resource.Config{}) // the default window, 7 days
	in := e.create(t, "sm")
	if _, err := e.keys.Encrypt(ctx, envelope.Binding{Instance: in.GUID}, []byte("x")); err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	del, err := e.svc.DeleteInstance(ctx, e.cred, in.CRN)
	if err != nil {
		t.Fatalf("DeleteInstance(crn): %v", err)
	}
	if got, want := del.ScheduledReclaimAt.Sub(*del.DeletedAt), resource.DefaultReclamationWindow; got != want {
		t.Errorf("scheduled_reclaim_at - deleted_at = %v, want %v", got, want)
	}
	e.clock.advance(resource.DefaultReclamationWindow - time.Minute)
	if n, err := e.svc.Reap(ctx); n != 0 || err != nil {
		t.Fatalf("Reap inside the window = %d, %v, want 0", n, err)
	}
	if dks, _ := e.st.DataKeys(ctx, in.GUID); len(dks) != 1 {
		t.Errorf("data keys inside the window = %d, want 1", len(dks))
	}
	// The name is free at once.
	e.create(t, "sm")
	e.clock.advance(2 * time.Minute)
	if n, err := e.svc.Reap(ctx); n != 1 || err != nil {
		t.Fatalf("Reap after the window = %d, %v, want 1", n, err)
	}
	if dks, _ := e.st.DataKeys(ctx, in.GUID); len(dks) != 0 {
		t.Errorf("data keys after the window = %d, want 0", len(dks))
	}
}

func TestRunReapsUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	e := newEnv(t, resource.Config{ReclamationWindow: -1, ReapInterval: time.Hour})
	done := make(chan error, 1)
	go func() { done <- e.svc.Run(ctx) }()
	in := e.create(t, "sm")
	if _, err := e.svc.DeleteInstance(ctx, e.cred, in.GUID); err != nil {
		t.Fatalf("DeleteInstance: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for { // a deletion with no window wakes Run at once, not after the hour
		if _, err := e.st.Instance(ctx, in.GUID); errors.Is(err, store.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not reclaim the instance within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil after cancel", err)
	}
}

func TestDefaultGroupAndBootstrapInstance(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, resource.Config{})
	acct := e.boot.AccountID
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Go(func() {
			g, err := e.svc.EnsureDefaultGroup(ctx, acct)
			if err != nil {
				t.Errorf("EnsureDefaultGroup: %v", err)
				return
			}
			ids[i] = g.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] || len(id) != 32 {
			t.Fatalf("EnsureDefaultGroup ids = %q, want one 32-hex id", ids)
		}
	}
	in, err := e.svc.DefaultInstance(ctx, acct)
	if err != nil {
		t.Fatalf("DefaultInstance: %v", err)
	}
	if in.GUID != e.boot.DefaultInstance || in.ResourceGroupID != ids[0] {
		t.Errorf("DefaultInstance = %s in group %q, want the bootstrap instance %s in the Default group %s",
			in.GUID, in.ResourceGroupID, e.boot.DefaultInstance, ids[0])
	}
	if stored, _ := e.st.Instance(ctx, in.GUID); stored.ResourceGroupID != ids[0] {
		t.Errorf("stored bootstrap instance group = %q, want %s (attached for good)", stored.ResourceGroupID, ids[0])
	}
	if _, err := e.svc.EnsureDefaultGroup(ctx, "no-such-account"); !errors.Is(err, api.ErrFailedPrecondition) {
		t.Errorf("EnsureDefaultGroup(missing account) = %v, want failed precondition", err)
	}
}

func TestDefaultInstanceFallsBack(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, resource.Config{CacheTTL: -1})
	acct := e.boot.AccountID
	first := e.create(t, "first")
	e.clock.advance(time.Second)
	e.create(t, "second")
	if _, err := e.svc.DeleteInstance(ctx, e.cred, e.boot.DefaultInstance); err != nil {
		t.Fatalf("DeleteInstance(default): %v", err)
	}
	in, err := e.svc.DefaultInstance(ctx, acct)
	if err != nil || in.GUID != first.GUID {
		t.Fatalf("DefaultInstance without \"default\" = %v, %v, want the oldest (%s)", in, err, first.GUID)
	}
	for _, id := range []string{first.GUID, in.GUID} {
		e.svc.DeleteInstance(ctx, e.cred, id)
	}
	l, _ := e.svc.ListInstances(ctx, e.cred, resource.InstanceFilter{})
	for _, r := range l.Resources {
		e.svc.DeleteInstance(ctx, e.cred, r.GUID)
	}
	if in, err := e.svc.DefaultInstance(ctx, acct); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("DefaultInstance with no active instance = %v, %v, want not found", in, err)
	}
}

func TestInstanceCache(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, resource.Config{CacheTTL: time.Minute})
	in := e.create(t, "cached")
	if _, err := e.svc.Instance(ctx, in.GUID); err != nil {
		t.Fatalf("Instance: %v", err)
	}
	// A change behind the service's back (another node) shows after the TTL.
	row, _ := e.st.Instance(ctx, in.GUID)
	row.State = "inactive"
	if err := e.st.UpdateInstance(ctx, row); err != nil {
		t.Fatalf("UpdateInstance: %v", err)
	}
	if _, err := e.svc.Instance(ctx, in.GUID); err != nil {
		t.Errorf("Instance within the TTL = %v, want the cached instance", err)
	}
	e.clock.advance(2 * time.Minute)
	if _, err := e.svc.Instance(ctx, in.GUID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("Instance after the TTL = %v, want not found (inactive)", err)
	}
	// Changes through the service invalidate at once.
	other := e.create(t, "other")
	if got, err := e.svc.Instance(ctx, other.GUID); err != nil || got.Name != "other" {
		t.Fatalf("Instance(other) = %v, %v", got, err)
	}
	newName := "renamed"
	if _, err := e.svc.UpdateInstance(ctx, e.cred, other.GUID, api.UpdateResourceInstanceRequest{Name: &newName}); err != nil {
		t.Fatalf("UpdateInstance: %v", err)
	}
	if got, err := e.svc.Instance(ctx, other.GUID); err != nil || got.Name != newName {
		t.Errorf("Instance after rename = %v, %v, want name %q", got, err, newName)
	}
	if _, err := e.svc.DeleteInstance(ctx, e.cred, other.GUID); err != nil {
		t.Fatalf("DeleteInstance: %v", err)
	}
	if _, err := e.svc.Instance(ctx, other.GUID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("Instance after delete = %v, want not found at once", err)
	}
}

func TestInstanceCRN(t *testing.T) {
	in := &store.Instance{GUID: "0f6f4f8e-2a40-4b6a-9e57-6f9d1a1b2c3d", AccountID: "abc", Region: "us-south"}
	want := "crn:v1:coffer:public:secrets-manager:us-south:a/abc:0f6f4f8e-2a40-4b6a-9e57-6f9d1a1b2c3d::"
	if got := resource.InstanceCRN(in); got != want {
		t.Errorf("InstanceCRN = %q, want %q", got, want)
	}
}

func BenchmarkInstanceCached(b *testing.B) {
	e := newEnv(b, resource.Config{})
	in := e.create(b, "bench")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.svc.Instance(ctx, in.GUID); err != nil {
			b.Fatal(err)
		}
	}
}
