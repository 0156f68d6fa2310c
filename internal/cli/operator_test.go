package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/cli"
	"github.com/cofferhq/coffer/internal/server"
	"github.com/cofferhq/coffer/internal/servertest"
)

// run executes the CLI with args and the given variables, in an empty home.
func runCLI(t *testing.T, vars map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return vars[k] }, HomeDir: t.TempDir()}
	code = cli.Run(context.Background(), args, env)
	return code, out.String(), errOut.String()
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, nil, "", "version", "--output", "json")
	var v api.Version
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.Version == "" || v.GoVersion == "" {
		t.Errorf("coffer version --output json = %d %q", code, out)
	}
}

func TestServerHelpListsSettings(t *testing.T) {
	code, _, errOut := runCLI(t, nil, "", "server", "--help")
	if code != 0 {
		t.Fatalf("coffer server --help exit %d", code)
	}
	for _, want := range []string{"--listen", "COFFER_LISTEN", "--data-dir", "--storage", "--tls-cert", "--insecure-http", "COFFER_MASTER_KEY"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("coffer server --help lacks %s", want)
		}
	}
	if code, _, errOut := runCLI(t, nil, "", "server", "--listen", "0.0.0.0:1"); code == 0 || !strings.Contains(errOut, "plain HTTP") {
		t.Errorf("coffer server on a public address without TLS = %d %q", code, errOut)
	}
}

func TestOperatorCommands(t *testing.T) {
	srv := servertest.New(t)
	vars := map[string]string{"COFFER_URL": srv.URL, "COFFER_APIKEY": srv.APIKey}
	code, out, errOut := runCLI(t, vars, "", "operator", "seal-status")
	if code != 0 || !strings.Contains(out, "Sealed:       false") || !strings.Contains(out, "keyfile") {
		t.Errorf("operator seal-status = %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, vars, "", "operator", "rotate-root-key", "--output", "json")
	var rot api.RootKeyRotation
	if code != 0 || json.Unmarshal([]byte(out), &rot) != nil || rot.RootKeyID == "" {
		t.Errorf("operator rotate-root-key = %d %q %q", code, out, errOut)
	}
	code, _, errOut = runCLI(t, vars, "", "operator", "unseal", "coffer-share-v1-abc")
	if code == 0 || !strings.Contains(errOut, "FAILED") || !strings.Contains(errOut, "Shamir") {
		t.Errorf("operator unseal on a key-file server = %d %q", code, errOut)
	}
	code, _, errOut = runCLI(t, map[string]string{"COFFER_URL": srv.URL}, "", "operator", "rotate-root-key")
	if code != cli.ExitAuth {
		t.Errorf("rotate-root-key without a credential: exit %d (%q), want %d", code, errOut, cli.ExitAuth)
	}
	if code, _, _ := runCLI(t, vars, "", "operator", "init", "--shares", "nope"); code != cli.ExitUsage {
		t.Errorf("a malformed flag: exit %d, want %d", code, cli.ExitUsage)
	}
}

// A sealed server answers seal-status, init and unseal without a credential;
// the CLI must not try to get a token first, even when it has an API key.
func TestUnsealWithCredentialsInTheEnvironment(t *testing.T) {
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) { c.Seal = "shamir" }))
	vars := map[string]string{"COFFER_URL": srv.URL, "COFFER_APIKEY": srv.APIKey}
	code, out, errOut := runCLI(t, vars, "", "operator", "init", "--shares", "3", "--threshold", "2", "--output", "json")
	var res api.InitResponse
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res.Shares) != 3 {
		t.Fatalf("operator init = %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, vars, "", "operator", "seal"); code != 0 {
		t.Fatalf("operator seal = %d %q", code, errOut)
	}
	if code, out, errOut := runCLI(t, vars, "", "operator", "seal-status"); code != 0 || !strings.Contains(out, "Sealed:       true") {
		t.Errorf("operator seal-status while sealed = %d %q %q", code, out, errOut)
	}
	for i, share := range res.Shares[:2] {
		code, out, errOut := runCLI(t, vars, share+"\n", "operator", "unseal")
		if code != 0 {
			t.Fatalf("operator unseal (share %d from stdin) = %d %q", i+1, code, errOut)
		}
		if want := i == 0; strings.Contains(out, "Sealed:       true") != want {
			t.Errorf("after share %d: %q", i+1, out)
		}
	}
}
