package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeSMServer is a fake of the remote protocol (the token endpoint and
// Secrets Manager): it records each Secrets Manager request line and body
// and answers with body.
type fakeSMServer struct {
	URL  string
	mu   sync.Mutex
	reqs []string // "METHOD PATH?QUERY BODY"
	body string
}

func newFakeSMServer(tb testing.TB, body string) *fakeSMServer {
	tb.Helper()
	f := &fakeSMServer{body: body}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/identity/token" {
			fmt.Fprintf(w, `{"access_token":"tok","token_type":"Bearer","expires_in":3600,"expiration":%d}`, time.Now().Unix()+3600)
			return
		}
		b, _ := io.ReadAll(r.Body)
		line := strings.TrimSpace(fmt.Sprintf("%s %s %s", r.Method, r.URL.RequestURI(), b))
		if r.Header.Get("Authorization") != "Bearer tok" {
			line += " (no token)"
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, line)
		f.mu.Unlock()
		io.WriteString(w, f.body)
	}))
	tb.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

func (f *fakeSMServer) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.reqs...)
}

const fakeSecret = `{"id":"s1","secret_type":"arbitrary","secret_group_id":"default","name":"a","payload":"s3cr3t","custom_metadata":{"big":12345678901234567890}}`

func TestSecretsManagerInstanceSelection(t *testing.T) {
	f := newFakeSMServer(t, fakeSecret)
	tests := []struct {
		name string
		args []string
		vars map[string]string
		want string
	}{
		{"default instance", []string{"sm", "secret", "--id", "s1"}, nil, "GET /api/v2/secrets/s1"},
		{"--instance-id", []string{"secrets-manager", "secret", "--id", "s1", "--instance-id", "g1"}, nil, "GET /instances/g1/api/v2/secrets/s1"},
		{"--service-url", []string{"sm", "--service-url", f.URL + "/instances/g2", "secret", "--id", "s1"}, map[string]string{"COFFER_URL": "http://127.0.0.1:1"},
			"GET /instances/g2/api/v2/secrets/s1"},
		{"SM_SERVICE_URL", []string{"sm", "secret", "--id", "s1"}, map[string]string{"SM_SERVICE_URL": f.URL + "/instances/g3"}, "GET /instances/g3/api/v2/secrets/s1"},
		{"SECRETS_MANAGER_URL wins", []string{"sm", "secret", "--id", "s1"},
			map[string]string{"SECRETS_MANAGER_URL": f.URL + "/instances/g4", "SM_SERVICE_URL": f.URL + "/instances/g5"}, "GET /instances/g4/api/v2/secrets/s1"},
		{"--instance-id over the URL's", []string{"sm", "secret", "--id", "s1", "--instance-id", "g6"},
			map[string]string{"SM_SERVICE_URL": f.URL + "/instances/g5"}, "GET /instances/g6/api/v2/secrets/s1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"COFFER_URL": f.URL, "COFFER_APIKEY": "key"}
			for k, v := range tt.vars {
				vars[k] = v
			}
			env, _, errb := testEnv(t, "", vars)
			if code := Run(context.Background(), tt.args, env); code != ExitOK {
				t.Fatalf("Run(%q) = %d; stderr %s", tt.args, code, errb)
			}
			reqs := f.requests()
			if got := reqs[len(reqs)-1]; got != tt.want {
				t.Errorf("Run(%q) sent %q, want %q", tt.args, got, tt.want)
			}
		})
	}
}

func TestSecretsManagerOutputJSONIsTheAPIs(t *testing.T) {
	f := newFakeSMServer(t, fakeSecret)
	env, out, errb := testEnv(t, "", map[string]string{"COFFER_URL": f.URL, "COFFER_APIKEY": "key"})
	if code := Run(context.Background(), []string{"--output", "json", "sm", "secret", "--id", "s1"}, env); code != ExitOK {
		t.Fatalf("secret --output json = %d; stderr %s", code, errb)
	}
	// The large integer would lose digits through a decode and re-encode.
	var got, want any
	dec := json.NewDecoder(strings.NewReader(out.String()))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("stdout %q is not JSON: %v", out, err)
	}
	dec = json.NewDecoder(strings.NewReader(fakeSecret))
	dec.UseNumber()
	dec.Decode(&want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("secret --output json mismatch (-want +got):\n%s", diff)
	}
	if errb.Len() != 0 {
		t.Errorf("secret --output json wrote %q on stderr, want nothing", errb)
	}
}

