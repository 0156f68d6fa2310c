package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// SecretConfiguration is a Secrets Manager configuration of an instance.
// Names are unique per instance and type. Metadata is the service's JSON
// document of the non-secret fields; Sealed the ciphertext of the secret
// ones (nil when the type has none).
type SecretConfiguration struct {
	InstanceGUID string
	ConfigType   string
	Name         string
	SecretType   string
	Metadata     []byte
	Sealed       []byte
	CreatedBy    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Revision     int64
}

const configCols = "instance_guid, config_type, name, secret_type, metadata, sealed, created_by, created_at, updated_at, revision"

func scanConfig(s scanner) (*SecretConfiguration, error) {
	c := new(SecretConfiguration)
	err := s.Scan(&c.InstanceGUID, &c.ConfigType, &c.Name, &c.SecretType, (*textBytes)(&c.Metadata),
		(*textBytes)(&c.Sealed), &c.CreatedBy, (*usec)(&c.CreatedAt), (*usec)(&c.UpdatedAt), &c.Revision)
	return c, err
}

// CreateSecretConfiguration stores a new configuration. Errors:
// ErrAlreadyExists (same type and name in the instance),
// api.ErrFailedPrecondition (no such instance), api.ErrInvalid.
func (q *queries) CreateSecretConfiguration(ctx context.Context, c *SecretConfiguration) error {
	if err := required("create configuration", "instance", c.InstanceGUID, "type", c.ConfigType, "name", c.Name); err != nil {
		return err
	}
	created, updated := createTimes(c.CreatedAt, c.UpdatedAt)
	err := q.create(ctx, fmt.Sprintf("configuration %q", c.Name),
		`INSERT INTO secret_configurations (`+configCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		c.InstanceGUID, c.ConfigType, c.Name, c.SecretType, string(c.Metadata), nilBytes(c.Sealed), c.CreatedBy,
		micros(created), micros(updated))
	if err != nil {
		return err
	}
	c.CreatedAt, c.UpdatedAt, c.Revision = created, updated, 1
	return nil
}

// SecretConfigurationsNamed returns the instance's configurations named
// name (one per type at most).
func (q *queries) SecretConfigurationsNamed(ctx context.Context, instance, name string) ([]*SecretConfiguration, error) {
	return getAll(ctx, q, scanConfig, fmt.Sprintf("configuration %q", name),
		`SELECT `+configCols+` FROM secret_configurations WHERE instance_guid = ? AND name = ? ORDER BY config_type`,
		instance, name)
}

// SecretConfigurations returns every configuration of the instance, oldest
// first.
func (q *queries) SecretConfigurations(ctx context.Context, instance string) ([]*SecretConfiguration, error) {
	return getAll(ctx, q, scanConfig, "list configurations",
		`SELECT `+configCols+` FROM secret_configurations WHERE instance_guid = ? ORDER BY created_at, config_type, name`,
		instance)
}

// UpdateSecretConfiguration writes the metadata and sealed parts under the
// revision rule. Errors: ErrNotFound, ErrConflict.
func (q *queries) UpdateSecretConfiguration(ctx context.Context, c *SecretConfiguration) error {
	t := now()
	err := q.update(ctx, fmt.Sprintf("configuration %q", c.Name),
		`UPDATE secret_configurations SET metadata = ?, sealed = ?, updated_at = ?, revision = revision + 1
		 WHERE instance_guid = ? AND config_type = ? AND name = ? AND revision = ?`,
		[]any{string(c.Metadata), nilBytes(c.Sealed), micros(t), c.InstanceGUID, c.ConfigType, c.Name, c.Revision},
		`SELECT 1 FROM secret_configurations WHERE instance_guid = ? AND config_type = ? AND name = ?`,
		c.InstanceGUID, c.ConfigType, c.Name)
	if err != nil {
		return err
	}
	c.Revision++
	c.UpdatedAt = t
	return nil
}

// DeleteSecretConfiguration deletes a configuration. Errors: ErrNotFound.
func (q *queries) DeleteSecretConfiguration(ctx context.Context, instance, configType, name string) error {
	return q.execOne(ctx, fmt.Sprintf("configuration %q", name),
		`DELETE FROM secret_configurations WHERE instance_guid = ? AND config_type = ? AND name = ?`,
		instance, configType, name)
}

