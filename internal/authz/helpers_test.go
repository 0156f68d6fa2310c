package authz_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/audit"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/policy"
	"github.com/cofferhq/coffer/internal/store"
)

// fakeAuth knows principals by API key value.
type fakeAuth map[string]*authz.Principal

func (f fakeAuth) Authenticate(_ context.Context, cred authz.Credential) (*authz.Principal, error) {
	if p, ok := f[cred.APIKey.Reveal()]; ok {
		c := *p
		return &c, nil
	}
	return nil, api.Errorf(api.ErrUnauthenticated, "the credential is not valid")
}

// fakeSource holds policies by subject iam_id (or group id) and group
// memberships, and counts PoliciesFor calls.
type fakeSource struct {
	mu       sync.Mutex
	policies []policy.Policy
	groups   map[string][]string // iam_id → group ids
	calls    atomic.Int64
	err      error
}

func (f *fakeSource) set(ps ...policy.Policy) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.policies = ps
}

func (f *fakeSource) PoliciesFor(_ context.Context, accountID, iamID string) ([]*policy.Compiled, []string, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, nil, f.err
	}
	groups := f.groups[iamID]
	var out []*policy.Compiled
	for _, p := range f.policies {
		s := p.Subject[0].Value.(string)
		if s != iamID && !contains(groups, s) {
			continue
		}
		c, err := policy.Compile(p)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, c)
	}
	return out, groups, nil
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

// memAudit records events; Write fails while fail is set.
type memAudit struct {
	mu     sync.Mutex
	events []audit.Event
	fail   atomic.Bool
}

func (m *memAudit) Write(_ context.Context, e audit.Event) error {
	if m.fail.Load() {
		return errors.New("disk full")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, e)
	return nil
}

func (m *memAudit) Query(context.Context, audit.Filter) ([]audit.Event, string, error) {
	return nil, "", nil
}

func (m *memAudit) Verify(context.Context, int64, int64) (audit.VerifyReport, error) {
	return audit.VerifyReport{}, nil
}

func (m *memAudit) AppendTx(_ context.Context, _ *store.Tx, e audit.Event) (audit.Event, error) {
	if m.fail.Load() {
		return audit.Event{}, errors.New("disk full")
	}
	return e, nil
}

func (m *memAudit) Published(events ...audit.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, events...)
}

func (m *memAudit) all() []audit.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]audit.Event(nil), m.events...)
}

// fixture is a gate over fakes.
type fixture struct {
	gate  *authz.Gate
	src   *fakeSource
	audit *memAudit
	now   atomic.Pointer[time.Time]
}

func newFixture(tb testing.TB, auth fakeAuth, mod ...func(*authz.Config)) *fixture {
	tb.Helper()
	f := &fixture{src: &fakeSource{groups: map[string][]string{}}, audit: &memAudit{}}
	t0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	f.now.Store(&t0)
	cfg := authz.Config{Authenticator: auth, Policies: f.src, Audit: f.audit,
		Now: func() time.Time { return *f.now.Load() }}
	for _, m := range mod {
		m(&cfg)
	}
	g, err := authz.New(cfg)
	if err != nil {
		tb.Fatalf("authz.New: %v", err)
	}
	tb.Cleanup(func() { g.Close() })
	f.gate = g
	return f
}

// grant returns an active access policy giving iamID roles on the resource
// attributes kv (key, value pairs), in account.
func grant(id, iamID, account string, roles []policy.Role, kv ...string) policy.Policy {
	p := policy.Policy{ID: id, Type: policy.TypeAccess, State: policy.StateActive, Roles: roles,
		Subject:  []policy.Attribute{{Key: policy.KeyIAMID, Value: iamID}},
		Resource: []policy.Attribute{{Key: policy.KeyAccountID, Value: account}}}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Resource = append(p.Resource, policy.Attribute{Key: kv[i], Value: kv[i+1]})
	}
	return p
}

// adminPolicies are the bootstrap administrator's policies.
func adminPolicies(iamID, account string) []policy.Policy {
	return []policy.Policy{
		grant("admin-platform", iamID, account, []policy.Role{policy.RoleAdministrator}, policy.KeyServiceType, "platform_service"),
		grant("admin-service", iamID, account, []policy.Role{policy.RoleAdministrator, policy.RoleManager}, policy.KeyServiceType, "service"),
	}
}
