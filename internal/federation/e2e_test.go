package federation_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	core "github.com/IBM/go-sdk-core/v5/core"
	"github.com/go-jose/go-jose/v4"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/federation"
	"github.com/cofferhq/coffer/internal/servertest"
)

// fedEnv is a real server with a Kubernetes-shaped and a GitHub-shaped
// issuer registered in its bootstrap account, a profile linked to a
// service account and a profile with claim rules.
type fedEnv struct {
	srv         *servertest.Server
	account     string
	cluster     string
	k8s, github *federation.TestIssuer
	k8sProfile  *api.TrustedProfile
	ciProfile   *api.TrustedProfile
}

func newFedEnv(t *testing.T) *fedEnv {
	t.Helper()
	ctx := context.Background()
	e := &fedEnv{srv: servertest.New(t), k8s: federation.NewTestIssuer(t), github: federation.NewTestIssuer(t)}
	e.account = e.srv.Bootstrap().AccountID
	e.cluster = "crn:v1:coffer:public:containers-kubernetes:us-south:a/" + e.account + ":c0ffee01::"
	c := e.srv.Client
	mustDo(t, "register the cluster", func() error {
		_, err := c.CreateFederationIssuer(ctx, api.FederationIssuerRequest{Name: "prod-cluster", Issuer: e.k8s.URL,
			CRType: api.CRTypeIKSSA, ClusterCRN: e.cluster, JWKSSource: api.JWKSSourceDiscovery})
		return err
	})
	mustDo(t, "register GitHub", func() error {
		_, err := c.CreateFederationIssuer(ctx, api.FederationIssuerRequest{Name: "github", Issuer: e.github.URL,
			CRType: api.CRTypeOIDC, JWKSURI: e.github.URL + "/jwks"})
		return err
	})
	var err error
	if e.k8sProfile, err = c.CreateProfile(ctx, api.CreateProfileRequest{Name: "k8s-app", AccountID: e.account}); err != nil {
		t.Fatal(err)
	}
	mustDo(t, "link", func() error {
		_, err := c.CreateProfileLink(ctx, e.k8sProfile.ID, api.CreateProfileLinkRequest{CRType: api.CRTypeIKSSA,
			Link: api.ProfileLinkLink{CRN: e.cluster, Namespace: "payments", Name: "api"}})
		return err
	})
	if e.ciProfile, err = c.CreateProfile(ctx, api.CreateProfileRequest{Name: "ci-deploy", AccountID: e.account}); err != nil {
		t.Fatal(err)
	}
	mustDo(t, "rule", func() error {
		_, err := c.CreateClaimRule(ctx, e.ciProfile.ID, api.CreateClaimRuleRequest{Type: api.ClaimRuleTypeCR,
			CRType: api.CRTypeOIDC, Conditions: []api.ProfileClaimRuleCondition{
				{Claim: "repository", Operator: "EQUALS", Value: `"org/repo"`},
				{Claim: "ref", Operator: "EQUALS", Value: `"refs/heads/main"`}}})
		return err
	})
	return e
}

