package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/cli"
	"github.com/cofferhq/coffer/internal/servertest"
)

// session runs coffer commands against one server with one home directory.
type session struct {
	t    *testing.T
	home string
	vars map[string]string
}

func newSession(t *testing.T) (*session, *servertest.Server) {
	t.Helper()
	srv := servertest.New(t)
	s := &session{t: t, home: t.TempDir(), vars: map[string]string{}}
	s.ok("", "login", "--apikey", srv.APIKey, "-a", srv.URL)
	return s, srv
}

// run runs coffer with args and stdin; it returns the exit code and output.
func (s *session) run(stdin string, args ...string) (int, string, string) {
	s.t.Helper()
	var out, errb bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return s.vars[k] }, HomeDir: s.home}
	code := cli.Run(context.Background(), args, env)
	return code, out.String(), errb.String()
}

// ok runs coffer and fails the test unless it succeeds; it returns stdout.
func (s *session) ok(stdin string, args ...string) string {
	s.t.Helper()
	code, out, errs := s.run(stdin, args...)
	if code != cli.ExitOK {
		s.t.Fatalf("coffer %s = exit %d; stderr:\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

// json runs coffer --output json and decodes stdout into v.
func (s *session) json(v any, args ...string) {
	s.t.Helper()
	out := s.ok("", append([]string{"--output", "json"}, args...)...)
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.t.Fatalf("coffer %s printed %q: %v", strings.Join(args, " "), out, err)
	}
}

func TestLoginStoresSession(t *testing.T) {
	s, srv := newSession(t)
	fi, err := os.Stat(filepath.Join(s.home, ".coffer", "config.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config file mode = %v, %v, want 0600", fi, err)
	}
	var tgt struct {
		URL       string `json:"url"`
		AccountID string `json:"account_id"`
		IAMID     string `json:"iam_id"`
		LoggedIn  bool   `json:"logged_in"`
	}
	s.json(&tgt, "target")
	if tgt.URL != srv.URL || !tgt.LoggedIn || tgt.AccountID == "" || tgt.IAMID == "" {
		t.Errorf("target = %+v, want logged in at %s", tgt, srv.URL)
	}
	code, _, errs := s.run("", "login", "--apikey", "wrong-key-0123456789", "-a", srv.URL)
	if code == cli.ExitOK || strings.Contains(errs, "wrong-key-0123456789") {
		t.Errorf("login with a wrong key = %d, stderr %q; want a failure that does not show the key", code, errs)
	}
}

func TestServiceIDAndKeys(t *testing.T) {
	s, srv := newSession(t)
	var sid api.ServiceID
	s.json(&sid, "iam", "service-id-create", "app-reader", "-d", "reads secrets")
	if !strings.HasPrefix(sid.ID, "ServiceId-") || sid.Description != "reads secrets" {
		t.Fatalf("service-id-create = %+v", sid)
	}
	var list []api.ServiceID
	s.json(&list, "iam", "service-ids")
	if len(list) != 1 || list[0].ID != sid.ID {
		t.Errorf("service-ids = %+v, want [%s]", list, sid.ID)
	}
	file := filepath.Join(t.TempDir(), "key.json")
	s.ok("", "iam", "service-api-key-create", "k1", "app-reader", "--file", file)
	var key api.APIKey
	b, _ := os.ReadFile(file)
	if json.Unmarshal(b, &key); key.APIKey == "" || key.IAMID != sid.IAMID {
		t.Errorf("saved key = %+v, want a value for %s", key, sid.IAMID)
	}
	var keys []api.APIKey
	s.json(&keys, "iam", "service-api-keys", "app-reader")
	if len(keys) != 1 || keys[0].APIKey != "" {
		t.Errorf("service-api-keys = %+v, want one key without its value", keys)
	}
	// The service ID's key logs in too.
	other := &session{t: t, home: t.TempDir(), vars: map[string]string{}}
	other.ok("", "login", "--apikey", "@"+file, "-a", srv.URL)
	if code, _, _ := s.run("n\n", "iam", "service-id-delete", "app-reader"); code != cli.ExitOK {
		t.Errorf("service-id-delete answered n = exit %d, want 0 (cancelled)", code)
	}
	s.json(&list, "iam", "service-ids")
	if len(list) != 1 {
		t.Errorf("service IDs after a cancelled delete = %d, want 1", len(list))
	}
	s.ok("y\n", "iam", "service-id-delete", "app-reader")
	s.json(&list, "iam", "service-ids")
	if len(list) != 0 {
		t.Errorf("service IDs after delete = %+v, want none", list)
	}
}

func TestTrustedProfileTutorialFlow(t *testing.T) {
	s, _ := newSession(t)
	var p api.TrustedProfile
	s.json(&p, "iam", "trusted-profile-create", "app-profile", "--description", "for my app")
	if p.Description != "for my app" || !strings.HasPrefix(p.ID, "Profile-") {
		t.Fatalf("trusted-profile-create = %+v", p)
	}
	app := "crn:v1:coffer:public:codeengine:eu-de:a/" + p.AccountID + ":proj-1:application:my-app"
	code, _, errs := s.run("", "iam", "trusted-profile-compute-resource-add", "app-profile",
		"--compute-resource", app, "--compute-resource-type", "code_engine")
	if code != cli.ExitOK {
		t.Fatalf("trusted-profile-compute-resource-add = %d; stderr %s", code, errs)
	}
	if !strings.Contains(errs, "coffer iam trusted-profile-link-create app-profile") {
		t.Errorf("stderr %q does not name the canonical command", errs)
	}
	var links []api.ProfileLink
	s.json(&links, "iam", "trusted-profile-links", "app-profile")
	want := api.ProfileLinkLink{CRN: "crn:v1:coffer:public:codeengine:eu-de:a/" + p.AccountID + ":proj-1::", ComponentType: "application", ComponentName: "my-app"}
	if len(links) != 1 || links[0].CRType != "CE" || cmp.Diff(want, links[0].Link) != "" {
		t.Errorf("links = %+v, want one CE link %+v", links, want)
	}
	var rule api.ProfileClaimRule
	s.json(&rule, "iam", "trusted-profile-rule-create", "app-profile", "--name", "r", "--type", "Profile-CR",
		"--cr-type", "CE", "--conditions", "claim:project_name,operator:EQUALS,value:myproj")
	if len(rule.Conditions) != 1 || rule.Conditions[0].Value != `"myproj"` {
		t.Errorf("rule = %+v, want value \"\\\"myproj\\\"\"", rule)
	}
	s.ok("", "iam", "trusted-profile-rule-delete", "app-profile", rule.ID, "-f")
	s.ok("", "iam", "trusted-profile-link-delete", "app-profile", links[0].ID, "-f")
	s.ok("", "iam", "trusted-profile-delete", p.ID, "-f")
}

func TestUsers(t *testing.T) {
	s, _ := newSession(t)
	var u api.User
	s.json(&u, "iam", "user-create", "alice", "--email", "alice@example.com")
	var users []api.User
	s.json(&users, "iam", "users")
	found := false
	for _, x := range users {
		found = found || x.IAMID == u.IAMID
	}
	if !found {
		t.Errorf("users = %+v, want alice", users)
	}
	s.ok("", "iam", "user-delete", "alice", "-f")
}