// NotificationsRegistration is an instance's Event Notifications
// registration. TestRequestedAt is when a test event was last asked for.
type NotificationsRegistration struct {
	InstanceGUID      string
	InstanceCRN       string
	SourceName        string
	SourceDescription string
	TestRequestedAt   time.Time
	CreatedBy         string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Revision          int64
}

const notifCols = "instance_guid, instance_crn, source_name, source_description, test_requested_at, created_by, " +
	"created_at, updated_at, revision"

func scanNotif(s scanner) (*NotificationsRegistration, error) {
	n := new(NotificationsRegistration)
	err := s.Scan(&n.InstanceGUID, &n.InstanceCRN, &n.SourceName, &n.SourceDescription, (*nullUsec)(&n.TestRequestedAt),
		&n.CreatedBy, (*usec)(&n.CreatedAt), (*usec)(&n.UpdatedAt), &n.Revision)
	return n, err
}

// PutNotificationsRegistration creates the instance's registration or
// replaces it. Errors: api.ErrFailedPrecondition (no such instance).
func (q *queries) PutNotificationsRegistration(ctx context.Context, n *NotificationsRegistration) error {
	if err := required("register notifications", "instance", n.InstanceGUID); err != nil {
		return err
	}
	created, updated := createTimes(n.CreatedAt, n.UpdatedAt)
	err := q.create(ctx, "notifications registration",
		`INSERT INTO notifications_registrations (`+notifCols+`) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, 1)
		 ON CONFLICT (instance_guid) DO UPDATE SET instance_crn = excluded.instance_crn,
		 source_name = excluded.source_name, source_description = excluded.source_description,
		 test_requested_at = NULL, updated_at = excluded.updated_at,
		 revision = notifications_registrations.revision + 1`,
		n.InstanceGUID, n.InstanceCRN, n.SourceName, n.SourceDescription, n.CreatedBy, micros(created), micros(updated))
	if err != nil {
		return err
	}
	n.CreatedAt, n.UpdatedAt = created, updated
	return nil
}

// NotificationsRegistration returns the instance's registration, or
// ErrNotFound.
func (q *queries) NotificationsRegistration(ctx context.Context, instance string) (*NotificationsRegistration, error) {
	return getOne(ctx, q, scanNotif, "notifications registration",
		`SELECT `+notifCols+` FROM notifications_registrations WHERE instance_guid = ?`, instance)
}

// DeleteNotificationsRegistration deletes the registration. Errors:
// ErrNotFound.
func (q *queries) DeleteNotificationsRegistration(ctx context.Context, instance string) error {
	return q.execOne(ctx, "notifications registration",
		`DELETE FROM notifications_registrations WHERE instance_guid = ?`, instance)
}

// MarkNotificationsTest records that a test event was requested at t.
// Errors: ErrNotFound.
func (q *queries) MarkNotificationsTest(ctx context.Context, instance string, t time.Time) error {
	return q.execOne(ctx, "notifications registration",
		`UPDATE notifications_registrations SET test_requested_at = ? WHERE instance_guid = ?`, micros(t), instance)
}

// SecretTask is a custom credentials task of a secret. Errors is a JSON
// array of {code, description}.
type SecretTask struct {
	ID        string
	SecretID  string
	VersionID string
	Type      string
	Status    string
	Trigger   string
	Errors    []byte
	CreatedBy string
	UpdatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
	Revision  int64
}

const taskCols = "id, secret_id, version_id, task_type, status, task_trigger, errors, created_by, updated_by, " +
	"created_at, updated_at, revision"

func scanTask(s scanner) (*SecretTask, error) {
	t := new(SecretTask)
	err := s.Scan(&t.ID, &t.SecretID, &t.VersionID, &t.Type, &t.Status, &t.Trigger, (*textBytes)(&t.Errors),
		&t.CreatedBy, &t.UpdatedBy, (*usec)(&t.CreatedAt), (*usec)(&t.UpdatedAt), &t.Revision)
	return t, err
}