func mustDo(tb testing.TB, what string, fn func() error) {
	tb.Helper()
	if err := fn(); err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

// exchange posts a cr-token grant and returns the status and the body.
func exchange(tb testing.TB, base, token string, profile url.Values) (int, map[string]any) {
	tb.Helper()
	form := url.Values{"grant_type": {api.GrantCRToken}, "cr_token": {token}}
	for k, v := range profile {
		form[k] = v
	}
	resp, err := http.PostForm(base+api.TokenPath, form)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		tb.Fatalf("token answer is not JSON: %v", err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Errorf("token answer Content-Type = %q, want application/json", ct)
	}
	return resp.StatusCode, body
}

func byName(name string) url.Values { return url.Values{"profile_name": {name}} }

// tokenClaims decodes the claims of a JWT without verifying it.
func tokenClaims(tb testing.TB, tok string) map[string]any {
	tb.Helper()
	parts := strings.Split(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || len(parts) != 3 {
		tb.Fatalf("not a JWT: %v", err)
	}
	var c map[string]any
	json.Unmarshal(raw, &c)
	return c
}

// wantProfileToken checks a successful exchange and uses the token on an
// API: the server must take it as the profile (authenticated, 403 for want
// of a policy, never 401).
func (e *fedEnv) wantProfileToken(t *testing.T, status int, body map[string]any, prof *api.TrustedProfile) {
	t.Helper()
	tok, _ := body["access_token"].(string)
	if status != http.StatusOK || tok == "" {
		t.Fatalf("exchange = %d %v, want 200 with an access token", status, body)
	}
	if c := tokenClaims(t, tok); c["iam_id"] != prof.IAMID || c["grant_type"] != api.GrantCRToken {
		t.Errorf("token claims iam_id %v grant %v, want %s cr-token", c["iam_id"], c["grant_type"], prof.IAMID)
	}
	if r, _ := body["refresh_token"].(string); r != "" && r != "not_supported" {
		t.Errorf("cr-token answer has a refresh token")
	}
	pc := client.New(client.Config{URL: e.srv.URL, Token: api.Sensitive(tok)})
	_, err := pc.ListFederationIssuers(context.Background(), client.ListFederationIssuersOptions{})
	if !errors.Is(err, api.ErrPermissionDenied) {
		t.Errorf("API call with the profile token = %v, want api.ErrPermissionDenied (authenticated, no policy)", err)
	}
}

// wantRefused checks IBM's token error shape: 400, the BXNIM code, no token.
func wantRefused(t *testing.T, status int, body map[string]any, code string) {
	t.Helper()
	if status != http.StatusBadRequest || body["errorCode"] != code || body["access_token"] != nil {
		t.Errorf("exchange = %d %v, want 400 %s without a token", status, body, code)
	}
	if msg, _ := body["errorMessage"].(string); msg == "" {
		t.Errorf("refusal has no errorMessage: %v", body)
	}
	if ctx, _ := body["context"].(map[string]any); ctx["requestId"] == nil {
		t.Errorf("refusal has no context.requestId: %v", body)
	}
}

func TestKubernetesServiceAccountExchange(t *testing.T) {
	e := newFedEnv(t)
	for _, kid := range []string{"rsa-1", "ec-1"} {
		tok := e.k8s.Mint(t, e.k8s.Key(kid), e.k8s.KubernetesClaims("payments", "api", time.Now()))
		status, body := exchange(t, e.srv.URL, tok, byName("k8s-app"))
		e.wantProfileToken(t, status, body, e.k8sProfile)
		status, body = exchange(t, e.srv.URL, tok, url.Values{"profile_id": {e.k8sProfile.ID}})
		e.wantProfileToken(t, status, body, e.k8sProfile)
	}
}

func TestGitHubActionsExchange(t *testing.T) {
	e := newFedEnv(t)
	tok := e.github.Mint(t, e.github.Key("rsa-1"), e.github.GitHubClaims("org/repo", "refs/heads/main", time.Now()))
	status, body := exchange(t, e.srv.URL, tok, byName("ci-deploy"))
	e.wantProfileToken(t, status, body, e.ciProfile)
}

// TestContainerAuthenticator: IBM's Go SDK reads the token from a file, as
// in a pod or a CI job, and gets a token of the profile.
func TestContainerAuthenticator(t *testing.T) {
	e := newFedEnv(t)
	for _, tc := range []struct {
		name, profile, token string
	}{
		{"kubernetes", "k8s-app", e.k8s.Mint(t, e.k8s.Key("rsa-1"), e.k8s.KubernetesClaims("payments", "api", time.Now()))},
		{"github", "ci-deploy", e.github.Mint(t, e.github.Key("ec-1"), e.github.GitHubClaims("org/repo", "refs/heads/main", time.Now()))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "sa-token")
			if err := os.WriteFile(file, []byte(tc.token), 0o600); err != nil {
				t.Fatal(err)
			}
			auth, err := core.NewContainerAuthenticatorBuilder().SetCRTokenFilename(file).SetIAMProfileName(tc.profile).
				SetURL(e.srv.URL).Build()
			if err != nil {
				t.Fatal(err)
			}
			tok, err := auth.GetToken()
			if err != nil || tok == "" {
				t.Fatalf("GetToken = %q, %v", tok, err)
			}
			e.wantProfileToken(t, http.StatusOK, map[string]any{"access_token": tok}, map[string]*api.TrustedProfile{
				"k8s-app": e.k8sProfile, "ci-deploy": e.ciProfile}[tc.profile])
		})
	}
}

