package identity

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/google/go-cmp/cmp"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

const (
	testAccount   = "0123456789abcdef0123456789abcdef"
	testIssuer    = "https://coffer.example/identity"
	testServiceID = "ServiceId-0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
	testProfileID = "Profile-9a8b7c6d-5e4f-4321-8fed-cba987654321"
	testUserIAMID = "CofferId-AB12CD34EF"
)

var testIssueTime = time.Date(2026, 11, 29, 1, 30, 0, 0, time.UTC)

func testClaimsParams(grant string) ClaimsParams {
	return ClaimsParams{Issuer: testIssuer, Account: testAccount, GrantType: grant, Now: testIssueTime, JTI: "jti-fixed"}
}

// checkGolden compares got, indented as JSON, with testdata/name, or
// rewrites the file under -update.
func checkGolden(tb testing.TB, name string, got any) {
	tb.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(b)); diff != "" {
		tb.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func TestClaimsGolden(t *testing.T) {
	tests := []struct {
		name string
		make func() (Claims, error)
	}{
		{"claims_user.json", func() (Claims, error) {
			return UserClaims(testClaimsParams(GrantAPIKey), testUserIAMID, "Ada Admin", "ada@example.com")
		}},
		{"claims_serviceid.json", func() (Claims, error) {
			return ServiceIDClaims(testClaimsParams(GrantAPIKey), testServiceID, "ci-deployer")
		}},
		{"claims_profile_crtoken.json", func() (Claims, error) {
			return ProfileClaims(testClaimsParams(GrantCRToken), testProfileID, "app-readers",
				ComputeResourceAuthn(testAccount, "app-orders", "orders"))
		}},
		{"claims_profile_assume.json", func() (Claims, error) {
			assumer, err := ServiceIDClaims(testClaimsParams(GrantAPIKey), testServiceID, "ci-deployer")
			if err != nil {
				return Claims{}, err
			}
			return ProfileClaims(testClaimsParams(GrantAssume), testProfileID, "app-readers", AssumerAuthn(&assumer))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.make()
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name, c)
		})
	}
}

func TestClaimsTable(t *testing.T) {
	svc, err := ServiceIDClaims(testClaimsParams(GrantAPIKey), testServiceID, "n")
	if err != nil {
		t.Fatal(err)
	}
	prof, err := ProfileClaims(testClaimsParams(GrantCRToken), testProfileID, "p", ComputeResourceAuthn(testAccount, "r", "r"))
	if err != nil {
		t.Fatal(err)
	}
	user, err := UserClaims(testClaimsParams(GrantAPIKey), testUserIAMID, "n", "")
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ IAMID, ID, RealmID, Identifier, Sub, SubType string }
	tests := []struct {
		name string
		got  Claims
		want row
	}{
		{"service id", svc, row{"iam-" + testServiceID, "iam-" + testServiceID, "iam", testServiceID, testServiceID, "ServiceId"}},
		{"profile", prof, row{"iam-" + testProfileID, "iam-" + testProfileID, "iam", testProfileID, testProfileID, "Profile"}},
		{"user without email", user, row{testUserIAMID, testUserIAMID, "CofferId", "AB12CD34EF", testUserIAMID, ""}},
	}
	for _, tt := range tests {
		got := row{tt.got.IAMID, tt.got.ID, tt.got.RealmID, tt.got.Identifier, tt.got.Sub, tt.got.SubType}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s claims mismatch (-want +got):\n%s", tt.name, diff)
		}
		if tt.got.Expiry-tt.got.IssuedAt != 3600 || tt.got.IssuedAt != testIssueTime.Unix() {
			t.Errorf("%s: iat %d exp %d, want iat %d and a 3600 s lifetime", tt.name, tt.got.IssuedAt, tt.got.Expiry, testIssueTime.Unix())
		}
		if tt.got.Scope != "ibm openid" || tt.got.ClientID != "default" || !tt.got.Account.Valid || tt.got.Account.BSS != testAccount {
			t.Errorf("%s: scope %q client_id %q account %+v, want defaults", tt.name, tt.got.Scope, tt.got.ClientID, tt.got.Account)
		}
	}
}

func TestClaimsRandomJTIAndLifetime(t *testing.T) {
	p := testClaimsParams(GrantAPIKey)
	p.JTI, p.Lifetime, p.Scope, p.ClientID = "", 15*time.Minute, "ibm openid custom", "bx"
	a, err := ServiceIDClaims(p, testServiceID, "n")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ServiceIDClaims(p, testServiceID, "n")
	if err != nil {
		t.Fatal(err)
	}
	if a.JTI == "" || a.JTI == b.JTI {
		t.Errorf("jti = %q and %q, want two different random values", a.JTI, b.JTI)
	}
	if a.Expiry-a.IssuedAt != 900 || a.Scope != p.Scope || a.ClientID != "bx" {
		t.Errorf("claims = %+v, want lifetime 900 s, scope %q, client_id bx", a, p.Scope)
	}
}

func TestClaimsRefuse(t *testing.T) {
	ok := testClaimsParams(GrantAPIKey)
	tests := []struct {
		name string
		make func() (Claims, error)
	}{
		{"no issuer", func() (Claims, error) { p := ok; p.Issuer = ""; return ServiceIDClaims(p, testServiceID, "n") }},
		{"bad account", func() (Claims, error) { p := ok; p.Account = "acct"; return ServiceIDClaims(p, testServiceID, "n") }},
		{"no grant", func() (Claims, error) { p := ok; p.GrantType = ""; return ServiceIDClaims(p, testServiceID, "n") }},
		{"no time", func() (Claims, error) { p := ok; p.Now = time.Time{}; return ServiceIDClaims(p, testServiceID, "n") }},
		{"short life", func() (Claims, error) {
			p := ok
			p.Lifetime = 10 * time.Second
			return ServiceIDClaims(p, testServiceID, "n")
		}},
		{"negative life", func() (Claims, error) {
			p := ok
			p.Lifetime = -time.Hour
			return ServiceIDClaims(p, testServiceID, "n")
		}},
		{"bad service id", func() (Claims, error) { return ServiceIDClaims(ok, "iam-"+testServiceID, "n") }},
		{"bad profile id", func() (Claims, error) { return ProfileClaims(ok, testServiceID, "n", AuthnClaim{Sub: "s", IAMID: "i"}) }},
		{"profile without authn", func() (Claims, error) { return ProfileClaims(ok, testProfileID, "n", AuthnClaim{}) }},
		{"bad user", func() (Claims, error) { return UserClaims(ok, "IBMid-550002G2B4", "n", "e") }},
	}
	for _, tt := range tests {
		if _, err := tt.make(); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("%s: error = %v, want api.ErrInvalid", tt.name, err)
		}
	}
}
