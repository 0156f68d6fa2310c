package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// runPolicy runs the cases of the policy and access group tables (migration
// 0007).
func runPolicy(t *testing.T, open func(testing.TB) *store.Store) {
	t.Run("AccessGroup", func(t *testing.T) { accessGroups.run(t, open) })
	tests := []struct {
		name string
		test func(*testing.T, *store.Store)
	}{
		{"PolicyCRUD", testPolicyCRUD},
		{"PolicyMatchKey", testPolicyMatchKey},
		{"PolicyFilters", testPolicyFilters},
		{"GroupMembers", testGroupMembers},
		{"PoliciesFor", testPoliciesFor},
		{"PolicyCascade", testPolicyCascade},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, open(t)) })
	}
}

var accessGroups = entity[store.AccessGroup]{
	make: func(acct string, i int) *store.AccessGroup {
		return &store.AccessGroup{ID: mkID("AccessGroupId", acct, i), AccountID: acct, Name: fmt.Sprintf("group %d", i),
			Description: "for tests", CreatedByID: "IBMid-creator", LastModifiedByID: "IBMid-creator"}
	},
	create: (*store.Store).CreateAccessGroup,
	get: func(s *store.Store, ctx context.Context, g *store.AccessGroup) (*store.AccessGroup, error) {
		return s.AccessGroup(ctx, g.ID)
	},
	update: (*store.Store).UpdateAccessGroup,
	delete: func(s *store.Store, ctx context.Context, g *store.AccessGroup) error {
		return s.DeleteAccessGroup(ctx, g.ID)
	},
	list: func(s *store.Store, ctx context.Context, acct string, o store.ListOptions) ([]*store.AccessGroup, string, error) {
		return s.ListAccessGroups(ctx, acct, "", o)
	},
	mutate: func(g *store.AccessGroup, n int) {
		g.Name, g.Description, g.LastModifiedByID = fmt.Sprintf("renamed %d", n), fmt.Sprintf("changed %d", n), fmt.Sprintf("IBMid-%d", n)
	},
	stamps: func(g *store.AccessGroup) (string, *time.Time, *time.Time, *int64) {
		return g.ID, &g.CreatedAt, &g.UpdatedAt, &g.Revision
	},
	lookups: map[string]func(*store.Store, context.Context, *store.AccessGroup) (*store.AccessGroup, error){
		"ListAccessGroupsByName": func(s *store.Store, ctx context.Context, g *store.AccessGroup) (*store.AccessGroup, error) {
			l, _, err := s.ListAccessGroups(ctx, g.AccountID, g.Name, store.ListOptions{})
			if err == nil && len(l) != 1 {
				return nil, fmt.Errorf("%d groups named %q, want 1", len(l), g.Name)
			}
			if err != nil {
				return nil, err
			}
			return l[0], nil
		},
	},
	clashes: map[string]func(o, f *store.AccessGroup){
		"SameID":   func(o, f *store.AccessGroup) { f.ID = o.ID },
		"SameName": func(o, f *store.AccessGroup) { f.Name = o.Name },
	},
}

// mkPolicy returns an unsaved access policy numbered i granting Reader to
// iamID (or, when iamID starts with AccessGroupId-, to that group).
func mkPolicy(acct string, i int, iamID string) *store.Policy {
	p := &store.Policy{ID: mkID("policy", acct, i), AccountID: acct, Type: "access", State: "active",
		Description: "d", Subject: `[{"key":"iam_id","value":"` + iamID + `"}]`,
		Resource:     fmt.Sprintf(`[{"key":"accountId","value":%q},{"key":"serviceInstance","value":"i-%d"}]`, acct, i),
		ResourceTags: "[]", Roles: `["crn:v1:coffer:public:iam::::serviceRole:Reader"]`, ServiceName: "secrets-manager",
		ServiceType: "service", MatchKey: fmt.Sprintf("key-%d", i), CreatedByID: "IBMid-a", LastModifiedByID: "IBMid-a"}
	if len(iamID) > 14 && iamID[:14] == "AccessGroupId-" {
		p.SubjectGroupID = iamID
	} else {
		p.SubjectIAMID = iamID
	}
	return p
}

