package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testEnv is an Env with buffers, a temporary home and the given variables.
func testEnv(tb testing.TB, stdin string, vars map[string]string) (Env, *bytes.Buffer, *bytes.Buffer) {
	tb.Helper()
	var out, errb bytes.Buffer
	return Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return vars[k] }, HomeDir: tb.TempDir()}, &out, &errb
}

func TestLoginUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		vars map[string]string
	}{
		{"no endpoint", []string{"login", "--apikey", "k"}, nil},
		{"no key", []string{"login", "-a", "http://127.0.0.1:1"}, nil},
		{"missing key file", []string{"login", "-a", "http://127.0.0.1:1", "--apikey", "@/nonexistent/file"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, errb := testEnv(t, "", tt.vars)
			if code := Run(context.Background(), tt.args, env); code != ExitUsage {
				t.Errorf("Run(%q) = %d, want %d; stderr %q", tt.args, code, ExitUsage, errb)
			}
		})
	}
}

func TestReadAPIKey(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "key.txt")
	os.WriteFile(plain, []byte("  from-file\n"), 0o600)
	jsonFile := filepath.Join(dir, "key.json")
	os.WriteFile(jsonFile, []byte(`{"name":"k","apikey":"from-json"}`), 0o600)
	tests := []struct{ arg, env, want string }{
		{"direct", "", "direct"},
		{"@" + plain, "", "from-file"},
		{"@" + jsonFile, "", "from-json"},
		{"", "from-env", "from-env"},
		{"flag-wins", "from-env", "flag-wins"},
	}
	for _, tt := range tests {
		env, _, _ := testEnv(t, "", map[string]string{"COFFER_APIKEY": tt.env})
		a := &app{env: env}
		got, err := a.readAPIKey(tt.arg)
		if err != nil || got.Reveal() != tt.want {
			t.Errorf("readAPIKey(%q) = %q, %v, want %q", tt.arg, got.Reveal(), err, tt.want)
		}
	}
}

func TestTokenIdentity(t *testing.T) {
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"iam_id":"iam-ServiceId-1","account":{"bss":"acct1"}}`))
	iam, acct := tokenIdentity("h." + payload + ".s")
	if iam != "iam-ServiceId-1" || acct != "acct1" {
		t.Errorf("tokenIdentity() = %q, %q, want iam-ServiceId-1, acct1", iam, acct)
	}
	for _, bad := range []string{"", "opaque", "a.!!!.c", "a." + base64.RawURLEncoding.EncodeToString([]byte("[]")) + ".c"} {
		if iam, acct := tokenIdentity(bad); iam != "" || acct != "" {
			t.Errorf("tokenIdentity(%q) = %q, %q, want empty", bad, iam, acct)
		}
	}
}

// TestSessionOnlyForItsEndpoint checks that the stored credentials go to
// the endpoint they were issued by and never to an --url override.
func TestSessionOnlyForItsEndpoint(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Authorization"))
		w.Write([]byte(`{"type":"dev","sealed":false}`))
	}))
	defer srv.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, "other:"+r.Header.Get("Authorization"))
		w.Write([]byte(`{"type":"dev","sealed":false}`))
	}))
	defer other.Close()
	env, _, errb := testEnv(t, "", nil)
	saveSession(env.HomeDir, &session{URL: srv.URL, APIKey: "k", AccessToken: "stored-token",
		Expiration: time.Now().Add(time.Hour).Unix()})
	for _, args := range [][]string{{"operator", "rotate-root-key"}, {"--url", other.URL, "operator", "rotate-root-key"}} {
		if code := Run(context.Background(), args, env); code != ExitOK {
			t.Fatalf("Run(%q) = %d; stderr %q", args, code, errb)
		}
	}
	want := []string{"Bearer stored-token", "other:"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Authorization headers = %q, want %q", got, want)
	}
}

func TestTargetAndLogout(t *testing.T) {
	env, out, errb := testEnv(t, "", nil)
	saveSession(env.HomeDir, &session{URL: "http://h:1", APIKey: "k", AccessToken: "t", AccountID: "acct1", IAMID: "iam-1"})
	if code := Run(context.Background(), []string{"target", "--output", "json"}, env); code != ExitOK {
		t.Fatalf("target = %d; stderr %q", code, errb)
	}
	want := "{\n  \"url\": \"http://h:1\",\n  \"account_id\": \"acct1\",\n  \"iam_id\": \"iam-1\",\n  \"logged_in\": true\n}\n"
	if out.String() != want {
		t.Errorf("target --output json = %q, want %q", out, want)
	}
	if code := Run(context.Background(), []string{"logout"}, env); code != ExitOK {
		t.Fatalf("logout = %d; stderr %q", code, errb)
	}
	s, _ := loadSession(env.HomeDir)
	if s.loggedIn() || s.URL != "http://h:1" || s.AccountID != "" {
		t.Errorf("session after logout = %+v, want only the URL", s)
	}
	out.Reset()
	Run(context.Background(), []string{"target"}, env)
	if !strings.Contains(out.String(), "http://h:1") || !strings.Contains(out.String(), "not logged in") {
		t.Errorf("target after logout = %q, want the URL and 'not logged in'", out)
	}
}

func TestHelpListsCommands(t *testing.T) {
	env, out, _ := testEnv(t, "", nil)
	Run(context.Background(), []string{"--help"}, env)
	for _, cmd := range []string{"completion", "login", "logout", "target", "iam", "account-create", "accounts"} {
		if !strings.Contains(out.String(), "  "+cmd+" ") {
			t.Errorf("coffer --help does not list %q:\n%s", cmd, out)
		}
	}
	out.Reset()
	if code := Run(context.Background(), []string{"completion", "bash"}, env); code != ExitOK || !strings.Contains(out.String(), "bash completion") {
		t.Errorf("completion bash = %d, output starts %.80q", code, out)
	}
}