func TestExchangeRefused(t *testing.T) {
	e := newFedEnv(t)
	ctx := context.Background()
	now := time.Now()
	k8s := func(ns, sa string, edit func(map[string]any)) string {
		c := e.k8s.KubernetesClaims(ns, sa, now)
		edit(c)
		return e.k8s.Mint(t, e.k8s.Key("rsa-1"), c)
	}
	unregistered := federation.NewTestIssuer(t)
	other := e.otherAccountProfile(t)
	tests := []struct {
		name    string
		token   string
		profile url.Values
		code    string
	}{
		{"wrong audience", k8s("payments", "api", func(c map[string]any) { c["aud"] = []string{"vault"} }), byName("k8s-app"), "BXNIM0407E"},
		{"expired", k8s("payments", "api", func(c map[string]any) {
			c["iat"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
		}), byName("k8s-app"), "BXNIM0407E"},
		{"unregistered issuer", unregistered.Mint(t, unregistered.Key("rsa-1"), unregistered.KubernetesClaims("payments", "api", now)),
			byName("k8s-app"), "BXNIM0407E"},
		{"namespace mismatch", k8s("billing", "api", func(map[string]any) {}), byName("k8s-app"), "BXNIM0398E"},
		{"service account mismatch", k8s("payments", "worker", func(map[string]any) {}), byName("k8s-app"), "BXNIM0398E"},
		{"rule mismatch", e.github.Mint(t, e.github.Key("rsa-1"), e.github.GitHubClaims("org/repo", "refs/heads/dev", now)),
			byName("ci-deploy"), "BXNIM0398E"},
		{"other repository", e.github.Mint(t, e.github.Key("rsa-1"), e.github.GitHubClaims("evil/repo", "refs/heads/main", now)),
			byName("ci-deploy"), "BXNIM0398E"},
		{"GitHub token for the cluster profile", e.github.Mint(t, e.github.Key("rsa-1"), e.github.GitHubClaims("org/repo", "refs/heads/main", now)),
			byName("k8s-app"), "BXNIM0398E"},
		{"another account's profile", k8s("payments", "api", func(map[string]any) {}), url.Values{"profile_id": {other.ID}}, "BXNIM0398E"},
		{"another account's profile by name", k8s("payments", "api", func(map[string]any) {}), byName(other.Name), "BXNIM0398E"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := exchange(t, e.srv.URL, tc.token, tc.profile)
			wantRefused(t, status, body, tc.code)
		})
	}
	t.Run("issuer URL of another account", func(t *testing.T) {
		_, err := e.otherClient(t).CreateFederationIssuer(ctx, api.FederationIssuerRequest{Name: "squat", Issuer: e.k8s.URL,
			CRType: api.CRTypeOIDC})
		if !errors.Is(err, api.ErrAlreadyExists) {
			t.Errorf("registering another account's issuer URL = %v, want api.ErrAlreadyExists", err)
		}
	})
}

// TestRotatedKeyRefused: the issuer rotates its keys; a token of the new
// key works at once (unknown kid refreshes the cache) and one of the
// rotated-away key is refused.
func TestRotatedKeyRefused(t *testing.T) {
	e := newFedEnv(t)
	old := e.k8s.Mint(t, e.k8s.Key("rsa-1"), e.k8s.KubernetesClaims("payments", "api", time.Now()))
	status, body := exchange(t, e.srv.URL, old, byName("k8s-app"))
	e.wantProfileToken(t, status, body, e.k8sProfile)
	fresh := federation.NewTestKey(t, "rsa-2", jose.RS256)
	e.k8s.Publish(fresh)
	status, body = exchange(t, e.srv.URL, e.k8s.Mint(t, fresh, e.k8s.KubernetesClaims("payments", "api", time.Now())), byName("k8s-app"))
	e.wantProfileToken(t, status, body, e.k8sProfile)
	status, body = exchange(t, e.srv.URL, old, byName("k8s-app"))
	wantRefused(t, status, body, "BXNIM0407E")
}

