package secrets_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/go-sdk-core/v5/core"

	"github.com/cofferhq/coffer/internal/servertest"
)

// rawClient sends Secrets Manager requests to one instance with a bearer
// token of the bootstrap administrator.
type rawClient struct {
	tb    testing.TB
	base  string
	token string
}

func newRaw(tb testing.TB, srv *servertest.Server) *rawClient {
	tb.Helper()
	tok, err := (&core.IamAuthenticator{ApiKey: srv.APIKey, URL: srv.URL}).GetToken()
	if err != nil {
		tb.Fatalf("GetToken: %v", err)
	}
	return &rawClient{tb: tb, base: srv.URL + "/instances/" + defaultInstance(tb, srv) + "/api/v2", token: tok}
}

// do sends body (a string, or nil) and returns the status and decoded JSON.
func (c *rawClient) do(method, path string, body any) (int, map[string]any) {
	c.tb.Helper()
	var r io.Reader
	if s, ok := body.(string); ok {
		r = strings.NewReader(s)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 204 && ct != "application/json" {
		c.tb.Errorf("%s %s: Content-Type %q, want application/json", method, path, ct)
	}
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			c.tb.Fatalf("%s %s: body is not a JSON object: %v", method, path, err)
		}
	}
	return resp.StatusCode, out
}

func (c *rawClient) secretCount() int {
	c.tb.Helper()
	code, out := c.do("GET", "/secrets?limit=1000", nil)
	if code != 200 {
		c.tb.Fatalf("ListSecrets = %d", code)
	}
	return len(out["secrets"].([]any))
}

