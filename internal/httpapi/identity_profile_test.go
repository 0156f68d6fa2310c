package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
)

func (ts *idServer) createProfile(tb testing.TB, key, account, name string) api.TrustedProfile {
	tb.Helper()
	var p api.TrustedProfile
	ts.want(tb, 201, key, "POST", "/v1/profiles", api.CreateProfileRequest{Name: name, AccountID: account}).decode(tb, &p)
	return p
}

func TestProfileLifecycle(t *testing.T) {
	ts := startServer(t)
	p := ts.createProfile(t, ts.key, ts.account, "app")
	if p.IAMID != "iam-"+p.ID || !strings.HasPrefix(p.ID, "Profile-") || p.EntityTag == "" {
		t.Fatalf("created profile = %+v", p)
	}
	wantIdentityError(t, "duplicate profile name", ts.do(t, ts.key, "POST", "/v1/profiles",
		api.CreateProfileRequest{Name: "app", AccountID: ts.account}), 409)
	other := ts.createProfile(t, ts.key, ts.account, "other")
	path := "/v1/profiles/" + p.ID
	wantIdentityError(t, "rename onto a taken name", ts.do(t, ts.key, "PUT", path,
		api.UpdateProfileRequest{Name: ptr("other")}, "If-Match", "*"), 409)
	wantIdentityError(t, "PUT without If-Match", ts.do(t, ts.key, "PUT", path, api.UpdateProfileRequest{}), 400)
	var upd api.TrustedProfile
	ts.want(t, 200, ts.key, "PUT", path, api.UpdateProfileRequest{Description: ptr("d")}, "If-Match", p.EntityTag).decode(t, &upd)
	if upd.Description != "d" || upd.EntityTag == p.EntityTag {
		t.Errorf("after PUT: %+v", upd)
	}
	var l api.TrustedProfilesList
	ts.want(t, 200, ts.key, "GET", "/v1/profiles?account_id="+ts.account, nil).decode(t, &l)
	if len(l.Profiles) != 2 || l.Next != "" {
		t.Errorf("list = %d profiles, next %q; want 2, none", len(l.Profiles), l.Next)
	}
	ts.want(t, 204, ts.key, "DELETE", "/v1/profiles/"+other.ID, nil)
	wantIdentityError(t, "GET deleted profile", ts.do(t, ts.key, "GET", "/v1/profiles/"+other.ID, nil), 404)
	ts.createProfile(t, ts.key, ts.account, "other") // the name is free again
}

