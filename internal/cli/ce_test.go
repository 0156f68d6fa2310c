package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/cli"
)

func TestCEProjectsAndApps(t *testing.T) {
	s, srv := newSession(t)
	var p api.ComputeProject
	s.json(&p, "ce", "project", "create", "--name", "my-project")
	if p.Name != "my-project" || !strings.Contains(p.CRN, ":codeengine:") {
		t.Fatalf("project create = %+v", p)
	}
	code, _, errs := s.run("", "ce", "app", "create", "--name", "my-app", "--command", "/bin/echo", "--argument", "hi",
		"--env", "GREETING=hello")
	if code != cli.ExitOK {
		t.Fatalf("app create = exit %d: %s", code, errs)
	}
	code, _, errs = s.run("", "ce", "app", "update", "--name", "my-app", "--trusted-profile", "my-app-profile")
	if code != cli.ExitOK || !strings.Contains(errs, "--trusted-profiles-enabled") {
		t.Errorf("app update --trusted-profile = exit %d, stderr %q; want a note naming --trusted-profiles-enabled", code, errs)
	}
	out := s.ok("", "ce", "app", "get", "--name", "my-app", "--output", "json")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("app get --output json printed %q: %v", out, err)
	}
	wantCRN := strings.TrimSuffix(p.CRN, "::") + ":application:my-app"
	if got["crn"] != wantCRN || got["trusted_profiles_enabled"] != true || got["trusted_profile"] != "my-app-profile" {
		t.Errorf("app get = %v, want crn %s with trusted profile my-app-profile", got, wantCRN)
	}
	var c api.ComputeComponent
	s.json(&c, "ce", "app", "update", "--name", "my-app", "--env", "EXTRA=1", "--env-rm", "GREETING",
		"--trusted-profiles-enabled=false")
	if c.TrustedProfilesEnabled || c.Env["EXTRA"] != "1" || c.Env["GREETING"] != "" || len(c.Env) != 1 {
		t.Errorf("app update --env --env-rm --trusted-profiles-enabled=false = %+v", c)
	}
	var list []api.ComputeComponent
	s.json(&list, "ce", "app", "list")
	if len(list) != 1 || list[0].Name != "my-app" {
		t.Errorf("app list = %+v", list)
	}
	s.ok("", "ce", "job", "create", "--name", "nightly", "--command", "/bin/true")
	s.json(&list, "ce", "job", "list")
	if len(list) != 1 || list[0].Type != api.ComponentJob {
		t.Errorf("job list = %+v", list)
	}
	if code, _, _ := s.run("", "ce", "app", "create", "--name", "bad", "--env", "MY_APIKEY=x"); code == cli.ExitOK {
		t.Error("app create with an API key in its env succeeded")
	}
	s.ok("", "ce", "app", "delete", "--name", "my-app", "-f")
	s.ok("", "ce", "project", "create", "--name", "second")
	if out := s.ok("", "ce", "project", "current"); !strings.Contains(out, "second") {
		t.Errorf("project current after create = %q, want second", out)
	}
	s.ok("", "ce", "project", "select", "--name", "my-project")
	var jobs []api.ComputeComponent
	s.json(&jobs, "ce", "job", "list")
	if len(jobs) != 1 {
		t.Errorf("jobs of my-project after select = %+v", jobs)
	}
	s.ok("", "ce", "project", "delete", "--name", "my-project", "-f")
	if code, _, errs := s.run("", "ce", "job", "list"); code != cli.ExitUsage || !strings.Contains(errs, "no project selected") {
		t.Errorf("job list after deleting the selected project = %d, %q", code, errs)
	}
	var ps []api.ComputeProject
	s.json(&ps, "ce", "project", "list")
	if len(ps) != 1 || ps[0].Name != "second" {
		t.Errorf("project list = %+v, want [second]", ps)
	}
	_ = srv
}

// helperChild is the argv of a child that runs TestCEHelperChild in mode.
func helperChild() []string {
	return []string{os.Args[0], "-test.run=^TestCEHelperChild$"}
}