// TestStaticJWKSWithoutNetwork: an issuer whose keys Coffer cannot reach
// works from a pasted JWKS.
func TestStaticJWKSWithoutNetwork(t *testing.T) {
	e := newFedEnv(t)
	ctx := context.Background()
	airgapped := federation.NewTestIssuer(t)
	jwks := airgapped.JWKS()
	airgapped.Close()
	mustDo(t, "register", func() error {
		_, err := e.srv.Client.CreateFederationIssuer(ctx, api.FederationIssuerRequest{Name: "airgapped", Issuer: airgapped.URL,
			CRType: api.CRTypeROKSSA, ClusterCRN: e.cluster, JWKS: jwks})
		return err
	})
	prof, err := e.srv.Client.CreateProfile(ctx, api.CreateProfileRequest{Name: "roks-app", AccountID: e.account})
	if err != nil {
		t.Fatal(err)
	}
	mustDo(t, "link", func() error {
		_, err := e.srv.Client.CreateProfileLink(ctx, prof.ID, api.CreateProfileLinkRequest{CRType: api.CRTypeROKSSA,
			Link: api.ProfileLinkLink{CRN: e.cluster, Namespace: "ops", Name: "deployer"}})
		return err
	})
	tok := airgapped.Mint(t, airgapped.Key("ec-1"), airgapped.KubernetesClaims("ops", "deployer", time.Now()))
	status, body := exchange(t, e.srv.URL, tok, byName("roks-app"))
	e.wantProfileToken(t, status, body, prof)
}

// TestIssuerAPI: the CRUD of the API through the client.
func TestIssuerAPI(t *testing.T) {
	e := newFedEnv(t)
	ctx := context.Background()
	c := e.srv.Client
	all, err := c.AllFederationIssuers(ctx, "")
	if err != nil || len(all) != 2 {
		t.Fatalf("AllFederationIssuers = %d issuers, %v; want 2", len(all), err)
	}
	gh := all[1]
	if gh.Name != "github" || gh.JWKSSource != api.JWKSSourceURI || gh.AccountID != e.account || gh.Audiences[0] != "iam" {
		t.Errorf("listed issuer = %+v", gh)
	}
	req := api.FederationIssuerRequest{Name: "github", Issuer: gh.Issuer, CRType: api.CRTypeOIDC, JWKSURI: gh.JWKSURI,
		Audiences: []string{"https://coffer.example"}, Revision: gh.Revision}
	upd, err := c.UpdateFederationIssuer(ctx, gh.ID, req)
	if err != nil || upd.Revision != gh.Revision+1 || upd.Audiences[0] != "https://coffer.example" {
		t.Fatalf("UpdateFederationIssuer = %+v, %v", upd, err)
	}
	if _, err := c.UpdateFederationIssuer(ctx, gh.ID, req); !errors.Is(err, api.ErrConflict) {
		t.Errorf("update at a stale revision = %v, want api.ErrConflict", err)
	}
	tok := e.github.Mint(t, e.github.Key("rsa-1"), e.github.GitHubClaims("org/repo", "refs/heads/main", time.Now()))
	status, body := exchange(t, e.srv.URL, tok, byName("ci-deploy"))
	wantRefused(t, status, body, "BXNIM0407E") // aud iam is no longer allowed
	if _, err := e.otherClient(t).FederationIssuer(ctx, gh.ID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("another account reading the issuer = %v, want api.ErrNotFound", err)
	}
	if err := c.DeleteFederationIssuer(ctx, gh.ID); err != nil {
		t.Fatalf("DeleteFederationIssuer = %v", err)
	}
	if _, err := c.FederationIssuer(ctx, gh.ID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("FederationIssuer after delete = %v, want api.ErrNotFound", err)
	}
	if _, err := c.CreateFederationIssuer(ctx, api.FederationIssuerRequest{Name: "bad", Issuer: "https://x.example",
		CRType: "CE"}); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("create with cr_type CE = %v, want api.ErrInvalid", err)
	}
}

// otherClient returns a client of the administrator of a second account.
func (e *fedEnv) otherClient(t *testing.T) *client.Client {
	t.Helper()
	res, err := e.srv.Client.CreateAccount(context.Background(), api.CreateAccountRequest{Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	return client.New(client.Config{URL: e.srv.URL, APIKey: api.Sensitive(res.APIKey.APIKey)})
}

// otherAccountProfile creates, in a second account, a profile whose rule
// would match the cluster's payments/api service account.
func (e *fedEnv) otherAccountProfile(t *testing.T) *api.TrustedProfile {
	t.Helper()
	ctx := context.Background()
	oc := e.otherClient(t)
	p, err := oc.CreateProfile(ctx, api.CreateProfileRequest{Name: "thief"})
	if err != nil {
		t.Fatal(err)
	}
	mustDo(t, "rule", func() error {
		_, err := oc.CreateClaimRule(ctx, p.ID, api.CreateClaimRuleRequest{Type: api.ClaimRuleTypeCR, CRType: api.CRTypeIKSSA,
			Conditions: []api.ProfileClaimRuleCondition{{Claim: "namespace", Operator: "EQUALS", Value: `"payments"`}}})
		return err
	})
	return p
}
