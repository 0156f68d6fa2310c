package federation

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/store"
	"github.com/cofferhq/coffer/internal/store/storetest"
)

const testAccount = "0123456789abcdef0123456789abcdef"

var testCluster = "crn:v1:coffer:public:containers-kubernetes:us-south:a/" + testAccount + ":c0ffee01::"

// clock is a settable time for the registry.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newTestRegistry returns a registry on a fresh store holding testAccount.
func newTestRegistry(tb testing.TB, cfg Config) (*Registry, *clock) {
	tb.Helper()
	st := storetest.OpenSQLite(tb)
	if err := st.CreateAccount(context.Background(), &store.Account{ID: testAccount, Name: "test", State: "active"}); err != nil {
		tb.Fatal(err)
	}
	clk := &clock{t: time.Now()}
	cfg.Store, cfg.Now = st, clk.Now
	r, err := NewRegistry(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return r, clk
}

// register stores an issuer of testAccount made from req.
func register(tb testing.TB, r *Registry, req api.FederationIssuerRequest) *store.FederationIssuer {
	tb.Helper()
	row := &store.FederationIssuer{ID: NewIssuerID(), AccountID: testAccount, CreatedBy: "iam-test"}
	if err := r.applyRequest(row, req); err != nil {
		tb.Fatalf("applyRequest(%+v) = %v", req, err)
	}
	if err := r.st.CreateFederationIssuer(context.Background(), row); err != nil {
		tb.Fatal(err)
	}
	return row
}

func k8sRequest(ti *TestIssuer) api.FederationIssuerRequest {
	return api.FederationIssuerRequest{Name: "cluster", Issuer: ti.URL, CRType: api.CRTypeIKSSA, ClusterCRN: testCluster,
		JWKSSource: api.JWKSSourceDiscovery}
}

// verify finds the token's issuer and verifies the token.
func verify(r *Registry, iss, token string) (*identity.VerifiedCR, error) {
	v, err := r.FindCRIssuer(context.Background(), iss)
	if err != nil {
		return nil, err
	}
	return v.VerifyCRToken(context.Background(), token)
}

func TestVerifyKubernetesToken(t *testing.T) {
	ti := NewTestIssuer(t)
	r, clk := newTestRegistry(t, Config{})
	iss := register(t, r, k8sRequest(ti))
	for _, kid := range []string{"rsa-1", "ec-1"} {
		t.Run(kid, func(t *testing.T) {
			tok := ti.Mint(t, ti.Key(kid), ti.KubernetesClaims("payments", "api", clk.Now()))
			cr, err := verify(r, ti.URL, tok)
			if err != nil {
				t.Fatalf("VerifyCRToken = %v", err)
			}
			got := cr.Identity
			if got.Type != api.CRTypeIKSSA || got.CRN != testCluster || got.Namespace != "payments" || got.Name != "api" {
				t.Errorf("identity = %+v, want IKS_SA %s payments/api", got, testCluster)
			}
			if cr.AccountID != testAccount || cr.Subject != "tok2iks1:payments:api:app-pod" || cr.ID != iss.ID+"/payments/api" {
				t.Errorf("VerifiedCR = account %q subject %q id %q", cr.AccountID, cr.Subject, cr.ID)
			}
			want := map[string]any{"namespace": "payments", "name": "api", "pod": "app-pod", "service_instance": "c0ffee01",
				"crn": testCluster, "location": "us-south"}
			for k, v := range want {
				if got.Claims[k] != v {
					t.Errorf("claim %s = %v, want %v", k, got.Claims[k], v)
				}
			}
			link := identity.Link{CRType: api.CRTypeIKSSA, CRN: testCluster, Namespace: "payments", Name: "api"}
			if !link.Matches(got) {
				t.Errorf("link %+v does not match %+v", link, got)
			}
		})
	}
}

func TestVerifyGitHubToken(t *testing.T) {
	ti := NewTestIssuer(t)
	r, clk := newTestRegistry(t, Config{})
	register(t, r, api.FederationIssuerRequest{Name: "github", Issuer: ti.URL, CRType: api.CRTypeOIDC, JWKSURI: ti.URL + "/jwks"})
	tok := ti.Mint(t, ti.Key("rsa-1"), ti.GitHubClaims("org/repo", "refs/heads/main", clk.Now()))
	cr, err := verify(r, ti.URL, tok)
	if err != nil {
		t.Fatalf("VerifyCRToken = %v", err)
	}
	if cr.Identity.Type != api.CRTypeOIDC || cr.Identity.CRN != "" || cr.Subject != "repo:org/repo:ref:refs/heads/main" {
		t.Errorf("VerifiedCR = %+v", cr)
	}
	if strings.Contains(cr.ID, ":") {
		t.Errorf("resource id %q holds ':' (it goes into a CRN)", cr.ID)
	}
	rules := []struct {
		rule identity.Rule
		want bool
	}{
		{identity.Rule{CRType: api.CRTypeOIDC, Conditions: []identity.Condition{
			{Claim: "repository", Operator: "EQUALS", Value: `"org/repo"`},
			{Claim: "ref", Operator: "EQUALS", Value: `"refs/heads/main"`}}}, true},
		{identity.Rule{CRType: api.CRTypeOIDC, Conditions: []identity.Condition{
			{Claim: "ref", Operator: "EQUALS", Value: `"refs/heads/dev"`}}}, false},
		{identity.Rule{CRType: api.CRTypeIKSSA, Conditions: []identity.Condition{
			{Claim: "repository", Operator: "EQUALS", Value: `"org/repo"`}}}, false},
	}
	for _, tc := range rules {
		if got, err := tc.rule.Matches(cr.Identity); got != tc.want || err != nil {
			t.Errorf("%+v.Matches = %v, %v; want %v", tc.rule, got, err, tc.want)
		}
	}
}

func TestVerifyRefused(t *testing.T) {
	ti := NewTestIssuer(t)
	r, clk := newTestRegistry(t, Config{})
	register(t, r, k8sRequest(ti))
	now := clk.Now()
	stranger := NewTestKey(t, "rsa-1", jose.RS256) // same kid, key the issuer does not publish
	tests := []struct {
		name   string
		key    *TestKey
		claims func(map[string]any)
		want   string
	}{
		{"wrong audience", nil, func(c map[string]any) { c["aud"] = []string{"vault"} }, "audience"},
		{"expired", nil, func(c map[string]any) { c["exp"] = now.Add(-10 * time.Minute).Unix() }, "expired"},
		{"not yet valid", nil, func(c map[string]any) { c["nbf"] = now.Add(10 * time.Minute).Unix() }, "nbf"},
		{"lives too long", nil, func(c map[string]any) { c["exp"] = now.Add(2 * time.Hour).Unix() }, "lifetime"},
		{"no iat", nil, func(c map[string]any) { delete(c, "iat") }, "iat"},
		{"other issuer", nil, func(c map[string]any) { c["iss"] = "https://other.example" }, "issuer"},
		{"sub disagrees", nil, func(c map[string]any) { c["sub"] = "system:serviceaccount:kube-system:admin" }, "service account"},
		{"no kubernetes claim", nil, func(c map[string]any) { delete(c, "kubernetes.io") }, "service account"},
		{"forged signature", stranger, func(map[string]any) {}, "signature"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			claims := ti.KubernetesClaims("payments", "api", now)
			tc.claims(claims)
			key := tc.key
			if key == nil {
				key = ti.Key("rsa-1")
			}
			cr, err := verify(r, ti.URL, ti.Mint(t, key, claims))
			if !errors.Is(err, api.ErrUnauthenticated) || !strings.Contains(err.Error(), tc.want) || cr != nil {
				t.Errorf("VerifyCRToken = %v, %v; want api.ErrUnauthenticated mentioning %q", cr, err, tc.want)
			}
		})
	}
}

