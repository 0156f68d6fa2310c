package rotation

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/events"
	"github.com/cofferhq/coffer/internal/store"
)

// fakeStore keeps one auto-rotated secret in memory with the store's claim
// rules.
type fakeStore struct {
	mu        sync.Mutex
	next      time.Time // next_rotation_date
	notBefore time.Time
	claim     string
	attempts  int64
	exp       time.Time
	stage     int64
	expNB     time.Time
}

func (f *fakeStore) ClaimDueRotations(_ context.Context, now time.Time, lease time.Duration, _ int, claim string) ([]*store.RotationClaim, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.next.IsZero() || f.next.After(now) || f.notBefore.After(now) {
		return nil, nil
	}
	f.claim, f.notBefore = claim, now.Add(lease)
	f.attempts++
	return []*store.RotationClaim{{SecretID: "s1", InstanceGUID: "i1", Attempts: f.attempts, Claim: claim}}, nil
}

func (f *fakeStore) FinishRotation(_ context.Context, _, claim string, retryAt time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if claim != f.claim {
		return store.ErrConflict
	}
	f.claim, f.notBefore = "", retryAt
	if retryAt.IsZero() {
		f.attempts = 0
	}
	return nil
}

func (f *fakeStore) FinishRotations(ctx context.Context, claim string, ids []string) (int, error) {
	n := 0
	for _, id := range ids {
		if f.FinishRotation(ctx, id, claim, time.Time{}) == nil {
			n++
		}
	}
	return n, nil
}

func (f *fakeStore) ClaimDueExpiries(_ context.Context, now, horizon time.Time, lease time.Duration, _ int) ([]*store.ExpiryClaim, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.exp.IsZero() || f.exp.After(horizon) || f.stage < 0 || f.expNB.After(now) {
		return nil, nil
	}
	f.expNB = now.Add(lease)
	return []*store.ExpiryClaim{{SecretID: "s1", InstanceGUID: "i1", ExpirationDate: f.exp, Stage: f.stage}}, nil
}

func (f *fakeStore) FinishExpiry(_ context.Context, _ string, stage int64, nb time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stage, f.expNB = stage, nb
	return nil
}

func (f *fakeStore) ClaimDueRetirements(context.Context, time.Time, time.Duration, int, string) ([]*store.RetireClaim, error) {
	return nil, nil
}
func (f *fakeStore) FinishRetirement(context.Context, string, string, time.Time) error { return nil }
func (f *fakeStore) Secret(context.Context, string, string) (*store.Secret, error) {
	return &store.Secret{ID: "s1", Name: "db", Type: api.SecretTypeUsernamePassword}, nil
}

// fakeSecrets rotates by moving next_rotation_date a day on, or fails.
type fakeSecrets struct {
	st       *fakeStore
	mu       sync.Mutex
	rotated  []time.Time
	fail     func(n int) error // nil: never
	calls    int
	failures int // RecordRotationFailure calls
}

func (f *fakeSecrets) RotateSecret(context.Context, string, string) (*api.SecretVersionMetadata, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		if err := f.fail(f.calls); err != nil {
			return nil, err
		}
	}
	now := time.Now()
	f.rotated = append(f.rotated, now)
	f.st.mu.Lock()
	f.st.next = now.Add(day)
	f.st.mu.Unlock()
	return &api.SecretVersionMetadata{ID: "v"}, nil
}
func (f *fakeSecrets) RecordRotationFailure(_ context.Context, _, id, _ string, _ int64, _ time.Time) (*api.SecretMetadata, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures++
	return &api.SecretMetadata{ID: id, CRN: "crn:v1:coffer:public:secrets-manager:r:a/a:i1:secret:" + id}, nil
}
func (f *fakeSecrets) RetireVersion(context.Context, string, string, string) error { return nil }
func (f *fakeSecrets) RecordExpiry(context.Context, string, string) (*store.Secret, error) {
	return &store.Secret{ID: "s1"}, nil
}

type fakeBus struct {
	mu     sync.Mutex
	events []*events.Event
}

func (b *fakeBus) Publish(_ context.Context, ev *events.Event) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events = append(b.events, ev)
	return nil
}

