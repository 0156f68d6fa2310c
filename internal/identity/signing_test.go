package identity

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
)

func jwksKids(t *testing.T, raw []byte) []string {
	t.Helper()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			Alg string `json:"alg"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}

func headerKid(t *testing.T, token string) string {
	t.Helper()
	return peekKid(token)
}

func TestSigningKeyRotation(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.SigningKeyRotation = time.Hour; c.TokenCacheSize = -1 })
	f.clock.Add(50 * time.Minute) // 10:50, late in the first slot
	old := f.apiKeyToken(t, f.boot.APIKey.Reveal())
	oldKid := headerKid(t, old.AccessToken)
	if oldKid != "20261129-10:00:00" {
		t.Errorf("kid = %q, want the slot start 20261129-10:00:00", oldKid)
	}
	f.clock.Add(15 * time.Minute) // 11:05, the next slot
	fresh := f.apiKeyToken(t, f.boot.APIKey.Reveal())
	if kid := headerKid(t, fresh.AccessToken); kid == oldKid || kid != "20261129-11:00:00" {
		t.Errorf("kid after rotation = %q, want 20261129-11:00:00", kid)
	}
	jwks, err := f.svc.JWKS(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if kids := jwksKids(t, jwks); len(kids) != 2 {
		t.Errorf("JWKS kids during overlap = %v, want both keys", kids)
	}
	for name, tok := range map[string]string{"old": old.AccessToken, "fresh": fresh.AccessToken} {
		if _, err := f.svc.Authenticate(f.ctx, authz.Credential{Bearer: api.Sensitive(tok)}); err != nil {
			t.Errorf("Authenticate(%s token) during overlap = %v", name, err)
		}
	}
	// Past the old key's expiry (its NotAfter + 1 h + leeway: 12:01) it is gone.
	f.clock.Add(time.Hour)
	if _, err := f.svc.Authenticate(f.ctx, authz.Credential{Bearer: api.Sensitive(old.AccessToken)}); err == nil {
		t.Error("Authenticate(old token) after its key expired = nil, want an error")
	}
	f.apiKeyToken(t, f.boot.APIKey.Reveal()) // rotates again and purges the expired key
	jwks, _ = f.svc.JWKS(f.ctx)
	for _, kid := range jwksKids(t, jwks) {
		if kid == oldKid {
			t.Errorf("JWKS still lists the expired key %s", oldKid)
		}
	}
	rows, _ := f.st.SigningKeys(f.ctx, time.Time{})
	for _, r := range rows {
		if r.ID == oldKid {
			t.Errorf("expired signing key %s still stored", oldKid)
		}
	}
}

// TestConcurrentRotation: nodes that rotate at once agree on one key, and
// a node verifies a token of a key another node created.
func TestConcurrentRotation(t *testing.T) {
	f := newFixture(t)
	nodes := []*Service{f.svc, f.node(t), f.node(t), f.node(t)}
	kids := make([]string, len(nodes))
	toks := make([]string, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() {
			k, err := n.signingKeys.signer(f.ctx)
			if err != nil {
				t.Errorf("node %d signer: %v", i, err)
				return
			}
			kids[i] = k.ID
			toks[i], _ = n.sign(f.ctx, signedClaims{Claims: Claims{IAMID: f.boot.AdminIAMID, Issuer: n.Issuer(),
				Account: AccountClaim{BSS: f.boot.AccountID}, IssuedAt: f.clock.Now().Unix(), Expiry: f.clock.Now().Add(time.Hour).Unix()}})
		})
	}
	wg.Wait()
	for i := range kids {
		if kids[i] != kids[0] {
			t.Fatalf("nodes signed with different keys %v", kids)
		}
	}
	rows, err := f.st.SigningKeys(f.ctx, f.clock.Now())
	if err != nil || len(rows) != 1 {
		t.Errorf("stored signing keys = %d, %v, want exactly 1", len(rows), err)
	}
	other := f.node(t)
	if _, err := other.Authenticate(f.ctx, authz.Credential{Bearer: api.Sensitive(toks[1])}); err != nil {
		t.Errorf("another node's Authenticate = %v, want nil", err)
	}
}

func TestDiscovery(t *testing.T) {
	f := newFixture(t)
	doc := f.svc.OpenIDConfiguration()
	want := map[string]string{"issuer": "https://coffer.test/identity", "token_endpoint": "https://coffer.test/identity/token",
		"jwks_uri": "https://coffer.test/identity/keys"}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("discovery %s = %v, want %v", k, doc[k], v)
		}
	}
}
