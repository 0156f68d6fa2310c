package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
)

// fakeOperator answers operator calls with a chosen error, to drive the
// error adapter with every kind.
type fakeOperator struct{ err error }

func (f *fakeOperator) SealStatus(context.Context) api.SealStatus {
	return api.SealStatus{Type: "test"}
}
func (f *fakeOperator) Init(context.Context, int, int) (*api.InitResponse, error) {
	return nil, f.err
}
func (f *fakeOperator) Unseal(context.Context, string) (api.SealStatus, error) {
	return api.SealStatus{}, f.err
}
func (f *fakeOperator) Seal(context.Context, authz.Credential) error { return f.err }
func (f *fakeOperator) RotateRootKey(context.Context, authz.Credential) (*api.RootKeyRotation, error) {
	return nil, f.err
}

type alwaysReady struct{}

func (alwaysReady) Ready(context.Context) map[string]error { return map[string]error{"store": nil} }

func newTestServer(t *testing.T, op *fakeOperator, sealed *bool) *Server {
	t.Helper()
	s, err := newForTest(Config{Operator: op, Readiness: alwaysReady{}, Sealed: func() bool { return *sealed },
		MaxBodyBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func do(t *testing.T, h http.Handler, method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestEveryKindHasItsStatusAndCode(t *testing.T) {
	op := &fakeOperator{}
	sealed := false
	s := newTestServer(t, op, &sealed)
	for _, k := range api.Kinds {
		op.err = fmt.Errorf("context: %w", api.Errorf(k, "boom %s", k.Code))
		rec := do(t, s, "POST", "/coffer/v1/operator/unseal", `{"share":"x"}`)
		if rec.Code != k.Status {
			t.Errorf("%s: status %d, want %d", k.Code, rec.Code, k.Status)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", k.Code, ct)
		}
		var body errorsBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 {
			t.Fatalf("%s: body %s: %v", k.Code, rec.Body, err)
		}
		if body.Errors[0].Code != k.Code || body.StatusCode != k.Status || body.Trace == "" {
			t.Errorf("%s: body %+v", k.Code, body)
		}
		wantMsg := "boom " + k.Code
		if k == api.ErrInternal {
			wantMsg = "internal error (request id " + body.Trace + ")"
		}
		if body.Errors[0].Message != wantMsg {
			t.Errorf("%s: message %q, want %q", k.Code, body.Errors[0].Message, wantMsg)
		}
	}
}

func TestInternalErrorsRevealNothing(t *testing.T) {
	op := &fakeOperator{err: errors.New("pq: password authentication failed for user secretuser")}
	sealed := false
	s := newTestServer(t, op, &sealed)
	rec := do(t, s, "POST", "/coffer/v1/operator/unseal", `{"share":"x"}`)
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "secretuser") {
		t.Errorf("internal error answer = %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(rec.Body.String(), rec.Header().Get("X-Request-Id")) {
		t.Errorf("internal error answer does not name the request id")
	}
}

func TestFamilyShapes(t *testing.T) {
	op := &fakeOperator{}
	sealed := true
	s := newTestServer(t, op, &sealed)
	for _, tc := range []struct {
		path string
		keys []string
	}{
		{"/identity/token", []string{"errorCode", "errorMessage", "context"}},
		{"/v1/apikeys", []string{"trace", "errors", "status_code", "context"}},
		{"/v1/policies", []string{"trace", "errors", "status_code"}},
		{"/v2/resource_instances", []string{"error_code", "message", "status_code", "transaction_id"}},
		{"/api/v2/secrets", []string{"errors", "status_code", "trace"}},
		{"/instances/abc/api/v2/secrets", []string{"errors", "status_code", "trace"}},
		{"/coffer/v1/anything", []string{"errors", "status_code", "trace"}},
	} {
		rec := do(t, s, "GET", tc.path, "")
		var m map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		for _, k := range tc.keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: error body %s lacks %q", tc.path, rec.Body, k)
			}
		}
		if rec.Code != 503 || !strings.Contains(rec.Body.String(), "sealed") {
			t.Errorf("%s while sealed: %d %s", tc.path, rec.Code, rec.Body)
		}
	}
}

func TestRequestBodies(t *testing.T) {
	op := &fakeOperator{err: api.ErrNotFound}
	sealed := false
	s := newTestServer(t, op, &sealed)
	for _, tc := range []struct {
		name, body string
		hdr        []string
		status     int
		want       string
	}{
		{"unknown field", `{"share":"x","sharez":1}`, nil, 400, `unknown field "sharez"`},
		{"wrong type", `{"share":5}`, nil, 400, `field "share" must be of type string`},
		{"trailing data", `{"share":"x"} {}`, nil, 400, "single JSON value"},
		{"not json", `share=x`, nil, 400, "not valid JSON"},
		{"empty", ``, []string{"Content-Type", "application/json"}, 400, "empty"},
		{"content type", `{"share":"x"}`, []string{"Content-Type", "text/plain"}, 400, "Content-Type"},
		{"too large", `{"share":"` + strings.Repeat("x", 5000) + `"}`, nil, 413, "too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, s, "POST", "/coffer/v1/operator/unseal", tc.body, tc.hdr...)
			var body errorsBody
			json.Unmarshal(rec.Body.Bytes(), &body)
			if rec.Code != tc.status || len(body.Errors) != 1 || !strings.Contains(body.Errors[0].Message, tc.want) {
				t.Errorf("POST %q = %d %s, want %d containing %q", tc.body, rec.Code, rec.Body, tc.status, tc.want)
			}
		})
	}
}

func TestRequestIDs(t *testing.T) {
	sealed := false
	s := newTestServer(t, &fakeOperator{}, &sealed)
	rec := do(t, s, "GET", "/healthz", "", "X-Request-Id", "abc-123")
	if rec.Header().Get("X-Request-Id") != "abc-123" || rec.Header().Get("X-Correlation-Id") != "abc-123" {
		t.Errorf("caller's request id not echoed: %v", rec.Header())
	}
	rec = do(t, s, "GET", "/healthz", "", "X-Correlation-Id", "corr-9")
	if rec.Header().Get("X-Request-Id") != "corr-9" {
		t.Errorf("correlation id not used as request id: %v", rec.Header())
	}
	rec = do(t, s, "GET", "/healthz", "", "X-Request-Id", "bad\x01id")
	if id := rec.Header().Get("X-Request-Id"); id == "" || strings.Contains(id, "bad") {
		t.Errorf("an unprintable request id was echoed: %q", id)
	}
}

func TestMetricsCountRoutes(t *testing.T) {
	sealed := false
	s := newTestServer(t, &fakeOperator{}, &sealed)
	do(t, s, "GET", "/coffer/v1/operator/seal-status", "")
	do(t, s, "GET", "/no/such/thing", "")
	rec := do(t, s, "GET", "/metrics", "")
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`coffer_http_requests_total{code="200",method="GET",route="GET /coffer/v1/operator/seal-status"} 1`,
		`coffer_http_requests_total{code="404",method="GET",route="/"} 1`,
		`coffer_http_request_duration_seconds_bucket{method="GET",route="GET /coffer/v1/operator/seal-status"`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestCredential(t *testing.T) {
	for _, tc := range []struct {
		header  string
		bearer  string
		apikey  string
		wantErr bool
	}{
		{"", "", "", false},
		{"Bearer abc.def.ghi", "abc.def.ghi", "", false},
		{"bearer   tok", "tok", "", false},
		{"Basic " + b64("apikey:KEY123"), "", "KEY123", false},
		{"Basic " + b64("user:KEY123"), "", "", true},
		{"Basic !!!", "", "", true},
		{"Bearer", "", "", true},
		{"Digest x", "", "", true},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		c, err := Credential(r)
		if (err != nil) != tc.wantErr || c.Bearer.Reveal() != tc.bearer || c.APIKey.Reveal() != tc.apikey {
			t.Errorf("Credential(%q) = %+v, %v", tc.header, c, err)
		}
		if err != nil && strings.Contains(err.Error(), "KEY123") {
			t.Errorf("Credential error reveals the key: %v", err)
		}
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
