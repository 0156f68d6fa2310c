package authz_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/policy"
	"github.com/cofferhq/coffer/internal/reqctx"
)

const (
	acctA    = "acct-a"
	acctB    = "acct-b"
	instance = "11111111-2222-3333-4444-555555555555"
	userX    = "IBMid-user-x"
)

var userP = &authz.Principal{IAMID: userX, AccountID: acctA, Kind: "user"}

func smResource(kv ...string) authz.Resource {
	r := authz.Resource{AccountID: acctA, ServiceName: "secrets-manager", ServiceInstance: instance}
	if len(kv) == 2 {
		r.ResourceType, r.ID = kv[0], kv[1]
	}
	return r
}

// TestRoleTable checks, for every role and every Secrets Manager and IAM
// action, that a subject holding only that role is allowed exactly what
// the role table (reference §4.2, §3.6) grants, through the gate.
func TestRoleTable(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	services := []string{"secrets-manager", "iam-identity", "iam-access-management", "iam-groups"}
	roles := []policy.Role{policy.RoleViewer, policy.RoleOperator, policy.RoleEditor, policy.RoleAdministrator,
		policy.RoleReader, policy.RoleSecretsReader, policy.RoleWriter, policy.RoleManager, policy.RoleSecretTaskUpdater}
	for _, role := range roles {
		t.Run(role.Name(), func(t *testing.T) {
			for _, g := range policy.RoleActions() {
				if !slices.Contains(services, g.Service) {
					continue
				}
				p := grant("p", userX, acctA, []policy.Role{role}, policy.KeyServiceName, g.Service)
				if _, err := policy.Compile(p); err != nil {
					continue // a role that the service does not define
				}
				f.src.set(p)
				f.gate.Invalidate(ctx)
				res := authz.Resource{AccountID: acctA, ServiceName: g.Service}
				if got, want := f.gate.Allowed(ctx, userP, g.Action, res), slices.Contains(g.Roles, role); got != want {
					t.Errorf("Allowed(%s with %s on %s) = %v, want %v", g.Action, role.Name(), g.Service, got, want)
				}
			}
		})
	}
}

// TestRoleSpotChecks pins the rows most easily got wrong (reference §9).
func TestRoleSpotChecks(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	sm := func(a string) string { return "secrets-manager." + a }
	tests := []struct {
		role   policy.Role
		action string
		want   bool
	}{
		{policy.RoleReader, sm("secret-metadata.read"), true},
		{policy.RoleReader, sm("secrets.list"), true},
		{policy.RoleReader, sm("secret.read"), false},
		{policy.RoleReader, sm("secret-version.read"), false},
		{policy.RoleSecretsReader, sm("secret.read"), true},
		{policy.RoleSecretsReader, sm("secret.create"), false},
		{policy.RoleSecretsReader, sm("configurations.list"), false},
		{policy.RoleWriter, sm("secret.create"), true},
		{policy.RoleWriter, sm("secret-group.create"), false},
		{policy.RoleManager, sm("secret-group.create"), true},
		{policy.RoleManager, sm("secret-task.update"), false},
		{policy.RoleSecretTaskUpdater, sm("secret-task.update"), true},
		{policy.RoleViewer, sm("secret.read"), false},
		{policy.RoleAdministrator, sm("secret.read"), false},
	}
	for _, tc := range tests {
		f.src.set(grant("p", userX, acctA, []policy.Role{tc.role}, policy.KeyServiceName, "secrets-manager",
			policy.KeyServiceInstance, instance))
		f.gate.Invalidate(ctx)
		if got := f.gate.Allowed(ctx, userP, tc.action, smResource()); got != tc.want {
			t.Errorf("Allowed(%s with %s) = %v, want %v", tc.action, tc.role.Name(), got, tc.want)
		}
	}
}