func (b *fakeBus) count(typ string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, e := range b.events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func newScheduler(tb testing.TB, st Store, sec Secrets, bus Publisher) *Scheduler {
	tb.Helper()
	s, err := New(Config{Store: st, Secrets: sec, Events: bus, Interval: time.Hour, Backoff: time.Minute,
		MaxBackoff: 4 * time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func runFor(s *Scheduler, d time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(ctx) }()
	time.Sleep(d)
	cancel()
	<-done
}

func TestYearOfDailyRotations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &fakeStore{next: time.Now().Add(day)}
		sec := &fakeSecrets{st: st}
		bus := &fakeBus{}
		runFor(newScheduler(t, st, sec, bus), 365*day+time.Minute)
		if got := len(sec.rotated); got != 365 {
			t.Errorf("rotations in a year = %d, want 365", got)
		}
		for i := 1; i < len(sec.rotated); i++ {
			if gap := sec.rotated[i].Sub(sec.rotated[i-1]); gap < day || gap > day+time.Hour {
				t.Fatalf("rotation %d came %v after the previous one, want 24h to 25h", i, gap)
			}
		}
		if got := bus.count(events.SecretRotated); got != 0 {
			t.Errorf("secret.rotated events from the scheduler = %d, want 0 (the service publishes them)", got)
		}
	})
}

func TestFailureBacksOffAndRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		st := &fakeStore{next: start}
		sec := &fakeSecrets{st: st, fail: func(n int) error {
			if n <= 4 {
				return api.Errorf(api.ErrUnavailable, "database down")
			}
			return nil
		}}
		bus := &fakeBus{}
		s, err := New(Config{Store: st, Secrets: sec, Events: bus, Interval: time.Second, Backoff: time.Minute, MaxBackoff: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		runFor(s, 30*time.Minute)
		// Failures at 0, +1m, +2m (cum 3m), +4m (cum 7m); success at +8m (cum 15m).
		if sec.calls != 5 || len(sec.rotated) != 1 {
			t.Fatalf("calls = %d, rotations = %d, want 5 and 1", sec.calls, len(sec.rotated))
		}
		if got, want := sec.rotated[0].Sub(start).Round(time.Second), 15*time.Minute; got < want || got > want+5*time.Second {
			t.Errorf("success after %v, want about %v (exponential backoff)", got, want)
		}
		if got := bus.count(events.SecretRotationFailed); got != 4 {
			t.Errorf("rotation_failed events = %d, want 4", got)
		}
		if sec.failures != 4 {
			t.Errorf("RecordRotationFailure calls = %d, want 4", sec.failures)
		}
		if st.attempts != 0 {
			t.Errorf("attempts after success = %d, want 0", st.attempts)
		}
	})
}

func TestExpiryNoticesAndExpired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &fakeStore{exp: time.Now().Add(40 * day)}
		sec := &fakeSecrets{st: st}
		bus := &fakeBus{}
		runFor(newScheduler(t, st, sec, bus), 41*day)
		if got := bus.count(events.SecretExpiringSoon); got != 3 {
			t.Errorf("expiring_soon events = %d, want 3 (30, 7, 1 days)", got)
		}
		if got := bus.count(events.SecretExpired); got != 1 {
			t.Errorf("expired events = %d, want 1", got)
		}
		if st.stage != expiredStage {
			t.Errorf("stage = %d, want %d", st.stage, expiredStage)
		}
	})
}

func TestRestartLosesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &fakeStore{next: time.Now().Add(day)}
		sec := &fakeSecrets{st: st}
		runFor(newScheduler(t, st, sec, nil), 2*day+time.Minute) // rotates twice, then "crashes"
		time.Sleep(3 * day)                                      // down for three days
		runFor(newScheduler(t, st, sec, nil), time.Minute)       // catches up at once
		if got := len(sec.rotated); got != 3 {
			t.Errorf("rotations = %d, want 3 (two, then the overdue one at restart)", got)
		}
	})
}

func TestBackoff(t *testing.T) {
	s := newScheduler(t, &fakeStore{}, &fakeSecrets{}, nil)
	for _, c := range []struct {
		attempts int64
		want     time.Duration
	}{{1, time.Minute}, {2, 2 * time.Minute}, {3, 4 * time.Minute}, {20, 4 * time.Hour}} {
		if got := s.backoff(c.attempts); got != c.want {
			t.Errorf("backoff(%d) = %v, want %v", c.attempts, got, c.want)
		}
	}
	if _, err := New(Config{}); err == nil || errors.Is(err, nil) {
		t.Errorf("New(Config{}) = nil error, want one")
	}
}