func mustCreatePolicy(tb testing.TB, s *store.Store, p *store.Policy) *store.Policy {
	tb.Helper()
	if err := s.CreatePolicy(context.Background(), p); err != nil {
		tb.Fatalf("CreatePolicy(%s): %v", p.ID, err)
	}
	return p
}

func testPolicyCRUD(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	p := mustCreatePolicy(t, s, mkPolicy("acct-1", 1, "IBMid-u1"))
	if p.Revision != 1 || p.CreatedAt.IsZero() || !p.UpdatedAt.Equal(p.CreatedAt) {
		t.Errorf("after create: %+v", p)
	}
	got, err := s.Policy(ctx, p.ID)
	if diff := cmp.Diff(p, got); err != nil || diff != "" {
		t.Fatalf("Policy(%q) = %v, diff (-want +got):\n%s", p.ID, err, diff)
	}
	stale := *got
	p.Rule, p.Pattern, p.State, p.LastModifiedByID = `{"operator":"and"}`, "x", "deleted", "IBMid-b"
	if err := s.UpdatePolicy(ctx, p); err != nil || p.Revision != 2 {
		t.Fatalf("UpdatePolicy = %v, revision %d; want nil, 2", err, p.Revision)
	}
	got, _ = s.Policy(ctx, p.ID)
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("after update (-want +got):\n%s", diff)
	}
	wantKind(t, "stale update", s.UpdatePolicy(ctx, &stale), store.ErrConflict, api.ErrConflict)
	if err := s.DeletePolicy(ctx, p.ID); err != nil {
		t.Fatalf("DeletePolicy: %v", err)
	}
	_, err = s.Policy(ctx, p.ID)
	wantKind(t, "read after delete", err, store.ErrNotFound)
	wantKind(t, "delete again", s.DeletePolicy(ctx, p.ID), store.ErrNotFound)
	wantKind(t, "create in a missing account", s.CreatePolicy(ctx, mkPolicy("nope", 2, "IBMid-u")), api.ErrFailedPrecondition)
	wantKind(t, "create without match key", s.CreatePolicy(ctx, &store.Policy{ID: "x", AccountID: "acct-1"}), api.ErrInvalid)
}

// testPolicyMatchKey: only one active policy per match key and account.
func testPolicyMatchKey(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	mustCreateAccount(t, s, "acct-2")
	orig := mustCreatePolicy(t, s, mkPolicy("acct-1", 1, "IBMid-u1"))
	dup := mkPolicy("acct-1", 2, "IBMid-u1")
	dup.MatchKey = orig.MatchKey
	wantKind(t, "create a duplicate", s.CreatePolicy(ctx, dup), store.ErrAlreadyExists, api.ErrAlreadyExists)
	got, err := s.ActivePolicyByMatchKey(ctx, "acct-1", orig.MatchKey)
	if err != nil || got.ID != orig.ID {
		t.Errorf("ActivePolicyByMatchKey = %v, %v; want %s", got, err, orig.ID)
	}
	other := mkPolicy("acct-2", 2, "IBMid-u1")
	other.MatchKey = orig.MatchKey
	mustCreatePolicy(t, s, other) // another account may
	orig.State = "deleted"
	if err := s.UpdatePolicy(ctx, orig); err != nil {
		t.Fatal(err)
	}
	mustCreatePolicy(t, s, dup) // a deleted policy does not conflict
	orig.State = "active"
	wantKind(t, "restore onto a duplicate", s.UpdatePolicy(ctx, orig), store.ErrAlreadyExists)
}

