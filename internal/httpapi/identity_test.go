package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/server"
)

// idServer is a real in-process server whose log is captured, so that a
// test can check no API key value ever reaches it.
type idServer struct {
	url     string
	account string // the bootstrap (operator) account
	admin   string // its administrator's iam_id
	key     string // the bootstrap API key
	log     *syncBuffer
	secrets []string // every key value seen in a response
	mu      sync.Mutex
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startServer starts a server like servertest.New, logging at debug level
// into a buffer, and checks at cleanup that no key value was logged.
func startServer(tb testing.TB) *idServer {
	tb.Helper()
	ts := &idServer{key: identity.NewAPIKeyValue().Reveal(), log: &syncBuffer{}}
	cfg := server.Config{Listen: "127.0.0.1:0", DataDir: tb.TempDir(), BootstrapAPIKey: ts.key,
		ShutdownTimeout: 5 * time.Second, LogLevel: "debug"}
	log := slog.New(slog.NewJSONHandler(ts.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	s, err := server.New(ctx, cfg, server.Options{Logger: log})
	if err != nil {
		cancel()
		tb.Fatalf("server.New: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("server stopped with %v", err)
		}
		logged := ts.log.String()
		for _, v := range append(ts.secrets, ts.key) {
			if strings.Contains(logged, v) {
				tb.Errorf("an API key value appears in the server log")
			}
		}
	})
	ts.url, ts.account, ts.admin = s.URL(), s.Bootstrap().AccountID, s.Bootstrap().AdminIAMID
	return ts
}

// response is one answer of the server.
type response struct {
	path   string
	status int
	header http.Header
	body   []byte
}

func (r response) decode(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		tb.Fatalf("decoding %s: %v", r.body, err)
	}
}

// do calls the server with key (Basic apikey auth) and headers given as
// name, value pairs; body is JSON-encoded unless nil.
func (ts *idServer) do(tb testing.TB, key, method, path string, body any, headers ...string) response {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = ts.url + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("apikey:"+key)))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{path, res.StatusCode, res.Header, b}
}

// want calls the server as do does and fails unless the status is status.
func (ts *idServer) want(tb testing.TB, status int, key, method, path string, body any, headers ...string) response {
	tb.Helper()
	r := ts.do(tb, key, method, path, body, headers...)
	if r.status != status {
		tb.Fatalf("%s %s = %d %s, want %d", method, path, r.status, r.body, status)
	}
	return r
}

// remember records a key value seen in a response for the log check.
func (ts *idServer) remember(v api.WireSecret) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if v != "" {
		ts.secrets = append(ts.secrets, v.Reveal())
	}
}

// identityError is IBM's IAM Identity error body.
type identityError struct {
	Trace  string `json:"trace"`
	Errors []struct {
		Code        string `json:"code"`
		MessageCode string `json:"message_code"`
		Message     string `json:"message"`
	} `json:"errors"`
	StatusCode int `json:"status_code"`
	Context    struct {
		TransactionID string `json:"transaction_id"`
	} `json:"context"`
}

// wantIdentityError fails unless r is an IAM Identity error of status (for
// Coffer's own paths, the same shape without context).
func wantIdentityError(tb testing.TB, what string, r response, status int) identityError {
	tb.Helper()
	var e identityError
	if r.status != status {
		tb.Fatalf("%s = %d %s, want %d", what, r.status, r.body, status)
	}
	r.decode(tb, &e)
	if e.Trace == "" || len(e.Errors) != 1 || e.Errors[0].Code == "" || e.Errors[0].Message == "" ||
		e.StatusCode != status || e.Context.TransactionID == "" && !strings.HasPrefix(r.path, "/coffer/") {
		tb.Errorf("%s: error body %s is not IBM's identity error shape", what, r.body)
	}
	return e
}

