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

// runIdentity runs the cases of the IAM Identity tables (migration 0002).
func runIdentity(t *testing.T, open func(testing.TB) *store.Store) {
	t.Run("ServiceID", func(t *testing.T) { serviceIDs.run(t, open) })
	t.Run("Profile", func(t *testing.T) { profiles.run(t, open) })
	tests := []struct {
		name string
		test func(*testing.T, *store.Store)
	}{
		{"APIKeyFields", testAPIKeyFields},
		{"APIKeysOfOwner", testAPIKeysOfOwner},
		{"ProfileRules", testProfileRules},
		{"ProfileLinks", testProfileLinks},
		{"ProfileIdentities", testProfileIdentities},
		{"IdentityCascade", testIdentityCascade},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, open(t)) })
	}
}

var serviceIDs = entity[store.ServiceID]{
	make: func(acct string, i int) *store.ServiceID {
		id := mkID("ServiceId", acct, i)
		return &store.ServiceID{ID: id, AccountID: acct, IAMID: "iam-" + id, Name: fmt.Sprintf("sid %d", i),
			Description: "for tests", UniqueInstanceCRNs: []string{"crn:v1:a", fmt.Sprintf("crn:v1:%d", i)}}
	},
	create: (*store.Store).CreateServiceID,
	get: func(s *store.Store, ctx context.Context, v *store.ServiceID) (*store.ServiceID, error) {
		return s.ServiceID(ctx, v.ID)
	},
	update: (*store.Store).UpdateServiceID,
	delete: func(s *store.Store, ctx context.Context, v *store.ServiceID) error {
		return s.DeleteServiceID(ctx, v.ID)
	},
	list: func(s *store.Store, ctx context.Context, acct string, o store.ListOptions) ([]*store.ServiceID, string, error) {
		return s.ListServiceIDs(ctx, acct, "", o)
	},
	mutate: func(v *store.ServiceID, n int) {
		v.Name, v.Description, v.Locked = fmt.Sprintf("renamed %d", n), fmt.Sprintf("changed %d", n), !v.Locked
		v.UniqueInstanceCRNs = nil
		if n%2 == 0 {
			v.UniqueInstanceCRNs = []string{fmt.Sprintf("crn:v1:new:%d", n)}
		}
	},
	stamps: func(v *store.ServiceID) (string, *time.Time, *time.Time, *int64) {
		return v.ID, &v.CreatedAt, &v.UpdatedAt, &v.Revision
	},
	lookups: map[string]func(*store.Store, context.Context, *store.ServiceID) (*store.ServiceID, error){
		"ServiceIDByIAMID": func(s *store.Store, ctx context.Context, v *store.ServiceID) (*store.ServiceID, error) {
			return s.ServiceIDByIAMID(ctx, v.IAMID)
		},
		"ListServiceIDsByName": func(s *store.Store, ctx context.Context, v *store.ServiceID) (*store.ServiceID, error) {
			l, _, err := s.ListServiceIDs(ctx, v.AccountID, v.Name, store.ListOptions{})
			if err == nil && len(l) != 1 {
				return nil, fmt.Errorf("%d service ids named %q, want 1", len(l), v.Name)
			}
			if err != nil {
				return nil, err
			}
			return l[0], nil
		},
	},
	clashes: map[string]func(o, f *store.ServiceID){
		"SameID":    func(o, f *store.ServiceID) { f.ID = o.ID },
		"SameIAMID": func(o, f *store.ServiceID) { f.IAMID = o.IAMID },
	},
}