func TestFindUnregistered(t *testing.T) {
	r, _ := newTestRegistry(t, Config{})
	if _, err := r.FindCRIssuer(context.Background(), "https://nobody.example"); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("FindCRIssuer(unregistered) = %v, want api.ErrNotFound", err)
	}
}

// TestRotation: after the issuer rotates, the first token of the new key
// refreshes the cache and a token of the old key is refused.
func TestRotation(t *testing.T) {
	ti := NewTestIssuer(t)
	r, clk := newTestRegistry(t, Config{})
	register(t, r, k8sRequest(ti))
	old := ti.Key("rsa-1")
	oldTok := ti.Mint(t, old, ti.KubernetesClaims("payments", "api", clk.Now()))
	if _, err := verify(r, ti.URL, oldTok); err != nil {
		t.Fatalf("token of the first key: %v", err)
	}
	fresh := NewTestKey(t, "rsa-2", jose.RS256)
	ti.Publish(fresh)
	if _, err := verify(r, ti.URL, ti.Mint(t, fresh, ti.KubernetesClaims("payments", "api", clk.Now()))); err != nil {
		t.Fatalf("token of the new key: %v", err)
	}
	if n := ti.Fetches.Load(); n != 2 {
		t.Errorf("JWKS fetches = %d, want 2 (first use, unknown kid)", n)
	}
	if _, err := verify(r, ti.URL, oldTok); !errors.Is(err, api.ErrUnauthenticated) || !strings.Contains(err.Error(), "does not publish") {
		t.Errorf("token of the rotated-away key = %v, want api.ErrUnauthenticated (key not published)", err)
	}
}