func TestProfileRules(t *testing.T) {
	ts := startServer(t)
	p := ts.createProfile(t, ts.key, ts.account, "app")
	rules := "/v1/profiles/" + p.ID + "/rules"
	ns := []api.ProfileClaimRuleCondition{{Claim: "namespace", Operator: "EQUALS", Value: `"dev"`}}
	bad := map[string]api.CreateClaimRuleRequest{
		"unknown type":       {Type: "Profile-X", Conditions: ns},
		"CR without type":    {Type: "Profile-CR", Conditions: ns},
		"CR with realm":      {Type: "Profile-CR", CRType: "IKS_SA", RealmName: "r", Conditions: ns},
		"CR with expiry":     {Type: "Profile-CR", CRType: "IKS_SA", Expiration: 60, Conditions: ns},
		"CR unknown cr":      {Type: "Profile-CR", CRType: "MAINFRAME", Conditions: ns},
		"SAML without realm": {Type: "Profile-SAML", Conditions: ns},
		"no conditions":      {Type: "Profile-CR", CRType: "CE"},
		"bare value":         {Type: "Profile-CR", CRType: "CE", Conditions: []api.ProfileClaimRuleCondition{{Claim: "a", Operator: "EQUALS", Value: "dev"}}},
		"bad operator":       {Type: "Profile-CR", CRType: "CE", Conditions: []api.ProfileClaimRuleCondition{{Claim: "a", Operator: "LIKE", Value: `"x"`}}},
	}
	for name, req := range bad {
		t.Run(name, func(t *testing.T) {
			wantIdentityError(t, "POST rule "+name, ts.do(t, ts.key, "POST", rules, req), 400)
		})
	}
	var saml api.ProfileClaimRule
	ts.want(t, 201, ts.key, "POST", rules, api.CreateClaimRuleRequest{Type: "Profile-SAML", RealmName: "https://idp",
		Conditions: ns}).decode(t, &saml)
	if saml.Expiration != 43200 || !strings.HasPrefix(saml.ID, "ClaimRule-") {
		t.Errorf("SAML rule = %+v, want expiration 43200", saml)
	}
	r := ts.want(t, 201, ts.key, "POST", rules, api.CreateClaimRuleRequest{Type: "Profile-CR", CRType: "IKS_SA", Conditions: ns})
	var cr api.ProfileClaimRule
	r.decode(t, &cr)
	one := rules + "/" + cr.ID
	if got := ts.want(t, 200, ts.key, "GET", one, nil); got.header.Get("ETag") != cr.EntityTag {
		t.Errorf("GET rule ETag = %q, want %q", got.header.Get("ETag"), cr.EntityTag)
	}
	repl := api.CreateClaimRuleRequest{Type: "Profile-CR", CRType: "CE", Name: "n",
		Conditions: []api.ProfileClaimRuleCondition{{Claim: "project_name", Operator: "IN", Value: `["a","b"]`}}}
	wantIdentityError(t, "PUT rule without If-Match", ts.do(t, ts.key, "PUT", one, repl), 400)
	wantIdentityError(t, "PUT rule with stale tag", ts.do(t, ts.key, "PUT", one, repl, "If-Match", "9-x"), 409)
	var upd api.ProfileClaimRule
	ts.want(t, 200, ts.key, "PUT", one, repl, "If-Match", cr.EntityTag).decode(t, &upd)
	if upd.CRType != "CE" || upd.Name != "n" || len(upd.Conditions) != 1 {
		t.Errorf("replaced rule = %+v", upd)
	}
	for i := 2; i < 20; i++ {
		ts.want(t, 201, ts.key, "POST", rules, api.CreateClaimRuleRequest{Type: "Profile-CR", CRType: "CE", Conditions: ns})
	}
	wantIdentityError(t, "21st rule", ts.do(t, ts.key, "POST", rules, api.CreateClaimRuleRequest{Type: "Profile-CR",
		CRType: "CE", Conditions: ns}), 400)
	var all api.ProfileClaimRuleList
	ts.want(t, 200, ts.key, "GET", rules, nil).decode(t, &all)
	if len(all.Rules) != 20 {
		t.Errorf("GET rules = %d, want 20", len(all.Rules))
	}
	ts.want(t, 204, ts.key, "DELETE", one, nil)
	wantIdentityError(t, "GET deleted rule", ts.do(t, ts.key, "GET", one, nil), 404)
}

