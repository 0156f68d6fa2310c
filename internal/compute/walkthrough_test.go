package compute_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/cli"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/servertest"
	"github.com/cofferhq/coffer/internal/store"
)

// The walkthrough of issue 6, from a widely copied tutorial, with coffer in
// place of ibmcloud, through the CLI (cli.Run in process, HOME in a
// temporary directory) against a real server; the app is a Go program using
// IBM's go-sdk-core ContainerAuthenticator and the Secrets Manager SDK
// v2.0.11, then a Node.js program using ibm-cloud-sdk-core, each started by
// `coffer ce app run` with no API key in its environment.

// cliSession runs coffer commands with one home directory.
type cliSession struct {
	t    *testing.T
	home string
}

func (s *cliSession) run(args ...string) (int, string, string) {
	s.t.Helper()
	var out, errb bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, HomeDir: s.home}
	code := cli.Run(context.Background(), args, env)
	return code, out.String(), errb.String()
}

// ok runs coffer and fails the test unless it succeeds; it returns stdout.
func (s *cliSession) ok(args ...string) string {
	s.t.Helper()
	code, out, errs := s.run(args...)
	if code != cli.ExitOK {
		s.t.Fatalf("coffer %s = exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// field runs coffer --output json and returns the string field name of its answer.
func (s *cliSession) field(name string, args ...string) string {
	s.t.Helper()
	out := s.ok(append(args, "--output", "json")...)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		s.t.Fatalf("coffer %s printed %q: %v", strings.Join(args, " "), out, err)
	}
	v, _ := m[name].(string)
	if v == "" {
		s.t.Fatalf("coffer %s: no %s in %s", strings.Join(args, " "), name, out)
	}
	return v
}

// walkthrough is the state after the tutorial's steps 1 to 7 and a secret.
type walkthrough struct {
	srv      *servertest.Server
	s        *cliSession
	guid     string // the my-sm instance
	crn      string // my-app's CRN
	secretID string
}

const payload = "s3cr3t-payload-42"

func newWalkthrough(t *testing.T) *walkthrough {
	t.Helper()
	w := &walkthrough{srv: servertest.New(t), s: &cliSession{t: t, home: t.TempDir()}}
	s := w.s
	s.ok("login", "--apikey", w.srv.APIKey, "-a", w.srv.URL)
	w.guid = s.field("guid", "resource", "service-instance-create", "my-sm", "secrets-manager", "standard", "us-south")
	s.ok("iam", "trusted-profile-create", "my-app-profile", "--description", "Profile for my Code Engine app")
	s.ok("ce", "project", "create", "--name", "my-project")
	s.ok("ce", "app", "create", "--name", "my-app", "--image", "icr.io/codeengine/helloworld")
	s.ok("ce", "app", "update", "--name", "my-app", "--trusted-profile", "my-app-profile")
	w.crn = s.field("crn", "ce", "app", "get", "--name", "my-app")
	s.ok("iam", "trusted-profile-compute-resource-add", "my-app-profile", "--compute-resource", w.crn,
		"--compute-resource-type", "code_engine")
	s.ok("iam", "trusted-profile-policy-create", "my-app-profile", "--roles", "SecretsReader",
		"--service-name", "secrets-manager", "--service-instance", w.guid)
	w.secretID = s.field("id", "secrets-manager", "secret-create", "--instance-id", w.guid,
		"--secret-type", "arbitrary", "--secret-name", "db-password", "--arbitrary-payload", payload)
	t.Setenv("COFFER_APIKEY", "must-not-reach-the-app") // the runner's own credential, scrubbed
	return w
}

// runApp runs `coffer ce app run --name app --instance-id GUID -- argv`.
func (w *walkthrough) runApp(app string, argv ...string) (int, string, string) {
	w.s.t.Helper()
	return w.s.run(append([]string{"ce", "app", "run", "--name", app, "--instance-id", w.guid, "--private-token", "--"}, argv...)...)
}

// goApp builds testdata/goapp once per test into a temporary directory.
func goApp(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "goapp")
	cmd := exec.Command("go", "build", "-o", bin, "./testdata/goapp")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./testdata/goapp: %v\n%s", err, out)
	}
	return bin
}

func TestWalkthroughGo(t *testing.T) {
	w := newWalkthrough(t)
	bin := goApp(t)
	code, out, errs := w.runApp("my-app", bin, w.secretID)
	if code != cli.ExitOK || strings.TrimSpace(out) != payload {
		t.Fatalf("coffer ce app run -- goapp = exit %d, stdout %q, want %q\nstderr: %s", code, out, payload, errs)
	}
	t.Run("AnotherApp", func(t *testing.T) {
		// A token of another app of the project matches no link of the profile.
		w.s.ok("ce", "app", "create", "--name", "other-app", "--trusted-profile", "my-app-profile")
		code, out, errs := w.runApp("other-app", bin, w.secretID)
		if code == cli.ExitOK || strings.Contains(out, payload) || !strings.Contains(errs, "Selected trusted profile not eligible") {
			t.Errorf("other-app = exit %d, stdout %q, stderr %q; want BXNIM0398E", code, out, errs)
		}
	})
	t.Run("CallerWithoutPermission", func(t *testing.T) {
		key := serviceIDKey(t, w)
		other := &cliSession{t: t, home: t.TempDir()}
		other.ok("login", "--apikey", key, "-a", w.srv.URL)
		code, out, errs := other.run("ce", "app", "run", "--project", "my-project", "--name", "my-app",
			"--private-token", "--", bin, w.secretID)
		if code == cli.ExitOK || strings.Contains(out, payload) {
			t.Errorf("run by a service ID without access = exit %d, stdout %q, stderr %q; want refused", code, out, errs)
		}
	})
	t.Run("TokenExchangeRefusals", func(t *testing.T) { testExchangeRefusals(t, w) })
}

