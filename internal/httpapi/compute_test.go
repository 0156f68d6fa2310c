package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/internal/servertest"
)

// TestComputeErrorShapes checks the compute routes' IBM error bodies: an
// unknown field, a token for an app without trusted profiles, and a
// request without credentials.
func TestComputeErrorShapes(t *testing.T) {
	srv := servertest.New(t)
	tok, err := srv.Client.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	send := func(method, path, body, bearer string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		m := map[string]any{}
		json.Unmarshal(b, &m)
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
		return resp.StatusCode, m
	}
	const base = "/coffer/v1/compute/projects"
	bearer := tok.Reveal()
	if st, _ := send("POST", base, `{"name":"p"}`, bearer); st != 201 {
		t.Fatalf("create project = %d", st)
	}
	if st, _ := send("POST", base+"/p/apps", `{"name":"web"}`, bearer); st != 201 {
		t.Fatalf("create app = %d", st)
	}
	tests := []struct {
		name, method, path, body, bearer string
		status                           int
		code                             string
	}{
		{"unknown field", "POST", base, `{"name":"q","colour":"red"}`, bearer, 400, "invalid"},
		{"disabled trusted profiles", "POST", base + "/p/apps/web/token", `{}`, bearer, 400, "trusted_profiles_not_enabled"},
		{"no credential", "POST", base + "/p/apps/web/token", `{}`, "", 401, "unauthenticated"},
		{"unknown project", "GET", base + "/nope/apps/web", "", bearer, 404, "not_found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, body := send(tc.method, tc.path, tc.body, tc.bearer)
			errs, _ := body["errors"].([]any)
			if st != tc.status || len(errs) != 1 {
				t.Fatalf("%s %s = %d %v, want %d with one error", tc.method, tc.path, st, body, tc.status)
			}
			if code := errs[0].(map[string]any)["code"]; code != tc.code || body["trace"] == "" {
				t.Errorf("error code = %v (trace %v), want %s", code, body["trace"], tc.code)
			}
		})
	}
}
