package rotation

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// manyStore keeps n due secrets in memory with the store's claim rules and
// counts the store calls that end claims.
type manyStore struct {
	fakeStore // expiries and retirements: none
	mu        sync.Mutex
	secrets   map[string]*claimRow
	finishes  int // FinishRotations calls
	failStore error
}

type claimRow struct {
	due       bool
	notBefore time.Time
	claim     string
	attempts  int64
}

func newManyStore(n int) *manyStore {
	m := &manyStore{secrets: map[string]*claimRow{}}
	for i := range n {
		m.secrets[fmt.Sprintf("s%03d", i)] = &claimRow{due: true}
	}
	return m
}

func (m *manyStore) ClaimDueRotations(_ context.Context, now time.Time, lease time.Duration, limit int, claim string) ([]*store.RotationClaim, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*store.RotationClaim
	for _, id := range slices.Sorted(maps.Keys(m.secrets)) { // ORDER BY id
		r := m.secrets[id]
		if len(out) == limit || !r.due || r.notBefore.After(now) {
			continue
		}
		r.claim, r.notBefore = claim, now.Add(lease)
		r.attempts++
		out = append(out, &store.RotationClaim{SecretID: id, InstanceGUID: "i1", Attempts: r.attempts, Claim: claim})
	}
	return out, nil
}

func (m *manyStore) FinishRotation(_ context.Context, id, claim string, retryAt time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failStore != nil {
		return m.failStore
	}
	r := m.secrets[id]
	if r == nil || r.claim != claim {
		return store.ErrConflict
	}
	r.claim, r.notBefore = "", retryAt
	if retryAt.IsZero() {
		r.attempts = 0
	}
	return nil
}

func (m *manyStore) FinishRotations(ctx context.Context, claim string, ids []string) (int, error) {
	m.mu.Lock()
	m.finishes++
	m.mu.Unlock()
	n := 0
	for _, id := range ids {
		if m.FinishRotation(ctx, id, claim, time.Time{}) == nil {
			n++
		}
	}
	return n, nil
}

// slowSecrets takes a second per rotation, fails the secrets in fail, and
// records how many rotations ran at once.
type slowSecrets struct {
	fakeSecrets
	st      *manyStore
	fail    map[string]bool
	mu      sync.Mutex
	calls   map[string]int
	running int
	most    int
}

func (f *slowSecrets) RotateSecret(_ context.Context, _, id string) (*api.SecretVersionMetadata, error) {
	f.mu.Lock()
	f.calls[id]++
	f.running++
	f.most = max(f.most, f.running)
	f.mu.Unlock()
	time.Sleep(time.Second)
	f.mu.Lock()
	f.running--
	f.mu.Unlock()
	if f.fail[id] {
		return nil, api.Errorf(api.ErrUnavailable, "issuer down")
	}
	f.st.mu.Lock()
	f.st.secrets[id].due = false // next_rotation_date moved on
	f.st.mu.Unlock()
	return &api.SecretVersionMetadata{ID: "v-" + id}, nil
}

func TestSweepRotatesBatchesWithBoundedWorkers(t *testing.T) {
	for _, workers := range []int{1, 4, 16} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := newManyStore(250)
				sec := &slowSecrets{st: st, fail: map[string]bool{"s007": true, "s123": true}, calls: map[string]int{}}
				s, err := New(Config{Store: st, Secrets: sec, Batch: 100, Workers: workers, Backoff: time.Hour})
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				r, err := s.Sweep(context.Background())
				if err != nil {
					t.Fatalf("Sweep: %v", err)
				}
				if diff := cmp.Diff(Result{Rotated: 248, Failed: 2}, r); diff != "" {
					t.Errorf("Sweep result (-want +got):\n%s", diff)
				}
				if sec.most != workers {
					t.Errorf("rotations at once = %d, want %d (Workers)", sec.most, workers)
				}
				// 100 + 100 + 50 claimed: ceil(100/w) + ceil(100/w) + ceil(50/w) seconds.
				batches := 2*((100+workers-1)/workers) + (50+workers-1)/workers
				if got, want := time.Since(start), time.Duration(batches)*time.Second; got != want {
					t.Errorf("sweep took %v, want %v", got, want)
				}
				checkClaims(t, st, sec)
			})
		})
	}
}

// checkClaims checks that each secret was rotated once and its claim
// ended: cleared after a success, waiting for its retry after a failure,
// the successes ended by one FinishRotations call per batch.
func checkClaims(t *testing.T, st *manyStore, sec *slowSecrets) {
	t.Helper()
	for id, r := range st.secrets {
		if sec.calls[id] != 1 {
			t.Errorf("RotateSecret(%s) calls = %d, want 1", id, sec.calls[id])
		}
		wantAttempts := int64(0)
		if sec.fail[id] {
			wantAttempts = 1
		}
		if r.claim != "" || r.attempts != wantAttempts {
			t.Errorf("secret %s: claim %q, attempts %d; want no claim, attempts %d", id, r.claim, r.attempts, wantAttempts)
		}
		if sec.fail[id] != !r.notBefore.IsZero() {
			t.Errorf("secret %s: retry at %v, want a retry time only after a failure", id, r.notBefore)
		}
	}
	if st.finishes != 3 {
		t.Errorf("FinishRotations calls = %d, want 3 (one per batch)", st.finishes)
	}
}

// TestSweepStopsAtStoreError: when the store fails, the batch stops handing
// out secrets, the ones already rotated still have their claims ended, and
// the sweep returns the error.
func TestSweepStopsAtStoreError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newManyStore(40)
		st.failStore = errors.New("database down")
		fail := map[string]bool{}
		for id := range st.secrets {
			fail[id] = id == "s000" || id == "s001"
		}
		sec := &slowSecrets{st: st, fail: fail, calls: map[string]int{}}
		s, err := New(Config{Store: st, Secrets: sec, Batch: 100, Workers: 4})
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Sweep(context.Background())
		if err == nil || err.Error() != "database down" {
			t.Fatalf("Sweep error = %v, want database down", err)
		}
		calls := 0
		for _, n := range sec.calls {
			calls += n
		}
		if calls >= 40 {
			t.Errorf("RotateSecret calls after the store failed = %d, want fewer than 40", calls)
		}
		if r.Rotated != calls-r.Failed || st.finishes != 1 {
			t.Errorf("Result %+v after %d calls, FinishRotations calls %d; want the successes counted and finished once", r, calls, st.finishes)
		}
	})
}
