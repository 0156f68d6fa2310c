package federation

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// TestIssuer is a real OIDC issuer on loopback for tests: it serves
// /.well-known/openid-configuration and /jwks over HTTP from its own RSA
// and EC keys, and mints Kubernetes- and GitHub-Actions-shaped tokens.
type TestIssuer struct {
	URL     string
	srv     *httptest.Server
	Fetches atomic.Int32 // JWKS fetches served

	mu        sync.Mutex
	published []*TestKey
	// DiscoveryIssuer, when set, is the issuer the discovery document
	// names instead of URL.
	DiscoveryIssuer string
}

// TestKey is a signing key of a TestIssuer.
type TestKey struct {
	KID string
	Alg jose.SignatureAlgorithm
	Key crypto.Signer
}

// NewTestIssuer starts an issuer with an RSA key "rsa-1" and an EC P-256
// key "ec-1", stopped at cleanup.
func NewTestIssuer(tb testing.TB) *TestIssuer {
	tb.Helper()
	ti := &TestIssuer{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		ti.mu.Lock()
		iss := ti.DiscoveryIssuer
		ti.mu.Unlock()
		if iss == "" {
			iss = ti.URL
		}
		writeTestJSON(w, map[string]any{"issuer": iss, "jwks_uri": ti.URL + "/jwks",
			"id_token_signing_alg_values_supported": []string{"RS256", "ES256"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		ti.Fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write(ti.JWKS())
	})
	ti.srv = httptest.NewServer(mux)
	tb.Cleanup(ti.srv.Close)
	ti.URL = ti.srv.URL
	ti.published = []*TestKey{NewTestKey(tb, "rsa-1", jose.RS256), NewTestKey(tb, "ec-1", jose.ES256)}
	return ti
}

func writeTestJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// NewTestKey makes an RSA 2048 (RS256) or P-256 (ES256) key.
func NewTestKey(tb testing.TB, kid string, alg jose.SignatureAlgorithm) *TestKey {
	tb.Helper()
	var key crypto.Signer
	var err error
	if alg == jose.ES256 {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return &TestKey{KID: kid, Alg: alg, Key: key}
}

// Close stops serving: the issuer becomes unreachable.
func (ti *TestIssuer) Close() { ti.srv.Close() }

// Key returns the published key kid, or nil.
func (ti *TestIssuer) Key(kid string) *TestKey {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	for _, k := range ti.published {
		if k.KID == kid {
			return k
		}
	}
	return nil
}

// Publish replaces the published keys (a rotation).
func (ti *TestIssuer) Publish(keys ...*TestKey) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	ti.published = keys
}

// JWKS returns the public JWKS of the published keys.
func (ti *TestIssuer) JWKS() []byte {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	var set jose.JSONWebKeySet
	for _, k := range ti.published {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Key.Public(), KeyID: k.KID, Algorithm: string(k.Alg), Use: "sig"})
	}
	b, _ := json.Marshal(set)
	return b
}

// Mint signs claims with k.
func (ti *TestIssuer) Mint(tb testing.TB, k *TestKey, claims map[string]any) string {
	tb.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: k.Alg, Key: jose.JSONWebKey{Key: k.Key, KeyID: k.KID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		tb.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := sig.Sign(payload)
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// KubernetesClaims are the claims of a projected service-account token of
// pod "app-pod" for ns/sa, audience iam, valid an hour from now.
func (ti *TestIssuer) KubernetesClaims(ns, sa string, now time.Time) map[string]any {
	return map[string]any{
		"iss": ti.URL, "aud": []string{"iam"}, "sub": "system:serviceaccount:" + ns + ":" + sa,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"kubernetes.io": map[string]any{
			"namespace":      ns,
			"serviceaccount": map[string]any{"name": sa, "uid": "8f0c1d7e-sa"},
			"pod":            map[string]any{"name": "app-pod", "uid": "2b9e-pod"},
		},
	}
}

// GitHubClaims are the claims of a GitHub Actions OIDC token of a push
// workflow run on repo at ref, audience iam, valid 5 minutes.
func (ti *TestIssuer) GitHubClaims(repo, ref string, now time.Time) map[string]any {
	return map[string]any{
		"iss": ti.URL, "aud": "iam", "sub": "repo:" + repo + ":ref:" + ref,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": "run-1",
		"repository": repo, "repository_owner": "org", "repository_id": "123456", "ref": ref, "ref_type": "branch",
		"workflow": "deploy", "actor": "octocat", "event_name": "push", "environment": "production",
		"job_workflow_ref": repo + "/.github/workflows/deploy.yml@" + ref, "runner_environment": "github-hosted",
	}
}