var profiles = entity[store.Profile]{
	make: func(acct string, i int) *store.Profile {
		id := mkID("Profile", acct, i)
		return &store.Profile{ID: id, AccountID: acct, IAMID: "iam-" + id, Name: fmt.Sprintf("profile-%d", i),
			Description: "for tests", Email: fmt.Sprintf("p%d@example.com", i)}
	},
	create: (*store.Store).CreateProfile,
	get: func(s *store.Store, ctx context.Context, p *store.Profile) (*store.Profile, error) {
		return s.Profile(ctx, p.ID)
	},
	update: (*store.Store).UpdateProfile,
	delete: func(s *store.Store, ctx context.Context, p *store.Profile) error { return s.DeleteProfile(ctx, p.ID) },
	list: func(s *store.Store, ctx context.Context, acct string, o store.ListOptions) ([]*store.Profile, string, error) {
		return s.ListProfiles(ctx, acct, "", o)
	},
	mutate: func(p *store.Profile, n int) {
		p.Name, p.Description, p.Email = fmt.Sprintf("renamed-%d", n), fmt.Sprintf("changed %d", n), ""
	},
	stamps: func(p *store.Profile) (string, *time.Time, *time.Time, *int64) {
		return p.ID, &p.CreatedAt, &p.UpdatedAt, &p.Revision
	},
	lookups: map[string]func(*store.Store, context.Context, *store.Profile) (*store.Profile, error){
		"ProfileByName": func(s *store.Store, ctx context.Context, p *store.Profile) (*store.Profile, error) {
			return s.ProfileByName(ctx, p.AccountID, p.Name)
		},
		"ProfileByIAMID": func(s *store.Store, ctx context.Context, p *store.Profile) (*store.Profile, error) {
			return s.ProfileByIAMID(ctx, p.IAMID)
		},
	},
	clashes: map[string]func(o, f *store.Profile){
		"SameID":    func(o, f *store.Profile) { f.ID = o.ID },
		"SameIAMID": func(o, f *store.Profile) { f.IAMID = o.IAMID },
		"SameName":  func(o, f *store.Profile) { f.Name = o.Name },
	},
}

func testAPIKeyFields(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	k := apiKeys.make("acct-1", 1)
	k.ExpiresAt = time.Date(2031, 1, 2, 3, 4, 5, 678901234, time.UTC)
	k.SupportSessions, k.ActionWhenLeaked, k.StoredValue = true, "disable", []byte{0, 1, 0xff}
	apiKeys.mustCreate(t, s, k)
	if k.ExpiresAt.Nanosecond()%1000 != 0 {
		t.Errorf("CreateAPIKey left ExpiresAt at %v, want microseconds", k.ExpiresAt)
	}
	if diff := cmp.Diff(k, apiKeys.mustGet(t, s, k)); diff != "" {
		t.Errorf("APIKey after create (-want +got):\n%s", diff)
	}
	k.ExpiresAt, k.SupportSessions, k.ActionWhenLeaked = time.Time{}, false, "delete"
	if err := s.UpdateAPIKey(ctx, k); err != nil {
		t.Fatalf("UpdateAPIKey: %v", err)
	}
	got := apiKeys.mustGet(t, s, k)
	if diff := cmp.Diff(k, got); diff != "" {
		t.Errorf("APIKey after update (-want +got):\n%s", diff)
	}
	if string(got.StoredValue) != "\x00\x01\xff" {
		t.Errorf("StoredValue after update = %q, want it unchanged", got.StoredValue)
	}
}

func testAPIKeysOfOwner(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	mustCreateAccount(t, s, "acct-2")
	for i, owner := range []string{"iam-ServiceId-a", "IBMid-b", "iam-ServiceId-a"} {
		k := apiKeys.make("acct-1", i)
		k.IAMID = owner
		apiKeys.mustCreate(t, s, k)
	}
	other := apiKeys.make("acct-2", 9)
	other.IAMID = "iam-ServiceId-a"
	apiKeys.mustCreate(t, s, other)
	keys, err := s.APIKeysByOwner(ctx, "acct-1", "iam-ServiceId-a")
	if err != nil || len(keys) != 2 || keys[0].ID != mkID("ApiKey", "acct-1", 0) || keys[1].ID != mkID("ApiKey", "acct-1", 2) {
		t.Fatalf("APIKeysByOwner(acct-1, iam-ServiceId-a) = %v, %v; want keys 0 and 2", keys, err)
	}
	n, err := s.DeleteAPIKeysByOwner(ctx, "acct-1", "iam-ServiceId-a")
	if err != nil || n != 2 {
		t.Errorf("DeleteAPIKeysByOwner = %d, %v; want 2, nil", n, err)
	}
	if left, _, _ := s.ListAPIKeys(ctx, "acct-1", "", store.ListOptions{}); len(left) != 1 || left[0].IAMID != "IBMid-b" {
		t.Errorf("keys left in acct-1 = %v, want only IBMid-b's", left)
	}
	apiKeys.mustGet(t, s, other) // same owner id in another account is untouched
	if n, err := s.DeleteAPIKeysByOwner(ctx, "acct-1", "iam-ServiceId-a"); err != nil || n != 0 {
		t.Errorf("DeleteAPIKeysByOwner again = %d, %v; want 0, nil", n, err)
	}
}