func TestWalkthroughNode(t *testing.T) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("Node walkthrough skipped: node is not installed")
	}
	_, file, _, _ := runtime.Caller(0)
	modules := filepath.Join(filepath.Dir(file), "..", "..", "test", "node", "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "ibm-cloud-sdk-core")); err != nil {
		t.Skip("Node walkthrough skipped: test/node/node_modules is missing; run `npm ci` in test/node")
	}
	w := newWalkthrough(t)
	t.Setenv("NODE_PATH", modules)
	code, out, errs := w.runApp("my-app", nodeBin, filepath.Join("testdata", "nodeapp", "app.js"), w.secretID)
	if code != cli.ExitOK || strings.TrimSpace(out) != payload {
		t.Fatalf("coffer ce app run -- node app.js = exit %d, stdout %q, want %q\nstderr: %s", code, out, payload, errs)
	}
}

// serviceIDKey creates a service ID with no access and returns an API key of it.
func serviceIDKey(t *testing.T, w *walkthrough) string {
	t.Helper()
	sid, err := w.srv.Client.CreateServiceID(context.Background(), api.CreateServiceIDRequest{
		AccountID: w.srv.Bootstrap().AccountID, Name: "no-access", APIKey: &api.CreateServiceIDAPIKey{Name: "k"}},
		client.CreateOptions{})
	if err != nil || sid.APIKey == nil {
		t.Fatalf("CreateServiceID: %+v, %v", sid, err)
	}
	return sid.APIKey.APIKey.Reveal()
}

// exchange posts a cr-token grant and returns the error (nil: a token).
func exchange(w *walkthrough, crToken string, form url.Values) error {
	form.Set("grant_type", api.GrantCRToken)
	form.Set("cr_token", crToken)
	_, err := client.New(client.Config{URL: w.srv.URL}).RequestToken(context.Background(), form)
	return err
}

// wantIAMError fails unless err is IBM's token error code.
func wantIAMError(t *testing.T, what string, err error, code string) {
	t.Helper()
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Code != code {
		t.Errorf("%s = %v, want IBM's %s", what, err, code)
	}
}

func testExchangeRefusals(t *testing.T, w *walkthrough) {
	ctx := context.Background()
	c := w.srv.Client
	tok, err := c.MintCRToken(ctx, "my-project", api.ComponentApplication, "my-app", api.MintCRTokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if err := exchange(w, tok.Token.Reveal(), url.Values{"profile_name": {"my-app-profile"}}); err != nil {
		t.Fatalf("the walkthrough's own exchange: %v", err)
	}
	// A profile with neither link nor rule.
	if _, err := c.CreateProfile(ctx, api.CreateProfileRequest{Name: "lonely", AccountID: w.srv.Bootstrap().AccountID}); err != nil {
		t.Fatal(err)
	}
	wantIAMError(t, "profile without a link", exchange(w, tok.Token.Reveal(), url.Values{"profile_name": {"lonely"}}), "BXNIM0398E")
	// Another account's profile, linked to the same CRN.
	acct, err := c.CreateAccount(ctx, api.CreateAccountRequest{Name: "other", AdminName: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	oc := client.New(client.Config{URL: w.srv.URL, APIKey: acct.APIKey.APIKey.Sensitive()})
	prof, err := oc.CreateProfile(ctx, api.CreateProfileRequest{Name: "my-app-profile", AccountID: acct.Account.ID})
	if err != nil {
		t.Fatal(err)
	}
	wantIAMError(t, "another account's profile", exchange(w, tok.Token.Reveal(), url.Values{"profile_id": {prof.ID}}), "BXNIM0398E")
	// An expired token, minted by a second node whose clock is two hours behind.
	expired := mintWithClock(t, w, time.Now().Add(-2*time.Hour))
	wantIAMError(t, "expired CR token", exchange(w, expired, url.Values{"profile_name": {"my-app-profile"}}), "BXNIM0407E")
}

// mintWithClock mints a CR token of my-app with an identity service on the
// server's database whose clock reads now.
func mintWithClock(t *testing.T, w *walkthrough, now time.Time) string {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{URL: "sqlite:" + filepath.Join(w.srv.DataDir, "coffer.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys, err := kms.NewKeys(kms.KeysConfig{Provider: kms.NewKeyFile(filepath.Join(w.srv.DataDir, "root.key")), Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Start(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := identity.New(identity.Config{Store: st, Keys: keys, PublicURL: w.srv.URL, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	proj, err := w.srv.Client.ComputeProject(ctx, "my-project")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := svc.MintCRToken(ctx, w.srv.Bootstrap().AccountID, identity.CRClaims{ProjectID: proj.ID,
		ProjectName: proj.Name, ComponentType: "application", ComponentName: "my-app", Region: proj.Region}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return tok.Reveal()
}