// CreateSecretTask stores a new task. Errors: ErrAlreadyExists,
// api.ErrFailedPrecondition (no such secret), api.ErrInvalid.
func (q *queries) CreateSecretTask(ctx context.Context, t *SecretTask) error {
	if err := required("create task", "id", t.ID, "secret", t.SecretID); err != nil {
		return err
	}
	created, updated := createTimes(t.CreatedAt, t.UpdatedAt)
	errs := string(t.Errors)
	if errs == "" {
		errs = "[]"
	}
	err := q.create(ctx, "task "+t.ID,
		`INSERT INTO secret_tasks (`+taskCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		t.ID, t.SecretID, t.VersionID, t.Type, t.Status, t.Trigger, errs, t.CreatedBy, t.UpdatedBy,
		micros(created), micros(updated))
	if err != nil {
		return err
	}
	t.CreatedAt, t.UpdatedAt, t.Revision = created, updated, 1
	return nil
}

// SecretTask returns the task id of the secret, or ErrNotFound.
func (q *queries) SecretTask(ctx context.Context, secretID, id string) (*SecretTask, error) {
	return getOne(ctx, q, scanTask, "task "+id,
		`SELECT `+taskCols+` FROM secret_tasks WHERE secret_id = ? AND id = ?`, secretID, id)
}

// SecretTasks returns the secret's tasks, oldest first.
func (q *queries) SecretTasks(ctx context.Context, secretID string) ([]*SecretTask, error) {
	return getAll(ctx, q, scanTask, "list tasks of secret "+secretID,
		`SELECT `+taskCols+` FROM secret_tasks WHERE secret_id = ? ORDER BY created_at, id`, secretID)
}

// UpdateSecretTask writes the status, errors and updater under the
// revision rule. Errors: ErrNotFound, ErrConflict.
func (q *queries) UpdateSecretTask(ctx context.Context, t *SecretTask) error {
	ts := now()
	err := q.update(ctx, "task "+t.ID,
		`UPDATE secret_tasks SET status = ?, errors = ?, updated_by = ?, updated_at = ?, revision = revision + 1
		 WHERE id = ? AND secret_id = ? AND revision = ?`,
		[]any{t.Status, string(t.Errors), t.UpdatedBy, micros(ts), t.ID, t.SecretID, t.Revision},
		`SELECT 1 FROM secret_tasks WHERE id = ?`, t.ID)
	if err != nil {
		return err
	}
	t.Revision++
	t.UpdatedAt = ts
	return nil
}

// OpenSecretTask is a task not yet answered, with its secret's instance.
type OpenSecretTask struct {
	SecretTask
	InstanceGUID string
}

// OpenSecretTasks returns at most limit tasks, of every instance, that are
// still queued or processing and were created before createdBefore,
// oldest first.
func (q *queries) OpenSecretTasks(ctx context.Context, createdBefore time.Time, limit int) ([]*OpenSecretTask, error) {
	return getAll(ctx, q, func(s scanner) (*OpenSecretTask, error) {
		t := new(OpenSecretTask)
		err := s.Scan(&t.ID, &t.SecretID, &t.VersionID, &t.Type, &t.Status, &t.Trigger, (*textBytes)(&t.Errors),
			&t.CreatedBy, &t.UpdatedBy, (*usec)(&t.CreatedAt), (*usec)(&t.UpdatedAt), &t.Revision, &t.InstanceGUID)
		return t, err
	}, "list open tasks",
		`SELECT `+openTaskCols+`, s.instance_guid FROM secret_tasks t JOIN secrets s ON s.id = t.secret_id
		 WHERE t.status IN ('queued', 'processing') AND t.created_at < ? ORDER BY t.created_at, t.id LIMIT ?`,
		micros(createdBefore), limit)
}

// openTaskCols is taskCols qualified with the alias t.
var openTaskCols = "t." + strings.ReplaceAll(taskCols, ", ", ", t.")

// DeleteSecretTask deletes a task. Errors: ErrNotFound.
func (q *queries) DeleteSecretTask(ctx context.Context, secretID, id string) error {
	return q.execOne(ctx, "task "+id, `DELETE FROM secret_tasks WHERE secret_id = ? AND id = ?`, secretID, id)
}