func TestProfileLinks(t *testing.T) {
	ts := startServer(t)
	p := ts.createProfile(t, ts.key, ts.account, "app")
	links := "/v1/profiles/" + p.ID + "/links"
	cluster := "crn:v1:coffer:public:containers-kubernetes:local:a/" + ts.account + ":c1::"
	project := "crn:v1:coffer:public:codeengine:local:a/" + ts.account + ":p1::"
	foreign := "crn:v1:coffer:public:codeengine:local:a/0123456789abcdef0123456789abcdef:p1::"
	bad := map[string]api.CreateProfileLinkRequest{
		"unknown cr_type":  {CRType: "VAX", Link: api.ProfileLinkLink{CRN: cluster}},
		"bad crn":          {CRType: "IKS_SA", Link: api.ProfileLinkLink{CRN: "crn:nope", Namespace: "n", Name: "s"}},
		"IKS without name": {CRType: "IKS_SA", Link: api.ProfileLinkLink{CRN: cluster, Namespace: "n"}},
		"CE without comp":  {CRType: "CE", Link: api.ProfileLinkLink{CRN: project, ComponentType: "application"}},
		"other account":    {CRType: "CE", Link: api.ProfileLinkLink{CRN: foreign, ComponentType: "job", ComponentName: "j"}},
	}
	for name, req := range bad {
		t.Run(name, func(t *testing.T) {
			wantIdentityError(t, "POST link "+name, ts.do(t, ts.key, "POST", links, req), 400)
		})
	}
	var iks, ce, cross api.ProfileLink
	ts.want(t, 201, ts.key, "POST", links, api.CreateProfileLinkRequest{CRType: "IKS_SA", Name: "k8s",
		Link: api.ProfileLinkLink{CRN: cluster, Namespace: "dev", Name: "app"}}).decode(t, &iks)
	ts.want(t, 201, ts.key, "POST", links, api.CreateProfileLinkRequest{CRType: "CE",
		Link: api.ProfileLinkLink{CRN: project, ComponentType: "application", ComponentName: "web"}}).decode(t, &ce)
	ts.want(t, 201, ts.key, "POST", links, api.CreateProfileLinkRequest{CRType: "CE", IsCrossAccount: true,
		Link: api.ProfileLinkLink{CRN: foreign, ComponentType: "job", ComponentName: "j"}}).decode(t, &cross)
	if iks.Link.Name != "app" || iks.Link.Namespace != "dev" || iks.Name != "k8s" || !cross.IsCrossAccount {
		t.Errorf("links = %+v, %+v", iks, cross)
	}
	var got api.ProfileLink
	ts.want(t, 200, ts.key, "GET", links+"/"+ce.ID, nil).decode(t, &got)
	if got.Link.ComponentName != "web" {
		t.Errorf("GET link = %+v", got)
	}
	wantIdentityError(t, "delete by params without type", ts.do(t, ts.key, "DELETE", links+"?crn="+cluster, nil), 400)
	ts.want(t, 204, ts.key, "DELETE", links+"?type=IKS_SA&namespace=dev&name=app", nil)
	wantIdentityError(t, "delete by params again", ts.do(t, ts.key, "DELETE", links+"?type=IKS_SA", nil), 404)
	ts.want(t, 204, ts.key, "DELETE", links+"/"+ce.ID, nil)
	var left api.ProfileLinkList
	ts.want(t, 200, ts.key, "GET", links, nil).decode(t, &left)
	if len(left.Links) != 1 || left.Links[0].ID != cross.ID {
		t.Errorf("links left = %+v, want only the cross-account one", left.Links)
	}
}