// TestSecretGroupScope: a profile granted SecretsReader on one secret group
// (plus Viewer on the instance, as IBM instructs) reads that group only.
func TestSecretGroupScope(t *testing.T) {
	prof := &authz.Principal{IAMID: "iam-Profile-1", AccountID: acctA, Kind: "profile", ProfileID: "Profile-1"}
	f := newFixture(t, nil)
	f.src.set(
		grant("group", prof.IAMID, acctA, []policy.Role{policy.RoleSecretsReader}, policy.KeyServiceName, "secrets-manager",
			policy.KeyServiceInstance, instance, policy.KeyResourceType, "secret-group", policy.KeyResource, "group-1"),
		grant("viewer", prof.IAMID, acctA, []policy.Role{policy.RoleViewer}, policy.KeyServiceName, "secrets-manager",
			policy.KeyServiceInstance, instance))
	ctx := context.Background()
	tests := []struct {
		action string
		res    authz.Resource
		want   bool
	}{
		{"secrets-manager.secret.read", smResource("secret-group", "group-1"), true},
		{"secrets-manager.secret-metadata.read", smResource("secret-group", "group-1"), true},
		{"secrets-manager.secret.create", smResource("secret-group", "group-1"), false},
		{"secrets-manager.secret.read", smResource("secret-group", "group-2"), false},
		{"secrets-manager.secret-metadata.read", smResource("secret-group", "group-2"), false},
		{"secrets-manager.secret.read", smResource("secret-group", "default"), false},
		{"secrets-manager.secret-groups.list", smResource(), false},
		{"resource-controller.instance.retrieve", authz.Resource{AccountID: acctA, ServiceName: "secrets-manager", ServiceInstance: instance}, true},
	}
	for _, tc := range tests {
		if got := f.gate.Allowed(ctx, prof, tc.action, tc.res); got != tc.want {
			t.Errorf("Allowed(%s on %s/%s) = %v, want %v", tc.action, tc.res.ResourceType, tc.res.ID, got, tc.want)
		}
	}
}

// TestTenancy: nothing in another account, whatever the policies say.
func TestTenancy(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.src.set(append(adminPolicies(userX, acctA), adminPolicies(userX, acctB)...)...)
	for _, action := range []string{"iam-identity.serviceid.list", "secrets-manager.secret.read", "coffer.user.create"} {
		if !f.gate.Allowed(ctx, userP, action, authz.Resource{AccountID: acctA}) {
			t.Errorf("Allowed(%s in own account) = false, want true", action)
		}
		if f.gate.Allowed(ctx, userP, action, authz.Resource{AccountID: acctB}) {
			t.Errorf("Allowed(%s in another account) = true, want false", action)
		}
		if f.gate.Allowed(ctx, userP, action, authz.Resource{}) {
			t.Errorf("Allowed(%s with no account) = true, want false", action)
		}
	}
}

// TestOperatorActions: operator actions target the operator account.
func TestOperatorActions(t *testing.T) {
	op := &authz.Principal{IAMID: "IBMid-op", AccountID: "acct-op"}
	f := newFixture(t, nil, func(c *authz.Config) {
		c.OperatorAccount = func(context.Context) (string, error) { return "acct-op", nil }
	})
	f.src.set(append(adminPolicies(op.IAMID, "acct-op"), adminPolicies(userX, acctA)...)...)
	ctx := context.Background()
	if !f.gate.Allowed(ctx, op, authz.ActionOperatorSeal, authz.Resource{}) {
		t.Errorf("operator admin: Allowed(seal) = false, want true")
	}
	if f.gate.Allowed(ctx, userP, authz.ActionOperatorSeal, authz.Resource{}) {
		t.Errorf("another account's admin: Allowed(seal) = true, want false")
	}
}