func TestSecretsManagerRequests(t *testing.T) {
	dir := t.TempDir()
	kv := filepath.Join(dir, "kv.json")
	os.WriteFile(kv, []byte(`{"a":1}`), 0o600)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"secret-create", "--secret-type", "arbitrary", "--secret-name", "a", "--arbitrary-payload", "p", "--secret-labels", "x,y"},
			`POST /api/v2/secrets {"secret_type":"arbitrary","name":"a","labels":["x","y"],"payload":"p"}`},
		{[]string{"secret-create", "--secret-type", "kv", "--secret-name", "k", "--kv-data", "@" + kv},
			`POST /api/v2/secrets {"secret_type":"kv","name":"k","data":{"a":1}}`},
		{[]string{"secret-create", "--secret-type", "username_password", "--secret-name", "u", "--username-password-username", "app",
			"--secret-rotation", `{"auto_rotate":true,"interval":30,"unit":"day"}`},
			`POST /api/v2/secrets {"secret_type":"username_password","name":"u","rotation":{"auto_rotate":true,"interval":30,"unit":"day"},"username":"app"}`},
		{[]string{"secret-create", "--secret-type", "iam_credentials", "--secret-name", "i", "--iam-credentials-ttl", "1h", "--iam-credentials-access-groups", "AccessGroupId-1"},
			`POST /api/v2/secrets {"secret_type":"iam_credentials","name":"i","ttl":"1h","access_groups":["AccessGroupId-1"],"reuse_api_key":false}`},
		{[]string{"secret-create", "--secret-prototype", `{"secret_type":"arbitrary","name":"p","payload":"x"}`},
			`POST /api/v2/secrets {"secret_type":"arbitrary","name":"p","payload":"x"}`},
		{[]string{"secrets", "--limit", "5", "--groups", "default,g1", "--secret-types", "kv,arbitrary", "--match-all-labels", "a"},
			"GET /api/v2/secrets?groups=default%2Cg1&limit=5&match_all_labels=a&secret_types=kv%2Carbitrary"},
		{[]string{"secret-by-name", "--name", "a", "--secret-type", "arbitrary"}, "GET /api/v2/secret_groups/default/secret_types/arbitrary/secrets/a"},
		{[]string{"secret-metadata-update", "--id", "s1", "--secret-name", "b", "--labels", "l"}, `PATCH /api/v2/secrets/s1/metadata {"name":"b","labels":["l"]}`},
		{[]string{"secret-delete", "--id", "s1", "-f"}, "DELETE /api/v2/secrets/s1"},
		{[]string{"secret-version-create", "--id", "s1", "--arbitrary-payload", "v2"}, `POST /api/v2/secrets/s1/versions {"payload":"v2"}`},
		{[]string{"secret-versions", "--secret-id", "s1"}, "GET /api/v2/secrets/s1/versions"},
		{[]string{"secret-version", "--secret-id", "s1", "--id", "previous"}, "GET /api/v2/secrets/s1/versions/previous"},
		{[]string{"secret-version-metadata-update", "--secret-id", "s1", "--id", "current", "--version-custom-metadata", `{"k":"v"}`},
			`PATCH /api/v2/secrets/s1/versions/current/metadata {"version_custom_metadata":{"k":"v"}}`},
		{[]string{"secret-locks-bulk-create", "--id", "s1", "--locks", `[{"name":"l1"}]`, "--mode", "remove_previous"},
			`POST /api/v2/secrets/s1/locks_bulk?mode=remove_previous {"locks":[{"name":"l1"}]}`},
		{[]string{"secret-version-locks-bulk-delete", "--secret-id", "s1", "--id", "current", "--name", "l1,l2"},
			"DELETE /api/v2/secrets/s1/versions/current/locks_bulk?name=l1%2Cl2"},
		{[]string{"secret-locks", "--id", "s1"}, "GET /api/v2/secrets/s1/locks"},
		{[]string{"secrets-locks", "--search", "l"}, "GET /api/v2/secrets_locks?search=l"},
		{[]string{"secret-group-create", "--name", "g", "--description", "d"}, `POST /api/v2/secret_groups {"name":"g","description":"d"}`},
		{[]string{"secret-group", "--secret-group-id", "default"}, "GET /api/v2/secret_groups/default"},
		{[]string{"configuration-create", "--config-type", "iam_credentials_configuration", "--name", "iam", "--iam-credentials-apikey", "k"},
			`POST /api/v2/configurations {"config_type":"iam_credentials_configuration","name":"iam","api_key":"k"}`},
		{[]string{"configurations", "--secret-types", "private_cert"}, "GET /api/v2/configurations?secret_types=private_cert"},
		{[]string{"configuration", "--name", "iam"}, "GET /api/v2/configurations/iam"},
		{[]string{"notifications-test"}, "GET /api/v2/notifications/registration/test"},
		{[]string{"secret-tasks", "--secret-id", "s1"}, "GET /api/v2/secrets/s1/tasks"},
	}
	for _, tt := range tests {
		f := newFakeSMServer(t, "{}")
		env, _, errb := testEnv(t, "", map[string]string{"COFFER_URL": f.URL, "COFFER_APIKEY": "key"})
		args := append([]string{"sm"}, tt.args...)
		if code := Run(context.Background(), args, env); code != ExitOK {
			t.Errorf("Run(%q) = %d; stderr %s", args, code, errb)
			continue
		}
		if diff := cmp.Diff([]string{tt.want}, f.requests()); diff != "" {
			t.Errorf("Run(%q) requests mismatch (-want +got):\n%s", args, diff)
		}
	}
}