// TestBadInput sends invalid requests: each must answer its status in IBM's
// error shape and change nothing.
func TestBadInput(t *testing.T) {
	srv := servertest.New(t)
	c := newRaw(t, srv)
	code, out := c.do("POST", "/secrets", `{"secret_type":"arbitrary","name":"taken","payload":"x"}`)
	if code != 201 {
		t.Fatalf("CreateSecret = %d %v", code, out)
	}
	other := servertest.New(t) // another account's server: its ids are unknown here
	_, foreign := newRaw(t, other).do("POST", "/secrets", `{"secret_type":"arbitrary","name":"theirs","payload":"x"}`)
	labels31 := `["` + strings.Repeat(`ab","`, 30) + `ab"]`
	tests := []struct {
		name, method, path, body string
		want                     int
	}{
		{"unknown secret_type", "POST", "/secrets", `{"secret_type":"nope","name":"a1","payload":"x"}`, 400},
		{"missing secret_type", "POST", "/secrets", `{"name":"a1","payload":"x"}`, 400},
		{"missing payload", "POST", "/secrets", `{"secret_type":"arbitrary","name":"a1"}`, 400},
		{"missing name", "POST", "/secrets", `{"secret_type":"arbitrary","payload":"x"}`, 400},
		{"wrong field type", "POST", "/secrets", `{"secret_type":"arbitrary","name":"a1","payload":5}`, 400},
		{"unknown field", "POST", "/secrets", `{"secret_type":"arbitrary","name":"a1","payload":"x","bogus":1}`, 400},
		{"other type's field", "POST", "/secrets", `{"secret_type":"arbitrary","name":"a1","payload":"x","data":{}}`, 400},
		{"31 labels", "POST", "/secrets", `{"secret_type":"arbitrary","name":"a1","payload":"x","labels":` + labels31 + `}`, 400},
		{"label too long", "POST", "/secrets", `{"secret_type":"arbitrary","name":"a1","payload":"x","labels":["` + strings.Repeat("x", 65) + `"]}`, 400},
		{"NUL in description", "POST", "/secrets", `{"secret_type":"arbitrary","name":"a1","payload":"x","description":"a\u0000b"}`, 400},
		{"NUL in label", "POST", "/secrets", `{"secret_type":"arbitrary","name":"a1","payload":"x","labels":["a\u0000b"]}`, 400},
		{"illegal name", "POST", "/secrets", `{"secret_type":"arbitrary","name":"a b/c","payload":"x"}`, 400},
		{"kv data not an object", "POST", "/secrets", `{"secret_type":"kv","name":"k1","data":[1,2]}`, 400},
		{"certificate not parsing", "POST", "/secrets", `{"secret_type":"imported_cert","name":"c1","certificate":"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"}`, 400},
		{"certificate not matching key", "POST", "/secrets", mismatchedCertBody(t), 400},
		{"duplicate name", "POST", "/secrets", `{"secret_type":"arbitrary","name":"taken","payload":"y"}`, 409},
		{"payload too large", "POST", "/secrets", `{"secret_type":"arbitrary","name":"big","payload":"` + strings.Repeat("x", 1<<20+1) + `"}`, 400},
		{"private_cert not yet", "POST", "/secrets", `{"secret_type":"private_cert","name":"p1","certificate_template":"t","common_name":"a.example"}`, 400},
		{"unknown group", "POST", "/secrets", `{"secret_type":"arbitrary","name":"a1","payload":"x","secret_group_id":"no-such-group"}`, 404},
		{"limit too large", "GET", "/secrets?limit=1001", "", 400},
		{"limit zero", "GET", "/secrets?limit=0", "", 400},
		{"negative offset", "GET", "/secrets?offset=-1", "", 400},
		{"offset not a number", "GET", "/secrets?offset=x", "", 400},
		{"bad sort", "GET", "/secrets?sort=payload", "", 400},
		{"unknown secret id", "GET", "/secrets/7b2b2c6e-59a4-4d37-9d4c-000000000000", "", 404},
		{"another account's secret", "GET", "/secrets/" + fmt.Sprint(foreign["id"]), "", 404},
		{"another account's secret metadata", "PATCH", "/secrets/" + fmt.Sprint(foreign["id"]) + "/metadata", `{"name":"mine"}`, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			code, out := c.do(tc.method, tc.path, body)
			if code != tc.want {
				t.Fatalf("%s %s = %d %v, want %d", tc.method, tc.path, code, out, tc.want)
			}
			errs, _ := out["errors"].([]any)
			if len(errs) == 0 || out["status_code"] != float64(tc.want) || out["trace"] == "" {
				t.Errorf("error body = %v, want IBM's {errors:[{code,message}],status_code,trace}", out)
			} else if m, _ := errs[0].(map[string]any); m["message"] == "" || m["code"] == "" {
				t.Errorf("errors[0] = %v, want a code and a message", m)
			}
			if n := c.secretCount(); n != 1 {
				t.Errorf("after the refused request the instance holds %d secrets, want 1", n)
			}
		})
	}
}

// TestUnknownInstance answers 404 for an instance that does not exist.
func TestUnknownInstance(t *testing.T) {
	srv := servertest.New(t)
	c := newRaw(t, srv)
	c.base = srv.URL + "/instances/7b2b2c6e-59a4-4d37-9d4c-000000000000/api/v2"
	if code, out := c.do("GET", "/secrets", nil); code != 404 || out["status_code"] != float64(404) {
		t.Errorf("ListSecrets on an unknown instance = %d %v, want 404", code, out)
	}
}

// mismatchedCertBody returns an imported_cert body whose key is not the
// certificate's.
func mismatchedCertBody(tb testing.TB) string {
	tb.Helper()
	cert, _ := selfSigned(tb)
	_, key := selfSigned(tb)
	b, _ := json.Marshal(map[string]string{"secret_type": "imported_cert", "name": "c2", "certificate": cert, "private_key": key})
	return string(b)
}