// TestCacheAndInvalidate: decisions are cached until Invalidate, which takes
// effect on the next request, on every gate of the bus.
func TestCacheAndInvalidate(t *testing.T) {
	bus := authz.NewBus()
	f := newFixture(t, nil, func(c *authz.Config) { c.Bus = bus })
	other := newFixture(t, nil, func(c *authz.Config) { c.Bus = bus })
	other.src = f.src
	ctx := context.Background()
	read := "secrets-manager.secret.read"
	f.src.set(grant("p", userX, acctA, []policy.Role{policy.RoleSecretsReader}, policy.KeyServiceName, "secrets-manager"))
	for range 3 {
		if err := f.gate.Authorize(ctx, userP, read, smResource()); err != nil {
			t.Fatalf("Authorize = %v, want nil", err)
		}
	}
	if n := f.src.calls.Load(); n != 1 {
		t.Errorf("PoliciesFor called %d times for 3 identical decisions, want 1", n)
	}
	f.gate.Allowed(ctx, userP, "secrets-manager.secret-metadata.read", smResource())
	if n := f.src.calls.Load(); n != 1 {
		t.Errorf("PoliciesFor called %d times after another action, want 1 (principal cache)", n)
	}
	f.src.set() // the policy is removed ...
	if !f.gate.Allowed(ctx, userP, read, smResource()) {
		t.Errorf("before Invalidate: Allowed = false, want the cached true")
	}
	gen := other.gate.Generation()
	if err := f.gate.Invalidate(ctx); err != nil { // ... and the access service says so
		t.Fatalf("Invalidate = %v", err)
	}
	if err := f.gate.Authorize(ctx, userP, read, smResource()); !errors.Is(err, api.ErrPermissionDenied) {
		t.Errorf("after Invalidate: Authorize = %v, want permission denied", err)
	}
	if g := other.gate.Generation(); g <= gen {
		t.Errorf("other gate on the bus: generation %d after Invalidate, want > %d", g, gen)
	}
}

// TestCacheTTL: entries expire without an invalidation.
func TestCacheTTL(t *testing.T) {
	f := newFixture(t, nil, func(c *authz.Config) { c.CacheTTL = time.Minute })
	ctx := context.Background()
	f.src.set(adminPolicies(userX, acctA)...)
	f.gate.Allowed(ctx, userP, "coffer.user.list", authz.AccountResource(acctA))
	later := f.now.Load().Add(2 * time.Minute)
	f.now.Store(&later)
	f.gate.Allowed(ctx, userP, "coffer.user.list", authz.AccountResource(acctA))
	if n := f.src.calls.Load(); n != 2 {
		t.Errorf("PoliciesFor calls = %d after the TTL passed, want 2", n)
	}
}

// TestTimeRulesNotCached: a decision under a time rule follows the clock.
func TestTimeRulesNotCached(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	p := grant("p", userX, acctA, []policy.Role{policy.RoleSecretsReader}, policy.KeyServiceName, "secrets-manager")
	p.Pattern = policy.PatternOnce
	p.Rule = &policy.Rule{Operator: policy.And, Conditions: []policy.Rule{
		{Key: policy.KeyCurrentDateTime, Operator: policy.DateTimeLessThan, Value: "2026-03-02T13:00:00+00:00"},
	}}
	f.src.set(p)
	read := "secrets-manager.secret.read"
	if !f.gate.Allowed(ctx, userP, read, smResource()) {
		t.Fatalf("Allowed at 12:00 = false, want true")
	}
	later := f.now.Load().Add(2 * time.Hour)
	f.now.Store(&later)
	if f.gate.Allowed(ctx, userP, read, smResource()) {
		t.Errorf("Allowed at 14:00 = true (a cached decision), want false")
	}
}