func testPolicyFilters(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	mustCreateAccount(t, s, "acct-2")
	mustCreatePolicy(t, s, mkPolicy("acct-1", 1, "IBMid-u1"))
	mustCreatePolicy(t, s, mkPolicy("acct-1", 2, "IBMid-u2"))
	g := mkPolicy("acct-1", 3, "AccessGroupId-g")
	g.Type, g.State, g.ServiceName, g.ServiceType = "authorization", "deleted", "iam-identity", "platform_service"
	mustCreatePolicy(t, s, g)
	mustCreatePolicy(t, s, mkPolicy("acct-2", 4, "IBMid-u1"))
	tests := []struct {
		f    store.PolicyFilter
		want []string
	}{
		{store.PolicyFilter{AccountID: "acct-1"}, []string{"1", "2", "3"}},
		{store.PolicyFilter{AccountID: "acct-1", IAMID: "IBMid-u1"}, []string{"1"}},
		{store.PolicyFilter{AccountID: "acct-1", AccessGroupID: "AccessGroupId-g"}, []string{"3"}},
		{store.PolicyFilter{AccountID: "acct-1", Type: "access"}, []string{"1", "2"}},
		{store.PolicyFilter{AccountID: "acct-1", State: "deleted"}, []string{"3"}},
		{store.PolicyFilter{AccountID: "acct-1", ServiceType: "platform_service"}, []string{"3"}},
		{store.PolicyFilter{AccountID: "acct-1", ServiceName: "secrets-manager"}, []string{"1", "2"}},
		{store.PolicyFilter{AccountID: "acct-2"}, []string{"4"}},
	}
	for _, tc := range tests {
		ps, err := s.ListPolicies(ctx, tc.f)
		var got []string
		for _, p := range ps {
			got = append(got, p.ID[len(p.ID)-1:])
		}
		if err != nil || !cmp.Equal(got, tc.want) {
			t.Errorf("ListPolicies(%+v) = %v, %v; want %v", tc.f, got, err, tc.want)
		}
	}
	_, err := s.ListPolicies(ctx, store.PolicyFilter{})
	wantKind(t, "list without account", err, api.ErrInvalid)
}

func mustGroup(tb testing.TB, s *store.Store, acct string, i int) *store.AccessGroup {
	tb.Helper()
	return accessGroups.mustCreate(tb, s, accessGroups.make(acct, i))
}

func testGroupMembers(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	g := mustGroup(t, s, "acct-1", 1)
	m := &store.GroupMember{GroupID: g.ID, IAMID: "iam-ServiceId-1", Type: "service", CreatedByID: "IBMid-a"}
	if added, err := s.AddAccessGroupMember(ctx, m); !added || err != nil {
		t.Fatalf("AddAccessGroupMember = %v, %v; want true, nil", added, err)
	}
	if added, err := s.AddAccessGroupMember(ctx, &store.GroupMember{GroupID: g.ID, IAMID: m.IAMID, Type: "service"}); added || err != nil {
		t.Errorf("adding again = %v, %v; want false, nil", added, err)
	}
	_, err := s.AddAccessGroupMember(ctx, &store.GroupMember{GroupID: "AccessGroupId-nope", IAMID: "x", Type: "user"})
	wantKind(t, "add to a missing group", err, api.ErrFailedPrecondition)
	got, err := s.AccessGroupMember(ctx, g.ID, m.IAMID)
	if diff := cmp.Diff(m, got); err != nil || diff != "" {
		t.Errorf("AccessGroupMember = %v, diff (-want +got):\n%s", err, diff)
	}
	s.AddAccessGroupMember(ctx, &store.GroupMember{GroupID: g.ID, IAMID: "IBMid-u", Type: "user"})
	all, err := s.ListAccessGroupMembers(ctx, g.ID)
	if err != nil || len(all) != 2 || all[0].IAMID != m.IAMID {
		t.Errorf("ListAccessGroupMembers = %v, %v; want 2 members, %s first", all, err, m.IAMID)
	}
	if err := s.DeleteAccessGroupMember(ctx, g.ID, m.IAMID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "delete member again", s.DeleteAccessGroupMember(ctx, g.ID, m.IAMID), store.ErrNotFound)
	_, err = s.AccessGroupMember(ctx, g.ID, m.IAMID)
	wantKind(t, "read removed member", err, store.ErrNotFound)
}

