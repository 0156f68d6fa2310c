package identity

import (
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
)

func bearer(tok string) authz.Credential { return authz.Credential{Bearer: api.Sensitive(tok)} }

func TestVerifyCache(t *testing.T) {
	f := newFixture(t)
	sid, k, value := f.addServiceIDKey(t, "cached")
	tok := f.apiKeyToken(t, value).AccessToken
	if _, err := f.svc.Authenticate(f.ctx, bearer(tok)); err != nil {
		t.Fatal(err)
	}
	if n := f.svc.cache.len(); n != 1 {
		t.Fatalf("cache holds %d entries, want 1", n)
	}
	// While cached, a deleted key is not noticed ...
	if err := f.st.DeleteAPIKey(f.ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(f.ctx, bearer(tok)); err != nil {
		t.Errorf("cached Authenticate = %v, want nil", err)
	}
	// ... until 30 s have passed,
	f.clock.Add(tokenCacheTTL)
	if _, err := f.svc.Authenticate(f.ctx, bearer(tok)); err == nil {
		t.Error("Authenticate after the cache entry expired = nil, want an error")
	}
	// or at once after invalidateSubject.
	_, _, value2 := f.addServiceIDKey(t, "other")
	tok2 := f.apiKeyToken(t, value2).AccessToken
	if _, err := f.svc.Authenticate(f.ctx, bearer(tok2)); err != nil {
		t.Fatal(err)
	}
	f.svc.invalidateSubject(sid.IAMID) // another subject: tok2 stays
	if _, ok := f.svc.cache.get(sha256.Sum256([]byte(tok2)), f.clock.Now()); !ok {
		t.Error("invalidateSubject of another subject dropped the entry")
	}
}

func TestTokenCacheBounded(t *testing.T) {
	c := newTokenCache(100)
	now := time.Now()
	for i := range 1000 {
		c.put(sha256.Sum256([]byte{byte(i), byte(i >> 8)}), &authz.Principal{IAMID: "x"}, now.Add(time.Minute), now)
	}
	if n := c.len(); n > 100 {
		t.Errorf("cache holds %d entries, want at most 100", n)
	}
	c.dropSubject("x")
	if n := c.len(); n != 0 {
		t.Errorf("after dropSubject the cache holds %d entries, want 0", n)
	}
}

func TestBearerRefusals(t *testing.T) {
	f := newFixture(t)
	tok := f.apiKeyToken(t, f.boot.APIKey.Reveal()).AccessToken
	parts := strings.Split(tok, ".")
	tests := map[string]string{
		"garbage":       "not-a-token",
		"alg none":      "eyJhbGciOiJub25lIn0." + parts[1] + ".",
		"bad signature": parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])),
	}
	for name, tok := range tests {
		if _, err := f.svc.Authenticate(f.ctx, bearer(tok)); api.KindOf(err) != api.ErrUnauthenticated {
			t.Errorf("%s: Authenticate = %v, want unauthenticated", name, err)
		}
	}
	f.clock.Add(time.Hour + DefaultLeeway)
	if _, err := f.svc.Authenticate(f.ctx, bearer(tok)); api.KindOf(err) != api.ErrUnauthenticated {
		t.Errorf("expired: Authenticate = %v, want unauthenticated", err)
	}
}

// TestNoSecretsInLogs runs every grant and failure and scans the log.
func TestNoSecretsInLogs(t *testing.T) {
	f := newFixture(t)
	sid, _, value := f.addServiceIDKey(t, "logger")
	p := f.addProfile(t, f.boot.AccountID, "logged", sid.ID)
	f.linkCE(t, p, f.boot.AccountID, testComponent)
	first := f.apiKeyToken(t, value)
	second, err := f.token(t, refreshForm(first.RefreshToken))
	if err != nil {
		t.Fatal(err)
	}
	f.token(t, refreshForm(first.RefreshToken)) // replay: logs a warning
	cr := f.mint(t, f.boot.AccountID, testComponent)
	prof, err := f.token(t, crForm(cr, "", "logged"))
	if err != nil {
		t.Fatal(err)
	}
	f.token(t, assumeForm(first.AccessToken, p.ID))
	f.token(t, map[string]string{"grant_type": GrantAPIKey, "apikey": value + "x"})
	f.svc.Authenticate(f.ctx, bearer(second.AccessToken))
	f.svc.Authenticate(f.ctx, authz.Credential{APIKey: api.Sensitive(value)})
	if f.log.Len() == 0 {
		t.Fatal("nothing was logged: the scan would prove nothing")
	}
	secrets := map[string]string{"api key": value, "bootstrap key": f.boot.APIKey.Reveal(), "refresh token": first.RefreshToken,
		"second refresh token": second.RefreshToken, "access token": first.AccessToken, "cr token": cr,
		"profile token": prof.AccessToken}
	for name, s := range secrets {
		for _, frag := range []string{s, s[len(s)-20:]} {
			if strings.Contains(f.log.String(), frag) {
				t.Errorf("the log holds the %s", name)
			}
		}
	}
}

func BenchmarkIssueAPIKeyToken(b *testing.B) {
	f := newFixture(b)
	req := &TokenRequest{GrantType: GrantAPIKey, APIKey: f.boot.APIKey}
	f.svc.Token(f.ctx, req) // create the signing key first
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.svc.Token(f.ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

func benchmarkVerify(b *testing.B, cacheSize int) {
	f := newFixture(b, func(c *Config) { c.TokenCacheSize = cacheSize })
	tok := f.apiKeyToken(b, f.boot.APIKey.Reveal()).AccessToken
	cred := bearer(tok)
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.svc.Authenticate(f.ctx, cred); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
}

func BenchmarkVerifyCold(b *testing.B)   { benchmarkVerify(b, -1) }
func BenchmarkVerifyCached(b *testing.B) { benchmarkVerify(b, 0) }