// TestRefreshRateLimit: tokens with made-up kids cost at most burst
// fetches, then one per interval.
func TestRefreshRateLimit(t *testing.T) {
	ti := NewTestIssuer(t)
	r, clk := newTestRegistry(t, Config{RefreshInterval: time.Minute, RefreshBurst: 2})
	register(t, r, k8sRequest(ti))
	bogus := NewTestKey(t, "made-up", jose.RS256)
	for range 10 {
		verify(r, ti.URL, ti.Mint(t, bogus, ti.KubernetesClaims("payments", "api", clk.Now())))
	}
	if n := ti.Fetches.Load(); n != 2 {
		t.Errorf("fetches after 10 unknown kids = %d, want 2 (the burst)", n)
	}
	clk.Add(time.Minute)
	for range 10 {
		verify(r, ti.URL, ti.Mint(t, bogus, ti.KubernetesClaims("payments", "api", clk.Now())))
	}
	if n := ti.Fetches.Load(); n != 3 {
		t.Errorf("fetches a minute later = %d, want 3", n)
	}
	if _, err := verify(r, ti.URL, ti.Mint(t, ti.Key("rsa-1"), ti.KubernetesClaims("payments", "api", clk.Now()))); err != nil {
		t.Errorf("a good token while rate-limited = %v, want it verified from the cache", err)
	}
}

// TestStaleKeysWhenIssuerDown: cached keys outlive their age while the
// issuer cannot be reached; with nothing cached, the answer is unavailable.
func TestStaleKeysWhenIssuerDown(t *testing.T) {
	ti := NewTestIssuer(t)
	r, clk := newTestRegistry(t, Config{KeysMaxAge: time.Minute})
	register(t, r, k8sRequest(ti))
	if _, err := verify(r, ti.URL, ti.Mint(t, ti.Key("ec-1"), ti.KubernetesClaims("payments", "api", clk.Now()))); err != nil {
		t.Fatal(err)
	}
	ti.Close()
	clk.Add(2 * time.Minute)
	if _, err := verify(r, ti.URL, ti.Mint(t, ti.Key("ec-1"), ti.KubernetesClaims("payments", "api", clk.Now()))); err != nil {
		t.Errorf("token while the issuer is down, keys stale = %v, want verified", err)
	}
	other := NewTestIssuer(t)
	other.Close()
	register(t, r, api.FederationIssuerRequest{Name: "down", Issuer: other.URL, CRType: api.CRTypeOIDC})
	_, err := verify(r, other.URL, other.Mint(t, other.Key("rsa-1"), other.GitHubClaims("org/repo", "refs/heads/main", clk.Now())))
	if !errors.Is(err, api.ErrUnavailable) {
		t.Errorf("token of an unreachable issuer = %v, want api.ErrUnavailable", err)
	}
}

// TestStaticJWKS: a pasted JWKS verifies with no network at all.
func TestStaticJWKS(t *testing.T) {
	ti := NewTestIssuer(t)
	jwks := ti.JWKS()
	ti.Close()
	r, clk := newTestRegistry(t, Config{HTTPClient: &failingClient})
	register(t, r, api.FederationIssuerRequest{Name: "airgapped", Issuer: ti.URL, CRType: api.CRTypeROKSSA,
		ClusterCRN: testCluster, JWKS: jwks})
	cr, err := verify(r, ti.URL, ti.Mint(t, ti.Key("rsa-1"), ti.KubernetesClaims("ops", "deployer", clk.Now())))
	if err != nil || cr.Identity.Type != api.CRTypeROKSSA {
		t.Fatalf("VerifyCRToken with a static JWKS = %+v, %v", cr, err)
	}
	stranger := NewTestKey(t, "rsa-9", jose.RS256)
	if _, err := verify(r, ti.URL, ti.Mint(t, stranger, ti.KubernetesClaims("ops", "deployer", clk.Now()))); !errors.Is(err, api.ErrUnauthenticated) {
		t.Errorf("unknown kid with a static JWKS = %v, want api.ErrUnauthenticated", err)
	}
}

