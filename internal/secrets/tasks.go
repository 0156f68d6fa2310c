package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/events"
	"github.com/cofferhq/coffer/internal/secrets/secrettype"
	"github.com/cofferhq/coffer/internal/store"
)

func taskView(t *store.SecretTask) api.SecretTask {
	out := api.SecretTask{ID: t.ID, CreatedBy: t.CreatedBy, CreationDate: api.NewSecretsTime(t.CreatedAt),
		LastUpdateDate: api.NewSecretsTime(t.UpdatedAt), UpdatedBy: t.UpdatedBy, Type: t.Type, Status: t.Status,
		Trigger: t.Trigger, SecretID: t.SecretID, SecretVersionID: t.VersionID}
	if len(t.Errors) > 0 {
		_ = json.Unmarshal(t.Errors, &out.Errors)
	}
	return out
}

func errTaskNotFound(id string) error { return api.Errorf(api.ErrNotFound, "task %s not found", id) }

// taskSecret finds a custom_credentials secret for a task operation.
func (s *Service) taskSecret(ctx context.Context, cred authz.Credential, instance, secretID, action string) (*call, *store.Secret, error) {
	c, x, err := s.secretFor(ctx, cred, instance, secretID, action)
	if err != nil {
		return nil, nil, err
	}
	if x.Type != api.SecretTypeCustomCredentials {
		return nil, nil, api.Errorf(api.ErrInvalid, "tasks exist only for custom_credentials secrets")
	}
	return c, x, nil
}

// ListSecretTasks returns the tasks of a custom_credentials secret
// (secrets-manager.secret-tasks.list). Errors: api.ErrNotFound, api.ErrInvalid.
func (s *Service) ListSecretTasks(ctx context.Context, cred authz.Credential, instance, secretID string) (*api.SecretTaskList, error) {
	_, x, err := s.taskSecret(ctx, cred, instance, secretID, actTasksList)
	if err != nil {
		return nil, err
	}
	rows, err := s.st.SecretTasks(ctx, x.ID)
	if err != nil {
		return nil, err
	}
	out := &api.SecretTaskList{Tasks: make(api.List[api.SecretTask], 0, len(rows))}
	for _, t := range rows {
		out.Tasks = append(out.Tasks, taskView(t))
	}
	return out, nil
}

// SecretTask returns task id of the secret (secrets-manager.secret-task.read).
// Errors: api.ErrNotFound, api.ErrInvalid.
func (s *Service) SecretTask(ctx context.Context, cred authz.Credential, instance, secretID, id string) (*api.SecretTask, error) {
	_, x, err := s.taskSecret(ctx, cred, instance, secretID, actTaskRead)
	if err != nil {
		return nil, err
	}
	t, err := s.st.SecretTask(ctx, x.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errTaskNotFound(id)
	} else if err != nil {
		return nil, err
	}
	v := taskView(t)
	return &v, nil
}

// ReplaceSecretTask records a provider's report on a task
// (secrets-manager.secret-task.update, IBM's SecretTaskUpdater role): status
// credentials_created with credentials {id, payload} stores the payload as
// the data of the task's version; credentials_deleted and failed (with
// errors) update the task. Errors: api.ErrNotFound, api.ErrInvalid,
// api.ErrFailedPrecondition (the task is already finished).
func (s *Service) ReplaceSecretTask(ctx context.Context, cred authz.Credential, instance, secretID, id string, body []byte) (*api.SecretTask, error) {
	c, x, err := s.taskSecret(ctx, cred, instance, secretID, actTaskUpdate)
	if err != nil {
		return nil, err
	}
	p, err := decodeTaskUpdate(body)
	if err != nil {
		return nil, err
	}
	return s.replaceTask(ctx, c, x, id, p)
}

// replaceTask records report p on task id of x for the caller of c: the
// internals of ReplaceSecretTask, which the built-in providers' runner calls
// as the system. credentials_created answers only a create_credentials
// task, credentials_deleted only a delete_credentials one (and destroys
// the data of its version); failed records the task as the secret's
// last_failed_task_id.
func (s *Service) replaceTask(ctx context.Context, c *call, x *store.Secret, id string, p *api.SecretTaskPrototype) (*api.SecretTask, error) {
	t, err := s.st.SecretTask(ctx, x.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errTaskNotFound(id)
	} else if err != nil {
		return nil, err
	}
	if t.Status != api.TaskStatusQueued && t.Status != api.TaskStatusProcessing {
		return nil, api.Errorf(api.ErrFailedPrecondition, "task %s is already %s", id, t.Status)
	}
	if err := checkTaskReport(t, p.Status); err != nil {
		return nil, err
	}
	t.Status, t.UpdatedBy = p.Status, c.p.IAMID
	t.Errors = encodeMetadata(api.List[api.SecretTaskError](p.Errors))
	var sealed []byte
	if p.Status == api.TaskStatusCredentialsCreated {
		// Sealed before the transaction: sealing may create the instance's
		// first data key, itself a write, which must not wait for the
		// transaction it would run in.
		if sealed, err = s.sealCredentials(ctx, c, x, t.VersionID, p.Credentials); err != nil {
			return nil, err
		}
	}
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		if err := s.applyTaskReport(ctx, tx, c, x, t, p, sealed); err != nil {
			return err
		}
		if err := tx.UpdateSecretTask(ctx, t); err != nil {
			return err
		}
		return s.publishTaskReport(ctx, tx, c, x, t)
	})
	if err != nil {
		return nil, storeErr(err, "task "+id)
	}
	v := taskView(t)
	return &v, nil
}