// TestPayloadEncryptedAtRest scans the raw SQLite files for a known
// payload.
func TestPayloadEncryptedAtRest(t *testing.T) {
	srv := servertest.New(t)
	c := newRaw(t, srv)
	marker := "coffer-plaintext-marker-8f1d2c"
	for _, body := range []string{
		`{"secret_type":"arbitrary","name":"a1","payload":"` + marker + `"}`,
		`{"secret_type":"kv","name":"k1","data":{"v":"` + marker + `"}}`,
		`{"secret_type":"username_password","name":"u1","username":"u","password":"` + marker + `"}`,
	} {
		if code, out := c.do("POST", "/secrets", body); code != 201 {
			t.Fatalf("CreateSecret = %d %v", code, out)
		}
	}
	if code, out := c.do("POST", "/configurations", `{"config_type":"iam_credentials_configuration","name":"iam","api_key":"`+marker+`"}`); code != 201 {
		t.Fatalf("CreateConfiguration = %d %v", code, out)
	}
	files, _ := filepath.Glob(filepath.Join(srv.DataDir, "*"))
	scanned := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		scanned++
		if bytes.Contains(b, []byte(marker)) {
			t.Errorf("%s holds the payload in clear", filepath.Base(f))
		}
	}
	if scanned == 0 {
		t.Fatal("no database file scanned")
	}
}

// TestLocks covers delete-with-locks, the two lock modes and locked data.
func TestLocks(t *testing.T) {
	srv := servertest.New(t)
	c := newRaw(t, srv)
	_, s := c.do("POST", "/secrets", `{"secret_type":"arbitrary","name":"a1","payload":"v1"}`)
	id := fmt.Sprint(s["id"])
	c.do("POST", "/secrets/"+id+"/locks_bulk", `{"locks":[{"name":"app-1"},{"name":"app-2"}]}`)
	if code, _ := c.do("DELETE", "/secrets/"+id, nil); code != 412 {
		t.Errorf("DeleteSecret with locks = %d, want 412", code)
	}
	c.do("POST", "/secrets/"+id+"/versions", `{"payload":"v2"}`)
	code, out := c.do("POST", "/secrets/"+id+"/locks_bulk?mode=remove_previous", `{"locks":[{"name":"app-1"}]}`)
	if code != 201 {
		t.Fatalf("lock with remove_previous = %d %v", code, out)
	}
	if names := lockNames(t, c, id, "previous"); fmt.Sprint(names) != "[app-2]" {
		t.Errorf("previous version locks after remove_previous = %v, want [app-2]", names)
	}
	c.do("POST", "/secrets/"+id+"/versions", `{"payload":"v3"}`) // v2 is previous now, locked by app-1
	code, out = c.do("POST", "/secrets/"+id+"/locks_bulk?mode=remove_previous_and_delete", `{"locks":[{"name":"app-1"}]}`)
	if code != 201 {
		t.Fatalf("lock with remove_previous_and_delete = %d %v", code, out)
	}
	_, prev := c.do("GET", "/secrets/"+id+"/versions/previous/metadata", nil)
	if prev["payload_available"] != false {
		t.Errorf("previous payload_available after remove_previous_and_delete = %v, want false", prev["payload_available"])
	}
	if code, _ := c.do("GET", "/secrets/"+id+"/versions/previous", nil); code != 412 {
		t.Errorf("GetSecretVersion of destroyed data = %d, want 412", code)
	}
	if code, out := c.do("POST", "/secrets/"+id+"/locks_bulk?mode=bogus", `{"locks":[{"name":"x1"}]}`); code != 400 {
		t.Errorf("unknown mode = %d %v, want 400", code, out)
	}
}

func lockNames(tb testing.TB, c *rawClient, id, version string) []string {
	tb.Helper()
	_, out := c.do("GET", "/secrets/"+id+"/versions/"+version+"/locks", nil)
	var names []string
	for _, l := range out["locks"].([]any) {
		names = append(names, l.(map[string]any)["name"].(string))
	}
	return names
}