// testPoliciesFor: direct policies and those of the caller's groups, active
// access policies of the account only.
func testPoliciesFor(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	mustCreateAccount(t, s, "acct-2")
	g1, g2, other := mustGroup(t, s, "acct-1", 1), mustGroup(t, s, "acct-1", 2), mustGroup(t, s, "acct-2", 3)
	for _, g := range []*store.AccessGroup{g1, other} {
		if _, err := s.AddAccessGroupMember(ctx, &store.GroupMember{GroupID: g.ID, IAMID: "IBMid-u", Type: "user"}); err != nil {
			t.Fatal(err)
		}
	}
	mustCreatePolicy(t, s, mkPolicy("acct-1", 1, "IBMid-u"))
	mustCreatePolicy(t, s, mkPolicy("acct-1", 2, g1.ID))
	mustCreatePolicy(t, s, mkPolicy("acct-1", 3, g2.ID))     // not a member
	mustCreatePolicy(t, s, mkPolicy("acct-1", 4, "IBMid-v")) // someone else
	mustCreatePolicy(t, s, mkPolicy("acct-2", 5, "IBMid-u")) // another account
	mustCreatePolicy(t, s, mkPolicy("acct-2", 6, other.ID))  // another account's group
	deleted := mkPolicy("acct-1", 7, "IBMid-u")
	deleted.State = "deleted"
	mustCreatePolicy(t, s, deleted)
	authz := mkPolicy("acct-1", 8, "IBMid-u")
	authz.Type = "authorization"
	mustCreatePolicy(t, s, authz)
	ps, groups, err := s.PoliciesFor(ctx, "acct-1", "IBMid-u")
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	want := []string{mkID("policy", "acct-1", 1), mkID("policy", "acct-1", 2)}
	if err != nil || !cmp.Equal(ids, want) || !cmp.Equal(groups, []string{g1.ID}) {
		t.Errorf("PoliciesFor = %v, %v, %v; want %v, [%s], nil", ids, groups, err, want, g1.ID)
	}
	ps, groups, err = s.PoliciesFor(ctx, "acct-1", "IBMid-nobody")
	if err != nil || len(ps) != 0 || len(groups) != 0 {
		t.Errorf("PoliciesFor(nobody) = %d policies, %v, %v; want none", len(ps), groups, err)
	}
}

func testPolicyCascade(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	g := mustGroup(t, s, "acct-1", 1)
	s.AddAccessGroupMember(ctx, &store.GroupMember{GroupID: g.ID, IAMID: "IBMid-u", Type: "user"})
	mustCreatePolicy(t, s, mkPolicy("acct-1", 1, g.ID))
	mustCreatePolicy(t, s, mkPolicy("acct-1", 2, "IBMid-u"))
	if n, err := s.DeletePoliciesOfGroup(ctx, "acct-1", g.ID); n != 1 || err != nil {
		t.Errorf("DeletePoliciesOfGroup = %d, %v; want 1, nil", n, err)
	}
	if err := s.DeleteAccessGroup(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	if ms, err := s.ListAccessGroupMembers(ctx, g.ID); err != nil || len(ms) != 0 {
		t.Errorf("members after group delete = %v, %v; want none", ms, err)
	}
	if err := s.DeleteAccount(ctx, "acct-1"); err != nil {
		t.Fatal(err)
	}
	_, err := s.Policy(ctx, mkID("policy", "acct-1", 2))
	wantKind(t, "policy after account delete", err, store.ErrNotFound)
}
