package secrets_test

import (
	"context"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/events"
	"github.com/cofferhq/coffer/internal/servertest"
)

// An external provider's answers through the task API raise the same events
// as the built-in providers': credentials.created, and rotation_failed for a
// create task it could not carry out.
func TestTaskAnswersPublishEvents(t *testing.T) {
	ts := servertest.New(t)
	ctx := context.Background()
	sm := ts.Client.SecretsManager("")
	h, url := newHook(t)
	addHook(t, sm, h, url)
	registerNotifications(t, sm)
	if _, err := sm.CreateConfiguration(ctx, api.ConfigurationPrototype{ConfigType: "custom_credentials_configuration",
		Name: "ext", CodeEngine: &api.CodeEngine{JobName: "job", ProjectID: "project", Region: "us-south"}}); err != nil {
		t.Fatalf("CreateConfiguration: %v", err)
	}
	updater := client.New(client.Config{URL: ts.URL, APIKey: api.Sensitive(taskUpdaterKey(t, ts))}).SecretsManager("")

	sec, err := sm.CreateSecret(ctx, api.SecretPrototype{SecretType: "custom_credentials", Name: "db", Configuration: "ext"})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	task := onlyTask(t, sm, sec.ID)
	if _, err := updater.ReplaceSecretTask(ctx, sec.ID, task.ID, api.SecretTaskPrototype{Status: "credentials_created",
		Credentials: &api.NewCredentials{ID: "user-1", Payload: api.SecretJSON(`{"username":"u1"}`)}}); err != nil {
		t.Fatalf("ReplaceSecretTask(credentials_created): %v", err)
	}
	if _, err := sm.CreateSecretVersion(ctx, sec.ID, api.SecretVersionPrototype{}); err != nil {
		t.Fatalf("CreateSecretVersion: %v", err)
	}
	tasks, err := sm.ListSecretTasks(ctx, sec.ID)
	if err != nil {
		t.Fatal(err)
	}
	var queued string
	for _, tk := range tasks.Tasks {
		if tk.Status == api.TaskStatusQueued {
			queued = tk.ID
		}
	}
	if _, err := updater.ReplaceSecretTask(ctx, sec.ID, queued, api.SecretTaskPrototype{Status: "failed",
		Errors: []api.SecretTaskError{{Code: "db_down", Description: "the database did not answer"}}}); err != nil {
		t.Fatalf("ReplaceSecretTask(failed): %v", err)
	}
	got := h.waitTypes(t, []string{events.SecretCreated, events.CredentialsCreated, events.SecretRotated,
		events.SecretRotationFailed})
	if got[1].Data["task_id"] != task.ID || got[1].SecretID != sec.ID {
		t.Errorf("credentials.created event = %+v, want task %s of secret %s", got[1], task.ID, sec.ID)
	}
}

func onlyTask(t *testing.T, sm *client.SecretsClient, secretID string) api.SecretTask {
	t.Helper()
	l, err := sm.ListSecretTasks(context.Background(), secretID)
	if err != nil || len(l.Tasks) != 1 {
		t.Fatalf("ListSecretTasks = %+v, %v; want one task", l, err)
	}
	return l.Tasks[0]
}

// TestFirstPayloadFromTask: in a fresh instance, the first payload that
// needs sealing can arrive in a provider's answer to a task. Sealing then
// creates the instance's first data key; the answer must complete (it once
// waited forever for the write it was itself holding up) and its
// credentials must read back.
func TestFirstPayloadFromTask(t *testing.T) {
	ts := servertest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sm := ts.Client.SecretsManager("")
	if _, err := sm.CreateConfiguration(ctx, api.ConfigurationPrototype{ConfigType: "custom_credentials_configuration",
		Name: "ext", CodeEngine: &api.CodeEngine{JobName: "job", ProjectID: "project", Region: "us-south"}}); err != nil {
		t.Fatalf("CreateConfiguration: %v", err)
	}
	sec, err := sm.CreateSecret(ctx, api.SecretPrototype{SecretType: "custom_credentials", Name: "first", Configuration: "ext"})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	updater := client.New(client.Config{URL: ts.URL, APIKey: api.Sensitive(taskUpdaterKey(t, ts))}).SecretsManager("")
	if _, err := updater.ReplaceSecretTask(ctx, sec.ID, onlyTask(t, sm, sec.ID).ID, api.SecretTaskPrototype{Status: "credentials_created",
		Credentials: &api.NewCredentials{ID: "user-1", Payload: api.SecretJSON(`{"username":"u1"}`)}}); err != nil {
		t.Fatalf("ReplaceSecretTask(credentials_created): %v", err)
	}
	got, err := sm.Secret(ctx, sec.ID)
	if err != nil || string(got.CredentialsContent.Reveal()) != `{"username":"u1"}` {
		t.Errorf("Secret after the answer: credentials_content %s, %v; want the reported payload", got.CredentialsContent.Reveal(), err)
	}
}
