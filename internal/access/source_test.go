package access_test

import (
	"context"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/access"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/policy"
	"github.com/cofferhq/coffer/internal/store"
	"github.com/cofferhq/coffer/internal/store/storetest"
)

// fakeGate authenticates the API key "admin-<account>" as that account's
// administrator, allows administrators everything in their account, and
// counts invalidations.
type fakeGate struct{ invalidations int }

func (g *fakeGate) Authenticate(_ context.Context, c authz.Credential) (*authz.Principal, error) {
	acct := string(c.APIKey)[len("admin-"):]
	return &authz.Principal{IAMID: "IBMid-admin-" + acct, AccountID: acct, Admin: true}, nil
}

func (g *fakeGate) Authorize(_ context.Context, p *authz.Principal, action string, res authz.Resource) error {
	if p.AccountID != res.AccountID {
		return api.Errorf(api.ErrPermissionDenied, "no")
	}
	return nil
}

func (g *fakeGate) Invalidate(context.Context) error { g.invalidations++; return nil }

type fixture struct {
	st   *store.Store
	svc  *access.Service
	gate *fakeGate
	cred authz.Credential
}

func newFixture(tb testing.TB, accounts ...string) *fixture {
	tb.Helper()
	f := &fixture{st: storetest.OpenSQLite(tb), gate: &fakeGate{}}
	ctx := context.Background()
	for _, a := range accounts {
		if err := f.st.CreateAccount(ctx, &store.Account{ID: a, Name: a, State: "ACTIVE"}); err != nil {
			tb.Fatal(err)
		}
		for _, u := range []string{"IBMid-admin-" + a, "IBMid-u-" + a} {
			if err := f.st.CreateUser(ctx, &store.User{IAMID: u, AccountID: a, Name: u, State: "ACTIVE"}); err != nil {
				tb.Fatal(err)
			}
		}
	}
	var err error
	if f.svc, err = access.New(access.Config{Store: f.st, Gate: f.gate}); err != nil {
		tb.Fatal(err)
	}
	f.cred = authz.Credential{APIKey: api.Sensitive("admin-" + accounts[0])}
	return f
}

func (f *fixture) grant(tb testing.TB, acct, key, subject, instance string) string {
	tb.Helper()
	p := api.V2Policy{Type: "access",
		Subject: &api.V2PolicySubject{Attributes: []api.V2PolicyAttribute{{Key: key, Operator: "stringEquals", Value: subject}}},
		Resource: &api.V2PolicyResource{Attributes: []api.V2PolicyAttribute{{Key: "accountId", Operator: "stringEquals", Value: acct},
			{Key: "serviceName", Operator: "stringEquals", Value: "secrets-manager"},
			{Key: "serviceInstance", Operator: "stringEquals", Value: instance}}},
		Control: api.V2PolicyControl{Grant: api.V2PolicyGrant{Roles: []api.V2PolicyRole{{RoleID: string(policy.RoleSecretsReader)}}}}}
	out, err := f.svc.CreateV2Policy(context.Background(), authz.Credential{APIKey: api.Sensitive("admin-" + acct)}, p)
	if err != nil {
		tb.Fatalf("CreateV2Policy(%s on %s): %v", subject, instance, err)
	}
	return out.ID
}

func ids(ps []*policy.Compiled) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Policy().ID)
	}
	sort.Strings(out)
	return out
}

