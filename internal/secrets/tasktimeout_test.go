package secrets_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/secrets"
	"github.com/cofferhq/coffer/internal/servertest"
)

// An external provider that never answers: once a task has waited longer
// than its configuration's task_timeout, the next pass answers it failed
// (code task_timeout) and the secret names it in last_failed_task_id; a
// task within its timeout, and one answered meanwhile, are left alone.
func TestTaskTimeout(t *testing.T) {
	ts := servertest.New(t)
	ctx := context.Background()
	sm := ts.Client.SecretsManager("")
	for name, timeout := range map[string]string{"short": "5m", "long": "2h"} {
		if _, err := sm.CreateConfiguration(ctx, api.ConfigurationPrototype{ConfigType: "custom_credentials_configuration",
			Name: name, TaskTimeout: timeout, CodeEngine: &api.CodeEngine{JobName: "job", ProjectID: "project", Region: "us-south"}}); err != nil {
			t.Fatalf("CreateConfiguration(%s): %v", name, err)
		}
	}
	short := newCustomSecret(t, sm, "sa", "short")
	long := newCustomSecret(t, sm, "sb", "long")
	answered := newCustomSecret(t, sm, "sc", "short")

	if err := ts.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{short, long, answered} {
		if tk := onlyTask(t, sm, id); tk.Status != api.TaskStatusQueued {
			t.Fatalf("task of %s right after creation = %s, want queued", id, tk.Status)
		}
	}

	ageTasks(t, ts, 6*time.Minute)
	updater := client.New(client.Config{URL: ts.URL, APIKey: api.Sensitive(taskUpdaterKey(t, ts))}).SecretsManager("")
	if _, err := updater.ReplaceSecretTask(ctx, answered, onlyTask(t, sm, answered).ID, api.SecretTaskPrototype{
		Status: "credentials_created", Credentials: &api.NewCredentials{ID: "u1", Payload: api.SecretJSON(`{"u":"1"}`)}}); err != nil {
		t.Fatalf("ReplaceSecretTask: %v", err)
	}
	if err := ts.Sweep(ctx); err != nil {
		t.Fatal(err)
	}

	tk := onlyTask(t, sm, short)
	if tk.Status != api.TaskStatusFailed || len(tk.Errors) != 1 || tk.Errors[0].Code != secrets.TaskTimeoutCode ||
		tk.UpdatedBy != secrets.SystemIAMID {
		t.Errorf("task past its 5m task_timeout = %+v; want failed with code %s by %s", tk, secrets.TaskTimeoutCode, secrets.SystemIAMID)
	}
	if m, err := sm.SecretMetadata(ctx, short); err != nil || m.LastFailedTaskID != tk.ID {
		t.Errorf("last_failed_task_id = %q, %v; want %s", m.LastFailedTaskID, err, tk.ID)
	}
	if tk := onlyTask(t, sm, long); tk.Status != api.TaskStatusQueued {
		t.Errorf("task within its 2h task_timeout = %s, want still queued", tk.Status)
	}
	if tk := onlyTask(t, sm, answered); tk.Status != api.TaskStatusCredentialsCreated {
		t.Errorf("answered task = %s, want credentials_created", tk.Status)
	}
	// A provider's late answer is refused: the task is finished.
	_, err := updater.ReplaceSecretTask(ctx, short, tk.ID, api.SecretTaskPrototype{Status: "credentials_created",
		Credentials: &api.NewCredentials{ID: "u2", Payload: api.SecretJSON(`{"u":"2"}`)}})
	if api.KindOf(err) != api.ErrFailedPrecondition {
		t.Errorf("answer after the timeout = %v; want a failed precondition", err)
	}
}