func TestProfileIdentities(t *testing.T) {
	ts := startServer(t)
	p := ts.createProfile(t, ts.key, ts.account, "app")
	path := "/v1/profiles/" + p.ID + "/identities"
	var sid api.ServiceID
	ts.want(t, 201, ts.key, "POST", "/v1/serviceids/", api.CreateServiceIDRequest{AccountID: ts.account, Name: "s",
		Description: "svc"}).decode(t, &sid)
	var set api.ProfileIdentitiesResponse
	ts.want(t, 200, ts.key, "GET", path, nil).decode(t, &set)
	if len(set.Identities) != 0 || set.EntityTag == "" {
		t.Fatalf("initial identities = %+v", set)
	}
	crn := "crn:v1:coffer:public:secrets-manager:local:a/" + ts.account + ":i1::"
	req := api.SetProfileIdentitiesRequest{Identities: []api.ProfileIdentityRequest{
		{Type: "user", Identifier: ts.admin, Accounts: []string{ts.account}},
		{Type: "crn", Identifier: crn},
	}}
	wantIdentityError(t, "PUT without If-Match", ts.do(t, ts.key, "PUT", path, req), 400)
	var after api.ProfileIdentitiesResponse
	ts.want(t, 200, ts.key, "PUT", path, req, "If-Match", set.EntityTag).decode(t, &after)
	if len(after.Identities) != 2 || after.Identities[0].IAMID != "crn-"+crn || after.Identities[1].IAMID != ts.admin {
		t.Errorf("after PUT = %+v", after)
	}
	wantIdentityError(t, "PUT with the old set tag", ts.do(t, ts.key, "PUT", path, req, "If-Match", set.EntityTag), 409)
	var added api.ProfileIdentity
	ts.want(t, 200, ts.key, "POST", path+"/serviceid", api.ProfileIdentityRequest{Type: "serviceid",
		Identifier: sid.ID}).decode(t, &added)
	if added.IAMID != sid.IAMID || added.Description != "svc" {
		t.Errorf("added identity = %+v, want iam_id %s and the service ID's description", added, sid.IAMID)
	}
	for name, r := range map[string]api.ProfileIdentityRequest{
		"type mismatch":     {Type: "user", Identifier: ts.admin},
		"unknown serviceid": {Type: "serviceid", Identifier: "ServiceId-00000000-0000-4000-8000-000000000000"},
	} {
		wantIdentityError(t, name, ts.do(t, ts.key, "POST", path+"/serviceid", r), 400)
	}
	wantIdentityError(t, "bad crn", ts.do(t, ts.key, "POST", path+"/crn", api.ProfileIdentityRequest{Type: "crn", Identifier: "x"}), 400)
	one := path + "/serviceid/" + sid.ID
	ts.want(t, 200, ts.key, "GET", one, nil)
	ts.want(t, 204, ts.key, "DELETE", one, nil)
	wantIdentityError(t, "GET removed identity", ts.do(t, ts.key, "GET", one, nil), 404)
	ts.want(t, 200, ts.key, "PUT", path, api.SetProfileIdentitiesRequest{}, "If-Match", "*")
}

// TestTenancy checks that nothing of one account is visible to another, and
// that a user who is not an administrator is refused.
func TestTenancy(t *testing.T) {
	ts := startServer(t)
	var acct api.CreateAccountResponse
	ts.want(t, 201, ts.key, "POST", "/coffer/v1/accounts", api.CreateAccountRequest{Name: "tenant", AdminName: "bob"}).decode(t, &acct)
	ts.remember(acct.APIKey.APIKey)
	other := acct.APIKey.APIKey.Reveal()
	if other == "" || acct.Admin.IAMID != acct.Account.OwnerIAMID || acct.APIKey.IAMID != acct.Admin.IAMID {
		t.Fatalf("created account = %+v", acct)
	}
	wantIdentityError(t, "tenant creates an account", ts.do(t, other, "POST", "/coffer/v1/accounts",
		api.CreateAccountRequest{Name: "x"}), 403)
	var sid api.ServiceID
	ts.want(t, 201, ts.key, "POST", "/v1/serviceids/", api.CreateServiceIDRequest{AccountID: ts.account, Name: "s"}).decode(t, &sid)
	p := ts.createProfile(t, ts.key, ts.account, "app")
	var key api.APIKey
	ts.want(t, 201, ts.key, "POST", "/v1/apikeys", api.CreateAPIKeyRequest{Name: "k", IAMID: ts.admin}).decode(t, &key)
	ts.remember(key.APIKey)
	missing := wantIdentityError(t, "GET missing", ts.do(t, other, "GET", "/v1/serviceids/ServiceId-nope", nil), 404)
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/serviceids/" + sid.ID}, {"PUT", "/v1/serviceids/" + sid.ID}, {"DELETE", "/v1/serviceids/" + sid.ID},
		{"POST", "/v1/serviceids/" + sid.ID + "/lock"}, {"GET", "/v1/profiles/" + p.ID}, {"DELETE", "/v1/profiles/" + p.ID},
		{"GET", "/v1/profiles/" + p.ID + "/rules"}, {"GET", "/v1/profiles/" + p.ID + "/identities"},
		{"GET", "/v1/apikeys/" + key.ID}, {"DELETE", "/v1/apikeys/" + key.ID},
	} {
		e := wantIdentityError(t, "tenant "+c.method+" "+c.path, ts.do(t, other, c.method, c.path, map[string]any{}, "If-Match", "*"), 404)
		if strings.Contains(e.Errors[0].Message, "permission") || strings.Contains(e.Errors[0].Message, "authorized") {
			t.Errorf("%s %s tells the object exists: %q (missing: %q)", c.method, c.path, e.Errors[0].Message, missing.Errors[0].Message)
		}
	}
	wantIdentityError(t, "tenant lists the first account", ts.do(t, other, "GET", "/v1/serviceids/?account_id="+ts.account, nil), 403)
	wantIdentityError(t, "details of another account's key", ts.do(t, other, "GET", "/v1/apikeys/details", nil,
		"IAM-ApiKey", key.APIKey.Reveal()), 404)
	var own api.ServiceIDList
	ts.want(t, 200, other, "GET", "/v1/serviceids/", nil).decode(t, &own)
	if len(own.ServiceIDs) != 0 {
		t.Errorf("tenant's own list shows %d service IDs, want 0", len(own.ServiceIDs))
	}
	var accts api.AccountList
	ts.want(t, 200, ts.key, "GET", "/coffer/v1/accounts", nil).decode(t, &accts)
	if len(accts.Accounts) != 2 {
		t.Errorf("accounts = %d, want 2", len(accts.Accounts))
	}
}

