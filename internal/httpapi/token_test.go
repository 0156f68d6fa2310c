package httpapi_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/httpapi"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/servertest"
	"github.com/cofferhq/coffer/internal/store"
	"github.com/cofferhq/coffer/internal/store/storetest"
)

// node opens a second Coffer node on srv's database and root key, with its
// own clock: the tests use it to reach the store (profiles, links) and to
// sign tokens at other times, as another node of the cluster would.
type node struct {
	svc  *identity.Service
	st   *store.Store
	boot *identity.BootstrapResult
}

func openNode(tb testing.TB, srv *servertest.Server, now func() time.Time) *node {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{URL: "sqlite:" + filepath.Join(srv.DataDir, "coffer.db")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	keys, err := kms.NewKeys(kms.KeysConfig{Provider: kms.NewKeyFile(filepath.Join(srv.DataDir, "root.key")), Store: st})
	if err != nil {
		tb.Fatal(err)
	}
	if err := keys.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	svc, err := identity.New(identity.Config{Store: st, Keys: keys, PublicURL: srv.URL, Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	boot, err := svc.Bootstrap(ctx, identity.BootstrapConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	return &node{svc: svc, st: st, boot: boot}
}

type tokenAnswer struct {
	status  int
	header  http.Header
	body    map[string]any
	rawBody string
}

func postForm(tb testing.TB, base string, form url.Values) tokenAnswer {
	tb.Helper()
	return postBody(tb, base, "application/x-www-form-urlencoded", form.Encode())
}

func postBody(tb testing.TB, base, contentType, body string) tokenAnswer {
	tb.Helper()
	req, _ := http.NewRequest("POST", base+"/identity/token", strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	return do(tb, req)
}

func do(tb testing.TB, req *http.Request) tokenAnswer {
	tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := tokenAnswer{status: resp.StatusCode, header: resp.Header, rawBody: string(raw)}
	json.Unmarshal(raw, &a.body)
	return a
}

func apikeyForm(key string) url.Values {
	return url.Values{"grant_type": {identity.GrantAPIKey}, "apikey": {key}, "response_type": {"cloud_iam"}}
}

// wantIBMError checks IBM's token error shape and that no token came back.
func wantIBMError(tb testing.TB, what string, a tokenAnswer, status int, code string) {
	tb.Helper()
	if a.status != status || a.body["errorCode"] != code {
		tb.Errorf("%s: status %d errorCode %v, want %d %s (body %.120s)", what, a.status, a.body["errorCode"], status, code, a.rawBody)
	}
	if msg, _ := a.body["errorMessage"].(string); msg == "" {
		tb.Errorf("%s: no errorMessage in %.120s", what, a.rawBody)
	}
	if _, ok := a.body["context"].(map[string]any); !ok {
		tb.Errorf("%s: no context in %.120s", what, a.rawBody)
	}
	if _, ok := a.body["access_token"]; ok {
		tb.Errorf("%s: an error answer carries an access token", what)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		tb.Errorf("%s: Content-Type %q, want application/json", what, ct)
	}
}

func TestTokenAPIKeyAndRefresh(t *testing.T) {
	srv := servertest.New(t)
	a := postForm(t, srv.URL, apikeyForm(srv.APIKey))
	if a.status != 200 || a.header.Get("Cache-Control") != "no-store" || a.header.Get("Content-Type") != "application/json" {
		t.Fatalf("apikey grant: %d %v %s", a.status, a.header, a.rawBody)
	}
	for _, f := range []string{"access_token", "refresh_token", "token_type", "expires_in", "expiration", "scope"} {
		if _, ok := a.body[f]; !ok {
			t.Errorf("apikey grant answer lacks %s", f)
		}
	}
	if a.body["expires_in"] != float64(3600) {
		t.Errorf("expires_in = %v, want 3600", a.body["expires_in"])
	}
	rt := a.body["refresh_token"].(string)
	b := postForm(t, srv.URL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if b.status != 200 || b.body["refresh_token"] == rt {
		t.Fatalf("refresh grant: %d %s", b.status, b.rawBody)
	}
	replay := postForm(t, srv.URL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	wantIBMError(t, "replayed refresh token", replay, 400, identity.CodeRefreshTokenInvalid)
	// The bearer is accepted by a protected Coffer API.
	if st := callProtected(t, srv.URL, "Bearer "+a.body["access_token"].(string)); st != 200 {
		t.Errorf("rotate-root-key with the access token = %d, want 200", st)
	}
}

// callProtected calls a route that needs the operator and returns the status.
func callProtected(tb testing.TB, base, authorization string) int {
	tb.Helper()
	req, _ := http.NewRequest("POST", base+"/coffer/v1/operator/rotate-root-key", nil)
	req.Header.Set("Authorization", authorization)
	return do(tb, req).status
}

func TestTokenBadInput(t *testing.T) {
	srv := servertest.New(t)
	n := openNode(t, srv, nil)
	key := srv.APIKey
	big := url.Values{"grant_type": {identity.GrantAPIKey}, "apikey": {strings.Repeat("k", identity.MaxTokenRequestBody)}}
	tests := []struct {
		name string
		form url.Values
		code string
	}{
		{"unknown grant", url.Values{"grant_type": {"password"}}, identity.CodePropertyInvalid},
		{"no grant", url.Values{"apikey": {key}}, identity.CodePropertyMissing},
		{"missing apikey", url.Values{"grant_type": {identity.GrantAPIKey}}, identity.CodePropertyMissing},
		{"empty apikey", url.Values{"grant_type": {identity.GrantAPIKey}, "apikey": {" "}}, identity.CodePropertyMissing},
		{"wrong apikey", apikeyForm(key + "x"), identity.CodeAPIKeyNotFound},
		{"empty cr_token", url.Values{"grant_type": {identity.GrantCRToken}, "cr_token": {""}, "profile_name": {"p"}}, identity.CodePropertyMissing},
		{"cr_token without profile", url.Values{"grant_type": {identity.GrantCRToken}, "cr_token": {"a.b.c"}}, identity.CodePropertyMissing},
		{"unknown refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}}, identity.CodeRefreshTokenInvalid},
		{"assume without profile", url.Values{"grant_type": {identity.GrantAssume}, "access_token": {"a.b.c"}}, identity.CodePropertyMissing},
		{"oversized form", big, identity.CodePropertyInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantIBMError(t, tc.name, postForm(t, srv.URL, tc.form), 400, tc.code)
		})
	}
	wantIBMError(t, "JSON body", postBody(t, srv.URL, "application/json", `{"apikey":"x"}`), 400, identity.CodePropertyInvalid)

	// Locked, disabled and deleted keys.
	ctx := context.Background()
	for _, change := range []string{"locked", "disabled", "deleted"} {
		value := identity.NewAPIKeyValue().Reveal()
		h, _ := n.svc.HashKey(ctx, value)
		k := &store.APIKey{ID: identity.NewAPIKeyID(), AccountID: n.boot.AccountID, IAMID: n.boot.AdminIAMID, Name: change, Hash: h}
		if err := n.st.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		var err error
		switch change {
		case "locked":
			k.Locked = true
			err = n.st.UpdateAPIKey(ctx, k)
		case "disabled":
			k.Disabled = true
			err = n.st.UpdateAPIKey(ctx, k)
		case "deleted":
			err = n.st.DeleteAPIKey(ctx, k.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		wantIBMError(t, change+" key", postForm(t, srv.URL, apikeyForm(value)), 400, identity.CodeAPIKeyNotFound)
	}
}

func TestRefreshAfterKeyDeleted(t *testing.T) {
	srv := servertest.New(t)
	n := openNode(t, srv, nil)
	ctx := context.Background()
	value := identity.NewAPIKeyValue().Reveal()
	h, _ := n.svc.HashKey(ctx, value)
	k := &store.APIKey{ID: identity.NewAPIKeyID(), AccountID: n.boot.AccountID, IAMID: n.boot.AdminIAMID, Name: "tmp", Hash: h}
	if err := n.st.CreateAPIKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	a := postForm(t, srv.URL, apikeyForm(value))
	if a.status != 200 {
		t.Fatalf("apikey grant: %s", a.rawBody)
	}
	if err := n.st.DeleteAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	b := postForm(t, srv.URL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {a.body["refresh_token"].(string)}})
	wantIBMError(t, "refresh after key deletion", b, 400, identity.CodeRefreshTokenInvalid)
}

// TestForgedBearers sends forged and stale tokens to a protected route.
func TestForgedBearers(t *testing.T) {
	srv := servertest.New(t)
	a := postForm(t, srv.URL, apikeyForm(srv.APIKey))
	good := a.body["access_token"].(string)
	parts := strings.Split(good, ".")
	var hdr struct{ Kid string }
	raw, _ := base64.RawURLEncoding.DecodeString(parts[0])
	json.Unmarshal(raw, &hdr)

	own, _ := rsa.GenerateKey(rand.Reader, 2048)
	foreign := resign(t, parts[1], hdr.Kid, own)
	wrongKid := resign(t, parts[1], "19990101-00:00:00", own)
	tampered := parts[0] + "." + editClaims(t, parts[1], "iam_id", "CofferId-AAAAAAAAAA") + "." + parts[2]
	none := b64(`{"alg":"none","kid":"`+hdr.Kid+`"}`) + "." + parts[1] + "."
	hs := hs256WithPublicKey(t, srv.URL, hdr.Kid, parts[1])
	past := openNode(t, srv, func() time.Time { return time.Now().Add(-3 * time.Hour) })
	future := openNode(t, srv, func() time.Time { return time.Now().Add(3 * time.Hour) })
	expired := grantWith(t, past, srv.APIKey)
	notYet := grantWith(t, future, srv.APIKey)

	tests := map[string]string{"alg none": none, "HS256 with the public key": hs, "foreign key": foreign,
		"unknown kid": wrongKid, "tampered claims": tampered, "expired": expired, "not yet valid": notYet, "garbage": "x.y.z"}
	for name, tok := range tests {
		if st := callProtected(t, srv.URL, "Bearer "+tok); st != 401 {
			t.Errorf("%s: protected route answered %d, want 401", name, st)
		}
	}
	if st := callProtected(t, srv.URL, "Bearer "+good); st != 200 {
		t.Errorf("genuine token: protected route answered %d, want 200", st)
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func resign(tb testing.TB, payload, kid string, key *rsa.PrivateKey) string {
	tb.Helper()
	signing := b64(`{"alg":"RS256","kid":"`+kid+`"}`) + "." + payload
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, 5 /* crypto.SHA256 */, sum[:])
	if err != nil {
		tb.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func editClaims(tb testing.TB, payload, claim, value string) string {
	tb.Helper()
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	m := map[string]any{}
	json.Unmarshal(raw, &m)
	m[claim] = value
	out, _ := json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(out)
}

// hs256WithPublicKey signs payload with HS256 keyed by the server's public
// key (the classic algorithm-confusion attack).
func hs256WithPublicKey(tb testing.TB, base, kid, payload string) string {
	tb.Helper()
	req, _ := http.NewRequest("GET", base+"/identity/keys", nil)
	a := do(tb, req)
	keys, _ := a.body["keys"].([]any)
	if len(keys) == 0 {
		tb.Fatalf("JWKS has no keys: %s", a.rawBody)
	}
	k := keys[0].(map[string]any)
	nb, _ := base64.RawURLEncoding.DecodeString(k["n"].(string))
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: 65537}
	der, _ := x509.MarshalPKIXPublicKey(pub)
	signing := b64(`{"alg":"HS256","kid":"`+kid+`"}`) + "." + payload
	m := hmac.New(sha256.New, der)
	m.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func grantWith(tb testing.TB, n *node, key string) string {
	tb.Helper()
	resp, err := n.svc.Token(context.Background(), &identity.TokenRequest{GrantType: identity.GrantAPIKey, APIKey: api.Sensitive(key)})
	if err != nil {
		tb.Fatalf("grant on the second node: %v", err)
	}
	return resp.AccessToken
}

var component = identity.CRClaims{ProjectID: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9", ProjectName: "shop",
	ComponentType: "application", ComponentName: "web", Region: "us-south"}

// addProfile creates a profile in account, linked to component when link
// is set and trusting the service IDs given.
func (n *node) addProfile(tb testing.TB, account, name string, link bool, serviceIDs ...string) *store.Profile {
	tb.Helper()
	ctx := context.Background()
	id := identity.NewProfileID()
	p := &store.Profile{ID: id, AccountID: account, IAMID: identity.IAMIDOf(id), Name: name}
	if err := n.st.CreateProfile(ctx, p); err != nil {
		tb.Fatal(err)
	}
	if link {
		crn := "crn:v1:coffer:public:codeengine:" + component.Region + ":a/" + n.boot.AccountID + ":" + component.ProjectID + "::"
		l := &store.ProfileLink{ID: identity.NewProfileLinkID(), ProfileID: p.ID, CRType: identity.CRTypeCE, CRN: crn,
			ComponentType: component.ComponentType, ComponentName: component.ComponentName}
		if err := n.st.CreateProfileLink(ctx, l); err != nil {
			tb.Fatal(err)
		}
	}
	var ids []*store.ProfileIdentity
	for _, sid := range serviceIDs {
		ids = append(ids, &store.ProfileIdentity{Type: api.ProfileIdentityServiceID, Identifier: sid, IAMID: identity.IAMIDOf(sid)})
	}
	if len(ids) > 0 {
		if _, err := n.st.ReplaceProfileIdentities(ctx, p.ID, p.IdentitiesRevision, ids); err != nil {
			tb.Fatal(err)
		}
	}
	return p
}

// addServiceID creates a service ID with an API key and returns its id and the key.
func (n *node) addServiceID(tb testing.TB) (string, string) {
	tb.Helper()
	ctx := context.Background()
	id := identity.NewServiceID()
	if err := n.st.CreateServiceID(ctx, &store.ServiceID{ID: id, AccountID: n.boot.AccountID, IAMID: identity.IAMIDOf(id), Name: "svc"}); err != nil {
		tb.Fatal(err)
	}
	value := identity.NewAPIKeyValue().Reveal()
	h, _ := n.svc.HashKey(ctx, value)
	k := &store.APIKey{ID: identity.NewAPIKeyID(), AccountID: n.boot.AccountID, IAMID: identity.IAMIDOf(id), Name: "k", Hash: h}
	if err := n.st.CreateAPIKey(ctx, k); err != nil {
		tb.Fatal(err)
	}
	return id, value
}

func (n *node) otherAccount(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	id, admin := identity.NewAccountID(), identity.NewUserIAMID()
	if err := n.st.CreateAccount(ctx, &store.Account{ID: id, Name: "other", State: "ACTIVE", OwnerIAMID: admin}); err != nil {
		tb.Fatal(err)
	}
	return id
}

func (n *node) mint(tb testing.TB, account string) string {
	tb.Helper()
	tok, err := n.svc.MintCRToken(context.Background(), account, component, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return tok.Reveal()
}

func crTokenForm(tok string, profile ...string) url.Values {
	f := url.Values{"grant_type": {identity.GrantCRToken}, "cr_token": {tok + "\n"}}
	if len(profile) > 0 && profile[0] != "" {
		f.Set("profile_name", profile[0])
	}
	if len(profile) > 1 {
		f.Set("profile_id", profile[1])
	}
	return f
}

func TestCRTokenAndAssume(t *testing.T) {
	srv := servertest.New(t)
	n := openNode(t, srv, nil)
	acct := n.boot.AccountID
	sid, sidKey := n.addServiceID(t)
	linked := n.addProfile(t, acct, "linked", true, sid)
	n.addProfile(t, acct, "unlinked", false)
	other := n.otherAccount(t)
	foreign := n.addProfile(t, other, "foreign", true)
	tok := n.mint(t, acct)

	ok := postForm(t, srv.URL, crTokenForm(tok, "linked", linked.ID))
	if ok.status != 200 || ok.body["refresh_token"] != nil {
		t.Fatalf("cr-token grant: %d %s", ok.status, ok.rawBody)
	}
	var jwks struct{ Keys []any }
	req, _ := http.NewRequest("GET", srv.URL+"/coffer/v1/compute/accounts/"+acct+"/keys", nil)
	json.Unmarshal([]byte(do(t, req).rawBody), &jwks)
	if len(jwks.Keys) != 1 {
		t.Errorf("compute JWKS has %d keys, want 1", len(jwks.Keys))
	}

	// A CR token of an issuer Coffer does not know, and one for another audience.
	own, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.Now().Unix()
	claims := func(iss, aud string) string {
		b, _ := json.Marshal(map[string]any{"iss": iss, "aud": aud, "sub": "x", "iat": now, "exp": now + 600,
			"account_id": acct, "project_id": component.ProjectID, "component_type": "application", "component_name": "web"})
		return base64.RawURLEncoding.EncodeToString(b)
	}
	unknown := resign(t, claims("https://kubernetes.example/issuer", "iam"), "k1", own)
	parts := strings.Split(tok, ".")
	wrongAud := parts[0] + "." + claims(srv.URL+"/coffer/v1/compute/accounts/"+acct, "vault") + "." + parts[2]

	tests := []struct {
		name string
		form url.Values
		code string
	}{
		{"unknown issuer", crTokenForm(unknown, "linked"), identity.CodeInvalidToken},
		{"wrong audience", crTokenForm(wrongAud, "linked"), identity.CodeInvalidToken},
		{"profile in another account", crTokenForm(tok, "", foreign.ID), identity.CodeProfileNotEligible},
		{"no link or rule matches", crTokenForm(tok, "unlinked"), identity.CodeProfileNotEligible},
	}
	for _, tc := range tests {
		wantIBMError(t, tc.name, postForm(t, srv.URL, tc.form), 400, tc.code)
	}
	nomatch := postForm(t, srv.URL, crTokenForm(tok, "unlinked"))
	if d, _ := nomatch.body["errorDetails"].(string); !strings.Contains(d, "is not permitted to assume the indicated trusted profile") {
		t.Errorf("BXNIM0398E details = %q, want IBM's text", d)
	}

	// Assume: the service ID is a trusted identity of "linked".
	access := postForm(t, srv.URL, apikeyForm(sidKey)).body["access_token"].(string)
	as := postForm(t, srv.URL, url.Values{"grant_type": {identity.GrantAssume}, "access_token": {access}, "profile_id": {linked.ID}})
	if as.status != 200 {
		t.Fatalf("assume grant: %d %s", as.status, as.rawBody)
	}
	admin := postForm(t, srv.URL, apikeyForm(srv.APIKey)).body["access_token"].(string)
	wantIBMError(t, "assume by an untrusted identity",
		postForm(t, srv.URL, url.Values{"grant_type": {identity.GrantAssume}, "access_token": {admin}, "profile_id": {linked.ID}}),
		400, identity.CodeProfileNotEligible)
}

// stubOperator authorizes rotate-root-key through the gate and does nothing.
type stubOperator struct{ gate *authz.Gate }

func (o stubOperator) SealStatus(context.Context) api.SealStatus { return api.SealStatus{} }
func (o stubOperator) Init(context.Context, int, int) (*api.InitResponse, error) {
	return nil, api.Errorf(api.ErrUnsupported, "stub")
}
func (o stubOperator) Unseal(context.Context, string) (api.SealStatus, error) {
	return api.SealStatus{}, nil
}
func (o stubOperator) Seal(context.Context, authz.Credential) error { return nil }
func (o stubOperator) RotateRootKey(ctx context.Context, cred authz.Credential) (*api.RootKeyRotation, error) {
	_, err := o.gate.Check(ctx, cred, authz.ActionOperatorRotateRootKey, authz.Resource{})
	return &api.RootKeyRotation{}, err
}

type stubReady struct{}

func (stubReady) Ready(context.Context) map[string]error { return nil }

// TestKeyRotationOverHTTP: with a 1 h rotation and a fake clock, a token
// of the previous key still verifies during the overlap and /identity/keys
// lists both keys.
func TestKeyRotationOverHTTP(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	keys, _ := kms.NewKeys(kms.KeysConfig{Provider: kms.NewDev(), Store: st})
	if err := keys.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	clock := time.Date(2026, 11, 29, 10, 50, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	svc, err := identity.New(identity.Config{Store: st, Keys: keys, Now: now, PublicURL: "http://coffer.test",
		SigningKeyRotation: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	boot, err := svc.Bootstrap(ctx, identity.BootstrapConfig{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := httpapi.New(httpapi.Config{Identity: svc, Operator: stubOperator{authz.NewGate(svc)}, Readiness: stubReady{},
		Sealed: func() bool { return false }, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)

	old := postForm(t, ts.URL, apikeyForm(boot.APIKey.Reveal())).body["access_token"].(string)
	mu.Lock()
	clock = clock.Add(15 * time.Minute) // the next slot
	mu.Unlock()
	fresh := postForm(t, ts.URL, apikeyForm(boot.APIKey.Reveal())).body["access_token"].(string)
	if peek(t, old) == peek(t, fresh) {
		t.Fatalf("both tokens signed by key %s, want a rotation", peek(t, old))
	}
	req, _ := http.NewRequest("GET", ts.URL+"/identity/keys", nil)
	var jwks struct{ Keys []struct{ Kid string } }
	json.Unmarshal([]byte(do(t, req).rawBody), &jwks)
	if len(jwks.Keys) != 2 {
		t.Errorf("JWKS lists %d keys during the overlap, want 2: %+v", len(jwks.Keys), jwks)
	}
	for name, tok := range map[string]string{"previous key": old, "current key": fresh} {
		if st := callProtected(t, ts.URL, "Bearer "+tok); st != 200 {
			t.Errorf("token of the %s: protected route answered %d, want 200", name, st)
		}
	}
}

func peek(tb testing.TB, token string) string {
	tb.Helper()
	var h struct{ Kid string }
	raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	json.Unmarshal(raw, &h)
	return h.Kid
}