func TestServiceIDLifecycle(t *testing.T) {
	ts := startServer(t)
	r := ts.want(t, 201, ts.key, "POST", "/v1/serviceids/", api.CreateServiceIDRequest{AccountID: ts.account,
		Name: "ci", Description: "builds", APIKey: &api.CreateServiceIDAPIKey{Name: "ci-key", StoreValue: true}})
	var sid api.ServiceID
	r.decode(t, &sid)
	ts.remember(sid.APIKey.APIKey)
	if got := r.header.Get("ETag"); got == "" || got != sid.EntityTag || !strings.HasPrefix(got, "1-") {
		t.Errorf("ETag = %q, entity_tag %q; want equal, revision 1", got, sid.EntityTag)
	}
	if sid.IAMID != "iam-"+sid.ID || sid.APIKey == nil || sid.APIKey.APIKey == "" || sid.APIKey.IAMID != sid.IAMID ||
		sid.CRN != "crn:v1:coffer:public:iam-identity::a/"+ts.account+"::serviceid:"+sid.ID {
		t.Fatalf("created service ID = %+v", sid)
	}
	if _, err := api.ParseIdentityTime(sid.CreatedAt); err != nil {
		t.Errorf("created_at %q: %v", sid.CreatedAt, err)
	}
	path := "/v1/serviceids/" + sid.ID
	var got api.ServiceID
	ts.want(t, 200, ts.key, "GET", path, nil).decode(t, &got)
	if got.EntityTag != sid.EntityTag || got.Name != "ci" {
		t.Errorf("GET %s = %+v, want the created one", path, got)
	}
	// The stored key value can be read again later.
	var key api.APIKey
	ts.want(t, 200, ts.key, "GET", "/v1/apikeys/"+sid.APIKey.ID, nil).decode(t, &key)
	if key.APIKey != sid.APIKey.APIKey {
		t.Errorf("stored API key value not returned on GET")
	}
	// If-Match: missing, stale, current, *.
	rename := api.UpdateServiceIDRequest{Name: ptr("ci-2")}
	e := wantIdentityError(t, "PUT without If-Match", ts.do(t, ts.key, "PUT", path, rename), 400)
	if e.Errors[0].MessageCode != "BXNIM0109E" {
		t.Errorf("PUT without If-Match: message_code %q, want BXNIM0109E", e.Errors[0].MessageCode)
	}
	wantIdentityError(t, "PUT with a stale tag", ts.do(t, ts.key, "PUT", path, rename, "If-Match", "1-00"), 409)
	var upd api.ServiceID
	ts.want(t, 200, ts.key, "PUT", path, rename, "If-Match", sid.EntityTag).decode(t, &upd)
	if upd.Name != "ci-2" || !strings.HasPrefix(upd.EntityTag, "2-") || upd.EntityTag == sid.EntityTag {
		t.Errorf("after PUT: %+v, want name ci-2 at revision 2", upd)
	}
	wantIdentityError(t, "PUT with the old tag", ts.do(t, ts.key, "PUT", path, rename, "If-Match", sid.EntityTag), 409)
	ts.want(t, 200, ts.key, "PUT", path, api.UpdateServiceIDRequest{Description: ptr("")}, "If-Match", "*")
	// Locked: no change, no delete.
	ts.want(t, 204, ts.key, "POST", path+"/lock", nil)
	wantIdentityError(t, "PUT when locked", ts.do(t, ts.key, "PUT", path, rename, "If-Match", "*"), 409)
	wantIdentityError(t, "DELETE when locked", ts.do(t, ts.key, "DELETE", path, nil), 409)
	ts.want(t, 204, ts.key, "DELETE", path+"/lock", nil)
	// Delete takes the API keys along.
	ts.want(t, 204, ts.key, "DELETE", path, nil)
	wantIdentityError(t, "GET after delete", ts.do(t, ts.key, "GET", path, nil), 404)
	wantIdentityError(t, "GET key of deleted service ID", ts.do(t, ts.key, "GET", "/v1/apikeys/"+sid.APIKey.ID, nil), 404)
	// Entity-Lock on create.
	var locked api.ServiceID
	ts.want(t, 201, ts.key, "POST", "/v1/serviceids", api.CreateServiceIDRequest{AccountID: ts.account, Name: "l"},
		"Entity-Lock", "true").decode(t, &locked)
	if !locked.Locked {
		t.Errorf("service ID created with Entity-Lock: true is not locked")
	}
}

func ptr[T any](v T) *T { return &v }