// TestCEHelperChild is not a test: it is the program the runner tests start,
// selected by HELPER_MODE in the app's env.
func TestCEHelperChild(t *testing.T) {
	mode := os.Getenv("HELPER_MODE")
	if mode == "" || os.Getenv("CE_APP") == "" {
		t.Skip("only a child of the runner tests")
	}
	switch mode {
	case "env":
		tok := os.Getenv("CR_TOKEN_FILENAME")
		fi, err := os.Stat(tok)
		b, _ := os.ReadFile(tok)
		json.NewEncoder(os.Stdout).Encode(map[string]any{"env": os.Environ(), "mode": fmt.Sprint(fi.Mode().Perm()),
			"dirmode": dirMode(tok), "token": string(b), "err": fmt.Sprint(err)})
	case "exit":
		os.Exit(42)
	case "signal":
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM)
		os.WriteFile(os.Getenv("HELPER_READY"), []byte("ready"), 0o600)
		select {
		case s := <-ch:
			fmt.Println("got", s)
			os.Exit(7)
		case <-time.After(20 * time.Second):
			os.Exit(1)
		}
	case "watch":
		seen := map[string]bool{}
		for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			b, err := os.ReadFile(os.Getenv("CR_TOKEN_FILENAME"))
			if err != nil || strings.Count(string(b), ".") != 2 {
				fmt.Printf("bad read: %v %q\n", err, b)
				os.Exit(3)
			}
			seen[string(b)] = true
		}
		fmt.Println(len(seen))
	}
	os.Exit(0)
}

func dirMode(path string) string {
	fi, err := os.Stat(filepath.Dir(path))
	if err != nil {
		return err.Error()
	}
	return fmt.Sprint(fi.Mode().Perm())
}

// runnerSession is a logged-in session with a project and an app "my-app"
// with trusted profiles enabled, whose env selects the helper's mode.
func runnerSession(t *testing.T, mode string) *session {
	t.Helper()
	s, _ := newSession(t)
	s.ok("", "ce", "project", "create", "--name", "runner")
	s.ok("", "ce", "app", "create", "--name", "my-app", "--trusted-profile", "my-profile", "--env", "HELPER_MODE="+mode,
		"--env", "PLAIN=value")
	return s
}

func TestCERunEnvironment(t *testing.T) {
	s := runnerSession(t, "env")
	t.Setenv("COFFER_APIKEY", "runner-secret-key")
	t.Setenv("COFFER_TOKEN", "runner-token")
	t.Setenv("IBMCLOUD_API_KEY", "ibm-key")
	t.Setenv("SECRETS_MANAGER_APIKEY", "sm-key")
	t.Setenv("MY_SERVICE_PASSWORD", "pw")
	t.Setenv("IBM_CREDENTIALS_FILE", "/tmp/creds.env")
	t.Setenv("KEEP_ME", "kept")
	code, out, errs := s.run("", append([]string{"ce", "app", "run", "--name", "my-app", "--private-token", "--"}, helperChild()...)...)
	if code != cli.ExitOK {
		t.Fatalf("app run = exit %d: %s", code, errs)
	}
	var res struct {
		Env                       []string
		Mode, DirMode, Token, Err string
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("child printed %q: %v", out, err)
	}
	env := map[string]string{}
	for _, kv := range res.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for _, k := range []string{"COFFER_APIKEY", "COFFER_TOKEN", "IBMCLOUD_API_KEY", "SECRETS_MANAGER_APIKEY",
		"MY_SERVICE_PASSWORD", "IBM_CREDENTIALS_FILE"} {
		if v, ok := env[k]; ok {
			t.Errorf("the child's environment has %s=%s", k, v)
		}
	}
	for _, secret := range []string{"runner-secret-key", "runner-token", "ibm-key", "sm-key"} {
		if strings.Contains(out, secret) {
			t.Errorf("the child saw %q", secret)
		}
	}
	want := map[string]string{"KEEP_ME": "kept", "PLAIN": "value", "IAM_PROFILE_NAME": "my-profile",
		"SECRETS_MANAGER_AUTH_TYPE": "container", "SECRETS_MANAGER_IAM_PROFILE_NAME": "my-profile", "CE_APP": "my-app"}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("child env %s = %q, want %q", k, env[k], v)
		}
	}
	tok := env["CR_TOKEN_FILENAME"]
	if tok == "" || env["SECRETS_MANAGER_CR_TOKEN_FILENAME"] != tok || env["IAM_URL"] == "" || env["SM_SERVICE_URL"] != env["IAM_URL"] {
		t.Errorf("child env: CR_TOKEN_FILENAME %q, IAM_URL %q, SM_SERVICE_URL %q", tok, env["IAM_URL"], env["SM_SERVICE_URL"])
	}
	if res.Mode != "-rw-------" || res.DirMode != "-rwx------" || strings.Count(res.Token, ".") != 2 {
		t.Errorf("token file mode %s in a %s directory, token %d bytes (%s); want 0600 in 0700", res.Mode, res.DirMode,
			len(res.Token), res.Err)
	}
	if _, err := os.Stat(tok); !os.IsNotExist(err) {
		t.Errorf("token file %s after the run: %v, want it removed", tok, err)
	}
}

