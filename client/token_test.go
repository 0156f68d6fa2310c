package client_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

const testKey = "test-apikey-0123456789abcdef0123456789"

// fakeIAM implements the token endpoint of IBM's IAM (a remote protocol)
// and one protected route, GET /coffer/v1/version, that needs a token it
// issued and still considers valid.
type fakeIAM struct {
	now       func() time.Time
	refusing  atomic.Bool // refuse refresh tokens
	echoKey   atomic.Bool // echo the API key in error messages (a bad server)
	mu        sync.Mutex
	grants    map[string]int
	issued    int
	valid     map[string]bool
	lastAuthz string
}

func newFakeIAM(tb testing.TB, now func() time.Time) (*fakeIAM, *httptest.Server) {
	tb.Helper()
	f := &fakeIAM{now: now, grants: map[string]int{}, valid: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /identity/token", f.token)
	mux.HandleFunc("GET /coffer/v1/version", f.version)
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeIAM) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	grant := r.PostForm.Get("grant_type")
	f.grants[grant]++
	w.Header().Set("Content-Type", "application/json")
	ok := false
	switch grant {
	case api.GrantAPIKey:
		ok = r.PostForm.Get("apikey") == testKey && r.PostForm.Get("response_type") == "cloud_iam"
	case api.GrantRefreshToken:
		ok = strings.HasPrefix(r.PostForm.Get("refresh_token"), "ref-") && !f.refusing.Load()
	}
	if !ok {
		msg := "Provided API key could not be found."
		if f.echoKey.Load() {
			msg += " key=" + r.PostForm.Get("apikey")
		}
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]any{"errorCode": "BXNIM0415E", "errorMessage": msg,
			"errorDetails": r.PostForm.Get("apikey"), "context": map[string]string{"requestId": "r1"}})
		return
	}
	f.issued++
	tok := fmt.Sprintf("tok-%d", f.issued)
	f.valid[tok] = true
	json.NewEncoder(w).Encode(api.TokenResponse{AccessToken: api.WireSecret(tok), RefreshToken: api.WireSecret(fmt.Sprintf("ref-%d", f.issued)),
		TokenType: "Bearer", ExpiresIn: 3600, Expiration: f.now().Add(time.Hour).Unix(), Scope: "ibm openid"})
}