func TestAPIKeyLifecycle(t *testing.T) {
	ts := startServer(t)
	var k api.APIKey
	ts.want(t, 201, ts.key, "POST", "/v1/apikeys", api.CreateAPIKeyRequest{Name: "mine", IAMID: ts.admin,
		AccountID: ts.account, ExpiresAt: "2099-01-02T03:04+0000"}).decode(t, &k)
	ts.remember(k.APIKey)
	if k.APIKey == "" || k.IAMID != ts.admin || k.CreatedBy != ts.admin || k.ExpiresAt != "2099-01-02T03:04+0000" ||
		k.ActionWhenLeaked != "none" || k.Disabled || k.Locked {
		t.Fatalf("created key = %+v", k)
	}
	path := "/v1/apikeys/" + k.ID
	var got api.APIKey
	ts.want(t, 200, ts.key, "GET", path, nil).decode(t, &got)
	if got.APIKey != "" || got.EntityTag != k.EntityTag {
		t.Errorf("GET %s returned a value or another tag: %+v", path, got)
	}
	var det api.APIKey
	ts.want(t, 200, ts.key, "GET", "/v1/apikeys/details", nil, "IAM-ApiKey", k.APIKey.Reveal()).decode(t, &det)
	if det.ID != k.ID {
		t.Errorf("details = %s, want %s", det.ID, k.ID)
	}
	wantIdentityError(t, "details of an unknown value",
		ts.do(t, ts.key, "GET", "/v1/apikeys/details", nil, "IAM-ApiKey", strings.Repeat("x", 44)), 404)
	// The new key works; disabled it does not; enabled again it does.
	list := "/v1/apikeys?account_id=" + ts.account
	ts.want(t, 200, k.APIKey.Reveal(), "GET", list, nil)
	ts.want(t, 204, ts.key, "POST", path+"/disable", nil)
	wantIdentityError(t, "list with a disabled key", ts.do(t, k.APIKey.Reveal(), "GET", list, nil), 401)
	ts.want(t, 204, ts.key, "DELETE", path+"/disable", nil)
	ts.want(t, 200, k.APIKey.Reveal(), "GET", list, nil)
	// Update with If-Match.
	upd := api.UpdateAPIKeyRequest{Name: ptr("renamed"), ActionWhenLeaked: ptr("disable")}
	wantIdentityError(t, "PUT without If-Match", ts.do(t, ts.key, "PUT", path, upd), 400)
	wantIdentityError(t, "PUT with the tag from before disable", ts.do(t, ts.key, "PUT", path, upd, "If-Match", k.EntityTag), 409)
	ts.want(t, 200, ts.key, "GET", path, nil).decode(t, &got)
	var after api.APIKey
	ts.want(t, 200, ts.key, "PUT", path, upd, "If-Match", got.EntityTag).decode(t, &after)
	if after.Name != "renamed" || after.ActionWhenLeaked != "disable" || after.APIKey != "" {
		t.Errorf("after PUT: %+v", after)
	}
	// Locked: no update, no delete.
	ts.want(t, 204, ts.key, "POST", path+"/lock", nil)
	wantIdentityError(t, "PUT when locked", ts.do(t, ts.key, "PUT", path, upd, "If-Match", "*"), 409)
	wantIdentityError(t, "DELETE when locked", ts.do(t, ts.key, "DELETE", path, nil), 409)
	ts.want(t, 204, ts.key, "DELETE", path+"/lock", nil)
	ts.want(t, 204, ts.key, "DELETE", path, nil)
	wantIdentityError(t, "GET after delete", ts.do(t, ts.key, "GET", path, nil), 404)
	wantIdentityError(t, "deleted key logs in", ts.do(t, k.APIKey.Reveal(), "GET", list, nil), 401)
}