func mustCreateProfile(tb testing.TB, s *store.Store, acct string, i int) *store.Profile {
	tb.Helper()
	return profiles.mustCreate(tb, s, profiles.make(acct, i))
}

func testProfileRules(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	p, q := mustCreateProfile(t, s, "acct-1", 1), mustCreateProfile(t, s, "acct-1", 2)
	var want []*store.ProfileRule
	for i := range 3 {
		r := &store.ProfileRule{ID: fmt.Sprintf("ClaimRule-%d", i), ProfileID: p.ID, Name: "r", Type: "Profile-CR",
			CRType: "IKS_SA", Conditions: []store.Condition{{Claim: "namespace", Operator: "EQUALS", Value: `"dev"`}}}
		if err := s.CreateProfileRule(ctx, r); err != nil || r.Revision != 1 {
			t.Fatalf("CreateProfileRule(%d) = %v, revision %d", i, err, r.Revision)
		}
		want = append(want, r)
	}
	err := s.CreateProfileRule(ctx, &store.ProfileRule{ID: "ClaimRule-x", ProfileID: "Profile-none"})
	wantKind(t, "rule of a missing profile", err, api.ErrFailedPrecondition)
	got, err := s.ListProfileRules(ctx, p.ID)
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("ListProfileRules = err %v, diff (-want +got):\n%s", err, diff)
	}
	_, err = s.ProfileRule(ctx, q.ID, want[0].ID)
	wantKind(t, "rule read through another profile", err, store.ErrNotFound)
	stale := *want[1]
	r := want[1]
	r.Type, r.CRType, r.RealmName, r.Expiration, r.Conditions = "Profile-SAML", "", "https://idp", 3600, nil
	if err := s.UpdateProfileRule(ctx, r); err != nil || r.Revision != 2 {
		t.Fatalf("UpdateProfileRule = %v, revision %d", err, r.Revision)
	}
	if g, err := s.ProfileRule(ctx, p.ID, r.ID); err != nil || !cmp.Equal(r, g) {
		t.Errorf("ProfileRule after update = err %v, diff:\n%s", err, cmp.Diff(r, g))
	}
	wantKind(t, "stale rule update", s.UpdateProfileRule(ctx, &stale), store.ErrConflict, api.ErrConflict)
	if err := s.DeleteProfileRule(ctx, p.ID, r.ID); err != nil {
		t.Fatalf("DeleteProfileRule: %v", err)
	}
	wantKind(t, "delete rule again", s.DeleteProfileRule(ctx, p.ID, r.ID), store.ErrNotFound)
	if err := s.DeleteProfile(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ListProfileRules(ctx, p.ID); err != nil || len(got) != 0 {
		t.Errorf("rules after profile delete = %v, %v; want none (cascade)", got, err)
	}
}

func testProfileLinks(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	p := mustCreateProfile(t, s, "acct-1", 1)
	links := []*store.ProfileLink{
		{ID: "ProfileLink-1", CRType: "IKS_SA", CRN: "crn:c1", Namespace: "dev", ServiceAccount: "app"},
		{ID: "ProfileLink-2", CRType: "IKS_SA", CRN: "crn:c1", Namespace: "prod", ServiceAccount: "app"},
		{ID: "ProfileLink-3", CRType: "CE", CRN: "crn:p1", ComponentType: "job", ComponentName: "j", IsCrossAccount: true},
		{ID: "ProfileLink-4", CRType: "IKS_SA", CRN: "crn:c2", Namespace: "dev", ServiceAccount: "app", Name: "named"},
	}
	for _, l := range links {
		l.ProfileID = p.ID
		if err := s.CreateProfileLink(ctx, l); err != nil || l.CreatedAt.IsZero() {
			t.Fatalf("CreateProfileLink(%s) = %v, created %v", l.ID, err, l.CreatedAt)
		}
	}
	got, err := s.ListProfileLinks(ctx, p.ID)
	if diff := cmp.Diff(links, got); err != nil || diff != "" {
		t.Errorf("ListProfileLinks = err %v, diff (-want +got):\n%s", err, diff)
	}
	if g, err := s.ProfileLink(ctx, p.ID, "ProfileLink-3"); err != nil || !cmp.Equal(links[2], g) {
		t.Errorf("ProfileLink(3) = %+v, %v", g, err)
	}
	n, err := s.DeleteProfileLinksWhere(ctx, p.ID, store.LinkFilter{CRType: "IKS_SA", Namespace: "dev"})
	if err != nil || n != 2 {
		t.Errorf("DeleteProfileLinksWhere(IKS_SA, dev) = %d, %v; want 2", n, err)
	}
	_, err = s.DeleteProfileLinksWhere(ctx, p.ID, store.LinkFilter{})
	wantKind(t, "delete links without cr type", err, api.ErrInvalid)
	if err := s.DeleteProfileLink(ctx, p.ID, "ProfileLink-3"); err != nil {
		t.Errorf("DeleteProfileLink(3) = %v", err)
	}
	wantKind(t, "delete link again", s.DeleteProfileLink(ctx, p.ID, "ProfileLink-3"), store.ErrNotFound)
	if got, _ := s.ListProfileLinks(ctx, p.ID); len(got) != 1 || got[0].ID != "ProfileLink-2" {
		t.Errorf("links left = %v, want only ProfileLink-2", got)
	}
}