// TestVersionHistory keeps every version's metadata and the data of the
// newest ten, and never destroys a locked version's data.
func TestVersionHistory(t *testing.T) {
	srv := servertest.New(t)
	c := newRaw(t, srv)
	_, s := c.do("POST", "/secrets", `{"secret_type":"arbitrary","name":"a1","payload":"v1"}`)
	id := fmt.Sprint(s["id"])
	_, first := c.do("GET", "/secrets/"+id+"/versions/current/metadata", nil)
	_, second := c.do("POST", "/secrets/"+id+"/versions", `{"payload":"v2"}`)
	c.do("POST", "/secrets/"+id+"/versions/"+fmt.Sprint(second["id"])+"/locks_bulk", `{"locks":[{"name":"keep"}]}`)
	for i := 3; i <= 14; i++ {
		if code, out := c.do("POST", "/secrets/"+id+"/versions", fmt.Sprintf(`{"payload":"v%d"}`, i)); code != 201 {
			t.Fatalf("CreateSecretVersion %d = %d %v", i, code, out)
		}
	}
	_, list := c.do("GET", "/secrets/"+id+"/versions", nil)
	if list["total_count"] != float64(14) {
		t.Fatalf("versions total = %v, want 14", list["total_count"])
	}
	available := 0
	for _, v := range list["versions"].([]any) {
		if v.(map[string]any)["payload_available"] == true {
			available++
		}
	}
	if available != 11 { // the newest 10, and the locked second one
		t.Errorf("versions with data = %d, want 11", available)
	}
	if code, _ := c.do("GET", "/secrets/"+id+"/versions/"+fmt.Sprint(first["id"]), nil); code != 412 {
		t.Errorf("GetSecretVersion of the first version = %d, want 412 (data destroyed)", code)
	}
	if code, v := c.do("GET", "/secrets/"+id+"/versions/"+fmt.Sprint(second["id"]), nil); code != 200 || v["payload"] != "v2" {
		t.Errorf("GetSecretVersion of the locked second version = %d %v, want 200 v2", code, v["payload"])
	}
}

// TestExpiredSecret stops serving an expired secret's payload.
func TestExpiredSecret(t *testing.T) {
	srv := servertest.New(t)
	c := newRaw(t, srv)
	exp := time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	code, s := c.do("POST", "/secrets", `{"secret_type":"arbitrary","name":"a1","payload":"v1","expiration_date":"`+exp+`"}`)
	if code != 201 {
		t.Fatalf("CreateSecret = %d %v", code, s)
	}
	id := fmt.Sprint(s["id"])
	if code, _ := c.do("GET", "/secrets/"+id, nil); code != 200 {
		t.Fatalf("GetSecret before expiry = %d, want 200", code)
	}
	time.Sleep(1600 * time.Millisecond)
	if code, out := c.do("GET", "/secrets/"+id, nil); code != 412 {
		t.Errorf("GetSecret after expiry = %d %v, want 412", code, out)
	}
	_, m := c.do("GET", "/secrets/"+id+"/metadata", nil)
	if m["state_description"] != "destroyed" {
		t.Errorf("state after expiry = %v, want destroyed", m["state_description"])
	}
}