func TestAPIKeyCreateRules(t *testing.T) {
	ts := startServer(t)
	own := strings.Repeat("k", 40)
	tests := []struct {
		name   string
		req    api.CreateAPIKeyRequest
		hdr    []string
		status int
	}{
		{"no iam_id", api.CreateAPIKeyRequest{Name: "x"}, nil, 400},
		{"no name", api.CreateAPIKeyRequest{IAMID: ts.admin}, nil, 400},
		{"unknown owner", api.CreateAPIKeyRequest{Name: "x", IAMID: "CofferId-ZZZZZZZZZZ"}, nil, 400},
		{"user key stored", api.CreateAPIKeyRequest{Name: "x", IAMID: ts.admin, StoreValue: true}, nil, 400},
		{"bad leak action", api.CreateAPIKeyRequest{Name: "x", IAMID: ts.admin, ActionWhenLeaked: "panic"}, nil, 400},
		{"past expiry", api.CreateAPIKeyRequest{Name: "x", IAMID: ts.admin, ExpiresAt: "2001-01-01T00:00+0000"}, nil, 400},
		{"short own value", api.CreateAPIKeyRequest{Name: "x", IAMID: ts.admin, APIKey: "short"}, nil, 400},
		{"own value", api.CreateAPIKeyRequest{Name: "x", IAMID: ts.admin, APIKey: api.WireSecret(own)}, nil, 201},
		{"own value again", api.CreateAPIKeyRequest{Name: "x", IAMID: ts.admin, APIKey: api.WireSecret(own)}, nil, 409},
		{"locked and disabled", api.CreateAPIKeyRequest{Name: "x", IAMID: ts.admin},
			[]string{"Entity-Lock", "true", "Entity-Disable", "true"}, 201},
	}
	ts.remember(api.WireSecret(own))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(t, ts.key, "POST", "/v1/apikeys", tc.req, tc.hdr...)
			if tc.status != 201 {
				wantIdentityError(t, "POST /v1/apikeys", r, tc.status)
				return
			}
			var k api.APIKey
			if r.status != 201 {
				t.Fatalf("POST /v1/apikeys = %d %s, want 201", r.status, r.body)
			}
			r.decode(t, &k)
			ts.remember(k.APIKey)
			if wantFlags := tc.hdr != nil; k.Locked != wantFlags || k.Disabled != wantFlags {
				t.Errorf("locked %v, disabled %v; want %v", k.Locked, k.Disabled, wantFlags)
			}
		})
	}
}

func TestServiceIDPaging(t *testing.T) {
	ts := startServer(t)
	want := map[string]bool{}
	for i := range 25 {
		var sid api.ServiceID
		ts.want(t, 201, ts.key, "POST", "/v1/serviceids/", api.CreateServiceIDRequest{AccountID: ts.account,
			Name: "sid-" + string(rune('a'+i))}).decode(t, &sid)
		want[sid.ID] = true
	}
	next := ts.url + "/v1/serviceids/?account_id=" + ts.account + "&pagesize=10"
	seen := map[string]bool{}
	for page := 0; next != ""; page++ {
		var l api.ServiceIDList
		ts.want(t, 200, ts.key, "GET", next, nil).decode(t, &l)
		if l.Offset != int64(10*page) || l.Limit != 10 || !strings.HasPrefix(l.First, ts.url+"/v1/serviceids/") {
			t.Errorf("page %d: offset %d, limit %d, first %q", page, l.Offset, l.Limit, l.First)
		}
		if wantLen := min(10, 25-10*page); len(l.ServiceIDs) != wantLen {
			t.Errorf("page %d has %d service IDs, want %d", page, len(l.ServiceIDs), wantLen)
		}
		for _, s := range l.ServiceIDs {
			if seen[s.ID] {
				t.Errorf("service ID %s listed twice", s.ID)
			}
			seen[s.ID] = true
		}
		if l.Next != "" && !strings.HasPrefix(l.Next, ts.url+"/v1/serviceids/?") {
			t.Fatalf("next = %q, want a full URL", l.Next)
		}
		if next = l.Next; page > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != len(want) {
		t.Errorf("paged through %d service IDs, want %d", len(seen), len(want))
	}
	var named api.ServiceIDList
	ts.want(t, 200, ts.key, "GET", "/v1/serviceids?name=sid-c&account_id="+ts.account, nil).decode(t, &named)
	if len(named.ServiceIDs) != 1 || named.ServiceIDs[0].Name != "sid-c" || named.Next != "" {
		t.Errorf("list by name = %+v", named)
	}
	for _, q := range []string{"pagesize=0", "pagesize=101", "pagesize=x", "pagetoken=garbage"} {
		wantIdentityError(t, "list with "+q, ts.do(t, ts.key, "GET", "/v1/serviceids/?account_id="+ts.account+"&"+q, nil), 400)
	}
}