func testProfileIdentities(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	p := mustCreateProfile(t, s, "acct-1", 1)
	set := []*store.ProfileIdentity{
		{Type: "serviceid", Identifier: "ServiceId-b", IAMID: "iam-ServiceId-b", Description: "d"},
		{Type: "user", Identifier: "CofferId-A", IAMID: "CofferId-A", Accounts: []string{"acct-1", "acct-2"}},
	}
	rev, err := s.ReplaceProfileIdentities(ctx, p.ID, 1, set)
	if err != nil || rev != 2 {
		t.Fatalf("ReplaceProfileIdentities(rev 1) = %d, %v; want 2", rev, err)
	}
	got, err := s.ListProfileIdentities(ctx, p.ID)
	if diff := cmp.Diff(set, got); err != nil || diff != "" {
		t.Errorf("ListProfileIdentities = err %v, diff (-want +got):\n%s", err, diff)
	}
	_, err = s.ReplaceProfileIdentities(ctx, p.ID, 1, nil)
	wantKind(t, "replace at a stale revision", err, store.ErrConflict, api.ErrConflict)
	dup := []*store.ProfileIdentity{{Type: "crn", Identifier: "crn:x"}, {Type: "crn", Identifier: "crn:x"}}
	_, err = s.ReplaceProfileIdentities(ctx, p.ID, 2, dup)
	wantKind(t, "replace with a duplicate", err, store.ErrAlreadyExists)
	if got, _ := s.ListProfileIdentities(ctx, p.ID); len(got) != 2 {
		t.Errorf("identities after refused replaces = %d, want the 2 of before", len(got))
	}
	if after, _ := s.Profile(ctx, p.ID); after.IdentitiesRevision != 2 || after.Revision != 1 {
		t.Errorf("profile after replaces: identities revision %d, revision %d; want 2, 1", after.IdentitiesRevision, after.Revision)
	}
	if rev, err := s.ReplaceProfileIdentities(ctx, p.ID, 2, nil); err != nil || rev != 3 {
		t.Errorf("replace with nothing = %d, %v; want 3", rev, err)
	}
	if got, _ := s.ListProfileIdentities(ctx, p.ID); len(got) != 0 {
		t.Errorf("identities after emptying = %v", got)
	}
	_, err = s.ReplaceProfileIdentities(ctx, "Profile-none", 1, nil)
	wantKind(t, "replace on a missing profile", err, store.ErrNotFound)
}

func testIdentityCascade(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "doomed")
	sid := serviceIDs.mustCreate(t, s, serviceIDs.make("doomed", 1))
	p := mustCreateProfile(t, s, "doomed", 1)
	if err := s.CreateProfileLink(ctx, &store.ProfileLink{ID: "ProfileLink-1", ProfileID: p.ID, CRType: "CE"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceProfileIdentities(ctx, p.ID, 1, []*store.ProfileIdentity{{Type: "crn", Identifier: "c"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAccount(ctx, "doomed"); err != nil {
		t.Fatal(err)
	}
	_, err := s.ServiceID(ctx, sid.ID)
	wantKind(t, "service id of a deleted account", err, store.ErrNotFound)
	_, err = s.Profile(ctx, p.ID)
	wantKind(t, "profile of a deleted account", err, store.ErrNotFound)
	if l, _ := s.ListProfileLinks(ctx, p.ID); len(l) != 0 {
		t.Errorf("links of a deleted profile = %v", l)
	}
	if l, _ := s.ListProfileIdentities(ctx, p.ID); len(l) != 0 {
		t.Errorf("identities of a deleted profile = %v", l)
	}
}