// TestTaskTimeoutValidated: task_timeout is seconds or a duration from 5
// minutes to 24 hours, on create and on patch.
func TestTaskTimeoutValidated(t *testing.T) {
	ts := servertest.New(t)
	ctx := context.Background()
	sm := ts.Client.SecretsManager("")
	ce := &api.CodeEngine{JobName: "job", ProjectID: "project", Region: "us-south"}
	for _, bad := range []string{"1m", "299", "25h", "soon", "-10m"} {
		_, err := sm.CreateConfiguration(ctx, api.ConfigurationPrototype{ConfigType: "custom_credentials_configuration",
			Name: "bad", TaskTimeout: bad, CodeEngine: ce})
		if api.KindOf(err) != api.ErrInvalid {
			t.Errorf("task_timeout %q: %v; want invalid", bad, err)
		}
	}
	for i, good := range []string{"300", "10m", "24h"} {
		c, err := sm.CreateConfiguration(ctx, api.ConfigurationPrototype{ConfigType: "custom_credentials_configuration",
			Name: "good-" + string(rune('a'+i)), TaskTimeout: good, CodeEngine: ce})
		if err != nil || c.TaskTimeout != good {
			t.Errorf("task_timeout %q: %+v, %v; want it accepted and returned as given", good, c, err)
		}
	}
	_, err := sm.UpdateConfiguration(ctx, "good-a", "custom_credentials_configuration", api.ConfigurationPatch{TaskTimeout: "48h"})
	if api.KindOf(err) != api.ErrInvalid {
		t.Errorf("patching task_timeout to 48h: %v; want invalid", err)
	}
}

func newCustomSecret(t *testing.T, sm *client.SecretsClient, name, config string) string {
	t.Helper()
	s, err := sm.CreateSecret(context.Background(), api.SecretPrototype{SecretType: "custom_credentials", Name: name, Configuration: config})
	if err != nil {
		t.Fatalf("CreateSecret(%s): %v", name, err)
	}
	return s.ID
}

// ageTasks moves every task's creation back by d, behind the server's back
// (tasks are not cached).
func ageTasks(t *testing.T, ts *servertest.Server, d time.Duration) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(ts.DataDir, "coffer.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE secret_tasks SET created_at = created_at - ?`, d.Microseconds()); err != nil {
		t.Fatalf("ageing tasks: %v", err)
	}
}

// TestPatchTaskTimeoutKeepsSchema: patching a built-in provider's
// configuration's task_timeout changes that and nothing else (its schema,
// set by Coffer, stays).
func TestPatchTaskTimeoutKeepsSchema(t *testing.T) {
	ts := servertest.New(t)
	ctx := context.Background()
	sm := ts.Client.SecretsManager("")
	admin, err := sm.CreateSecret(ctx, api.SecretPrototype{SecretType: "kv", Name: "db-admin",
		Data: api.SecretJSON(`{"host":"127.0.0.1","port":5432,"username":"postgres","password":"p"}`)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sm.CreateConfiguration(ctx, api.ConfigurationPrototype{ConfigType: "custom_credentials_configuration", Name: "db",
		CofferProvider: &api.CofferProvider{Provider: "postgres", AdminSecretID: admin.ID,
			Template: api.CofferProviderTemplate{RoleNamePattern: "app_{{.Secret}}_{{.Version}}", Grants: []string{"SELECT ON ALL TABLES IN SCHEMA public"}}}})
	if err != nil {
		t.Fatalf("CreateConfiguration: %v", err)
	}
	before, err := sm.Configuration(ctx, "db", "custom_credentials_configuration")
	if err != nil || before.Schema == nil {
		t.Fatalf("Configuration = %+v, %v; want a schema", before, err)
	}
	after, err := sm.UpdateConfiguration(ctx, "db", "custom_credentials_configuration", api.ConfigurationPatch{TaskTimeout: "15m"})
	if err != nil {
		t.Fatalf("UpdateConfiguration: %v", err)
	}
	if after.TaskTimeout != "15m" {
		t.Errorf("task_timeout after the patch = %q, want 15m", after.TaskTimeout)
	}
	if diff := cmp.Diff(before.Schema, after.Schema); diff != "" {
		t.Errorf("schema changed by a task_timeout patch (-before +after):\n%s", diff)
	}
}