// publishTaskReport queues the event of a task's outcome, in the same
// transaction as the outcome, whoever answered it (a built-in provider or an
// external one through the task API).
func (s *Service) publishTaskReport(ctx context.Context, tx *store.Tx, c *call, x *store.Secret, t *store.SecretTask) error {
	data := map[string]string{"task_id": t.ID, "task_type": t.Type}
	switch t.Status {
	case api.TaskStatusCredentialsCreated:
		return s.publishTx(ctx, tx, c.in, x, events.CredentialsCreated, t.VersionID, data)
	case api.TaskStatusCredentialsDeleted:
		return s.publishTx(ctx, tx, c.in, x, events.CredentialsDeleted, t.VersionID, data)
	case api.TaskStatusFailed:
		if t.Type == api.TaskTypeCreateCredentials {
			return s.publishTx(ctx, tx, c.in, x, events.SecretRotationFailed, t.VersionID, data)
		}
	}
	return nil
}

// checkTaskReport refuses a report that does not fit the task's type.
func checkTaskReport(t *store.SecretTask, status string) error {
	switch {
	case status == api.TaskStatusCredentialsCreated && t.Type != api.TaskTypeCreateCredentials,
		status == api.TaskStatusCredentialsDeleted && t.Type != api.TaskTypeDeleteCredentials:
		return api.Errorf(api.ErrInvalid, "status %s does not answer a %s task", status, t.Type)
	}
	return nil
}

// applyTaskReport stores what a report changes besides the task itself;
// sealed is the credentials' payload of a credentials_created report, as
// sealCredentials returned it.
func (s *Service) applyTaskReport(ctx context.Context, tx *store.Tx, c *call, x *store.Secret, t *store.SecretTask, p *api.SecretTaskPrototype, sealed []byte) error {
	switch p.Status {
	case api.TaskStatusCredentialsCreated:
		return s.deliver(ctx, tx, x, t.VersionID, p.Credentials.ID, sealed)
	case api.TaskStatusCredentialsDeleted:
		err := tx.DestroySecretVersionData(ctx, x.ID, t.VersionID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	case api.TaskStatusFailed:
		m, err := s.metadataOf(c, x)
		if err != nil {
			return err
		}
		m.LastFailedTaskID = t.ID
		rowFrom(x, m)
		return tx.UpdateSecret(ctx, x)
	}
	return nil
}

func decodeTaskUpdate(body []byte) (*api.SecretTaskPrototype, error) {
	status, err := api.Discriminator(body, "status")
	if err != nil {
		return nil, err
	}
	p := new(api.SecretTaskPrototype)
	var req []string
	switch status {
	case api.TaskStatusCredentialsCreated:
		req = []string{"status", "credentials"}
	case api.TaskStatusCredentialsDeleted:
		req = []string{"status"}
	case api.TaskStatusFailed:
		req = []string{"status", "errors"}
	default:
		return nil, api.Errorf(api.ErrInvalid, "status must be credentials_created, credentials_deleted or failed")
	}
	if _, err := decodeStrict(body, status+" task update", req, req, p); err != nil {
		return nil, err
	}
	if c := p.Credentials; c != nil && (c.ID == "" || len(c.Payload) == 0) {
		return nil, api.Errorf(api.ErrInvalid, "credentials.id and credentials.payload are required")
	}
	return p, nil
}

// sealCredentials checks reported credentials and returns their payload
// sealed for version versionID of x.
func (s *Service) sealCredentials(ctx context.Context, c *call, x *store.Secret, versionID string, creds *api.NewCredentials) ([]byte, error) {
	payload, err := secrettype.CustomCredentialsPayload(creds.Payload, secrettype.Env{Now: s.now(), MaxPayload: s.maxPayload()})
	if err != nil {
		return nil, err
	}
	defer zero(payload)
	return s.seal(ctx, c.in.GUID, x.ID, versionID, payload)
}

// deliver stores sealed (sealCredentials) as the data of version
// versionID, with the credentials' id.
func (s *Service) deliver(ctx context.Context, tx *store.Tx, x *store.Secret, versionID, credentialsID string, sealed []byte) error {
	v, err := tx.SecretVersion(ctx, x.ID, versionID)
	if err != nil {
		return fmt.Errorf("version %s of task: %w", versionID, err)
	}
	m, err := versionMetaOf(x, v)
	if err != nil {
		return err
	}
	m.CredentialsID = credentialsID
	v.Metadata = encodeMetadata(m)
	v.Payload, v.PayloadAvailable = sealed, true
	if err := tx.UpdateSecretVersion(ctx, v); err != nil {
		return err
	}
	if x.State == api.StatePreActivation {
		x.State = api.StateActive
		return tx.UpdateSecret(ctx, x)
	}
	return nil
}

// DeleteSecretTask deletes a task (secrets-manager.secret-task.delete).
// Errors: api.ErrNotFound, api.ErrInvalid.
func (s *Service) DeleteSecretTask(ctx context.Context, cred authz.Credential, instance, secretID, id string) error {
	_, x, err := s.taskSecret(ctx, cred, instance, secretID, actTaskDelete)
	if err != nil {
		return err
	}
	err = s.st.DeleteSecretTask(ctx, x.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return errTaskNotFound(id)
	}
	return err
}
