package cli_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/internal/cli"
)

// smJSON runs coffer --output json secrets-manager ARGS and decodes the
// answer into a generic value, so that any field the API sends is seen.
func (s *session) smJSON(args ...string) map[string]any {
	s.t.Helper()
	out := s.ok("", append([]string{"--output", "json", "secrets-manager"}, args...)...)
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		s.t.Fatalf("coffer sm %s printed %q: %v", strings.Join(args, " "), out, err)
	}
	return v
}

func TestSecretsManagerArbitrarySecretLifecycle(t *testing.T) {
	s, _ := newSession(t)
	created := s.smJSON("secret-create", "--secret-type", "arbitrary", "--secret-name", "db-password",
		"--arbitrary-payload", "s3cr3t", "--secret-labels", "dev,db", "--secret-description", "the database")
	id, _ := created["id"].(string)
	if id == "" || created["payload"] != "s3cr3t" || created["secret_type"] != "arbitrary" {
		t.Fatalf("secret-create = %v, want an arbitrary secret with its payload", created)
	}
	if got := s.smJSON("secret", "--id", id); got["payload"] != "s3cr3t" || got["name"] != "db-password" {
		t.Errorf("secret --id = %v, want payload s3cr3t", got)
	}
	byName := s.smJSON("secret-by-name", "--name", "db-password", "--secret-type", "arbitrary", "--secret-group-name", "default")
	if byName["id"] != id {
		t.Errorf("secret-by-name id = %v, want %s", byName["id"], id)
	}
	list := s.smJSON("secrets", "--search", "db-pass", "--secret-types", "arbitrary")
	if items, _ := list["secrets"].([]any); len(items) != 1 || list["total_count"] != float64(1) {
		t.Errorf("secrets --search = %v, want the one secret", list)
	}
	meta := s.smJSON("secret-metadata-update", "--id", id, "--secret-name", "db-password-2", "--description", "new")
	if meta["name"] != "db-password-2" || meta["description"] != "new" {
		t.Errorf("secret-metadata-update = %v, want the new name and description", meta)
	}
	if _, ok := meta["payload"]; ok {
		t.Errorf("secret-metadata-update = %v, want no payload in metadata", meta)
	}
	table := s.ok("", "sm", "secret", "--id", id)
	if !strings.Contains(table, "s3cr3t") || !strings.Contains(table, "db-password-2") {
		t.Errorf("secret --id table = %q, want the name and the payload", table)
	}
}

func TestSecretsManagerVersionsAndLocks(t *testing.T) {
	s, _ := newSession(t)
	id := s.smJSON("secret-create", "--secret-type", "arbitrary", "--secret-name", "rotated", "--arbitrary-payload", "v1")["id"].(string)
	if v := s.smJSON("secret-version-create", "--secret-id", id, "--arbitrary-payload", "v2"); v["payload"] != "v2" {
		t.Errorf("secret-version-create = %v, want payload v2", v)
	}
	versions := s.smJSON("secret-versions", "--secret-id", id)
	if versions["total_count"] != float64(2) {
		t.Errorf("secret-versions = %v, want 2 versions", versions)
	}
	if prev := s.smJSON("secret-version", "--secret-id", id, "--id", "previous"); prev["payload"] != "v1" {
		t.Errorf("secret-version previous = %v, want payload v1", prev)
	}
	locks := s.smJSON("secret-locks-bulk-create", "--id", id, "--locks", `[{"name":"app-1","description":"used by app 1"}]`)
	if locks["secret_id"] != id {
		t.Errorf("secret-locks-bulk-create = %v, want the secret's locks", locks)
	}
	if l := s.smJSON("secret-locks", "--id", id); l["total_count"] != float64(1) {
		t.Errorf("secret-locks = %v, want one lock", l)
	}
	if code, _, errs := s.run("", "sm", "secret-delete", "--id", id, "-f"); code == cli.ExitOK {
		t.Errorf("secret-delete of a locked secret succeeded, want a failure; stderr %q", errs)
	}
	s.smJSON("secret-locks-bulk-delete", "--id", id, "--name", "app-1")
	s.ok("", "sm", "secret-delete", "--id", id, "-f")
	if code, _, _ := s.run("", "sm", "secret", "--id", id); code != cli.ExitNotFound {
		t.Errorf("secret after delete = exit %d, want %d", code, cli.ExitNotFound)
	}
}

func TestSecretsManagerGroupsAndKV(t *testing.T) {
	s, _ := newSession(t)
	g := s.smJSON("secret-group-create", "--name", "team-a", "--description", "Team A")
	gid, _ := g["id"].(string)
	if gid == "" || g["name"] != "team-a" {
		t.Fatalf("secret-group-create = %v", g)
	}
	groups := s.smJSON("secret-groups")
	var names []string
	for _, x := range groups["secret_groups"].([]any) {
		names = append(names, x.(map[string]any)["name"].(string))
	}
	if !slices.Contains(names, "team-a") || !slices.Contains(names, "default") {
		t.Errorf("secret-groups names = %v, want default and team-a", names)
	}
	kv := s.smJSON("secret-create", "--secret-type", "kv", "--secret-name", "cfg", "--secret-group-id", gid,
		"--kv-data", `{"host":"db","port":5432}`)
	want := map[string]any{"host": "db", "port": float64(5432)}
	if diff := cmp.Diff(want, kv["data"]); diff != "" {
		t.Errorf("kv secret data mismatch (-want +got):\n%s", diff)
	}
	if code, _, _ := s.run("", "sm", "secret-group-delete", "--id", gid, "-f"); code == cli.ExitOK {
		t.Errorf("secret-group-delete of a non-empty group succeeded, want a failure")
	}
}

func TestSecretsManagerInstanceFromServiceURL(t *testing.T) {
	s, srv := newSession(t)
	s.vars["SM_SERVICE_URL"] = srv.URL + "/instances/00000000-0000-4000-8000-000000000000"
	if code, _, errs := s.run("", "sm", "secrets"); code != cli.ExitNotFound {
		t.Errorf("secrets on an unknown instance = exit %d, want %d; stderr %q", code, cli.ExitNotFound, errs)
	}
}