func TestCERunExitCodeAndNoCommand(t *testing.T) {
	s := runnerSession(t, "exit")
	code, _, errs := s.run("", append([]string{"ce", "app", "run", "--name", "my-app", "--private-token", "--"}, helperChild()...)...)
	if code != 42 || strings.Contains(errs, "FAILED") {
		t.Errorf("app run of a child exiting 42 = exit %d, stderr %q; want 42 without FAILED", code, errs)
	}
	if code, _, errs := s.run("", "ce", "app", "run", "--name", "my-app"); code != cli.ExitUsage {
		t.Errorf("app run without a command = exit %d (%s), want %d", code, errs, cli.ExitUsage)
	}
	s.ok("", "ce", "app", "create", "--name", "off", "--command", "/bin/true")
	code, _, errs = s.run("", "ce", "app", "run", "--name", "off")
	if code == cli.ExitOK || !strings.Contains(errs, "trusted profiles are not enabled") {
		t.Errorf("app run without trusted profiles = exit %d, stderr %q", code, errs)
	}
}

func TestCERunForwardsSignals(t *testing.T) {
	s := runnerSession(t, "signal")
	ready := filepath.Join(t.TempDir(), "ready")
	t.Setenv("HELPER_READY", ready)
	done := make(chan int, 1)
	var out bytes.Buffer
	go func() {
		env := cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &bytes.Buffer{},
			Getenv: func(k string) string { return s.vars[k] }, HomeDir: s.home}
		done <- cli.Run(context.Background(), append([]string{"ce", "app", "run", "--name", "my-app", "--private-token", "--"},
			helperChild()...), env)
	}()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the child never became ready")
		}
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 7 {
			t.Errorf("app run after SIGTERM = exit %d, want the child's 7", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the runner did not end after SIGTERM")
	}
	if !strings.Contains(out.String(), "got terminated") {
		t.Errorf("child output %q, want it to have received SIGTERM", out.String())
	}
}

func TestCERunRefreshesToken(t *testing.T) {
	s := runnerSession(t, "watch")
	code, out, errs := s.run("", append([]string{"ce", "app", "run", "--name", "my-app", "--private-token",
		"--refresh-interval", "700ms", "--"}, helperChild()...)...)
	if code != cli.ExitOK {
		t.Fatalf("app run = exit %d: %s %s", code, out, errs)
	}
	var n int
	if _, err := fmt.Sscan(out, &n); err != nil || n < 3 {
		t.Errorf("the child saw %q distinct tokens in 3 s with a 700 ms refresh, want at least 3", out)
	}
}

func TestCERunDefaultTokenPath(t *testing.T) {
	s := runnerSession(t, "env")
	path := filepath.Join(t.TempDir(), "codeengine", "compute-resource-token", "token")
	cli.SetDefaultCRTokenPath(t, path)
	code, out, errs := s.run("", append([]string{"ce", "app", "run", "--name", "my-app", "--"}, helperChild()...)...)
	if code != cli.ExitOK {
		t.Fatalf("app run = exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "CR_TOKEN_FILENAME="+path) || !strings.Contains(errs, path) {
		t.Errorf("the runner did not use the Code Engine path %s: %s", path, errs)
	}
	if _, err := os.Stat(filepath.Dir(filepath.Dir(path))); !os.IsNotExist(err) {
		t.Errorf("the directories made for the Code Engine path after the run: %v, want removed", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	// A token file already there belongs to someone else: use a private one.
	if err := os.WriteFile(path, []byte("theirs"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = s.run("", append([]string{"ce", "app", "run", "--name", "my-app", "--"}, helperChild()...)...)
	if code != cli.ExitOK || strings.Contains(out, "CR_TOKEN_FILENAME="+path) {
		t.Errorf("app run with the path taken = %d, %s", code, errs)
	}
	if b, _ := os.ReadFile(path); string(b) != "theirs" {
		t.Errorf("the existing token file now holds %q", b)
	}
}