func TestSecretsManagerUsageErrorsBeforeAnyCall(t *testing.T) {
	tests := [][]string{
		{"sm", "secret"},
		{"sm", "secret-create", "--secret-name", "a"},
		{"sm", "secret-create", "--secret-prototype", "{}", "--secret-name", "a"},
		{"sm", "secret-create", "--secret-type", "kv", "--secret-name", "a", "--kv-data", "[1]"},
		{"sm", "secret-create", "--secret-type", "kv", "--secret-name", "a", "--kv-data", "@/nonexistent/file"},
		{"sm", "secret-create", "--secret-type", "arbitrary", "--secret-name", "a", "--secret-expiration-date", "tomorrow"},
		{"sm", "secret-version", "--secret-id", "s1"},
		{"sm", "secret-locks-bulk-create", "--id", "s1"},
		{"sm", "secret-locks-bulk-create", "--id", "s1", "--locks", "{not json"},
		{"sm", "secret-by-name", "--name", "a"},
		{"sm", "configuration-create", "--name", "x"},
		{"sm", "secret", "extra-arg", "--id", "s1"},
	}
	for _, args := range tests {
		env, _, errb := testEnv(t, "", map[string]string{"COFFER_URL": "http://127.0.0.1:1"})
		if code := Run(context.Background(), args, env); code != ExitUsage {
			t.Errorf("Run(%q) = %d, want %d; stderr %q", args, code, ExitUsage, errb)
		}
	}
}

func TestSecretDeleteAsksForConfirmation(t *testing.T) {
	f := newFakeSMServer(t, "{}")
	env, _, errb := testEnv(t, "n\n", map[string]string{"COFFER_URL": f.URL, "COFFER_APIKEY": "key"})
	if code := Run(context.Background(), []string{"sm", "secret-delete", "--id", "s1"}, env); code != ExitOK {
		t.Fatalf("secret-delete answered n = %d; stderr %s", code, errb)
	}
	if reqs := f.requests(); len(reqs) != 0 {
		t.Errorf("secret-delete answered n sent %q, want nothing", reqs)
	}
}
