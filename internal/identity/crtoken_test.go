package identity

import (
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

var testComponent = CRClaims{ProjectID: "7b0f7a9e-3d5c-4c55-9a61-0c3c3a0c1d11", ProjectName: "shop",
	ComponentType: "application", ComponentName: "web", Region: "us-south"}

func (f *fixture) mint(t *testing.T, account string, c CRClaims) string {
	t.Helper()
	tok, err := f.svc.MintCRToken(f.ctx, account, c, 0)
	if err != nil {
		t.Fatalf("MintCRToken: %v", err)
	}
	return tok.Reveal()
}

// linkCE links p to the CE component c of account.
func (f *fixture) linkCE(t *testing.T, p *store.Profile, account string, c CRClaims) {
	t.Helper()
	l := &store.ProfileLink{ID: NewProfileLinkID(), ProfileID: p.ID, CRType: CRTypeCE,
		CRN: projectCRN(account, c.Region, c.ProjectID).String(), ComponentType: c.ComponentType, ComponentName: c.ComponentName}
	if err := f.st.CreateProfileLink(f.ctx, l); err != nil {
		t.Fatal(err)
	}
}

// otherAccount creates a second account with an administrator.
func (f *fixture) otherAccount(t *testing.T) string {
	t.Helper()
	id, admin := NewAccountID(), NewUserIAMID()
	if err := f.st.CreateAccount(f.ctx, &store.Account{ID: id, Name: "other", State: "ACTIVE", OwnerIAMID: admin}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.CreateUser(f.ctx, &store.User{IAMID: admin, AccountID: id, Name: "admin", State: "ACTIVE"}); err != nil {
		t.Fatal(err)
	}
	return id
}

func crForm(tok, profileID, profileName string) map[string]string {
	return map[string]string{"grant_type": GrantCRToken, "cr_token": tok, "profile_id": profileID, "profile_name": profileName}
}

func TestCRTokenGrant(t *testing.T) {
	f := newFixture(t)
	acct := f.boot.AccountID
	linked := f.addProfile(t, acct, "linked")
	f.linkCE(t, linked, acct, testComponent)
	ruled := f.addProfile(t, acct, "ruled")
	if err := f.st.CreateProfileRule(f.ctx, &store.ProfileRule{ID: NewClaimRuleID(), ProfileID: ruled.ID, Type: api.ClaimRuleTypeCR,
		CRType: CRTypeCE, Conditions: []store.Condition{{Claim: "project_name", Operator: OpEquals, Value: `"shop"`}}}); err != nil {
		t.Fatal(err)
	}
	tok := f.mint(t, acct, testComponent)
	tests := []struct {
		name string
		form map[string]string
		want *store.Profile
	}{
		{"link by name", crForm(tok, "", "linked"), linked},
		{"link by id", crForm(tok, linked.ID, ""), linked},
		{"link by id and name", crForm(tok, linked.ID, "linked"), linked},
		{"rule by name", crForm(tok, "", "ruled"), ruled},
		{"by crn", map[string]string{"grant_type": GrantCRToken, "cr_token": tok,
			"profile_crn": IdentityCRN(acct, "profile", ruled.ID).String()}, ruled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := f.token(t, tc.form)
			if err != nil {
				t.Fatalf("cr-token grant: %v", err)
			}
			if resp.RefreshToken != "" {
				t.Error("cr-token grant gave a refresh token, want none")
			}
			c := payload(t, resp.AccessToken)
			if c["iam_id"] != tc.want.IAMID || c["grant_type"] != GrantCRToken || c["sub_type"] != "Profile" {
				t.Errorf("claims = %v, want the token of %s", c, tc.want.IAMID)
			}
			p, err := f.svc.Authenticate(f.ctx, authz.Credential{Bearer: api.Sensitive(resp.AccessToken)})
			if err != nil || p.Kind != KindProfile || p.ProfileID != tc.want.ID {
				t.Errorf("Authenticate(profile token) = %+v, %v", p, err)
			}
		})
	}
}

func TestCRTokenGrantRefusals(t *testing.T) {
	f := newFixture(t)
	acct := f.boot.AccountID
	other := f.otherAccount(t)
	linked := f.addProfile(t, acct, "linked")
	f.linkCE(t, linked, acct, testComponent)
	f.addProfile(t, acct, "unlinked")
	foreign := f.addProfile(t, other, "foreign")
	f.linkCE(t, foreign, acct, testComponent) // not cross-account: must not match
	tok := f.mint(t, acct, testComponent)
	job := testComponent
	job.ComponentType = "job"
	jobTok := f.mint(t, acct, job)

	ring, err := f.svc.computeRing(f.ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ring.signer(f.ctx)
	now := f.clock.Now()
	claims := map[string]any{"iss": f.svc.ComputeIssuerURL(acct), "aud": "someone-else", "sub": "x", "iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "account_id": acct, "project_id": testComponent.ProjectID,
		"component_type": "application", "component_name": "web", "region": "us-south"}
	wrongAud, _ := Sign(key, claims)
	claims["iss"] = "https://elsewhere.test/issuer"
	unknownIss, _ := Sign(key, claims)
	claims["iss"] = f.svc.ComputeIssuerURL(NewAccountID())
	noAccountIss, _ := Sign(key, claims)

	tests := []struct {
		name string
		form map[string]string
		code string
	}{
		{"unknown issuer", crForm(unknownIss, "", "linked"), CodeInvalidToken},
		{"issuer of a missing account", crForm(noAccountIss, "", "linked"), CodeInvalidToken},
		{"wrong audience", crForm(wrongAud, "", "linked"), CodeInvalidToken},
		{"not a jwt", crForm("garbage", "", "linked"), CodeInvalidToken},
		{"tampered", crForm(tok[:len(tok)-4]+"AAAA", "", "linked"), CodeInvalidToken},
		{"profile of another account", crForm(tok, foreign.ID, ""), CodeProfileNotEligible},
		{"no link or rule", crForm(tok, "", "unlinked"), CodeProfileNotEligible},
		{"other component", crForm(jobTok, "", "linked"), CodeProfileNotEligible},
		{"missing profile", crForm(tok, NewProfileID(), ""), CodeProfileNotEligible},
		{"missing profile name", crForm(tok, "", "nope"), CodeProfileNotEligible},
		{"id and name disagree", crForm(tok, linked.ID, "unlinked"), CodePropertyInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := f.token(t, tc.form)
			if resp != nil {
				t.Errorf("Token = %v, want no token", resp)
			}
			wantTokenError(t, tc.name, err, tc.code)
		})
	}
	f.clock.Add(DefaultCRTokenTTL + 2*DefaultLeeway)
	_, err = f.token(t, crForm(tok, "", "linked"))
	wantTokenError(t, "expired CR token", err, CodeInvalidToken)
}

func TestMintCRTokenRefusals(t *testing.T) {
	f := newFixture(t)
	bad := testComponent
	bad.ComponentType = "daemon"
	colon := testComponent
	colon.ProjectID = "a:b"
	tests := []struct {
		name    string
		account string
		c       CRClaims
		ttl     time.Duration
		kind    error
	}{
		{"unknown account", NewAccountID(), testComponent, 0, api.ErrNotFound},
		{"bad component type", f.boot.AccountID, bad, 0, api.ErrInvalid},
		{"colon in project", f.boot.AccountID, colon, 0, api.ErrInvalid},
		{"ttl too long", f.boot.AccountID, testComponent, 2 * time.Hour, api.ErrInvalid},
	}
	for _, tc := range tests {
		if _, err := f.svc.MintCRToken(f.ctx, tc.account, tc.c, tc.ttl); api.KindOf(err) != tc.kind {
			t.Errorf("%s: MintCRToken = %v, want %v", tc.name, err, tc.kind)
		}
	}
	jwks, err := f.svc.ComputeJWKS(f.ctx, f.boot.AccountID)
	if err != nil || len(jwksKids(t, jwks)) != 1 {
		t.Errorf("ComputeJWKS = %s, %v, want one key", jwks, err)
	}
}

func assumeForm(access, profileID string) map[string]string {
	return map[string]string{"grant_type": GrantAssume, "access_token": access, "profile_id": profileID}
}

func TestAssumeGrant(t *testing.T) {
	f := newFixture(t)
	acct := f.boot.AccountID
	sid, _, value := f.addServiceIDKey(t, "assumer")
	stranger, _, strangerValue := f.addServiceIDKey(t, "stranger")
	_ = stranger
	trusting := f.addProfile(t, acct, "trusting", sid.ID)
	other := f.otherAccount(t)
	foreign := f.addProfile(t, other, "foreign", sid.ID)
	access := f.apiKeyToken(t, value)

	resp, err := f.token(t, assumeForm(access.AccessToken, trusting.ID))
	if err != nil {
		t.Fatalf("assume grant: %v", err)
	}
	c := payload(t, resp.AccessToken)
	authn, _ := c["authn"].(map[string]any)
	if c["iam_id"] != trusting.IAMID || c["grant_type"] != GrantAssume || authn["iam_id"] != sid.IAMID {
		t.Errorf("assumed claims = %v", c)
	}
	byName := map[string]string{"grant_type": GrantAssume, "refresh_token": access.RefreshToken,
		"profile_name": "trusting", "account": acct}
	if _, err := f.token(t, byName); err != nil {
		t.Errorf("assume by name with a refresh token: %v", err)
	}
	strangerTok := f.apiKeyToken(t, strangerValue)
	tests := []struct {
		name string
		form map[string]string
		code string
	}{
		{"not a trusted identity", assumeForm(strangerTok.AccessToken, trusting.ID), CodeProfileNotEligible},
		{"profile of another account", assumeForm(access.AccessToken, foreign.ID), CodeProfileNotEligible},
		{"missing profile", assumeForm(access.AccessToken, NewProfileID()), CodeProfileNotEligible},
		{"profile token cannot assume", assumeForm(resp.AccessToken, trusting.ID), CodeInvalidToken},
		{"bad access token", assumeForm("a.b.c", trusting.ID), CodeInvalidToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := f.token(t, tc.form)
			if resp != nil {
				t.Errorf("Token = %v, want no token", resp)
			}
			wantTokenError(t, tc.name, err, tc.code)
		})
	}
}