// TestAuditEvents: one event per decision, with the initiator and request
// metadata; none for Allowed; anonymous failures without the credential.
func TestAuditEvents(t *testing.T) {
	const key = "the-api-key-value"
	f := newFixture(t, fakeAuth{key: {IAMID: userX, AccountID: acctA, Kind: "serviceid", APIKeyID: "ApiKey-1"}})
	f.src.set(grant("p", userX, acctA, []policy.Role{policy.RoleReader}, policy.KeyServiceName, "secrets-manager"))
	ctx := reqctx.With(context.Background(), "rid-1", "192.0.2.1:4000", "sdk/1")
	res := smResource("secret-group", "default")
	res.CRN = "crn:v1:coffer:public:secrets-manager:local:a/acct-a:" + instance + "::"
	if _, err := f.gate.Check(ctx, authz.Credential{APIKey: key}, "secrets-manager.secret-metadata.read", res); err != nil {
		t.Fatalf("Check(metadata) = %v", err)
	}
	if _, err := f.gate.Check(ctx, authz.Credential{APIKey: key}, "secrets-manager.secret.read", res); !errors.Is(err, api.ErrPermissionDenied) {
		t.Fatalf("Check(payload) = %v, want permission denied", err)
	}
	if _, err := f.gate.Check(ctx, authz.Credential{APIKey: "wrong-key"}, "secrets-manager.secret.read", res); !errors.Is(err, api.ErrUnauthenticated) {
		t.Fatalf("Check(bad key) = %v, want unauthenticated", err)
	}
	f.gate.Allowed(ctx, userP, "secrets-manager.secret.read", res)
	type row struct{ Action, IAMID, Kind, APIKey, Outcome, Source, RID, Target, Instance string }
	var got []row
	for _, e := range f.audit.all() {
		got = append(got, row{e.Action, e.Initiator.IAMID, e.Initiator.Kind, e.Initiator.APIKeyID, e.Outcome,
			e.Initiator.SourceAddr, e.RequestID, e.Target, e.Details["service_instance"]})
		if strings.Contains(e.Reason, "wrong-key") || strings.Contains(e.Reason, key) {
			t.Errorf("event %s has the credential in its reason %q", e.Action, e.Reason)
		}
		if e.Outcome != api.OutcomeSuccess && e.Reason == "" {
			t.Errorf("event %s %s has no reason", e.Action, e.Outcome)
		}
	}
	want := []row{
		{"secrets-manager.secret-metadata.read", userX, "serviceid", "ApiKey-1", "success", "192.0.2.1:4000", "rid-1", res.CRN, instance},
		{"secrets-manager.secret.read", userX, "serviceid", "ApiKey-1", "denied", "192.0.2.1:4000", "rid-1", res.CRN, instance},
		{"secrets-manager.secret.read", "", "anonymous", "", "failure", "192.0.2.1:4000", "rid-1", res.CRN, instance},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit events (-want +got):\n%s", diff)
	}
}

// TestAuditFailClosed: when the audit trail cannot be written, even an
// allowed operation fails with 503.
func TestAuditFailClosed(t *testing.T) {
	f := newFixture(t, nil)
	f.src.set(adminPolicies(userX, acctA)...)
	f.audit.fail.Store(true)
	ctx := context.Background()
	err := f.gate.Authorize(ctx, userP, "coffer.user.list", authz.AccountResource(acctA))
	if !errors.Is(err, api.ErrUnavailable) || strings.Contains(err.Error(), "disk full") {
		t.Errorf("Authorize with the audit trail down = %v, want unavailable without the cause", err)
	}
	f.audit.fail.Store(false)
	if err := f.gate.Authorize(ctx, userP, "coffer.user.list", authz.AccountResource(acctA)); err != nil {
		t.Errorf("Authorize after recovery = %v, want nil", err)
	}
}

// TestPolicySourceDown: a decision that cannot be made fails, audited.
func TestPolicySourceDown(t *testing.T) {
	f := newFixture(t, nil)
	f.src.err = api.Errorf(api.ErrUnavailable, "store down")
	err := f.gate.Authorize(context.Background(), userP, "coffer.user.list", authz.AccountResource(acctA))
	if !errors.Is(err, api.ErrUnavailable) {
		t.Errorf("Authorize with the policies unreachable = %v, want unavailable", err)
	}
	if ev := f.audit.all(); len(ev) != 1 || ev[0].Outcome != api.OutcomeFailure {
		t.Errorf("audit events = %v, want one failure", ev)
	}
}

// TestNew refuses missing dependencies.
func TestNew(t *testing.T) {
	if _, err := authz.New(authz.Config{}); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("New(empty) = %v, want invalid", err)
	}
}
