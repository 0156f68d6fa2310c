package identity

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/store"
	"github.com/cofferhq/coffer/internal/store/storetest"
)

// clock is a settable time source safe for concurrent use.
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

// fixture is an unsealed, bootstrapped identity service on SQLite with a
// fake clock and a log buffer.
type fixture struct {
	svc   *Service
	st    *store.Store
	keys  *kms.Keys
	clock *clock
	log   *bytes.Buffer
	boot  *BootstrapResult
	ctx   context.Context
}

func newFixture(tb testing.TB, opts ...func(*Config)) *fixture {
	tb.Helper()
	ctx := context.Background()
	st := storetest.OpenSQLite(tb)
	keys, err := kms.NewKeys(kms.KeysConfig{Provider: kms.NewDev(), Store: st})
	if err != nil {
		tb.Fatal(err)
	}
	if err := keys.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	f := &fixture{st: st, keys: keys, clock: &clock{t: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)},
		log: new(bytes.Buffer), ctx: ctx}
	f.svc = f.node(tb, opts...)
	if f.boot, err = f.svc.Bootstrap(ctx, BootstrapConfig{Region: "us-south"}); err != nil {
		tb.Fatal(err)
	}
	return f
}

// node returns another service on the same store and keys: another node.
func (f *fixture) node(tb testing.TB, opts ...func(*Config)) *Service {
	tb.Helper()
	cfg := Config{Store: f.st, Keys: f.keys, Now: f.clock.Now, PublicURL: "https://coffer.test",
		Logger: slog.New(slog.NewJSONHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return svc
}

func (f *fixture) token(tb testing.TB, form map[string]string) (*TokenResponse, error) {
	tb.Helper()
	req := &TokenRequest{GrantType: form["grant_type"], APIKey: api.Sensitive(form["apikey"]),
		RefreshToken: api.Sensitive(form["refresh_token"]), CRToken: api.Sensitive(form["cr_token"]),
		AccessToken: api.Sensitive(form["access_token"]), ProfileID: form["profile_id"],
		ProfileName: form["profile_name"], ProfileCRN: form["profile_crn"], Account: form["account"]}
	return f.svc.Token(f.ctx, req)
}

func (f *fixture) apiKeyToken(tb testing.TB, key string) *TokenResponse {
	tb.Helper()
	resp, err := f.token(tb, map[string]string{"grant_type": GrantAPIKey, "apikey": key})
	if err != nil {
		tb.Fatalf("apikey grant: %v", err)
	}
	return resp
}

// addServiceIDKey creates a service ID in the bootstrap account and an API
// key for it, and returns both.
func (f *fixture) addServiceIDKey(tb testing.TB, name string) (*store.ServiceID, *store.APIKey, string) {
	tb.Helper()
	id := NewServiceID()
	sid := &store.ServiceID{ID: id, AccountID: f.boot.AccountID, IAMID: IAMIDOf(id), Name: name}
	if err := f.st.CreateServiceID(f.ctx, sid); err != nil {
		tb.Fatal(err)
	}
	value := NewAPIKeyValue().Reveal()
	h, err := f.svc.HashKey(f.ctx, value)
	if err != nil {
		tb.Fatal(err)
	}
	k := &store.APIKey{ID: NewAPIKeyID(), AccountID: f.boot.AccountID, IAMID: sid.IAMID, Name: "k", Hash: h}
	if err := f.st.CreateAPIKey(f.ctx, k); err != nil {
		tb.Fatal(err)
	}
	return sid, k, value
}

// addProfile creates a profile in account that trusts iamIDs (service IDs).
func (f *fixture) addProfile(tb testing.TB, account, name string, serviceIDs ...string) *store.Profile {
	tb.Helper()
	id := NewProfileID()
	p := &store.Profile{ID: id, AccountID: account, IAMID: IAMIDOf(id), Name: name}
	if err := f.st.CreateProfile(f.ctx, p); err != nil {
		tb.Fatal(err)
	}
	var ids []*store.ProfileIdentity
	for _, sid := range serviceIDs {
		ids = append(ids, &store.ProfileIdentity{Type: api.ProfileIdentityServiceID, Identifier: sid, IAMID: IAMIDOf(sid)})
	}
	if len(ids) > 0 {
		if _, err := f.st.ReplaceProfileIdentities(f.ctx, p.ID, p.IdentitiesRevision, ids); err != nil {
			tb.Fatal(err)
		}
	}
	return p
}

// payload decodes the claims of a JWT without verifying it.
func payload(tb testing.TB, token string) map[string]any {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("token has %d parts, want 3", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

func wantTokenError(tb testing.TB, what string, err error, code string) {
	tb.Helper()
	var te *TokenError
	if !errors.As(err, &te) || te.Code != code {
		tb.Errorf("%s: err = %v, want a TokenError %s", what, err, code)
	}
}

func TestAPIKeyGrant(t *testing.T) {
	f := newFixture(t)
	resp := f.apiKeyToken(t, f.boot.APIKey.Reveal())
	c := payload(t, resp.AccessToken)
	now := f.clock.Now().Unix()
	checks := []struct {
		name      string
		got, want any
	}{
		{"iss", c["iss"], "https://coffer.test/identity"},
		{"iam_id", c["iam_id"], f.boot.AdminIAMID},
		{"apikey_id", c["apikey_id"], f.boot.APIKeyID},
		{"grant_type", c["grant_type"], GrantAPIKey},
		{"iat", c["iat"], float64(now)},
		{"exp", c["exp"], float64(now + 3600)},
		{"expires_in", resp.ExpiresIn, int64(3600)},
		{"expiration", resp.Expiration, now + 3600},
		{"token_type", resp.TokenType, "Bearer"},
	}
	for _, tc := range checks {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if resp.RefreshToken == "" {
		t.Error("apikey grant gave no refresh token")
	}
	p, err := f.svc.Authenticate(f.ctx, authz.Credential{Bearer: api.Sensitive(resp.AccessToken)})
	if err != nil {
		t.Fatalf("Authenticate(bearer) = %v", err)
	}
	want := authz.Principal{IAMID: f.boot.AdminIAMID, AccountID: f.boot.AccountID, Kind: KindUser,
		APIKeyID: f.boot.APIKeyID, Admin: true, Operator: true}
	if *p != want {
		t.Errorf("Authenticate(bearer) = %+v, want %+v", *p, want)
	}
}

func TestServiceIDToken(t *testing.T) {
	f := newFixture(t)
	sid, k, value := f.addServiceIDKey(t, "builder")
	resp := f.apiKeyToken(t, value)
	c := payload(t, resp.AccessToken)
	if c["iam_id"] != sid.IAMID || c["sub_type"] != "ServiceId" || c["apikey_id"] != k.ID {
		t.Errorf("service ID token claims = %v", c)
	}
	p, err := f.svc.Authenticate(f.ctx, authz.Credential{Bearer: api.Sensitive(resp.AccessToken)})
	if err != nil || p.Kind != KindServiceID || p.Admin {
		t.Errorf("Authenticate = %+v, %v, want a non-admin serviceid principal", p, err)
	}
	// Basic API key authentication of a service ID works too.
	if p, err := f.svc.Authenticate(f.ctx, authz.Credential{APIKey: api.Sensitive(value)}); err != nil || p.IAMID != sid.IAMID {
		t.Errorf("Authenticate(apikey) = %+v, %v", p, err)
	}
}

func TestAPIKeyGrantRefusals(t *testing.T) {
	f := newFixture(t)
	_, locked, lockedValue := f.addServiceIDKey(t, "locked")
	locked.Locked = true
	_, disabled, disabledValue := f.addServiceIDKey(t, "disabled")
	disabled.Disabled = true
	_, expired, expiredValue := f.addServiceIDKey(t, "expired")
	expired.ExpiresAt = f.clock.Now().Add(-time.Minute)
	for _, k := range []*store.APIKey{locked, disabled, expired} {
		if err := f.st.UpdateAPIKey(f.ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	gone, _, goneValue := f.addServiceIDKey(t, "owner gone")
	if err := f.st.DeleteServiceID(f.ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, key, details string }{
		{"unknown", "no-such-key", ""},
		{"locked", lockedValue, detailsAPIKeyLocked},
		{"disabled", disabledValue, detailsAPIKeyDisabled},
		{"expired", expiredValue, detailsAPIKeyExpired},
		{"owner deleted", goneValue, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := f.token(t, map[string]string{"grant_type": GrantAPIKey, "apikey": tc.key})
			var te *TokenError
			if resp != nil || !errors.As(err, &te) || te.Code != CodeAPIKeyNotFound || te.Status != 400 {
				t.Fatalf("Token = %v, %v, want BXNIM0415E", resp, err)
			}
			if tc.details != "" && te.Details != tc.details {
				t.Errorf("details = %q, want %q", te.Details, tc.details)
			}
		})
	}
}