// TestReadAfterChange reads a secret (so that its row and decoded metadata
// are cached), changes it in each way a client can, and checks that the
// next read shows the change.
func TestReadAfterChange(t *testing.T) {
	srv := servertest.New(t)
	c := newRaw(t, srv)
	_, s := c.do("POST", "/secrets", `{"secret_type":"arbitrary","name":"r1","payload":"v1","custom_metadata":{"k":"one"}}`)
	id := fmt.Sprint(s["id"])
	get := func(what string) map[string]any {
		t.Helper()
		code, out := c.do("GET", "/secrets/"+id, nil)
		if code != 200 {
			t.Fatalf("%s: GetSecret = %d %v", what, code, out)
		}
		return out
	}
	get("first read")
	if out := get("second read"); out["downloaded"] != true || out["payload"] != "v1" {
		t.Fatalf("second read: downloaded %v payload %v; want true v1", out["downloaded"], out["payload"])
	}

	if code, out := c.do("PATCH", "/secrets/"+id+"/metadata", `{"name":"r2","description":"d","custom_metadata":{"k":"two"},"labels":["xy"]}`); code != 200 {
		t.Fatalf("UpdateSecretMetadata = %d %v", code, out)
	}
	out := get("after a metadata update")
	if out["name"] != "r2" || out["description"] != "d" || fmt.Sprint(out["custom_metadata"]) != "map[k:two]" ||
		fmt.Sprint(out["labels"]) != "[xy]" {
		t.Errorf("after a metadata update: name %v description %v custom_metadata %v labels %v",
			out["name"], out["description"], out["custom_metadata"], out["labels"])
	}

	if code, v := c.do("POST", "/secrets/"+id+"/versions", `{"payload":"v2"}`); code != 201 {
		t.Fatalf("CreateSecretVersion = %d %v", code, v)
	}
	if out := get("after a new version"); out["payload"] != "v2" || out["versions_total"] != float64(2) {
		t.Errorf("after a new version: payload %v versions_total %v; want v2 2", out["payload"], out["versions_total"])
	}

	c.do("POST", "/secrets/"+id+"/locks_bulk", `{"locks":[{"name":"l1"}]}`)
	if out := get("after a lock"); out["locks_total"] != float64(1) {
		t.Errorf("after a lock: locks_total %v; want 1", out["locks_total"])
	}
	c.do("DELETE", "/secrets/"+id+"/locks_bulk?name=l1", nil)
	if out := get("after removing the lock"); out["locks_total"] != float64(0) {
		t.Errorf("after removing the lock: locks_total %v; want 0", out["locks_total"])
	}

	if code, out := c.do("DELETE", "/secrets/"+id, nil); code != 204 {
		t.Fatalf("DeleteSecret = %d %v", code, out)
	}
	if code, _ := c.do("GET", "/secrets/"+id, nil); code != 404 {
		t.Errorf("GetSecret after delete = %d; want 404", code)
	}
}

// TestCreateAudited checks that creating a secret records exactly one
// secrets-manager.secret.create event whether the creation succeeds (the
// event commits with the secret), fails in its transaction (a duplicate
// name), or fails after the decision but before it (no such group), and
// that the chain verifies.
func TestCreateAudited(t *testing.T) {
	srv := servertest.New(t)
	c := newRaw(t, srv)
	auditAPI := &rawClient{tb: t, base: srv.URL + "/coffer/v1/audit", token: c.token}
	creates := func() int {
		t.Helper()
		code, out := auditAPI.do("GET", "/events?action=secrets-manager.secret.create&limit=100", nil)
		if code != 200 {
			t.Fatalf("audit events = %d %v", code, out)
		}
		return len(out["events"].([]any))
	}
	before := creates()
	if code, out := c.do("POST", "/secrets", `{"secret_type":"arbitrary","name":"a1","payload":"v"}`); code != 201 {
		t.Fatalf("CreateSecret = %d %v", code, out)
	}
	if n := creates(); n != before+1 {
		t.Fatalf("after a creation: %d create events; want %d", n, before+1)
	}
	if code, _ := c.do("POST", "/secrets", `{"secret_type":"arbitrary","name":"a1","payload":"v"}`); code != 409 {
		t.Fatalf("CreateSecret of a taken name = %d; want 409", code)
	}
	if n := creates(); n != before+2 {
		t.Errorf("after a creation refused in its transaction: %d create events; want %d", n, before+2)
	}
	if code, _ := c.do("POST", "/secrets", `{"secret_type":"arbitrary","name":"a2","payload":"v","secret_group_id":"d5e1d4c2-0000-4000-8000-000000000000"}`); code != 404 {
		t.Fatalf("CreateSecret in a group that does not exist = %d; want 404", code)
	}
	if n := creates(); n != before+3 {
		t.Errorf("after a creation refused before its transaction: %d create events; want %d", n, before+3)
	}
	code, out := auditAPI.do("POST", "/verify", "{}")
	if code != 200 || out["ok"] != true {
		t.Errorf("audit verify = %d %v; want ok", code, out)
	}
}