// TestDiscoveryIssuerMismatch: a discovery document naming another issuer
// is not trusted.
func TestDiscoveryIssuerMismatch(t *testing.T) {
	ti := NewTestIssuer(t)
	ti.DiscoveryIssuer = "https://impostor.example"
	r, clk := newTestRegistry(t, Config{})
	register(t, r, k8sRequest(ti))
	_, err := verify(r, ti.URL, ti.Mint(t, ti.Key("rsa-1"), ti.KubernetesClaims("payments", "api", clk.Now())))
	if !errors.Is(err, api.ErrUnavailable) || ti.Fetches.Load() != 0 {
		t.Errorf("VerifyCRToken = %v after %d JWKS fetches, want api.ErrUnavailable and none", err, ti.Fetches.Load())
	}
}

func TestApplyRequestRefuses(t *testing.T) {
	ti := NewTestIssuer(t)
	r, _ := newTestRegistry(t, Config{})
	ok := k8sRequest(ti)
	private, _ := jsonKey(t, ti.Key("rsa-1").Key, "rsa-1")
	tests := []struct {
		name string
		edit func(*api.FederationIssuerRequest)
		want string
	}{
		{"no name", func(q *api.FederationIssuerRequest) { q.Name = " " }, "name"},
		{"issuer with query", func(q *api.FederationIssuerRequest) { q.Issuer += "?x=1" }, "issuer"},
		{"issuer not a URL", func(q *api.FederationIssuerRequest) { q.Issuer = "kubernetes/serviceaccount" }, "issuer"},
		{"unknown cr_type", func(q *api.FederationIssuerRequest) { q.CRType = "CE" }, "cr_type"},
		{"IKS without cluster", func(q *api.FederationIssuerRequest) { q.ClusterCRN = "" }, "cluster_crn"},
		{"cluster of another account", func(q *api.FederationIssuerRequest) {
			q.ClusterCRN = "crn:v1:coffer:public:containers-kubernetes:us-south:a/ffffffffffffffffffffffffffffffff:c1::"
		}, "account"},
		{"OIDC with cluster", func(q *api.FederationIssuerRequest) { q.CRType = api.CRTypeOIDC }, "cluster_crn"},
		{"plain http JWKS off loopback", func(q *api.FederationIssuerRequest) {
			q.JWKSSource, q.JWKSURI = api.JWKSSourceURI, "http://keys.example/jwks"
		}, "https"},
		{"plain http discovery off loopback", func(q *api.FederationIssuerRequest) { q.Issuer = "http://cluster.example" }, "https"},
		{"two key sources", func(q *api.FederationIssuerRequest) { q.JWKSURI = ti.URL + "/jwks" }, "discovery"},
		{"static private key", func(q *api.FederationIssuerRequest) {
			q.JWKSSource, q.JWKS = api.JWKSSourceStatic, []byte(`{"keys":[`+private+`]}`)
		}, "private"},
		{"static without keys", func(q *api.FederationIssuerRequest) {
			q.JWKSSource, q.JWKS = api.JWKSSourceStatic, []byte(`{"keys":[]}`)
		}, "no RSA"},
		{"empty audience", func(q *api.FederationIssuerRequest) { q.Audiences = []string{""} }, "audience"},
		{"unknown source", func(q *api.FederationIssuerRequest) { q.JWKSSource = "ldap" }, "jwks_source"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := ok
			tc.edit(&req)
			err := r.applyRequest(&store.FederationIssuer{AccountID: testAccount}, req)
			if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("applyRequest = %v, want api.ErrInvalid mentioning %q", err, tc.want)
			}
		})
	}
	row := &store.FederationIssuer{AccountID: testAccount}
	if err := r.applyRequest(row, ok); err != nil {
		t.Fatalf("applyRequest(valid) = %v", err)
	}
	if diff := cmp.Diff([]string{"iam"}, row.Audiences); diff != "" {
		t.Errorf("default audiences (-want +got):\n%s", diff)
	}
}

func jsonKey(tb testing.TB, key any, kid string) (string, error) {
	tb.Helper()
	b, err := (&jose.JSONWebKey{Key: key, KeyID: kid}).MarshalJSON()
	return string(b), err
}

// failingClient is a network that refuses everything: a static issuer
// must never need it.
var failingClient = http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in this test")
})}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func FuzzParseJWKS(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"a"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AAAA"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		ks, err := parseJWKS(doc)
		if err == nil && len(ks) == 0 {
			t.Errorf("parseJWKS(%q) = empty set, no error", doc)
		}
		for kid, k := range ks {
			if !usableKey(k) {
				t.Errorf("parseJWKS kept unusable key %q: %T", kid, k)
			}
		}
	})
}