func TestUsers(t *testing.T) {
	ts := startServer(t)
	var u api.User
	ts.want(t, 201, ts.key, "POST", "/coffer/v1/users", api.CreateUserRequest{AccountID: ts.account, Name: "carol"}).decode(t, &u)
	wantIdentityError(t, "same name", ts.do(t, ts.key, "POST", "/coffer/v1/users", api.CreateUserRequest{Name: "carol"}), 409)
	var k api.APIKey
	ts.want(t, 201, ts.key, "POST", "/v1/apikeys", api.CreateAPIKeyRequest{Name: "carol", IAMID: u.IAMID}).decode(t, &k)
	ts.remember(k.APIKey)
	carol := k.APIKey.Reveal()
	for _, path := range []string{"/v1/serviceids/?account_id=" + ts.account, "/v1/profiles?account_id=" + ts.account,
		"/v1/apikeys?scope=account&account_id=" + ts.account, "/coffer/v1/users?account_id=" + ts.account} {
		wantIdentityError(t, "non-admin GET "+path, ts.do(t, carol, "GET", path, nil), 403)
	}
	var users api.UserList
	ts.want(t, 200, ts.key, "GET", "/coffer/v1/users?pagesize=1", nil).decode(t, &users)
	if len(users.Users) != 1 || users.Next == "" {
		t.Errorf("first page of users = %+v, want 1 and a next token", users)
	}
	ts.want(t, 200, ts.key, "GET", "/coffer/v1/users?pagesize=1&pagetoken="+users.Next, nil)
	wantIdentityError(t, "delete the administrator", ts.do(t, ts.key, "DELETE", "/coffer/v1/users/"+ts.admin, nil), 409)
	ts.want(t, 204, ts.key, "DELETE", "/coffer/v1/users/"+u.IAMID, nil)
	wantIdentityError(t, "deleted user's key", ts.do(t, carol, "GET", "/v1/apikeys", nil), 401)
	wantIdentityError(t, "deleted user's key details", ts.do(t, ts.key, "GET", "/v1/apikeys/"+k.ID, nil), 404)
	wantIdentityError(t, "delete again", ts.do(t, ts.key, "DELETE", fmt.Sprintf("/coffer/v1/users/%s", u.IAMID), nil), 404)
}