func (f *fakeIAM) version(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastAuthz = r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(f.lastAuthz, "Bearer ")
	if !ok || !f.valid[tok] {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"errors":[{"code":"unauthenticated","message":"bad token"}],"status_code":401}`))
		return
	}
	json.NewEncoder(w).Encode(api.Version{Version: "test"})
}

func (f *fakeIAM) count(grant string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.grants[grant]
}

func (f *fakeIAM) revokeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.valid)
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTokenClient(tb testing.TB) (*client.Client, *fakeIAM, *fakeClock) {
	tb.Helper()
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	f, srv := newFakeIAM(tb, clk.Now)
	c := client.New(client.Config{URL: srv.URL, APIKey: testKey, Now: clk.Now})
	return c, f, clk
}

func TestTokenCachedUntilExpiry(t *testing.T) {
	c, f, clk := newTokenClient(t)
	ctx := context.Background()
	for range 3 {
		if _, err := c.Version(ctx); err != nil {
			t.Fatalf("Version() = %v", err)
		}
	}
	if got := f.count(api.GrantAPIKey); got != 1 {
		t.Errorf("apikey grants after 3 calls = %d, want 1 (cached)", got)
	}
	if f.lastAuthz != "Bearer tok-1" {
		t.Errorf("Authorization = %q, want %q", f.lastAuthz, "Bearer tok-1")
	}
	clk.Add(time.Hour - 61*time.Second)
	c.Version(ctx)
	if got := f.count(api.GrantRefreshToken); got != 0 {
		t.Errorf("refresh grants 61s before expiry = %d, want 0", got)
	}
	clk.Add(2 * time.Second)
	if _, err := c.Version(ctx); err != nil {
		t.Fatalf("Version() after renewal = %v", err)
	}
	if got := f.count(api.GrantRefreshToken); got != 1 {
		t.Errorf("refresh grants 59s before expiry = %d, want 1", got)
	}
	if f.lastAuthz != "Bearer tok-2" {
		t.Errorf("Authorization after refresh = %q, want %q", f.lastAuthz, "Bearer tok-2")
	}
}

func TestTokenRefreshFallsBackToAPIKey(t *testing.T) {
	c, f, clk := newTokenClient(t)
	ctx := context.Background()
	if _, err := c.Token(ctx); err != nil {
		t.Fatalf("Token() = %v", err)
	}
	f.refusing.Store(true)
	clk.Add(2 * time.Hour)
	tok, err := c.Token(ctx)
	if err != nil || tok.Reveal() != "tok-2" {
		t.Fatalf("Token() after a refused refresh = %q, %v, want tok-2", tok.Reveal(), err)
	}
	if r, k := f.count(api.GrantRefreshToken), f.count(api.GrantAPIKey); r != 1 || k != 2 {
		t.Errorf("grants = refresh %d, apikey %d, want 1 and 2", r, k)
	}
}

func TestTokenConcurrent(t *testing.T) {
	c, f, _ := newTokenClient(t)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if tok, err := c.Token(context.Background()); err != nil || tok.Reveal() != "tok-1" {
				t.Errorf("Token() = %q, %v, want tok-1", tok.Reveal(), err)
			}
		})
	}
	wg.Wait()
	if got := f.count(api.GrantAPIKey); got != 1 {
		t.Errorf("apikey grants by 20 concurrent callers = %d, want 1", got)
	}
}

func TestTokenRetriesOnceAfter401(t *testing.T) {
	c, f, _ := newTokenClient(t)
	ctx := context.Background()
	c.Version(ctx)
	f.revokeAll() // e.g. the server rotated its signing keys
	if _, err := c.Version(ctx); err != nil {
		t.Fatalf("Version() after revocation = %v, want a retry with a new token", err)
	}
	if got := f.count(api.GrantAPIKey) + f.count(api.GrantRefreshToken); got != 2 {
		t.Errorf("token grants = %d, want 2 (one renewal after the 401)", got)
	}
}

func TestTokenErrorsNeverShowTheKey(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	f, srv := newFakeIAM(t, clk.Now)
	f.echoKey.Store(true)
	const wrong = "wrong-key-that-must-stay-secret-0123456789"
	bad := client.New(client.Config{URL: srv.URL, APIKey: wrong, Now: clk.Now})
	_, err := bad.Version(ctx)
	var e *api.Error
	if !errors.As(err, &e) || !errors.Is(err, api.ErrUnauthenticated) || e.Code != "BXNIM0415E" {
		t.Fatalf("Version() with a wrong key = %#v, want *api.Error of kind unauthenticated, code BXNIM0415E", err)
	}
	unreachable := client.New(client.Config{URL: "http://127.0.0.1:1", APIKey: wrong})
	_, err2 := unreachable.Token(ctx)
	if !errors.Is(err2, api.ErrUnavailable) {
		t.Errorf("Token() from an unreachable server = %v, want kind unavailable", err2)
	}
	for _, err := range []error{err, err2} {
		text := fmt.Sprintf("%v %+v %#v %s %s", err, err, err, api.Message(err), e.Details)
		if strings.Contains(text, wrong) {
			t.Errorf("error text %q contains the API key", text)
		}
	}
}

func TestTokenWithoutCredential(t *testing.T) {
	c := client.New(client.Config{URL: "http://127.0.0.1:1"})
	if _, err := c.Token(context.Background()); !errors.Is(err, api.ErrUnauthenticated) {
		t.Errorf("Token() without a credential = %v, want kind unauthenticated", err)
	}
	static := client.New(client.Config{URL: "http://127.0.0.1:1", Token: "static"})
	if tok, err := static.Token(context.Background()); err != nil || tok.Reveal() != "static" {
		t.Errorf("Token() with a static token = %q, %v, want static", tok.Reveal(), err)
	}
}

func TestTokenSeededSessionAndOnToken(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	f, srv := newFakeIAM(t, clk.Now)
	var saved []api.TokenResponse
	c := client.New(client.Config{URL: srv.URL, APIKey: testKey, Now: clk.Now,
		Token: "old", RefreshToken: "ref-0", TokenExpiration: clk.Now().Add(10 * time.Minute),
		OnToken: func(r api.TokenResponse) { saved = append(saved, r) }})
	if tok, _ := c.Token(context.Background()); tok.Reveal() != "old" {
		t.Errorf("Token() with a fresh stored token = %q, want old", tok.Reveal())
	}
	clk.Add(10 * time.Minute)
	tok, err := c.Token(context.Background())
	if err != nil || tok.Reveal() != "tok-1" || f.count(api.GrantRefreshToken) != 1 {
		t.Errorf("Token() after expiry = %q, %v (refresh grants %d), want tok-1 by refresh", tok.Reveal(), err, f.count(api.GrantRefreshToken))
	}
	if len(saved) != 1 || saved[0].AccessToken.Reveal() != "tok-1" {
		t.Errorf("OnToken got %d tokens, want tok-1 once", len(saved))
	}
}

func TestUseBasicAPIKey(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c := client.New(client.Config{URL: srv.URL, APIKey: testKey, UseBasicAPIKey: true})
	c.Version(context.Background())
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("apikey:"+testKey))
	if got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}
}