func TestPoliciesFor(t *testing.T) {
	f := newFixture(t, "acct-a", "acct-b")
	ctx := context.Background()
	user := "IBMid-u-acct-a"
	g, err := f.svc.CreateAccessGroup(ctx, f.cred, "", api.CreateAccessGroupRequest{Name: "readers"})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := f.svc.CreateAccessGroup(ctx, f.cred, "", api.CreateAccessGroupRequest{Name: "others"})
	direct := f.grant(t, "acct-a", "iam_id", user, "i-1")
	viaGroup := f.grant(t, "acct-a", "access_group_id", g.ID, "i-2")
	f.grant(t, "acct-a", "access_group_id", other.ID, "i-3")    // not a member
	f.grant(t, "acct-a", "iam_id", "IBMid-admin-acct-a", "i-4") // someone else
	f.grant(t, "acct-b", "iam_id", "IBMid-u-acct-b", "i-5")     // another account
	before := f.gate.invalidations
	if _, err := f.svc.AddGroupMembers(ctx, f.cred, g.ID, api.AddGroupMembersRequest{Members: []api.AddGroupMember{{IAMID: user, Type: "user"}}}); err != nil {
		t.Fatal(err)
	}
	if f.gate.invalidations != before+1 {
		t.Errorf("adding a member made %d invalidations, want 1", f.gate.invalidations-before)
	}
	ps, groups, err := f.svc.PoliciesFor(ctx, "acct-a", user)
	want := []string{direct, viaGroup}
	sort.Strings(want)
	if err != nil || !cmp.Equal(ids(ps), want) || !cmp.Equal(groups, []string{g.ID}) {
		t.Fatalf("PoliciesFor = %v, %v, %v; want %v, [%s]", ids(ps), groups, err, want, g.ID)
	}
	d := policy.DecideCompiled(policy.Request{Subject: policy.Subject{IAMID: user, AccessGroups: groups, AccountID: "acct-a"},
		Action: "secrets-manager.secret.read", Resource: map[string]string{"accountId": "acct-a", "serviceInstance": "i-2"}}, ps)
	if !d.Allowed {
		t.Errorf("the group's policy does not allow reading on i-2: %v", d)
	}
	// Soft-deleting the direct policy and leaving the group take effect.
	if _, err := f.svc.UpdatePolicyState(ctx, f.cred, direct, "*", api.UpdatePolicyStateRequest{State: "deleted"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RemoveGroupMember(ctx, f.cred, g.ID, user); err != nil {
		t.Fatal(err)
	}
	if ps, groups, err = f.svc.PoliciesFor(ctx, "acct-a", user); err != nil || len(ps) != 0 || len(groups) != 0 {
		t.Errorf("after removals PoliciesFor = %v, %v, %v; want none", ids(ps), groups, err)
	}
	if n := f.gate.invalidations - before; n != 3 {
		t.Errorf("%d invalidations for add, soft delete and remove, want 3", n)
	}
}

func TestCreateAdminPolicies(t *testing.T) {
	f := newFixture(t, "acct-a")
	ctx := context.Background()
	admin := "IBMid-admin-acct-a"
	for range 2 { // idempotent
		if err := f.svc.CreateAdminPolicies(ctx, "acct-a", admin); err != nil {
			t.Fatalf("CreateAdminPolicies: %v", err)
		}
	}
	ps, _, err := f.svc.PoliciesFor(ctx, "acct-a", admin)
	if err != nil || len(ps) != 2 {
		t.Fatalf("PoliciesFor(admin) = %d policies, %v; want 2", len(ps), err)
	}
	for _, action := range []string{"iam-access-management.policy.create", "iam-groups.member.add",
		"secrets-manager.secret.read", "secrets-manager.secret-group.create", "coffer-operator.seal.update"} {
		d := policy.DecideCompiled(policy.Request{Subject: policy.Subject{IAMID: admin, AccountID: "acct-a"},
			Action: action, Resource: map[string]string{"accountId": "acct-a"}}, ps)
		if !d.Allowed {
			t.Errorf("admin may not %s: %v", action, d)
		}
	}
	d := policy.DecideCompiled(policy.Request{Subject: policy.Subject{IAMID: admin, AccountID: "acct-a"},
		Action: "secrets-manager.secret-task.update", Resource: map[string]string{"accountId": "acct-a"}}, ps)
	if d.Allowed {
		t.Errorf("admin may update secret tasks, which only SecretTaskUpdater grants")
	}
}
